"""What users do on GitHub: :class:`Actions` changes the world as a person would (open an issue, comment,
label, merge, push, publish, install) and delivers the webhook GitHub sends for it.

A part of the sandbox (``sandbox.actions``), like :class:`~bot.sandbox.seeding.Seeder`: it reaches the
state only through the world it is given (``self.sb``) and sends through ``self.sb.outbox``. The Sandbox's
methods of the same names (``sandbox.open_issue(...)``, ``sandbox.comment(...)``, ...) delegate here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import linking
from . import webhooks as wh
from .gitobj import Signature
from .state import RepoState, User
from .world import World


def _bytes(content: bytes | str | None) -> bytes | None:
    if content is None:
        return None
    return content.encode() if isinstance(content, str) else bytes(content)


def _human_body(body: str) -> None:
    """GitHub takes no longer comment from a person either (the web form and the API refuse it alike)."""
    if len(body) > 65536:
        raise ValueError("body is too long (maximum is 65536 characters)")


class Actions:
    def __init__(self, sb: World) -> None:
        self.sb = sb

    def _at(self, full_name: str, user: str | User) -> tuple[World, RepoState, User]:
        """The world, the repository ``full_name`` (KeyError if missing) and the acting user (created if new)."""
        return self.sb, self.sb._repo(full_name), self.sb._user(user)

    async def open_issue(self, full_name: str, user: str | User, title: str, body: str = "",
                         labels: Iterable[str] = ()) -> dict:
        sb, r, u = self._at(full_name, user)
        issue = sb._new_issue(r, u, title, body)
        sb._cross_reference(r, issue, body, u)
        added = []
        for name in labels:
            lb = sb._ensure_label(r, name)
            if lb not in issue.labels:
                issue.labels.append(lb)
                added.append(lb)
                sb._issue_event(r, issue, "labeled", u, label=lb)
        await sb.outbox.send(*wh.issues(sb, r, issue, "opened", u))
        for lb in added:
            await sb.outbox.send(*wh.issues_label(sb, r, issue, "labeled", lb, u))
        return sb.render.issue(r, issue)

    async def edit_issue(self, full_name: str, number: int, user: str | User, *,
                         title: str | None = None, body: str | None = None) -> dict:
        sb, r, u = self._at(full_name, user)
        issue = r.issues[number]
        changes: dict[str, Any] = {}
        if title is not None and title != issue.title:
            changes["title"] = {"from": issue.title}
            issue.title = title
        if body is not None and body != issue.body:
            changes["body"] = {"from": issue.body or ""}
            issue.body = body
            sb._cross_reference(r, issue, body, u)  # a mention added by an edit references too
        if changes:
            issue.updated_at = sb.clock()
            await sb.outbox.send(*wh.issue_or_pull(sb, r, issue, "edited", u, changes=changes))
        return sb.render.issue(r, issue)

    async def comment(self, full_name: str, number: int, user: str | User, body: str) -> dict:
        sb, r, u = self._at(full_name, user)
        _human_body(body)
        issue = r.issues[number]
        c = sb._new_comment(r, number, u, body)
        sb._cross_reference(r, issue, body, u)  # from an issue's comment as from a pull request's
        await sb.outbox.send(*wh.issue_comment(sb, r, issue, c, "created", u))
        return sb.render.comment(r, c)

    async def edit_comment(self, full_name: str, comment_id: int, user: str | User, body: str) -> dict:
        sb, r, u = self._at(full_name, user)
        _human_body(body)
        c = r.comments[comment_id]
        old = c.body
        c.body = body
        c.updated_at = sb.clock()
        sb._cross_reference(r, r.issues[c.issue_number], body, u)
        await sb.outbox.send(*wh.issue_comment(sb, r, r.issues[c.issue_number], c, "edited", u,
                                               changes={"body": {"from": old}}))
        return sb.render.comment(r, c)

    async def delete_comment(self, full_name: str, comment_id: int, user: str | User) -> None:
        sb, r, u = self._at(full_name, user)
        c = r.comments.pop(comment_id)
        await sb.outbox.send(*wh.issue_comment(sb, r, r.issues[c.issue_number], c, "deleted", u))

    async def label_issue(self, full_name: str, number: int, user: str | User, label: str) -> None:
        sb, r, u = self._at(full_name, user)
        issue = r.issues[number]
        lb = sb._ensure_label(r, label)
        if lb in issue.labels:
            return
        issue.labels.append(lb)
        issue.updated_at = sb.clock()
        sb._issue_event(r, issue, "labeled", u, label=lb)
        await sb.outbox.send(*wh.issue_or_pull(sb, r, issue, "labeled", u, label=lb))

    async def unlabel_issue(self, full_name: str, number: int, user: str | User, label: str) -> None:
        sb, r, u = self._at(full_name, user)
        issue = r.issues[number]
        lb = next((x for x in issue.labels if x.name.lower() == label.lower()), None)
        if lb is None:
            return
        issue.labels.remove(lb)
        issue.updated_at = sb.clock()
        sb._issue_event(r, issue, "unlabeled", u, label=lb)
        await sb.outbox.send(*wh.issue_or_pull(sb, r, issue, "unlabeled", u, label=lb))

    async def close_issue(self, full_name: str, number: int, user: str | User,
                          state_reason: str = "completed") -> None:
        sb, r, u = self._at(full_name, user)
        issue = r.issues[number]
        if issue.state == "closed":
            return
        sb._close_issue(r, issue, u, state_reason)
        await sb.outbox.send(*wh.issue_or_pull(sb, r, issue, "closed", u))

    async def reopen_issue(self, full_name: str, number: int, user: str | User) -> None:
        sb, r, u = self._at(full_name, user)
        issue = r.issues[number]
        if issue.state == "open":
            return
        sb._reopen_issue(r, issue, u)
        await sb.outbox.send(*wh.issue_or_pull(sb, r, issue, "reopened", u))

    async def open_pull(self, full_name: str, user: str | User, title: str, body: str = "",
                        head: str = "feature", base: str | None = None) -> dict:
        """Open a PR from ``head`` (created from ``base`` with an empty commit if it has nothing new)."""
        sb, r, u = self._at(full_name, user)
        base = base or r.default_branch
        if r.branch_sha(base) is None:
            raise KeyError(f"no branch {base!r} in {full_name}")
        if not sb._commits_between(r, r.branch_sha(base), r.branch_sha(head)):
            before = r.branch_sha(head)
            sha, _ = sb._commit(r, head, {}, title, u, parents=[r.branch_sha(head) or r.branch_sha(base)])
            await sb.outbox.send(*wh.push(sb, r, f"refs/heads/{head}", before, sha, u))
        issue = sb._new_pull(r, u, title, body, head, base)
        await sb.outbox.send(*wh.pull_request(sb, r, issue, "opened", u))
        return sb.render.pull(r, issue)

    async def merge_pull(self, full_name: str, number: int, user: str | User) -> dict:
        """Merge a PR with a merge commit; into the default branch, it closes the issues of this repository it is
        linked to (:func:`bot.sandbox.linking.closing_issues`)."""
        sb, r, u = self._at(full_name, user)
        issue = r.issues[number]
        p = issue.pull
        if p is None or issue.state != "open":
            raise ValueError(f"#{number} is not an open pull request")
        base_sha = r.branch_sha(p.base_ref)
        head_sha = r.branch_sha(p.head_ref) or p.head_sha
        assert base_sha is not None
        mb = sb._merge_base(r, base_sha, head_sha)
        mb_files, head_files = sb._tree_files(r, mb), sb._tree_files(r, head_sha)
        files = sb._tree_files(r, base_sha)
        for path in set(mb_files) | set(head_files):
            if mb_files.get(path) != head_files.get(path):
                if path in head_files:
                    files[path] = head_files[path]
                else:
                    files.pop(path, None)
        tree = r.objects.build_tree(files)
        sig = sb._signature(u)
        message = f"Merge pull request #{number} from {r.owner.login}/{p.head_ref}\n\n{issue.title}"
        merge_sha = r.objects.put_commit(tree, [base_sha, head_sha], sig, Signature("GitHub", "noreply@github.com",
                                                                                    sig.timestamp), message)
        r.refs[f"refs/heads/{p.base_ref}"] = merge_sha
        now = sb.clock()
        r.pushed_at = now
        p.merged, p.merged_at, p.merged_by, p.merge_commit_sha = True, now, u, merge_sha
        p.head_sha, p.base_sha = head_sha, base_sha
        sb._issue_event(r, issue, "merged", u, commit_id=merge_sha)
        sb._close_issue(r, issue, u, None, commit_id=merge_sha)
        await sb.outbox.send(*wh.pull_request(sb, r, issue, "closed", u))
        if p.base_ref == r.default_branch:
            # the issues it is linked to (closingIssuesReferences: body and commit keywords, the sidebar;
            # never the title), of this repository
            for target in linking.closing_issues(sb, r, issue):
                if target.state != "open" or target is not r.issues.get(target.number):
                    continue
                sb._close_issue(r, target, u, "completed", commit_id=merge_sha)
                await sb.outbox.send(*wh.issues(sb, r, target, "closed", u))
        await sb.outbox.send(*wh.push(sb, r, f"refs/heads/{p.base_ref}", base_sha, merge_sha, u))
        return sb.render.pull(r, issue)

    async def link_issue(self, full_name: str, pull_number: int, issue: int | str) -> None:
        """Link pull request ``pull_number`` to an issue from its Development sidebar (``issue``: a number of
        this repository or ``owner/repo#N``): it counts in ``closingIssuesReferences`` whatever the base branch
        and the body say. GitHub sends no webhook for it."""
        r = self.sb._repo(full_name)
        p = r.issues[pull_number].pull
        if p is None:
            raise ValueError(f"#{pull_number} is not a pull request")
        name, _, num = str(issue).rpartition("#")
        ref = ((name or r.full_name).lower(), int(num))
        if ref not in p.linked_issues:
            p.linked_issues.append(ref)

    async def publish_release(self, full_name: str, user: str | User, tag: str, body: str = "", *,
                              draft: bool = False, prerelease: bool = False, name: str | None = None) -> dict:
        sb, r, u = self._at(full_name, user)
        rel = sb._new_release(r, u, tag, name=name if name is not None else tag, body=body, draft=draft,
                              prerelease=prerelease)
        await sb.outbox.send(*wh.release(sb, r, rel, "created", u))
        if not draft:
            await sb.outbox.send(*wh.release(sb, r, rel, "published", u))
            await sb.outbox.send(*wh.release(sb, r, rel, "prereleased" if prerelease else "released", u))
        return sb.render.release(r, rel)

    async def push_files(self, full_name: str, user: str | User,
                         files: dict[str, bytes | str | None], message: str = "update",
                         branch: str | None = None) -> dict:
        """Commit file changes (None deletes a file) and deliver the push event. Returns the git commit."""
        sb, r, u = self._at(full_name, user)
        branch = branch or r.default_branch
        sha, old = sb._commit(r, branch, {p: _bytes(c) for p, c in files.items()}, message, u)
        await sb.outbox.send(*wh.push(sb, r, f"refs/heads/{branch}", old, sha, u))
        return sb.render.git_commit(r, r.objects.commits[sha])

    async def install(self, account_login: str, repos: Iterable[str] = (), *,
                      sender: str | None = None, id: int | None = None) -> dict:
        """Install the app (missing repositories are created) and deliver installation.created."""
        sb = self.sb
        account = sb._users.get(account_login.lower()) or sb._ensure_user(account_login)
        rs = sb._repos_for(account, repos)
        inst = sb._create_installation(account.login, id=id, repos=[r.full_name for r in rs])
        who = sb._user(sender) if sender else (account if account.type == "User" else sb.app_owner)
        await sb.outbox.send(*wh.installation_created(sb, inst, who))
        return sb.render.installation(inst)

    async def uninstall(self, installation_id: int, *, sender: str | None = None) -> None:
        sb = self.sb
        inst = sb._installations[installation_id]
        who = sb._user(sender) if sender else inst.account
        event = wh.installation_deleted(sb, inst, who)
        del sb._installations[installation_id]
        for key, tok in list(sb._tokens.items()):
            if tok.installation_id == installation_id:
                del sb._tokens[key]
        await sb.outbox.send(*event)

    async def add_repos_to_installation(self, installation_id: int, repos: Iterable[str]) -> None:
        sb = self.sb
        inst = sb._installations[installation_id]
        rs = sb._repos_for(inst.account, repos)
        if inst.repository_selection == "selected":
            inst.repo_ids.update(r.id for r in rs)
        who = inst.account if inst.account.type == "User" else sb.app_owner
        await sb.outbox.send(*wh.installation_repositories(sb, inst, "added", who, rs, []))

    async def remove_repos_from_installation(self, installation_id: int, repos: Iterable[str]) -> None:
        sb = self.sb
        inst = sb._installations[installation_id]
        rs = [sb._repo(n if "/" in n else f"{inst.account.login}/{n}") for n in repos]
        if inst.repository_selection == "all":
            inst.repository_selection = "selected"
            inst.repo_ids = {r.id for r in sb._repos.values() if r.owner is inst.account}
        inst.repo_ids.difference_update(r.id for r in rs)
        who = inst.account if inst.account.type == "User" else sb.app_owner
        await sb.outbox.send(*wh.installation_repositories(sb, inst, "removed", who, [], rs))
