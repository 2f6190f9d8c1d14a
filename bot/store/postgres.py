"""PostgreSQL backend (asyncpg pool), for several ``web``/``worker`` processes on several machines.

Every statement that changes data runs as a single auto-committed statement (one round trip), except
``migrate``, ``drop_installation`` and batched enqueues. ``now`` is always computed in Python
(``now_or``), never with the server clock, so both backends behave identically and tests can use a fake
clock.

Group commit for ``enqueue``: as in the SQLite backend, concurrent ``enqueue`` calls are queued and
inserted together - one transaction, one ``INSERT … SELECT FROM unnest(…) ON CONFLICT (key) DO NOTHING
RETURNING key`` - and each caller's future is resolved after the COMMIT (True; False for a key that
already existed or that an earlier caller of the same batch gave; the row's own exception if the batch
failed and the row, retried alone, fails again). A lone enqueue is one single-row statement. Up to
``max_inflight`` batches run at once, so a batch waiting for an ordering-key lock (below) does not
hold up the others. If the connection breaks *during* COMMIT the batch is retried row by row, and a row
that had in fact been committed then answers False (stored, reported as a duplicate - never lost).

Why ``claim`` is correct with concurrent claimers
--------------------------------------------------
``claim`` is one statement::

    UPDATE jobs SET status = 'running', … WHERE id IN (
        SELECT id FROM jobs j WHERE <due> AND <not blocked> ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED)

run in READ COMMITTED, where the statement sees a snapshot taken when it starts.

1. *No job is claimed twice.* A candidate row is locked (``FOR UPDATE``) before it is updated. A row
   locked by a concurrent claimer is skipped. A row whose claim committed after our snapshot was taken is
   re-read in its latest version when we lock it and the ``status``/``lease_expires`` conditions are
   re-checked on that version (PostgreSQL's EvalPlanQual recheck): it is now ``running`` with a live
   lease, so it drops out. Only an expired lease makes a running job a candidate again, by design.
2. *A job is never claimed while an earlier job with the same ordering key is pending or running.* The
   ``NOT EXISTS`` test reads the snapshot. The states that block (pending, running) can only turn into
   states that do not (done, failed) - never the reverse, except by ``requeue``/``schedule`` of an old
   row, see below - so a stale snapshot can only make the test *more* conservative: a job whose
   predecessor finished after our snapshot is simply claimed by the next poll. Two claimers racing for the
   same key both see the predecessor pending in their snapshots, so neither takes the successor, and the
   predecessor itself is taken by at most one of them (point 1). The same holds inside one claim with
   ``limit > 1``: the successor is excluded because its predecessor is pending in the snapshot.
3. *A predecessor invisible to the snapshot.* Ids come from a sequence, so a job with a smaller id can
   commit *after* one with a larger id; a claimer could then take job 2 before it ever saw job 1, and job 1
   would run concurrently with or after job 2. ``enqueue``/``schedule`` prevent this for jobs sharing an
   ordering key: before the row gets its id they take a transaction-level advisory lock on the key, so
   inserts with one key are serialised - each one draws its id and commits before the next one draws
   its id. Every snapshot that sees job 2 therefore also sees job 1. (Hash collisions only serialise
   unrelated keys; jobs without an ordering key take no lock.) A batch takes the locks of all its keys,
   in hash order, before inserting anything: batches cannot deadlock with each other, and a statement
   waiting for a lock never holds an uncommitted row that another one could be waiting for.
4. ``requeue`` of a parked job or ``schedule`` of an existing done/failed row turns an old id back into
   pending; a claimer whose snapshot predates that may take a later job with the same key at the same
   time. That is inherent in putting an old job back after its successors went ahead, not a claim race.

Migrations take ``pg_advisory_xact_lock`` so any number of processes may run ``migrate`` concurrently.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from . import errors
from .base import PENDING, STATUSES, Job, Store, now_or

JOB_COLUMNS = (
    "id, kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at, "
    "lease_owner, lease_expires, last_error, progress, created_at, updated_at"
)

# Advisory lock keys. The single-bigint and the two-int4 key spaces do not overlap.
MIGRATE_LOCK_KEY = 0x66756E64626F74  # "fundbot"
ORDERING_LOCK_CLASS = 0x66756E64  # "fund"; the second key is hashtext(ordering_key)

# Append new migrations at the end; never edit an applied one.
MIGRATIONS: list[tuple[int, list[str]]] = [
    (
        1,
        [
            """
            CREATE TABLE IF NOT EXISTS jobs (
                id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                kind            TEXT             NOT NULL,
                key             TEXT             NOT NULL,
                event           TEXT,
                payload         BYTEA            NOT NULL DEFAULT ''::bytea,
                installation_id BIGINT,
                ordering_key    TEXT,
                status          TEXT             NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'running', 'done', 'failed')),
                attempts        INTEGER          NOT NULL DEFAULT 0,
                run_at          DOUBLE PRECISION NOT NULL,
                lease_owner     TEXT,
                lease_expires   DOUBLE PRECISION,
                last_error      TEXT,
                progress        TEXT             NOT NULL DEFAULT '[]',
                rescheduled     BOOLEAN          NOT NULL DEFAULT FALSE,
                created_at      DOUBLE PRECISION NOT NULL,
                updated_at      DOUBLE PRECISION NOT NULL,
                CONSTRAINT jobs_key_unique UNIQUE (key)
            )
            """,
            "CREATE INDEX IF NOT EXISTS jobs_claim_idx ON jobs (status, run_at)",
            # Only unfinished jobs can block: keep the ordering index small and the NOT EXISTS cheap.
            "CREATE INDEX IF NOT EXISTS jobs_ordering_idx ON jobs (ordering_key, id) "
            "WHERE status IN ('pending', 'running')",
            "CREATE INDEX IF NOT EXISTS jobs_installation_idx ON jobs (installation_id)",
            """
            CREATE TABLE IF NOT EXISTS kv_cache (
                namespace       TEXT             NOT NULL,
                key             TEXT             NOT NULL,
                value           TEXT             NOT NULL,
                expires_at      DOUBLE PRECISION,
                installation_id BIGINT,
                updated_at      DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (namespace, key)
            )
            """,
            "CREATE INDEX IF NOT EXISTS kv_cache_installation_idx ON kv_cache (installation_id)",
        ],
    ),
    (
        2,
        [
            # claim walks unfinished jobs in id order; without this it walks every done job too.
            "CREATE INDEX IF NOT EXISTS jobs_active_idx ON jobs (id) WHERE status IN ('pending', 'running')",
        ],
    ),
]

# The WHERE of the INSERT … SELECT runs before the row is formed, hence before the identity default
# draws the id: with an ordering key, the advisory lock (held until this statement's implicit
# transaction commits) serialises id allocation + commit per key. See the module docstring, point 3.
_ORDERING_LOCK = (
    f"$6::text IS NULL OR pg_advisory_xact_lock({ORDERING_LOCK_CLASS}, hashtext($6::text))::text = ''"
)

_ENQUEUE_SQL = f"""
INSERT INTO jobs (kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at,
                  progress, rescheduled, created_at, updated_at)
