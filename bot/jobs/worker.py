"""Workers: take jobs from the durable inbox and run them.

Flow: ``web`` stored a delivery → ``Worker`` claims it with a lease → ``Processor`` turns it into a
gidgethub ``Event`` and dispatches it through ``bot.routing`` with an installation client → the job is
completed, retried later (exponential backoff with full jitter), or parked as failed after
``max_attempts``. While a job runs its lease is extended in the background; if the process dies, the lease
expires and another worker takes the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable

import cachetools
import gidgethub
from gidgethub.sansio import Event

from bot import logs
from bot.edge.events import installation_id_of, valid_full_name
from bot.github import Clock, GitHubApp, RealClock, RetryLater, is_permanent, status_of
from bot.jobs import routing
from bot.jobs.tasks import TASKS
from bot.metrics import Metrics
from bot.services import repositories
from bot.services.context import Context
from bot.settings import Settings
from bot.store import Job, Store

log = logging.getLogger(__name__)



class NotReady(Exception):
    """The job cannot run yet (e.g. no App credentials); retry later without counting it as a failure."""


class Processor:
    """Runs one job: a webhook through the routers, or a scheduled task through ``TASKS``."""

    def __init__(self, ctx: Context, *, router=None):
        self.ctx = ctx
        self.router = router or routing.ROUTER
        self._repo_installations: cachetools.LRUCache[str, int] = cachetools.LRUCache(maxsize=4096)

    async def __call__(self, job: Job) -> routing.Outcome:
        if job.kind != "webhook":
            return await self._run_task(job)
        payload = json.loads(job.payload)
        repository = payload.get("repository") if isinstance(payload, dict) else None
        if repository is not None and not (isinstance(repository, dict) and valid_full_name(repository.get("full_name"))):
            return routing.Outcome(done=[], permanent=[("payload", ValueError("malformed repository in the payload"))])
        event = Event(payload, event=job.event or "", delivery_id=job.key)
        if not self.router.fetch(event):
            return routing.Outcome(done=[])
        github: GitHubApp | None = self.ctx.github
        if github is None:
            raise NotReady("no App credentials configured: the delivery waits in the inbox")
        if self.ctx.bot_login is None:
            self.ctx.bot_login = await github.get_bot_login()
        installation = installation_id_of(payload)
        if installation is None:
            installation = await self._installation_of_repository(github, payload)
            if installation is None and isinstance(payload.get("repository"), dict):
                return routing.Outcome(done=[])  # not installed there: nothing to do (logged above)
        if job.event == "installation" and payload.get("action") in ("deleted", "suspend"):
            installation = None  # no token can be minted for it any more: handlers get the app client
        gh = await github.installation(installation) if installation is not None else github.app_client()
        return await routing.dispatch(event, gh, self.ctx, done=job.progress, router=self.router)

    async def _run_task(self, job: Job) -> routing.Outcome:
        handler = TASKS.get(job.kind)
        if handler is None:
            return routing.Outcome(done=[], permanent=[(job.kind, LookupError(f"no task handler for {job.kind!r}"))])
        if self.ctx.github is None:
            raise NotReady("no App credentials configured: the task waits")
        if self.ctx.bot_login is None:
            self.ctx.bot_login = await self.ctx.github.get_bot_login()
        try:
            await repositories.run_by_id(handler, job, self.ctx)  # where the job's repository is now
        except RetryLater as exc:
            return routing.Outcome(done=[], retry=[(job.kind, exc)], retry_at=exc.at)
        except Exception as exc:
            if is_permanent(exc):
                log.error("task %s failed permanently: %r", job.kind, exc)
                return routing.Outcome(done=[], permanent=[(job.kind, exc)])
            log.warning("task %s failed, will retry: %r", job.kind, exc)
            return routing.Outcome(done=[], retry=[(job.kind, exc)])
        return routing.Outcome(done=[job.kind])

    async def _installation_of_repository(self, github: GitHubApp, payload: dict) -> int | None:
        """GitHub puts ``installation`` on every App delivery; a replayed or hand-made payload may lack it.
        Then ask GitHub which installation covers the repository (cached)."""
        full_name = (payload.get("repository") or {}).get("full_name") if isinstance(payload, dict) else None
        if not isinstance(full_name, str) or "/" not in full_name:
            return None
        if full_name in self._repo_installations:
            return self._repo_installations[full_name]
        owner, _, repo = full_name.partition("/")
        try:
            data = await github.app_client().getitem("/repos/{owner}/{repo}/installation", {"owner": owner, "repo": repo})
        except gidgethub.BadRequest as exc:
            if status_of(exc) == 404:
                log.warning("fundbot is not installed on %s; nothing to do", full_name)
                return None
            raise
        self._repo_installations[full_name] = data["id"]
        return data["id"]


class Wakeup:
    """Wakes one waiting worker task per signal (no thundering herd: the task that claims a job wakes the
    next one, see ``Worker.run_once``). A signal that finds nobody waiting is kept: the next task about to
    sleep looks once more instead."""

    def __init__(self) -> None:
        self._waiters: dict[asyncio.Future[None], float] = {}  # waiter -> loop time it wakes by itself
        self._kept = False

    @property
    def waiting(self) -> int:
        """How many tasks are asleep here now."""
        return sum(not w.done() for w in self._waiters)

    def signal(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
                return
        self._kept = True

    def signal_by(self, deadline: float) -> None:
        """Something becomes due at loop time ``deadline``: wake one waiter to re-plan its sleep, unless
        one wakes by then anyway. With none waiting the signal is kept (:meth:`signal`): a task may be about to
        sleep on a plan made before this job was stored."""
        pending = [d for w, d in self._waiters.items() if not w.done()]
        if not pending or min(pending) > deadline:
            self.signal()

    def signal_all(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._kept = True

    async def wait(self, timeout: float) -> None:
        if self._kept:
            self._kept = False
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters[waiter] = loop.time() + timeout
        try:
            await asyncio.wait((waiter,), timeout=timeout)
        finally:
            del self._waiters[waiter]


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        store: Store,
        processor: Callable[[Job], Awaitable[routing.Outcome]],
        *,
        owner: str | None = None,
        concurrency: int = Settings.worker_concurrency,
        lease: float = Settings.lease_seconds,
        poll_interval: float = 1.0,
        fallback_poll: float = 10.0,
        max_attempts: int = Settings.max_attempts,
        backoff_base: float = 2.0,
        backoff_cap: float = 900.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
        installation_concurrency: int = Settings.installation_concurrency,
    ):
        self.store = store
        self.metrics = metrics
        self.installation_concurrency = max(1, installation_concurrency)
        self._installation_slots: cachetools.LRUCache[int, asyncio.Semaphore] = cachetools.LRUCache(maxsize=10_000)
        self.processor = processor
        self.owner = owner or default_owner()
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.poll_interval = poll_interval
        self.fallback_poll = max(poll_interval, fallback_poll)  # while the store delivers wake-ups
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.clock = clock or RealClock()
        self.rng = rng or random.Random()
        self._wakeup = Wakeup()
        self._stopping = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self.processed = 0

    # -- control ---------------------------------------------------------------------------------
    def notify(self) -> None:
        """Something was enqueued in this process: one idle task looks now instead of at the next poll."""
        self._wakeup.signal()

    def _store_woke(self, at: float | None) -> None:
        """A wake-up from the store (another process stored a job, see ``Store.listen``)."""
        now = self.clock.time()
        if at is None or at <= now:
            self._wakeup.signal()
        else:
            self._wakeup.signal_by(asyncio.get_running_loop().time() + (at - now))

    PRUNE_EVERY = 3600.0
    KEEP_DONE = 7 * 86400.0  # done jobs (their keys) are kept a week: redeliveries within it are recognised

    async def _maintenance(self) -> None:
        """Hourly: delete done jobs older than a week (and expired cache rows)."""
        while not self._stopping.is_set():
            try:
                pruned = await self.store.prune(older_than=self.clock.time() - self.KEEP_DONE)
                if pruned:
                    log.info("pruned %d done jobs", pruned)
            except Exception:
                log.warning("pruning failed", exc_info=True)
            await self._sleep_or_wake_stop(self.PRUNE_EVERY)

    async def _sleep_or_wake_stop(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    def start(self) -> None:
        self.store.listen(self._store_woke)
        maintenance = asyncio.create_task(self._maintenance(), name="worker-maintenance")
        self._tasks.add(maintenance)
        maintenance.add_done_callback(self._tasks.discard)
        for i in range(self.concurrency):
            task = asyncio.create_task(self._loop(i), name=f"worker-{i}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def stop(self, grace: float = Settings.shutdown_grace) -> None:
        """Stop taking jobs; give in-flight jobs ``grace`` seconds, then cancel them (their jobs are handed
        back to the inbox at once, so another worker can take them without waiting for the lease)."""
        self._stopping.set()
        self.store.unlisten(self._store_woke)
        self._wakeup.signal_all()
        tasks = list(self._tasks)
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- the loop --------------------------------------------------------------------------------
    async def _loop(self, index: int) -> None:
        while not self._stopping.is_set():
            try:
                ran = await self.run_once()
            except Exception:
                log.exception("worker %d: store error; backing off", index)
                ran = False
                await self._sleep_or_wake(min(5.0, self.poll_interval * 5))
                continue
            if not ran:
                await self._sleep_or_wake(await self._idle_wait())

    async def _idle_wait(self) -> float:
        """How long an idle task sleeps unless woken: ``poll_interval``; while the store delivers wake-ups
        from other processes, ``fallback_poll`` (a lost wake-up costs at most that), or less when a job
        becomes due (or a lease expires) sooner."""
        if not self.store.listening:
            return self.poll_interval
        now = self.clock.time()
        try:
            earliest = await self.store.next_wake(now=now)
        except Exception:
            log.debug("next_wake failed; polling", exc_info=True)
            return self.poll_interval
        if earliest is None:
            return self.fallback_poll
        return min(self.fallback_poll, max(0.0, earliest - now) + 0.01)

    async def _sleep_or_wake(self, seconds: float) -> None:
        if self._stopping.is_set():
            return
        await self._wakeup.wait(seconds)

    async def run_once(self) -> bool:
        """Claim and run at most one job. True if a job was run."""
        if self._stopping.is_set():
            return False
        jobs = await self.store.claim(self.owner, lease=self.lease, limit=1, now=self.clock.time())
        if not jobs:
            return False
        self._wakeup.signal()  # there may be more: the next idle task looks (one at a time, no herd)
        await self.run_job(jobs[0])
        return True

    async def run_all(self, *, limit: int = 10_000) -> int:
        """Run due jobs until none is left (tests, ``receive``, ``demo``). Returns how many ran."""
        count = 0
        while count < limit and await self.run_once():
            count += 1
        return count

    async def run_job(self, job: Job) -> None:
        payload_repo = None
        if job.kind == "webhook":
            with contextlib.suppress(Exception):
                payload_repo = (json.loads(job.payload).get("repository") or {}).get("full_name")
        with logs.job_context(delivery=job.key, installation=job.installation_id, repo=payload_repo):
            heartbeat = asyncio.create_task(self._heartbeat(job))
            started = time.perf_counter()
            try:
                async with self._slot(job.installation_id):
                    outcome = await self.processor(job)
            except asyncio.CancelledError:
                # Shutting down mid-job: hand the job back now (no backoff) and re-raise.
                with contextlib.suppress(Exception):
                    await asyncio.shield(
                        self.store.retry_later(job.id, self.owner, run_at=self.clock.time(), error="interrupted by shutdown", progress=job.progress)
                    )
                raise
            except NotReady as exc:
                await self.store.retry_later(job.id, self.owner, run_at=self.clock.time() + 60, error=str(exc), progress=job.progress)
                return
            except Exception as exc:  # the processor itself failed (bad payload, auth): retry with backoff
                log.warning("job %s (%s %s) failed: %r", job.id, job.kind, job.event, exc)
                outcome = routing.Outcome(done=list(job.progress), retry=[("processor", exc)])
            finally:
                heartbeat.cancel()
            result = await self._settle(job, outcome)
            self.processed += 1
            if self.metrics is not None:
                self.metrics.job_finished(job.kind, job.event, result, time.perf_counter() - started)

    def _slot(self, installation_id: int | None) -> contextlib.AbstractAsyncContextManager:
        """At most ``installation_concurrency`` jobs of one installation at once (the lease keeps beating)."""
        if installation_id is None:
            return contextlib.nullcontext()
        slot = self._installation_slots.get(installation_id)
        if slot is None:
            slot = self._installation_slots[installation_id] = asyncio.Semaphore(self.installation_concurrency)
        return slot

    async def _settle(self, job: Job, outcome: routing.Outcome) -> str:
        """Record the job's outcome in the store; returns "done", "retry" or "failed"."""
        now = self.clock.time()
        if outcome.ok:
            if not await self.store.complete(job.id, self.owner, now=now):
                log.warning("job %s: lease lost before completion (another worker has it)", job.id)
            return "done"
        errors = "; ".join(f"{name}: {exc!r}" for name, exc in outcome.permanent + outcome.retry)[:2000]
        if outcome.permanent or job.attempts >= self.max_attempts:
            log.error("job %s parked as failed after %d attempt(s): %s", job.id, job.attempts, errors)
            await self.store.park(job.id, self.owner, error=errors, progress=outcome.done, now=now)
            return "failed"
        if outcome.retry_at is not None and all(isinstance(e, Exception) and hasattr(e, "at") for _, e in outcome.retry):
            run_at = outcome.retry_at
        else:
            ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (job.attempts - 1)))
            run_at = now + self.rng.uniform(ceiling / 2, ceiling)
        log.info("job %s retry %d at +%.1fs: %s", job.id, job.attempts, run_at - now, errors)
        await self.store.retry_later(job.id, self.owner, run_at=run_at, error=errors, progress=outcome.done, now=now)
        return "retry"

    async def _heartbeat(self, job: Job) -> None:
        interval = max(0.05, self.lease / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                if not await self.store.extend_lease(job.id, self.owner, lease=self.lease, now=self.clock.time()):
                    log.warning("job %s: lease lost", job.id)
                    return
            except Exception:
                log.exception("job %s: could not extend the lease", job.id)
