"""The store contract: a durable job inbox plus a small key/value cache.

Everything the bot keeps outside GitHub goes through this interface, and two backends implement it:
SQLite (``bot.store.sqlite``, the embedded default) and PostgreSQL (``bot.store.postgres``, for several
processes or machines). One contract test suite (``tests/store/test_store_contract.py``) runs against both.

Jobs
----
A *job* is either a webhook delivery (``kind="webhook"``, ``key`` = the ``X-GitHub-Delivery`` GUID,
``payload`` = the raw request body) or a scheduled task (any other ``kind``, ``key`` chosen by the caller,
e.g. ``"deadline:123:45"``). ``key`` is unique across the table: enqueueing an existing key stores nothing
(that is how a delivery received twice is processed once).

Life of a job::

    pending --claim--> running --complete--> done
       ^                  |  \\--park------> failed --requeue--> pending
       |                  |
       +---retry_later----+          (a running job whose lease expired is claimable again, once due)

* ``claim`` takes due jobs (``run_at <= now``), oldest ``id`` first, sets ``status=running``, the lease
  owner and ``lease_expires = now + lease``, and increments ``attempts``.
* Ordering: among jobs sharing an ``ordering_key`` (e.g. one issue) at most one runs at a time, in id
  order. A job is claimable only when no other job with its key is running with a live lease, and no job
  with a smaller ``id`` and the same key is running (lease expired: it is re-claimed first) or pending -
  where a pending *webhook* always counts (also while it waits out a retry backoff, so later events of
  the issue wait for it), but a pending *task* (``kind != "webhook"``) counts only once it is due, so a
  task scheduled for next month does not hold back today's webhooks. Parked (``failed``) and ``done``
  jobs do not block. A job without an ordering key is never blocked.
* ``complete``/``retry_later``/``park``/``extend_lease`` only act when ``owner`` still holds the lease
  (``lease_owner == owner`` and ``status == running``); they return False otherwise (the lease expired
  and someone else took the job - the caller must drop its result).
* Wake-ups: ``listen(wake)`` lets a worker hear about jobs stored by other processes (PostgreSQL:
  LISTEN/NOTIFY, see ``bot.store.pg_listen``); while ``listening`` it may poll slowly and sleep until
  ``next_wake``. SQLite has no such channel (``listen`` returns False): its workers poll.
* ``progress`` is a list of handler names that already succeeded for this job; it is saved by
  ``retry_later``/``park`` so a retry re-runs only the handlers that failed.

Pacing
------
``pace`` takes one slot of an installation's budget for content-creating GitHub requests (the rolling-window
arithmetic of ``bot.core.pacing``), in one short transaction, so every process of every machine draws on the
same budget: it returns ``(True, at)`` - send at ``at``, possibly a little in the future, already reserved -
or ``(False, at)`` when ``at`` is more than ``max_wait`` seconds away (nothing reserved). ``pace_block``
pushes the installation's next allowed time (GitHub answered with ``retry-after``).
"""

from __future__ import annotations

import abc
import asyncio
import dataclasses
import json
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from bot.core import pacing

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
STATUSES = (PENDING, RUNNING, DONE, FAILED)


@dataclasses.dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    key: str
    event: str | None
    payload: bytes
    installation_id: int | None
    ordering_key: str | None
    status: str
    attempts: int
    run_at: float
    lease_owner: str | None
    lease_expires: float | None
    last_error: str | None
    progress: tuple[str, ...]
    created_at: float
    updated_at: float


#: An enqueue waiting for its group commit: the row (kind, key, event, payload, installation_id,
#: ordering_key, run_at, now) and the future resolved after the COMMIT.
Pending = tuple[tuple[Any, ...], "asyncio.Future[bool]"]


