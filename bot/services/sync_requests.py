"""Asking for a sync of a repository's generated files (``files.sync``, debounced) and its daily README
refresh (``sponsors.daily``): scheduled jobs in the store. What a sync does is ``bot.services.sync``."""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.services.repo import Repo

log = logging.getLogger(__name__)

TASK_KIND = "files.sync"
DAILY_KIND = "sponsors.daily"


# A sync has its own ordering key: a task waiting for its debounce window must not hold back the
# repository's webhook events (jobs of one ordering key run strictly one after another).


def _key(repository: dict) -> str:
    return f"sync:{repository['id']}"


async def schedule(repo: Repo, *, debounce: float, reason: str, head_sha: str | None = None) -> float:
    """Ask for a sync of this repository's generated files; returns when it will run.

    A sync still pending keeps its time when that comes within ``debounce``: the first trigger's deadline,
    also once it is overdue (workers busy) or after the run was handed back to wait for the pacing budget;
    a later trigger never pushes it back. A running sync (it may have read what it writes already) or none
    pending: a new window from now."""
    ctx, repository, installation_id = repo.ctx, repo.repository, repo.installation_id
    now = ctx.clock.time()
    repo_id = str(repository["id"])
    pending = await ctx.store.get_job_by_key(_key(repository))
    keep = pending is not None and pending.status == "pending" and pending.run_at <= now + debounce
    run_at = pending.run_at if keep and pending is not None else now + debounce
    payload = {
        "repository": {k: repository.get(k) for k in ("id", "full_name", "default_branch", "name", "owner") if k in repository},
        "reason": reason,
        "head_sha": head_sha,
    }
    await ctx.store.schedule(TASK_KIND, _key(repository), run_at=run_at, payload=json.dumps(payload).encode(),
                             installation_id=installation_id, ordering_key=f"sync:{repo_id}", now=now)
    log.info("sync of %s scheduled in %.0fs (%s)", repository["full_name"], run_at - now, reason)
    return run_at


async def schedule_daily(repo: Repo) -> None:
    """A daily refresh of the README section per repository, at a time of day spread by repository id, so
    installations do not all refresh at midnight. Durable: it is a scheduled job in the store."""
    ctx, repository, installation_id = repo.ctx, repo.repository, repo.installation_id
    now = ctx.clock.time()
    offset = (int(repository["id"]) * 2654435761) % 86400
    day_start = now - (now % 86400)
    run_at = day_start + offset
    if run_at <= now + 3600:  # a refresh just ran: the next one is tomorrow
        run_at += 86400
    payload = {"repository": {k: repository.get(k) for k in ("id", "full_name", "default_branch", "name")}}
    await ctx.store.schedule(DAILY_KIND, f"daily:{repository['id']}", run_at=run_at, payload=json.dumps(payload).encode(),
                             installation_id=installation_id, ordering_key=f"sync:{repository['id']}", now=now)


async def request(repo: Repo, config: Any, *, reason: str, head_sha: str | None = None,
                  debounce: float | None = None) -> None:
    """Schedule a sync if this repository has generated files at all."""
    manages_funding = bool(config.funding) and config.funding_file != "off"
    if not manages_funding and config.readme.update == "off":
        return
    await schedule(repo, debounce=config.readme.debounce_seconds if debounce is None else debounce, reason=reason,
                   head_sha=head_sha)
