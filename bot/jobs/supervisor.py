"""``serve``'s process layout: the webhook edge in this process (and in ``WEB_PROCESSES - 1`` web children
sharing its port with SO_REUSEPORT), the workers in child processes.

CPU-heavy handler work (a 256 KB config, a fold of 10,000 pledges) then never delays an acknowledgement.
A supervisor restarts a child that dies (with a backoff), and on shutdown stops its children with their own
grace (the web children first, then the workers). Every child has one pipe from ``serve`` that it reads
(kept for the slot's lifetime, so a restarted child gets the same one): end of file means ``serve`` is gone
and the child stops. A worker child is also woken through it when a delivery is stored (one child per
delivery, coalesced per event-loop turn); every web process holds the write ends of the worker pipes, so a
delivery stored by any web process wakes a worker. A supervisor never runs a job.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)

RESTART_BACKOFF = (0.5, 30.0)  # first delay, cap (doubling); reset after a child ran STABLE_AFTER seconds
STABLE_AFTER = 60.0
KILL_MARGIN = 5.0  # seconds past the children's own grace before they are SIGKILLed
CHILD_NICENESS = 10  # scheduling weight about a tenth of the edge's when both want the same core
CHILD_SWITCH_INTERVAL = 0.0005  # seconds a thread keeps the GIL when another wants it (Python's default: 0.005)


class Child:
    """One child slot: the running process (if any) and its pipe from ``serve`` (the child reads ``read_fd``;
    ``wake_fd`` is the write end), created once for the slot."""

    def __init__(self, index: int, kind: str = "worker"):
        self.index = index
        self.role = f"{kind}-{index}"
        self.proc: asyncio.subprocess.Process | None = None
        self.wake_fd: int | None = None
        self.read_fd: int | None = None
        self.restarts = 0

    def open_pipe(self) -> None:
        if self.wake_fd is None:
            self.read_fd, self.wake_fd = os.pipe()  # non-inheritable (PEP 446): only pass_fds reaches a child
            os.set_blocking(self.wake_fd, False)

    def wake(self) -> None:
        if self.wake_fd is None:
            return
        try:
            os.write(self.wake_fd, b"\0")
        except (BlockingIOError, BrokenPipeError):
            pass  # a wake is already pending, or the child is gone (it will be restarted and poll on start)
        except OSError:
            log.debug("%s: wake failed", self.role, exc_info=True)

    def close_pipe(self) -> None:
        for fd in (self.wake_fd, self.read_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.wake_fd = self.read_fd = None


class FdWaker:
    """A wake pipe's write end held by a process that does not own the child (a web child)."""

    def __init__(self, fd: int):
        self.wake_fd = fd
        os.set_blocking(fd, False)

    wake = Child.wake


class WakeFanout:
    """Wakes targets (anything with ``wake()``) when deliveries are stored: the wakes of one event-loop turn -
    a group commit answers many deliveries at once - are written together once the turn ends: one target per
    delivery stored, round robin, at most every target once (a child's woken task wakes its next task itself
    when it claims a job). Outside an event loop: every target, now. Never blocks the edge."""

    def __init__(self, targets: list):
        self.targets = targets
        self._wanted = 0  # wakes asked for in this event-loop turn
        self._flush_scheduled = False
        self._next = -1  # the target woken last

    def wake(self) -> None:
        if not self.targets:
            return
        self._wanted += 1
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._wanted = 0
            for target in self.targets:
                target.wake()
            return
        self._flush_scheduled = True
        loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        n, self._wanted = min(self._wanted, len(self.targets)), 0
        for _ in range(n):
            self._next = (self._next + 1) % len(self.targets)
            self.targets[self._next].wake()


