"""PostgreSQL LISTEN/NOTIFY: a worker wakes when *another* store (its own pool and connections, as another
process would have) stores a job, with its own polls set to 30 s, so only a notification can explain a
pickup within 2 s; it survives its LISTEN connection being killed; stores in other schemas do not wake it.

Run with ``-s`` to see the measured latencies."""

from __future__ import annotations

import asyncio
import logging
import secrets
import statistics
import time
from collections.abc import AsyncIterator, Callable

import pytest

from bot.jobs import routing
from bot.jobs.worker import Worker
from bot.store import Store, open_store
from bot.store.pg_listen import CHANNEL, channel_for, parse_payload
from bot.store.postgres import PostgresStore
from tests.fixtures.store_fixtures import _drop_schema, fresh_postgres_schema, postgres_base_url, with_query

pytestmark = pytest.mark.postgres

SLOW_POLL = 30.0  # the worker's own polls: a pickup faster than this was woken by a notification
BOUND = 2.0


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with fresh_postgres_schema("fundbot_notify") as url:
        yield url


async def _opened(url: str) -> Store:
    store = open_store(url)
    await store.connect()
    await store.migrate()
    return store


@pytest.fixture
async def stores(pg_url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """(the worker's store, the enqueuer's store): two pools on one schema."""
    mine, theirs = await _opened(pg_url), await _opened(pg_url)
    assert isinstance(mine, PostgresStore) and isinstance(theirs, PostgresStore)
    try:
        yield mine, theirs
    finally:
        await mine.close()
        await theirs.close()


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.005)


