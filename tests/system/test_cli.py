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


def demo_acts(out: str) -> dict[int, str]:
    """The demo's output by act: "== 7. ..." -> the text up to the next heading."""
    parts = re.split(r"^== (\d+)\. ", out, flags=re.M)
    return {int(parts[i]): parts[i + 1].split("\n== What fundbot did")[0] for i in range(1, len(parts), 2)}


def answer_to(act: str, typed: str) -> str:
    """What the demo printed after the typed command ``typed`` (up to the next typed command)."""
    at = act.index(typed)
    rest = act[at + len(typed):]
    end = re.search(r"^> ", rest, flags=re.M)
    return rest[: end.start()] if end else rest


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> subprocess.CompletedProcess:
    """One run of ``python -m bot demo`` for the demo's tests."""
    return run("demo", cwd=tmp_path_factory.mktemp("demo"), timeout=120)


def test_demo_shows_the_funding_comment(demo):
    """The setup acts (1-6): onboarding, the config check, the greeting, a redelivery, /fund."""
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = demo.stdout
    assert "-- comment by fundbot[bot]:" in out and "https://github.com/sponsors/lena-dev" in out
    assert re.search(r"comments on #\d+: 1\n", out) and "(a duplicate: already handled)" in out
    assert "-- pull request #1: Configure fundbot" in out and "fundbot/config: failure" in out
    assert "'failed': 0" in out and "OpenAPI violations" not in out
    assert max(len(line) for line in out.splitlines() if line.startswith("   | ")) <= 110  # short lines


def test_demo_tells_the_seed_story(demo):
    """Acts 7-14 (issue 14's seed story): each typed command comes before fundbot's answer, and each act's
    visible outcome is there - not only that the demo runs."""
    out = demo.stdout
    acts = demo_acts(out)
    assert sorted(acts) == list(range(1, 15)), sorted(acts)
    n = re.search(r"> carol opens issue #(\d+)", acts[7]).group(1)
    assert "/offer 800 https://liberapay.com/devon" in acts[7]
    accepted = answer_to(acts[8], f"> lena-dev on #{n}: /bounty accept @devon")
    assert "posts the status comment" in accepted and "Backers pay: @devon, the accepted implementer" in accepted
    assert "reacts: confused" in answer_to(acts[9], f"> bob on #{n}: /bounty 5000")
    assert "reacts: +1" in answer_to(acts[9], f"> bob on #{n}: @fundbot pledge 250")
    # the last pledge funds it: the notice mentions every backer with their amount, and the developer's links
    funded = answer_to(acts[9], f"> erin on #{n}: /pledge 10")
    assert "💰 fundbot campaign · 🎉 funded" in funded and "labels on" in funded and "+💸 funded" in funded
    notice = funded.split("fundbot posts a notice", 1)[1]
    for who, amount in (("alice", 440), ("bob", 250), ("carol", 100), ("erin", 10)):
        assert f"@{who}: please pay {amount}.00 USD" in notice, who
    assert "@devon: your offer was accepted" in notice
    for url in ("https://liberapay.com/devon", "https://github.com/sponsors/devon", "https://ko-fi.com/devon"):
        assert url in notice, url
    assert "lena-dev" not in notice  # not the project's links
    # payments: says paid, then received
    assert "backer @alice 440.00 USD (reward tier 4): 🕓 says paid" in acts[10]
    received = answer_to(acts[10], "/bounty received @alice @bob @carol")
    assert all(f"backer @{who} " in received and "✅ received" in received for who in ("alice", "bob", "carol"))
    # the merged pull request delivers; the human reward is owed
    assert re.search(r"> devon opens pull request #\d+ .*Fixes #" + n, acts[11])
    assert "💰 fundbot campaign · ✅ delivered" in acts[11] and "Delivered on " in acts[11]
    assert "reward for @alice: A live coding session with the developer · ⬜ owed" in acts[11]
    assert "@devon: thank you for delivering this!" in acts[11] and "+✅ delivered" in acts[11]
    # the release notes thank the backers whose reward says so (erin's 10 is a release-notes thank-you)
    thanks = acts[12].split("Thank you, backers", 1)[1]
    assert all(f"@{who}" in thanks for who in ("alice", "bob", "carol", "erin"))
    assert "A thank-you in the release notes: @erin" in thanks
    # the README: logos for 200 and more, a name for 50, nobody for 10
    readme = acts[13]
    assert "[logo alice]" in readme and "[logo bob]" in readme and "[logo megacorp]" in readme
    assert re.search(r"^   \| carol$", readme, flags=re.M) and "[logo carol]" not in readme
    assert "erin" not in readme
    done = answer_to(acts[14], "/bounty reward done @alice")
    assert "reward for @alice: A live coding session with the developer · ✅ done" in done and "All given" in done
    counts = re.search(r"the whole campaign: (\d+) \(greeting: 1, status comment: 1, replies: 1, notices: 2\)", out)
    assert counts and counts.group(1) == "5", out.split("== What fundbot did")[1]


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
