"""Prometheus metrics (prometheus_client): serve's GET /metrics, and the scrape endpoint of worker processes
(``METRICS_PORT``), both parsed with prometheus_client's own text parser; bounded label cardinality."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
import time

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics
from bot.settings import Settings, SettingsError
from bot.store import open_store
from tests.fixtures.helpers import payload_bytes
from tests.system.test_cli import clean_env, run
from tests.system.test_cli_errors import one_line

REPO = "octo-org/widgets"
FUNDBOT = {  # family name (as the parser names it: counters without _total) -> type
    "fundbot_deliveries_received": "counter", "fundbot_deliveries_duplicate": "counter",
    "fundbot_deliveries_rejected": "counter", "fundbot_jobs_processed": "counter",
    "fundbot_job_duration_seconds": "histogram", "fundbot_github_calls": "counter",
    "fundbot_github_rate_limit_remaining": "gauge",
}
QUEUE = {"fundbot_queue_jobs": "gauge", "fundbot_queue_oldest_due_seconds": "gauge"}
PROCESS = {"process_cpu_seconds": "counter", "process_resident_memory_bytes": "gauge",
           "process_start_time_seconds": "gauge", "process_open_fds": "gauge", "python_info": "gauge"}


def parse(text: str) -> tuple[dict[str, str], dict[str, float]]:
    """(family name -> type, 'name{sorted labels}' -> value), by prometheus_client's parser."""
    types, values = {}, {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            values[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
    return types, values


def has_families(types: dict[str, str], expected: dict[str, str]) -> None:
    assert {name: types.get(name) for name in expected} == expected


async def test_metrics_count_what_happened(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.open_issue(REPO, "hubot", "x")
    for _ in range(3):
        await sandbox.drain()
        await bot.settle()
    body = payload_bytes("issues", "opened")
    await bot.send("issues", body, delivery="same")
    await bot.send("issues", body, delivery="same")  # a duplicate
    await bot.send("issues", body, secret="wrong")  # rejected
    for i in range(300):  # odd event names must not grow the label set
        await bot.send(f"made_up_event_{chr(97 + i % 26)}{chr(97 + i // 26)}", b"{}")
    await bot.settle()
    async with bot.session.get(f"http://127.0.0.1:{bot.service.port}/metrics") as r:
        assert r.status == 200 and r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        text = await r.text()
    types, m = parse(text)
    has_families(types, {**FUNDBOT, **QUEUE, **PROCESS})
    assert m['fundbot_deliveries_received_total{event="issues"}'] >= 2
    assert m['fundbot_deliveries_duplicate_total{event="issues"}'] == 1
    assert m['fundbot_deliveries_rejected_total{status="401"}'] == 1
    assert m['fundbot_deliveries_received_total{event="other"}'] == 300
    assert "made_up_event" not in text
    assert m['fundbot_jobs_processed_total{event="issues",kind="webhook",outcome="done"}'] >= 1
    assert m['fundbot_job_duration_seconds_count{kind="webhook"}'] >= 1
    assert m['fundbot_job_duration_seconds_bucket{kind="webhook",le="+Inf"}'] == m['fundbot_job_duration_seconds_count{kind="webhook"}']
    assert m['fundbot_queue_jobs{status="failed"}'] == 0
    assert m['fundbot_github_calls_total{status="201"}'] >= 1  # the funding comment
    assert m[f'fundbot_github_rate_limit_remaining{{installation="{sandbox_installation_id}"}}'] <= 5000
    assert m["process_resident_memory_bytes"] > 0 and m["process_cpu_seconds_total"] > 0
    assert not any(name.endswith("_created") for name in m)  # as before prometheus_client: no _created series
    assert sum(name.startswith("fundbot_") for name in m) < 200  # bounded


def test_each_metrics_has_its_own_registry_and_labels_stay_in_fixed_sets():
    a, b = Metrics(), Metrics()
    a.delivery_received("issues", duplicate=False)
    for i in range(100):
        a.job_finished(f"kind.{i}", f"event{i}", "done", 0.01)  # unknown kinds: one label value
    a.job_finished("files.sync", "push", "retry", 0.5)  # event is a webhook's only
    text_a = a.render(counts={}, oldest_due_age=-5, github_calls={}, rate_limits={i: 5000 - i for i in range(80)})
    _, ma = parse(text_a)
    _, mb = parse(b.render(counts={}, oldest_due_age=0, github_calls={}, rate_limits={}))
    assert ma['fundbot_deliveries_received_total{event="issues"}'] == 1
    assert 'fundbot_deliveries_received_total{event="issues"}' not in mb
    assert ma['fundbot_jobs_processed_total{event="",kind="other",outcome="done"}'] == 100
    assert ma['fundbot_jobs_processed_total{event="",kind="files.sync",outcome="retry"}'] == 1
    assert ma["fundbot_queue_oldest_due_seconds"] == 0
    limits = {k: v for k, v in ma.items() if k.startswith("fundbot_github_rate_limit_remaining")}
    assert len(limits) == 50 and min(limits.values()) == 5000 - 79  # the 50 lowest


# --- worker processes: METRICS_PORT ----------------------------------------------------------------

def free_ports(n: int) -> int:
    """A port p with p .. p+n-1 all free on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + n > 65535:
            continue
        socks = []
        try:
            for p in range(base, base + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise AssertionError(f"no {n} consecutive free ports")


async def scrape(session: aiohttp.ClientSession, port: int, proc, *, want=lambda m: True, timeout=30.0):
    """Poll ``port`` until it answers with metrics ``want`` accepts (bounded; fails if ``proc`` ends)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = None
    while loop.time() < deadline:
        assert proc.returncode is None, f"the process ended with status {proc.returncode}"
        try:
            async with session.get(f"http://127.0.0.1:{port}/metrics") as r:
                types, m = parse(await r.text())
                if r.status == 200 and want(m):
                    return types, m
                last = m
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"no metrics on port {port} within {timeout}s (last: {last})")


def worker_env(sandbox, tmp_path, **extra: str) -> dict[str, str]:
    key = tmp_path / "app.pem"
    key.write_bytes(sandbox.private_key_pem)
    return clean_env(APP_ID=str(sandbox.app_id), PRIVATE_KEY_PATH=str(key), WEBHOOK_SECRET=sandbox.webhook_secret,
                     GITHUB_API_URL=sandbox.base_url, DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}",
                     HOST="127.0.0.1", LOG_LEVEL="WARNING", SHUTDOWN_GRACE_SECONDS="2", **extra)


async def stop(proc) -> int:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    return proc.returncode


async def test_python_m_bot_worker_answers_on_metrics_port_with_process_metrics(sandbox, tmp_path):
    env = worker_env(sandbox, tmp_path, METRICS_PORT=str(port := free_ports(1)))
    store = open_store(env["DATABASE_URL"])  # one delivery waiting, for an event no route takes: done at once
    await store.connect()
    await store.migrate()
    await store.enqueue("webhook", "d-1", payload=json.dumps({"zen": "x"}).encode(), event="watch")
    await store.close()
    spawned = time.time()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "worker", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    done = 'fundbot_jobs_processed_total{event="other",kind="webhook",outcome="done"}'
    try:
        async with aiohttp.ClientSession() as session:
            types, m = await scrape(session, port, proc, want=lambda m: m.get(done) == 1)
    finally:
        assert await stop(proc) == 0, (await proc.stderr.read()).decode()[-2000:]
    has_families(types, {**FUNDBOT, **PROCESS})
    assert not set(QUEUE) & set(types)  # the inbox's figures come from serve's /metrics (all processes)
    assert m["process_start_time_seconds"] >= spawned - 1  # the worker's own process, not the test's
    assert m["process_resident_memory_bytes"] > 0
    assert m['fundbot_job_duration_seconds_count{kind="webhook"}'] == 1
    with pytest.raises(OSError):  # stopped: nothing listens any more
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.mark.slow
async def test_serve_worker_processes_answer_on_the_ports_after_metrics_port(sandbox, tmp_path):
    base = free_ports(4)
    env = worker_env(sandbox, tmp_path, PORT=str(base + 3), METRICS_PORT=str(base), WORKER_PROCESSES="2")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as session:
            children = [await scrape(session, base + n, proc) for n in (1, 2)]
            web_types, web = await scrape(session, base + 3, proc)
            with pytest.raises(OSError):  # serve itself does not listen on METRICS_PORT
                socket.create_connection(("127.0.0.1", base), timeout=2).close()
    finally:
        assert await stop(proc) == 0, (await proc.stderr.read()).decode()[-2000:]
    has_families(web_types, {**FUNDBOT, **QUEUE, **PROCESS})
    for types, m in children:  # each child's own process: started after serve (which started them)
        has_families(types, {**FUNDBOT, **PROCESS})
        assert not set(QUEUE) & set(types)
        assert m["process_start_time_seconds"] > web["process_start_time_seconds"]


@pytest.mark.parametrize("value, message", [
    ("abc", "METRICS_PORT must be a whole number, got 'abc'"),
    ("0", "METRICS_PORT must be from 1 to 65535, got 0"),
    ("70000", "METRICS_PORT must be from 1 to 65535, got 70000"),
    ("65535", "METRICS_PORT=65535 leaves no port for worker process 1 of 1"),
    ("3000", "METRICS_PORT=3000 overlaps PORT=3000"),
    ("2999", "METRICS_PORT=2999 overlaps PORT=3000"),  # PORT is worker process 1's
])
def test_a_bad_metrics_port_is_refused(value, message):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"METRICS_PORT": value, "PORT": "3000", "WORKER_PROCESSES": "1"}, dotenv=None)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_metrics_port_unset_or_good():
    assert Settings.from_env({}, dotenv=None).metrics_port is None
    assert Settings.from_env({"METRICS_PORT": "9100", "WORKER_PROCESSES": "4"}, dotenv=None).metrics_port == 9100
    assert Settings.from_env({"METRICS_PORT": "2998", "PORT": "3000", "WORKER_PROCESSES": "1"}, dotenv=None).metrics_port == 2998


