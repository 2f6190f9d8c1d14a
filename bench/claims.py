"""Claim time in the backlog (issue 12, point 3): the store filled with N pending jobs on distinct issues,
then the time of one ``claim(limit=1)`` call, repeated. Uses ``bot.store`` only (its public API)."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from pathlib import Path

from deploy import PG


async def _fill(store, n: int) -> None:
    tag = uuid.uuid4().hex[:8]
    for start in range(0, n, 500):  # the store batches concurrent enqueues; 500 in flight at a time
        await asyncio.gather(*(
            store.enqueue("webhook", f"claim-{tag}-{k}", payload=b"{}", event="issues",
                          installation_id=1000 + k % 50, ordering_key=f"{5_000_000 + k % 50}#{k + 1}")
            for k in range(start, min(n, start + 500))))


async def claim_ms(url: str, pending: int, *, repeats: int, budget_s: float) -> dict:
    from bot.store import open_store

    store = open_store(url)
    await store.connect()
    try:
        await store.migrate()
        started = time.perf_counter()
        await _fill(store, pending)
        fill_s = time.perf_counter() - started
        times = []
        spent = 0.0
        while len(times) < repeats and (not times or spent < budget_s):
            t0 = time.perf_counter()
            jobs = await store.claim("bench-claims", lease=600, limit=1)
            times.append((time.perf_counter() - t0) * 1000)
            spent += times[-1] / 1000
            if not jobs:
                raise RuntimeError(f"claim returned nothing with {pending} pending jobs")
        return {"pending": pending, "claim_ms_median": round(statistics.median(times), 2),
                "claim_ms_all": [round(t, 2) for t in times], "fill_seconds": round(fill_s, 1)}
    finally:
        await store.close()


async def _drop_schema(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def backend(name: str, tmp: Path, sizes: tuple[int, int], repeats: int, budget_s: float) -> dict:
    out: dict = {}
    for n in sizes:
        if name == "postgres":
            schema = f"fundbot_claims_{uuid.uuid4().hex[:8]}"
            try:
                out[f"pending_{n}"] = await claim_ms(f"{PG}?schema={schema}", n, repeats=repeats, budget_s=budget_s)
            finally:
                await _drop_schema(schema)
        else:
            path = tmp / f"claims-{uuid.uuid4().hex[:8]}.db"
            out[f"pending_{n}"] = await claim_ms(f"sqlite:///{path}", n, repeats=repeats, budget_s=budget_s)
    small, large = (out[f"pending_{n}"]["claim_ms_median"] for n in sizes)
    out["ratio"] = round(large / small, 1) if small else None
    return out
