"""Cross-process wake-ups on PostgreSQL: one dedicated connection per process LISTENs on the store's channel.

``enqueue``/``schedule``/``requeue``/``retry_later`` call ``pg_notify`` inside the statement that writes the
row, so the notification is delivered at COMMIT - never before the row is visible to a claimer. The payload
is ``''`` for a job due now, or its ``run_at`` (text) for a job due later; identical notifications of one
transaction are merged by the server (a batch of webhooks sends one).

The channel is ``fundbot_jobs``, or ``fundbot_jobs.<schema>`` when the store uses ``?schema=`` (stores in
different schemas of one database - parallel test runs, several deployments - do not wake each other; a
channel name longer than PostgreSQL's 63 bytes uses a hash of the schema instead).

The connection is not one of the pool's (a pool resets its connections with ``UNLISTEN *``). If it breaks,
the listener reconnects with exponential backoff (0.5 s, doubling, at most 30 s) and logs the loss once;
meanwhile ``live`` is False and workers go back to polling every poll interval. On every (re)connection
and on every loss it calls ``on_wake(None)``: whatever was stored while nobody listened is looked at now.
A half-open connection (no FIN from a dead host) is found by a ``SELECT 1`` every ``health_check`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "fundbot_jobs"
_MAX_IDENTIFIER = 63  # NAMEDATALEN - 1: LISTEN truncates a longer name, pg_notify refuses it


def channel_for(schema: str | None) -> str:
    """The NOTIFY channel of the store in ``schema`` (None: the default search_path)."""
    if not schema:
        return CHANNEL
    name = f"{CHANNEL}.{schema}"
    if len(name.encode()) <= _MAX_IDENTIFIER:
        return name
    return f"{CHANNEL}.{hashlib.sha256(schema.encode()).hexdigest()[:32]}"


def parse_payload(payload: str) -> float | None:
    """``''`` (due now) or a malformed payload: None; else the job's run_at."""
    if not payload:
        return None
    try:
        return float(payload)
    except ValueError:
        return None


class Listener:
    """Keeps one connection LISTENing on ``channel``; calls ``on_wake(run_at | None)`` per notification."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        channel: str,
        on_wake: Callable[[float | None], None],
        *,
        backoff: tuple[float, float] = (0.5, 30.0),
        health_check: float = 30.0,
    ) -> None:
        self._connect = connect
        self.channel = channel
        self._on_wake = on_wake
        self.backoff = backoff
        self.health_check = health_check
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self.reconnects = 0  # successful connections after the first one

    @property
    def live(self) -> bool:
        """True while the LISTEN connection is up (notifications are being delivered)."""
        return self._conn is not None and not self._conn.is_closed()

    @property
    def server_pid(self) -> int | None:
        """The backend PID of the LISTEN connection (for diagnostics and tests), or None when down."""
        return self._conn.get_server_pid() if self.live else None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"fundbot-listen-{self.channel}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        delay = self.backoff[0]
        connected_before = False
        down_logged = False
        while True:
            reason = "connection closed"
            try:
                await self._listen_once(first=not connected_before)
                if connected_before:
                    self.reconnects += 1
                    log.info("PostgreSQL LISTEN %s: reconnected", self.channel)
                connected_before, down_logged, delay = True, False, self.backoff[0]
                self._wake(None)  # rows stored while nobody listened
                await self._watch()
            except asyncio.CancelledError:
                self._drop()
                raise
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"
            was_live = self._conn is not None
            self._drop()
            if was_live:
                self._wake(None)  # workers poll every poll interval until the listener is back
            if not down_logged:
                log.warning("PostgreSQL LISTEN %s lost (%s): workers poll every poll interval; reconnecting "
                            "with backoff", self.channel, reason)
                down_logged = True
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(self.backoff[1], delay * 2)

    async def _listen_once(self, *, first: bool) -> None:
        conn = await self._connect()
        try:
            await conn.add_listener(self.channel, self._on_notification)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn
        if first:
            log.debug("PostgreSQL LISTEN %s: connected (backend %s)", self.channel, conn.get_server_pid())

    async def _watch(self) -> None:
        """Return when the connection is lost (raise if a health check fails)."""
        conn = self._conn
        assert conn is not None
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        while not conn.is_closed():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), timeout=self.health_check)
                return
            await conn.execute("SELECT 1", timeout=10)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()

    def _on_notification(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._wake(parse_payload(payload))

    def _wake(self, at: float | None) -> None:
        try:
            self._on_wake(at)
        except Exception:
            log.exception("PostgreSQL LISTEN %s: wake-up callback failed", self.channel)