class Store(abc.ABC):
    """Abstract store. All times are epoch seconds (float); ``now=None`` means ``time.time()``.

    ``enqueue`` is implemented here for both backends (group commit): it queues the row and wakes the
    backend's writer task, which inserts every queued row in one transaction (``_queue``, ``_wakeup``,
    ``_writer_task`` and ``_closing`` are set up by the backend; ``_connected`` says whether it is open)."""

    url: str
    _queue: list[Pending]
    _wakeup: asyncio.Event
    _writer_task: asyncio.Task[None] | None
    _closing: bool

    @abc.abstractmethod
    def _connected(self) -> bool:
        """Whether ``connect`` ran (and ``close`` did not)."""

    # -- lifecycle -------------------------------------------------------------------------------
    @abc.abstractmethod
    async def connect(self) -> None:
        """Open connections. Does not create tables (see ``migrate``)."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def migrate(self) -> None:
        """Create or upgrade the schema. Idempotent and safe to run concurrently from many processes."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""

    # -- jobs ------------------------------------------------------------------------------------
    async def enqueue(
        self,
        kind: str,
        key: str,
        *,
        payload: bytes = b"",
        event: str | None = None,
        installation_id: int | None = None,
        ordering_key: str | None = None,
        run_at: float | None = None,
        now: float | None = None,
    ) -> bool:
        """Durably store a new pending job. True if stored, False if ``key`` already exists.

        When this returns, the job is committed (it survives a SIGKILL of the process)."""
        payload = check_enqueue_args(kind, key, payload)
        if not self._connected() or self._closing or self._writer_task is None or self._writer_task.done():
            raise RuntimeError(f"{type(self).__name__} is not connected")
        now = now_or(now)
        run_at = now if run_at is None else run_at
        row = (kind, key, event, payload, installation_id, ordering_key, float(run_at), float(now))
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((row, fut))
        self._wakeup.set()
        # A caller that gives up (cancelled) cancels only its own future; its row is still inserted,
        # which is harmless (keys are idempotent).
        return await fut

    async def schedule(
        self,
        kind: str,
        key: str,
        *,
        run_at: float,
        payload: bytes = b"",
        installation_id: int | None = None,
        ordering_key: str | None = None,
        now: float | None = None,
    ) -> None:
        """Upsert a scheduled task.

        * ``key`` absent: insert a pending job.
        * present and not running (pending, done or failed): set it pending with the new ``run_at`` and
          ``payload``, ``attempts=0``, ``last_error=None``.
        * present and running: store the new ``run_at``/``payload`` and remember that it was rescheduled;
          when its runner calls ``complete``, it becomes pending (due at the new ``run_at``) instead of
          done. A task is never run twice at the same time.

        Both "pending again" cases start a fresh task: ``attempts=0``, ``last_error=None``, empty
        ``progress``. A rescheduled running task also becomes such a fresh pending task (at the new
        ``run_at``) when its runner calls ``retry_later`` or ``park`` instead. If its lease expires, whoever
        claims it (once the new ``run_at`` is due) runs the new payload and the reschedule is consumed."""
        payload = check_enqueue_args(kind, key, payload)
        await self._schedule(
            {
                "kind": kind,
                "key": key,
                "payload": payload,
                "installation_id": installation_id,
                "ordering_key": ordering_key,
                "run_at": float(run_at),
                "now": float(now_or(now)),
            }
        )

    @abc.abstractmethod
    async def _schedule(self, params: dict[str, Any]) -> None:
        """The upsert of ``schedule`` (arguments checked)."""

    @abc.abstractmethod
    async def unschedule(self, key: str) -> bool:
        """Delete a pending task by key. True if something was deleted.

        A running task is not touched, except that a reschedule made while it runs is cancelled (True):
        it then ends as ``done`` on ``complete``."""

    @abc.abstractmethod
    async def claim(self, owner: str, *, lease: float, limit: int = 1, now: float | None = None) -> list[Job]: ...

    @abc.abstractmethod
    async def extend_lease(self, job_id: int, owner: str, *, lease: float, now: float | None = None) -> bool: ...

    async def complete(self, job_id: int, owner: str, *, now: float | None = None) -> bool:
        """Done (or pending again if rescheduled while running). A done job keeps its key (so a redelivery
        is still recognised) but not its payload: the inbox does not grow with processed deliveries."""
        return await self._release("complete", {"id": job_id, "owner": owner, "now": float(now_or(now))})

    async def retry_later(
        self,
        job_id: int,
        owner: str,
        *,
        run_at: float,
        error: str,
        progress: Sequence[str] = (),
        now: float | None = None,
    ) -> bool:
        params = {"id": job_id, "owner": owner, "run_at": float(run_at), "error": error}
        return await self._release("retry", {**params, "progress": json.dumps(list(progress)), "now": float(now_or(now))})

    async def park(
        self, job_id: int, owner: str, *, error: str, progress: Sequence[str] = (), now: float | None = None
    ) -> bool:
        params = {"id": job_id, "owner": owner, "error": error, "progress": json.dumps(list(progress))}
        return await self._release("park", {**params, "now": float(now_or(now))})

    @abc.abstractmethod
    async def _release(self, how: str, params: dict[str, Any]) -> bool:
        """Run :data:`COMPLETE_SQL` (``how="complete"``), :data:`RETRY_SQL` or :data:`PARK_SQL` with these
        named parameters; True if ``owner`` still held the lease."""

    @abc.abstractmethod
    async def requeue(self, job_id: int, *, now: float | None = None) -> bool:
        """A parked (failed) job back to pending, due now, attempts reset to 0. False if not failed."""

    @abc.abstractmethod
    async def get_job(self, job_id: int) -> Job | None: ...

    @abc.abstractmethod
    async def get_job_by_key(self, key: str) -> Job | None:
        """The job stored under ``key`` (a delivery GUID or a task key), or None."""

    async def queued_behind(self, key: str) -> bool:
        """Whether a webhook delivery of the same ordering key is pending behind the job stored under ``key``
        (it runs after it: a burst on one issue). This default knows nothing (False)."""
        return False

    @abc.abstractmethod
    async def list_jobs(self, statuses: Sequence[str] | None = None, *, limit: int = 100) -> list[Job]:
        """Jobs with these statuses (all when None), newest first."""

    @abc.abstractmethod
    async def counts(self) -> dict[str, int]:
        """Number of jobs per status; every status in STATUSES is present (0 if none)."""

    @abc.abstractmethod
    async def next_run_at(self) -> float | None:
        """Earliest run_at among pending jobs (None when there are none): lets workers sleep precisely."""

    async def next_wake(self, *, now: float | None = None) -> float | None:
        """The earliest time after ``now`` at which a job may become claimable without anyone writing: a
        pending job's ``run_at`` or a running job's lease expiry (None: nothing until a write). Workers that
        receive wake-ups (``listening``) sleep until then at most. This default knows only ``run_at``."""
        now = now_or(now)
        earliest = await self.next_run_at()
        return earliest if earliest is not None and earliest > now else None

    # -- wake-ups from other processes (optional) ---------------------------------------------------
    def listen(self, wake: Callable[[float | None], None]) -> bool:
        """Call ``wake(run_at)`` when any process stores a claimable job: ``run_at`` None for one due now
        (also: "look now, something may have been missed"), else the time it becomes due. Calls come from
        the event loop. False when the backend has no such channel (SQLite): workers then poll."""
        return False

    def unlisten(self, wake: Callable[[float | None], None]) -> None:
        """Stop calling ``wake`` (no-op if it was not listening)."""
        return None

    @property
    def listening(self) -> bool:
        """True while wake-ups from other processes are being delivered: workers may poll slowly."""
        return False

    @abc.abstractmethod
    async def prune(self, *, older_than: float) -> int:
        """Delete done jobs whose updated_at < older_than. Returns how many.

        Also deletes cache rows that expired before ``older_than`` (not counted)."""

    @abc.abstractmethod
    async def drop_installation(self, installation_id: int, *, keep_keys: Sequence[str] = ()) -> int:
        """Delete pending jobs and cache rows of an installation (not running ones, not ``keep_keys``).

        Returns the number of jobs plus cache rows deleted."""

    # -- cache (rebuildable state: campaign snapshots, last valid config, checkpoints) --------------
    @abc.abstractmethod
    async def cache_get(self, namespace: str, key: str, *, now: float | None = None) -> Any | None:
        """The JSON value stored under (namespace, key), or None (also when expired)."""

    async def cache_set(
        self,
        namespace: str,
        key: str,
        value: Any,
        *,
        ttl: float | None = None,
        installation_id: int | None = None,
        now: float | None = None,
    ) -> None:
        """Store a JSON-serialisable value (upsert)."""
        now = float(now_or(now))
        expires = None if ttl is None else now + ttl
        await self._cache_put((namespace, key, json.dumps(value), expires, installation_id, now))

    @abc.abstractmethod
    async def _cache_put(self, row: tuple[Any, ...]) -> None:
        """Upsert (namespace, key, value JSON, expires_at, installation_id, updated_at) into :data:`CACHE_SQL`."""

    @abc.abstractmethod
    async def cache_delete(self, namespace: str, key: str) -> None: ...

    # -- pacing (see the module docstring) ----------------------------------------------------------
    @abc.abstractmethod
    async def pace(self, installation_id: int, budget: pacing.Budget, *, max_wait: float = math.inf,
                   now: float | None = None) -> tuple[bool, float]:
        """Reserve the installation's next send slot if it comes within ``max_wait``: ``(granted, at)``."""

    @abc.abstractmethod
    async def pace_block(self, installation_id: int, until: float, *, now: float | None = None) -> None:
        """No content-creating request of this installation before ``until`` (a later block wins)."""


