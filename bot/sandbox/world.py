"""The sandbox's world: the state of the emulated GitHub and the changes every part makes to it.

:class:`World` holds the users, repositories, issues, installations, tokens, rate buckets, deliveries and
sponsorships (the records of ``state.py``) and the mutations the parts share: ids, lookups, commits, issue
transitions, tokens. It imports none of the parts. The parts (``http.HttpFront``, ``actions.Actions``,
``outbox.Outbox``, ``seeding.Seeder``, ``render.Renderer``, the route handlers, the payload builders of
``webhooks.py``, ``graphql_api``) each take the world and reach the state only through it;
:class:`~bot.sandbox.core.Sandbox` is the world with its parts composed in.

The parts reach one another through two slots the Sandbox fills: ``world.render`` (GitHub's JSON for an
object, :class:`Views`) and ``world.outbox`` (webhooks the world sends, :class:`Sends`).
"""

from __future__ import annotations

import asyncio
import collections
import difflib
import os
import random
import re
import string
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .faults import FaultInjector
from .gitobj import MODE_FILE, Commit, Signature
from .state import (
    Call,
    CheckRun,
    Comment,
    Delivery,
    Installation,
    Issue,
    IssueEvent,
    Label,
    PullInfo,
    RateBucket,
    Reaction,
    Release,
    RepoState,
    Sponsorship,
    Token,
    User,
    iso,
)

DEFAULT_PERMISSIONS = {
    "checks": "write", "contents": "write", "issues": "write", "metadata": "read", "pull_requests": "write",
}
DEFAULT_EVENTS = ["issues", "issue_comment", "pull_request", "push", "release", "repository"]
MENTION_RE = re.compile(r"(?<![\w/&])#(\d+)\b")
REPO_MENTION_RE = re.compile(r"(?<![\w/.-])([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)#(\d+)\b")
_ALNUM = string.ascii_letters + string.digits

_key_cache: dict[int, bytes] = {}


def _generate_key(seed: int) -> bytes:
    # RSA key generation costs ~50-100 ms; sandboxes created with the same seed in one process share it.
    if seed not in _key_cache:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _key_cache[seed] = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption())
    return _key_cache[seed]


class Views(Protocol):
    """``world.render``: GitHub's JSON for each object (:class:`bot.sandbox.render.Renderer`)."""

    def user(self, u: User) -> dict[str, Any]: ...
    def public_user(self, u: User) -> dict[str, Any]: ...
    def organization(self, u: User) -> dict[str, Any]: ...
    def app(self, *, rest: bool = False) -> dict[str, Any]: ...
    def installation(self, inst: Installation, *, rest: bool = True) -> dict[str, Any]: ...
    def installation_lite(self, inst: Installation) -> dict[str, Any]: ...
    def repo(self, r: RepoState, *, full: bool = False) -> dict[str, Any]: ...
    def repo_mini(self, r: RepoState) -> dict[str, Any]: ...
    def label(self, r: RepoState, lb: Label) -> dict[str, Any]: ...
    def reaction(self, x: Reaction) -> dict[str, Any]: ...
    def author_association(self, r: RepoState, u: User) -> str: ...
    def comment(self, r: RepoState, c: Comment) -> dict[str, Any]: ...
    def issue(self, r: RepoState, i: Issue) -> dict[str, Any]: ...
    def pull(self, r: RepoState, i: Issue) -> dict[str, Any]: ...
    def release(self, r: RepoState, rel: Release, *, rest: bool = True) -> dict[str, Any]: ...
    def check_run(self, r: RepoState, cr: CheckRun) -> dict[str, Any]: ...
    def git_ref(self, r: RepoState, ref: str) -> dict[str, Any]: ...
    def git_tree(self, r: RepoState, sha: str, *, recursive: bool = False) -> dict[str, Any]: ...
    def git_commit(self, r: RepoState, c: Commit) -> dict[str, Any]: ...
    def commit(self, r: RepoState, c: Commit) -> dict[str, Any]: ...
    def content_item(self, r: RepoState, path: str, kind: str, sha: str, size: int, ref: str) -> dict[str, Any]: ...
    def content_file(self, r: RepoState, path: str, sha: str, data: bytes, ref: str) -> dict[str, Any]: ...
    def issue_event(self, r: RepoState, i: Issue, ev: IssueEvent) -> dict[str, Any]: ...
    def timeline_item(self, r: RepoState, i: Issue, ev: IssueEvent) -> dict[str, Any]: ...
    def timeline_comment(self, r: RepoState, c: Comment) -> dict[str, Any]: ...


