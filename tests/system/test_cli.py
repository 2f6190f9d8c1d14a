"""The command line as a user runs it: subprocesses of `python -m bot`."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.fixtures import cli
from tests.fixtures.helpers import WEBHOOKS, github_headers
from tests.system.test_crash import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "DATABASE_URL", "GITHUB_API_URL")}
    env.update(extra)
    return env


def run(*args: str, env: dict | None = None, cwd: Path = ROOT, timeout: float = 60,
        fresh: bool = False) -> subprocess.CompletedProcess:
    """``python -m bot ARGS`` in a child process (forked from this one: tests/fixtures/cli.py; ``fresh``: a new
    interpreter)."""
    return cli.run(list(args), env=env or clean_env(), cwd=cwd, timeout=timeout, fresh=fresh)


def test_help_lists_the_commands():
    out = run("--help").stdout
    for command in ("serve", "worker", "receive", "demo", "sandbox", "jobs", "migrate"):
        assert command in out


def test_serve_refuses_to_start_without_a_webhook_secret(tmp_path):
    """With App credentials, a missing secret ends serve (without them it is setup mode, before the one-click
    registration: tests/browser/test_registration.py)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = tmp_path / "key.pem"
    key.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    result = run("serve", env=clean_env(APP_ID="1", PRIVATE_KEY_PATH=str(key),
                                        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"), cwd=tmp_path)
    assert result.returncode == 2
    assert "WEBHOOK_SECRET is required" in result.stderr


def test_bad_settings_are_reported_not_crashed(tmp_path):
    result = run("serve", env=clean_env(WEBHOOK_SECRET="s", PORT="eighty", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"), cwd=tmp_path)
    assert result.returncode == 2 and "PORT must be a whole number" in result.stderr
    result = run("serve", env=clean_env(WEBHOOK_SECRET="s", PRIVATE_KEY_PATH=str(tmp_path / "missing.pem")), cwd=tmp_path)
    assert result.returncode == 2 and "PRIVATE_KEY_PATH" in result.stderr


def test_receive_replays_a_payload_against_the_sandbox(tmp_path):
    result = run("receive", "-e", "issues", "-p", str(WEBHOOKS / "issues" / "opened.payload.json"), "--sandbox", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert ": done" in result.stdout
    assert "GET /repos/Codertocat/Hello-World/contents/.github/fundbot.yml -> 404" in result.stdout


def test_receive_reports_a_bad_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    result = run("receive", "-e", "issues", "-p", str(bad), "--sandbox", cwd=tmp_path)
    assert result.returncode == 2 and "is not JSON" in result.stderr
    result = run("receive", "-e", "issues", "-p", str(tmp_path / "missing.json"), cwd=tmp_path)
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_demo_shows_the_funding_comment(tmp_path):
    result = run("demo", cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "-- comment by fundbot[bot]:" in result.stdout
    assert "https://github.com/sponsors/lena-dev" in result.stdout
    assert re.search(r"comments on #\d+: 1\n", result.stdout)
    assert "-- pull request #1: Configure fundbot" in result.stdout and "fundbot/config: failure" in result.stdout
    assert "<!-- fundbot:release:start -->" in result.stdout
    assert "fundbot campaign · 🎉 funded" in result.stdout and "fundbot campaign · ✅ delivered" in result.stdout
    assert "Thank you, backers" in result.stdout and "reactions ['confused']" in result.stdout
    readme_section = result.stdout.split("== 10.")[1]
    assert "megacorp" in readme_section and "Backers of delivered campaigns" in readme_section
    assert "'failed': 0" in result.stdout


def test_sandbox_command_prints_how_to_use_it(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "sandbox", "--port", str(port)], cwd=tmp_path,
                            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for _ in range(40):
            line = proc.stdout.readline()
            lines.append(line)
            if "secret" in line.lower() and any("key" in x.lower() for x in lines):
                break
        text = "".join(lines)
        assert str(port) in text and "app" in text.lower()
        key_paths = [w.rpartition("=")[2] for w in text.split() if w.endswith(".pem")]
        assert key_paths and Path(key_paths[0]).read_text().startswith("-----BEGIN")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


@pytest.mark.slow
async def test_sigterm_finishes_in_flight_work_and_leaves_the_rest_in_the_inbox(sandbox, sandbox_repo, sandbox_installation_id, tmp_path):
    numbers = [(await sandbox.open_issue(sandbox_repo, "hubot", f"issue {i}"))["number"] for i in range(12)]
    deliveries = [d for d in sandbox.deliveries if d["event"] == "issues"]
    sandbox.latency = 0.2
    port = free_port()
    key = tmp_path / "app.pem"
    key.write_bytes(sandbox.private_key_pem)
    db = tmp_path / "term.db"
    env = clean_env(APP_ID=str(sandbox.app_id), PRIVATE_KEY_PATH=str(key), WEBHOOK_SECRET=sandbox.webhook_secret,
                    GITHUB_API_URL=sandbox.base_url, DATABASE_URL=f"sqlite:///{db}", PORT=str(port), HOST="127.0.0.1",
                    WORKER_CONCURRENCY="1", SHUTDOWN_GRACE_SECONDS="10", LOG_LEVEL="INFO", LOG_FORMAT="json",
                    MUTATION_INTERVAL_SECONDS="0")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    async with aiohttp.ClientSession() as session:
        await wait_healthy(session, port)
        for d in deliveries:
            headers = github_headers("issues", d["body"], sandbox.webhook_secret, delivery=d["guid"])
            async with session.post(f"http://127.0.0.1:{port}/api/github/webhooks", data=d["body"], headers=headers) as r:
                assert r.status == 202
    # stop once the worker child is at work (a bounded wait, not a fixed sleep): one reply is posted
    deadline = asyncio.get_running_loop().time() + 30
    while not any(sandbox.comments(sandbox_repo, n) for n in numbers):
        assert asyncio.get_running_loop().time() < deadline, "no worker processed a delivery within 30 s"
        await asyncio.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.to_thread(proc.communicate, timeout=30)
    assert proc.returncode == 0
    # no job is left "running" with a lease: in-flight work finished, the rest waits as pending
    from bot.store import open_store

    store = open_store(f"sqlite:///{db}")
    await store.connect()
    jobs = [j for j in await store.list_jobs(None, limit=1000) if j.kind == "webhook"]  # (not the recovery job)
    await store.close()
    counts = {status: sum(j.status == status for j in jobs) for status in ("pending", "running", "done", "failed")}
    assert counts["running"] == 0 and counts["failed"] == 0
    assert counts["done"] + counts["pending"] == 12 and counts["pending"] > 0
    posted = sum(1 for n in numbers if sandbox.comments(sandbox_repo, n))
    assert posted == counts["done"]
    # JSON logs: one object per line, with the delivery on job lines, and no secret anywhere
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(line.get("delivery") for line in lines)
    assert sandbox.webhook_secret not in stderr and "BEGIN RSA" not in stderr and "ghs_" not in stderr


@pytest.mark.parametrize("args, env", [
    (("--help",), {}),
    (("jobs",), {}),
    (("serve",), {"APP_ID": "abc"}),
    (("sponsors", "connect", "octocat"), {"SECRET_KEY": ""}),
])
def test_a_forked_child_answers_as_a_new_interpreter_does(tmp_path, args, env):
    """The fast runner (tests/fixtures/cli.py forks this process) is checked against a real `python -m bot`."""
    forked = run(*args, env=clean_env(**env), cwd=tmp_path)
    fresh = run(*args, env=clean_env(**env), cwd=tmp_path, fresh=True)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)
    assert "Traceback" not in fresh.stderr