def now_or(now: float | None) -> float:
    return time.time() if now is None else now


# -------------------------------------------------------------------------- shared by both backends

JOB_COLUMNS = (
    "id, kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at, "
    "lease_owner, lease_expires, last_error, progress, created_at, updated_at"
)


def job_from_row(row: Sequence[Any]) -> Job:
    """A :class:`Job` from a row of :data:`JOB_COLUMNS` (an sqlite3 tuple or an asyncpg Record)."""
    return Job(
        id=row[0],
        kind=row[1],
        key=row[2],
        event=row[3],
        payload=bytes(row[4]) if row[4] is not None else b"",
        installation_id=row[5],
        ordering_key=row[6],
        status=row[7],
        attempts=row[8],
        run_at=row[9],
        lease_owner=row[10],
        lease_expires=row[11],
        last_error=row[12],
        progress=tuple(json.loads(row[13] or "[]")),
        created_at=row[14],
        updated_at=row[15],
    )


def check_enqueue_args(kind: str, key: str, payload: Any) -> bytes:
    if not isinstance(kind, str) or not kind:
        raise TypeError("kind must be a non-empty str")
    if not isinstance(key, str) or not key:
        raise TypeError("key must be a non-empty str")
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(f"payload must be bytes, not {type(payload).__name__}")
    return bytes(payload)


