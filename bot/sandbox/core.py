"""The :class:`Sandbox`: an in-memory GitHub (REST + webhooks + GraphQL sponsors) served by aiohttp."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import re
import time
from collections.abc import Callable, Iterable

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .actions import ActionsMixin
from .faults import FaultInjector
from .gitobj import MODE_FILE, Signature
from .graphql_api import handle_graphql
from .http import HttpMixin
from .render import Renderer, diff_stats
from .routes import HANDLERS
from .seeding import Seeder
from .state import (
    PERMISSION_ROLES,
    Call,
    Comment,
    Delivery,
    Installation,
    Issue,
    Label,
    RateBucket,
    Release,
    RepoState,
    Sponsorship,
    Token,
    User,
)
from .webhooks import delivery_item

DEFAULT_PERMISSIONS = {
    "checks": "write", "contents": "write", "issues": "write", "metadata": "read", "pull_requests": "write",
}
DEFAULT_EVENTS = ["issues", "issue_comment", "pull_request", "push", "release", "repository"]


_key_cache: dict[int, bytes] = {}


def _generate_key(seed: int) -> bytes:
    # RSA key generation costs ~50-100 ms; sandboxes created with the same seed in one process share it.
    if seed not in _key_cache:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _key_cache[seed] = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption())
    return _key_cache[seed]


class Sandbox(HttpMixin, ActionsMixin):
    """An in-memory GitHub served over HTTP (REST, ``POST /graphql``) that also sends webhooks.

    Typical use::

        sb = Sandbox()                      # validate=True: requests are checked against GitHub's description
        await sb.start()                    # -> sb.base_url, e.g. http://127.0.0.1:43121
        sb.add_repo("octo-org/app", files={"README.md": "# app"}, owner_type="Organization")
        iid = sb.add_installation("octo-org")["id"]
        sb.webhook_url = "http://127.0.0.1:8080/api/github/webhooks"
        issue = await sb.open_issue("octo-org/app", "alice", "Crash", "details")   # delivers issues.opened
        ...                                 # the bot calls the API with a JWT / installation token
        await sb.drain()                    # webhooks caused by the bot's own API calls are sent in the background
        assert sb.violations == []
        await sb.stop()

    The world is set up synchronously (``add_*``, ``set_permission``, ``seed_from_payload``); user actions are
    coroutines that change the world and deliver the webhook GitHub would send (only when an installation
    covers the repository and subscribes to the event, as on GitHub). API calls by the app that GitHub
    would announce (comments, labels, issue edits, pushes, PRs, releases) are delivered back to the app too
    (``deliver_api_events``). Different ``seed`` values give different app keys, tokens and fault draws.
    """

    def __init__(self, *, validate: bool = True, webhook_secret: str = "sandbox-secret",
                 clock: Callable[[], float] = time.time, seed: int = 0, app_id: int = 1,
                 app_slug: str = "fundbot", validate_responses: bool | None = None,
                 deliver_api_events: bool = True) -> None:
        self.validate = validate
        if validate_responses is None:  # FUNDBOT_SANDBOX_VALIDATE_RESPONSES=1 checks every answer's shape too
            validate_responses = os.environ.get("FUNDBOT_SANDBOX_VALIDATE_RESPONSES", "") not in ("", "0")
        self.validate_responses = validate_responses
        self.deliver_api_events = deliver_api_events
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.clock = clock
        self.seed = seed
        self._rng = random.Random(seed)
        self.app_id = app_id
        self.app_slug = app_slug
        self.app_name = app_slug
        self.app_permissions = dict(DEFAULT_PERMISSIONS)
        self.app_events = list(DEFAULT_EVENTS)
        self.private_key_pem: bytes = _generate_key(seed)
        self.created_at = self.clock()
        self.hook_id = 100000 + app_id
        self.latency = 0.0
        self.faults = FaultInjector(seed)
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.base_url = ""
        self.render = Renderer(self)

        self._ids: dict[str, int] = {}
        self._users: dict[str, User] = {}
        self._repos: dict[int, RepoState] = {}
        self._repo_names: dict[str, int] = {}  # lower full name -> id
        self._installations: dict[int, Installation] = {}
        self._tokens: dict[str, Token] = {}
        self._deliveries: list[Delivery] = []
        self._sponsorships: list[Sponsorship] = []
        self._rate: dict[tuple, RateBucket] = {}
        self._stats_cache: dict[tuple, tuple[int, int, int]] = {}
        self._tasks: set[asyncio.Task] = set()
        self._queue: list[tuple[str, dict]] = []
        self._queue_task: asyncio.Task | None = None
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.graphql_forbidden: set[str] = set()  # logins (or "*") whose sponsorships answer FORBIDDEN
        self.graphql_viewer: str | None = None  # login `viewer` resolves to (default: the installation account)

        self.app_owner = self._ensure_user("fundbot-dev", type="User")
        self.bot_user = self._ensure_user(f"{app_slug}[bot]", type="Bot", id=41898282 + app_id)
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._init_http()
        self._handlers = HANDLERS  # the REST operations, by operationId (bot.sandbox.routes)
        self._graphql = handle_graphql  # POST /graphql (bot.sandbox.graphql_api)
        self.seeder = Seeder(self)

    # ------------------------------------------------------------------------------------------
    # lifecycle
    # ------------------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return self.base_url or "https://api.github.com"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        real_port = sockets[0].getsockname()[1] if sockets else port
        self.base_url = f"http://{host}:{real_port}"
        return self.base_url

    async def stop(self) -> None:
        await self.drain(timeout=2.0)
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            try:
                await t
            except (asyncio.CancelledError, Exception):
                pass
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Sandbox:
        if not self.base_url:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------------------------------
    # ids and lookups
    # ------------------------------------------------------------------------------------------
    _ID_BASES = {"user": 1000, "repo": 100000, "issue": 2000000, "pull": 3000000, "comment": 4000000,
                 "label": 5000000, "release": 6000000, "check_run": 7000000, "check_suite": 7500000,
                 "reaction": 8000000, "event": 9000000, "installation": 10000, "delivery": 20000000,
                 "sponsorship": 30000000}

    def _new_id(self, kind: str) -> int:
        n = self._ids.get(kind, self._ID_BASES.get(kind, 1))
        self._ids[kind] = n + 1
        return n

    def _claim_id(self, kind: str, ident: int) -> int:
        if ident >= self._ids.get(kind, self._ID_BASES.get(kind, 1)):
            self._ids[kind] = ident + 1
        return ident

    def _ensure_user(self, login: str, *, id: int | None = None, type: str = "User",
                     site_admin: bool = False) -> User:
        u = self._users.get(login.lower())
        if u is None:
            uid = self._claim_id("user", id) if id is not None else self._new_id("user")
            u = User(login=login, id=uid, type=type, site_admin=site_admin, created_at=self.created_at)
            self._users[login.lower()] = u
        return u

    def _user(self, who: str | User) -> User:
        if isinstance(who, User):
            return who
        return self._ensure_user(who)

    def _user_by_email(self, email: str) -> User | None:
        m = re.fullmatch(r"(\d+)\+(.+)@users\.noreply\.github\.com", email or "")
        if m:
            u = self._users.get(m.group(2).lower())
            if u is not None:
                return u
        for u in self._users.values():
            if u.email and u.email == email:
                return u
        return None

    def _repo(self, full_name: str) -> RepoState:
        rid = self._repo_names.get(full_name.lower())
        if rid is None:
            raise KeyError(f"no repository {full_name!r} in the sandbox")
        return self._repos[rid]

    def _find_repo(self, owner: str, name: str) -> RepoState | None:
        rid = self._repo_names.get(f"{owner}/{name}".lower())
        return self._repos.get(rid) if rid is not None else None

    def _installation_for_repo(self, r: RepoState) -> Installation | None:
        for inst in self._installations.values():
            if inst.account is r.owner and (inst.repository_selection == "all" or r.id in inst.repo_ids):
                return inst
        return None

    def _installation_repos(self, inst: Installation) -> list[RepoState]:
        return sorted((r for r in self._repos.values() if r.owner is inst.account
                       and (inst.repository_selection == "all" or r.id in inst.repo_ids)), key=lambda r: r.id)

    def _signature(self, u: User) -> Signature:
        return Signature(u.name or u.login, u.email or f"{u.id}+{u.login}@users.noreply.github.com",
                         int(self.clock()))

    # ------------------------------------------------------------------------------------------
    # world setup (synchronous)
    # ------------------------------------------------------------------------------------------
    def add_user(self, login: str, *, id: int | None = None, type: str = "User", site_admin: bool = False,
                 name: str | None = None, email: str | None = None) -> dict:
        u = self._ensure_user(login, id=id, type=type, site_admin=site_admin)
        if name is not None:
            u.name = name
        if email is not None:
            u.email = email
        return self.render.user(u)

    def add_repo(self, full_name: str, *, id: int | None = None, default_branch: str = "main",
                 private: bool = False, files: dict[str, bytes | str] | None = None,
                 owner_type: str = "User", description: str | None = None) -> dict:
        r = self._create_repo(full_name, id=id, default_branch=default_branch, private=private, files=files,
                              owner_type=owner_type, description=description)
        return self.render.repo(r, full=True)

    def _create_repo(self, full_name: str, *, id: int | None = None, default_branch: str = "main",
                     private: bool = False, files: dict[str, bytes | str] | None = None,
                     owner_type: str = "User", description: str | None = None,
                     created_at: float | None = None) -> RepoState:
        owner_login, _, name = full_name.partition("/")
        if not owner_login or not name or "/" in name:
            raise ValueError(f"bad repository name {full_name!r}")
        if full_name.lower() in self._repo_names:
            raise ValueError(f"repository {full_name} already exists")
        owner = self._ensure_user(owner_login, type=owner_type)
        rid = self._claim_id("repo", id) if id is not None else self._new_id("repo")
        if rid in self._repos:
            raise ValueError(f"repository id {rid} already used by {self._repos[rid].full_name}")
        now = self.clock() if created_at is None else created_at
        r = RepoState(id=rid, name=name, owner=owner, private=private, default_branch=default_branch,
                      created_at=now, updated_at=now, pushed_at=now, description=description)
        self._repos[rid] = r
        self._repo_names[full_name.lower()] = rid
        if files is None:
            files = {"README.md": f"# {name}\n"}
        self._commit(r, default_branch, {p: _b(c) for p, c in files.items()}, "Initial commit", owner, parents=[])
        return r

    def add_installation(self, account_login: str, *, id: int | None = None, repos: Iterable[str] = (),
                         permissions: dict[str, str] | None = None, events: list[str] | None = None) -> dict:
        inst = self._create_installation(account_login, id=id, repos=repos, permissions=permissions, events=events)
        return self.render.installation(inst)

    def _create_installation(self, account_login: str, *, id: int | None = None, repos: Iterable[str] = (),
                             permissions: dict[str, str] | None = None, events: list[str] | None = None,
                             account_type: str | None = None, account_id: int | None = None) -> Installation:
        account = self._users.get(account_login.lower())
        if account is None:
            account = self._ensure_user(account_login, id=account_id, type=account_type or "User")
        repo_ids = set()
        for name in repos:
            full = name if "/" in name else f"{account.login}/{name}"
            r = self._repo(full)
            if r.owner is not account:
                raise ValueError(f"{full} does not belong to {account.login}")
            repo_ids.add(r.id)
        iid = self._claim_id("installation", id) if id is not None else self._new_id("installation")
        if iid in self._installations:
            raise ValueError(f"installation {iid} already exists")
        now = self.clock()
        inst = Installation(id=iid, account=account, repository_selection="selected" if repo_ids else "all",
                            repo_ids=repo_ids, permissions=dict(permissions or self.app_permissions),
                            events=list(events if events is not None else self.app_events),
                            created_at=now, updated_at=now)
        self._installations[iid] = inst
        return inst

    def set_permission(self, full_name: str, login: str, permission: str) -> None:
        if permission not in PERMISSION_ROLES:
            raise ValueError(f"permission must be one of {PERMISSION_ROLES}")
        r = self._repo(full_name)
        u = self._ensure_user(login)
        r.collaborators[u.login] = permission

    def add_label(self, full_name: str, name: str, color: str = "ededed", description: str | None = None) -> dict:
        r = self._repo(full_name)
        return self.render.label(r, self._ensure_label(r, name, color=color, description=description))

    def add_sponsorship(self, maintainer_login: str, sponsor_login: str, *, monthly_usd: int,
                        created_at: float | str | None = None, privacy: str = "PUBLIC", one_time: bool = False,
                        active: bool = True, sponsor_type: str = "User", tier_name: str | None = None) -> None:
        if privacy not in ("PUBLIC", "PRIVATE"):
            raise ValueError("privacy must be PUBLIC or PRIVATE")
        maintainer = self._ensure_user(maintainer_login)
        sponsor = self._ensure_user(sponsor_login, type=sponsor_type)
        if isinstance(created_at, str):
            created_at = _parse_iso(created_at)
        self._sponsorships.append(Sponsorship(
            id=self._new_id("sponsorship"), maintainer=maintainer, sponsor=sponsor, monthly_usd=int(monthly_usd),
            created_at=self.clock() if created_at is None else float(created_at), privacy=privacy,
            one_time=one_time, active=active, tier_name=tier_name))

    def forbid_graphql(self, login: str = "*", forbidden: bool = True) -> None:
        """Make sponsorship queries about ``login`` (or every login: "*") answer a FORBIDDEN error."""
        (self.graphql_forbidden.add if forbidden else self.graphql_forbidden.discard)(login)

    def set_rate_limit(self, installation_id: int | None, *, remaining: int | None = None,
                       limit: int | None = None, reset: float | None = None) -> None:
        """Adjust an installation's core bucket (installation_id None = the app's JWT bucket)."""
        b = self._bucket(("inst", installation_id) if installation_id is not None else ("app",))
        if limit is not None:
            b.limit = limit
        if remaining is not None:
            b.used = max(0, b.limit - remaining)
        if reset is not None:
            b.reset = reset

    # ------------------------------------------------------------------------------------------
    # inspection
    # ------------------------------------------------------------------------------------------
    def repo(self, full_name: str) -> RepoState:
        return self._repo(full_name)

    def file(self, full_name: str, path: str, ref: str | None = None) -> bytes | None:
        return self._repo(full_name).file(path, ref)

    def comments(self, full_name: str, number: int) -> list[dict]:
        r = self._repo(full_name)
        return [self.render.comment(r, c) for c in r.comments_on(number)]

    def issue(self, full_name: str, number: int) -> dict:
        r = self._repo(full_name)
        return self.render.issue(r, r.issues[number])

    def labels(self, full_name: str, number: int | None = None) -> list[str]:
        """Label names of the repository, or of one issue."""
        r = self._repo(full_name)
        if number is None:
            return [lb.name for lb in r.labels.values()]
        return r.issues[number].label_names

    def installation(self, installation_id: int) -> Installation:
        return self._installations[installation_id]

    @property
    def deliveries(self) -> list[dict]:
        """Every webhook sent, oldest first: the hook-delivery-item fields plus ``payload`` (parsed JSON),
        ``body`` (the exact bytes), ``headers`` (request headers) and ``response_body``."""
        out = []
        for d in self._deliveries:
            item = delivery_item(d)
            try:
                item["payload"] = json.loads(d.body)
            except ValueError:
                item["payload"] = None
            item.update(body=d.body, headers=dict(d.request_headers), response_body=d.response_body, url=d.url)
            out.append(item)
        return out

    def rate_limit_remaining(self, installation_id: int) -> int:
        return self._bucket(("inst", installation_id)).remaining

    def calls_to(self, method: str | None = None, path: str | None = None) -> list[Call]:
        """Recorded calls filtered by method and a regex searched in the path."""
        return [c for c in self.calls if (method is None or c.method == method.upper())
                and (path is None or re.search(path, c.path))]

    def token_for(self, installation_id: int) -> str:
        """Mint an installation token without HTTP (for tests that skip the JWT dance)."""
        return self._mint_token(self._installations[installation_id]).token

    # ------------------------------------------------------------------------------------------
    # internal mutations shared by HTTP handlers and actions
    # ------------------------------------------------------------------------------------------
    def _ensure_label(self, r: RepoState, name: str, *, color: str = "ededed",
                      description: str | None = None, id: int | None = None) -> Label:
        lb = r.labels.get(name.lower())
        if lb is None:
            lid = self._claim_id("label", id) if id is not None else self._new_id("label")
            lb = Label(id=lid, name=name, color=color.lstrip("#"), description=description)
            r.labels[name.lower()] = lb
        return lb

    def _new_issue(self, r: RepoState, user: User, title: str, body: str | None, *, number: int | None = None,
                   id: int | None = None, via_app: bool = False) -> Issue:
        if number is None:
            number = r.next_number
        r.next_number = max(r.next_number, number + 1)
        now = self.clock()
        iid = self._claim_id("issue", id) if id is not None else self._new_id("issue")
        issue = Issue(id=iid, number=number, title=title, body=body, user=user, created_at=now, updated_at=now,
                      via_app=via_app)
        r.issues[number] = issue
        return issue

    def _new_comment(self, r: RepoState, number: int, user: User, body: str, *, id: int | None = None,
                     via_app: bool = False) -> Comment:
        now = self.clock()
        cid = self._claim_id("comment", id) if id is not None else self._new_id("comment")
        c = Comment(id=cid, issue_number=number, user=user, body=body, created_at=now, updated_at=now,
                    via_app=via_app, order=self._new_id("timeline"))
        r.comments[cid] = c
        issue = r.issues.get(number)
        if issue is not None:
            issue.updated_at = now
        return c

    def _new_release(self, r: RepoState, user: User, tag: str, *, name: str | None = None, body: str | None = None,
                     draft: bool = False, prerelease: bool = False, target: str | None = None,
                     id: int | None = None) -> Release:
        now = self.clock()
        rid = self._claim_id("release", id) if id is not None else self._new_id("release")
        target = target or r.default_branch
        rel = Release(id=rid, tag_name=tag, target_commitish=target, name=name, body=body, draft=draft,
                      prerelease=prerelease, author=user, created_at=now, published_at=None if draft else now,
                      updated_at=now)
        r.releases[rid] = rel
        if not draft:
            self._ensure_tag(r, rel)
        return rel

    def _ensure_tag(self, r: RepoState, rel: Release) -> None:
        ref = f"refs/tags/{rel.tag_name}"
        if ref not in r.refs:
            sha = r.resolve(rel.target_commitish) or r.head
            if sha:
                r.refs[ref] = sha

    def _commit(self, r: RepoState, branch: str, changes: dict[str, bytes | None], message: str, author: User,
                *, parents: list[str] | None = None, committer: User | None = None,
                author_sig: Signature | None = None, committer_sig: Signature | None = None) -> tuple[str, str | None]:
        """Commit file changes (None deletes) on top of ``branch`` (created from the default branch).

        Returns (new commit sha, previous branch sha or None)."""
        ref = f"refs/heads/{branch}"
        old = r.refs.get(ref)
        base = old if old is not None else r.refs.get(f"refs/heads/{r.default_branch}")
        if parents is None:
            parents = [base] if base else []
        files = r.objects.flatten(r.objects.commits[parents[0]].tree) if parents else {}
        for path, data in changes.items():
            path = path.strip("/")
            if data is None:
                files.pop(path, None)
            else:
                mode = files.get(path, (MODE_FILE, ""))[0]
                files[path] = (mode, r.objects.put_blob(data))
        tree = r.objects.build_tree(files)
        a = author_sig or self._signature(author)
        c = committer_sig or (self._signature(committer) if committer else a)
        sha = r.objects.put_commit(tree, parents, a, c, message)
        r.refs[ref] = sha
        now = self.clock()
        r.pushed_at = now
        r.updated_at = now
        return sha, old

    def _ancestors(self, r: RepoState, sha: str | None) -> list[str]:
        """Commits reachable from ``sha`` (itself first), breadth first."""
        out, seen, queue = [], set(), collections.deque([sha] if sha else [])
        while queue:
            s = queue.popleft()
            if s in seen or s not in r.objects.commits:
                continue
            seen.add(s)
            out.append(s)
            queue.extend(r.objects.commits[s].parents)
        return out

    def _commits_between(self, r: RepoState, base: str | None, head: str | None) -> list[str]:
        """Commits reachable from head but not from base, oldest first."""
        exclude = set(self._ancestors(r, base))
        return [s for s in reversed(self._ancestors(r, head)) if s not in exclude]

    def _count_commits(self, r: RepoState, base: str | None, head: str | None) -> int:
        return len(self._commits_between(r, base, head))

    def _merge_base(self, r: RepoState, a: str, b: str) -> str | None:
        anc = set(self._ancestors(r, a))
        return next((s for s in self._ancestors(r, b) if s in anc), None)

    def _tree_files(self, r: RepoState, commit_sha: str | None) -> dict[str, tuple[str, str]]:
        if not commit_sha or commit_sha not in r.objects.commits:
            return {}
        return r.objects.flatten(r.objects.commits[commit_sha].tree)

    def _diff_stats(self, r: RepoState, base: str | None, head: str | None) -> tuple[int, int, int]:
        key = (r.id, base, head)
        if key not in self._stats_cache:
            mb = self._merge_base(r, base, head) if base and head else base
            old = {p: r.objects.blobs.get(s, b"") for p, (_m, s) in self._tree_files(r, mb).items()}
            new = {p: r.objects.blobs.get(s, b"") for p, (_m, s) in self._tree_files(r, head).items()}
            self._stats_cache[key] = diff_stats(old, new)
        return self._stats_cache[key]


def _b(content: bytes | str) -> bytes:
    return content.encode() if isinstance(content, str) else bytes(content)


def _parse_iso(s: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
