"""Bounds on what unsigned senders can make the web process hold: bytes of bodies and time of connections.

* ``BodyBudget``: the bytes of request bodies being read at once, across all connections. A body is charged
  for its bytes as they arrive (``BodyHold.charge``, per chunk read) and gives them all back when the handler
  is done with it, whatever the outcome: a connection that announces a Content-Length and sends nothing holds
  nothing. A body starts only if its first ``min(size, small)`` bytes would fit, and a chunk that does not fit
  ends its body (both answered 503). Bodies that may exceed ``small`` (1/64 of the budget: announced larger, or
  without Content-Length) may hold at most three quarters of it together, so large unsigned bodies never crowd
  out the small deliveries GitHub sends most.
* ``ConnectionGuard``: a deadline per connection while no request is being handled. From the connection's
  start the request line and headers must be complete within ``header_timeout``; after each response the next
  request's headers must be complete within ``keepalive_timeout``. A connection past its deadline is closed.
  (aiohttp has a keep-alive timer but, before 3.14, none for a connection that never completes its first
  request; this guard does not depend on the version.) The body's own deadline is the handler's
  (``BODY_TIMEOUT_SECONDS``, in ``bot.web``).
* ``GuardedAppRunner``: an ``AppRunner`` whose server reports connections and requests to the guard, with
  the parser's decompression off (a ``Content-Encoding: gzip`` body is never inflated; ``bot.web`` refuses it).
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger(__name__)


class BodyBudget:
    def __init__(self, capacity: int):
        self.capacity = max(0, int(capacity))
        self.small = max(1, self.capacity // 64)
        self.large_capacity = self.capacity - self.capacity // 4
        self.used = 0  # bytes of bodies received and not yet given back
        self.large_used = 0  # of which by bodies that may exceed ``small``
        self.reading = 0  # bodies being read (holds open), whatever they hold
        self.refused = 0

    def fits_ever(self, size: int) -> bool:
        """Whether a body of ``size`` bytes could be held whole at all (on an idle server)."""
        return size <= (self.capacity if size <= self.small else self.large_capacity)

    def admits(self, size: int) -> bool:
        """Whether a body that may grow to ``size`` bytes can start now (room for its first bytes in its share);
        a refusal is counted."""
        if self._room(min(size, self.small), size > self.small):
            return True
        self.refused += 1
        return False

    def open(self, size: int) -> BodyHold:
        """A hold for one body that may grow to ``size`` bytes; it holds nothing until ``charge``."""
        self.reading += 1
        return BodyHold(self, size > self.small)

    def _room(self, n: int, large: bool) -> bool:
        return self.used + n <= self.capacity and (not large or self.large_used + n <= self.large_capacity)


class BodyHold:
    """What one body holds of a ``BodyBudget``: charged per chunk received, all given back by ``close``."""

    __slots__ = ("budget", "large", "held", "closed")

    def __init__(self, budget: BodyBudget, large: bool):
        self.budget, self.large, self.held, self.closed = budget, large, 0, False

    def charge(self, n: int) -> bool:
        """Add ``n`` received bytes; False (and nothing added, a refusal counted) if they do not fit."""
        budget = self.budget
        if not budget._room(n, self.large):
            budget.refused += 1
            return False
        budget.used += n
        if self.large:
            budget.large_used += n
        self.held += n
        return True

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        budget = self.budget
        budget.used -= self.held
        if self.large:
            budget.large_used -= self.held
        budget.reading -= 1
        self.held = 0


class ConnectionGuard:
    def __init__(self, *, header_timeout: float, keepalive_timeout: float):
        self.header_timeout = header_timeout
        self.keepalive_timeout = keepalive_timeout
        self._deadlines: dict[RequestHandler, asyncio.TimerHandle] = {}
        self.dropped = 0

    @property
    def open_connections(self) -> int:
        return len(self._deadlines)

    def opened(self, protocol: RequestHandler) -> None:
        self._arm(protocol, self.header_timeout)

    def request_started(self, protocol: RequestHandler) -> None:
        handle = self._deadlines.get(protocol)
        if handle is not None:
            handle.cancel()

    def request_finished(self, protocol: RequestHandler) -> None:
        if protocol in self._deadlines:  # still open
            self._arm(protocol, self.keepalive_timeout)

    def closed(self, protocol: RequestHandler) -> None:
        handle = self._deadlines.pop(protocol, None)
        if handle is not None:
            handle.cancel()

    def _arm(self, protocol: RequestHandler, timeout: float) -> None:
        old = self._deadlines.get(protocol)
        if old is not None:
            old.cancel()
        self._deadlines[protocol] = asyncio.get_running_loop().call_later(timeout, self._expire, protocol)

    def _expire(self, protocol: RequestHandler) -> None:
        if self._deadlines.pop(protocol, None) is None:
            return
        self.dropped += 1
        log.debug("closing a connection without a complete request after its deadline")
        protocol.force_close()


class _GuardedServer(web.Server):
    """``web.Server`` reporting to a ``ConnectionGuard``: connections opened and closed (the server's own
    hooks, called by every ``RequestHandler``) and the start and end of each request."""

    guard: ConnectionGuard

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        self.guard.opened(handler)

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        self.guard.closed(handler)
        super().connection_lost(handler, exc)


def _reporting(handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]], guard: ConnectionGuard):
    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        protocol = request.protocol
        guard.request_started(protocol)
        try:
            expect = request.headers.get("Expect")
            if expect is not None and expect.lower() != "100-continue":
                # aiohttp's own answer echoes the value and fails (500) on bytes that are not UTF-8
                return web.Response(status=417, text="only Expect: 100-continue is understood\n")
            return await handler(request)
        finally:
            guard.request_finished(protocol)

    return handle


class _QuietParseErrors(logging.Filter):
    """aiohttp logs every malformed request it answers 400 with a traceback at ERROR: anyone on the
    network could fill the log. Those become one DEBUG line; anything else is left as it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and record.getMessage().startswith("Error handling request"):
            record.msg, record.args = "malformed request refused: %s", (" ".join(str(exc).split())[:200],)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


_QUIET = _QuietParseErrors()


class GuardedAppRunner(web.AppRunner):
    def __init__(self, app: web.Application, guard: ConnectionGuard, **kwargs):
        kwargs.setdefault("keepalive_timeout", guard.keepalive_timeout)
        # the unread rest of a refused body is not drained: the connection is closed once the answer is out
        # (aiohttp would otherwise read and discard for 10 s, costing CPU for every refused sender)
        kwargs.setdefault("lingering_time", 0)
        super().__init__(app, auto_decompress=False, **kwargs)
        self.guard = guard
        logging.getLogger("aiohttp.server").addFilter(_QUIET)

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # aiohttp builds a plain Server; the subclass only adds the two connection hooks above
        server.__class__ = _GuardedServer
        server.guard = self.guard
        server.request_handler = _reporting(server.request_handler, self.guard)
        return server


def raise_fd_limit(wanted: int = 65536) -> int:
    """Raise this process's soft limit on open files towards the hard limit (every connection is one),
    so that many idle or slow connections cannot make ``accept`` fail for a real delivery. Returns the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
        except (ValueError, OSError):
            return soft
    return soft