def resolve(batch: list[Pending], results: Sequence[bool | BaseException]) -> None:
    """Answer each waiting enqueue of a committed batch (True, False or its row's own exception)."""
    for (_, fut), result in zip(batch, results, strict=True):
        if fut.done():
            continue
        if isinstance(result, BaseException):
            fut.set_exception(result)
        else:
            fut.set_result(result)


def fail(batch: list[Pending], exc: BaseException, closed: str) -> None:
    """A batch failed as a whole (nothing committed): every waiting enqueue gets ``exc`` (or, when it is
    not an Exception - a cancellation - a RuntimeError ``closed``)."""
    for _, fut in batch:
        if not fut.done():
            fut.set_exception(exc if isinstance(exc, Exception) else RuntimeError(closed))


# The statements of the job life cycle, in both SQL dialects: ``{name}`` fields are the backend's
# placeholders (``:now`` / ``$3``), ``{lock}`` the row-lock clause of claim, ``{walk}`` its index hint (SQLite
# walks unfinished jobs in id order and stops at the first claimable one), ``{empty}`` an empty BLOB.
# See Store.schedule: in an upsert's SET, ``jobs.x`` is the existing row and every right-hand side sees
# the old values, so the order of the assignments does not matter.
SCHEDULE_SET = """
    kind            = excluded.kind,
    payload         = excluded.payload,
    run_at          = excluded.run_at,
    installation_id = excluded.installation_id,
    ordering_key    = excluded.ordering_key,
    rescheduled     = (jobs.status = 'running'),
    status          = CASE WHEN jobs.status = 'running' THEN 'running' ELSE 'pending' END,
    attempts        = CASE WHEN jobs.status = 'running' THEN jobs.attempts ELSE 0 END,
    last_error      = CASE WHEN jobs.status = 'running' THEN jobs.last_error ELSE NULL END,
    progress        = CASE WHEN jobs.status = 'running' THEN jobs.progress ELSE '[]' END,
    lease_owner     = CASE WHEN jobs.status = 'running' THEN jobs.lease_owner ELSE NULL END,
    lease_expires   = CASE WHEN jobs.status = 'running' THEN jobs.lease_expires ELSE NULL END,
    updated_at      = excluded.updated_at
"""

