"""The claim query stays flat in the backlog (issue 12.3): on both backends the planner walks unfinished jobs in
id order (``jobs_active_idx``) and checks "an earlier unfinished job of the same issue" with one probe of the
per-issue index (``jobs_ordering_idx``), never a scan of every pending job per candidate. Not timed: the plans
are read with EXPLAIN (``bench/run.py`` times the claim with 100 and 10,000 pending jobs).

Before the fix, SQLite answered the probe with ``MULTI-INDEX OR`` over the status index (52 s per claim at
10,000 pending jobs) and sorted every due job in a temporary B-tree; PostgreSQL, with no statistics or stale
ones, filtered every pending job through the probe and sorted them (35 ms at 10,000, 18.7x the time at 100):
its claim now walks the active index by a recursive CTE (``bot.store.pg_claim``), checked here both ways."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from urllib.parse import parse_qs, urlsplit

import asyncpg

from bot.store import postgres as pg_store
from bot.store import sqlite as sqlite_store

PENDING = 2000


async def _fill(store) -> None:
    await asyncio.gather(*(store.enqueue("webhook", f"plan-{k}", payload=b"{}", event="issues", installation_id=1,
                                         ordering_key=f"42#{k}") for k in range(PENDING)))


async def _pg_plan(conn) -> str:
    now = time.time()
    async with conn.transaction():
        rows = await conn.fetch("EXPLAIN " + pg_store._CLAIM_SQL, "w", now + 60, now, 1)
    return "\n".join(r[0] for r in rows)


async def test_claim_walks_the_active_index_and_probes_the_issue_index(store_url, store):
    if not store_url.startswith("sqlite"):
        await _fill(store)
        url = urlsplit(store_url)
        schema = parse_qs(url.query)["schema"][0]
        conn = await asyncpg.connect(store_url.split("?")[0])
        try:
            await conn.execute(f'SET search_path TO "{schema}"')
            # first with no statistics (a table that just filled: the planner estimated one candidate and
            # probed and sorted every pending job, 35 ms at 10,000), then as autovacuum leaves them
            for analyze in (False, True):
                if analyze:
                    await conn.execute("ANALYZE jobs")
                plan = await _pg_plan(conn)
                assert "jobs_active_idx" in plan and "jobs_ordering_idx" in plan, plan
                assert "Sort" not in plan and "Bitmap" not in plan and "Hash Join" not in plan, plan
                assert "Tid Scan on jobs j" in plan, plan  # each walked job read by its ctid, one row
        finally:
            await conn.close()
        return
    await _fill(store)
    conn = sqlite3.connect(store_url.removeprefix("sqlite:///"))
    try:
        now = time.time()
        rows = conn.execute("EXPLAIN QUERY PLAN " + sqlite_store._CLAIM_SQL,
                            {"owner": "w", "lease_expires": now + 60, "now": now, "limit": 1}).fetchall()
    finally:
        conn.close()
    plan = "\n".join(r[3] for r in rows)
    assert "jobs_active_idx" in plan and "jobs_ordering_idx (ordering_key=?)" in plan, plan
    assert "TEMP B-TREE" not in plan and "MULTI-INDEX OR" not in plan, plan


async def test_the_claim_still_takes_jobs_in_order_and_one_per_issue(store):
    for k, issue in enumerate((1, 1, 2, 3)):
        await store.enqueue("webhook", f"order-{k}", payload=b"{}", event="issues", installation_id=1,
                            ordering_key=f"42#{issue}")
    first = await store.claim("w1", lease=60, limit=4)
    assert [job.key for job in first] == ["order-0", "order-2", "order-3"]  # order-1 waits for order-0
