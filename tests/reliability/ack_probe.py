"""Open-loop webhook sender for the stall tests: ``python -m tests.reliability.ack_probe URL SECRET INTERVAL``.

Sends one signed delivery every INTERVAL seconds, on schedule whether or not earlier ones were answered
(a stalled server delays every delivery due meanwhile, as GitHub's deliveries are), until a line or end of
file arrives on stdin; then prints one JSON object: each delivery's latency from its scheduled send time and
its status. Prints ``ready`` once the first delivery is acknowledged. A process of its own, so that the
sandbox working in the test process never delays the measurement.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid

import aiohttp

from tests.fixtures.helpers import github_headers


async def probe(url: str, secret: str, interval: float) -> dict:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_reader(sys.stdin.fileno(), stop.set)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    ready = False

    async def send(session: aiohttp.ClientSession, due: float) -> None:
        nonlocal ready
        body = json.dumps({"action": "created", "starred_at": None, "sender": {"login": "probe"}}).encode()
        headers = github_headers("star", body, secret, delivery=f"probe-{uuid.uuid4()}")
        try:
            async with session.post(url, data=body, headers=headers) as r:
                await r.read()
                status = str(r.status)
        except aiohttp.ClientError as exc:
            status = type(exc).__name__
        latencies.append(time.perf_counter() - due)
        statuses[status] = statuses.get(status, 0) + 1
        if status == "202" and not ready:
            ready = True
            print("ready", flush=True)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        tasks: set[asyncio.Task] = set()
        start = time.perf_counter()
        n = 0
        while not stop.is_set():
            due = start + n * interval
            n += 1
            delay = due - time.perf_counter()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                    break
                except TimeoutError:
                    pass
            task = asyncio.create_task(send(session, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks)
    return {"latencies": latencies, "statuses": statuses}


def main() -> None:
    url, secret, interval = sys.argv[1], sys.argv[2], float(sys.argv[3])
    print(json.dumps(asyncio.run(probe(url, secret, interval))), flush=True)


if __name__ == "__main__":
    main()
