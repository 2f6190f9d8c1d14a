"""Assembly: settings → store → one ClientSession → GitHub client → workers → web app.

``Service`` is what ``serve``, ``worker``, ``receive``, ``demo``, the tests and the benchmarks run, so
they all exercise the same wiring.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.edge import sponsorship
from bot.edge.guard import ConnectionGuard, GuardedAppRunner, raise_fd_limit
from bot.edge.web import make_app
from bot.github import Clock, GitHubApp, RealClock, RetryPolicy
from bot.jobs import recovery
from bot.jobs.worker import Processor, Worker
from bot.metrics import Metrics
from bot.services.context import Context
from bot.services.sponsor_tokens import SponsorTokens, connect_checked
from bot.settings import Settings
from bot.store import Store, open_store
from bot.web import health, register, sponsors_admin
from bot.web.register import Registration

log = logging.getLogger(__name__)


class Service:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        store: Store | None = None,
        poll_interval: float = 1.0,
    ):
        self.settings = settings
        self.clock = clock or RealClock()
        self.policy = policy or RetryPolicy()
        self.store = store or open_store(settings.database_url)
        self.poll_interval = poll_interval
        self.session: aiohttp.ClientSession | None = None
        self.github: GitHubApp | None = None
        self.ctx: Context | None = None
        self.worker: Worker | None = None
        self.runner: web.AppRunner | None = None
        self.port: int | None = None
        self.metrics = Metrics()
        self.wakers: list[Callable[[], None]] = []  # called when the edge stores a delivery (worker processes)
        self.registered: dict[str, str] | None = None  # the App's settings, once the manifest flow ran
        self.on_registered: Callable[[dict[str, str]], None] = lambda values: None

    async def open(self, *, migrate: bool = True) -> None:
        await self.store.connect()
        if migrate:
            await self.store.migrate()
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
            connector=aiohttp.TCPConnector(limit=100, limit_per_host=50),
        )
        if self.settings.has_app_credentials:
            self.github = GitHubApp(
                self.session,
                app_id=self.settings.app_id or "",
                private_key=self.settings.private_key or "",
                base_url=self.settings.github_api_url,
                graphql_url=self.settings.graphql_url,
                clock=self.clock,
                policy=self.policy,
                bot_login=self.settings.bot_login,
                mutation_interval=self.settings.mutation_interval,
                api_version=self.settings.github_api_version,
                pacing_budget=self.settings.pacing_budget,
                pacing_store=self.store,  # one budget per installation for every process (bot.core.pacing)
            )
        self.ctx = Context(
            store=self.store, clock=self.clock, settings=self.settings, github=self.github, bot_login=self.settings.bot_login
        )
        self.worker = Worker(
            self.store,
            Processor(self.ctx),
            concurrency=self.settings.worker_concurrency,
            lease=self.settings.lease_seconds,
            max_attempts=self.settings.max_attempts,
            poll_interval=self.poll_interval,
            clock=self.clock,
            metrics=self.metrics,
            installation_concurrency=self.settings.installation_concurrency,
        )

    def start_workers(self) -> bool:
        """Start the worker tasks; in setup mode (no credentials) deliveries just wait in the inbox."""
        assert self.worker is not None
        if self.github is None:
            log.warning("setup mode: no APP_ID/PRIVATE_KEY, deliveries are stored and wait for credentials")
            return False
        self.worker.start()
        return True

    async def schedule_recovery(self, delay: float = 60.0) -> None:
        """The periodic missed-delivery recovery (one job for the whole App, in the shared store)."""
        if self.github is not None and self.ctx is not None:
            existing = await self.store.get_job_by_key(recovery.KEY)
            if existing is None or existing.status in ("done", "failed"):
                await recovery.schedule(self.ctx, delay=delay)

    def notify(self) -> None:
        if self.worker is not None:
            self.worker.notify()
        for wake in self.wakers:
            wake()

    async def start_web(self, *, host: str | None = None, port: int | None = None, reuse_port: bool = False) -> int:
        """Listen (``reuse_port``: SO_REUSEPORT, so several web processes share the port and the kernel
        spreads connections over them); returns the port."""
        app = make_app(self.settings, self.store, notify=self.notify, clock=self.clock.time, metrics_=self.metrics,
                       github_stats=self._github_stats)
        self._add_pages(app)
        raise_fd_limit()  # every open connection is a file descriptor
        self.guard = ConnectionGuard(header_timeout=self.settings.header_timeout,
                                     keepalive_timeout=self.settings.keepalive_timeout)
        self.runner = GuardedAppRunner(app, self.guard, access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, host or self.settings.host, self.settings.port if port is None else port,
                           backlog=1024, reuse_port=reuse_port or None)
        await site.start()
        server = site._server  # the bound socket tells the real port when 0 was asked for
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else (port or self.settings.port)
        return self.port

    def _add_pages(self, app: web.Application) -> None:
        """The operator's page (bot.web.health: 404 without ADMIN_TOKEN) and, in setup mode, the one-click
        registration (bot.web.register): once GitHub has answered, the App's settings are in ``.env`` and
        ``on_registered`` (serve: run again with them) is called. The GitHub Sponsors webhook (bot.edge.sponsorship)
        when its secret is set."""
        sponsorship.add_routes(app)
        operator = health.Health(self.store, self.settings.admin_token, github_stats=self._github_stats,
                                 clock=self.clock.time)
        health.add_routes(app, operator)
        tokens = SponsorTokens(self.store, self.settings.secret_key)
        sponsors_admin.add_routes(app, sponsors_admin.SponsorsAdmin(operator, tokens, connect=lambda account, token: (
            connect_checked(tokens, self.session, self.settings.graphql_url, account, token))))
        if self.settings.has_app_credentials:
            return
        registration = Registration(
            api_url=self.settings.github_api_url, github_url=self.settings.github_url, public_url=self.settings.public_url,
            webhook_path=self.settings.webhook_path, env_path=Path(".env"),
            has_app=lambda: self.registered is not None or self.settings.has_app_credentials,
            on_registered=self._registered, session=lambda: self.session)
        register.add_routes(app, registration)

    async def _registered(self, values: dict[str, str]) -> None:
        self.registered = values
        log.info("registered as GitHub App %s; switching to running mode", values.get("APP_ID"))
        self.on_registered(values)

    def _github_stats(self) -> tuple[dict, dict]:
        if self.github is None:
            return {}, {}
        return dict(self.github.stats.by_status), dict(self.github.stats.rate_limit_remaining)

    async def stop_web(self) -> None:
        """Stop accepting webhooks (before the workers stop, wherever they run)."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def close(self, *, grace: float | None = None) -> None:
        await self.stop_web()  # stop accepting webhooks first
        if self.worker is not None:
            await self.worker.stop(self.settings.shutdown_grace if grace is None else grace)
        if self.session is not None:
            await self.session.close()
            self.session = None
        await self.store.close()


async def wait_until_idle(store: Store, *, timeout: float = 30.0, interval: float = 0.02) -> dict[str, int]:
    """Poll until no job is pending-and-due or running (used by demo, receive and tests)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        counts = await store.counts()
        next_due = await store.next_run_at()
        due = next_due is not None and next_due <= time.time()
        if counts.get("running", 0) == 0 and not due:
            return counts
        if loop.time() > deadline:
            raise TimeoutError(f"jobs still in flight after {timeout}s: {counts}")
        await asyncio.sleep(interval)