SELECT $1::text, $2::text, $3::text, $4::bytea, $5::bigint, $6::text, 'pending', 0, $7::float8,
       '[]', FALSE, $8::float8, $8::float8
WHERE {_ORDERING_LOCK}
ON CONFLICT (key) DO NOTHING
RETURNING id
"""

# Group commit: the rows of concurrent enqueue() calls in one transaction. First the advisory locks of
# all their ordering keys, in hash order (every batcher locks in the same order: no deadlock; and a
# statement waiting for a lock never holds an uncommitted row), then one INSERT in queue order.
_LOCK_ORDERING_KEYS_SQL = f"""
SELECT pg_advisory_xact_lock({ORDERING_LOCK_CLASS}, h)
FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k) AS hashes
ORDER BY h
"""

_ENQUEUE_MANY_SQL = """
INSERT INTO jobs (kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at,
                  progress, rescheduled, created_at, updated_at)
SELECT r.kind, r.key, r.event, r.payload, r.installation_id, r.ordering_key, 'pending', 0, r.run_at,
       '[]', FALSE, r.now, r.now
FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::bigint[], $6::text[], $7::float8[],
            $8::float8[]) WITH ORDINALITY AS r(kind, key, event, payload, installation_id, ordering_key,
                                               run_at, now, ord)
ORDER BY r.ord
ON CONFLICT (key) DO NOTHING
RETURNING key
"""

# See base.Store.schedule. ON CONFLICT DO UPDATE locks the existing row and sees its latest version, so
# the running/not-running decision cannot race with claim/complete. In SET, ``jobs.x`` is the old row.
_SCHEDULE_SQL = f"""
INSERT INTO jobs (kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at,
                  progress, rescheduled, created_at, updated_at)
