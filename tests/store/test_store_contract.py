"""The store contract (bot/store/base.py), run against every backend through the ``store`` fixture.

Times are passed explicitly (``now=``) from a fake clock ``T`` so lease expiry and scheduling are
deterministic; both backends must behave identically.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from bot.store import DONE, FAILED, PENDING, RUNNING, STATUSES, Store, open_store

T = 1_700_000_000.0
LEASE = 1000.0


async def _reopen(store: Store) -> Store:
    other = open_store(store.url)
    await other.connect()
    return other


# -- enqueue ---------------------------------------------------------------------------------------------


async def test_enqueue_dedup(store: Store) -> None:
    assert await store.enqueue("webhook", "d-1", payload=b"{}", event="issues", now=T) is True
    assert await store.enqueue("webhook", "d-1", payload=b"other", event="issues", now=T + 1) is False
    jobs = await store.list_jobs()
    assert len(jobs) == 1
    job = jobs[0]
    assert (job.kind, job.key, job.event, job.payload) == ("webhook", "d-1", "issues", b"{}")
    assert job.status == PENDING and job.attempts == 0 and job.progress == ()
    assert job.run_at == T and job.created_at == T and job.updated_at == T
    assert job.lease_owner is None and job.lease_expires is None and job.last_error is None


async def test_enqueue_fields_roundtrip(store: Store) -> None:
    payload = bytes(range(256)) * 4  # arbitrary bytes, including NUL and invalid UTF-8
    assert await store.enqueue(
        "webhook",
        "d-bin",
        payload=payload,
        event="issue_comment",
        installation_id=2**40,
        ordering_key="repo:1:issue:2",
        run_at=T + 5,
        now=T,
    )
    [job] = await store.list_jobs()
    assert job.payload == payload and isinstance(job.payload, bytes)
    assert job.installation_id == 2**40 and job.ordering_key == "repo:1:issue:2"
    assert job.run_at == T + 5
    assert await store.get_job(job.id) == job
    assert await store.get_job(job.id + 1000) is None


async def test_enqueue_rejects_bad_arguments(store: Store) -> None:
    with pytest.raises(TypeError):
        await store.enqueue("webhook", "k", payload="not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await store.enqueue("webhook", "", payload=b"")
    assert await store.counts() == dict.fromkeys(STATUSES, 0)


async def test_enqueued_job_survives_reopen(store: Store) -> None:
    assert await store.enqueue("webhook", "d-durable", payload=b"body", ordering_key="k", now=T)
    await store.close()
    reopened = open_store(store.url)
    await reopened.connect()
    try:
        await reopened.migrate()  # idempotent on an existing schema
        [job] = await reopened.list_jobs()
        assert (job.key, job.payload, job.status, job.ordering_key) == ("d-durable", b"body", PENDING, "k")
        assert await reopened.enqueue("webhook", "d-durable", now=T) is False
    finally:
        await reopened.close()
        await store.connect()  # the fixture closes it again


async def test_sqlite_enqueue_visible_from_new_connection(store: Store) -> None:
    """Group commit: when enqueue returned True the row is committed - a brand-new connection sees it."""
    if not store.url.startswith("sqlite"):
        pytest.skip("SQLite only")
    path = store.path  # type: ignore[attr-defined]
    results = await asyncio.gather(
        *(store.enqueue("webhook", f"v-{i}", payload=b"x", now=T) for i in range(50))
    )
    assert all(results)
    conn = sqlite3.connect(path)
    try:
        keys = {k for (k,) in conn.execute("SELECT key FROM jobs")}
    finally:
        conn.close()
    assert keys == {f"v-{i}" for i in range(50)}


async def test_sqlite_group_commit_waits_for_another_writer_then_commits(store: Store) -> None:
    """Another connection holds the write lock: a group commit waits (polling) and commits once it is
    released, well within busy_timeout; the connection's busy_timeout is what it was afterwards."""
    if not store.url.startswith("sqlite"):
        pytest.skip("SQLite only")
    path = store.url[len("sqlite:///"):].split("?")[0]
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        pending = [asyncio.ensure_future(store.enqueue("webhook", f"w-{i}", payload=b"p", now=T)) for i in range(40)]
        done, _ = await asyncio.wait(pending, timeout=0.3)
        assert not done  # still waiting for the lock, not refused
        other.execute("COMMIT")
        assert await asyncio.wait_for(asyncio.gather(*pending), 5) == [True] * 40
    finally:
        other.close()
    timeout_ms = await store._run(lambda: store._conn.execute("PRAGMA busy_timeout").fetchone()[0])
    assert timeout_ms == int(store.busy_timeout * 1000)