class Supervisor:
    """Runs ``processes`` children (``python -m bot worker``, or ``command`` with ``kind``) and keeps them
    running until ``stop``. ``args(child)`` adds arguments and ``fds(child)`` descriptors (the child's own
    pipe end always) to each start; the defaults start worker children."""

    def __init__(self, processes: int, *, grace: float, command: list[str] | None = None,
                 backoff: tuple[float, float] = RESTART_BACKOFF, metrics_port: int | None = None,
                 kind: str = "worker", args: Callable[[Child], list[str]] | None = None,
                 fds: Callable[[Child], tuple[int, ...]] = lambda child: ()):
        self.children = [Child(i + 1, kind) for i in range(max(1, processes))]
        self.metrics_port = metrics_port  # child N answers scrapes on metrics_port + N (a restart keeps it)
        self.grace = grace
        self.command = command or [sys.executable, "-m", "bot", "worker"]
        self.backoff = backoff
        self.args = args or self._worker_args
        self.fds = fds
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._fanout = WakeFanout(self.children)

    def _worker_args(self, child: Child) -> list[str]:
        metrics = [] if self.metrics_port is None else ["--metrics-port", str(self.metrics_port + child.index)]
        return ["--wake-fd", str(child.read_fd), "--role", child.role, *metrics]

    def wake(self) -> None:
        """A delivery was stored: wake a child (see ``WakeFanout``)."""
        self._fanout.wake()

    def open_pipes(self) -> list[int]:
        """Every child's pipe (created now if need be); returns their write ends."""
        for child in self.children:
            child.open_pipe()
        return [child.wake_fd for child in self.children]

    async def start(self) -> None:
        self.open_pipes()
        for child in self.children:
            await self._spawn(child)
            self._tasks.append(asyncio.create_task(self._watch(child), name=f"supervise-{child.role}"))

    async def _spawn(self, child: Child) -> None:
        child.open_pipe()
        child.proc = await asyncio.create_subprocess_exec(
            *self.command, *self.args(child), pass_fds=(child.read_fd, *self.fds(child)))
        log.info("%s started (pid %d)", child.role, child.proc.pid)

    async def _watch(self, child: Child) -> None:
        loop = asyncio.get_running_loop()
        delay = self.backoff[0]
        while True:
            started = loop.time()
            assert child.proc is not None
            code = await child.proc.wait()
            if self._stopping.is_set():
                return
            if loop.time() - started >= STABLE_AFTER:
                delay = self.backoff[0]
            how = f"killed by signal {-code}" if code < 0 else f"exited with status {code}"
            log.error("%s (pid %d) %s; restarting in %.1fs", child.role, child.proc.pid, how, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)
                return  # asked to stop during the backoff
            delay = min(self.backoff[1], delay * 2)
            try:
                await self._spawn(child)
            except OSError as exc:
                log.error("%s: cannot start: %r", child.role, exc)
                continue
            child.restarts += 1

    async def stop(self) -> None:
        """SIGTERM every child, wait for their grace (plus a margin), SIGKILL what is left; close the pipes."""
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        running = [c for c in self.children if c.proc is not None and c.proc.returncode is None]
        for child in running:
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(signal.SIGTERM)
        if running:
            log.info("stopping %d %s process(es): %ss grace", len(running), self.children[0].role.split("-")[0],
                     self.grace)
            waits = [asyncio.create_task(c.proc.wait()) for c in running]
            _done, late = await asyncio.wait(waits, timeout=self.grace + KILL_MARGIN)
            for child in running:
                if child.proc.returncode is None:
                    log.error("%s (pid %d) did not stop within its grace: SIGKILL", child.role, child.proc.pid)
                    with contextlib.suppress(ProcessLookupError):
                        child.proc.kill()
            if late:
                await asyncio.wait(late)
            for child in running:
                if child.proc.returncode not in (0, None):
                    log.warning("%s (pid %d) stopped with status %s", child.role, child.proc.pid, child.proc.returncode)
        for child in self.children:
            child.close_pipe()


def watch_pipe(fd: int, on_data: Callable[[], None], on_eof: Callable[[], None]) -> None:
    """Call ``on_data`` whenever bytes arrive on ``fd`` (a pipe's read end; the bytes are dropped), and
    ``on_eof`` once every write end is closed (then ``fd`` is closed)."""
    loop = asyncio.get_running_loop()
    os.set_blocking(fd, False)

    def readable() -> None:
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            on_data()
            return
        loop.remove_reader(fd)
        with contextlib.suppress(OSError):
            os.close(fd)
        on_eof()

    loop.add_reader(fd, readable)


def become_child(fd: int, notify: Callable[[], None], parent_gone: Callable[[], None]) -> None:
    """In a worker child: make way for the edge, call ``notify`` when a web process writes to ``fd``, and
    ``parent_gone`` at end of file (``serve`` died without stopping us: finish in-flight work and exit,
    never run orphaned).

    Making way: nice +CHILD_NICENESS (a worker's throughput can wait, an acknowledgement cannot). And on
    SQLite the edge waits for the file's write lock whenever a child holds it, and a child's writer thread
    holds it while it waits for the GIL: a short switch interval and frozen start-up objects (shorter full
    collections) keep CPU-heavy handler code from stretching a 1 ms transaction into a 50 ms stall."""
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICENESS)
    sys.setswitchinterval(CHILD_SWITCH_INTERVAL)
    gc.freeze()

    def gone() -> None:
        log.warning("the supervising serve process is gone: stopping")
        parent_gone()

    watch_pipe(fd, notify, gone)


def self_wake_pipe(notify: Callable[[], None]) -> int:
    """A pipe whose bytes call ``notify`` in this process (web children wake the workers running in ``serve``
    itself through it); returns its write end, which the caller keeps open."""
    read_fd, write_fd = os.pipe()
    watch_pipe(read_fd, notify, lambda: None)
    return write_fd


def web_supervisor(count: int, port: int, wake_fds: list[int], grace: float) -> Supervisor:
    """``count`` web children: ``python -m bot serve --web-child`` on ``port`` (SO_REUSEPORT), each holding
    the write ends ``wake_fds`` (one per worker process) and reading its own pipe from ``serve``."""

    def args(child: Child) -> list[str]:
        return ["--parent-fd", str(child.read_fd), "--wake-fds", ",".join(map(str, wake_fds)), "--role", child.role,
                "--port", str(port)]

    return Supervisor(count, grace=grace, command=[sys.executable, "-m", "bot", "serve", "--web-child"], kind="web",
                      args=args, fds=lambda child: tuple(wake_fds))


def web_processes(settings) -> int:
    """How many processes answer webhooks on PORT: WEB_PROCESSES, but one on an in-memory database."""
    url = (settings.database_url or "").lower()
    if settings.web_processes > 1 and url.startswith("sqlite:") and ":memory:" in url:
        log.warning("an in-memory database cannot be shared between web processes: one web process")
        return 1
    return max(1, settings.web_processes)


def worker_processes(settings, *, no_workers: bool) -> int:
    """How many worker processes ``serve`` starts: none for the edge alone, in setup mode (no credentials:
    deliveries wait) or on an in-memory database (another process cannot see it: workers run in-process)."""
    if no_workers or not settings.has_app_credentials or settings.worker_processes == 0:
        return 0
    url = (settings.database_url or "").lower()
    if url.startswith("sqlite:") and ":memory:" in url:
        log.warning("an in-memory database cannot be shared with worker processes: workers run in the web process")
        return 0
    return settings.worker_processes
