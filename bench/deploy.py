"""Processes the bench measures, each started through its command line as deployed.

* ``GitHubSandbox``: ``python -m bot sandbox --port N`` (the standalone GitHub API sandbox); its printed
  ``GITHUB_API_URL`` / ``APP_ID`` / ``PRIVATE_KEY_PATH`` are the App credentials ``serve`` gets.
* ``Fundbot``: ``python -m bot serve`` with those credentials, so its workers run (defaults: one worker
  child process), on SQLite (a file in a fresh temporary directory) or PostgreSQL (a fresh schema).
* ``Bare``: ``bench/bare_server.py``, an aiohttp endpoint that reads the body and answers 202.

Bench-only switches (environment): ``FUNDBOT_BENCH_PROFILE=DIR`` runs ``serve`` under cProfile (a
``.prof`` per server in DIR, see ``bench/profile_ack.py``); ``FUNDBOT_BENCH_TIMING=1`` runs it through
``bench/timed_serve.py`` (group-commit and write-lock timings in the server's log).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from wrkload import BenchError

from bot.settings import DEFAULT_WEBHOOK_PATH

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
HOOK = DEFAULT_WEBHOOK_PATH
_CLEAR = ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "DATABASE_URL", "GITHUB_API_URL", "WEBHOOK_SECRET", "PORT",
          "WORKER_PROCESSES", "WORKER_CONCURRENCY")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"{' '.join(proc.args)} exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except OSError as exc:
            if getattr(exc, "code", 0) and exc.code < 500:  # an HTTP error page still means listening
                return
        time.sleep(0.1)
    raise BenchError(f"nothing answered {url} within {timeout:.0f} s")


def stop(proc: subprocess.Popen | None, timeout: float = 15.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


SANDBOX_NICENESS = 10  # GitHub's CPU is not fundbot's: the sandbox yields the shared cores to what is measured


def _nice() -> None:
    os.nice(SANDBOX_NICENESS)


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds user + system) of a live process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds so far of ``pid`` and its children by kind: ``web`` (the process and its ``--web-child``
    children) and ``workers`` (the other children)."""
    out = {"web": 0.0, "workers": 0.0}
    own = _stat(pid)
    if own is None:
        return out
    out["web"] = own[1]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        got = _stat(int(entry.name))
        if got is None or got[0] != pid:
            continue
        try:
            web_child = b"--web-child" in (entry / "cmdline").read_bytes()
        except OSError:
            continue
        out["web" if web_child else "workers"] += got[1]
    return out


def _rss_mb(pid: int) -> float | None:
    try:
        m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return None
    return round(int(m.group(1)) / 1024, 1) if m else None


def rss_tree(pid: int) -> dict:
    """Resident memory in MB of ``pid`` (``web``) and of each of its children, by role."""
    out: dict = {"web": _rss_mb(pid), "web_children": [], "workers": []}
    for entry in Path("/proc").iterdir():
        got = _stat(int(entry.name)) if entry.name.isdigit() else None
        if got is None or got[0] != pid:
            continue
        try:
            web_child = b"--web-child" in (entry / "cmdline").read_bytes()
        except OSError:
            continue
        out["web_children" if web_child else "workers"].append(_rss_mb(int(entry.name)))
    return out


class GitHubSandbox:
    """``seed``: a file for ``--seed`` (the installations, repositories and issues the deliveries name, so
    the workers process them instead of getting 404s); ``latency``: seconds before every answer."""

    def __init__(self, seed: Path | None = None, latency: float = 0.0) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.env: dict[str, str] = {}
        self.seed, self.latency = seed, latency

    def __enter__(self) -> GitHubSandbox:
        cmd = [sys.executable, "-m", "bot", "sandbox", "--port", str(self.port), "--latency", str(self.latency)]
        if self.seed is not None:
            cmd += ["--seed", str(self.seed)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     preexec_fn=_nice)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 30
        for line in self.proc.stdout:
            m = re.match(r"\s+(GITHUB_API_URL|APP_ID|PRIVATE_KEY_PATH)=(\S+)", line)
            if m:
                self.env[m.group(1)] = m.group(2)
            if "webhooks go to" in line or len(self.env) == 3 or time.monotonic() > deadline:
                break
        if len(self.env) != 3:
            stop(self.proc)
            raise BenchError(f"`python -m bot sandbox` did not print its credentials (got {sorted(self.env)})")
        return self

    def __exit__(self, *exc) -> None:
        stop(self.proc)


