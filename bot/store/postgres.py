"""PostgreSQL backend (asyncpg pool), for several ``web``/``worker`` processes on several machines.

Every statement that changes data runs as a single auto-committed statement (one round trip), except
``migrate`` and ``drop_installation``. ``now`` is always computed in Python
(``now_or``), never with the server clock, so both backends behave identically and tests can use a fake
clock.

Group commit for ``enqueue``: as in the SQLite backend, concurrent ``enqueue`` calls are queued and
inserted together - one auto-committed statement (one round trip: the ordering-key locks, then ``INSERT …
SELECT FROM unnest(…) ON CONFLICT (key) DO NOTHING RETURNING key``) - and each caller's future is resolved after the COMMIT (True; False for a key that
already existed or that an earlier caller of the same batch gave; the row's own exception if the batch
failed and the row, retried alone, fails again). A lone enqueue is one single-row statement. Up to
``max_inflight`` batches run at once, so a batch waiting for an ordering-key lock (below) does not
hold up the others. If the connection breaks *during* COMMIT the batch is retried row by row, and a row
that had in fact been committed then answers False (stored, reported as a duplicate - never lost).

Why ``claim`` is correct with concurrent claimers
--------------------------------------------------
``claim`` is one statement (``bot.store.pg_claim``: the unfinished jobs walked in id order)::

    UPDATE jobs SET status = 'running', … WHERE id IN (
        SELECT id FROM <walk> j WHERE <due> AND <not blocked> LIMIT n FOR UPDATE SKIP LOCKED)

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

Wake-ups: every statement that makes a job claimable (enqueue, schedule, requeue, retry_later) also
calls ``pg_notify`` on the store's channel in the same transaction; ``listen`` keeps one dedicated LISTEN
connection per process (``bot.store.pg_listen``), so workers in other processes wake at COMMIT.

Migrations take ``pg_advisory_xact_lock`` so any number of processes may run ``migrate`` concurrently.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg

from bot.core import pacing

from . import errors, pacing_sql
from .base import (
    CACHE_SQL,
    COMPLETE_SQL,
    HOLDS_LEASE,
    JOB_COLUMNS,
    PARK_SQL,
    PENDING,
    QUEUED_BEHIND_SQL,
    RETRY_SQL,
    SCHEDULE_SET,
    STATUSES,
    Job,
    Pending,
    Store,
    fail,
    job_from_row,
    now_or,
    resolve,
)
from .pg_claim import PG_CLAIM_SQL
from .pg_listen import Listener, channel_for
from .pg_payload import PAYLOAD_COMPRESSION_SQL

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
    (3, [pacing_sql.PG_TABLE]),  # the shared pacing budget per installation
    (4, [PAYLOAD_COMPRESSION_SQL]),  # payloads compressed with lz4, not pglz (bot.store.pg_payload)
]

# The WHERE of the INSERT … SELECT runs before the row is formed, hence before the identity default
# draws the id: with an ordering key, the advisory lock (held until this statement's implicit
# transaction commits) serialises id allocation + commit per key. See the module docstring, point 3.
_ORDERING_LOCK = (
    f"$6::text IS NULL OR pg_advisory_xact_lock({ORDERING_LOCK_CLASS}, hashtext($6::text))::text = ''"
)

# Every statement that makes a job claimable notifies the store's channel in its own transaction
# (delivered at COMMIT): payload '' when due now, else its run_at. See bot.store.pg_listen.
_NOTIFY = "pg_notify({channel}::text, CASE WHEN {run_at} <= {now} THEN '' ELSE {run_at}::text END)"

_ENQUEUE_SQL = f"""
WITH ins AS (
INSERT INTO jobs (kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at,
                  progress, rescheduled, created_at, updated_at)
SELECT $1::text, $2::text, $3::text, $4::bytea, $5::bigint, $6::text, 'pending', 0, $7::float8,
       '[]', FALSE, $8::float8, $8::float8
WHERE {_ORDERING_LOCK}
ON CONFLICT (key) DO NOTHING
RETURNING id, run_at, created_at
)
SELECT id, {_NOTIFY.format(channel="$9", run_at="run_at", now="created_at")} FROM ins
"""

# Group commit: the rows of concurrent enqueue() calls in one auto-committed statement (one round trip, no
# BEGIN/COMMIT of their own). Its WHERE first takes the advisory locks of all their ordering keys, in hash
# order (an uncorrelated subquery: an InitPlan, run once before the first row is formed, so before any id is
# drawn; every batcher locks in the same order: no deadlock; and a statement waiting for a lock holds no
# uncommitted row), then inserts in queue order; the locks are held until the statement's COMMIT.
_ENQUEUE_MANY_SQL = f"""
WITH ins AS (
INSERT INTO jobs (kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at,
                  progress, rescheduled, created_at, updated_at)
SELECT r.kind, r.key, r.event, r.payload, r.installation_id, r.ordering_key, 'pending', 0, r.run_at,
       '[]', FALSE, r.now, r.now
FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::bigint[], $6::text[], $7::float8[],
            $8::float8[]) WITH ORDINALITY AS r(kind, key, event, payload, installation_id, ordering_key,
                                               run_at, now, ord)