class Sends(Protocol):
    """``world.outbox``: the webhooks the world sends (:class:`bot.sandbox.outbox.Outbox`)."""

    async def deliver(self, event: str, payload: dict | bytes, *, delivery_id: str | None = None,
                      redelivery: bool = False) -> int: ...
    async def redeliver(self, delivery_id: int) -> int: ...
    async def send(self, event: str, payload: dict) -> int | None: ...
    def emit(self, event: str, payload: dict) -> None: ...
    def spawn(self, coro: Coroutine) -> asyncio.Task: ...


class World:
    """The emulated GitHub's state and its shared mutations; see the module docstring."""

    render: Views
    outbox: Sends

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
        # GitHub Sponsors' own webhooks (bot.sandbox.sponsors_hooks): one per sponsored account, with its own secret;
        # the default URL serves any account without one of its own
        self.sponsors_webhook_secret = webhook_secret + "-sponsors"
        self.sponsors_webhook_url: str | None = None
        self.sponsors_webhooks: dict[str, tuple[str, str]] = {}  # account login (lower) -> (url, secret)
        self.sponsors_deliveries: list = []  # Delivery records, apart from the App's (GET /app/hook/deliveries)
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

        self._ids: dict[str, int] = {}
        self._users: dict[str, User] = {}
        self._repos: dict[int, RepoState] = {}
        self._repo_names: dict[str, int] = {}  # lower full name -> id
        self._redirects: dict[str, int] = {}  # lower old full name (renamed, transferred) -> id (moves.py)
        self._installations: dict[int, Installation] = {}
        self._tokens: dict[str, Token] = {}
        self._deliveries: list[Delivery] = []
        self._sponsorships: list[Sponsorship] = []
        # custom repository roles of organizations: (org login, role name) lower-cased -> (name, base role)
        self._custom_roles: dict[tuple[str, str], tuple[str, str]] = {}
        self._rate: dict[tuple, RateBucket] = {}
        self._stats_cache: dict[tuple, tuple[int, int, int]] = {}
        self._tasks: set[asyncio.Task] = set()  # background deliveries (the outbox's)
        self._queue: list[tuple[str, dict]] = []
        self._queue_task: asyncio.Task | None = None
        self.graphql_forbidden: set[str] = set()  # logins (or "*") whose sponsorships answer FORBIDDEN
        self._user_tokens: dict[str, tuple[str, tuple[str, ...]]] = {}  # token -> (login, OAuth scopes)
        self.org_owners: dict[str, set[str]] = {}  # organization login (lower) -> its owners' logins (lower)
        self.graphql_viewer: str | None = None  # login `viewer` resolves to (default: the installation account)

        self.app_owner = self._ensure_user("fundbot-dev", type="User")
        self.bot_user = self._ensure_user(f"{app_slug}[bot]", type="Bot", id=41898282 + app_id)

    @property
    def api_url(self) -> str:
        return self.base_url or "https://api.github.com"

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

    def _role_base(self, r: RepoState, role: str) -> tuple[str, str]:
        """(role_name, base role) of a collaborator's role: a built-in role is its own base; a custom role
        (an organization's) names itself and inherits read, triage, write or maintain."""
        custom = self._custom_roles.get((r.owner.login.lower(), role.lower()))
        return custom if custom is not None else (role, role)

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

    # ------------------------------------------------------------------------------------------
    # state transitions shared with the HTTP handlers
    # ------------------------------------------------------------------------------------------
    def _issue_event(self, r: RepoState, issue: Issue, event: str, actor: User, *,
                     label: Label | None = None, commit_id: str | None = None, state_reason: str | None = None,
                     source_number: int | None = None, via_app: bool = False,
                     source_repo: str | None = None) -> IssueEvent:
        ev = IssueEvent(id=self._new_id("event"), event=event, actor=actor, created_at=self.clock(), label=label,
                        label_name=label.name if label else None, commit_id=commit_id, state_reason=state_reason,
                        source_number=source_number, via_app=via_app, order=self._new_id("timeline"),
                        source_repo=source_repo)
        issue.events.append(ev)
        return ev

    def _close_issue(self, r: RepoState, issue: Issue, actor: User, state_reason: str | None, *,
                     commit_id: str | None = None, via_app: bool = False) -> None:
        now = self.clock()
        issue.state = "closed"
        issue.state_reason = None if issue.pull else state_reason
        issue.closed_at = now
        issue.closed_by = actor
        issue.updated_at = now
        if issue.pull and not issue.pull.merged:
            issue.pull.head_sha = r.branch_sha(issue.pull.head_ref) or issue.pull.head_sha
            issue.pull.base_sha = r.branch_sha(issue.pull.base_ref) or issue.pull.base_sha
        self._issue_event(r, issue, "closed", actor, commit_id=commit_id, state_reason=issue.state_reason,
                          via_app=via_app)

    def _reopen_issue(self, r: RepoState, issue: Issue, actor: User, *, via_app: bool = False) -> None:
        issue.state = "open"
        issue.state_reason = None if issue.pull else "reopened"
        issue.closed_at = None
        issue.closed_by = None
        issue.updated_at = self.clock()
        self._issue_event(r, issue, "reopened", actor, state_reason=issue.state_reason, via_app=via_app)

    def _cross_reference(self, r: RepoState, source: Issue, text: str | None, actor: User) -> None:
        """The ``cross-referenced`` timeline events GitHub adds to every issue or pull request ``text`` (the body
        or a comment of ``source``, an issue or a pull request of ``r``) mentions: ``#N`` here, ``owner/repo#N``
        in any repository. The target's timeline shows the source with its ``repository``; a source that is
        an issue has no ``pull_request``. One event per source and target, however often it is mentioned."""
        targets = [(r, n) for n in sorted({int(m) for m in MENTION_RE.findall(text or "")})]
        for full_name, num in sorted({(m[0], int(m[1])) for m in REPO_MENTION_RE.findall(text or "")}):
            other = self._repo_names.get(full_name.lower())
            if other is not None:
                targets.append((self._repos[other], num))
        for target_repo, num in targets:
            target = target_repo.issues.get(num)
            if target is None or target is source:
                continue
            source_repo = None if target_repo is r else r.full_name
            if any(e.event == "cross-referenced" and e.source_number == source.number and e.source_repo == source_repo
                   for e in target.events):
                continue
            self._issue_event(target_repo, target, "cross-referenced", actor, source_number=source.number,
                              source_repo=source_repo)

    def _new_pull(self, r: RepoState, user: User, title: str, body: str | None, head_ref: str,
                  base_ref: str, *, draft: bool = False, maintainer_can_modify: bool = False,
                  via_app: bool = False, number: int | None = None, id: int | None = None,
                  pull_id: int | None = None) -> Issue:
        issue = self._new_issue(r, user, title, body, number=number, id=id, via_app=via_app)
        pid = self._claim_id("pull", pull_id) if pull_id is not None else self._new_id("pull")
        issue.pull = PullInfo(id=pid, head_ref=head_ref, head_sha=r.branch_sha(head_ref) or r.head or "",
                              base_ref=base_ref, base_sha=r.branch_sha(base_ref) or r.head or "", draft=draft,
                              maintainer_can_modify=maintainer_can_modify)
        self._cross_reference(r, issue, f"{title}\n{body or ''}", user)
        return issue
    def _repos_for(self, account: User, repos: Iterable[str]) -> list[RepoState]:
        out = []
        for name in repos:
            full = name if "/" in name else f"{account.login}/{name}"
            try:
                r = self._repo(full)
            except KeyError:
                r = self._create_repo(full, owner_type=account.type)
            out.append(r)
        return out

    def _violation(self, message: str) -> None:
        self.violations.append(message)

    def _bucket(self, key: tuple) -> RateBucket:
        now = self.clock()
        b = self._rate.get(key)
        if b is None:
            limit = 60 if key == ("anon",) else 5000
            b = self._rate[key] = RateBucket(limit=limit, reset=now + 3600)
        elif now >= b.reset:
            b.used = 0
            b.reset = now + 3600
        return b

    def _mint_token(self, inst: Installation, repo_ids: set[int] | None = None,
                    permissions: dict[str, str] | None = None) -> Token:
        tok = "ghs_" + "".join(self._rng.choice(_ALNUM) for _ in range(36))
        t = Token(token=tok, installation_id=inst.id, expires_at=self.clock() + 3600,
                  permissions=dict(permissions or inst.permissions), repo_ids=repo_ids)
        self._tokens[tok] = t
        return t

    def _delivery_guid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _now_iso(self) -> str:
        return iso(self.clock())


def diff_stats(old: dict[str, bytes], new: dict[str, bytes]) -> tuple[int, int, int]:
    """(additions, deletions, changed_files) between two flat file maps, counted by lines."""
    adds = dels = changed = 0
    for path in set(old) | set(new):
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        changed += 1
        al = (a or b"").decode("utf-8", "replace").splitlines()
        bl = (b or b"").decode("utf-8", "replace").splitlines()
        for line in difflib.ndiff(al, bl):
            if line.startswith("+ "):
                adds += 1
            elif line.startswith("- "):
                dels += 1
    return adds, dels, changed


def _b(content: bytes | str) -> bytes:
    return content.encode() if isinstance(content, str) else bytes(content)
