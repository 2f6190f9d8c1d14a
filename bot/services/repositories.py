"""Repositories by id: where a repository is now, whatever it was called when work was stored for it.

Everything fundbot stores or schedules is keyed by the repository id (``sync:ID``, ``daily:ID``,
``tick:ID#N``, ``campaign`` rows ``ID#N``); a scheduled job's payload also carries the name it had then. On
GitHub a repository is renamed or transferred (to another account, often another installation of the App)
with its id kept, and the old name redirects (301 for GET, 307 otherwise; aiohttp follows them for gidgethub,
which does not itself: ``gidgethub.sansio.decipher_response`` raises ``RedirectionException`` for a 3xx).
A redirect does not help a job whose installation no longer covers the repository, and an old name can be
taken by a new repository. So:

* the ``repository`` webhooks (``renamed``, ``transferred``, ``deleted``, ``archived``, ``unarchived``;
  ``bot.handlers.repository``) record where the repository is now (:data:`NS`, by id: name, owner, default
  branch, installation, state) and drop the work of a deleted or archived one;
* :func:`run_by_id` runs every scheduled job at that place: one store read, no request. When a job still
  meets a 404 (a webhook missed or not yet handled), :func:`relocate` asks GitHub by id (``GET
  /repositories/{id}`` with the job's installation; when that cannot see it, the App's ``GET
  /repos/{owner}/{repo}/installation`` on the old name, which GitHub redirects, then ``GET /repositories/{id}``
  with the installation found) and the job runs once more there. A repository that is gone, not installed
  any more, or archived ends the job quietly: it is never parked for it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import gidgethub

from bot.github import status_of
from bot.services import campaign_pages, campaign_state, config_loader

log = logging.getLogger(__name__)

NS = "repo:where"  # store cache: repository id -> {"repository": {...}, "installation_id", "state"}
ACTIVE, ARCHIVED, GONE = "active", "archived", "gone"  # gone: deleted, or no installation of the App covers it
GONE_TTL = 180 * 86400.0
ARCHIVED_MESSAGE = "repository was archived so is read-only"  # GitHub's 403 for a write to an archived repository
TASK_KEYS = ("sync:{id}", "daily:{id}")  # bot.services.sync_requests' task keys of a repository
SCAN_LIMIT = 100_000  # pending jobs looked through for a deleted repository's campaign deadlines and claims

Task = Callable[[Any, Any], Awaitable[None]]


@dataclasses.dataclass(frozen=True)
class Where:
    repository: dict  # the stored repository object with its current id, names, owner and default branch
    installation_id: int | None
    state: str = ACTIVE


def _fields(repository: dict) -> dict:
    """What is kept of a repository object (a webhook's or ``GET /repositories/{id}``'s)."""
    out = {k: repository[k] for k in ("id", "full_name", "name", "default_branch", "private") if k in repository}
    owner = repository.get("owner")
    if isinstance(owner, dict):
        out["owner"] = {k: owner[k] for k in ("login", "id", "type") if k in owner}
    return out


def read_only(exc: BaseException) -> bool:
    """GitHub's answer to a write to an archived repository (403 "Repository was archived so is read-only.")."""
    return status_of(exc) == 403 and ARCHIVED_MESSAGE in str(exc.args[0] if exc.args else "").lower()


async def remember(ctx: Any, repository: dict, installation_id: int | None, state: str = ACTIVE) -> Where:
    here = Where(_fields(repository), installation_id, state)
    await ctx.store.cache_set(NS, str(repository["id"]), dataclasses.asdict(here),
                              ttl=None if state == ACTIVE else GONE_TTL, installation_id=installation_id)
    return here


async def where(ctx: Any, repository: dict, installation_id: int | None) -> Where:
    """Where the repository of stored work is now, as the webhooks told (one store read; no request)."""
    held = await ctx.store.cache_get(NS, str(repository["id"]))
    if not isinstance(held, dict) or not isinstance(held.get("repository"), dict):
        return Where(repository, installation_id)
    current = {k: v for k, v in held["repository"].items() if k in repository or k in ("full_name", "default_branch")}
    return Where({**repository, **current}, held.get("installation_id") or installation_id, str(held.get("state") or ACTIVE))


async def _by_id(ctx: Any, installation_id: int | None, repo_id: int) -> dict | None:
    """``GET /repositories/{id}`` with the installation's token; None when it cannot see it (or is gone)."""
    if installation_id is None:
        return None
    try:
        gh = await ctx.github.installation(installation_id)
        return await gh.getitem("/repositories/{id}", {"id": repo_id})
    except gidgethub.BadRequest as exc:
        if status_of(exc) in (401, 403, 404):
            return None
        raise


async def _installation_of(ctx: Any, full_name: str) -> int | None:
    """The App's installation on the repository of that (maybe old) name: GitHub redirects an old name."""
    owner, _, name = full_name.partition("/")
    try:
        found = await ctx.github.app_client().getitem("/repos/{owner}/{repo}/installation", {"owner": owner, "repo": name})
    except gidgethub.BadRequest as exc:
        if status_of(exc) == 404:
            return None
        raise
    return found.get("id")