CLAIM_SQL = f"""
UPDATE jobs SET
    status        = 'running',
    lease_owner   = {{owner}},
    lease_expires = {{lease_expires}},
    attempts      = attempts + 1,
    rescheduled   = FALSE,
    updated_at    = {{now}}
WHERE id IN (
    SELECT j.id FROM jobs AS j{{walk}}
    WHERE j.status IN ('pending', 'running')  -- redundant, lets the planner use jobs_active_idx
      AND j.run_at <= {{now}}
      AND (j.status = 'pending' OR (j.status = 'running' AND j.lease_expires <= {{now}}))
      AND (j.ordering_key IS NULL OR NOT EXISTS (
            -- "unfinished" stated outright, so the partial index on (ordering_key, id) serves this probe
            -- (through the ORs below the planner cannot see it, and scanned every pending job per candidate)
            SELECT 1 FROM jobs AS e
            WHERE e.ordering_key = j.ordering_key AND e.status IN ('pending', 'running') AND e.id <> j.id
              AND (   (e.status = 'running' AND e.lease_expires > {{now}})
                   OR (e.id < j.id AND e.status = 'running')
                   OR (e.id < j.id AND e.status = 'pending' AND (e.kind = 'webhook' OR e.run_at <= {{now}})))))
    ORDER BY j.id
    LIMIT {{limit}}{{lock}}
)
RETURNING {JOB_COLUMNS}
"""

# Store.queued_behind; ``{key}`` is the backend's placeholder. "Unfinished" stated outright for the partial
# index on (ordering_key, id).
QUEUED_BEHIND_SQL = """
SELECT EXISTS (SELECT 1 FROM jobs AS me JOIN jobs AS e ON e.ordering_key = me.ordering_key
               WHERE me.key = {key} AND e.status IN ('pending', 'running') AND e.id > me.id
                 AND e.status = 'pending' AND e.kind = 'webhook')
"""

HOLDS_LEASE = "id = {id} AND lease_owner = {owner} AND status = 'running'"

# A job rescheduled while it ran (see ``schedule``) becomes pending at its new run_at as a fresh task,
# whatever the outcome of the run that was in flight.
_RELEASE = f"""
    lease_owner   = NULL,
    lease_expires = NULL,
    rescheduled   = FALSE,
    updated_at    = {{now}}
WHERE {HOLDS_LEASE}
"""

COMPLETE_SQL = """
UPDATE jobs SET
    status        = CASE WHEN rescheduled THEN 'pending' ELSE 'done' END,
    payload       = CASE WHEN rescheduled THEN payload ELSE {empty} END,  -- done: only the key is kept (dedup)
    attempts      = CASE WHEN rescheduled THEN 0 ELSE attempts END,
    last_error    = CASE WHEN rescheduled THEN NULL ELSE last_error END,
    progress      = CASE WHEN rescheduled THEN '[]' ELSE progress END,""" + _RELEASE

RETRY_SQL = """
UPDATE jobs SET
    status        = 'pending',
    run_at        = CASE WHEN rescheduled THEN run_at ELSE {run_at} END,
    attempts      = CASE WHEN rescheduled THEN 0 ELSE attempts END,
    progress      = CASE WHEN rescheduled THEN '[]' ELSE {progress} END,
    last_error    = {error},""" + _RELEASE

PARK_SQL = """
UPDATE jobs SET
    status        = CASE WHEN rescheduled THEN 'pending' ELSE 'failed' END,
    attempts      = CASE WHEN rescheduled THEN 0 ELSE attempts END,
    progress      = CASE WHEN rescheduled THEN '[]' ELSE {progress} END,
    last_error    = {error},""" + _RELEASE

# The cache upsert; ``{}`` are the backend's six positional placeholders.
CACHE_SQL = (
    "INSERT INTO kv_cache (namespace, key, value, expires_at, installation_id, updated_at) "
    "VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, "
    "expires_at = excluded.expires_at, installation_id = excluded.installation_id, "
    "updated_at = excluded.updated_at"
)
