"""fundbot benchmarks: ``python bench/run.py [--quick]`` prints one JSON object of figures.

ack: webhook acknowledgements per second and p50/p99 latency of ``python -m bot serve`` (SQLite inbox,
setup mode so no worker competes for the CPU) versus a bare aiohttp endpoint that only answers 202,
measured in the same run with the same client, posting the real, signed ``issues.opened`` payload with a
fresh delivery GUID each time: at saturation (200 senders in a closed loop) and steady (200 senders
offering 500 requests/s in total, open loop).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import hashlib
import hmac
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
PAYLOAD = ROOT / "tests" / "data" / "github" / "webhooks" / "issues" / "opened.payload.json"
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_listening(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _r, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


async def load(url: str, *, requests: int, concurrency: int, body: bytes) -> dict:
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(requests))
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def sender() -> None:
            for _ in counter:
                headers = {
                    "Content-Type": "application/json",
                    "X-GitHub-Event": "issues",
                    "X-GitHub-Delivery": str(uuid.uuid4()),
                    "X-Hub-Signature-256": signature,
                }
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)
                statuses[response.status] = statuses.get(response.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


async def load_open(url: str, *, rate: float, seconds: float, concurrency: int, body: bytes) -> dict:
    """Open loop: ``concurrency`` senders together offer ``rate`` requests/s on a fixed schedule; latency
    counts from the scheduled send time, so a stalled server cannot hide its queue (no coordinated omission)."""
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    interval = concurrency / rate  # each sender's period
    per_sender = max(1, int(seconds * rate / concurrency))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.2

        async def sender(i: int) -> None:
            for k in range(per_sender):
                scheduled = start + i * (interval / concurrency) + k * interval
                delay = scheduled - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                headers = {"Content-Type": "application/json", "X-GitHub-Event": "issues",
                           "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": signature}
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                latencies.append(loop.time() - scheduled)
                statuses[response.status] = statuses.get(response.status, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(sender(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "offered_rps": rate,
        "achieved_rps": round(len(latencies) / elapsed, 1),
        "requests": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


class Server:
    def __init__(self, cmd: list[str], env: dict, port: int):
        self.cmd, self.env, self.port = cmd, env, port
        self.url = f"http://127.0.0.1:{port}/api/github/webhooks"
        self.proc: subprocess.Popen | None = None

    async def __aenter__(self) -> Server:
        self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await wait_listening(self.port)
        return self

    async def __aexit__(self, *exc) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def median_run(runs: list[dict], key: str) -> dict:
    ordered = sorted(runs, key=lambda r: r[key])
    return ordered[len(ordered) // 2]


async def bench_ack(quick: bool) -> dict:
    """Both servers up at once; saturation rounds interleaved (bare, fundbot, bare, fundbot, ...) so that
    background load on the machine hits both alike; the medians are reported."""
    body = PAYLOAD.read_bytes()
    requests, rounds = (3000, 3) if quick else (10000, 5)
    concurrency = 200
    rate, seconds = 500.0, (4.0 if quick else 10.0)
    bare_port, bot_port, pg_port = free_port(), free_port(), free_port()
    import scale_bench

    pg_ok = await scale_bench._pg_reachable()
    pg_schema = f"fundbot_ack_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="fundbot-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "DATABASE_URL")}
        env.update(WEBHOOK_SECRET=SECRET, PORT=str(bot_port), HOST="127.0.0.1",
                   DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.db'}", LOG_LEVEL="WARNING")
        servers = {
            "bare_aiohttp": Server([sys.executable, str(ROOT / "bench" / "bare_server.py"), str(bare_port)], dict(os.environ), bare_port),
            "fundbot_sqlite": Server([sys.executable, "-m", "bot", "serve"], env, bot_port),
        }
        if pg_ok:
            pg_env = {**env, "PORT": str(pg_port), "DATABASE_URL": f"{scale_bench.PG}?schema={pg_schema}"}
            servers["fundbot_postgres"] = Server([sys.executable, "-m", "bot", "serve"], pg_env, pg_port)
        runs: dict[str, list[dict]] = {name: [] for name in servers}
        steady: dict[str, dict] = {}
        try:
            for server in servers.values():
                await server.__aenter__()
            for server in servers.values():  # warm-up
                await load(server.url, requests=500, concurrency=concurrency, body=body)
            for _ in range(rounds):
                for name, server in servers.items():
                    runs[name].append(await load(server.url, requests=requests, concurrency=concurrency, body=body))
            for name, server in servers.items():
                steady[name] = await load_open(server.url, rate=rate, seconds=seconds, concurrency=concurrency, body=body)
        finally:
            for server in servers.values():
                if server.proc is not None:
                    await server.__aexit__()
            if pg_ok:
                await scale_bench._drop(pg_schema)
    result: dict = {"concurrency": concurrency, "payload_bytes": len(body), "rounds": rounds}
    for name in runs:
        result[name] = {
            "saturation": median_run(runs[name], "rps"),
            "saturation_rps_all_rounds": [r["rps"] for r in runs[name]],
            "steady": steady[name],
        }
    bare_rps = result["bare_aiohttp"]["saturation"]["rps"]
    result["throughput_ratio"] = round(result["fundbot_sqlite"]["saturation"]["rps"] / bare_rps, 3)
    if "fundbot_postgres" in result:
        result["throughput_ratio_postgres"] = round(result["fundbot_postgres"]["saturation"]["rps"] / bare_rps, 3)
    result["notes"] = ("saturation: 200 senders in a closed loop, median of interleaved rounds (latency there is "
                       "queueing: senders/throughput); steady: 200 senders offering a fixed total rate, latency from "
                       "the scheduled send time")
    return result


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
    }


async def main_async(args: argparse.Namespace) -> dict:
    figures: dict = {"machine": machine(), "quick": args.quick}
    if args.only in (None, "ack"):
        figures["ack"] = await bench_ack(args.quick)
    if args.only in (None, "campaigns"):
        import campaign_bench

        figures["campaigns"] = await campaign_bench.run_async(args.quick)
    if args.only in (None, "scale"):
        import scale_bench

        figures["scale"] = await scale_bench.run_async(args.quick)
    if args.only in (None, "readme"):
        try:
            import readme_bench
        except ImportError:  # pragma: no cover - the README section benchmark arrives with issue 6
            readme_bench = None
        if readme_bench is not None:
            figures["readme"] = readme_bench.run(args.quick)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--only", choices=["ack", "campaigns", "scale", "readme"], help="run one benchmark")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args)), indent=2))


if __name__ == "__main__":
    main()