WHERE (SELECT count(*) FROM (
          SELECT pg_advisory_xact_lock({ORDERING_LOCK_CLASS}, h)
          FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($10::text[]) AS k) AS hashes
          ORDER BY h) AS locked) >= 0
ORDER BY r.ord
ON CONFLICT (key) DO NOTHING
RETURNING key, run_at, created_at
)
SELECT key, {_NOTIFY.format(channel="$9", run_at="run_at", now="created_at")} FROM ins
"""

# See base.Store.schedule. ON CONFLICT DO UPDATE locks the existing row and sees its latest version, so
# the running/not-running decision cannot race with claim/complete. In SET, ``jobs.x`` is the old row.
_SCHEDULE_SQL = f"""
WITH up AS (
INSERT INTO jobs (kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at,
                  progress, rescheduled, created_at, updated_at)
SELECT $1::text, $2::text, NULL, $3::bytea, $4::bigint, $6::text, 'pending', 0, $5::float8,
       '[]', FALSE, $7::float8, $7::float8
WHERE {_ORDERING_LOCK}
ON CONFLICT (key) DO UPDATE SET{SCHEDULE_SET}
RETURNING status, run_at, updated_at
)
SELECT {_NOTIFY.format(channel="$8", run_at="run_at", now="updated_at")} FROM up WHERE status = 'pending'
"""

# See the module docstring for why this is safe with concurrent claimers.
_CLAIM_SQL = PG_CLAIM_SQL  # base.CLAIM_SQL's conditions, walked in id order whatever the statistics
_CACHE_SQL = CACHE_SQL.format("$1", "$2", "$3", "$4", "$5", "$6")
_HOLDS_LEASE = HOLDS_LEASE.format(id="$1", owner="$2")


def _numbered(sql: str, *names: str, **literals: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with ``{name}`` fields as ``$1``, ``$2``... in the order of ``names`` (and the names)."""
    return sql.format(**{name: f"${i}" for i, name in enumerate(names, 1)}, **literals), names


_RELEASE_SQL = {
    "complete": _numbered(COMPLETE_SQL, "id", "owner", "now", empty="''::bytea"),
    # a job handed back (shutdown, backoff) may be taken by another process: tell them when
    "retry": _numbered(
        "WITH r AS (" + RETRY_SQL + " RETURNING run_at, updated_at)\nSELECT "
        + _NOTIFY.format(channel="{channel}", run_at="run_at", now="updated_at") + " FROM r",
        "id", "owner", "run_at", "error", "progress", "now", "channel"),
    "park": _numbered(PARK_SQL, "id", "owner", "error", "progress", "now"),
}


def _affected(status: str) -> int:
    """Row count from an asyncpg command tag such as ``UPDATE 1`` / ``DELETE 3``."""
    try:
        return int(status.rsplit(" ", 1)[-1])
    except (ValueError, IndexError):
        return 0