SELECT $1::text, $2::text, NULL, $3::bytea, $4::bigint, $6::text, 'pending', 0, $5::float8,
       '[]', FALSE, $7::float8, $7::float8
WHERE {_ORDERING_LOCK}
ON CONFLICT (key) DO UPDATE SET
    kind            = EXCLUDED.kind,
    payload         = EXCLUDED.payload,
    run_at          = EXCLUDED.run_at,
    installation_id = EXCLUDED.installation_id,
    ordering_key    = EXCLUDED.ordering_key,
    rescheduled     = (jobs.status = 'running'),
    status          = CASE WHEN jobs.status = 'running' THEN 'running' ELSE 'pending' END,
    attempts        = CASE WHEN jobs.status = 'running' THEN jobs.attempts ELSE 0 END,
    last_error      = CASE WHEN jobs.status = 'running' THEN jobs.last_error ELSE NULL END,
    progress        = CASE WHEN jobs.status = 'running' THEN jobs.progress ELSE '[]' END,
    lease_owner     = CASE WHEN jobs.status = 'running' THEN jobs.lease_owner ELSE NULL END,
    lease_expires   = CASE WHEN jobs.status = 'running' THEN jobs.lease_expires ELSE NULL END,
    updated_at      = EXCLUDED.updated_at
"""

# See the module docstring for why this is safe with concurrent claimers.
_CLAIM_SQL = f"""
UPDATE jobs SET
    status        = 'running',
    lease_owner   = $1,
    lease_expires = $2,
    attempts      = attempts + 1,
    rescheduled   = FALSE,
    updated_at    = $3
WHERE id IN (
    SELECT j.id FROM jobs AS j
    WHERE j.status IN ('pending', 'running')  -- redundant, lets the planner use jobs_active_idx
      AND j.run_at <= $3
      AND (j.status = 'pending' OR (j.status = 'running' AND j.lease_expires <= $3))
      AND (j.ordering_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM jobs AS e
            WHERE e.ordering_key = j.ordering_key AND e.id <> j.id
              AND (   (e.status = 'running' AND e.lease_expires > $3)
                   OR (e.id < j.id AND e.status = 'running')
                   OR (e.id < j.id AND e.status = 'pending' AND (e.kind = 'webhook' OR e.run_at <= $3)))))
    ORDER BY j.id
    LIMIT $4
    FOR UPDATE OF j SKIP LOCKED
)
RETURNING {JOB_COLUMNS}
"""

_HOLDS_LEASE = "id = $1 AND lease_owner = $2 AND status = 'running'"

# A job rescheduled while it ran becomes pending at its new run_at as a fresh task, whatever the outcome
# of the run that was in flight.
_COMPLETE_SQL = f"""
UPDATE jobs SET
    status        = CASE WHEN rescheduled THEN 'pending' ELSE 'done' END,
    payload       = CASE WHEN rescheduled THEN payload ELSE ''::bytea END,  -- done: only the key is kept (dedup)
    attempts      = CASE WHEN rescheduled THEN 0 ELSE attempts END,
    last_error    = CASE WHEN rescheduled THEN NULL ELSE last_error END,
    progress      = CASE WHEN rescheduled THEN '[]' ELSE progress END,
    lease_owner   = NULL,
    lease_expires = NULL,
    rescheduled   = FALSE,
    updated_at    = $3
WHERE {_HOLDS_LEASE}
"""

_RETRY_SQL = f"""
UPDATE jobs SET
    status        = 'pending',
    run_at        = CASE WHEN rescheduled THEN run_at ELSE $3 END,
    attempts      = CASE WHEN rescheduled THEN 0 ELSE attempts END,
    progress      = CASE WHEN rescheduled THEN '[]' ELSE $5 END,
    last_error    = $4,
    lease_owner   = NULL,
    lease_expires = NULL,
    rescheduled   = FALSE,
    updated_at    = $6
WHERE {_HOLDS_LEASE}
"""

_PARK_SQL = f"""
UPDATE jobs SET
    status        = CASE WHEN rescheduled THEN 'pending' ELSE 'failed' END,
    attempts      = CASE WHEN rescheduled THEN 0 ELSE attempts END,
    progress      = CASE WHEN rescheduled THEN '[]' ELSE $4 END,
    last_error    = $3,
    lease_owner   = NULL,
    lease_expires = NULL,
    rescheduled   = FALSE,
    updated_at    = $5
