"""Scale-out figures.

* ``workers``: end-to-end events per second for 1, 2 and 4 ``python -m bot worker`` processes on one
  PostgreSQL database, each process with the same fixed job concurrency, the GitHub sandbox answering every
  call after 50 ms. The deliveries (``issues.opened``, each answered with a funding comment) are put in the
  shared inbox first; the clock runs from the workers' start to the last job done.
* ``rss``: the resident memory of ``python -m bot serve`` after 20,000 and after 100,000 acknowledged
  deliveries (setup mode: the edge and the inbox only), to show that nothing in the process grows with the
  number of deliveries.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from bot.core import signing
from bot.settings import DEFAULT_WEBHOOK_PATH

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


async def workers_run(processes: int, jobs: int, concurrency: int) -> dict:
    from bot.sandbox import Sandbox
    from bot.store import open_store

    schema = f"fundbot_bench_{uuid.uuid4().hex[:8]}"
    url = f"{PG}?schema={schema}"
    sandbox = Sandbox(validate=False)
    await sandbox.start()
    try:
        sandbox.add_user("bench", type="Organization")
        repo = "bench/widgets"
        sandbox.add_repo(repo, files={".github/FUNDING.yml": "github: [bench]\n"}, owner_type="Organization")
        sandbox.add_installation("bench", repos=[repo])
        for i in range(jobs):
            sandbox.add_user(f"user{i}")
            await sandbox.open_issue(repo, f"user{i}", f"issue {i}")
        deliveries = [d for d in sandbox.deliveries if d["event"] == "issues"]
        store = open_store(url)
        await store.connect()
        await store.migrate()
        from bot.edge.events import installation_id_of, ordering_key

        sandbox.latency = 0.05
        with tempfile.TemporaryDirectory() as tmp:
            key = Path(tmp) / "app.pem"
            key.write_bytes(sandbox.private_key_pem)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "PRIVATE_KEY", "DATABASE_URL"))}
            env.update(APP_ID=str(sandbox.app_id), PRIVATE_KEY_PATH=str(key), WEBHOOK_SECRET="x", GITHUB_API_URL=sandbox.base_url,
                       DATABASE_URL=url, LOG_LEVEL="ERROR", MUTATION_INTERVAL_SECONDS="0",
                       WORKER_CONCURRENCY=str(concurrency), INSTALLATION_CONCURRENCY=str(concurrency))
            procs = [subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(processes)]
            try:
                await asyncio.sleep(4.0)  # the processes boot (imports, connections) before the clock starts
                started = time.perf_counter()
                await asyncio.gather(*(
                    store.enqueue("webhook", d["guid"], payload=d["body"], event="issues",
                                  installation_id=installation_id_of(d["payload"]), ordering_key=ordering_key("issues", d["payload"]))
                    for d in deliveries))
                while True:
                    counts = await store.counts()
                    if counts["done"] + counts["failed"] >= jobs:
                        break
                    if time.perf_counter() - started > 300:
                        raise RuntimeError(f"not done after 300 s: {counts}")
                    await asyncio.sleep(0.05)
                elapsed = time.perf_counter() - started
            finally:
                for p in procs:
                    p.terminate()
                for p in procs:
                    p.wait(20)
        await store.close()
        comments = sum(len(sandbox.comments(repo, n)) for n in range(1, jobs + 1))
        return {"processes": processes, "concurrency_per_process": concurrency, "jobs": jobs,
                "seconds": round(elapsed, 2), "events_per_second": round(jobs / elapsed, 1),
                "failed": counts["failed"], "comments": comments}
    finally:
        await sandbox.stop()
        await _drop(schema)


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def rss_run(first: int, total: int) -> dict:
    body = (ROOT / "tests" / "data" / "github" / "webhooks" / "issues" / "opened.payload.json").read_bytes()
    secret = "bench-secret"
    signature = signing.signature_256(body, secret)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "DATABASE_URL")}
        env.update(WEBHOOK_SECRET=secret, PORT=str(port), HOST="127.0.0.1", DATABASE_URL=f"sqlite:///{Path(tmp) / 'rss.db'}",
                   LOG_LEVEL="WARNING")
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}{DEFAULT_WEBHOOK_PATH}"
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
                for _ in range(100):
                    try:
                        async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                            if r.status == 200:
                                break
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.1)
                sent = 0
                samples = {}
                counter = iter(range(total))

                async def sender() -> None:
                    nonlocal sent
                    for _ in counter:
                        headers = {"Content-Type": "application/json", "X-GitHub-Event": "issues",
                                   "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": signature}
                        async with session.post(url, data=body, headers=headers) as r:
                            await r.read()
                        sent += 1

                async def sampler() -> None:
                    while sent < total:
                        if sent >= first and "first" not in samples:
                            samples["first"] = _rss_mb(proc.pid)
                        await asyncio.sleep(0.05)

                await asyncio.gather(sampler(), *(sender() for _ in range(100)))
                samples["total"] = _rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(20)
    growth = (samples["total"] - samples["first"]) / samples["first"] * 100
    return {f"rss_mb_after_{first}": round(samples["first"], 1), f"rss_mb_after_{total}": round(samples["total"], 1),
            "growth_percent": round(growth, 1)}


async def run_async(quick: bool) -> dict:
    out: dict = {}
    if await _pg_reachable():
        jobs = 120 if quick else 400
        out["workers"] = [await workers_run(n, jobs, concurrency=4) for n in (1, 2, 4)]
        base = out["workers"][0]["events_per_second"]
        out["speedup_4_vs_1"] = round(out["workers"][-1]["events_per_second"] / base, 2) if base else None
    else:
        out["workers"] = f"skipped: PostgreSQL not reachable at {PG}"
    out["rss"] = await rss_run(5000 if quick else 20000, 20000 if quick else 100000)
    return out
