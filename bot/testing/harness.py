"""The bot under test: the real Service (web endpoint + workers + SQLite inbox) wired to a GitHub sandbox.

* ``running_bot(sandbox, where, **settings)`` - the one factory (an async context manager): a started
  Service wired to ``sandbox`` (``sandbox.webhook_url`` points at it), fast retries, 4 workers; with
  ``workers=False`` nothing runs jobs until ``settle`` (or the caller) turns the crank.
* ``settle(sandbox, bot)`` - the one wait: until the sandbox and the inbox are quiet twice in a row.
* ``FakeClock`` - a clock that only moves when told (``advance``); the bot's deadlines, debounce windows
  and retry times follow it.

``bot.testing.World`` builds on these; fundbot's own test fixtures (``tests/bot_fixtures.py``) are these.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from bot.app import Service, wait_until_idle
from bot.core.signing import signature_headers
from bot.github import RetryPolicy
from bot.services.sponsor_tokens import SponsorTokens
from bot.settings import Settings

__all__ = ["BotUnderTest", "FAST_POLICY", "FakeClock", "bot_settings", "running_bot", "settle", "webhook_headers"]

# failed requests are retried after milliseconds, and a hung request gives up after 5 s
FAST_POLICY = RetryPolicy(backoff_base=0.01, backoff_cap=0.05, request_timeout=5.0)


class FakeClock:
    """A clock (``time()``, ``async sleep()``) that starts at the real time and moves only when moved:
    ``advance(seconds)`` / ``advance(days=3)``, or ``now = ...``. A ``sleep`` (the GitHub client waiting
    out a retry) moves it by that much at once."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else float(start)
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float | dt.timedelta = 0.0, *, minutes: float = 0, hours: float = 0,
                days: float = 0) -> float:
        """Move the clock forward; returns the new time. Moving it backwards is refused (ValueError)."""
        step = seconds.total_seconds() if isinstance(seconds, dt.timedelta) else float(seconds)
        step += minutes * 60 + hours * 3600 + days * 86400
        if step < 0:
            raise ValueError(f"a clock only moves forward (asked to move {step:+g} s)")
        self.now += step
        return self.now


def webhook_headers(event: str, body: bytes, secret: str | None, *, delivery: str | None = None) -> dict[str, str]:
    """The headers GitHub sends with a webhook delivery of ``body``; ``secret=None``: unsigned."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/test",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "1",
    }
    if secret is not None:
        headers.update(signature_headers(body, secret))
    return headers


class BotUnderTest:
    """A started bot: ``service`` (``bot.app.Service``), ``store``, ``url`` (its webhook endpoint),
    ``send()`` (POST a webhook yourself) and ``settle()``."""

    def __init__(self, service: Service, session: aiohttp.ClientSession, sandbox=None, *, workers: bool = True):
        self.service = service
        self.session = session
        self.sandbox = sandbox
        self.workers = workers  # False: jobs only run when settle() (or the test) calls worker.run_once()

    async def connect_sponsors(self, account: str, *, owner: str | None = None) -> str:
        """Connect a GitHub Sponsors token for ``account`` as its owner would (``python -m bot sponsors
        connect``): the sandbox makes ``owner`` (default: the account itself; for an organization, one of
        its owners) a personal access token with the scope GitHub asks for. Returns the token."""
        sb = self.sandbox
        org = owner is not None
        if org:
            sb.add_org_owner(account, owner)
        token = sb.add_user_token(owner or account, ("read:org",) if org else ("read:user",))
        await SponsorTokens(self.store, self.service.settings.secret_key).connect(account, token)
        return token

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.service.port}{self.service.settings.webhook_path}"

    @property
    def sponsorship_url(self) -> str | None:
        """The GitHub Sponsors webhook endpoint (``SPONSORSHIP_WEBHOOK_PATH``), None when it is not served."""
        settings = self.service.settings
        if not settings.sponsorship_webhook_secret:
            return None
        return f"http://127.0.0.1:{self.service.port}{settings.sponsorship_webhook_path}"

    @property
    def store(self):
        return self.service.store

    @property
    def clock(self):
        return self.service.clock

    async def send(self, event: str, body: bytes | dict, *, delivery: str | None = None, secret: str | None | bool = True,
                   headers: dict | None = None) -> aiohttp.ClientResponse:
        """POST a webhook to the real endpoint, signed like GitHub signs it (secret=None: unsigned)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        key = self.service.settings.webhook_secret if secret is True else secret
        all_headers = webhook_headers(event, raw, key, delivery=delivery)
        all_headers.update(headers or {})
        async with self.session.post(self.url, data=raw, headers=all_headers) as response:
            await response.read()
            return response

    async def settle(self, **kwargs) -> dict[str, int]:
        """``settle(self.sandbox, self)``; without a sandbox, until no job is running or due."""
        if self.sandbox is None:
            return await wait_until_idle(self.store, timeout=kwargs.get("timeout", 30.0))
        return await settle(self.sandbox, self, **kwargs)