async def relocate(ctx: Any, repository: dict, installation_id: int | None) -> Where:
    """Ask GitHub where the repository is now (see the module docstring) and record it."""
    data, found_in = await _by_id(ctx, installation_id, repository["id"]), installation_id
    if data is None:
        found_in = await _installation_of(ctx, repository["full_name"])
        data = await _by_id(ctx, found_in, repository["id"]) if found_in not in (None, installation_id) else None
    config_loader.invalidate(ctx, repository)
    if data is None or data.get("id") != repository["id"]:
        log.info("repository %s (id %s) is gone or no longer installed", repository.get("full_name"), repository["id"])
        return await remember(ctx, repository, installation_id, GONE)
    here = await remember(ctx, data, found_in, ARCHIVED if data.get("archived") else ACTIVE)
    if here.repository.get("full_name") != repository.get("full_name") or found_in != installation_id:
        log.info("repository %s is now %s (installation %s)", repository.get("full_name"),
                 here.repository.get("full_name"), found_in)
    return dataclasses.replace(here, repository={**repository, **here.repository})


def _at(job: Any, data: dict, here: Where) -> Any:
    """The job as it runs at ``here``: its payload's repository and its installation are the current ones."""
    payload = json.dumps({**data, "repository": {**data["repository"], **here.repository}}).encode()
    return dataclasses.replace(job, payload=payload, installation_id=here.installation_id)


def _stored_repository(job: Any) -> tuple[dict, dict] | None:
    try:
        data = json.loads(job.payload)
    except ValueError:
        return None
    repository = data.get("repository") if isinstance(data, dict) else None
    if not isinstance(repository, dict) or repository.get("id") is None or not repository.get("full_name"):
        return None
    return data, repository


async def run_by_id(task: Task, job: Any, ctx: Any) -> None:
    """Run a scheduled job of a repository where the repository is now (module docstring); other jobs as they are."""
    stored = _stored_repository(job)
    if stored is None:
        return await task(job, ctx)
    data, repository = stored
    here = await where(ctx, repository, job.installation_id)
    for attempt in (1, 2):
        if here.state != ACTIVE:
            log.info("%s %s: repository %s is %s; nothing to do", job.kind, job.key, here.repository.get("full_name"), here.state)
            return None
        try:
            return await task(_at(job, data, here), ctx)
        except gidgethub.BadRequest as exc:
            if read_only(exc):
                await remember(ctx, here.repository, here.installation_id, ARCHIVED)
                here = dataclasses.replace(here, state=ARCHIVED)
                continue
            if status_of(exc) != 404 or attempt == 2:
                raise
            moved = await relocate(ctx, here.repository, here.installation_id)
            if moved.state == ACTIVE and moved.repository.get("full_name") == here.repository.get("full_name") \
                    and moved.installation_id == here.installation_id:
                raise  # the repository is where the job looked: a real 404
            here = moved
    return None


# --- what the repository webhooks change ----------------------------------------------------------------------
async def moved(ctx: Any, repository: dict, installation_id: int | None, *, old_full_name: str | None) -> None:
    """Renamed or transferred: record where it is; forget what was derived from the old place (the memoised
    configuration, which may inherit from the old owner's ``.github``; the public campaign records, kept by
    name: the next publish writes them under the new one)."""
    await remember(ctx, repository, installation_id, ARCHIVED if repository.get("archived") else ACTIVE)
    config_loader.invalidate(ctx, repository)
    if old_full_name and old_full_name.lower() != str(repository.get("full_name")).lower():
        owner, _, name = old_full_name.partition("/")
        await campaign_pages.forget_repository(ctx.store, owner, name)
        if owner.lower() != str(repository.get("full_name")).partition("/")[0].lower():
            await ctx.store.cache_delete(config_loader.CACHE_NAMESPACE, str(repository["id"]))


async def _unschedule_all(ctx: Any, repo_id: int) -> list[int]:
    """Drop the repository's pending scheduled jobs; returns the issue numbers whose deadlines were dropped."""
    numbers: list[int] = []
    for key in TASK_KEYS:
        await ctx.store.unschedule(key.format(id=repo_id))
    for job in await ctx.store.list_jobs(["pending"], limit=SCAN_LIMIT):
        stored = None if job.kind == "webhook" else _stored_repository(job)
        if stored is None or stored[1].get("id") != repo_id:
            continue
        await ctx.store.unschedule(job.key)
        if isinstance(stored[0].get("number"), int):
            numbers.append(stored[0]["number"])
    return numbers


async def deleted(ctx: Any, repository: dict, installation_id: int | None) -> None:
    """Deleted: no scheduled work and no cached state left for it (a job already running ends quietly)."""
    repo_id = repository["id"]
    await remember(ctx, repository, installation_id, GONE)
    numbers = await _unschedule_all(ctx, repo_id)
    for number in sorted(set(numbers)):
        await campaign_state.forget(ctx, f"{repo_id}#{number}")
    for namespace, key in ((config_loader.CACHE_NAMESPACE, str(repo_id)), (campaign_state.NS, f"labels:{repo_id}"),
                           (campaign_state.NS, f"links:{repo_id}")):
        await ctx.store.cache_delete(namespace, key)
    config_loader.invalidate(ctx, repository)
    owner, _, name = str(repository.get("full_name") or "").partition("/")
    if owner and name:
        await campaign_pages.forget_repository(ctx.store, owner, name)
    log.info("repository %s deleted: its scheduled work and cached state dropped", repository.get("full_name"))


async def archived(ctx: Any, repository: dict, installation_id: int | None, *, is_archived: bool) -> None:
    """Archived (read-only): its syncs are dropped and its jobs end without writing; unarchived: active again."""
    if not is_archived:
        await ctx.store.cache_delete(NS, str(repository["id"]))
        return
    await remember(ctx, repository, installation_id, ARCHIVED)
    for key in TASK_KEYS:
        await ctx.store.unschedule(key.format(id=repository["id"]))
