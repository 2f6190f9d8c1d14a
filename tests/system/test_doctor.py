"""`python -m bot doctor`: the real CLI in a subprocess, against the GitHub sandbox, one test per failure.

Each test builds a deployment that works (an App in the sandbox installed on one repository, a migrated
SQLite inbox, fundbot's own web app answering ``PUBLIC_URL/healthz`` and receiving the sandbox's webhooks),
breaks one thing, runs ``python -m bot doctor`` and reads what it printed and its exit code.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot import doctor
from bot.edge.web import make_app
from bot.settings import DEFAULT_WEBHOOK_PATH, Settings
from bot.store import open_store
from bot.store.postgres import MIGRATIONS as PG_MIGRATIONS
from bot.store.sqlite import MIGRATIONS
from tests.fixtures import cli
from tests.fixtures.store_fixtures import postgres_base_url, with_query
from tests.system.test_crash import free_port

LATEST = MIGRATIONS[-1][0]  # the schema version this fundbot migrates to (SQLite)
PG_LATEST = PG_MIGRATIONS[-1][0]  # PostgreSQL's (4: payloads compressed with lz4)

ROOT = Path(__file__).resolve().parents[2]
SETTING_NAMES = {
    "APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "PORT", "HOST", "WEBHOOK_PATH", "GITHUB_API_URL",
    "DATABASE_URL", "LOG_LEVEL", "LOG_FORMAT", "PUBLIC_URL", "BOT_LOGIN",
}
GREEN = [
    "✓ settings: environment and .env parse",
    "✓ webhook secret: WEBHOOK_SECRET is set",
    "✓ App credentials: APP_ID 1 authenticates as fundbot (https://github.com/apps/fundbot)",
    "✓ App permissions: checks: write, contents: write, issues: write, metadata: read, pull_requests: write as app.yml asks",
    "✓ App events: issues, issue_comment, pull_request, push, release, repository as app.yml asks",
    "✓ installations: 1: octo-org (1 repository)",
    "✓ repositories: 1 reachable: octo-org/widgets",
    "✓ webhook URL: GitHub delivers to {public}/api/github/webhooks = PUBLIC_URL + WEBHOOK_PATH",
    "✓ recent deliveries: none yet",
    "✓ database: sqlite:///{db} reachable (* ms)",
    f"✓ database schema: version {LATEST} (current)",
    "✓ inbox: 0 pending, 0 running",
    "✓ failed jobs: none",
    "✓ public URL: {public}/healthz answered 200 in * ms",
    "0 problems, 0 warnings",
]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


@dataclasses.dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    def line(self, prefix: str) -> str:
        """The one printed line starting with ``prefix`` (and the fix below it, if any)."""
        lines = self.lines
        found = [i for i, line in enumerate(lines) if line.startswith(prefix)]
        assert len(found) == 1, f"expected one line starting {prefix!r} in:\n{self.out}"
        i = found[0]
        fix = lines[i + 1] if i + 1 < len(lines) and lines[i + 1].startswith("    fix: ") else ""
        return lines[i] + ("\n" + fix if fix else "")

    def failures(self) -> list[str]:
        return [line for line in self.lines if line.startswith("✗")]


async def run_doctor(env: dict[str, str], cwd: Path) -> Result:
    """``python -m bot doctor`` in a child process (forked: tests/fixtures/cli.py), the sandbox serving it."""
    done = await cli.arun(["doctor"], env=env, cwd=cwd, timeout=60)
    result = Result(done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in result.out + result.err, result.out + result.err
    return result


@dataclasses.dataclass
class World:
    sandbox: object
    env: dict[str, str]
    public_url: str
    db: Path
    tmp: Path

    async def doctor(self, **changes: str | None) -> Result:
        env = dict(self.env)
        for name, value in changes.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return await run_doctor(env, self.tmp)


@pytest.fixture
async def world(sandbox, sandbox_repo, tmp_path):
    key = tmp_path / "app-key.pem"
    key.write_bytes(sandbox.private_key_pem)
    db = tmp_path / "fundbot.db"
    store = open_store(f"sqlite:///{db}")
    await store.connect()
    await store.migrate()
    runner = web.AppRunner(make_app(Settings(webhook_secret=sandbox.webhook_secret), store), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    public_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    sandbox.webhook_url = public_url + DEFAULT_WEBHOOK_PATH
    env = clean_env(APP_ID=str(sandbox.app_id), PRIVATE_KEY_PATH=str(key), WEBHOOK_SECRET=sandbox.webhook_secret,
                    GITHUB_API_URL=sandbox.base_url, DATABASE_URL=f"sqlite:///{db}", PUBLIC_URL=public_url)
    try:
        yield World(sandbox, env, public_url, db, tmp_path)
    finally:
        await runner.cleanup()
        await store.close()


def assert_green(result: Result, public_url: str, db: Path, repo: str = "octo-org/widgets") -> None:
    expected = [line.format(public=public_url, db=db).replace("octo-org/widgets", repo) for line in GREEN]
    patterns = [re.escape(line).replace(r"\*", r"\d+") for line in expected]
    assert len(result.lines) == len(patterns), result.out
    for pattern, line in zip(patterns, result.lines, strict=True):
        assert re.fullmatch(pattern, line), f"{line!r} does not match {pattern!r}\n{result.out}"
    assert result.code == 0


# --- all green ------------------------------------------------------------------------------------------

async def test_all_green(world, sandbox_installation_id):
    result = await world.doctor()
    assert_green(result, world.public_url, world.db)


async def test_all_green_against_the_standalone_sandbox(world, tmp_path):
    """`python -m bot sandbox` and `python -m bot doctor`, both real processes."""
    port = free_port()
    hook = world.public_url + DEFAULT_WEBHOOK_PATH
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox", "--port", str(port), cwd=tmp_path,
        env=clean_env(SANDBOX_WEBHOOK_URL=hook), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        printed: dict[str, str] = {}
        async with asyncio.timeout(30):
            while "webhooks go to" not in printed.get("_last", ""):
                line = (await proc.stdout.readline()).decode()
                assert line, "the sandbox exited early"
                printed["_last"] = line
                name, eq, value = line.strip().partition("=")
                if eq:
                    printed[name] = value
        assert printed["GITHUB_API_URL"] == f"http://127.0.0.1:{port}"
        env = dict(world.env, APP_ID=printed["APP_ID"], PRIVATE_KEY_PATH=printed["PRIVATE_KEY_PATH"],
                   WEBHOOK_SECRET=printed["WEBHOOK_SECRET"], GITHUB_API_URL=printed["GITHUB_API_URL"])
        result = await run_doctor(env, tmp_path)
        assert_green(result, world.public_url, world.db, repo="octo-org/hello-fundbot")
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 10)


# --- one failure each --------------------------------------------------------------------------------------

async def test_bad_settings(world):
    result = await world.doctor(PORT="eighty")
    assert result.code == 2
    assert result.lines[0] == "✗ settings: PORT must be a whole number, got 'eighty'"
    assert result.lines[1].startswith("    fix: correct that variable")
    assert "- other checks: not run until the settings parse" in result.lines
    result = await world.doctor(PUBLIC_URL="fundbot.example.org")
    assert result.code == 2 and result.lines[0].startswith("✗ settings: PUBLIC_URL must be an http:// or https://")


async def test_no_webhook_secret(world, sandbox_installation_id):
    result = await world.doctor(WEBHOOK_SECRET=None)
    assert result.code == 1
    assert result.failures() == ["✗ webhook secret: WEBHOOK_SECRET is not set: every delivery would be refused"]
    assert "fix: set WEBHOOK_SECRET to the webhook secret" in result.line("✗ webhook secret")


async def test_bad_credentials(world, sandbox_installation_id):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (world.tmp / "other.pem").write_bytes(other)
    result = await world.doctor(PRIVATE_KEY_PATH=str(world.tmp / "other.pem"))
    assert result.code == 1
    line = result.line("✗ App credentials")
    assert line.startswith("✗ App credentials: GET /app answered 401: A JSON web token could not be decoded\n")
    assert "fix: APP_ID must be the App ID shown on the App's settings page" in line
    assert "- GitHub: installations, webhook URL and deliveries not checked (GET /app failed)" in result.lines
    assert result.line("✓ database schema") and result.line("✓ public URL")  # the other checks still ran

    result = await world.doctor(APP_ID="999")
    assert result.line("✗ App credentials").startswith("✗ App credentials: GET /app answered 401: Integration not found")

    result = await world.doctor(PRIVATE_KEY_PATH=None, PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\nnot a key\\n"
                                                                "-----END PRIVATE KEY-----")
    assert result.line("✗ App credentials").startswith("✗ App credentials: the private key cannot sign a JWT: ")

    result = await world.doctor(PRIVATE_KEY=None, PRIVATE_KEY_PATH=None)
    assert result.failures() == ["✗ App credentials: PRIVATE_KEY not set"]

    result = await world.doctor(GITHUB_API_URL=f"http://127.0.0.1:{free_port()}")
    assert result.line("✗ App credentials").startswith("✗ App credentials: cannot reach GitHub at http://127.0.0.1:")
    assert len(result.failures()) == 1


async def test_permissions_and_events_differ_from_app_yml(world, sandbox_installation_id):
    sb = world.sandbox
    sb.app_permissions["issues"] = "read"
    del sb.app_permissions["checks"]
    sb.app_permissions["administration"] = "write"
    sb.app_events.remove("push")
    sb.app_events.append("star")
    result = await world.doctor()
    assert result.code == 1
    page = "https://github.com/settings/apps/fundbot/permissions"
    assert result.line("✗ App permissions") == (
        "✗ App permissions: missing what app.yml asks: checks: write (has none), issues: write (has read)\n"
        f"    fix: change it at {page} (each installation then accepts the new permissions)")
    assert result.line("✗ App events") == (
        f"✗ App events: not subscribed to push\n    fix: change it at {page} (Subscribe to events)")
    assert result.line("! App permissions").startswith("! App permissions: more than app.yml asks: administration: write")
    assert result.line("! App events").startswith("! App events: subscribed to more than app.yml asks: star")
    assert len(result.failures()) == 2


async def test_no_installations(world):
    result = await world.doctor()
    assert result.code == 1
    assert result.failures() == ["✗ installations: the App is installed nowhere"]
    assert "fix: install it on an account or repositories at https://github.com/apps/fundbot/installations/new" in (
        result.line("✗ installations"))


async def test_database_unreachable(world, sandbox_installation_id):
    result = await world.doctor(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/test")
    assert result.code == 1
    line = result.line("✗ database")
    assert re.match(r"✗ database: postgresql://postgres@127\.0\.0\.1:\d+/test not reachable: ", line), line
    assert "fix: check that the database server runs" in line
    assert result.failures() == [line.splitlines()[0]]

    result = await world.doctor(DATABASE_URL=f"sqlite:///{world.tmp}/missing/dir/fundbot.db")
    assert "its directory does not exist" in result.line("✗ database")
    assert not (world.tmp / "missing").exists()  # doctor creates nothing

    result = await world.doctor(DATABASE_URL="mysql://db/fundbot")
    assert result.line("✗ database").startswith("✗ database: unsupported database URL scheme 'mysql'")


async def test_database_not_migrated(world, sandbox_installation_id):
    empty = world.tmp / "empty.db"
    sqlite3.connect(empty).close()
    result = await world.doctor(DATABASE_URL=f"sqlite:///{empty}")
    assert result.code == 1
    assert result.line("✗ database schema") == (
        f"✗ database schema: sqlite:///{empty} has no fundbot tables\n    fix: run `python -m bot migrate`")
    assert result.line("✓ database: sqlite:///")

    old = world.tmp / "old.db"
    conn = sqlite3.connect(old)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1, 0)")
    conn.commit()
    conn.close()
    result = await world.doctor(DATABASE_URL=f"sqlite:///{old}")
    assert result.line("✗ database schema") == (
        f"✗ database schema: version 1, this fundbot needs {LATEST}\n    fix: run `python -m bot migrate`")
    assert not any(line.startswith(("✓ inbox", "✓ failed jobs")) for line in result.lines)


@pytest.mark.postgres
async def test_postgres_not_migrated_then_migrated(world, sandbox_installation_id):
    import asyncpg

    base = postgres_base_url()
    try:
        (await asyncpg.connect(base, timeout=5)).terminate()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("FUNDBOT_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    schema = f"doctor_{os.getpid()}_{free_port()}"
    url = with_query(base, schema=schema)
    try:
        result = await world.doctor(DATABASE_URL=url)
        assert result.line("✗ database schema") == f"✗ database schema: {url} has no fundbot tables\n" \
                                                    "    fix: run `python -m bot migrate`"
        store = open_store(url)
        await store.connect()
        try:
            await store.migrate()
            await store.enqueue("webhook", "d-1", payload=b"{}", event="issues")
            await store.enqueue("webhook", "d-2", payload=b"{}", event="issues")
            [job] = await store.claim("test", lease=60, limit=1)
            await store.park(job.id, "test", error="boom")
        finally:
            await store.close()
        result = await world.doctor(DATABASE_URL=url)
        assert result.code == 0, result.out
        assert result.line("✓ database schema") == f"✓ database schema: version {PG_LATEST} (current)"
        assert result.line("✓ inbox") == "✓ inbox: 1 pending, 0 running"
        assert result.line("! failed jobs") == ("! failed jobs: 1 parked after their last try\n    fix: see them with "
                                                "`python -m bot jobs`, re-queue one with `python -m bot jobs retry ID`")
    finally:
        conn = await asyncpg.connect(base, timeout=10)
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


async def test_hook_url_mismatch(world, sandbox_installation_id):
    world.sandbox.webhook_url = "https://elsewhere.example/api/github/webhooks"
    result = await world.doctor()
    assert result.code == 1
    assert result.failures() == [
        "✗ webhook URL: GitHub delivers to https://elsewhere.example/api/github/webhooks, not to PUBLIC_URL + "
        f"WEBHOOK_PATH ({world.public_url}/api/github/webhooks)"]
    assert "fix: set Webhook URL to" in result.line("✗ webhook URL")
    assert "https://github.com/settings/apps/fundbot" in result.line("✗ webhook URL")

    result = await world.doctor(PUBLIC_URL=None, WEBHOOK_PATH="/hooks")
    assert result.failures()[0].startswith("✗ webhook URL: GitHub delivers to https://elsewhere.example/api/github/"
                                           "webhooks, whose path is not WEBHOOK_PATH (/hooks)")
    assert "- public URL: PUBLIC_URL not set" in result.out

    world.sandbox.webhook_url = None
    result = await world.doctor()
    assert result.failures() == ["✗ webhook URL: GitHub has no webhook URL for the App: nothing is delivered"]


async def test_failed_deliveries(world, sandbox_repo, sandbox_installation_id):
    sb = world.sandbox
    await sb.open_issue(sandbox_repo, "octocat", "works")  # delivered and accepted
    sb.webhook_secret = "rotated-on-github-only"  # GitHub now signs with a secret fundbot does not have
    await sb.open_issue(sandbox_repo, "octocat", "refused")
    assert [d["status_code"] for d in sb.deliveries] == [202, 401]
    result = await world.doctor()
    assert result.code == 1
    line = result.line("✗ recent deliveries")
    assert re.match(r"✗ recent deliveries: 1 of the last 2 failed, 1 never redelivered; last issues\.opened at "
                    r"\S+: Invalid HTTP Response: 401\n", line), line
    assert "fix: fundbot refused the signature: WEBHOOK_SECRET differs from the App's webhook secret" in line
    assert len(result.failures()) == 1


async def test_public_url_unreachable(world, sandbox_installation_id):
    closed = f"http://127.0.0.1:{free_port()}"
    world.sandbox.webhook_url = closed + DEFAULT_WEBHOOK_PATH
    result = await world.doctor(PUBLIC_URL=closed)
    assert result.code == 1
    assert result.failures() == [
        f"✗ public URL: {closed}/healthz not reachable from this machine: cannot connect to 127.0.0.1:"
        f"{closed.rsplit(':', 1)[1]} (Connection refused)"]
    assert "fix: start `python -m bot serve` there, or correct PUBLIC_URL" in result.line("✗ public URL")
    assert result.line("✓ webhook URL")


# --- the pure checks ------------------------------------------------------------------------------------------

APP = {"slug": "fundbot", "html_url": "https://github.com/apps/fundbot", "owner": {"login": "acme", "type": "Organization"},
       "permissions": {"issues": "admin", "metadata": "read"}, "events": ["issues"]}


def test_implicit_events_are_ignored_and_higher_access_is_enough():
    manifest = ({"issues": "write", "metadata": "read"}, ["issues", "installation", "installation_repositories"])
    rows = doctor.check_permissions(APP, manifest)
    assert [r.status for r in rows] == ["ok", "ok"]
    assert rows[1].message == "issues as app.yml asks"


def test_an_organization_app_links_to_the_organization_settings():
    rows = doctor.check_permissions(APP, ({"contents": "write"}, []))
    assert rows[0].fix.startswith("change it at https://github.com/organizations/acme/settings/apps/fundbot/permissions")


def test_the_manifest_of_the_repository_is_read():
    permissions, events = doctor.load_manifest()
    assert permissions["metadata"] == "read" and "issues" in events


def test_failures_since_redelivered_are_a_warning():
    items = [{"guid": "a", "status_code": 202, "event": "issues"}, {"guid": "a", "status_code": 0, "event": "issues"},
             {"guid": "b", "status_code": 200, "event": "push"}]
    row = doctor.check_deliveries(items, APP)
    assert (row.status, row.message) == ("warn", "1 of the last 3 failed, each since redelivered")


def test_ascii_output_when_the_terminal_cannot_show_the_symbols():
    rows = [doctor.Row("ok", "a", "fine"), doctor.Row("fail", "b", "broken", "mend it")]
    assert doctor.format_rows(rows, encoding="ascii") == "+ a: fine\nx b: broken\n    fix: mend it\n1 problem, 0 warnings"
    assert doctor.exit_code(rows) == 1 and doctor.exit_code(rows[:1]) == 0


async def test_a_suspended_installation_is_a_warning(world, sandbox_installation_id):
    world.sandbox.installation(sandbox_installation_id).suspended_at = world.sandbox.clock()
    result = await world.doctor()
    assert result.code == 0, result.out
    assert result.line("! installations") == (
        f"! installations: octo-org (id {sandbox_installation_id}) is suspended: fundbot does nothing there\n"
        "    fix: unsuspend it in that account's installation settings on GitHub")
    assert result.line("! repositories").startswith("! repositories: 0 reachable")