class Server:
    """A server process on a free port; ``url`` is its webhook URL."""

    name = "server"

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{HOOK}"
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def command(self) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/healthz"

    def __enter__(self) -> Server:
        cmd, env = self.command()
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_http(self.health_url(), proc=self.proc)
        except BenchError as exc:
            stop(self.proc)
            tail = self.log_path.read_text(errors="replace").strip().splitlines()[-3:] if self.log_path else []
            raise BenchError(f"{exc}{': ' + ' | '.join(tail) if tail else ''}") from None
        return self

    def __exit__(self, *exc) -> None:
        stop(self.proc)

    def cpu(self) -> dict[str, float]:
        return cpu_seconds(self.proc.pid) if self.proc is not None else {"web": 0.0, "workers": 0.0}

    def rss_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except (OSError, AttributeError):
            return None
        m = re.search(r"VmRSS:\s+(\d+)", status)
        return round(int(m.group(1)) / 1024, 1) if m else None


class Bare(Server):
    name = "bare_aiohttp"

    def command(self) -> tuple[list[str], dict[str, str]]:
        return [sys.executable, str(ROOT / "bench" / "bare_server.py"), str(self.port)], dict(os.environ)

    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"  # 404/405: listening


class Fundbot(Server):
    """``python -m bot serve`` with App credentials (workers running) on ``backend`` (sqlite|postgres)."""

    def __init__(self, backend: str, sandbox: GitHubSandbox, secret: str, tmp: Path, **extra: str) -> None:
        super().__init__()
        self.backend, self.sandbox, self.secret, self.extra = backend, sandbox, secret, extra
        self.name = f"fundbot_{backend}"
        tag = uuid.uuid4().hex[:8]
        self.schema = f"fundbot_bench_{tag}" if backend == "postgres" else None
        self.database_url = (f"{PG}?schema={self.schema}" if self.schema else f"sqlite:///{tmp / f'bench-{tag}.db'}")
        self.log_path = tmp / f"{self.name}-{tag}.log"

    def command(self) -> tuple[list[str], dict[str, str]]:
        env = {k: v for k, v in os.environ.items() if k not in _CLEAR}
        env.update(self.sandbox.env, WEBHOOK_SECRET=self.secret, PORT=str(self.port), HOST="127.0.0.1",
                   DATABASE_URL=self.database_url, LOG_LEVEL="WARNING", SHUTDOWN_GRACE_SECONDS="1", **self.extra)
        profile = os.environ.get("FUNDBOT_BENCH_PROFILE")  # a directory: serve runs under cProfile (bench only)
        if profile:
            out = Path(profile) / f"{self.name}-{self.port}.prof"
            return [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "bot", "serve"], env
        if os.environ.get("FUNDBOT_BENCH_TIMING"):  # the web process's group commit timed (bench only)
            return [sys.executable, str(ROOT / "bench" / "timed_serve.py"), "serve"], env
        return [sys.executable, "-m", "bot", "serve"], env

    def jobs(self) -> dict[str, int]:
        """The store's job counts (``fundbot_queue_jobs`` of ``/metrics``): done, failed, pending, running."""
        return {k.split('"')[1]: int(v) for k, v in self.metrics().items() if k.startswith("fundbot_queue_jobs{")}

    def metrics(self) -> dict[str, float]:
        """fundbot's ``/metrics`` gauges and counters (one small GET)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=30) as r:
                text = r.read().decode()
        except OSError:
            return {}
        out: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    out[name] = float(value)
                except ValueError:
                    pass
        return out

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        if self.schema:
            subprocess.run(["psql", PG, "-qc", f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'],
                           capture_output=True, timeout=60)


def pg_reachable() -> bool:
    try:
        done = subprocess.run(["psql", PG, "-tAc", "select 1"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == "1"
