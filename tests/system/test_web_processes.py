"""`serve` with WEB_PROCESSES=2: two web processes on one port (SO_REUSEPORT) lose and duplicate nothing.

Every delivery is sent twice, each time on a new connection (the kernel spreads connections over the two
processes, so a delivery and its repeat often reach different processes): the store then holds exactly one
job per delivery and exactly one of the two answers says ``duplicate``. A web child killed with SIGKILL is
restarted; SIGTERM stops serve and every child. Setup mode (no App credentials): nothing consumes the jobs,
so the store's count is the edge's alone."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest

from bot.store import open_store
from tests.fixtures.helpers import github_headers
from tests.fixtures.store_fixtures import _check_postgres, _drop_schema, postgres_base_url, with_query
from tests.system.test_crash import free_port

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = ROOT / "tests" / "data" / "github" / "webhooks" / "issues" / "opened.payload.json"
SECRET = "web-processes-secret"
K = 60
pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'web.db'}"
        return
    base = postgres_base_url()
    await _check_postgres(base)  # skips when no server answers
    schema = f"fundbot_web_{uuid.uuid4().hex[:10]}"
    yield with_query(base, schema=schema)
    await _drop_schema(base, schema)


def start(url: str, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "PRIVATE_KEY", "DATABASE_URL", "PORT"))}
    env.update(WEBHOOK_SECRET=SECRET, DATABASE_URL=url, PORT=str(port), HOST="127.0.0.1", WEB_PROCESSES="2",
               LOG_LEVEL="WARNING", SHUTDOWN_GRACE_SECONDS="2")
    return subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


async def answering_pids(port: int, *, want: int, timeout: float = 20.0, exclude: frozenset = frozenset()) -> set[int]:
    """The pids answering /healthz on fresh connections, polled until ``want`` distinct ones (not in
    ``exclude``) answered or ``timeout``."""
    seen: set[int] = set()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        while loop.time() < deadline and len(seen - exclude) < want:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200:
                        seen.add((await r.json())["pid"])
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    return seen


async def send_twice(port: int, deliveries: list[tuple[str, bytes]]) -> list[tuple[int, bool]]:
    url = f"http://127.0.0.1:{port}/api/github/webhooks"
    gate = asyncio.Semaphore(16)

    async def one(guid: str, body: bytes) -> tuple[int, bool]:
        async with gate, aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
            headers = github_headers("issues", body, SECRET, delivery=guid)
            async with session.post(url, data=body, headers=headers) as r:
                answer = await r.json()
                return r.status, bool(answer.get("duplicate"))

    return await asyncio.gather(*(one(g, b) for g, b in deliveries for _ in range(2)))


def bodies() -> list[tuple[str, bytes]]:
    base = json.loads(PAYLOAD.read_bytes())
    out = []
    for k in range(K):
        base["issue"]["number"] = k + 1
        out.append((str(uuid.uuid4()), json.dumps(base).encode()))
    return out


async def stored_deliveries(url: str) -> dict[str, int]:
    store = open_store(url)
    await store.connect()
    try:
        return await store.counts()
    finally:
        await store.close()


def child_pids(parent: int) -> set[int]:
    out = subprocess.run(["ps", "--ppid", str(parent), "-o", "pid=,args="], capture_output=True, text=True).stdout
    return {int(line.split()[0]) for line in out.splitlines() if "--web-child" in line}


async def gone(pid: int, *, timeout: float) -> bool:
    """Whether ``pid`` exits (or is a zombie) within ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return True
        except OSError:
            return True
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)


async def test_two_web_processes_store_each_delivery_once_and_are_supervised(database_url):
    port = free_port()
    serve = start(database_url, port)
    try:
        pids = await answering_pids(port, want=2)
        assert len(pids) == 2 and serve.pid in pids, f"both web processes answer on port {port}: {pids}"
        deliveries = bodies()
        answers = await send_twice(port, deliveries)
        assert [status for status, _ in answers] == [202] * (2 * K)
        assert sum(duplicate for _, duplicate in answers) == K  # one of the two answers of each delivery
        counts = await stored_deliveries(database_url)
        assert sum(counts.values()) == K, counts

        [child] = child_pids(serve.pid)
        os.kill(child, signal.SIGKILL)  # the supervisor restarts a dying web child
        again = await answering_pids(port, want=2, exclude=frozenset({child}), timeout=30)
        assert len(again - {child}) == 2 and child not in child_pids(serve.pid), again
        more = await send_twice(port, bodies()[:10])
        assert sorted(status for status, _ in more) == [202] * 20
        assert sum((await stored_deliveries(database_url)).values()) == K + 10
        [restarted] = child_pids(serve.pid)

        serve.send_signal(signal.SIGTERM)  # drains every web process, then exits
        assert serve.wait(30) == 0, serve.stderr.read().decode()[-2000:]
        assert await gone(restarted, timeout=10), f"web child {restarted} still running after serve stopped"
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(10)
