"""``serve``'s process layout: the webhook edge in this process, the workers in child processes.

CPU-heavy handler work (a 256 KB config, a fold of 10,000 pledges) then never delays an acknowledgement.
The supervisor restarts a child that dies (with a backoff), wakes children through one pipe each when
deliveries are stored (one child per delivery, coalesced per event-loop turn), and on shutdown stops them
after the edge with their own grace. It never runs a job.
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
    """One worker slot: the running process (if any) and the write end of its wake pipe."""

    def __init__(self, index: int):
        self.index = index
        self.role = f"worker-{index}"
        self.proc: asyncio.subprocess.Process | None = None
        self.wake_fd: int | None = None
        self.restarts = 0

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
        if self.wake_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.wake_fd)
            self.wake_fd = None


class Supervisor:
    """Runs ``processes`` children of ``python -m bot worker`` and keeps them running until ``stop``."""

    def __init__(self, processes: int, *, grace: float, command: list[str] | None = None,
                 backoff: tuple[float, float] = RESTART_BACKOFF, metrics_port: int | None = None):
        self.children = [Child(i + 1) for i in range(max(1, processes))]
        self.metrics_port = metrics_port  # child N answers scrapes on metrics_port + N (a restart keeps it)
        self.grace = grace
        self.command = command or [sys.executable, "-m", "bot", "worker"]
        self.backoff = backoff
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._wanted = 0  # wakes asked for in this event-loop turn
        self._flush_scheduled = False
        self._next_wake = -1  # the child woken last

    def wake(self) -> None:
        """A delivery was stored: wake a child (one byte, never blocking the edge). The wakes of one event-loop
        turn - a group commit answers many deliveries at once - are written together once the turn ends:
        one child per delivery stored, round robin, at most every child once (a child's woken task wakes
        its next task itself when it claims a job). Outside an event loop: every child, now."""
        self._wanted += 1
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._wanted = 0
            for child in self.children:
                child.wake()
            return
        self._flush_scheduled = True
        loop.call_soon(self._flush_wakes)

    def _flush_wakes(self) -> None:
        self._flush_scheduled = False
        n, self._wanted = min(self._wanted, len(self.children)), 0
        for _ in range(n):
            self._next_wake = (self._next_wake + 1) % len(self.children)
            self.children[self._next_wake].wake()

    async def start(self) -> None:
        for child in self.children:
            await self._spawn(child)
            self._tasks.append(asyncio.create_task(self._watch(child), name=f"supervise-{child.role}"))

    async def _spawn(self, child: Child) -> None:
        read_fd, write_fd = os.pipe()  # both ends non-inheritable (PEP 446): only pass_fds reaches the child
        os.set_blocking(write_fd, False)
        metrics = [] if self.metrics_port is None else ["--metrics-port", str(self.metrics_port + child.index)]
        try:
            child.proc = await asyncio.create_subprocess_exec(
                *self.command, "--wake-fd", str(read_fd), "--role", child.role, *metrics, pass_fds=(read_fd,))
        except BaseException:
            os.close(write_fd)
            raise
        finally:
            os.close(read_fd)
        child.close_pipe()
        child.wake_fd = write_fd
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
            log.info("stopping %d worker process(es): %ss grace", len(running), self.grace)
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


def become_child(fd: int, notify: Callable[[], None], parent_gone: Callable[[], None]) -> None:
    """In a child: make way for the edge, call ``notify`` when the supervisor writes to ``fd``, and
    ``parent_gone`` at end of file (the supervisor died without stopping us: finish in-flight work and
    exit, never run orphaned).

    Making way: nice +CHILD_NICENESS (a worker's throughput can wait, an acknowledgement cannot). And on
    SQLite the edge waits for the file's write lock whenever a child holds it, and a child's writer thread
    holds it while it waits for the GIL: a short switch interval and frozen start-up objects (shorter full
    collections) keep CPU-heavy handler code from stretching a 1 ms transaction into a 50 ms stall."""
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICENESS)
    sys.setswitchinterval(CHILD_SWITCH_INTERVAL)
    gc.freeze()
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
            notify()
            return
        loop.remove_reader(fd)
        with contextlib.suppress(OSError):
            os.close(fd)
        log.warning("the supervising serve process is gone: stopping")
        parent_gone()

    loop.add_reader(fd, readable)


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
