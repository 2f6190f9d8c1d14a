"""The bot under test: the real Service (web endpoint + workers + SQLite inbox) against the sandbox.

* ``running_bot(sandbox, tmp_path, **settings)`` - the one factory (an async context manager): a started
  Service wired to ``sandbox`` (``sandbox.webhook_url`` points at it), fast retries, 4 workers; with
  ``workers=False`` nothing runs jobs until the test (or ``settle``) turns the crank.
* ``make_bot(**settings)`` - the fixture form: ``await make_bot(max_attempts=3)``, closed at teardown.
* ``bot`` - ``make_bot()`` with the defaults.
* ``settle(sandbox, bot)`` - the one wait: until the sandbox and the inbox are quiet twice in a row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import Service, wait_until_idle
from bot.github import RetryPolicy
from bot.settings import Settings
from tests.helpers import github_headers

__all__ = ["BotUnderTest", "FAST_POLICY", "bot", "bot_settings", "make_bot", "running_bot", "settle"]

# failed requests are retried after milliseconds, and a hung request gives up after 5 s
FAST_POLICY = RetryPolicy(backoff_base=0.01, backoff_cap=0.05, request_timeout=5.0)


class BotUnderTest:
    def __init__(self, service: Service, session: aiohttp.ClientSession, sandbox=None, *, workers: bool = True):
        self.service = service
        self.session = session
        self.sandbox = sandbox
        self.workers = workers  # False: jobs only run when settle() (or the test) calls worker.run_once()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.service.port}{self.service.settings.webhook_path}"

    @property
    def store(self):
        return self.service.store

    async def send(self, event: str, body: bytes | dict, *, delivery: str | None = None, secret: str | None | bool = True,
                   headers: dict | None = None) -> aiohttp.ClientResponse:
        """POST a webhook to the real endpoint, signed like GitHub signs it (secret=None: unsigned)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        key = self.service.settings.webhook_secret if secret is True else secret
        all_headers = github_headers(event, raw, key, delivery=delivery)
        all_headers.update(headers or {})
        async with self.session.post(self.url, data=raw, headers=all_headers) as response:
            await response.read()
            return response

    async def settle(self, **kwargs) -> dict[str, int]:
        """``settle(self.sandbox, self)``; without a sandbox, until no job is running or due."""
        if self.sandbox is None:
            return await wait_until_idle(self.store, timeout=kwargs.get("timeout", 30.0))
        return await settle(self.sandbox, self, **kwargs)


def bot_settings(sandbox, tmp_path, **overrides) -> Settings:
    return Settings().for_sandbox(sandbox, **{
        "database_url": f"sqlite:///{tmp_path / 'fundbot.db'}",
        "worker_concurrency": 4,
        "lease_seconds": 5.0,
        "shutdown_grace": 2.0,
        **overrides,
    })


@contextlib.asynccontextmanager
async def running_bot(sandbox, tmp_path, *, workers: bool = True, clock=None, policy: RetryPolicy | None = None,
                      poll_interval: float = 0.05, backoff: tuple[float, float] | None = (0.02, 0.05),
                      **settings) -> AsyncIterator[BotUnderTest]:
    """The bot's Service on ``bot_settings(sandbox, tmp_path, **settings)``, its endpoint listening on a free
    port and registered as the sandbox's webhook URL. ``backoff`` is the worker's (base, cap) for failed jobs
    (milliseconds, not the production seconds; None: the production ones); ``clock`` a fake one if the test
    moves time itself (then usually ``workers=False``: ``settle`` runs the due jobs)."""
    service = Service(bot_settings(sandbox, tmp_path, **settings), poll_interval=poll_interval,
                      policy=policy or FAST_POLICY, clock=clock)
    await service.open()
    try:
        if service.worker is not None and backoff is not None:
            service.worker.backoff_base, service.worker.backoff_cap = backoff
        await service.start_web(host="127.0.0.1", port=0)
        started = service.start_workers() if workers else False
        sandbox.webhook_url = f"http://127.0.0.1:{service.port}{service.settings.webhook_path}"
        async with aiohttp.ClientSession() as session:
            yield BotUnderTest(service, session, sandbox, workers=bool(started))
    finally:
        await service.close(grace=service.settings.shutdown_grace)


@pytest.fixture
async def make_bot(sandbox, tmp_path):
    """``await make_bot(**settings)``: a started bot (see ``running_bot``), closed at teardown. Each call gets
    its own database file, so a test may run two bots side by side."""
    async with contextlib.AsyncExitStack() as stack:
        made = 0

        async def make(**settings) -> BotUnderTest:
            nonlocal made
            made += 1
            where = tmp_path if made == 1 else tmp_path / f"bot-{made}"
            where.mkdir(exist_ok=True)
            return await stack.enter_async_context(running_bot(sandbox, where, **settings))

        yield make


@pytest.fixture
async def bot(make_bot) -> BotUnderTest:
    return await make_bot()


async def settle(sandbox, bot: BotUnderTest | Service, *, within: float = 1.0, timeout: float = 60.0) -> dict[str, int]:
    """Wait until the sandbox and the inbox are quiet twice in a row: every webhook the sandbox queued is
    delivered, no job is running, none is due within ``within`` seconds (a failed job waiting out its
    millisecond backoff counts; a campaign deadline weeks away does not), and nothing changed since the
    previous look (the bot's writes cause new deliveries). Raises TimeoutError after ``timeout`` seconds.
    A bot without worker tasks (``workers=False``) has its due jobs run here, one by one. ``bot`` may also
    be a bare Service with its workers started."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    service = bot.service if isinstance(bot, BotUnderTest) else bot
    workers = bot.workers if isinstance(bot, BotUnderTest) else True
    store, clock = service.store, service.clock
    quiet, last = 0, None
    while quiet < 2:
        left = deadline - loop.time()
        if left <= 0:
            raise TimeoutError(f"the bot did not settle within {timeout}s: {await store.counts()}")
        await sandbox.drain(timeout=left)
        if workers:
            await wait_until_idle(store, timeout=max(left, 0.1), interval=0.01)
        else:
            while await service.worker.run_once():
                pass
        counts = await store.counts()
        next_due = await store.next_run_at()
        horizon = clock.time() + (within if workers else 0.0)  # a fake clock only moves when the test moves it
        busy = counts.get("running", 0) > 0 or (next_due is not None and next_due <= horizon)
        seen = (len(sandbox.calls), tuple(sorted(counts.items())))
        if busy:
            quiet = 0
            await asyncio.sleep(0.01)
        else:
            quiet = quiet + 1 if seen == last else 1
        last = seen
    return counts