class Recorder:
    """A processor that notes when each job started (perf_counter) and wakes whoever waits for it."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.changed = asyncio.Event()

    async def __call__(self, job) -> routing.Outcome:
        self.started[job.key] = time.perf_counter()
        self.wall[job.key] = time.time()
        self.changed.set()
        return routing.Outcome(done=["x"])

    async def wait_for(self, key: str, timeout: float) -> float:
        async with asyncio.timeout(timeout):
            while key not in self.started:
                self.changed.clear()
                await self.changed.wait()
        return self.started[key]


def slow_worker(store: Store, recorder: Recorder, **kwargs) -> Worker:
    return Worker(store, recorder, poll_interval=SLOW_POLL, fallback_poll=SLOW_POLL, **kwargs)


async def test_channel_names_and_payloads() -> None:
    assert channel_for(None) == CHANNEL == "fundbot_jobs"
    assert channel_for("fundbot_test_1") == "fundbot_jobs.fundbot_test_1"
    long = channel_for("s" * 63)
    assert len(long) <= 63 and long != channel_for("s" * 62 + "t")  # hashed, still distinct
    assert parse_payload("") is None and parse_payload("garbage") is None
    assert parse_payload("1700000000.25") == 1700000000.25


async def test_a_job_enqueued_elsewhere_wakes_the_worker_within_the_bound(stores, capsys) -> None:
    mine, theirs = stores
    recorder = Recorder()
    worker = slow_worker(mine, recorder, concurrency=4)
    worker.start()
    try:
        await until(lambda: mine.listening, 10, "the LISTEN connection is up")
        latencies = []
        for i in range(20):
            sent = time.perf_counter()
            assert await theirs.enqueue("webhook", f"d-{i}", payload=b"{}", event="issues")
            latencies.append(await recorder.wait_for(f"d-{i}", BOUND) - sent)
    finally:
        await worker.stop(1)
    assert max(latencies) < BOUND
    with capsys.disabled():
        print(f"\nNOTIFY pickup latency over 20 jobs: median {statistics.median(latencies) * 1000:.1f} ms, "
              f"max {max(latencies) * 1000:.1f} ms")


async def test_a_task_scheduled_for_later_runs_when_due_not_at_the_next_poll(stores) -> None:
    mine, theirs = stores
    recorder = Recorder()
    worker = slow_worker(mine, recorder, concurrency=2)
    worker.start()
    try:
        await until(lambda: mine.listening, 10, "the LISTEN connection is up")
        await until(lambda: worker._wakeup.waiting == 2, 5, "both tasks asleep")
        due = time.time() + 0.5
        await theirs.schedule("later", "later:1", run_at=due)
        await recorder.wait_for("later:1", BOUND + 0.5)
    finally:
        await worker.stop(1)
    assert due <= recorder.wall["later:1"] < due + BOUND  # not before it was due, and not at the 30 s poll


async def test_one_notification_wakes_one_task_not_the_herd(stores) -> None:
    mine, theirs = stores
    recorder = Recorder()
    worker = slow_worker(mine, recorder, concurrency=8)
    claims = 0
    claim = mine.claim

    async def counting_claim(*args, **kwargs):
        nonlocal claims
        claims += 1
        return await claim(*args, **kwargs)

    mine.claim = counting_claim  # type: ignore[method-assign]
    worker.start()
    try:
        await until(lambda: mine.listening and worker._wakeup.waiting == 8, 10, "listening, 8 tasks asleep")
        before = claims
        assert await theirs.enqueue("webhook", "one", payload=b"{}", event="issues")
        await recorder.wait_for("one", BOUND)
        await until(lambda: worker._wakeup.waiting == 8, 5, "all tasks asleep again")
    finally:
        await worker.stop(1)
    # the woken task claims the job and wakes one more, which finds nothing: 2 claims, not 8
    assert claims - before <= 3, claims - before


async def test_killed_listener_connection_reconnects_and_jobs_still_arrive(stores, caplog, monkeypatch) -> None:
    mine, theirs = stores
    monkeypatch.setattr(PostgresStore, "LISTEN_BACKOFF", (0.05, 0.2))
    recorder = Recorder()
    worker = slow_worker(mine, recorder, concurrency=2)
    worker.start()
    caplog.set_level(logging.INFO, logger="bot.store.pg_listen")
    try:
        await until(lambda: mine.listening, 10, "the LISTEN connection is up")
        old_pid = mine.listener_pid
        assert await theirs.pool.fetchval("SELECT pg_terminate_backend($1)", old_pid)
        # stored while the listener may be down: found by the wake-up on loss/reconnect, not the 30 s poll
        assert await theirs.enqueue("webhook", "during", payload=b"{}", event="issues")
        await recorder.wait_for("during", 5)
        await until(lambda: mine.listening and mine.listener_pid not in (None, old_pid), 5, "reconnected")
        await until(lambda: worker._wakeup.waiting == 2, 5, "both tasks asleep")
        sent = time.perf_counter()
        assert await theirs.enqueue("webhook", "after", payload=b"{}", event="issues")
        assert await recorder.wait_for("after", BOUND) - sent < BOUND  # notifications work again
    finally:
        await worker.stop(1)
    lost = [r for r in caplog.records if "lost" in r.getMessage()]
    back = [r for r in caplog.records if "reconnected" in r.getMessage()]
    assert len(lost) == 1 and lost[0].levelno == logging.WARNING and len(back) == 1


async def test_an_outage_is_logged_once_however_many_reconnects_fail(stores, caplog, monkeypatch) -> None:
    mine, theirs = stores
    monkeypatch.setattr(PostgresStore, "LISTEN_BACKOFF", (0.01, 0.02))
    attempts = 0
    real_connect = mine._connect_listener

    async def flaky_connect():
        nonlocal attempts
        attempts += 1
        if 2 <= attempts <= 5:
            raise OSError("connection refused (test)")
        return await real_connect()

    monkeypatch.setattr(mine, "_connect_listener", flaky_connect)
    caplog.set_level(logging.INFO, logger="bot.store.pg_listen")
    wakes: list[float | None] = []
    assert mine.listen(wakes.append) is True
    await until(lambda: mine.listening, 10, "the LISTEN connection is up")
    pid = mine.listener_pid
    await theirs.pool.fetchval("SELECT pg_terminate_backend($1)", pid)
    await until(lambda: attempts >= 6 and mine.listening, 10, "reconnected after four failures")
    mine.unlisten(wakes.append)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("lost" in m for m in messages) == 1 and sum("reconnected" in m for m in messages) == 1
    assert wakes.count(None) >= 3  # first connect, the loss, the reconnect: "look now"


async def test_stores_in_other_schemas_do_not_wake_each_other(pg_url) -> None:
    base = postgres_base_url()
    other_schema = f"fundbot_notify_{secrets.token_hex(5)}"
    mine, other = await _opened(pg_url), await _opened(with_query(base, schema=other_schema))
    try:
        assert isinstance(mine, PostgresStore) and isinstance(other, PostgresStore)
        assert mine.channel != other.channel
        wakes: list[float | None] = []
        mine.listen(wakes.append)
        await until(lambda: mine.listening and wakes, 10, "listening (and the first 'look now')")
        wakes.clear()
        # commits in this order; one LISTEN connection receives notifications in commit order, so a
        # shared channel would deliver the other schema's wake-up first
        assert await other.enqueue("webhook", "theirs", payload=b"{}", event="issues")
        assert await mine.enqueue("webhook", "mine", payload=b"{}", event="issues")
        await until(lambda: wakes, BOUND, "the wake-up for this schema's job")
        assert wakes == [None]
    finally:
        await mine.close()
        await other.close()
        await _drop_schema(base, other_schema)


async def test_notifications_say_when_a_job_is_due(stores) -> None:
    mine, theirs = stores
    wakes: list[float | None] = []
    mine.listen(wakes.append)
    await until(lambda: mine.listening and wakes, 10, "listening")
    wakes.clear()
    now = time.time()
    assert await theirs.enqueue("task", "future", run_at=now + 3600, now=now)
    await theirs.schedule("task", "scheduled-now", run_at=now, now=now)
    await until(lambda: len(wakes) == 2, BOUND, "two wake-ups")
    assert wakes == [pytest.approx(now + 3600), None]
    # a duplicate key stores nothing and wakes nobody: the next wake-up is the next real job
    assert not await theirs.enqueue("task", "future", run_at=now + 7200, now=now)
    assert await theirs.enqueue("webhook", "real", payload=b"{}", now=now)
    await until(lambda: len(wakes) == 3, BOUND, "the third wake-up")
    assert wakes[2] is None and await theirs.counts() == {"pending": 3, "running": 0, "done": 0, "failed": 0}
