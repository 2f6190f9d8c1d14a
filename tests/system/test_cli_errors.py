"""Issue 16: every command and setting, given bad input, says in one line what is wrong and what would work,
exits non-zero (2: usage and configuration), never shows a traceback and creates nothing.

Each test runs the real CLI (``python -m bot ...``) in a subprocess, in an empty directory."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
from pathlib import Path

import pytest

from tests.fixtures.helpers import WEBHOOKS
from tests.system.test_cli import clean_env, run

ISSUES_OPENED = WEBHOOKS / "issues" / "opened.payload.json"


def files(where: Path) -> set[Path]:
    return {p.relative_to(where) for p in where.rglob("*")}


def one_line(result, code: int = 2) -> str:
    """The single stderr line of a refused command (and its exit status)."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, (result.returncode, result.stderr)
    assert len(lines) == 1, result.stderr
    return lines[0]


def refused(tmp_path: Path, *args: str, code: int = 2, **env: str) -> str:
    """Run in an empty ``tmp_path``; the refusal line; nothing was created there."""
    before = files(tmp_path)
    result = run(*args, env=clean_env(**env), cwd=tmp_path)
    line = one_line(result, code)
    assert files(tmp_path) == before, f"created {files(tmp_path) - before}"
    return line


@pytest.fixture
def busy_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


# --- serve on a port in use ------------------------------------------------------------------------

