"""The bot under test: the real Service (web endpoint + workers + SQLite inbox) against the sandbox."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.app import Service, wait_until_idle
from bot.settings import Settings
from tests.helpers import github_headers


class BotUnderTest:
    def __init__(self, service: Service, session: aiohttp.ClientSession):
        self.service = service
        self.session = session

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

    async def settle(self, timeout: float = 20.0) -> dict[str, int]:
        return await wait_until_idle(self.store, timeout=timeout)


def bot_settings(sandbox, tmp_path, **overrides) -> Settings:
    return Settings().for_sandbox(sandbox, **{
        "database_url": f"sqlite:///{tmp_path / 'fundbot.db'}",
        "worker_concurrency": 4,
        "lease_seconds": 5.0,
        "shutdown_grace": 2.0,
        **overrides,
    })


@pytest.fixture
async def bot(sandbox, tmp_path):
    from bot.github import RetryPolicy

    service = Service(bot_settings(sandbox, tmp_path), poll_interval=0.05,
                      policy=RetryPolicy(backoff_base=0.01, backoff_cap=0.05, request_timeout=5.0))
    await service.open()
    service.worker.backoff_base, service.worker.backoff_cap = 0.02, 0.05  # failed jobs come back in milliseconds
    await service.start_web(host="127.0.0.1", port=0)
    service.start_workers()
    sandbox.webhook_url = f"http://127.0.0.1:{service.port}{service.settings.webhook_path}"
    async with aiohttp.ClientSession() as session:
        yield BotUnderTest(service, session)
    await service.close(grace=2)