def test_a_bad_metrics_port_is_one_line_and_exit_2(tmp_path):
    for args in (["worker"], ["serve"]):
        result = run(*args, env=clean_env(METRICS_PORT="nine", WEBHOOK_SECRET="s"), cwd=tmp_path)
        line = one_line(result)
        assert line == f"fundbot {args[0]}: configuration error: METRICS_PORT must be a whole number, got 'nine'"
    result = run("serve", "--worker-processes", "3", cwd=tmp_path, env=clean_env(  # 2 processes fit, 3 do not
        METRICS_PORT="2997", PORT="3000", WORKER_PROCESSES="2", WEBHOOK_SECRET="s", APP_ID="1",
        PRIVATE_KEY="-----BEGIN PRIVATE KEY-----x", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"))
    assert "configuration error: METRICS_PORT=2997 overlaps PORT=3000" in one_line(result)
    assert not (tmp_path / "x.db").exists()
    result = run("worker", "--metrics-port", "x", env=clean_env(), cwd=tmp_path)
    assert "--metrics-port: expected a port from 0 to 65535, got 'x'" in one_line(result)


def test_a_metrics_port_in_use_is_one_line_and_exit_2(sandbox, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("worker", env=worker_env(sandbox, tmp_path, METRICS_PORT=str(port)), cwd=tmp_path, timeout=30)
    line = one_line(result)
    assert f"cannot listen on 127.0.0.1:{port}: the address is already in use" in line
    assert "set METRICS_PORT to a free port" in line
    assert not (tmp_path / "w.db").exists()  # refused before the store was opened
