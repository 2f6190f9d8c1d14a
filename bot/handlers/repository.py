"""Routes for a repository that moved or ended: ``repository`` ``renamed``, ``transferred``, ``deleted``,
``archived`` and ``unarchived`` (what they change is ``bot.services.repositories``).

Payloads as GitHub sends them (octokit/webhooks' schema): ``renamed`` has ``changes.repository.name.from``;
``transferred`` has ``changes.owner.from.user`` (or ``.organization``) and goes to the installation that
covers the repository now; ``repository`` is the repository as it is after the change.
"""

from __future__ import annotations

from gidgethub.routing import Router

from bot.services import repositories
from bot.services.repo import Repo

router = Router()


def old_full_name(data: dict) -> str | None:
    """The repository's full name before a rename or a transfer, from the payload's ``changes``."""
    repository, changes = data.get("repository") or {}, data.get("changes") or {}
    owner, _, name = str(repository.get("full_name") or "").partition("/")
    old_name = ((changes.get("repository") or {}).get("name") or {}).get("from")
    was = (changes.get("owner") or {}).get("from") or {}
    old_owner = (was.get("user") or was.get("organization") or {}).get("login")
    if not owner or not name or (old_name is None and old_owner is None):
        return None
    return f"{old_owner or owner}/{old_name or name}"


def _usable(repo: Repo) -> bool:
    return repo.id is not None and bool(repo.full_name)


@router.register("repository", action="renamed")
@router.register("repository", action="transferred")
async def on_moved(event, repo: Repo) -> None:
    if _usable(repo):
        await repositories.moved(repo.ctx, repo.repository, repo.installation_id, old_full_name=old_full_name(event.data))


@router.register("repository", action="deleted")
async def on_deleted(event, repo: Repo) -> None:
    if _usable(repo):
        await repositories.deleted(repo.ctx, repo.repository, repo.installation_id)


@router.register("repository", action="archived")
@router.register("repository", action="unarchived")
async def on_archived(event, repo: Repo) -> None:
    if _usable(repo):
        await repositories.archived(repo.ctx, repo.repository, repo.installation_id,
                                    is_archived=event.data.get("action") == "archived")