def bot_settings(sandbox, where: Path, **overrides) -> Settings:
    """Settings for a bot against ``sandbox`` with its SQLite database in the folder ``where``."""
    return Settings().for_sandbox(sandbox, **{
        "database_url": f"sqlite:///{Path(where) / 'fundbot.db'}",
        "worker_concurrency": 4,
        "lease_seconds": 5.0,
        "shutdown_grace": 2.0,
        **overrides,
    })


@contextlib.asynccontextmanager
async def running_bot(sandbox, where: Path, *, workers: bool = True, clock=None, policy: RetryPolicy | None = None,
                      poll_interval: float = 0.05, backoff: tuple[float, float] | None = (0.02, 0.05),
                      **settings) -> AsyncIterator[BotUnderTest]:
    """The bot's Service on ``bot_settings(sandbox, where, **settings)``, its endpoint listening on a free
    port and registered as the sandbox's webhook URL. ``backoff`` is the worker's (base, cap) for failed jobs
    (milliseconds, not the production seconds; None: the production ones); ``clock`` a fake one if the caller
    moves time itself (then usually ``workers=False``: ``settle`` runs the due jobs)."""
    service = Service(bot_settings(sandbox, where, **settings), poll_interval=poll_interval,
                      policy=policy or FAST_POLICY, clock=clock)
    await service.open()
    try:
        if service.worker is not None and backoff is not None:
            service.worker.backoff_base, service.worker.backoff_cap = backoff
        await service.start_web(host="127.0.0.1", port=0)
        started = service.start_workers() if workers else False
        sandbox.webhook_url = f"http://127.0.0.1:{service.port}{service.settings.webhook_path}"
        if service.settings.sponsorship_webhook_secret and hasattr(sandbox, "sponsors_webhook_url"):
            # every sponsored account's Sponsors webhook points here (as its owner would set it up)
            sandbox.sponsors_webhook_url = f"http://127.0.0.1:{service.port}{service.settings.sponsorship_webhook_path}"
        async with aiohttp.ClientSession() as session:
            yield BotUnderTest(service, session, sandbox, workers=bool(started))
    finally:
        await service.close(grace=service.settings.shutdown_grace)


async def settle(sandbox, bot: BotUnderTest | Service, *, within: float = 1.0, timeout: float = 60.0) -> dict[str, int]:
    """Wait until the sandbox and the inbox are quiet twice in a row: every webhook the sandbox queued is
    delivered, no job is running, none is due within ``within`` seconds (a failed job waiting out its
    millisecond backoff counts; a campaign deadline weeks away does not), and nothing changed since the
    previous look (the bot's writes cause new deliveries). Raises TimeoutError after ``timeout`` seconds.
    A bot without worker tasks (``workers=False``) has its due jobs run here, one by one, at its clock's
    time (a fake clock: only what is due now). ``bot`` may also be a bare Service with its workers started.
    Returns the inbox's job counts by status."""
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
        horizon = clock.time() + (within if workers else 0.0)  # a fake clock only moves when it is moved
        busy = counts.get("running", 0) > 0 or (next_due is not None and next_due <= horizon)
        seen = (len(sandbox.calls), tuple(sorted(counts.items())))
        if busy:
            quiet = 0
            await asyncio.sleep(0.01)
        else:
            quiet = quiet + 1 if seen == last else 1
        last = seen
    return counts
