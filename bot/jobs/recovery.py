"""Recovering missed deliveries: GitHub never redelivers on its own.

A scheduled job (``deliveries.recover``, every ``INTERVAL`` seconds, one for the whole App: its key is
unique in the shared store) lists the App's recent webhook deliveries (``GET /app/hook/deliveries``, newest
first) back to its stored checkpoint. Every delivery GUID that has no successful attempt and is not in the
inbox is redelivered (``POST /app/hook/deliveries/{id}/attempts``); GitHub sends it again with the same GUID,
so it is processed once. Bounded per run (pages and redeliveries); the checkpoint moves forward each run,
overlapping a little so a delivery in flight at the boundary is not missed.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import gidgethub

from bot.core import timestamps
from bot.store import Job

log = logging.getLogger(__name__)

KIND = "deliveries.recover"
KEY = "deliveries:recover"
INTERVAL = 600.0
OVERLAP = 300.0  # re-examine the last five minutes of the previous run
FIRST_LOOKBACK = 3 * 86400.0  # GitHub keeps deliveries for three days
MAX_PAGES = 10
MAX_REDELIVERIES = 100
CACHE = ("recovery", "checkpoint")


async def schedule(ctx: Any, *, delay: float = INTERVAL) -> None:
    await ctx.store.schedule(KIND, KEY, run_at=ctx.clock.time() + delay, payload=b"{}")


async def recover(ctx: Any) -> dict[str, int]:
    """One pass; returns counts (examined, failed, redelivered)."""
    app = ctx.github.app_client()
    now = ctx.clock.time()
    checkpoint = await ctx.store.cache_get(*CACHE)
    since = (float(checkpoint) - OVERLAP) if isinstance(checkpoint, (int, float)) else now - FIRST_LOOKBACK
    succeeded: set[str] = set()
    failed: dict[str, dict] = {}
    examined = 0
    async for d in app.getiter("/app/hook/deliveries{?per_page}", {"per_page": 100}):
        examined += 1
        if timestamps.parse(d.get("delivered_at"), 0.0) < since or examined > MAX_PAGES * 100:
            break  # newest first: everything further is older than the checkpoint
        guid = d.get("guid")
        if not guid:
            continue
        if 200 <= int(d.get("status_code") or 0) < 300:
            succeeded.add(guid)
        else:
            failed.setdefault(guid, d)
    redelivered = 0
    for guid, d in failed.items():
        if guid in succeeded or redelivered >= MAX_REDELIVERIES:
            continue
        if await ctx.store.get_job_by_key(guid) is not None:
            continue  # it reached us after all (or an earlier attempt did)
        try:
            await app.post("/app/hook/deliveries/{delivery_id}/attempts", {"delivery_id": d["id"]}, data=b"")
        except gidgethub.BadRequest as exc:
            log.warning("could not redeliver %s (%s): %s", guid, d.get("event"), exc)
            continue
        redelivered += 1
        log.info("asked GitHub to redeliver %s (%s)", guid, d.get("event"))
    await ctx.store.cache_set(*CACHE, now)
    return {"examined": examined, "failed": len(failed), "redelivered": redelivered}


async def run(job: Job, ctx: Any) -> None:
    try:
        counts = await recover(ctx)
        log.info("delivery recovery: %s", json.dumps(counts))
    finally:
        await schedule(ctx)  # the next pass, whatever happened to this one