@pytest.mark.slow
async def test_sqlite_enqueue_survives_sigkill(store: Store) -> None:
    """A process that was SIGKILLed right after enqueue returned has not lost the job."""
    if not store.url.startswith("sqlite"):
        pytest.skip("SQLite only")
    code = textwrap.dedent(
        f"""
        import asyncio, os, signal, sys
        from bot.store import open_store

        async def main():
            s = open_store({store.url!r})
            await s.connect()
            ok = await asyncio.gather(*(s.enqueue("webhook", f"k-{{i}}", payload=b"p") for i in range(20)))
            assert all(ok)
            print("enqueued", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
        """
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=os.getcwd()
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert out.strip() == b"enqueued", err.decode()
    assert proc.returncode == -9
    keys = {j.key for j in await store.list_jobs(limit=1000)}
    assert {f"k-{i}" for i in range(20)} <= keys


# -- claim, ordering, leases -------------------------------------------------------------------------------


async def test_claim_oldest_first_and_only_due(store: Store) -> None:
    for i in range(3):
        assert await store.enqueue("webhook", f"d-{i}", now=T)
    assert await store.enqueue("task", "later", run_at=T + 100, now=T)
    got = await store.claim("w1", lease=LEASE, limit=2, now=T)
    assert [j.key for j in got] == ["d-0", "d-1"]
    for j in got:
        assert (
            j.status == RUNNING and j.lease_owner == "w1" and j.lease_expires == T + LEASE and j.attempts == 1
        )
    assert [j.key for j in await store.claim("w2", lease=LEASE, limit=10, now=T)] == ["d-2"]
    assert await store.claim("w3", lease=LEASE, now=T + 99) == []
    assert [j.key for j in await store.claim("w3", lease=LEASE, now=T + 100)] == ["later"]


async def test_ordering_key_blocks_later_jobs(store: Store) -> None:
    assert await store.enqueue("webhook", "a1", ordering_key="issue:1", now=T)
    assert await store.enqueue("webhook", "a2", ordering_key="issue:1", now=T)
    assert await store.enqueue("webhook", "b1", ordering_key="issue:2", now=T)
    assert await store.enqueue("webhook", "n1", now=T)

    got = await store.claim("w1", lease=LEASE, limit=10, now=T)
    assert [j.key for j in got] == ["a1", "b1", "n1"]  # a2 blocked by a1 (pending at that moment)
    a1 = got[0]
    assert await store.claim("w2", lease=LEASE, limit=10, now=T + 1) == []  # a1 running -> a2 blocked
    assert await store.complete(a1.id, "w1", now=T + 2)
    [a2] = await store.claim("w2", lease=LEASE, limit=10, now=T + 3)
    assert a2.key == "a2"


async def test_ordering_pending_not_due_blocks_and_parked_unblocks(store: Store) -> None:
    assert await store.enqueue("webhook", "a1", ordering_key="issue:1", now=T)
    assert await store.enqueue("webhook", "a2", ordering_key="issue:1", now=T)
    assert await store.enqueue("webhook", "c1", ordering_key="issue:3", now=T)
    [a1, c1] = await store.claim("w1", lease=LEASE, limit=10, now=T)
    assert (a1.key, c1.key) == ("a1", "c1")
    # a1 retried later: still pending, so a2 stays blocked although it is due
    assert await store.retry_later(a1.id, "w1", run_at=T + 50, error="boom", now=T + 1)
    assert await store.claim("w1", lease=LEASE, limit=10, now=T + 2) == []
    # parked a1 no longer blocks
    [again] = await store.claim("w1", lease=LEASE, now=T + 50)
    assert again.id == a1.id and again.attempts == 2
    assert await store.park(a1.id, "w1", error="gave up", now=T + 51)
    [a2] = await store.claim("w1", lease=LEASE, now=T + 52)
    assert a2.key == "a2"


async def test_lease_expiry_reclaim_and_stale_owner(store: Store) -> None:
    assert await store.enqueue("webhook", "d", ordering_key="o", now=T)
    assert await store.enqueue("webhook", "d2", ordering_key="o", now=T)
    [job] = await store.claim("old", lease=10, now=T)
    assert job.attempts == 1
    assert await store.claim("new", lease=10, now=T + 9) == []  # lease still held, d2 blocked
    assert await store.extend_lease(job.id, "old", lease=10, now=T + 9)  # now expires at T+19
    assert await store.claim("new", lease=10, now=T + 18) == []
    [again] = await store.claim("new", lease=10, now=T + 19)
    assert again.id == job.id and again.lease_owner == "new" and again.attempts == 2
    assert again.lease_expires == T + 29
    # the old owner lost the job: every lease-holding operation refuses
    assert await store.complete(job.id, "old", now=T + 20) is False
    assert await store.retry_later(job.id, "old", run_at=T + 20, error="x", now=T + 20) is False
    assert await store.park(job.id, "old", error="x", now=T + 20) is False
    assert await store.extend_lease(job.id, "old", lease=10, now=T + 20) is False
    current = await store.get_job(job.id)
    assert current is not None and current.status == RUNNING and current.lease_owner == "new"
    assert await store.complete(job.id, "new", now=T + 21)
    done = await store.get_job(job.id)
    assert done is not None and done.status == DONE and done.lease_owner is None
    assert await store.complete(job.id, "new", now=T + 22) is False  # not running any more


async def test_attempts_increment_and_retry_later(store: Store) -> None:
    assert await store.enqueue("webhook", "r", now=T)
    for attempt in range(1, 4):
        [job] = await store.claim("w", lease=LEASE, now=T + attempt * 100)
        assert job.attempts == attempt
        assert await store.retry_later(
            job.id,
            "w",
            run_at=T + attempt * 100 + 60,
            error=f"e{attempt}",
            progress=["a"],
            now=T + attempt * 100,
        )
        pending = await store.get_job(job.id)
        assert pending is not None and pending.status == PENDING and pending.last_error == f"e{attempt}"
        assert pending.lease_owner is None and pending.run_at == T + attempt * 100 + 60
        assert await store.claim("w", lease=LEASE, now=T + attempt * 100 + 59) == []  # not before run_at
    [job] = await store.claim("w", lease=LEASE, now=T + 1000)
    assert job.attempts == 4


async def test_park_list_and_requeue(store: Store) -> None:
    assert await store.enqueue("webhook", "p", now=T)
    assert await store.enqueue("webhook", "q", now=T)
    [job, _] = await store.claim("w", lease=LEASE, limit=2, now=T)
    assert await store.requeue(job.id, now=T) is False  # running, not failed
    assert await store.park(job.id, "w", error="bad payload", progress=["labels"], now=T + 1)
    failed = await store.list_jobs([FAILED])
    assert [j.id for j in failed] == [job.id]
    assert failed[0].last_error == "bad payload" and failed[0].progress == ("labels",)
    assert failed[0].attempts == 1
    assert [j.key for j in await store.list_jobs([FAILED, RUNNING])] == ["q", "p"]  # newest first
    assert await store.claim("w", lease=LEASE, now=T + 2) == []  # failed jobs are not claimable

    assert await store.requeue(job.id, now=T + 10)
    again = await store.get_job(job.id)
    assert again is not None and again.status == PENDING and again.attempts == 0 and again.run_at == T + 10
    assert again.progress == ("labels",)  # kept: a retry re-runs only what failed
    assert await store.requeue(job.id, now=T + 11) is False
    [claimed] = await store.claim("w", lease=LEASE, now=T + 10)
    assert claimed.id == job.id and claimed.attempts == 1


async def test_progress_saved(store: Store) -> None:
    assert await store.enqueue("webhook", "pr", now=T)
    [job] = await store.claim("w", lease=LEASE, now=T)
    assert await store.retry_later(job.id, "w", run_at=T, error="half", progress=["funding", "bounty"], now=T)
    [job] = await store.claim("w", lease=LEASE, now=T + 1)
    assert job.progress == ("funding", "bounty")
    assert await store.park(job.id, "w", error="x", progress=["funding", "bounty", "readme"], now=T + 2)
    parked = await store.get_job(job.id)
    assert parked is not None and parked.progress == ("funding", "bounty", "readme")


async def test_list_jobs_limit_and_counts(store: Store) -> None:
    assert await store.counts() == {PENDING: 0, RUNNING: 0, DONE: 0, FAILED: 0}
    for i in range(6):
        assert await store.enqueue("webhook", f"c-{i}", now=T)
    a, b, c = await store.claim("w", lease=LEASE, limit=3, now=T)
    assert await store.complete(a.id, "w", now=T)
    assert await store.park(b.id, "w", error="x", now=T)
    assert await store.counts() == {PENDING: 3, RUNNING: 1, DONE: 1, FAILED: 1}
    assert [j.key for j in await store.list_jobs(limit=2)] == ["c-5", "c-4"]
    assert [j.key for j in await store.list_jobs([DONE, FAILED])] == ["c-1", "c-0"]
    assert await store.list_jobs([]) == []


# -- scheduled tasks --------------------------------------------------------------------------------------


async def test_schedule_absent_inserts(store: Store) -> None:
    await store.schedule("deadline", "deadline:1:2", run_at=T + 60, payload=b"p1", installation_id=7, now=T)
    [job] = await store.list_jobs()
    assert (job.kind, job.key, job.status, job.run_at, job.payload) == (
        "deadline",
        "deadline:1:2",
        PENDING,
        T + 60,
        b"p1",
    )
    assert job.installation_id == 7 and job.attempts == 0 and job.event is None
    assert await store.claim("w", lease=LEASE, now=T + 59) == []
    assert len(await store.claim("w", lease=LEASE, now=T + 60)) == 1


async def test_schedule_pending_moves_it(store: Store) -> None:
    await store.schedule("deadline", "s", run_at=T + 60, payload=b"p1", now=T)
    await store.schedule("deadline", "s", run_at=T + 30, payload=b"p2", now=T + 1)
    [job] = await store.list_jobs()
    assert job.run_at == T + 30 and job.payload == b"p2" and job.status == PENDING and job.updated_at == T + 1
    await store.schedule("deadline", "s", run_at=T + 90, payload=b"p3", now=T + 2)
    assert await store.claim("w", lease=LEASE, now=T + 60) == []
    [job] = await store.claim("w", lease=LEASE, now=T + 90)
    assert job.payload == b"p3"


async def test_schedule_done_or_failed_resets(store: Store) -> None:
    await store.schedule("deadline", "s", run_at=T, now=T)
    [job] = await store.claim("w", lease=LEASE, now=T)
    assert await store.park(job.id, "w", error="x", progress=["h"], now=T)
    await store.schedule("deadline", "s", run_at=T + 10, payload=b"again", now=T + 1)
    job2 = await store.get_job(job.id)
    assert job2 is not None
    assert (job2.status, job2.attempts, job2.last_error, job2.run_at, job2.payload) == (
        PENDING,
        0,
        None,
        T + 10,
        b"again",
    )
    [job3] = await store.claim("w", lease=LEASE, now=T + 10)
    assert await store.complete(job3.id, "w", now=T + 11)
    await store.schedule("deadline", "s", run_at=T + 20, now=T + 12)
    job4 = await store.get_job(job.id)
    assert job4 is not None and job4.status == PENDING and job4.run_at == T + 20 and job4.attempts == 0


async def test_schedule_while_running_reruns_after_complete(store: Store) -> None:
    await store.schedule("deadline", "s", run_at=T, payload=b"old", now=T)
    [job] = await store.claim("w", lease=LEASE, now=T)
    await store.schedule("deadline", "s", run_at=T + 100, payload=b"new", now=T + 1)
    running = await store.get_job(job.id)
    assert running is not None and running.status == RUNNING and running.lease_owner == "w"
    # never twice at the same time: the running task is not claimable again
    assert await store.claim("w2", lease=LEASE, now=T + 100) == []
    assert await store.complete(job.id, "w", now=T + 2)
    after = await store.get_job(job.id)
    assert (
        after is not None and after.status == PENDING and after.run_at == T + 100 and after.payload == b"new"
    )
    assert after.attempts == 0 and after.lease_owner is None
    assert await store.claim("w", lease=LEASE, now=T + 99) == []
    [again] = await store.claim("w", lease=LEASE, now=T + 100)
    assert again.payload == b"new"
    assert await store.complete(again.id, "w", now=T + 101)
    final = await store.get_job(job.id)
    assert final is not None and final.status == DONE  # the flag was consumed by the first complete


async def test_schedule_while_running_then_retry_or_park(store: Store) -> None:
    await store.schedule("deadline", "s1", run_at=T, now=T)
    await store.schedule("deadline", "s2", run_at=T, now=T)
    j1, j2 = await store.claim("w", lease=LEASE, limit=2, now=T)
    await store.schedule("deadline", "s1", run_at=T + 100, now=T + 1)
    await store.schedule("deadline", "s2", run_at=T + 200, now=T + 1)
    assert await store.retry_later(j1.id, "w", run_at=T + 5, error="e", progress=["x"], now=T + 2)
    assert await store.park(j2.id, "w", error="e", now=T + 2)
    a, b = await store.get_job(j1.id), await store.get_job(j2.id)
    assert a is not None and b is not None
    assert (a.status, a.run_at, a.attempts, a.progress) == (PENDING, T + 100, 0, ())
    assert (b.status, b.run_at, b.attempts) == (PENDING, T + 200, 0)


async def test_schedule_while_running_then_lease_expires(store: Store) -> None:
    await store.schedule("deadline", "s", run_at=T, payload=b"old", now=T)
    [job] = await store.claim("crashed", lease=10, now=T)
    await store.schedule("deadline", "s", run_at=T + 100, payload=b"new", now=T + 1)
    assert await store.claim("w", lease=10, now=T + 50) == []  # lease expired, but not due yet
    [again] = await store.claim("w", lease=10, now=T + 100)
    assert again.id == job.id and again.payload == b"new" and again.attempts == 2
    assert await store.complete(job.id, "crashed", now=T + 101) is False
    assert await store.complete(again.id, "w", now=T + 101)
    final = await store.get_job(job.id)
    assert final is not None and final.status == DONE  # the reschedule was consumed by the takeover


async def test_unschedule(store: Store) -> None:
    await store.schedule("deadline", "s", run_at=T + 10, now=T)
    assert await store.unschedule("s") is True
    assert await store.unschedule("s") is False
    assert await store.list_jobs() == []
    assert await store.unschedule("never") is False
    # a running task is not deleted
    await store.schedule("deadline", "r", run_at=T, now=T)
    [job] = await store.claim("w", lease=LEASE, now=T)
    assert await store.unschedule("r") is False
    current = await store.get_job(job.id)
    assert current is not None and current.status == RUNNING
    # ... but a reschedule made while it runs can be cancelled
    await store.schedule("deadline", "r", run_at=T + 50, now=T + 1)
    assert await store.unschedule("r") is True
    assert await store.complete(job.id, "w", now=T + 2)
    final = await store.get_job(job.id)
    assert final is not None and final.status == DONE


async def test_next_run_at(store: Store) -> None:
    assert await store.next_run_at() is None
    await store.schedule("deadline", "late", run_at=T + 300, now=T)
    await store.schedule("deadline", "soon", run_at=T + 30, now=T)
    assert await store.next_run_at() == T + 30
    [job] = await store.claim("w", lease=LEASE, now=T + 30)
    assert job.key == "soon"
    assert await store.next_run_at() == T + 300  # running jobs do not count
    await store.unschedule("late")
    assert await store.next_run_at() is None


# -- housekeeping -----------------------------------------------------------------------------------------


async def test_prune(store: Store) -> None:
    for i in range(4):
        assert await store.enqueue("webhook", f"p-{i}", now=T)
    jobs = await store.claim("w", lease=LEASE, limit=4, now=T)
    assert await store.complete(jobs[0].id, "w", now=T + 10)
    assert await store.complete(jobs[1].id, "w", now=T + 20)
    assert await store.park(jobs[2].id, "w", error="x", now=T + 5)
    # jobs[3] stays running
    assert await store.prune(older_than=T + 15) == 1
    assert {j.key for j in await store.list_jobs()} == {"p-1", "p-2", "p-3"}
    assert await store.prune(older_than=T + 100) == 1
    assert {j.key for j in await store.list_jobs()} == {"p-2", "p-3"}  # failed and running are kept
    assert await store.prune(older_than=T + 100) == 0


async def test_drop_installation(store: Store) -> None:
    assert await store.enqueue("webhook", "i1-a", installation_id=1, now=T)
    assert await store.enqueue("webhook", "i1-b", installation_id=1, now=T)
    assert await store.enqueue("webhook", "i1-keep", installation_id=1, now=T)
    assert await store.enqueue("webhook", "i2-a", installation_id=2, now=T)
    [running] = await store.claim("w", lease=LEASE, now=T)  # i1-a
    await store.cache_set("campaign", "1/5", {"goal": 10}, installation_id=1, now=T)
    await store.cache_set("campaign", "2/5", {"goal": 20}, installation_id=2, now=T)
    await store.cache_set("global", "x", 1, now=T)

    assert await store.drop_installation(1, keep_keys=["i1-keep"]) == 2  # i1-b + one cache row
    assert {j.key for j in await store.list_jobs()} == {"i1-a", "i1-keep", "i2-a"}
    assert (await store.get_job(running.id)).status == RUNNING  # type: ignore[union-attr]
    assert await store.cache_get("campaign", "1/5", now=T) is None
    assert await store.cache_get("campaign", "2/5", now=T) == {"goal": 20}
    assert await store.cache_get("global", "x", now=T) == 1
    assert await store.drop_installation(1) == 1  # i1-keep now
    assert await store.drop_installation(99) == 0


# -- cache ------------------------------------------------------------------------------------------------


async def test_cache(store: Store) -> None:
    assert await store.cache_get("ns", "k", now=T) is None
    value = {"a": [1, 2.5, None, True], "ü": "snow ☃", "nested": {"x": "y"}}
    await store.cache_set("ns", "k", value, now=T)
    assert await store.cache_get("ns", "k", now=T + 10**6) == value  # no ttl: never expires
    assert await store.cache_get("other", "k", now=T) is None  # namespaces are separate
    await store.cache_set("ns", "k", [1, 2], ttl=10, now=T)  # upsert replaces value and ttl
    assert await store.cache_get("ns", "k", now=T + 9.9) == [1, 2]
    assert await store.cache_get("ns", "k", now=T + 10) is None  # expired
    await store.cache_set("ns", "k", "again", now=T + 20)
    assert await store.cache_get("ns", "k", now=T + 10**6) == "again"
    await store.cache_set("ns", "zero", 0, now=T)
    assert await store.cache_get("ns", "zero", now=T) == 0
    await store.cache_delete("ns", "k")
    assert await store.cache_get("ns", "k", now=T) is None
    await store.cache_delete("ns", "missing")  # no error
    with pytest.raises(TypeError):
        await store.cache_set("ns", "bad", object(), now=T)


async def test_prune_drops_expired_cache(store: Store) -> None:
    await store.cache_set("ns", "short", 1, ttl=5, now=T)
    await store.cache_set("ns", "long", 2, ttl=500, now=T)
    assert await store.prune(older_than=T + 100) == 0  # cache rows are not counted
    assert await store.cache_get("ns", "long", now=T + 100) == 2
    await store.cache_set("ns", "short", 3, now=T + 200)  # the pruned key can be set again
    assert await store.cache_get("ns", "short", now=T + 200) == 3


async def test_ping_and_migrate_idempotent(store: Store) -> None:
    await store.ping()
    await store.migrate()
    await store.migrate()
    assert await store.enqueue("webhook", "m", now=T)


# -- concurrency ------------------------------------------------------------------------------------------


async def test_concurrent_claimers_exactly_once_in_order(store: Store) -> None:
    """4 claimers (on two store instances: separate connections / pools) x 200 jobs over 20 ordering keys."""
    n_jobs, n_keys = 200, 20
    rng = random.Random(42)
    for i in range(n_jobs):
        assert await store.enqueue("webhook", f"j-{i}", ordering_key=f"issue:{rng.randrange(n_keys)}")
    jobs_by_key: dict[str, list[int]] = collections.defaultdict(list)
    for job in await store.list_jobs(limit=n_jobs):
        jobs_by_key[job.ordering_key].append(job.id)  # type: ignore[index]

    second = await _reopen(store)
    events: list[tuple[str, str, int]] = []  # (kind, ordering_key, id) in the order things happened
    claims: collections.Counter[int] = collections.Counter()
    done = 0

    async def claimer(name: str, s: Store) -> None:
        nonlocal done
        idle = 0
        while done < n_jobs and idle < 400:
            got = await s.claim(name, lease=60, limit=2)
            if not got:
                idle += 1
                await asyncio.sleep(0.002)
                continue
            idle = 0
            for job in got:
                claims[job.id] += 1
                events.append(("start", job.ordering_key, job.id))  # type: ignore[arg-type]
                await asyncio.sleep(rng.choice((0, 0.001, 0.002)))
                events.append(("end", job.ordering_key, job.id))  # type: ignore[arg-type]
                assert await s.complete(job.id, name)
                done += 1

    try:
        await asyncio.wait_for(
            asyncio.gather(*(claimer(f"w{i}", store if i % 2 == 0 else second) for i in range(4))), 60
        )
    finally:
        await second.close()

    assert done == n_jobs
    assert set(claims) == {j for ids in jobs_by_key.values() for j in ids}
    assert all(n == 1 for n in claims.values()), "a job was claimed twice"
    counts = await store.counts()
    assert counts[DONE] == n_jobs and counts[PENDING] == counts[RUNNING] == 0
    # per ordering key: start a, end a, start b, end b, ... with ids ascending - never overlapping
    for key, ids in jobs_by_key.items():
        seq = [(kind, jid) for kind, k, jid in events if k == key]
        expected = [(kind, jid) for jid in sorted(ids) for kind in ("start", "end")]
        assert seq == expected, f"ordering violated for {key}"


async def test_concurrent_enqueue_dedup(store: Store) -> None:
    keys = [f"e-{i}" for i in range(400)] + [f"e-{i}" for i in range(0, 400, 4)]  # 100 duplicates
    random.Random(7).shuffle(keys)
    assert len(keys) == 500
    results = await asyncio.gather(
        *(
            store.enqueue("webhook", k, payload=k.encode(), ordering_key=f"o{hash(k) % 7}", now=T)
            for k in keys
        )
    )
    trues: collections.Counter[str] = collections.Counter()
    falses: collections.Counter[str] = collections.Counter()
    for k, r in zip(keys, results, strict=True):
        (trues if r else falses)[k] += 1
    assert sum(trues.values()) == 400 and sum(falses.values()) == 100
    assert all(trues[k] == 1 for k in set(keys))  # exactly one True per key
    assert set(falses) == {f"e-{i}" for i in range(0, 400, 4)}
    assert (await store.counts())[PENDING] == 400
    jobs = await store.list_jobs(limit=1000)
    assert len(jobs) == 400 and all(j.payload == j.key.encode() for j in jobs)


async def test_concurrent_enqueue_bad_row_does_not_fail_others(store: Store) -> None:
    """In one group-commit batch, a row the database rejects fails alone."""
    good = [store.enqueue("webhook", f"g-{i}", ordering_key=f"o{i % 3}", now=T) for i in range(20)]
    bad = [
        store.enqueue("webhook", "bad-int", installation_id=2**70, now=T),  # does not fit 64 bits
        store.enqueue("webhook", "bad-\ud800", now=T),  # lone surrogate: cannot be encoded
    ]
    results = await asyncio.gather(*good[:10], *bad, *good[10:], return_exceptions=True)
    assert results[:10] + results[12:] == [True] * 20
    assert all(isinstance(r, Exception) for r in results[10:12]), results[10:12]
    assert (await store.counts())[PENDING] == 20
    if store.url.startswith("postgres"):  # a row refused by the server (not by the client library)
        results = await asyncio.gather(
            store.enqueue("webhook", "g-nul", event="nul\x00", now=T),
            *(store.enqueue("webhook", f"g2-{i}", now=T) for i in range(5)),
            return_exceptions=True,
        )
        assert isinstance(results[0], Exception) and results[1:] == [True] * 5
        assert (await store.counts())[PENDING] == 25


async def test_concurrent_migrate(store_url: str) -> None:
    stores = [open_store(store_url) for _ in range(4)]
    for s in stores:
        await s.connect()
    try:
        await asyncio.gather(*(s.migrate() for s in stores))
        await asyncio.gather(*(s.migrate() for s in stores))
        assert await stores[0].enqueue("webhook", "after-migrate", now=T)
        assert (await stores[3].counts())[PENDING] == 1
    finally:
        for s in stores:
            await s.close()


async def test_migrations_are_appended_and_recorded(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database migrated by an older release (fewer MIGRATIONS) is upgraded by the newer one."""
    from bot.store import postgres as pg_backend
    from bot.store import sqlite as sqlite_backend

    module = sqlite_backend if store_url.startswith("sqlite") else pg_backend
    full = list(module.MIGRATIONS)
    assert [v for v, _ in full] == list(range(1, len(full) + 1))
    monkeypatch.setattr(module, "MIGRATIONS", full[:1])
    old = open_store(store_url)
    await old.connect()
    try:
        await old.migrate()
        assert await old.enqueue("webhook", "from-v1", now=T)
    finally:
        await old.close()
    monkeypatch.setattr(module, "MIGRATIONS", full)
    new = open_store(store_url)
    await new.connect()
    try:
        await new.migrate()
        await new.migrate()
        if store_url.startswith("sqlite"):
            conn = sqlite3.connect(new.path)  # type: ignore[attr-defined]
            versions = [v for (v,) in conn.execute("SELECT version FROM schema_version ORDER BY version")]
            conn.close()
        else:
            versions = [
                r[0] for r in await new.pool.fetch("SELECT version FROM schema_version ORDER BY version")
            ]  # type: ignore[attr-defined]
        assert versions == [v for v, _ in full]
        assert [j.key for j in await new.claim("w", lease=LEASE, now=T)] == ["from-v1"]
    finally:
        await new.close()


# -- open_store -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (None, "fundbot.db"),
        ("", "fundbot.db"),
        ("sqlite:///relative.db", "relative.db"),
        ("sqlite:///sub/dir/x.db", "sub/dir/x.db"),
        ("sqlite:////abs/path.db", "/abs/path.db"),
        ("sqlite://:memory:", ":memory:"),
        ("sqlite://", ":memory:"),
        ("some/file.db", "some/file.db"),
        ("/abs/file.db", "/abs/file.db"),
        ("sqlite:///x.db?synchronous=normal", "x.db"),
    ],
)
def test_open_store_sqlite_urls(url: str | None, path: str) -> None:
    from bot.store.sqlite import SQLiteStore

    s = open_store(url)
    assert isinstance(s, SQLiteStore) and s.path == path
    assert s.synchronous == ("NORMAL" if url and "normal" in url else "FULL")


@pytest.mark.parametrize(
    ("url", "schema", "dsn"),
    [
        ("postgres://u@h/db", None, "postgres://u@h/db"),
        ("postgresql://u:pw@h:5433/db?schema=s_1", "s_1", "postgresql://u:pw@h:5433/db"),
        ("postgresql://u@h/db?sslmode=require&schema=abc", "abc", "postgresql://u@h/db?sslmode=require"),
    ],
)
def test_open_store_postgres_urls(url: str, schema: str | None, dsn: str) -> None:
    from bot.store.postgres import PostgresStore

    s = open_store(url)
    assert isinstance(s, PostgresStore)
    assert s.schema == schema and s.dsn == dsn and s.url == url


@pytest.mark.parametrize(
    "url",
    [
        "mysql://u@h/db",
        "http://example.com/x",
        "sqlite://relative.db",
        "sqlite:///x.db?synchronous=off",
        "sqlite:///x.db?journal=delete",
        "postgresql://u@h/db?schema=bad-name",
        'postgresql://u@h/db?schema=x";drop',
    ],
)
def test_open_store_rejects(url: str) -> None:
    with pytest.raises(ValueError):
        open_store(url)


async def test_memory_store_works() -> None:
    s = open_store("sqlite://:memory:")
    await s.connect()
    try:
        await s.migrate()
        assert await s.enqueue("webhook", "m", now=T)
        assert await s.enqueue("webhook", "m", now=T) is False
        [job] = await s.claim("w", lease=LEASE, now=T)
        assert await s.complete(job.id, "w", now=T)
        assert (await s.counts())[DONE] == 1
        assert await s.get_job(job.id) is not None
    finally:
        await s.close()


@pytest.mark.slow
async def test_claimers_in_separate_processes(store: Store) -> None:
    """Two OS processes (think ``serve`` + ``worker``) claim from one database: each job runs once, and per
    ordering key the next job is claimed only after the previous one completed."""
    n_jobs = 120
    for i in range(n_jobs):
        assert await store.enqueue("webhook", f"x-{i}", ordering_key=f"issue:{i % 6}")
    code = textwrap.dedent(
        f"""
        import asyncio, json, sys, time
        from bot.store import open_store

        async def main():
            s = open_store({store.url!r})
            await s.connect()
            print("ready", flush=True)
            sys.stdin.readline()  # start together
            log, idle = [], 0
            while idle < 50:
                jobs = await s.claim(sys.argv[1], lease=60)
                if not jobs:
                    idle += 1
                    await asyncio.sleep(0.005)
                    continue
                idle = 0
                for job in jobs:
                    start = time.monotonic()
                    await asyncio.sleep(0.002)
                    end = time.monotonic()
                    assert await s.complete(job.id, sys.argv[1])
                    log.append([job.id, job.ordering_key, start, end])
            await s.close()
            print(json.dumps(log))

        asyncio.run(main())
        """
    )
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            code,
            f"proc{i}",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=os.getcwd(),
        )
        for i in range(2)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert await asyncio.wait_for(proc.stdout.readline(), 30) == b"ready\n"
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate(b"go\n") for p in procs)), 60)
    logs = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
        logs.append(json.loads(out))
    assert all(logs), "both processes should have processed jobs"
    entries = [e for log in logs for e in log]
    ids = [e[0] for e in entries]
    assert len(ids) == len(set(ids)) == n_jobs
    by_key: dict[str, list[list]] = collections.defaultdict(list)
    for e in entries:
        by_key[e[1]].append(e)
    for key, items in by_key.items():
        items.sort(key=lambda e: e[0])
        for prev, nxt in zip(items, items[1:], strict=False):
            assert prev[3] <= nxt[2], f"{key}: job {nxt[0]} started before job {prev[0]} ended"
    assert (await store.counts())[DONE] == n_jobs


async def test_postgres_same_key_enqueues_commit_in_id_order(store: Store) -> None:
    """Ids come from a sequence, so without care a later job of an issue could commit (and be claimed)
    before an earlier one that is still uncommitted. Enqueues sharing an ordering key are serialised."""
    if not store.url.startswith("postgres"):
        pytest.skip("PostgreSQL only (SQLite has a single writer)")
    import asyncpg

    from bot.store.postgres import _ENQUEUE_SQL

    settings = {"search_path": store.schema} if store.schema else None  # type: ignore[attr-defined]
    conn = await asyncpg.connect(store.dsn, server_settings=settings)  # type: ignore[attr-defined]
    try:
        tr = conn.transaction()
        await tr.start()
        assert await conn.fetchval(_ENQUEUE_SQL, "webhook", "first", None, b"", None, "issue:9", T, T, store.channel)  # type: ignore[attr-defined]
        second = asyncio.create_task(store.enqueue("webhook", "second", ordering_key="issue:9", now=T))
        await asyncio.sleep(0.1)  # "second" waits for the lock of issue:9 ...
        # ... which must not hold up enqueues of other keys (group commit runs several batches at once)
        assert await asyncio.wait_for(store.enqueue("webhook", "other", ordering_key="issue:10", now=T), 5)
        await asyncio.sleep(0.3)
        assert not second.done()
        assert [j.key for j in await store.claim("w", lease=LEASE, limit=10, now=T)] == ["other"]
        await tr.commit()
        assert await asyncio.wait_for(second, 10) is True
    finally:
        await conn.close()
    jobs = {j.key: j for j in await store.list_jobs()}
    assert jobs["first"].id < jobs["second"].id
    assert [j.key for j in await store.claim("w", lease=LEASE, limit=10, now=T)] == ["first"]


# -- model-based: random operation sequences, both backends against one reference model ---------------------


class _Model:
    """A direct transcription of base.py's rules, to compare both backends against."""

    def __init__(self) -> None:
        self.jobs: dict[str, dict] = {}
        self.seq = 0

    def _insert(
        self, kind: str, key: str, payload: bytes, okey: str | None, run_at: float, now: float
    ) -> None:
        self.seq += 1
        self.jobs[key] = dict(
            seq=self.seq, kind=kind, payload=payload, ordering_key=okey, status=PENDING, attempts=0,
            run_at=run_at, lease_owner=None, lease_expires=None, last_error=None, progress=(),
            rescheduled=False, updated_at=now,
        )  # fmt: skip

    def enqueue(self, key: str, okey: str | None, run_at: float, now: float) -> bool:
        if key in self.jobs:
            return False
        self._insert("webhook", key, b"e:" + key.encode(), okey, run_at, now)
        return True

    def schedule(self, key: str, okey: str | None, run_at: float, payload: bytes, now: float) -> None:
        j = self.jobs.get(key)
        if j is None:
            self._insert("task", key, payload, okey, run_at, now)
            return
        j.update(kind="task", payload=payload, run_at=run_at, ordering_key=okey, updated_at=now)
        if j["status"] == RUNNING:
            j["rescheduled"] = True
        else:
            j.update(status=PENDING, attempts=0, last_error=None, progress=(), lease_owner=None,
                     lease_expires=None, rescheduled=False)  # fmt: skip

    def unschedule(self, key: str) -> bool:
        j = self.jobs.get(key)
        if j is None:
            return False
        if j["status"] == PENDING:
            del self.jobs[key]
            return True
        if j["status"] == RUNNING and j["rescheduled"]:
            j["rescheduled"] = False
            return True
        return False

    def claim(self, owner: str, lease: float, limit: int, now: float) -> list[str]:
        by_seq = sorted(self.jobs.items(), key=lambda kv: kv[1]["seq"])
        chosen = []
        for key, j in by_seq:
            due = j["run_at"] <= now and (
                j["status"] == PENDING or (j["status"] == RUNNING and j["lease_expires"] <= now)
            )
            blocked = j["ordering_key"] is not None and any(
                e is not j
                and e["ordering_key"] == j["ordering_key"]
                and (
                    (e["status"] == RUNNING and e["lease_expires"] > now)
                    or (e["seq"] < j["seq"] and e["status"] == RUNNING)
                    or (e["seq"] < j["seq"] and e["status"] == PENDING and (e["kind"] == "webhook" or e["run_at"] <= now))
                )
                for e in self.jobs.values()
            )
            if due and not blocked:
                chosen.append(key)
        chosen = chosen[:limit]
        for key in chosen:
            self.jobs[key].update(status=RUNNING, lease_owner=owner, lease_expires=now + lease,
                                  attempts=self.jobs[key]["attempts"] + 1, rescheduled=False, updated_at=now)  # fmt: skip
        return chosen

    def _holds(self, key: str, owner: str) -> dict | None:
        j = self.jobs.get(key)
        return j if j and j["status"] == RUNNING and j["lease_owner"] == owner else None

    def finish(
        self, op: str, key: str, owner: str, now: float, run_at: float, progress: tuple[str, ...]
    ) -> bool:
        j = self._holds(key, owner)
        if j is None:
            return False
        fresh = j["rescheduled"]
        if op == "extend":
            j.update(lease_expires=now + run_at, updated_at=now)
            return True
        if op == "complete":
            j.update(status=PENDING if fresh else DONE)
            if fresh:
                j.update(attempts=0, last_error=None, progress=())
            else:
                j.update(payload=b"")  # a done job keeps its key, not its payload
        else:
            j.update(status=PENDING if op == "retry" or fresh else FAILED, last_error=f"{op} error")
            if fresh:
                j.update(attempts=0, progress=())
            else:
                j.update(progress=progress)
                if op == "retry":
                    j["run_at"] = run_at
        j.update(lease_owner=None, lease_expires=None, rescheduled=False, updated_at=now)
        return True

    def requeue(self, key: str, now: float) -> bool:
        j = self.jobs.get(key)
        if j is None or j["status"] != FAILED:
            return False
        j.update(status=PENDING, run_at=now, attempts=0, lease_owner=None, lease_expires=None, updated_at=now)
        return True


_KEYS = ["k0", "k1", "k2"]
_OKEYS = [None, "issue:1", "issue:2"]
_OWNERS = ["w1", "w2"]

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    _delay = st.sampled_from([0, 0, 0, 3, 10])

    def _finish(name: str) -> st.SearchStrategy[tuple]:
        owners = st.sampled_from([*_OWNERS, "current", "current"])  # "current": the model's lease owner
        return st.tuples(st.just(name), st.sampled_from(_KEYS), owners, _delay)

    _claim = st.tuples(
        st.just("claim"), st.sampled_from(_OWNERS), st.integers(1, 3), st.sampled_from([5, 30])
    )
    _op = st.one_of(  # one_of picks a branch uniformly: repeated branches weigh more
        st.tuples(st.just("enqueue"), st.sampled_from(_KEYS), st.sampled_from(_OKEYS), _delay),
        st.tuples(st.just("schedule"), st.sampled_from(_KEYS), st.sampled_from(_OKEYS), _delay),
        st.tuples(st.just("schedule"), st.sampled_from(_KEYS), st.sampled_from(_OKEYS), _delay),
        st.tuples(st.just("unschedule"), st.sampled_from(_KEYS)),
        _claim,
        _claim,
        _finish("complete"),
        _finish("complete"),
        _finish("retry"),
        _finish("park"),
        _finish("extend"),
        st.tuples(st.just("requeue"), st.sampled_from(_KEYS)),
        st.tuples(st.just("tick"), st.sampled_from([1, 4, 12])),
    )
    _HAVE_HYPOTHESIS = True
except ImportError:  # pragma: no cover
    _HAVE_HYPOTHESIS = False


def _example_url(base_url: str, n: int) -> str:
    if base_url.startswith("sqlite"):
        return base_url.replace(".db", f"-{n}.db")
    from tests.fixtures.store_fixtures import with_query

    schema = dict(p.split("=", 1) for p in base_url.split("?", 1)[1].split("&"))["schema"]
    return with_query(base_url, schema=f"{schema}_{n}")


_example_counter = iter(range(10**9))


async def _run_model_example(base_url: str, ops: list[tuple]) -> None:
    """One example on an empty store: on SQLite a new file; on PostgreSQL the test's schema, migrated once and
    emptied (TRUNCATE ... RESTART IDENTITY) before each example - a schema per example spent ~150 ms of DDL
    each, most of the suite's PostgreSQL time."""
    postgres = base_url.startswith("postgres")
    url = base_url if postgres else _example_url(base_url, next(_example_counter))
    store = open_store(url)
    await store.connect()
    try:
        await store.migrate()
        if postgres:
            async with store.pool.acquire() as conn:
                await conn.execute("TRUNCATE jobs, kv_cache, pacing RESTART IDENTITY")
        model, now = _Model(), T
        for op in ops:
            name = op[0]
            if name == "enqueue":
                _, key, okey, delay = op
                got = await store.enqueue(
                    "webhook",
                    key,
                    payload=b"e:" + key.encode(),
                    ordering_key=okey,
                    run_at=now + delay,
                    now=now,
                )
                assert got == model.enqueue(key, okey, now + delay, now), op
            elif name == "schedule":
                _, key, okey, delay = op
                payload = f"s:{key}:{now}".encode()
                await store.schedule(
                    "task", key, run_at=now + delay, payload=payload, ordering_key=okey, now=now
                )
                model.schedule(key, okey, now + delay, payload, now)
            elif name == "unschedule":
                assert await store.unschedule(op[1]) == model.unschedule(op[1]), op
            elif name == "claim":
                _, owner, limit, lease = op
                got = [j.key for j in await store.claim(owner, lease=lease, limit=limit, now=now)]
                assert got == model.claim(owner, lease, limit, now), op
            elif name in ("complete", "retry", "park", "extend"):
                _, key, owner, delay = op
                if owner == "current":
                    owner = (model.jobs.get(key) or {}).get("lease_owner") or "w1"
                job = next((j for j in await store.list_jobs(limit=100) if j.key == key), None)
                expected = model.finish(
                    name, key, owner, now, now + delay if name == "retry" else delay, ("h",)
                )
                if job is None:
                    assert not expected
                    continue
                if name == "complete":
                    got = await store.complete(job.id, owner, now=now)
                elif name == "retry":
                    got = await store.retry_later(
                        job.id, owner, run_at=now + delay, error="retry error", progress=["h"], now=now
                    )
                elif name == "park":
                    got = await store.park(job.id, owner, error="park error", progress=["h"], now=now)
                else:
                    got = await store.extend_lease(job.id, owner, lease=delay, now=now)
                assert got == expected, op
            elif name == "requeue":
                job = next((j for j in await store.list_jobs(limit=100) if j.key == op[1]), None)
                expected = model.requeue(op[1], now)
                assert (await store.requeue(job.id, now=now) if job else False) == expected, op
            elif name == "tick":
                now += op[1]
        # final state: same jobs, same order, same fields
        jobs = sorted(await store.list_jobs(limit=100), key=lambda j: j.id)
        assert [j.key for j in jobs] == sorted(model.jobs, key=lambda k: model.jobs[k]["seq"])
        for j in jobs:
            m = model.jobs[j.key]
            actual = {f: getattr(j, f) for f in m if f not in ("seq", "rescheduled")}
            assert actual == {f: v for f, v in m.items() if f not in ("seq", "rescheduled")}, j.key
        counts = collections.Counter(m["status"] for m in model.jobs.values())
        assert await store.counts() == {s: counts.get(s, 0) for s in STATUSES}
        pending = [m["run_at"] for m in model.jobs.values() if m["status"] == PENDING]
        assert await store.next_run_at() == (min(pending) if pending else None)
    finally:
        await store.close()


@pytest.mark.skipif(not _HAVE_HYPOTHESIS, reason="hypothesis not installed")
async def test_model_based_random_operations(store_url: str) -> None:
    @settings(
        max_examples=80,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(ops=st.lists(_op, min_size=15, max_size=50))
    def check(ops: list[tuple]) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(_run_model_example(store_url, ops))
        finally:
            loop.close()

    # hypothesis drives a synchronous function; run it off the test's event loop
    await asyncio.to_thread(check)



async def test_a_future_task_does_not_hold_back_its_lane_until_due(store: Store) -> None:
    await store.schedule("campaign.tick", "tick:1#2", run_at=T + 1000, ordering_key="1#2", now=T)
    assert await store.enqueue("webhook", "w1", ordering_key="1#2", now=T)
    [w1] = await store.claim("a", lease=LEASE, now=T + 1)
    assert w1.key == "w1"  # the task is not due: it does not block
    # once due, the task waits for the running webhook of its lane, although its id is smaller
    assert await store.claim("b", lease=LEASE, now=T + 1000) == []
    assert await store.complete(w1.id, "a", now=T + 1000)
    [tick] = await store.claim("b", lease=LEASE, now=T + 1000)
    assert tick.key == "tick:1#2"
    # and while it runs, a new webhook of the lane waits
    assert await store.enqueue("webhook", "w2", ordering_key="1#2", now=T + 1000)
    assert await store.claim("c", lease=LEASE, now=T + 1001) == []
    assert await store.complete(tick.id, "b", now=T + 1001)
    assert [j.key for j in await store.claim("c", lease=LEASE, now=T + 1001)] == ["w2"]


async def test_a_webhook_in_retry_backoff_still_holds_back_its_lane(store: Store) -> None:
    assert await store.enqueue("webhook", "first", ordering_key="1#3", now=T)
    assert await store.enqueue("webhook", "second", ordering_key="1#3", now=T)
    [first] = await store.claim("a", lease=LEASE, now=T)
    assert await store.retry_later(first.id, "a", run_at=T + 500, error="503", now=T)
    assert await store.claim("a", lease=LEASE, now=T + 1) == []  # "second" waits for "first"
    assert [j.key for j in await store.claim("a", lease=LEASE, now=T + 500)] == ["first"]



async def test_a_done_job_keeps_its_key_but_not_its_payload(store: Store) -> None:
    assert await store.enqueue("webhook", "big", payload=b"x" * 10_000, now=T)
    [job] = await store.claim("w", lease=LEASE, now=T)
    assert await store.complete(job.id, "w", now=T)
    done = await store.get_job(job.id)
    assert done is not None and done.status == DONE and done.payload == b""
    assert not await store.enqueue("webhook", "big", payload=b"x", now=T)  # still recognised as a duplicate


async def test_get_job_by_key(store: Store) -> None:
    assert await store.get_job_by_key("guid-1") is None
    assert await store.enqueue("webhook", "guid-1", payload=b"{}", event="issues", now=T)
    job = await store.get_job_by_key("guid-1")
    assert job is not None and job.key == "guid-1" and job.event == "issues"
