"""What unsigned senders cost ``python -m bot serve`` (issue 10, point 2). Prints one JSON object.

A real ``serve`` subprocess (setup mode, ``--no-workers``: the edge and the inbox only, on SQLite in a
temporary directory, 127.0.0.1 only), with its default limits (64 MB of bodies in flight, 10 s header
timeout, 30 s body timeout), then two attacks (slow-loris first, so each starts from a clean baseline), each from a separate attacker process so that the attacker's
work does not slow the measuring client:

* ``flood``: 60 unsigned senders post 24 MB bodies in a loop (a well-formed but wrong ``sha256=`` signature,
  so that a body that gets a reservation is read whole before the 401: the worst case);
* ``slowloris``: 1,000 connections each send a partial request head, one more byte every second, and
  reconnect as soon as the server drops them, so 1,000 stay open;
* ``idle``: 64 connections each send a complete head announcing a 1 MB body (1/64 of the budget: a "small"
  body) and not a byte of it, and reconnect as soon as the server drops them (the attack review's hole: while
  the budget was reserved by announced length, these held all of it and every real delivery got 503).

During each, a real signed ``issues.opened`` delivery (13.5 KB) is sent every 20 ms on a new connection, as
GitHub does; reported: the resident memory of the serve process (sampled every 20 ms: peak and at the end),
the acknowledgement latency p50/p99/max and every status the deliveries and the attackers got.

    python bench/edge_attack.py [--seconds 12] [--only idle,slowloris,flood]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script (bench/run.py does): bot/ is beside bench/
    sys.path.insert(0, str(ROOT))

from bot.core import signing  # noqa: E402
from bot.settings import DEFAULT_WEBHOOK_PATH  # noqa: E402

SECRET = "bench-secret"
HOOK = DEFAULT_WEBHOOK_PATH
BODY = (ROOT / "tests/data/github/webhooks/issues/opened.payload.json").read_bytes()
MB = 1024 * 1024


def raise_fd_limit(wanted: int = 8192) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def head(port: int, length: int | None, signature: str, extra: str = "") -> bytes:
    lines = [f"POST {HOOK} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
             "X-GitHub-Event: issues", f"X-GitHub-Delivery: {uuid.uuid4()}", f"X-Hub-Signature-256: {signature}"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n" + extra).encode()


async def status_of(reader: asyncio.StreamReader, timeout: float) -> int | None:
    try:
        line = await asyncio.wait_for(reader.readline(), timeout)
        return int(line.split()[1]) if line else None
    except (TimeoutError, ConnectionError, ValueError, IndexError):
        return None


# ============================================================================================ the attackers


async def flood(port: int, seconds: float, senders: int = 60, size: int = 24 * MB) -> dict:
    body = b'{"x": "' + b"a" * (size - 9) + b'"}'
    wrong = "sha256=" + "0" * 64
    answers: dict[str, int] = {}
    stop = time.monotonic() + seconds

    async def sender() -> None:
        while time.monotonic() < stop:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                answers["connect-failed"] = answers.get("connect-failed", 0) + 1
                await asyncio.sleep(0.05)
                continue
            answer = asyncio.create_task(status_of(reader, 40))
            try:
                writer.write(head(port, len(body), wrong) + b"\r\n")
                view = memoryview(body)
                for i in range(0, len(body), 1 * MB):
                    if answer.done():
                        break
                    writer.write(view[i:i + MB])
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            status = await answer
            answers[str(status)] = answers.get(str(status), 0) + 1
            writer.close()

    await asyncio.gather(*(sender() for _ in range(senders)))
    return {"senders": senders, "body_mb": size // MB, "answers": answers}


async def _reconnect(port: int, stop: float, state: dict):
    """A new connection to the edge (counted in ``state["opened"]``), retried until ``stop``; None then."""
    while time.monotonic() < stop:
        try:
            conn = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        state["opened"] += 1
        return conn
    return None


async def slowloris(port: int, seconds: float, connections: int = 1000) -> dict:
    stop = time.monotonic() + seconds
    state = {"opened": 0, "dropped_by_server": 0, "open_now": 0, "open_peak": 0}

    async def one() -> None:
        while (conn := await _reconnect(port, stop, state)) is not None:
            reader, writer = conn
            state["open_now"] += 1
            state["open_peak"] = max(state["open_peak"], state["open_now"])
            try:
                writer.write(head(port, 1000, "sha256=" + "0" * 64))  # then header lines, never the blank line
                while time.monotonic() < stop:
                    await asyncio.sleep(1.0)
                    if reader.at_eof():
                        break
                    writer.write(b"X-a: b\r\n")
                    await writer.drain()
                else:
                    continue
                state["dropped_by_server"] += 1
            except (ConnectionError, OSError):
                state["dropped_by_server"] += 1
            finally:
                state["open_now"] -= 1
                writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))
    return {"connections": connections, **{k: v for k, v in state.items() if k != "open_now"}}


async def idle(port: int, seconds: float, connections: int = 64, announced: int = 1 * MB) -> dict:
    stop = time.monotonic() + seconds
    state = {"opened": 0, "dropped_by_server": 0, "answers": {}}

    async def one() -> None:
        while (conn := await _reconnect(port, stop, state)) is not None:
            reader, writer = conn
            try:
                writer.write(head(port, announced, "sha256=" + "0" * 64) + b"\r\n")  # and no body
                await writer.drain()
                status = await status_of(reader, max(0.0, stop - time.monotonic()))
                if status is not None or reader.at_eof():
                    state["dropped_by_server"] += 1
                    state["answers"][str(status)] = state["answers"].get(str(status), 0) + 1
            except (ConnectionError, OSError):
                state["dropped_by_server"] += 1
            finally:
                writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))
    return {"connections": connections, "announced_mb": announced // MB, **state}


ATTACKS = {"flood": flood, "slowloris": slowloris, "idle": idle}


def attacker_main(kind: str, port: int, seconds: float) -> None:
    raise_fd_limit()
    result = asyncio.run(ATTACKS[kind](port, seconds))
    print(json.dumps(result))


# ======================================================================================= the measuring side


async def deliveries(port: int, seconds: float, pid: int) -> dict:
    import aiohttp

    latencies: list[float] = []
    statuses: dict[str, int] = {}
    rss: list[float] = []
    stop = time.monotonic() + seconds

    async def sample() -> None:
        while time.monotonic() < stop:
            rss.append(rss_mb(pid))
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    connector = aiohttp.TCPConnector(force_close=True)  # a new connection per delivery, as GitHub
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        while time.monotonic() < stop:
            headers = {"Content-Type": "application/json", "X-GitHub-Event": "issues",
                       "X-GitHub-Delivery": str(uuid.uuid4()),
                       "X-Hub-Signature-256": signing.signature_256(BODY, SECRET)}
            started = time.perf_counter()
            try:
                async with session.post(f"http://127.0.0.1:{port}{HOOK}", data=BODY, headers=headers) as r:
                    await r.read()
                    status = str(r.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = type(exc).__name__
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            await asyncio.sleep(0.02)
    await sampler
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    return {"deliveries": len(latencies), "statuses": statuses, "ack_p50_ms": pct(0.50), "ack_p99_ms": pct(0.99),
            "ack_max_ms": round(latencies[-1], 1), "rss_peak_mb": round(max(rss), 1), "rss_end_mb": round(rss[-1], 1)}


async def phase(kind: str | None, port: int, seconds: float, pid: int) -> dict:
    attacker = None
    if kind is not None:
        attacker = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--attacker", kind, "--port", str(port), "--seconds", str(seconds),
            stdout=subprocess.PIPE)
        await asyncio.sleep(1.0)  # the attack is under way before the measuring starts
    measured = await deliveries(port, seconds - 1.0 if attacker else seconds, pid)
    if attacker is not None:
        out, _ = await asyncio.wait_for(attacker.communicate(), seconds + 60)
        measured["attack"] = json.loads(out or b"{}")
    return measured


async def main(seconds: float, only: list[str]) -> dict:
    import aiohttp

    raise_fd_limit()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_ID", "PRIVATE_KEY", "DATABASE_URL"))}
        env.update(WEBHOOK_SECRET=SECRET, DATABASE_URL=f"sqlite:///{tmp}/edge.db", HOST="127.0.0.1", PORT=str(port),
                   LOG_LEVEL="WARNING")
        serve = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--no-workers"], cwd=ROOT, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            async with aiohttp.ClientSession() as session:
                deadline = time.monotonic() + 30
                while True:
                    with contextlib.suppress(aiohttp.ClientError):
                        async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                            if r.status == 200:
                                break
                    if time.monotonic() > deadline or serve.poll() is not None:
                        raise SystemExit("serve did not come up")
                    await asyncio.sleep(0.1)
            result = {"serve_pid_rss_at_start_mb": round(rss_mb(serve.pid), 1)}
            result["quiet"] = await phase(None, port, 3.0, serve.pid)
            names = {"idle": "idle_64x1MB_announced", "slowloris": "slowloris_1000", "flood": "flood_60x24MB"}
            for kind in only:  # slow-loris before the flood by default, so each starts from a clean baseline
                result[names[kind]] = await phase(kind, port, seconds, serve.pid)
            result["rss_after_mb"] = round(rss_mb(serve.pid), 1)
            return result
        finally:
            serve.terminate()
            try:
                serve.wait(20)
            except subprocess.TimeoutExpired:
                serve.kill()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="length of each attack (default 12)")
    parser.add_argument("--only", default="idle,slowloris,flood", help="attacks to run, in order")
    parser.add_argument("--attacker", choices=sorted(ATTACKS), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attacker:
        attacker_main(args.attacker, args.port, args.seconds)
    else:
        only = [k.strip() for k in args.only.split(",") if k.strip()]
        if unknown := [k for k in only if k not in ATTACKS]:
            parser.error(f"unknown attack(s): {', '.join(unknown)} (choose from {', '.join(ATTACKS)})")
        print(json.dumps(asyncio.run(main(args.seconds, only))))
