"""Webhook delivery: :class:`Outbox` signs and POSTs each event to ``webhook_url`` as GitHub does, records
it, and sends the events the app's own API calls cause in order, in the background.

A part of the sandbox (``sandbox.outbox``), like :class:`~bot.sandbox.seeding.Seeder`: it reaches the state
only through the world it is given (``self.sb``); the queue and the background tasks live in the world.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Coroutine
from typing import Any

import aiohttp

from bot.core import signing

from . import webhooks as wh
from .state import Delivery
from .world import World


class Outbox:
    def __init__(self, sb: World) -> None:
        self.sb = sb
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def sign(self, body: bytes) -> dict[str, str]:
        return signing.signature_headers(body, self.sb.webhook_secret)

    async def deliver(self, event: str, payload: dict | bytes, *,
                      delivery_id: str | None = None, redelivery: bool = False) -> int:
        """POST one webhook to ``webhook_url`` like GitHub does; record it; return the HTTP status (0 = no answer)."""
        body = bytes(payload) if isinstance(payload, bytes | bytearray) else json.dumps(payload).encode()
        parsed: Any = payload
        if not isinstance(payload, dict):
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = {}
        parsed = parsed if isinstance(parsed, dict) else {}
        guid = delivery_id or self.sb._delivery_guid()
        headers = {
            "Accept": "*/*",
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/sandbox",
            "X-GitHub-Delivery": guid,
            "X-GitHub-Event": event,
            "X-GitHub-Hook-ID": str(self.sb.hook_id),
            "X-GitHub-Hook-Installation-Target-ID": str(self.sb.app_id),
            "X-GitHub-Hook-Installation-Target-Type": "integration",
            **self.sign(body),
        }
        status, status_text, resp_headers, resp_body = 0, "No webhook URL configured", {}, None
        started = time.perf_counter()
        delivered_at = self.sb.clock()
        url = self.sb.webhook_url
        if url:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession()
            try:
                async with self._session.post(url, data=body, headers=headers,
                                              timeout=aiohttp.ClientTimeout(total=10)) as resp:
                    status = resp.status
                    resp_headers = dict(resp.headers)
                    resp_body = (await resp.text(errors="replace"))[:10000]
                status_text = "OK" if 200 <= status < 300 else f"Invalid HTTP Response: {status}"
            except TimeoutError:
                status_text = "timed out"
            except aiohttp.ClientError:
                status_text = "failed to connect to host"
        inst = parsed.get("installation") if isinstance(parsed.get("installation"), dict) else None
        repo = parsed.get("repository") if isinstance(parsed.get("repository"), dict) else None
        self.sb._deliveries.append(Delivery(
            id=self.sb._new_id("delivery"), guid=guid, delivered_at=delivered_at, redelivery=redelivery,
            duration=time.perf_counter() - started, status=status_text, status_code=status, event=event,
            action=parsed.get("action") if isinstance(parsed.get("action"), str) else None,
            installation_id=inst.get("id") if inst else None, repository_id=repo.get("id") if repo else None,
            request_headers=headers, body=body, response_headers=resp_headers, response_body=resp_body, url=url))
        return status

    async def redeliver(self, delivery_id: int) -> int:
        d = next(d for d in self.sb._deliveries if d.id == delivery_id)
        return await self.deliver(d.event, d.body, delivery_id=d.guid, redelivery=True)

    def wants(self, event: str, payload: dict) -> bool:
        if event in wh.ALWAYS_DELIVERED:
            return True
        inst_d = payload.get("installation")
        inst = self.sb._installations.get(inst_d["id"]) if isinstance(inst_d, dict) else None
        return inst is not None and event in inst.events and inst.suspended_at is None

    async def send(self, event: str, payload: dict) -> int | None:
        """Deliver an event caused by a user action, if the installation subscribes to it."""
        if not self.wants(event, payload):
            return None
        return await self.deliver(event, payload)

    def emit(self, event: str, payload: dict) -> None:
        """Queue an event caused by an API call; delivered in order in the background."""
        if not self.sb.deliver_api_events or not self.wants(event, payload):
            return
        self.sb._queue.append((event, payload))
        if self.sb._queue_task is None or self.sb._queue_task.done():
            self.sb._queue_task = self.spawn(self._run_queue())

    async def _run_queue(self) -> None:
        while self.sb._queue:
            event, payload = self.sb._queue.pop(0)
            await self.deliver(event, payload)

    def spawn(self, coro: Coroutine) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self.sb._tasks.add(task)
        task.add_done_callback(self.sb._tasks.discard)
        return task

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued background delivery (API-caused events, redeliveries) is done."""
        deadline = time.monotonic() + timeout
        while self.sb._tasks or self.sb._queue:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self.sb._tasks:
                await asyncio.wait(list(self.sb._tasks), timeout=left)
            else:
                await asyncio.sleep(0)

