"""Repositories that move, as GitHub moves them: rename, transfer, delete, archive.

GitHub keeps a repository's id when it is renamed or transferred and redirects the old name: a REST request
to ``/repos/OLD_OWNER/OLD_NAME/...`` answers ``301 Moved Permanently`` (a GET or HEAD) or ``307 Temporary
Redirect`` (any other method) with ``Location: https://api.github.com/repositories/ID/...`` (the rest of the
path and the query kept), and ``/repositories/ID/...`` serves the same operations as ``/repos/OWNER/NAME/...``
(docs.github.com, "Best practices for using the REST API": follow redirects; developer.github.com/changes/
2015-04-17-preview-repository-redirects: "either a 301 or 307 HTTP redirect, depending on the type of request").
The by-id routes are not in GitHub's OpenAPI description: the sandbox routes and validates them as their
``/repos/{owner}/{repo}`` operation. A redirect is given only to a requester that can see the repository
(public, or covered by the token's installation, or the App's JWT); others get 404 as for any hidden one.

An archived repository is read-only: every write answers 403 "Repository was archived so is read-only."
(what GitHub answers, e.g. r-universe-org/help#247).

:class:`Moves` is the part that changes the world (``sandbox.moves``) and delivers ``repository``
``renamed`` / ``transferred`` / ``deleted`` / ``archived`` / ``unarchived`` with GitHub's payload shapes.
"""

from __future__ import annotations

import re
from typing import Any

from . import webhooks as wh
from .state import RepoState, User
from .world import World

BY_ID = re.compile(r"/repositories/(\d+)(/.*)?")
BY_NAME = re.compile(r"/repos/([^/]+)/([^/]+)(/.*)?")
REDIRECT_DOCS = "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects"
ARCHIVED_MESSAGE = "Repository was archived so is read-only."
NOWHERE = "/repos/-/-"  # an owner GitHub never has: a by-id path of an unknown id answers 404 through it


def by_id_path(sb: World, raw_path: str) -> str | None:
    """``/repositories/ID[/rest]`` as ``/repos/OWNER/NAME[/rest]`` (None: not a by-id path)."""
    m = BY_ID.fullmatch(raw_path)
    if m is None:
        return None
    r = sb._repos.get(int(m.group(1)))
    return f"{f'/repos/{r.full_name}' if r is not None else NOWHERE}{m.group(2) or ''}"


def redirect(sb: World, method: str, raw_path: str, query: str, base: str, *, kind: str | None,
             installation_id: int | None) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    """GitHub's redirect for a request naming a repository by an old name, or None."""
    m = BY_NAME.fullmatch(raw_path)
    if m is None or sb._find_repo(m.group(1), m.group(2)) is not None:
        return None
    rid = sb._redirects.get(f"{m.group(1)}/{m.group(2)}".lower())
    r = sb._repos.get(rid) if rid is not None else None
    if r is None or not _visible(sb, r, kind, installation_id):
        return None
    location = f"{base}/repositories/{r.id}{m.group(3) or ''}" + (f"?{query}" if query else "")
    status, message = (301, "Moved Permanently") if method in ("GET", "HEAD") else (307, "Temporary Redirect")
    return status, {"message": message, "url": location, "documentation_url": REDIRECT_DOCS}, {"Location": location}


def _visible(sb: World, r: RepoState, kind: str | None, installation_id: int | None) -> bool:
    if not r.private or kind == "jwt":
        return True
    inst = sb._installations.get(installation_id or -1)
    return kind == "token" and inst is not None and r in sb._installation_repos(inst)


def refuses_write(r: RepoState | None, method: str) -> bool:
    return r is not None and r.archived and method not in ("GET", "HEAD")


def renamed(sb: World, r: RepoState, old_name: str, sender: User) -> wh.Event:
    return "repository", wh.envelope(sb, r, sender, "renamed", changes={"repository": {"name": {"from": old_name}}})


def transferred(sb: World, r: RepoState, old_owner: User, sender: User) -> wh.Event:
    # GitHub's docs: changes.owner.from.user for a user account, .organization for an organization
    was = {"organization": sb.render.organization(old_owner)} if old_owner.type == "Organization" \
        else {"user": sb.render.user(old_owner)}
    return "repository", wh.envelope(sb, r, sender, "transferred", changes={"owner": {"from": was}})


class Moves:
    """Rename, transfer, delete and archive repositories, delivering what GitHub delivers."""

    def __init__(self, sb: World) -> None:
        self.sb = sb

    def _sender(self, r: RepoState, sender: str | User | None) -> User:
        return self.sb._user(sender) if sender else (r.owner if r.owner.type == "User" else self.sb.app_owner)

    def _move(self, r: RepoState, owner: User, name: str) -> None:
        sb, old = self.sb, r.full_name
        new = f"{owner.login}/{name}"
        if new.lower() != old.lower() and new.lower() in sb._repo_names:
            raise ValueError(f"repository {new} already exists")
        del sb._repo_names[old.lower()]
        r.owner, r.name = owner, name
        sb._repo_names[new.lower()] = r.id
        sb._redirects.pop(new.lower(), None)
        sb._redirects[old.lower()] = r.id
        r.updated_at = sb.clock()

    async def rename(self, full_name: str, new_name: str, *, sender: str | User | None = None) -> dict:
        """Rename ``OWNER/NAME`` to ``OWNER/NEW_NAME``: the old name redirects; ``repository.renamed``."""
        sb, r = self.sb, self.sb._repo(full_name)
        old_name = r.name
        self._move(r, r.owner, new_name)
        await sb.outbox.send(*renamed(sb, r, old_name, self._sender(r, sender)))
        return sb.render.repo(r, full=True)

    async def transfer(self, full_name: str, new_owner: str, *, new_name: str | None = None,
                       owner_type: str | None = None, sender: str | User | None = None) -> dict:
        """Transfer to the account ``new_owner`` (made if new, ``owner_type`` Organization or User): it leaves
        the old account's installation (an installation of the new account on all repositories covers it);
        the old name redirects; ``repository.transferred`` goes to the installation that covers it now."""
        sb, r = self.sb, self.sb._repo(full_name)
        old_owner = r.owner
        owner = sb._users.get(new_owner.lower()) or sb._ensure_user(new_owner, type=owner_type or "User")
        who = self._sender(r, sender)
        for inst in sb._installations.values():
            inst.repo_ids.discard(r.id)
        self._move(r, owner, new_name or r.name)
        await sb.outbox.send(*transferred(sb, r, old_owner, who))
        return sb.render.repo(r, full=True)

    async def delete(self, full_name: str, *, sender: str | User | None = None) -> None:
        """Delete the repository (``repository.deleted``); its old names stop redirecting."""
        sb, r = self.sb, self.sb._repo(full_name)
        event = ("repository", wh.envelope(sb, r, self._sender(r, sender), "deleted"))
        del sb._repos[r.id]
        del sb._repo_names[r.full_name.lower()]
        for old in [k for k, v in sb._redirects.items() if v == r.id]:
            del sb._redirects[old]
        for inst in sb._installations.values():
            inst.repo_ids.discard(r.id)
        await sb.outbox.send(*event)

    async def archive(self, full_name: str, *, archived: bool = True, sender: str | User | None = None) -> dict:
        """Archive (or unarchive) the repository: read-only while archived; ``repository.archived``."""
        sb, r = self.sb, self.sb._repo(full_name)
        r.archived = archived
        r.updated_at = sb.clock()
        await sb.outbox.send("repository", wh.envelope(sb, r, self._sender(r, sender),
                                                       "archived" if archived else "unarchived"))
        return sb.render.repo(r, full=True)
