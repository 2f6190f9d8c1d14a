"""Scale-out (``bench/run.py --sections scale``): end-to-end events per second of N ``python -m bot worker``
processes on one PostgreSQL database, each with the same job concurrency, the GitHub sandbox answering every
call after 50 ms. The deliveries (``issues.opened`` over 10 installations, each answered with a funding
comment) are put in the shared inbox once the workers are up; the clock runs from there to the last job done.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import wrkload

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


async def _pg_reachable() -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(PG, timeout=3)
    except Exception:
        return False
    await conn.close()
    return True


async def _drop(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def workers_run(processes: int, jobs: int, concurrency: int, latency: float = 0.05,
                      installations: int = 10) -> dict:
    """``processes`` ``python -m bot worker`` processes (``concurrency`` jobs each) on one PostgreSQL schema
    working off ``jobs`` ``issues.opened`` deliveries spread over ``installations`` (bench/wrkload.py's
    payloads, the sandbox seeded with them), every sandbox answer after ``latency`` seconds.

    Every process fetches its own token per installation (one extra call each, cached for the hour after):
    with 50 installations and 160 jobs that alone was 1.4 of 5.4 calls per job with 4 processes against
    none of 4.0 with one, so the run uses 10 installations to measure the steady state more than start-up;
    ``github_calls_per_job`` shows what remains."""
    from bot.edge.events import installation_id_of, ordering_key
    from bot.sandbox import Sandbox
    from bot.sandbox.standalone import seed_world
    from bot.store import open_store

    schema = f"fundbot_bench_{uuid.uuid4().hex[:8]}"
    url = f"{PG}?schema={schema}"
    sandbox = Sandbox(validate=False)
    await sandbox.start()
    store = None
    try:
        payloads = wrkload.payloads(jobs, installations=installations)
        with tempfile.TemporaryDirectory() as tmp:
            seed = json.loads(wrkload.write_seed(Path(tmp) / "seed.json", jobs, installations=installations).read_text())
            seed_world(sandbox, seed)
            store = open_store(url)
            await store.connect()
            await store.migrate()
            sandbox.latency = latency
            key = Path(tmp) / "app.pem"
            key.write_bytes(sandbox.private_key_pem)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "PRIVATE_KEY", "DATABASE_URL"))}
            env.update(APP_ID=str(sandbox.app_id), PRIVATE_KEY_PATH=str(key), WEBHOOK_SECRET="x",
                       GITHUB_API_URL=sandbox.base_url, DATABASE_URL=url, LOG_LEVEL="ERROR", MUTATION_INTERVAL_SECONDS="0",
                       WORKER_CONCURRENCY=str(concurrency), INSTALLATION_CONCURRENCY=str(concurrency))
            procs = [subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(processes)]
            try:
                await _booted(store, procs)
                started = time.perf_counter()
                await asyncio.gather(*(
                    store.enqueue("webhook", f"scale-{schema}-{k}", payload=json.dumps(p).encode(), event="issues",
                                  installation_id=installation_id_of(p), ordering_key=ordering_key("issues", p))
                    for k, p in enumerate(payloads)))
                counts = await _until_done(store, jobs, started)
                elapsed = time.perf_counter() - started
            finally:
                for p in procs:
                    p.terminate()
                for p in procs:
                    p.wait(20)
        comments = sum(len(sandbox.comments(p["repository"]["full_name"], p["issue"]["number"])) for p in payloads)
        calls = len(sandbox.calls)
        return {"processes": processes, "concurrency_per_process": concurrency, "jobs": jobs, "installations": installations,
                "seconds": round(elapsed, 2), "events_per_second": round(jobs / elapsed, 1),
                "done": counts.get("done", 0), "failed": counts.get("failed", 0), "comments": comments,
                "github_calls_per_job": round(calls / jobs, 1)}
    finally:
        if store is not None:
            await store.close()
        await sandbox.stop()
        await _drop(schema)


async def _booted(store, procs: list[subprocess.Popen]) -> None:
    """Wait (bounded) until every worker process is up: each one's recovery job is scheduled at start, and a
    few seconds of imports and connections are allowed before the clock starts."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while loop.time() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a worker process exited while starting")
        if sum((await store.counts()).values()) >= 1:  # the first worker has connected and scheduled recovery
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)  # the others finish their imports (they start at the same time)


async def _until_done(store, jobs: int, started: float) -> dict:
    while True:
        counts = await store.counts()
        if counts.get("done", 0) + counts.get("failed", 0) >= jobs:  # the recovery job is due a minute later
            return counts
        if time.perf_counter() - started > 300:
            raise RuntimeError(f"not done after 300 s: {counts}")
        await asyncio.sleep(0.05)
