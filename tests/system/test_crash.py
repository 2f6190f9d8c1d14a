"""Crash test: acknowledged deliveries survive a SIGKILL of `python -m bot serve` (web and worker processes)
and are processed once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.core import markdown
from tests.fixtures.helpers import github_headers

ROOT = Path(__file__).resolve().parents[2]
N = 24


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(env: dict) -> subprocess.Popen:
    """`serve` in a session of its own: its worker processes share its process group, so a crash of the
    whole deployment (the machine, the container) is one ``os.killpg``."""
    return subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


async def wait_healthy(session: aiohttp.ClientSession, port: int, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("serve did not come up")


def funding_comment_counts(sandbox, repo: str, numbers: list[int]) -> dict[int, int]:
    return {n: sum(markdown.has_marker(c["body"], "funding-links") for c in sandbox.comments(repo, n)) for n in numbers}


@pytest.mark.slow
async def test_sigkill_loses_no_acknowledged_delivery_and_repeats_none(sandbox, sandbox_repo, sandbox_installation_id, tmp_path):
    # N new issues; the sandbox records their `issues.opened` deliveries without sending them (no webhook_url)
    numbers = [(await sandbox.open_issue(sandbox_repo, "hubot", f"issue {i}"))["number"] for i in range(N)]
    deliveries = [d for d in sandbox.deliveries if d["event"] == "issues"]
    assert len(deliveries) == N
    sandbox.latency = 0.15  # every API call takes a while, so the kill lands mid-processing

    port = free_port()
    key = tmp_path / "app.pem"
    key.write_bytes(sandbox.private_key_pem)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "PRIVATE_KEY", "DATABASE_URL"))}
    env.update(APP_ID=str(sandbox.app_id), PRIVATE_KEY_PATH=str(key), WEBHOOK_SECRET=sandbox.webhook_secret,
               GITHUB_API_URL=sandbox.base_url, DATABASE_URL=f"sqlite:///{tmp_path / 'crash.db'}",
               PORT=str(port), HOST="127.0.0.1", WORKER_CONCURRENCY="2", JOB_LEASE_SECONDS="2", LOG_LEVEL="WARNING",
               MUTATION_INTERVAL_SECONDS="0")
    url = f"http://127.0.0.1:{port}/api/github/webhooks"

    async with aiohttp.ClientSession() as session:
        first = start_serve(env)
        try:
            await wait_healthy(session, port)
            acked = 0
            for d in deliveries:
                headers = github_headers("issues", d["body"], sandbox.webhook_secret, delivery=d["guid"])
                async with session.post(url, data=d["body"], headers=headers) as r:
                    acked += r.status == 202
            assert acked == N
            # wait until processing is under way but not finished, then kill -9
            for _ in range(400):
                done = sum(funding_comment_counts(sandbox, sandbox_repo, numbers).values())
                if done >= 2:
                    break
                await asyncio.sleep(0.01)
            os.killpg(first.pid, signal.SIGKILL)  # serve and its worker processes at once, mid-job
            first.wait(10)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
        at_kill = sum(funding_comment_counts(sandbox, sandbox_repo, numbers).values())
        assert 0 < at_kill < N, f"the kill should land mid-run ({at_kill} of {N} done)"

        second = start_serve(env)
        try:
            await wait_healthy(session, port)
            for _ in range(600):
                counts = funding_comment_counts(sandbox, sandbox_repo, numbers)
                if all(v >= 1 for v in counts.values()):
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(2.5)  # a lease expiring late could still double-post: give it the chance
        finally:
            second.terminate()
            second.wait(20)
    counts = funding_comment_counts(sandbox, sandbox_repo, numbers)
    assert counts == {n: 1 for n in numbers}, counts
    posts = [c for c in sandbox.calls if c.method == "POST" and c.path.endswith("/comments") and c.status == 201]
    assert len(posts) == N
