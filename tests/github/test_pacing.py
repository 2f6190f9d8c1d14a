"""Mutations are spaced per installation (GitHub's guidance for integrations); reads are not."""

from __future__ import annotations

import aiohttp

from bot.github import GitHubApp, Pacer
from tests.github.test_github_client import FakeClock

REPO = "octo-org/widgets"


async def test_mutations_of_one_installation_are_spaced_reads_are_not(sandbox, sandbox_repo, sandbox_installation_id):
    clock = FakeClock()
    async with aiohttp.ClientSession() as session:
        app = GitHubApp(session, app_id=str(sandbox.app_id), private_key=sandbox.private_key_pem.decode(),
                        base_url=sandbox.base_url, clock=clock, mutation_interval=1.0)
        gh = await app.installation(sandbox_installation_id)
        issue = await sandbox.open_issue(REPO, "octocat", "x")
        for _ in range(3):
            await gh.getitem(f"/repos/{REPO}")
        assert clock.sleeps == []  # reads are never delayed
        for i in range(3):
            await gh.post(f"/repos/{REPO}/issues/{issue['number']}/comments", data={"body": f"c{i}"})
        assert clock.sleeps == [1.0, 1.0]  # the first mutation goes at once, the next ones a second apart


async def test_installations_are_paced_independently():
    clock = FakeClock()
    pacer = Pacer(2.0, clock)
    assert await pacer.wait(1) == 0.0
    assert await pacer.wait(2) == 0.0  # another installation: no wait
    assert await pacer.wait(1) == 2.0
    clock.now += 10
    assert await pacer.wait(1) == 0.0  # enough time passed
    assert await Pacer(0.0, clock).wait(1) == 0.0  # off


async def test_per_installation_concurrency_limit(tmp_path):
    import asyncio

    from bot.jobs import routing
    from bot.jobs.worker import Worker
    from bot.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'c.db'}")
    await store.connect()
    await store.migrate()
    running: dict[int, int] = {}
    peak: dict[int, int] = {}

    async def processor(job):
        running[job.installation_id] = running.get(job.installation_id, 0) + 1
        peak[job.installation_id] = max(peak.get(job.installation_id, 0), running[job.installation_id])
        await asyncio.sleep(0.02)
        running[job.installation_id] -= 1
        return routing.Outcome(done=["x"])

    for i in range(24):
        await store.enqueue("webhook", f"j{i}", payload=b"{}", event="issues", installation_id=1 + i % 2)
    worker = Worker(store, processor, concurrency=8, poll_interval=0.01, installation_concurrency=2)
    worker.start()
    for _ in range(300):
        if (await store.counts())["done"] == 24:
            break
        await asyncio.sleep(0.01)
    await worker.stop(1)
    await store.close()
    assert peak == {1: 2, 2: 2}  # eight workers, but never more than two jobs of one installation at once
