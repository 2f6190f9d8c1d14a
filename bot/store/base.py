"""The store contract: a durable job inbox plus a small key/value cache.

Everything the bot keeps outside GitHub goes through this interface, and two backends implement it:
SQLite (``bot.store.sqlite``, the embedded default) and PostgreSQL (``bot.store.postgres``, for several
processes or machines). One contract test suite (``tests/test_store_contract.py``) runs against both.

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
* ``progress`` is a list of handler names that already succeeded for this job; it is saved by
  ``retry_later``/``park`` so a retry re-runs only the handlers that failed.
"""

from __future__ import annotations

import abc
import dataclasses
import time
from collections.abc import Sequence
from typing import Any

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


class Store(abc.ABC):
    """Abstract store. All times are epoch seconds (float); ``now=None`` means ``time.time()``."""

    url: str

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
    @abc.abstractmethod
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

    @abc.abstractmethod
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

    @abc.abstractmethod
    async def unschedule(self, key: str) -> bool:
        """Delete a pending task by key. True if something was deleted.

        A running task is not touched, except that a reschedule made while it runs is cancelled (True):
        it then ends as ``done`` on ``complete``."""

    @abc.abstractmethod
    async def claim(self, owner: str, *, lease: float, limit: int = 1, now: float | None = None) -> list[Job]: ...

    @abc.abstractmethod
    async def extend_lease(self, job_id: int, owner: str, *, lease: float, now: float | None = None) -> bool: ...

    @abc.abstractmethod
    async def complete(self, job_id: int, owner: str, *, now: float | None = None) -> bool:
        """Done (or pending again if rescheduled while running). A done job keeps its key (so a redelivery
        is still recognised) but not its payload: the inbox does not grow with processed deliveries."""

    @abc.abstractmethod
    async def retry_later(
        self,
        job_id: int,
        owner: str,
        *,
        run_at: float,
        error: str,
        progress: Sequence[str] = (),
        now: float | None = None,
    ) -> bool: ...

    @abc.abstractmethod
    async def park(
        self, job_id: int, owner: str, *, error: str, progress: Sequence[str] = (), now: float | None = None
    ) -> bool: ...

    @abc.abstractmethod
    async def requeue(self, job_id: int, *, now: float | None = None) -> bool:
        """A parked (failed) job back to pending, due now, attempts reset to 0. False if not failed."""

    @abc.abstractmethod
    async def get_job(self, job_id: int) -> Job | None: ...

    @abc.abstractmethod
    async def get_job_by_key(self, key: str) -> Job | None:
        """The job stored under ``key`` (a delivery GUID or a task key), or None."""

    @abc.abstractmethod
    async def list_jobs(self, statuses: Sequence[str] | None = None, *, limit: int = 100) -> list[Job]:
        """Jobs with these statuses (all when None), newest first."""

    @abc.abstractmethod
    async def counts(self) -> dict[str, int]:
        """Number of jobs per status; every status in STATUSES is present (0 if none)."""

    @abc.abstractmethod
    async def next_run_at(self) -> float | None:
        """Earliest run_at among pending jobs (None when there are none): lets workers sleep precisely."""

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

    @abc.abstractmethod
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

    @abc.abstractmethod
    async def cache_delete(self, namespace: str, key: str) -> None: ...


def now_or(now: float | None) -> float:
    return time.time() if now is None else now
