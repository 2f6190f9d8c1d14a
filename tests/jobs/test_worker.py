"""Workers: retries with backoff, parking after bounded attempts, `jobs`/`jobs retry`, arrival order."""

from __future__ import annotations

import asyncio

import pytest

from bot import cli
from bot.app import Service
from bot.github import RetryPolicy
from bot.jobs import routing
from bot.jobs.worker import Wakeup, Worker
from bot.store import open_store
from tests.fixtures.bot_fixtures import bot_settings, running_bot
from tests.github.test_github_client import FakeClock


@pytest.fixture
async def manual(sandbox, sandbox_repo, sandbox_installation_id, tmp_path):
    """The service with a fake clock and no worker tasks: the test turns the crank with run_once()."""
    clock = FakeClock()
    async with running_bot(sandbox, tmp_path, workers=False, clock=clock, policy=RetryPolicy(request_timeout=2.0),
                           backoff=None, max_attempts=3) as bot:
        yield bot.service, clock


async def test_5xx_storm_parks_the_job_and_jobs_lists_it(sandbox, sandbox_repo, manual, tmp_path, monkeypatch, capsys):
    service, clock = manual
    storm = sandbox.faults.add(method="GET", path="/contents/", status=503, times=None)
    issue = await sandbox.open_issue(sandbox_repo, "hubot", "It crashes")
    await sandbox.drain()
    for attempt in range(1, 4):
        assert await service.worker.run_once()
        [job] = await service.store.list_jobs(None)
        assert job.attempts == attempt
        assert job.status == ("failed" if attempt == 3 else "pending")
        if attempt < 3:
            assert job.run_at > clock.now  # backed off, not due yet
            assert not await service.worker.run_once()
            clock.now = job.run_at
    assert "503" in job.last_error or "Service Unavailable" in job.last_error
    assert sandbox.comments(sandbox_repo, issue["number"]) == []

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", service.settings.database_url)
    assert await asyncio.to_thread(cli.main, ["jobs"]) == 0
    out = capsys.readouterr().out
    assert f"{job.id:>6}  failed" in out and job.key in out and "last error" in out

    # a maintainer fixes the cause and re-queues it
    sandbox.faults.remove(storm)
    assert await asyncio.to_thread(cli.main, ["jobs", "retry", str(job.id)]) == 0
    assert "re-queued" in capsys.readouterr().out
    assert await asyncio.to_thread(cli.main, ["jobs", "retry", str(job.id)]) == 1  # not failed any more
    assert await service.worker.run_once()
    assert (await service.store.get_job(job.id)).status == "done"
    assert len(sandbox.comments(sandbox_repo, issue["number"])) == 1


async def test_permanent_error_parks_at_once(sandbox, sandbox_repo, manual):
    service, clock = manual
    sandbox.faults.add(method="GET", path="/contents/", status=403, times=None,
                       body={"message": "Resource not accessible by integration"})
    await sandbox.open_issue(sandbox_repo, "hubot", "x")
    await sandbox.drain()
    assert await service.worker.run_once()
    [job] = await service.store.list_jobs(None)
    assert job.status == "failed" and job.attempts == 1


async def test_setup_mode_keeps_deliveries_waiting(sandbox, sandbox_repo, sandbox_installation_id, tmp_path):
    settings = bot_settings(sandbox, tmp_path, app_id=None, private_key=None)
    service = Service(settings)
    await service.open()
    try:
        await service.start_web(host="127.0.0.1", port=0)
        assert service.start_workers() is False
        sandbox.webhook_url = f"http://127.0.0.1:{service.port}{settings.webhook_path}"
        await sandbox.open_issue(sandbox_repo, "hubot", "x")
        await sandbox.drain()
        assert (await service.store.counts())["pending"] == 1
        # even if a worker runs, the job is postponed (not failed) until credentials exist
        assert await service.worker.run_once()
        [job] = await service.store.list_jobs(None)
        assert job.status == "pending" and "credentials" in job.last_error
    finally:
        await service.close(grace=1)


async def test_events_of_one_issue_run_in_arrival_order(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'order.db'}")
    await store.connect()
    await store.migrate()
    seen: list[str] = []

    async def processor(job):
        await asyncio.sleep(0.01 if job.key.endswith("0") else 0.001)
        seen.append(job.key)
        return routing.Outcome(done=["x"])

    for i in range(30):
        await store.enqueue("webhook", f"{i % 3}-{i:02d}", payload=b"{}", event="issues", ordering_key=f"repo#{i % 3}")
    worker = Worker(store, processor, concurrency=6, poll_interval=0.01)
    worker.start()
    for _ in range(500):
        if (await store.counts())["done"] == 30:
            break
        await asyncio.sleep(0.01)
    await worker.stop(1)
    await store.close()
    assert len(seen) == 30
    for key in "012":
        mine = [k for k in seen if k.startswith(key + "-")]
        assert mine == sorted(mine)


async def test_stop_hands_unfinished_jobs_back_at_once(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'stop.db'}")
    await store.connect()
    await store.migrate()
    started = asyncio.Event()

    async def slow(job):
        started.set()
        await asyncio.sleep(60)
        return routing.Outcome(done=[])

    await store.enqueue("webhook", "slow", payload=b"{}", event="issues")
    worker = Worker(store, slow, concurrency=1, poll_interval=0.01, lease=300)
    worker.start()
    await started.wait()
    await worker.stop(grace=0.1)
    [job] = await store.list_jobs(None)
    assert job.status == "pending" and job.lease_owner is None or job.status == "pending"
    assert "shutdown" in (job.last_error or "")
    await store.close()


async def test_a_later_job_stored_while_no_task_waits_is_not_lost():
    """A wake-up for a job due soon that finds no task asleep is kept: the task about to sleep (on a plan made
    before the job was stored) re-plans at once instead of sleeping its whole fallback poll (found in review)."""
    wakeup = Wakeup()
    loop = asyncio.get_running_loop()
    wakeup.signal_by(loop.time() + 0.5)  # nobody waits yet
    started = loop.time()
    await asyncio.wait_for(wakeup.wait(30.0), timeout=5.0)
    assert loop.time() - started < 2.0
