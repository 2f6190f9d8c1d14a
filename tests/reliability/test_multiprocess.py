"""Scale-out on PostgreSQL: several `serve --no-workers` and `worker` processes share one database.

Every acknowledged delivery is processed exactly once even when a web process and a worker process are
SIGKILLed mid-burst (the worker's jobs are taken over when the lease expires; what the dead web process
never acknowledged is redelivered to the other, as GitHub's redelivery would), and `python -m bot migrate` is safe to run from many processes
at once (the Procfile's `release:` in every deploy)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest

from bot.core import markdown
from tests.fixtures.helpers import github_headers
from tests.fixtures.store_fixtures import _check_postgres, _drop_schema, postgres_base_url, with_query
from tests.system.test_crash import free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.slow]
N = 30


@pytest.fixture
async def pg_url():
    base = postgres_base_url()
    await _check_postgres(base)
    schema = f"fundbot_mp_{uuid.uuid4().hex[:10]}"
    yield with_query(base, schema=schema)
    await _drop_schema(base, schema)


def spawn(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def base_env(sandbox, key: Path, url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "PRIVATE_KEY", "DATABASE_URL", "PORT"))}
    env.update(APP_ID=str(sandbox.app_id), PRIVATE_KEY_PATH=str(key), WEBHOOK_SECRET=sandbox.webhook_secret,
               GITHUB_API_URL=sandbox.base_url, DATABASE_URL=url, HOST="127.0.0.1", LOG_LEVEL="WARNING",
               MUTATION_INTERVAL_SECONDS="0", JOB_LEASE_SECONDS="2", WORKER_CONCURRENCY="3", **extra)
    return env


async def test_concurrent_migrations_from_many_processes(pg_url, sandbox, tmp_path):
    key = tmp_path / "app.pem"
    key.write_bytes(sandbox.private_key_pem)
    env = base_env(sandbox, key, pg_url)
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "migrate", cwd=ROOT, env=env,
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
             for _ in range(4)]
    results = [await p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [r[1].decode()[-500:] for r in results]
    assert all(b"database ready" in out for out, _ in results)


async def test_many_processes_process_each_delivery_once_despite_a_sigkill(pg_url, sandbox, sandbox_repo,
                                                                            sandbox_installation_id, tmp_path):
    numbers = [(await sandbox.open_issue(sandbox_repo, "hubot", f"issue {i}"))["number"] for i in range(N)]
    deliveries = [d for d in sandbox.deliveries if d["event"] == "issues"]
    assert len(deliveries) == N
    sandbox.latency = 0.05
    key = tmp_path / "app.pem"
    key.write_bytes(sandbox.private_key_pem)
    migrate = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=base_env(sandbox, key, pg_url),
                             capture_output=True, text=True, timeout=60)
    assert migrate.returncode == 0, migrate.stderr
    ports = [free_port(), free_port()]
    webs = [spawn(["serve", "--no-workers"], base_env(sandbox, key, pg_url, PORT=str(p))) for p in ports]
    workers = [spawn(["worker"], base_env(sandbox, key, pg_url)) for _ in range(2)]
    try:
        async with aiohttp.ClientSession() as session:
            for port in ports:
                await wait_healthy(session, port)
            acked: set[str] = set()
            for i, d in enumerate(deliveries):  # spread over both web processes; one is killed mid-burst
                if i == N // 2:
                    webs[1].send_signal(signal.SIGKILL)
                    webs[1].wait(10)
                headers = github_headers("issues", d["body"], sandbox.webhook_secret, delivery=d["guid"])
                url = f"http://127.0.0.1:{ports[i % 2]}/api/github/webhooks"
                try:
                    async with session.post(url, data=d["body"], headers=headers) as r:
                        if r.status == 202:
                            acked.add(d["guid"])
                except aiohttp.ClientError:
                    pass  # the killed process: never acknowledged
            assert N // 2 <= len(acked) < N  # the killed process acknowledged nothing after its death
            for d in deliveries:  # what was never acknowledged, GitHub redelivers (to the surviving process)
                if d["guid"] not in acked:
                    headers = github_headers("issues", d["body"], sandbox.webhook_secret, delivery=d["guid"])
                    async with session.post(f"http://127.0.0.1:{ports[0]}/api/github/webhooks", data=d["body"], headers=headers) as r:
                        assert r.status == 202
                        acked.add(d["guid"])
            # kill one worker process as soon as work is under way
            for _ in range(400):
                done = sum(1 for n in numbers if sandbox.comments(sandbox_repo, n))
                if done >= 3:
                    break
                await asyncio.sleep(0.02)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(10)
            at_kill = sum(1 for n in numbers if sandbox.comments(sandbox_repo, n))
            assert 0 < at_kill < N, f"the kill should land mid-run ({at_kill} of {N} done)"
            workers.append(spawn(["worker"], base_env(sandbox, key, pg_url)))  # a replacement
            for _ in range(600):
                if all(sandbox.comments(sandbox_repo, n) for n in numbers):
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(2.5)  # longer than a lease: a late takeover would double-post now
    finally:
        for p in webs + workers:
            if p.poll() is None:
                p.terminate()
        for p in webs + workers:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
    counts = {n: sum(markdown.has_marker(c["body"], "funding-links") for c in sandbox.comments(sandbox_repo, n)) for n in numbers}
    assert counts == {n: 1 for n in numbers}, counts
    posts = [c for c in sandbox.calls if c.method == "POST" and c.path.endswith("/comments") and c.status == 201]
    assert len(posts) == N
