"""SQLite backend: the embedded default store.

Design
------
* **One writer connection** (plain ``sqlite3``) lives on a dedicated thread (a one-worker executor).
  Every write is a small synchronous function that runs a whole ``BEGIN IMMEDIATE … COMMIT`` transaction
  in one hop to that thread, so statements of two coroutines can never interleave inside a transaction,
  and the write lock is taken up front (no ``SQLITE_BUSY_SNAPSHOT`` on a read-to-write upgrade when
  another process - ``serve`` next to ``worker`` - writes the same file; ``busy_timeout`` makes the
  writers wait for each other instead).
* **Group commit for ``enqueue``**: callers append their row to a queue and await a future; a single
  writer task takes everything queued (up to ``max_batch`` rows), inserts it in *one* transaction (one
  multi-row ``INSERT`` per chunk of up to 128 rows, not one statement per row) and
  resolves each future after the COMMIT (True / False for a duplicate key / the row's own exception).
  While one batch is being fsynced the next one accumulates, so hundreds of concurrent webhook requests
  share a handful of fsyncs.
* **Reads** (``get_job``, ``list_jobs``, ``counts``, ``next_run_at``, ``cache_get``) use a second,
  read-only ``aiosqlite`` connection in autocommit mode; in WAL mode it never waits for the writer and it
  sees every transaction committed before the read starts (so a job is readable as soon as ``enqueue``
  returned). An in-memory database has no second connection: reads go to the writer thread.
* ``journal_mode=WAL``, ``synchronous=FULL`` (``?synchronous=normal`` trades the durability of the last
  transactions on power loss - not on a process crash - for speed).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import math
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiosqlite

from bot.core import pacing

from . import errors, pacing_sql
from .base import (
    CACHE_SQL,
    CLAIM_SQL,
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

T = TypeVar("T")

BUSY_POLL = (0.0001, 0.0002)  # seconds: first and longest pause between tries of a group commit's BEGIN IMMEDIATE


def _busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return (code & 0xFF) == sqlite3.SQLITE_BUSY if code is not None else str(exc).startswith("database is locked")

# Append new migrations at the end; never edit an applied one. Each is a list of single statements
# (``executescript`` would COMMIT the surrounding ``BEGIN IMMEDIATE``).
MIGRATIONS: list[tuple[int, list[str]]] = [
    (
        1,
        [
            """
            CREATE TABLE IF NOT EXISTS jobs (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                kind            TEXT    NOT NULL,
                key             TEXT    NOT NULL UNIQUE,
                event           TEXT,
                payload         BLOB    NOT NULL DEFAULT x'',
                installation_id INTEGER,
                ordering_key    TEXT,
                status          TEXT    NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'running', 'done', 'failed')),
                attempts        INTEGER NOT NULL DEFAULT 0,
                run_at          REAL    NOT NULL,
                lease_owner     TEXT,
                lease_expires   REAL,
                last_error      TEXT,
                progress        TEXT    NOT NULL DEFAULT '[]',
                rescheduled     INTEGER NOT NULL DEFAULT 0,
                created_at      REAL    NOT NULL,
                updated_at      REAL    NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS jobs_claim_idx ON jobs (status, run_at)",
            # Only unfinished jobs can block: keep the ordering index small and the NOT EXISTS cheap.
            "CREATE INDEX IF NOT EXISTS jobs_ordering_idx ON jobs (ordering_key, id) "
            "WHERE status IN ('pending', 'running')",
            "CREATE INDEX IF NOT EXISTS jobs_installation_idx ON jobs (installation_id)",
            """
            CREATE TABLE IF NOT EXISTS kv_cache (
                namespace       TEXT NOT NULL,
                key             TEXT NOT NULL,
                value           TEXT NOT NULL,
                expires_at      REAL,
                installation_id INTEGER,
                updated_at      REAL NOT NULL,
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
    (
        3,
        [
            pacing_sql.SQLITE_TABLE,
        ],
    ),
]

# Numbered parameters: the row is (kind, key, event, payload, installation_id, ordering_key, run_at, now).
_ENQUEUE_SQL = """
INSERT INTO jobs (kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at,
                  progress, rescheduled, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, '[]', 0, ?8, ?8)
