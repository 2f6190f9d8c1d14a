"""What users do on GitHub (and the webhooks GitHub sends for it), webhook delivery, and seeding from payloads."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any

import aiohttp

from . import webhooks as wh
from .gitobj import Signature
from .state import Delivery, Issue, IssueEvent, Label, PullInfo, RepoState, User

if TYPE_CHECKING:
    from .core import Sandbox

CLOSING_RE = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b", re.IGNORECASE)
MENTION_RE = re.compile(r"(?<![\w/&])#(\d+)\b")
REPO_MENTION_RE = re.compile(r"(?<![\w/.-])([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)#(\d+)\b")


def _bytes(content: bytes | str | None) -> bytes | None:
    if content is None:
        return None
    return content.encode() if isinstance(content, str) else bytes(content)


def _human_body(body: str) -> None:
    """GitHub takes no longer comment from a person either (the web form and the API refuse it alike)."""
    if len(body) > 65536:
        raise ValueError("body is too long (maximum is 65536 characters)")


class ActionsMixin:
    # ------------------------------------------------------------------------------------------
    # webhook delivery
    # ------------------------------------------------------------------------------------------
    def _sign(self: Sandbox, body: bytes) -> dict[str, str]:  # type: ignore[misc]
        secret = self.webhook_secret.encode()
        return {"X-Hub-Signature": "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest(),
                "X-Hub-Signature-256": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()}

    async def deliver(self: Sandbox, event: str, payload: dict | bytes, *,  # type: ignore[misc]
                      delivery_id: str | None = None, redelivery: bool = False) -> int:
        """POST one webhook to ``webhook_url`` like GitHub does; record it; return the HTTP status (0 = no answer)."""
        body = bytes(payload) if isinstance(payload, bytes | bytearray) else json.dumps(payload).encode()
        parsed: Any = payload
        if not isinstance(payload, dict):
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = {}
        parsed = parsed if isinstance(parsed, dict) else {}
        guid = delivery_id or self._delivery_guid()
        headers = {
            "Accept": "*/*",
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/sandbox",
            "X-GitHub-Delivery": guid,
            "X-GitHub-Event": event,
            "X-GitHub-Hook-ID": str(self.hook_id),
            "X-GitHub-Hook-Installation-Target-ID": str(self.app_id),
            "X-GitHub-Hook-Installation-Target-Type": "integration",
            **self._sign(body),
        }
        status, status_text, resp_headers, resp_body = 0, "No webhook URL configured", {}, None
        started = time.perf_counter()
        delivered_at = self.clock()
        url = self.webhook_url
        if url:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession()
            try:
                async with self._session.post(url, data=body, headers=headers,
                                              timeout=aiohttp.ClientTimeout(total=10)) as resp:
                    status = resp.status
                    resp_headers = dict(resp.headers)
                    resp_body = (await resp.text(errors="replace"))[:10000]
                status_text = "OK" if 200 <= status < 300 else f"Invalid HTTP Response: {status}"
            except TimeoutError:
                status_text = "timed out"
            except aiohttp.ClientError:
                status_text = "failed to connect to host"
        inst = parsed.get("installation") if isinstance(parsed.get("installation"), dict) else None
        repo = parsed.get("repository") if isinstance(parsed.get("repository"), dict) else None
        self._deliveries.append(Delivery(
            id=self._new_id("delivery"), guid=guid, delivered_at=delivered_at, redelivery=redelivery,
            duration=time.perf_counter() - started, status=status_text, status_code=status, event=event,
            action=parsed.get("action") if isinstance(parsed.get("action"), str) else None,
            installation_id=inst.get("id") if inst else None, repository_id=repo.get("id") if repo else None,
            request_headers=headers, body=body, response_headers=resp_headers, response_body=resp_body, url=url))
        return status

    async def redeliver(self: Sandbox, delivery_id: int) -> int:  # type: ignore[misc]
        d = next(d for d in self._deliveries if d.id == delivery_id)
        return await self.deliver(d.event, d.body, delivery_id=d.guid, redelivery=True)

    def _wants(self: Sandbox, event: str, payload: dict) -> bool:  # type: ignore[misc]
        if event in wh.ALWAYS_DELIVERED:
            return True
        inst_d = payload.get("installation")
        inst = self._installations.get(inst_d["id"]) if isinstance(inst_d, dict) else None
        return inst is not None and event in inst.events and inst.suspended_at is None

    async def _send(self: Sandbox, event: str, payload: dict) -> int | None:  # type: ignore[misc]
        """Deliver an event caused by a user action, if the installation subscribes to it."""
        if not self._wants(event, payload):
            return None
        return await self.deliver(event, payload)

    def _emit(self: Sandbox, event: str, payload: dict) -> None:  # type: ignore[misc]
        """Queue an event caused by an API call; delivered in order in the background."""
        if not self.deliver_api_events or not self._wants(event, payload):
            return
        self._queue.append((event, payload))
        if self._queue_task is None or self._queue_task.done():
            self._queue_task = self._spawn(self._run_queue())

    async def _run_queue(self: Sandbox) -> None:  # type: ignore[misc]
        while self._queue:
            event, payload = self._queue.pop(0)
            await self.deliver(event, payload)

    def _spawn(self: Sandbox, coro: Coroutine) -> asyncio.Task:  # type: ignore[misc]
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self: Sandbox, timeout: float = 10.0) -> None:  # type: ignore[misc]
        """Wait until every queued background delivery (API-caused events, redeliveries) is done."""
        deadline = time.monotonic() + timeout
        while self._tasks or self._queue:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._tasks:
                await asyncio.wait(list(self._tasks), timeout=left)
            else:
                await asyncio.sleep(0)

    # ------------------------------------------------------------------------------------------
    # state transitions shared with the HTTP handlers
    # ------------------------------------------------------------------------------------------
    def _issue_event(self: Sandbox, r: RepoState, issue: Issue, event: str, actor: User, *,  # type: ignore[misc]
                     label: Label | None = None, commit_id: str | None = None, state_reason: str | None = None,
                     source_number: int | None = None, via_app: bool = False,
                     source_repo: str | None = None) -> IssueEvent:
        ev = IssueEvent(id=self._new_id("event"), event=event, actor=actor, created_at=self.clock(), label=label,
                        label_name=label.name if label else None, commit_id=commit_id, state_reason=state_reason,
                        source_number=source_number, via_app=via_app, order=self._new_id("timeline"),
                        source_repo=source_repo)
        issue.events.append(ev)
        return ev

    def _close_issue(self: Sandbox, r: RepoState, issue: Issue, actor: User, state_reason: str | None, *,  # type: ignore[misc]
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

    def _reopen_issue(self: Sandbox, r: RepoState, issue: Issue, actor: User, *, via_app: bool = False) -> None:  # type: ignore[misc]
        issue.state = "open"
        issue.state_reason = None if issue.pull else "reopened"
        issue.closed_at = None
        issue.closed_by = None
        issue.updated_at = self.clock()
        self._issue_event(r, issue, "reopened", actor, state_reason=issue.state_reason, via_app=via_app)

    def _cross_reference(self: Sandbox, r: RepoState, source: Issue, text: str | None, actor: User) -> None:  # type: ignore[misc]
        for n in sorted({int(m) for m in MENTION_RE.findall(text or "")}):
            target = r.issues.get(n)
            if target is not None and target is not source:
                self._issue_event(r, target, "cross-referenced", actor, source_number=source.number)
        # owner/repo#N: GitHub cross-references issues of other repositories too (the timeline of the
        # target shows the source issue or pull request, with its repository)
        for full_name, num in sorted({(m[0], int(m[1])) for m in REPO_MENTION_RE.findall(text or "")}):
            other = self._repo_names.get(full_name.lower())
            target_repo = self._repos.get(other) if other is not None else None
            target = target_repo.issues.get(num) if target_repo is not None else None
            if target is None or target is source:
                continue
            self._issue_event(target_repo, target, "cross-referenced", actor, source_number=source.number,
                              source_repo=None if target_repo is r else r.full_name)

    def _new_pull(self: Sandbox, r: RepoState, user: User, title: str, body: str | None, head_ref: str,  # type: ignore[misc]
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

    # ------------------------------------------------------------------------------------------
    # user actions (each delivers the webhook GitHub would send)
    # ------------------------------------------------------------------------------------------
    async def open_issue(self: Sandbox, full_name: str, user: str | User, title: str, body: str = "",  # type: ignore[misc]
                         labels: Iterable[str] = ()) -> dict:
        r, u = self._repo(full_name), self._user(user)
        issue = self._new_issue(r, u, title, body)
        added = []
        for name in labels:
            lb = self._ensure_label(r, name)
            if lb not in issue.labels:
                issue.labels.append(lb)
                added.append(lb)
                self._issue_event(r, issue, "labeled", u, label=lb)
        await self._send(*wh.issues(self, r, issue, "opened", u))
        for lb in added:
            await self._send(*wh.issues_label(self, r, issue, "labeled", lb, u))
        return self.render.issue(r, issue)

    async def edit_issue(self: Sandbox, full_name: str, number: int, user: str | User, *,  # type: ignore[misc]
                         title: str | None = None, body: str | None = None) -> dict:
        r, u = self._repo(full_name), self._user(user)
        issue = r.issues[number]
        changes: dict[str, Any] = {}
        if title is not None and title != issue.title:
            changes["title"] = {"from": issue.title}
            issue.title = title
        if body is not None and body != issue.body:
            changes["body"] = {"from": issue.body or ""}
            issue.body = body
        if changes:
            issue.updated_at = self.clock()
            await self._send(*wh.issue_or_pull(self, r, issue, "edited", u, changes=changes))
        return self.render.issue(r, issue)

    async def comment(self: Sandbox, full_name: str, number: int, user: str | User, body: str) -> dict:  # type: ignore[misc]
        r, u = self._repo(full_name), self._user(user)
        _human_body(body)
        issue = r.issues[number]
        c = self._new_comment(r, number, u, body)
        if issue.pull is not None:
            self._cross_reference(r, issue, body, u)
        await self._send(*wh.issue_comment(self, r, issue, c, "created", u))
        return self.render.comment(r, c)

    async def edit_comment(self: Sandbox, full_name: str, comment_id: int, user: str | User, body: str) -> dict:  # type: ignore[misc]
        r, u = self._repo(full_name), self._user(user)
        _human_body(body)
        c = r.comments[comment_id]
        old = c.body
        c.body = body
        c.updated_at = self.clock()
        await self._send(*wh.issue_comment(self, r, r.issues[c.issue_number], c, "edited", u,
                                           changes={"body": {"from": old}}))
        return self.render.comment(r, c)

    async def delete_comment(self: Sandbox, full_name: str, comment_id: int, user: str | User) -> None:  # type: ignore[misc]
        r, u = self._repo(full_name), self._user(user)
        c = r.comments.pop(comment_id)
        await self._send(*wh.issue_comment(self, r, r.issues[c.issue_number], c, "deleted", u))

    async def label_issue(self: Sandbox, full_name: str, number: int, user: str | User, label: str) -> None:  # type: ignore[misc]
        r, u = self._repo(full_name), self._user(user)
        issue = r.issues[number]
        lb = self._ensure_label(r, label)
        if lb in issue.labels:
            return
        issue.labels.append(lb)
        issue.updated_at = self.clock()
        self._issue_event(r, issue, "labeled", u, label=lb)
        await self._send(*wh.issue_or_pull(self, r, issue, "labeled", u, label=lb))

    async def unlabel_issue(self: Sandbox, full_name: str, number: int, user: str | User, label: str) -> None:  # type: ignore[misc]
        r, u = self._repo(full_name), self._user(user)
        issue = r.issues[number]
        lb = next((x for x in issue.labels if x.name.lower() == label.lower()), None)
        if lb is None:
            return
        issue.labels.remove(lb)
        issue.updated_at = self.clock()
        self._issue_event(r, issue, "unlabeled", u, label=lb)
        await self._send(*wh.issue_or_pull(self, r, issue, "unlabeled", u, label=lb))

    async def close_issue(self: Sandbox, full_name: str, number: int, user: str | User,  # type: ignore[misc]
                          state_reason: str = "completed") -> None:
        r, u = self._repo(full_name), self._user(user)
        issue = r.issues[number]
        if issue.state == "closed":
            return
        self._close_issue(r, issue, u, state_reason)
        await self._send(*wh.issue_or_pull(self, r, issue, "closed", u))

    async def reopen_issue(self: Sandbox, full_name: str, number: int, user: str | User) -> None:  # type: ignore[misc]
        r, u = self._repo(full_name), self._user(user)
        issue = r.issues[number]
        if issue.state == "open":
            return
        self._reopen_issue(r, issue, u)
        await self._send(*wh.issue_or_pull(self, r, issue, "reopened", u))

    async def open_pull(self: Sandbox, full_name: str, user: str | User, title: str, body: str = "",  # type: ignore[misc]
                        head: str = "feature", base: str | None = None) -> dict:
        """Open a PR from ``head`` (created from ``base`` with an empty commit if it has nothing new)."""
        r, u = self._repo(full_name), self._user(user)
        base = base or r.default_branch
        if r.branch_sha(base) is None:
            raise KeyError(f"no branch {base!r} in {full_name}")
        if not self._commits_between(r, r.branch_sha(base), r.branch_sha(head)):
            before = r.branch_sha(head)
            sha, _ = self._commit(r, head, {}, title, u, parents=[r.branch_sha(head) or r.branch_sha(base)])
            await self._send(*wh.push(self, r, f"refs/heads/{head}", before, sha, u))
        issue = self._new_pull(r, u, title, body, head, base)
        await self._send(*wh.pull_request(self, r, issue, "opened", u))
        return self.render.pull(r, issue)

    async def merge_pull(self: Sandbox, full_name: str, number: int, user: str | User) -> dict:  # type: ignore[misc]
        """Merge a PR with a merge commit; closes the issues it references with closing keywords."""
        r, u = self._repo(full_name), self._user(user)
        issue = r.issues[number]
        p = issue.pull
        if p is None or issue.state != "open":
            raise ValueError(f"#{number} is not an open pull request")
        base_sha = r.branch_sha(p.base_ref)
        head_sha = r.branch_sha(p.head_ref) or p.head_sha
        assert base_sha is not None
        mb = self._merge_base(r, base_sha, head_sha)
        mb_files, head_files = self._tree_files(r, mb), self._tree_files(r, head_sha)
        files = self._tree_files(r, base_sha)
        for path in set(mb_files) | set(head_files):
            if mb_files.get(path) != head_files.get(path):
                if path in head_files:
                    files[path] = head_files[path]
                else:
                    files.pop(path, None)
        tree = r.objects.build_tree(files)
        sig = self._signature(u)
        message = f"Merge pull request #{number} from {r.owner.login}/{p.head_ref}\n\n{issue.title}"
        merge_sha = r.objects.put_commit(tree, [base_sha, head_sha], sig, Signature("GitHub", "noreply@github.com",
                                                                                   sig.timestamp), message)
        r.refs[f"refs/heads/{p.base_ref}"] = merge_sha
        now = self.clock()
        r.pushed_at = now
        p.merged, p.merged_at, p.merged_by, p.merge_commit_sha = True, now, u, merge_sha
        p.head_sha, p.base_sha = head_sha, base_sha
        self._issue_event(r, issue, "merged", u, commit_id=merge_sha)
        self._close_issue(r, issue, u, None, commit_id=merge_sha)
        await self._send(*wh.pull_request(self, r, issue, "closed", u))
        if p.base_ref == r.default_branch:
            for n in sorted({int(m) for m in CLOSING_RE.findall(f"{issue.title}\n{issue.body or ''}")}):
                target = r.issues.get(n)
                if target is None or target.state != "open" or target.pull is not None:
                    continue
                self._close_issue(r, target, u, "completed", commit_id=merge_sha)
                await self._send(*wh.issues(self, r, target, "closed", u))
        await self._send(*wh.push(self, r, f"refs/heads/{p.base_ref}", base_sha, merge_sha, u))
        return self.render.pull(r, issue)

    async def publish_release(self: Sandbox, full_name: str, user: str | User, tag: str, body: str = "", *,  # type: ignore[misc]
                              draft: bool = False, prerelease: bool = False, name: str | None = None) -> dict:
        r, u = self._repo(full_name), self._user(user)
        rel = self._new_release(r, u, tag, name=name if name is not None else tag, body=body, draft=draft,
                                prerelease=prerelease)
        await self._send(*wh.release(self, r, rel, "created", u))
        if not draft:
            await self._send(*wh.release(self, r, rel, "published", u))
            await self._send(*wh.release(self, r, rel, "prereleased" if prerelease else "released", u))
        return self.render.release(r, rel)

    async def push_files(self: Sandbox, full_name: str, user: str | User,  # type: ignore[misc]
                         files: dict[str, bytes | str | None], message: str = "update",
                         branch: str | None = None) -> dict:
        """Commit file changes (None deletes a file) and deliver the push event. Returns the git commit."""
        r, u = self._repo(full_name), self._user(user)
        branch = branch or r.default_branch
        sha, old = self._commit(r, branch, {p: _bytes(c) for p, c in files.items()}, message, u)
        await self._send(*wh.push(self, r, f"refs/heads/{branch}", old, sha, u))
        return self.render.git_commit(r, r.objects.commits[sha])

    def _repos_for(self: Sandbox, account: User, repos: Iterable[str]) -> list[RepoState]:  # type: ignore[misc]
        out = []
        for name in repos:
            full = name if "/" in name else f"{account.login}/{name}"
            try:
                r = self._repo(full)
            except KeyError:
                r = self._create_repo(full, owner_type=account.type)
            out.append(r)
        return out

    async def install(self: Sandbox, account_login: str, repos: Iterable[str] = (), *,  # type: ignore[misc]
                      sender: str | None = None, id: int | None = None) -> dict:
        """Install the app (missing repositories are created) and deliver installation.created."""
        account = self._users.get(account_login.lower()) or self._ensure_user(account_login)
        rs = self._repos_for(account, repos)
        inst = self._create_installation(account.login, id=id, repos=[r.full_name for r in rs])
        who = self._user(sender) if sender else (account if account.type == "User" else self.app_owner)
        await self._send(*wh.installation_created(self, inst, who))
        return self.render.installation(inst)

    async def uninstall(self: Sandbox, installation_id: int, *, sender: str | None = None) -> None:  # type: ignore[misc]
        inst = self._installations[installation_id]
        who = self._user(sender) if sender else inst.account
        event = wh.installation_deleted(self, inst, who)
        del self._installations[installation_id]
        for key, tok in list(self._tokens.items()):
            if tok.installation_id == installation_id:
                del self._tokens[key]
        await self._send(*event)

    async def add_repos_to_installation(self: Sandbox, installation_id: int, repos: Iterable[str]) -> None:  # type: ignore[misc]
        inst = self._installations[installation_id]
        rs = self._repos_for(inst.account, repos)
        if inst.repository_selection == "selected":
            inst.repo_ids.update(r.id for r in rs)
        who = inst.account if inst.account.type == "User" else self.app_owner
        await self._send(*wh.installation_repositories(self, inst, "added", who, rs, []))

    async def remove_repos_from_installation(self: Sandbox, installation_id: int, repos: Iterable[str]) -> None:  # type: ignore[misc]
        inst = self._installations[installation_id]
        rs = [self._repo(n if "/" in n else f"{inst.account.login}/{n}") for n in repos]
        if inst.repository_selection == "all":
            inst.repository_selection = "selected"
            inst.repo_ids = {r.id for r in self._repos.values() if r.owner is inst.account}
        inst.repo_ids.difference_update(r.id for r in rs)
        who = inst.account if inst.account.type == "User" else self.app_owner
        await self._send(*wh.installation_repositories(self, inst, "removed", who, [], rs))

    # ------------------------------------------------------------------------------------------
    # seeding from real payloads (bot.sandbox.seeding.Seeder)
    # ------------------------------------------------------------------------------------------
    def seed_from_payload(self: Sandbox, event: str, payload: dict, *,  # type: ignore[misc]
                          installation_id: int | None = None) -> int | None:
        """Create what a (real) webhook payload refers to, with its ids; idempotent.

        Returns the id of the installation that covers the payload's repository (or None)."""
        return self.seeder.seed_from_payload(event, payload, installation_id=installation_id)