class PostgresStore(Store):
    LISTEN_BACKOFF = (0.5, 30.0)  # seconds: first reconnect delay of the LISTEN connection, and the cap

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
        self._queue: list[Pending] = []
        self._wakeup = asyncio.Event()
        self._writer_task: asyncio.Task[None] | None = None
        self._closing = False
        self.channel = channel_for(schema)
        self._listener: Listener | None = None
        self._wakers: list[Callable[[float | None], None]] = []

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("PostgresStore is not connected")
        return self._pool

    # -- lifecycle ---------------------------------------------------------------------------------
    async def connect(self) -> None:
        if self._pool is not None:
            return
        try:
            self._pool = await asyncpg.create_pool(
                self.dsn,
                min_size=self.min_size,
                max_size=self.max_size,
                command_timeout=self.command_timeout,
                server_settings=self._server_settings(),
                timeout=errors.CONNECT_TIMEOUT,
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise errors.postgres_unavailable(self.url, exc) from exc
        self._closing = False
        self._wakeup = asyncio.Event()
        self._writer_task = asyncio.create_task(self._writer_loop(), name="fundbot-postgres-group-commit")

    def _server_settings(self) -> dict[str, str]:
        settings = {"application_name": "fundbot"}
        if self.schema:
            # A schema that does not exist yet is fine in search_path; migrate creates it.
            settings["search_path"] = f'"{self.schema}"'
        if self.read_only:
            settings["default_transaction_read_only"] = "on"
        return settings

    async def close(self) -> None:
        """Stop listening; flush queued enqueues (they are committed), then close the pool."""
        if self._listener is not None:
            listener, self._listener = self._listener, None
            await listener.stop()
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
    # -- enqueue with group commit (Store.enqueue queues the row) -------------------------------------
    def _connected(self) -> bool:
        return self._pool is not None

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

    async def _run_batch(self, batch: list[Pending]) -> None:
        try:
            results = await self._insert_batch([row for row, _ in batch])
        except BaseException as exc:  # a bug, or cancelled (event loop shutting down): never leave a caller hanging
            fail(batch, exc, "store closed before the job was stored")
            if not isinstance(exc, Exception):
                raise
            return
        resolve(batch, results)

    async def _insert_one(self, row: tuple[Any, ...]) -> bool | Exception:
        try:
            return await self.pool.fetchval(_ENQUEUE_SQL, *row, self.channel) is not None
        except Exception as exc:
            return exc

    async def _insert_batch(self, rows: list[tuple[Any, ...]]) -> list[bool | Exception]:
        if len(rows) == 1:  # one round trip instead of four
            return [await self._insert_one(rows[0])]
        try:
            ordering_keys = sorted({row[5] for row in rows if row[5] is not None})
            records = await self.pool.fetch(
                _ENQUEUE_MANY_SQL, *(list(column) for column in zip(*rows, strict=True)), self.channel,
                ordering_keys)
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

    async def _schedule(self, params: dict[str, Any]) -> None:
        names = ("kind", "key", "payload", "installation_id", "run_at", "ordering_key", "now")
        await self.pool.execute(_SCHEDULE_SQL, *(params[name] for name in names), self.channel)

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
        return sorted((job_from_row(r) for r in rows), key=lambda j: j.id)

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

    async def _release(self, how: str, params: dict[str, Any]) -> bool:
        sql, names = _RELEASE_SQL[how]
        params = {**params, "channel": self.channel}
        return _affected(await self.pool.execute(sql, *(params[name] for name in names))) > 0

    async def requeue(self, job_id: int, *, now: float | None = None) -> bool:
        status = await self.pool.execute(
            "WITH r AS (UPDATE jobs SET status = 'pending', run_at = $2, attempts = 0, lease_owner = NULL, "
            "lease_expires = NULL, rescheduled = FALSE, updated_at = $2 WHERE id = $1 AND status = 'failed' "
            "RETURNING id) SELECT pg_notify($3::text, '') FROM r",
            job_id,
            float(now_or(now)),
            self.channel,
        )
        return _affected(status) > 0

    async def get_job(self, job_id: int) -> Job | None:
        row = await self.pool.fetchrow(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1", job_id)
        return job_from_row(row) if row else None

    async def get_job_by_key(self, key: str) -> Job | None:
        row = await self.pool.fetchrow(f"SELECT {JOB_COLUMNS} FROM jobs WHERE key = $1", key)
        return job_from_row(row) if row else None

    async def queued_behind(self, key: str) -> bool:
        return bool(await self.pool.fetchval(QUEUED_BEHIND_SQL.format(key="$1"), key))

    async def list_jobs(self, statuses: Sequence[str] | None = None, *, limit: int = 100) -> list[Job]:
        if statuses is None:
            rows = await self.pool.fetch(f"SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1", limit)
        else:
            rows = await self.pool.fetch(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE status = ANY($1::text[]) ORDER BY id DESC LIMIT $2",
                list(statuses),
                limit,
            )
        return [job_from_row(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        result = dict.fromkeys(STATUSES, 0)
        for row in await self.pool.fetch("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status"):
            result[row["status"]] = row["n"]
        return result

    async def next_run_at(self) -> float | None:
        return await self.pool.fetchval("SELECT MIN(run_at) FROM jobs WHERE status = $1", PENDING)

    async def next_wake(self, *, now: float | None = None) -> float | None:
        return await self.pool.fetchval(
            "SELECT LEAST((SELECT MIN(run_at) FROM jobs WHERE status = 'pending' AND run_at > $1),"
            " (SELECT MIN(lease_expires) FROM jobs WHERE status = 'running' AND lease_expires > $1))",
            float(now_or(now)),
        )

    # -- wake-ups (LISTEN on a dedicated connection, see bot.store.pg_listen) ----------------------------
    def listen(self, wake: Callable[[float | None], None]) -> bool:
        if wake not in self._wakers:
            self._wakers.append(wake)
        if self._listener is None:
            self._listener = Listener(self._connect_listener, self.channel, self._wake_all, backoff=self.LISTEN_BACKOFF)
        self._listener.start()
        return True

    def unlisten(self, wake: Callable[[float | None], None]) -> None:
        if wake in self._wakers:
            self._wakers.remove(wake)

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.live

    @property
    def listener_pid(self) -> int | None:
        """The backend PID of this process's LISTEN connection (None when not listening)."""
        return self._listener.server_pid if self._listener is not None else None

    async def _connect_listener(self) -> asyncpg.Connection:
        settings = {**self._server_settings(), "application_name": "fundbot-listen"}
        return await asyncpg.connect(self.dsn, server_settings=settings, timeout=errors.CONNECT_TIMEOUT)

    def _wake_all(self, at: float | None) -> None:
        for wake in list(self._wakers):
            wake(at)

    async def prune(self, *, older_than: float) -> int:
        status = await self.pool.execute(
            "DELETE FROM jobs WHERE status = 'done' AND updated_at < $1", float(older_than)
        )
        await self.pool.execute("DELETE FROM kv_cache WHERE expires_at < $1", float(older_than))
        await self.pool.execute(pacing_sql.PG_PRUNE, float(older_than) - pacing_sql.IDLE, float(older_than))
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

    async def _cache_put(self, row: tuple[Any, ...]) -> None:
        await self.pool.execute(_CACHE_SQL, *row)

    async def cache_delete(self, namespace: str, key: str) -> None:
        await self.pool.execute("DELETE FROM kv_cache WHERE namespace = $1 AND key = $2", namespace, key)

    # -- pacing (bot.store.pacing_sql) ---------------------------------------------------------------------
    async def pace(self, installation_id: int, budget: pacing.Budget, *, max_wait: float = math.inf,
                   now: float | None = None) -> tuple[bool, float]:
        """One auto-committed upsert (the row lock serialises every process's takes of one installation)."""
        args = pacing_sql.pg_take_args(installation_id, budget, float(now_or(now)), max_wait)
        at = await self.pool.fetchval(pacing_sql.PG_TAKE, *args)
        if at is not None:
            return True, float(at)
        slot = await self.pool.fetchval(pacing_sql.PG_SLOT, *args[:7])
        return False, float(args[1] if slot is None else slot)

    async def pace_block(self, installation_id: int, until: float, *, now: float | None = None) -> None:
        await self.pool.execute(pacing_sql.PG_BLOCK, installation_id, float(until), float(now_or(now)))
