"""The PostgreSQL group commit takes its ordering-key locks before any row is formed (so before any id is
drawn), in hash order: EXPLAIN VERBOSE shows pg_advisory_xact_lock computed in an InitPlan over the sorted
distinct hashes, checked as a one-time filter above the scan of the rows. (Not timed.)"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest

from bot.store import postgres as pg_store


async def test_the_batch_insert_locks_its_ordering_keys_in_an_initplan_before_the_rows(store_url, store):
    if store_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    schema = parse_qs(urlsplit(store_url).query)["schema"][0]
    conn = await asyncpg.connect(store_url.split("?")[0])
    try:
        await conn.execute(f'SET search_path TO "{schema}"')
        async with conn.transaction():
            rows = await conn.fetch("EXPLAIN (VERBOSE, COSTS OFF) " + pg_store._ENQUEUE_MANY_SQL,
                                    ["webhook"] * 2, ["a", "b"], [None] * 2, [b"{}"] * 2, [1, 1], ["r#1", "r#2"],
                                    [1.0] * 2, [1.0] * 2, "channel", ["r#1", "r#2"])
    finally:
        await conn.close()
    plan = [r[0] for r in rows]
    text = "\n".join(plan)
    initplan = next(i for i, line in enumerate(plan) if "InitPlan" in line)
    lock = next(i for i, line in enumerate(plan) if "pg_advisory_xact_lock" in line)
    rows_scan = next(i for i, line in enumerate(plan) if "Function Scan on r" in line)
    assert "One-Time Filter" in text, text
    assert initplan < lock < rows_scan, text  # the locks belong to the InitPlan, ahead of the rows
    sort = next(i for i, line in enumerate(plan) if "Sort Key: (hashtext" in line)
    assert lock < sort < rows_scan, text  # computed above (after) the sort of the hashes