ON CONFLICT (key) DO NOTHING
"""

# A group commit inserts its rows with one multi-row statement per chunk (rows in queue order, so ids follow
# arrival order): one sqlite3_step, one release of the GIL by the writer thread, instead of one per row.
# Chunk sizes are fixed (a batch is split greedily) so that the few statements stay in the statement cache.
_CHUNKS = (128, 32, 8, 1)
_INSERT_MANY_SQL = {
    n: "INSERT INTO jobs (kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at, "
       "progress, rescheduled, created_at, updated_at) VALUES "
       + ", ".join(["(?, ?, ?, ?, ?, ?, 'pending', 0, ?, '[]', 0, ?, ?)"] * n) + " ON CONFLICT (key) DO NOTHING"
    for n in _CHUNKS
}

_SCHEDULE_SQL = f"""
INSERT INTO jobs (kind, key, event, payload, installation_id, ordering_key, status, attempts, run_at,
                  progress, rescheduled, created_at, updated_at)
VALUES (:kind, :key, NULL, :payload, :installation_id, :ordering_key, 'pending', 0, :run_at,
        '[]', 0, :now, :now)
ON CONFLICT (key) DO UPDATE SET{SCHEDULE_SET}"""

# Runs inside BEGIN IMMEDIATE: no other writer (thread or process) can change the table between the
# candidate selection and the update, so the ordering rule is checked against the current state.
# The IN subquery is not correlated: SQLite computes it once, before updating.
_CLAIM_SQL = CLAIM_SQL.format(owner=":owner", lease_expires=":lease_expires", now=":now", limit=":limit", lock="",
                              walk=" INDEXED BY jobs_active_idx")
_CACHE_SQL = CACHE_SQL.format(*"??????")
_HOLDS_LEASE = HOLDS_LEASE.format(id=":id", owner=":owner")
_NAMED = {name: f":{name}" for name in ("id", "owner", "now", "run_at", "error", "progress")}
_RELEASE_SQL = {
    "complete": COMPLETE_SQL.format(empty="x''", **_NAMED),
    "retry": RETRY_SQL.format(**_NAMED),
    "park": PARK_SQL.format(**_NAMED),
}


class SQLiteStore(Store):
    def __init__(
        self,
        path: str,
        *,
        url: str | None = None,
        synchronous: str = "FULL",
        busy_timeout: float = 10.0,
        max_batch: int = 500,
        read_only: bool = False,
        create: bool = True,
    ) -> None:
        if synchronous.upper() not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
        self.path = path
        self.url = url or f"sqlite:///{path}"
        self.synchronous = synchronous.upper()
        self.busy_timeout = busy_timeout
        self.max_batch = max_batch
        self.memory = path == ":memory:"
        self.read_only = read_only and not self.memory  # connect() then creates nothing, and writes fail
        self.create = create and not self.read_only  # False: a missing file is NoDatabase, not a new database
        self._conn: sqlite3.Connection | None = None  # writer; only touched on the writer thread
        self._reader: aiosqlite.Connection | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: list[Pending] = []
        self._wakeup = asyncio.Event()
        self._writer_task: asyncio.Task[None] | None = None
        self._closing = False

    # -- plumbing ----------------------------------------------------------------------------------
    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None or self._loop is None:
            raise RuntimeError("SQLiteStore is not connected")
        return await self._loop.run_in_executor(self._executor, fn, *args)

    def _tx(self, fn: Callable[[sqlite3.Connection], T], *, poll: bool = False, durable: bool = True) -> T:
        """On the writer thread: run ``fn`` in one BEGIN IMMEDIATE … COMMIT transaction (``poll``: take the
        write lock by polling, see ``_begin_polling``; not ``durable``: COMMIT without fsync - in WAL mode the
        transaction is still atomic, and the next durable COMMIT syncs it too)."""
        conn = self._conn
        assert conn is not None
        if not durable and self.synchronous != "NORMAL":
            conn.execute("PRAGMA synchronous = NORMAL")
        try:
            if poll:
                self._begin_polling(conn)
            else:
                conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            if not durable and self.synchronous != "NORMAL":
                conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        return result

    async def _write(self, fn: Callable[[sqlite3.Connection], T], *, poll: bool = False, durable: bool = True) -> T:
        return await self._run(functools.partial(self._tx, fn, poll=poll, durable=durable))

    def _begin_polling(self, conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE for a group commit of enqueues, tried again every ``BUSY_POLL`` until ``busy_timeout``.

        SQLite's own busy handler sleeps 1, 2, 5 … 100 ms between tries: against a process that commits back
        to back (a busy worker: claims, lease updates; measured holding the lock 90 % of the time) it misses
        the short gaps between two transactions for seconds, while webhook senders wait. Polling every
        0.1-0.2 ms takes one of the first gaps (at 300 deliveries/s with a busy worker: ack p99 38 ms, where
        pauses growing to 2 ms gave 170-230 ms and SQLite's own handler 1.8-3.5 s). When the lock stays taken past ``busy_timeout`` this
        raises ``database is locked`` as before (the edge answers 503 + Retry-After)."""
        deadline = time.monotonic() + self.busy_timeout
        pause = BUSY_POLL[0]
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not _busy(exc) or time.monotonic() + pause > deadline:
                        raise
                time.sleep(pause)
                pause = min(BUSY_POLL[1], pause * 2)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")

    async def _fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        if self._reader is not None:
            return list(await self._reader.execute_fetchall(sql, params))

        def read() -> list[Any]:
            assert self._conn is not None
            return self._conn.execute(sql, params).fetchall()

        return await self._run(read)

    # -- lifecycle ---------------------------------------------------------------------------------
    def _target(self) -> str:
        """What ``sqlite3.connect`` opens: the path, or a read-only URI."""
        return f"file:{urllib.parse.quote(self.path)}?mode=ro" if self.read_only else self.path

    def _open_writer(self) -> None:
        if not self.create and not self.memory and not os.path.isfile(self.path):
            raise errors.sqlite_unavailable(self.path, self.url, None, create=False)
        try:
            conn = sqlite3.connect(self._target(), timeout=self.busy_timeout, isolation_level=None, uri=self.read_only)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1")  # opening is lazy: fail here, clearly
        except sqlite3.Error as exc:
            raise errors.sqlite_unavailable(self.path, self.url, exc, create=self.create) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            if not self.memory and not self.read_only:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise RuntimeError(f"could not switch {self.path} to WAL mode (got {mode})")
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _close_writer(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def connect(self) -> None:
        if self._executor is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._closing = False
        self._wakeup = asyncio.Event()
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="fundbot-sqlite-writer")
        try:
            await self._run(self._open_writer)
            if not self.memory:
                self._reader = await aiosqlite.connect(self._target(), isolation_level=None, uri=self.read_only)
                await self._reader.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                await self._reader.execute("PRAGMA query_only = 1")
        except BaseException:
            await self._teardown()
            raise
        self._writer_task = asyncio.create_task(self._writer_loop(), name="fundbot-sqlite-group-commit")

    async def _teardown(self) -> None:
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await reader.close()
        if self._executor is not None:
            executor = self._executor
            try:
                await self._run(self._close_writer)
            finally:
                self._executor = None
                executor.shutdown(wait=True)

    async def close(self) -> None:
        """Flush queued enqueues (they are committed), then close both connections."""
        if self._executor is None:
            return
        self._closing = True
        self._wakeup.set()
        if self._writer_task is not None:
            task, self._writer_task = self._writer_task, None
            await task
        await self._teardown()

    async def migrate(self) -> None:
        def apply(conn: sqlite3.Connection) -> None:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
            )
            current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
            for version, statements in MIGRATIONS:
                if version <= current:
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (version, now_or(None))
                )

        await self._write(apply)

    async def ping(self) -> None:
        await self._fetchall("SELECT 1")

    # -- enqueue with group commit (Store.enqueue queues the row) -------------------------------------
    def _connected(self) -> bool:
        return self._loop is not None

    async def _writer_loop(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch = self._queue[: self.max_batch]
                del self._queue[: len(batch)]
                rows = [params for params, _ in batch]
                try:
                    results = await self._write(functools.partial(self._insert_rows, rows=rows), poll=True)
                except BaseException as exc:  # the transaction failed as a whole: nothing was committed
                    fail(batch, exc, "store closed")
                    if not isinstance(exc, Exception):
                        raise
                    continue
                resolve(batch, results)
            if self._closing:
                return

    @staticmethod
    def _insert_rows(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> list[bool | Exception]:
        """Insert a batch (in one transaction): one statement per chunk; a chunk that is refused as a whole
        (some row's own error) is inserted row by row, so only that row fails."""
        results: list[bool | Exception] = []
        start = 0
        while start < len(rows):
            n = next(size for size in _CHUNKS if size <= len(rows) - start)
            chunk = rows[start:start + n]
            start += n
            try:
                results += SQLiteStore._insert_chunk(conn, chunk)
            except Exception:
                if not conn.in_transaction:  # SQLite aborted the transaction (I/O error, disk full...)
                    raise
                results += SQLiteStore._insert_one_by_one(conn, chunk)
        return results

    @staticmethod
    def _insert_chunk(conn: sqlite3.Connection, chunk: list[tuple[Any, ...]]) -> list[bool]:
        params: list[Any] = []
        for row in chunk:
            params += row
            params.append(row[7])  # updated_at = created_at = now
        inserted = conn.execute(_INSERT_MANY_SQL[len(chunk)], params).rowcount
        if inserted == len(chunk):
            return [True] * len(chunk)
        # Some keys existed (or came twice): the rows this statement inserted are the newest ``inserted`` ids
        # (AUTOINCREMENT ids only grow, and this transaction holds the write lock).
        keys = {k for (k,) in conn.execute("SELECT key FROM jobs ORDER BY id DESC LIMIT ?", (inserted,))} if inserted else set()
        results = []
        for row in chunk:
            results.append(row[1] in keys)
            keys.discard(row[1])  # a key given twice in one batch: the first caller gets True
        return results

    @staticmethod
    def _insert_one_by_one(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> list[bool | Exception]:
        results: list[bool | Exception] = []
        for params in rows:
            try:
                cur = conn.execute(_ENQUEUE_SQL, params)
            except Exception as exc:
                # A failing statement only undoes itself, unless SQLite had to abort the transaction
                # (I/O error, disk full…): then the whole batch fails.
                if not conn.in_transaction:
                    raise
                results.append(exc)
            else:
                results.append(cur.rowcount == 1)
        return results

    # -- jobs ------------------------------------------------------------------------------------------
    async def _schedule(self, params: dict[str, Any]) -> None:
        await self._write(lambda conn: conn.execute(_SCHEDULE_SQL, params))

    async def unschedule(self, key: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            deleted = conn.execute("DELETE FROM jobs WHERE key = ? AND status = 'pending'", (key,)).rowcount
            if deleted:
                return True
            # Running and rescheduled: the current run finishes, the next one is cancelled.
            return (
                conn.execute(
                    "UPDATE jobs SET rescheduled = 0 WHERE key = ? AND status = 'running' AND rescheduled",
                    (key,),
                ).rowcount
                > 0
            )

        return await self._write(run)

    async def claim(self, owner: str, *, lease: float, limit: int = 1, now: float | None = None) -> list[Job]:
        if limit < 1:
            return []
        now = now_or(now)
        params = {"owner": owner, "lease_expires": now + lease, "now": now, "limit": limit}

        def run(conn: sqlite3.Connection) -> list[Any]:
            return conn.execute(_CLAIM_SQL, params).fetchall()

        rows = await self._write(run)
        return sorted((job_from_row(r) for r in rows), key=lambda j: j.id)

    async def _update(self, sql: str, params: dict[str, Any]) -> bool:
        return await self._write(lambda conn: conn.execute(sql, params).rowcount > 0)

    async def extend_lease(self, job_id: int, owner: str, *, lease: float, now: float | None = None) -> bool:
        now = now_or(now)
        return await self._update(
            f"UPDATE jobs SET lease_expires = :lease_expires, updated_at = :now WHERE {_HOLDS_LEASE}",
            {"id": job_id, "owner": owner, "lease_expires": now + lease, "now": now},
        )

    async def _release(self, how: str, params: dict[str, Any]) -> bool:
        return await self._update(_RELEASE_SQL[how], params)

    async def requeue(self, job_id: int, *, now: float | None = None) -> bool:
        now = now_or(now)
        return await self._update(
            "UPDATE jobs SET status = 'pending', run_at = :now, attempts = 0, lease_owner = NULL, "
            "lease_expires = NULL, rescheduled = 0, updated_at = :now WHERE id = :id AND status = 'failed'",
            {"id": job_id, "now": now},
        )

    async def get_job(self, job_id: int) -> Job | None:
        rows = await self._fetchall(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
        return job_from_row(rows[0]) if rows else None

    async def get_job_by_key(self, key: str) -> Job | None:
        rows = await self._fetchall(f"SELECT {JOB_COLUMNS} FROM jobs WHERE key = ?", (key,))
        return job_from_row(rows[0]) if rows else None

    async def queued_behind(self, key: str) -> bool:
        return bool((await self._fetchall(QUEUED_BEHIND_SQL.format(key="?"), (key,)))[0][0])

    async def list_jobs(self, statuses: Sequence[str] | None = None, *, limit: int = 100) -> list[Job]:
        if statuses is None:
            rows = await self._fetchall(f"SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = await self._fetchall(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE status IN (SELECT value FROM json_each(?)) "
                "ORDER BY id DESC LIMIT ?",
                (json.dumps(list(statuses)), limit),
            )
        return [job_from_row(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        result = dict.fromkeys(STATUSES, 0)
        for status, n in await self._fetchall("SELECT status, COUNT(*) FROM jobs GROUP BY status"):
            result[status] = n
        return result

    async def next_run_at(self) -> float | None:
        rows = await self._fetchall("SELECT MIN(run_at) FROM jobs WHERE status = ?", (PENDING,))
        return rows[0][0] if rows else None

    async def prune(self, *, older_than: float) -> int:
        def run(conn: sqlite3.Connection) -> int:
            n = conn.execute(
                "DELETE FROM jobs WHERE status = 'done' AND updated_at < ?", (older_than,)
            ).rowcount
            conn.execute("DELETE FROM kv_cache WHERE expires_at < ?", (older_than,))
            conn.execute(pacing_sql.SQLITE_PRUNE, (older_than - pacing_sql.IDLE, older_than))
            return n

        return await self._write(run)

    async def drop_installation(self, installation_id: int, *, keep_keys: Sequence[str] = ()) -> int:
        keep = json.dumps(list(keep_keys))

        def run(conn: sqlite3.Connection) -> int:
            jobs = conn.execute(
                "DELETE FROM jobs WHERE installation_id = ? AND status = 'pending' "
                "AND key NOT IN (SELECT value FROM json_each(?))",
                (installation_id, keep),
            ).rowcount
            cache = conn.execute(
                "DELETE FROM kv_cache WHERE installation_id = ?", (installation_id,)
            ).rowcount
            return jobs + cache

        return await self._write(run)

    # -- cache -------------------------------------------------------------------------------------------
    async def cache_get(self, namespace: str, key: str, *, now: float | None = None) -> Any | None:
        rows = await self._fetchall(
            "SELECT value FROM kv_cache WHERE namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)",
            (namespace, key, now_or(now)),
        )
        return json.loads(rows[0][0]) if rows else None

    async def _cache_put(self, row: tuple[Any, ...]) -> None:
        await self._write(lambda conn: conn.execute(_CACHE_SQL, row))

    async def cache_delete(self, namespace: str, key: str) -> None:
        await self._write(
            lambda conn: conn.execute(
                "DELETE FROM kv_cache WHERE namespace = ? AND key = ?", (namespace, key)
            )
        )

    # -- pacing (bot.store.pacing_sql) ---------------------------------------------------------------------
    async def pace(self, installation_id: int, budget: pacing.Budget, *, max_wait: float = math.inf,
                   now: float | None = None) -> tuple[bool, float]:
        """One transaction on the single writer (BEGIN IMMEDIATE also holds off other processes), without an
        fsync of its own: losing the last reservations to a power cut is harmless."""
        run = functools.partial(pacing_sql.sqlite_take, installation_id=installation_id, budget=budget,
                                now=float(now_or(now)), max_wait=max_wait)
        return await self._write(run, durable=False)

    async def pace_block(self, installation_id: int, until: float, *, now: float | None = None) -> None:
        run = functools.partial(pacing_sql.sqlite_block, installation_id=installation_id, until=float(until),
                                now=float(now_or(now)))
        await self._write(run, durable=False)