def test_serve_on_a_port_in_use_exits(tmp_path, busy_port):
    result = run("serve", env=clean_env(WEBHOOK_SECRET="s", HOST="127.0.0.1", PORT=str(busy_port),
                                        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"), cwd=tmp_path, timeout=30)
    line = one_line(result)
    assert f"cannot listen on 127.0.0.1:{busy_port}: the address is already in use" in line
    assert "set PORT (or --port) to a free port" in line


async def test_serve_on_a_port_in_use_starts_no_worker(sandbox, tmp_path, busy_port):
    key = tmp_path / "app.pem"
    key.write_bytes(sandbox.private_key_pem)
    env = clean_env(APP_ID=str(sandbox.app_id), PRIVATE_KEY_PATH=str(key), WEBHOOK_SECRET=sandbox.webhook_secret,
                    GITHUB_API_URL=sandbox.base_url, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", HOST="127.0.0.1",
                    PORT=str(busy_port), WORKER_PROCESSES="2", LOG_LEVEL="INFO")
    result = await asyncio.to_thread(run, "serve", env=env, cwd=tmp_path, timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"fundbot serve: cannot listen on 127.0.0.1:{busy_port}")
    assert "started (pid" not in result.stderr  # listening comes first: no worker child was started


def test_sandbox_on_a_port_in_use_exits(tmp_path, busy_port):
    line = refused(tmp_path, "sandbox", "--port", str(busy_port))
    assert "the address is already in use" in line and "set --port to a free port" in line


# --- DATABASE_URL -----------------------------------------------------------------------------------

BAD_DATABASES = {
    "mysql://x": "DATABASE_URL: unsupported database URL scheme 'mysql'",
    "postgresql://127.0.0.1:1/x": "cannot reach PostgreSQL at postgresql://127.0.0.1:1/x: connection refused",
    "sqlite:///missing/x.db": "the directory {tmp}/missing does not exist; create it",
}


@pytest.mark.parametrize("command", ["migrate", "jobs", "serve"])
@pytest.mark.parametrize("url", list(BAD_DATABASES))
def test_a_bad_database_url_is_one_clear_line(tmp_path, command, url):
    line = refused(tmp_path, command, DATABASE_URL=url, WEBHOOK_SECRET="s", PORT="0", HOST="127.0.0.1")
    expected = BAD_DATABASES[url].format(tmp=tmp_path.resolve())
    if command == "jobs" and url.startswith("sqlite"):
        expected = f"no database at {tmp_path.resolve()}/missing/x.db"
    assert line.startswith(f"fundbot {command}: ") and expected in line, line


def test_the_password_never_shows(tmp_path):
    line = refused(tmp_path, "migrate", DATABASE_URL="postgresql://fundbot:s3cret@127.0.0.1:1/x")
    assert "s3cret" not in line and "postgresql://fundbot:***@127.0.0.1:1/x" in line


# --- settings -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value", "expected"), [
    ("APP_ID", "abc", "APP_ID must be the App's numeric ID"),
    ("LOG_LEVEL", "bogus", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'bogus'"),
    ("PORT", "70000", "PORT must be from 0 to 65535, got 70000"),
    ("WORKER_CONCURRENCY", "0", "WORKER_CONCURRENCY must be 1 or more, got 0"),
    ("SHUTDOWN_GRACE_SECONDS", "-1", "SHUTDOWN_GRACE_SECONDS must be a number of seconds, 0 or more"),
    ("GITHUB_API_URL", "api.github.com", "GITHUB_API_URL must be an http:// or https:// address"),
])
def test_a_bad_setting_is_refused(tmp_path, name, value, expected):
    line = refused(tmp_path, "serve", WEBHOOK_SECRET="s", **{name: value})
    assert line.startswith("fundbot serve: configuration error: ") and expected in line, line


def test_a_bad_log_level_stops_migrate_too(tmp_path):
    line = refused(tmp_path, "migrate", LOG_LEVEL="bogus")
    assert "LOG_LEVEL must be one of" in line



def test_a_malformed_dotenv_line_is_one_clear_line(tmp_path):
    (tmp_path / ".env").write_text('WEBHOOK_SECRET=s\nthis is not a setting\nAPP_ID=123\n')
    line = refused(tmp_path, "serve")
    assert line == ("fundbot serve: configuration error: .env line 2 cannot be parsed: write KEY=VALUE, "
                    "and close every quote (a value with spaces or # in it goes in quotes)"), line

# --- receive -------------------------------------------------------------------------------------------

def test_receive_refuses_an_unknown_event(tmp_path):
    line = refused(tmp_path, "receive", "-e", "bogus", "-p", str(ISSUES_OPENED), "--sandbox")
    assert "unknown event 'bogus': fundbot handles installation, installation_repositories, issue_comment" in line
    assert "X-GitHub-Event header" in line


@pytest.mark.parametrize(("event", "payload", "guess"), [
    ("release", ISSUES_OPENED, "issues"),
    ("issues", WEBHOOKS / "issue_comment" / "created.payload.json", "issue_comment"),
    ("push", WEBHOOKS / "release" / "published.payload.json", "release"),
])
def test_receive_refuses_a_payload_of_another_event(tmp_path, event, payload, guess):
    line = refused(tmp_path, "receive", "-e", event, "-p", str(payload), "--sandbox")
    assert f"is not a payload of the {event!r} event" in line and f"try -e {guess}" in line, line


# --- preview, jobs -----------------------------------------------------------------------------------------

def test_preview_refuses_a_missing_directory(tmp_path):
    line = refused(tmp_path, "preview", "--repo-dir", "nowhere", "--write")
    assert "--repo-dir nowhere: no such directory" in line


def test_preview_refuses_a_file(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    line = refused(tmp_path, "preview", "--repo-dir", "notes.txt", "--write")
    assert "is a file, not a directory" in line
    assert (tmp_path / "notes.txt").read_text() == "hello\n"


@pytest.mark.parametrize("args", [("jobs",), ("jobs", "retry", "3")])
def test_jobs_in_an_empty_directory_creates_no_database(tmp_path, args):
    line = refused(tmp_path, *args)
    assert f"no database at {tmp_path.resolve()}/fundbot.db" in line and "python -m bot migrate" in line


def test_jobs_on_a_database_without_tables_says_migrate(tmp_path):
    import sqlite3

    conn = sqlite3.connect(tmp_path / "other.db")  # a SQLite file that is not fundbot's
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.close()
    line = refused(tmp_path, "jobs", DATABASE_URL="sqlite:///other.db")
    assert "has no fundbot tables" in line and "python -m bot migrate" in line
    conn = sqlite3.connect(tmp_path / "other.db")
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]  # jobs did not migrate it
    conn.close()


def test_jobs_lists_an_existing_database_without_writing_it(tmp_path):
    env = clean_env(DATABASE_URL="sqlite:///fundbot.db")
    assert run("migrate", env=env, cwd=tmp_path).returncode == 0
    db = tmp_path / "fundbot.db"
    before = db.read_bytes()
    result = run("jobs", env=env, cwd=tmp_path)
    assert result.returncode == 0 and "jobs: pending 0" in result.stdout, result.stderr
    assert db.read_bytes() == before


def test_rebuild_refuses_a_bad_repository_name(tmp_path):
    line = refused(tmp_path, "rebuild", "just-a-name")
    assert "expected OWNER/REPO (e.g. octo-org/hello-fundbot), got 'just-a-name'" in line


def test_rebuild_says_when_github_cannot_be_reached(sandbox, tmp_path):
    key = tmp_path / "app.pem"
    key.write_bytes(sandbox.private_key_pem)
    result = run("rebuild", "octo-org/x", cwd=tmp_path, env=clean_env(
        APP_ID="1", PRIVATE_KEY_PATH=str(key), GITHUB_API_URL="http://127.0.0.1:1", DATABASE_URL="sqlite://:memory:"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]  # (after the client's retry warnings)
    assert last.startswith("fundbot rebuild: cannot reach GitHub: GET http://127.0.0.1:1/app") and "GITHUB_API_URL" in last


# --- usage ------------------------------------------------------------------------------------------------

def test_no_command_prints_help_and_exits_2(tmp_path):
    result = run(cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("usage: python -m bot") and "serve" in result.stderr and "doctor" in result.stderr
    assert files(tmp_path) == set()


@pytest.mark.parametrize(("args", "expected"), [
    (("serve", "--port", "eighty"), "argument --port: expected a port from 0 to 65535, got 'eighty'"),
    (("jobs", "--limit", "0"), "argument --limit: expected a positive whole number, got '0'"),
    (("jobs", "retry"), "jobs retry needs the ID of a failed job"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
])
def test_usage_errors_are_one_line(tmp_path, args, expected):
    line = refused(tmp_path, *args)
    assert expected in line and "python -m bot" in line, line


def test_every_argument_has_help():
    from bot.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # {name: subparser}
    missing = [f"{name} {action.dest}" for name, sub in commands.items() for action in sub._actions
               if action.help is None]
    assert missing == []
    for name in commands:  # and --help works for each
        result = run(name, "--help")
        assert result.returncode == 0 and result.stdout.startswith(f"usage: python -m bot {name}"), result.stderr


# --- worker logs ---------------------------------------------------------------------------------------------

async def test_serve_worker_children_log_start_and_stop_on_sigterm(sandbox, tmp_path):
    key = tmp_path / "app.pem"
    key.write_bytes(sandbox.private_key_pem)
    env = clean_env(APP_ID=str(sandbox.app_id), PRIVATE_KEY_PATH=str(key), WEBHOOK_SECRET=sandbox.webhook_secret,
                    GITHUB_API_URL=sandbox.base_url, DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}", HOST="127.0.0.1",
                    PORT="0", WORKER_PROCESSES="1", LOG_LEVEL="INFO", LOG_FORMAT="json", SHUTDOWN_GRACE_SECONDS="5")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    lines: list[dict] = []

    async def read_until(predicate) -> None:
        while not any(predicate(line) for line in lines):
            raw = await proc.stderr.readline()
            assert raw, f"serve ended before the line appeared: {lines}"
            if raw.startswith(b"{"):
                lines.append(json.loads(raw))

    def worker_line(text: str):
        return lambda line: line.get("role") == "worker-1" and text in line["msg"]

    try:
        await asyncio.wait_for(read_until(worker_line("started (concurrency")), timeout=30)
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(read_until(worker_line(" stopped")), timeout=30)
        rest, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    messages = [(line.get("role"), line["msg"]) for line in lines]
    assert ("worker-1", "fundbot worker worker-1: SIGTERM received: stopping") in messages
    assert any(role == "web" and "SIGTERM received: stopping" in msg for role, msg in messages)
    started = next(i for i, (role, msg) in enumerate(messages) if role == "worker-1" and "started" in msg)
    stopped = next(i for i, (role, msg) in enumerate(messages) if role == "worker-1" and msg.endswith(" stopped"))
    assert started < stopped


def test_without_the_dependencies_installed_it_says_how_to_install_them():
    """`python3 -m bot` outside the README's virtualenv: `--help` works; a command says in one line which package is
    missing and the install command, exit 2, no traceback. (`-S` leaves site-packages off the path, as a Python without fundbot's
    dependencies has it; the checkout itself stays importable from its directory.)"""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    helped = subprocess.run([sys.executable, "-S", "-m", "bot", "--help"], cwd=root, capture_output=True, text=True,
                            timeout=60)
    assert helped.returncode == 0 and "playground" in helped.stdout, helped  # --help needs no dependency
    done = subprocess.run([sys.executable, "-S", "-m", "bot", "jobs"], cwd=root, capture_output=True, text=True,
                          timeout=60)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "is not installed" in lines[0] and "pip install -e ." in lines[0]