WHERE {_HOLDS_LEASE}
"""


def _job(row: asyncpg.Record) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        key=row["key"],
        event=row["event"],
        payload=bytes(row["payload"]) if row["payload"] is not None else b"",
        installation_id=row["installation_id"],
        ordering_key=row["ordering_key"],
        status=row["status"],
        attempts=row["attempts"],
        run_at=row["run_at"],
        lease_owner=row["lease_owner"],
        lease_expires=row["lease_expires"],
        last_error=row["last_error"],
        progress=tuple(json.loads(row["progress"] or "[]")),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _check_enqueue_args(kind: str, key: str, payload: Any) -> bytes:
    if not isinstance(kind, str) or not kind:
        raise TypeError("kind must be a non-empty str")
    if not isinstance(key, str) or not key:
        raise TypeError("key must be a non-empty str")
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(f"payload must be bytes, not {type(payload).__name__}")
    return bytes(payload)


def _affected(status: str) -> int:
    """Row count from an asyncpg command tag such as ``UPDATE 1`` / ``DELETE 3``."""
    try:
        return int(status.rsplit(" ", 1)[-1])
    except (ValueError, IndexError):
        return 0


class PostgresStore(Store):
    def __init__(
        self,
        dsn: str,
        *,
        url: str | None = None,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 10,
        command_timeout: float | None = 60.0,
        max_batch: int = 500,
        read_only: bool = False,
    ) -> None:
        self.dsn = dsn
        self.read_only = read_only
        self.url = url or dsn
        self.schema = schema
        self.min_size = min_size
        self.max_size = max(max_size, min_size)
        self.command_timeout = command_timeout
        self.max_batch = max_batch
        self.max_inflight = max(1, min(4, self.max_size // 2))
        self._pool: asyncpg.Pool | None = None
        self._queue: list[tuple[tuple[Any, ...], asyncio.Future[bool]]] = []
        self._wakeup = asyncio.Event()
        self._writer_task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("PostgresStore is not connected")
        return self._pool

    # -- lifecycle ---------------------------------------------------------------------------------
    async def connect(self) -> None:
        if self._pool is not None:
            return
        server_settings = {"application_name": "fundbot"}
        if self.schema:
            # A schema that does not exist yet is fine in search_path; migrate creates it.
            server_settings["search_path"] = f'"{self.schema}"'
        if self.read_only:
            server_settings["default_transaction_read_only"] = "on"
        try:
            self._pool = await asyncpg.create_pool(
                self.dsn,
                min_size=self.min_size,
                max_size=self.max_size,
                command_timeout=self.command_timeout,
                server_settings=server_settings,
                timeout=errors.CONNECT_TIMEOUT,
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise errors.postgres_unavailable(self.url, exc) from exc
        self._closing = False
        self._wakeup = asyncio.Event()
        self._writer_task = asyncio.create_task(self._writer_loop(), name="fundbot-postgres-group-commit")

    async def close(self) -> None:
        """Flush queued enqueues (they are committed), then close the pool."""
        if self._pool is None:
            return
        self._closing = True
        self._wakeup.set()
        if self._writer_task is not None:
            task, self._writer_task = self._writer_task, None
            await task
        pool, self._pool = self._pool, None
        await pool.close()

    async def migrate(self) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            # Serialises concurrent migrate() calls from every process; released at COMMIT/ROLLBACK.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATE_LOCK_KEY)
            if self.schema:
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                await conn.execute(f'SET LOCAL search_path TO "{self.schema}"')
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
            )
            current = await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            for version, statements in MIGRATIONS:
                if version <= current:
                    continue
                for statement in statements:
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)", version, now_or(None)
                )

    async def ping(self) -> None:
        await self.pool.fetchval("SELECT 1")

    # -- jobs ------------------------------------------------------------------------------------------
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
        payload = _check_enqueue_args(kind, key, payload)
        if self._pool is None or self._closing or self._writer_task is None or self._writer_task.done():
            raise RuntimeError("PostgresStore is not connected")
        now = now_or(now)
        run_at = now if run_at is None else run_at
        row = (kind, key, event, payload, installation_id, ordering_key, float(run_at), float(now))
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((row, fut))
        self._wakeup.set()
        # A caller that gives up (cancelled) cancels only its own future; its row is still inserted,
        # which is harmless (keys are idempotent).
        return await fut

    async def _writer_loop(self) -> None:
        """Group commit: one transaction for everything enqueued while earlier batches were committing.

        Up to ``max_inflight`` batches run at once (each on its own pool connection), so one batch that
        waits for an ordering-key lock held by another process does not stall every webhook."""
        slots = asyncio.Semaphore(self.max_inflight)
        inflight: set[asyncio.Task[None]] = set()
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                while self._queue:
                    await slots.acquire()  # meanwhile more rows queue up: the batch grows
                    batch = self._queue[: self.max_batch]
                    del self._queue[: len(batch)]
                    task = asyncio.create_task(self._run_batch(batch))
                    inflight.add(task)
                    task.add_done_callback(lambda t: (inflight.discard(t), slots.release()))
                if self._closing:
                    break
        finally:
            if inflight:
                await asyncio.gather(*inflight, return_exceptions=True)

    async def _run_batch(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[bool]]]) -> None:
        try:
            results = await self._insert_batch([row for row, _ in batch])
        except (
            BaseException
        ) as exc:  # a bug, or cancelled (event loop shutting down): never leave a caller hanging
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(
                        exc
                        if isinstance(exc, Exception)
                        else RuntimeError("store closed before the job was stored")
                    )
            if not isinstance(exc, Exception):
                raise
            return
        for (_, fut), result in zip(batch, results, strict=True):
            if fut.done():
                continue
            if isinstance(result, BaseException):
                fut.set_exception(result)
            else:
                fut.set_result(result)

    async def _insert_one(self, row: tuple[Any, ...]) -> bool | Exception:
        try:
            return await self.pool.fetchval(_ENQUEUE_SQL, *row) is not None
        except Exception as exc:
            return exc

    async def _insert_batch(self, rows: list[tuple[Any, ...]]) -> list[bool | Exception]:
        if len(rows) == 1:  # one round trip instead of four
            return [await self._insert_one(rows[0])]
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                ordering_keys = sorted({row[5] for row in rows if row[5] is not None})
                if ordering_keys:
                    await conn.execute(_LOCK_ORDERING_KEYS_SQL, ordering_keys)
                records = await conn.fetch(
                    _ENQUEUE_MANY_SQL, *(list(column) for column in zip(*rows, strict=True))
                )
            # committed here
        except Exception:
            # Some row was refused (or the connection failed): nothing was committed. Insert the rows
            # one by one so that each caller gets its own answer and a bad row fails alone.
            return list(await asyncio.gather(*(self._insert_one(row) for row in rows)))
        inserted = {record["key"] for record in records}
        results: list[bool | Exception] = []
        for row in rows:
            key = row[1]
            results.append(key in inserted)
            inserted.discard(key)  # a key given twice in one batch: the first caller gets True
        return results

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
        payload = _check_enqueue_args(kind, key, payload)
        await self.pool.execute(
            _SCHEDULE_SQL,
            kind,
            key,
            payload,
            installation_id,
            float(run_at),
            ordering_key,
            float(now_or(now)),
        )

    async def unschedule(self, key: str) -> bool:
        # One statement: delete it if pending; if running and rescheduled, cancel the next run (the
        # current one finishes as done).
        row = await self.pool.fetchrow(
            """
            WITH deleted AS (DELETE FROM jobs WHERE key = $1 AND status = 'pending' RETURNING id),
                 cancelled AS (
                    UPDATE jobs SET rescheduled = FALSE
                    WHERE key = $1 AND status = 'running' AND rescheduled RETURNING id)
            SELECT (SELECT COUNT(*) FROM deleted) + (SELECT COUNT(*) FROM cancelled) AS n
            """,
            key,
        )
        return bool(row and row["n"])

    async def claim(self, owner: str, *, lease: float, limit: int = 1, now: float | None = None) -> list[Job]:
        if limit < 1:
            return []
        now = float(now_or(now))
        rows = await self.pool.fetch(_CLAIM_SQL, owner, now + lease, now, limit)
        return sorted((_job(r) for r in rows), key=lambda j: j.id)

    async def extend_lease(self, job_id: int, owner: str, *, lease: float, now: float | None = None) -> bool:
        now = float(now_or(now))
        status = await self.pool.execute(
            f"UPDATE jobs SET lease_expires = $3, updated_at = $4 WHERE {_HOLDS_LEASE}",
            job_id,
            owner,
            now + lease,
            now,
        )
        return _affected(status) > 0

    async def complete(self, job_id: int, owner: str, *, now: float | None = None) -> bool:
        status = await self.pool.execute(_COMPLETE_SQL, job_id, owner, float(now_or(now)))
        return _affected(status) > 0

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
        status = await self.pool.execute(
            _RETRY_SQL, job_id, owner, float(run_at), error, json.dumps(list(progress)), float(now_or(now))
        )
        return _affected(status) > 0

    async def park(
        self, job_id: int, owner: str, *, error: str, progress: Sequence[str] = (), now: float | None = None
    ) -> bool:
        status = await self.pool.execute(
            _PARK_SQL, job_id, owner, error, json.dumps(list(progress)), float(now_or(now))
        )
        return _affected(status) > 0

    async def requeue(self, job_id: int, *, now: float | None = None) -> bool:
        status = await self.pool.execute(
            "UPDATE jobs SET status = 'pending', run_at = $2, attempts = 0, lease_owner = NULL, "
            "lease_expires = NULL, rescheduled = FALSE, updated_at = $2 WHERE id = $1 AND status = 'failed'",
            job_id,
            float(now_or(now)),
        )
        return _affected(status) > 0

    async def get_job(self, job_id: int) -> Job | None:
        row = await self.pool.fetchrow(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1", job_id)
        return _job(row) if row else None

    async def get_job_by_key(self, key: str) -> Job | None:
        row = await self.pool.fetchrow(f"SELECT {JOB_COLUMNS} FROM jobs WHERE key = $1", key)
        return _job(row) if row else None

    async def list_jobs(self, statuses: Sequence[str] | None = None, *, limit: int = 100) -> list[Job]:
        if statuses is None:
            rows = await self.pool.fetch(f"SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1", limit)
        else:
            rows = await self.pool.fetch(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE status = ANY($1::text[]) ORDER BY id DESC LIMIT $2",
                list(statuses),
                limit,
            )
        return [_job(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        result = dict.fromkeys(STATUSES, 0)
        for row in await self.pool.fetch("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status"):
            result[row["status"]] = row["n"]
        return result

    async def next_run_at(self) -> float | None:
        return await self.pool.fetchval("SELECT MIN(run_at) FROM jobs WHERE status = $1", PENDING)

    async def prune(self, *, older_than: float) -> int:
        status = await self.pool.execute(
            "DELETE FROM jobs WHERE status = 'done' AND updated_at < $1", float(older_than)
        )
        await self.pool.execute("DELETE FROM kv_cache WHERE expires_at < $1", float(older_than))
        return _affected(status)

    async def drop_installation(self, installation_id: int, *, keep_keys: Sequence[str] = ()) -> int:
        async with self.pool.acquire() as conn, conn.transaction():
            jobs = await conn.execute(
                "DELETE FROM jobs WHERE installation_id = $1 AND status = 'pending' AND NOT (key = ANY($2::text[]))",
                installation_id,
                list(keep_keys),
            )
            cache = await conn.execute("DELETE FROM kv_cache WHERE installation_id = $1", installation_id)
        return _affected(jobs) + _affected(cache)

    # -- cache -------------------------------------------------------------------------------------------
    async def cache_get(self, namespace: str, key: str, *, now: float | None = None) -> Any | None:
        value = await self.pool.fetchval(
            "SELECT value FROM kv_cache WHERE namespace = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)",
            namespace,
            key,
            float(now_or(now)),
        )
        return None if value is None else json.loads(value)

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
        now = float(now_or(now))
        await self.pool.execute(
            "INSERT INTO kv_cache (namespace, key, value, expires_at, installation_id, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value, "
            "expires_at = EXCLUDED.expires_at, installation_id = EXCLUDED.installation_id, "
            "updated_at = EXCLUDED.updated_at",
            namespace,
            key,
            json.dumps(value),
            None if ttl is None else now + ttl,
            installation_id,
            now,
        )

    async def cache_delete(self, namespace: str, key: str) -> None:
        await self.pool.execute("DELETE FROM kv_cache WHERE namespace = $1 AND key = $2", namespace, key)
