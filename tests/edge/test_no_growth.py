"""Nothing in the web process grows with the number of deliveries (issue 12: RSS flat from 20,000 to 100,000;
the bench measures the RSS, this checks the Python heap at a smaller scale, not timed): after a warm-up,
2,000 more deliveries through the real endpoint leave the traced Python memory within a bound far below
what keeping anything per delivery (a body, a dict, a string of its GUID) would take."""

from __future__ import annotations

import gc
import tracemalloc

import aiohttp
import pytest

from bot.app import Service
from bot.settings import Settings
from tests.fixtures.helpers import github_headers, payload_bytes

SECRET = "growth-secret"
BOUND = 150 * 1024  # bytes for 2,000 deliveries: 75 per delivery; one kept GUID string alone is about 90


async def _send(session, url: str, body: bytes, start: int, n: int) -> None:
    for k in range(start, start + n):
        async with session.post(url, data=body, headers=github_headers("issues", body, SECRET, delivery=f"g-{k}")) as r:
            assert r.status == 202


@pytest.mark.slow  # 2,500 deliveries traced by tracemalloc (~8 s of CPU): with the slow tests
async def test_the_edge_keeps_nothing_per_delivery(tmp_path):
    settings = Settings(webhook_secret=SECRET, database_url=f"sqlite:///{tmp_path / 'g.db'}", host="127.0.0.1", port=0)
    service = Service(settings)
    await service.open()
    port = await service.start_web()
    url = f"http://127.0.0.1:{port}/api/github/webhooks"
    body = payload_bytes("issues", "opened")
    try:
        async with aiohttp.ClientSession() as session:
            await _send(session, url, body, 0, 500)  # warm-up: caches, pools, first allocations
            gc.collect()
            tracemalloc.start()
            try:
                before = tracemalloc.take_snapshot()
                await _send(session, url, body, 500, 2000)
                gc.collect()
                after = tracemalloc.take_snapshot()
            finally:
                tracemalloc.stop()
        growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
        top = [str(s) for s in after.compare_to(before, "lineno")[:5]]
        assert growth < BOUND, f"{growth} bytes more after 2,000 deliveries: {top}"
        assert sum((await service.store.counts()).values()) == 2500
    finally:
        await service.close(grace=1)
