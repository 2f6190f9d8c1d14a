"""GitHub Sponsors' own webhooks: :class:`SponsorsHooks` changes sponsorships and sends the ``sponsorship`` event
as GitHub does for a sponsored account's webhook (Sponsors dashboard -> Webhooks), not as an App delivery.

What GitHub does, and so the sandbox: the hook belongs to the sponsored account, not to any App, and has a
secret of its own (``X-Hub-Signature-256`` is the HMAC-SHA256 of the body with it); its deliveries carry
``X-GitHub-Event: sponsorship`` (or ``ping``), ``X-GitHub-Hook-Installation-Target-Type: sponsors_listing`` and
no ``installation``; they never appear among the App's hook deliveries (``GET /app/hook/deliveries``). The
actions are ``created``, ``cancelled``, ``edited`` (privacy), ``tier_changed``, ``pending_cancellation`` and
``pending_tier_change`` (the last two carry ``effective_date``; tier changes carry ``changes.tier.from``). The
payload follows octokit/webhooks' ``sponsorship$<action>`` (``tests/data/github/webhooks/schema.json``).

A part of the sandbox (``sandbox.sponsors_hooks``): it reaches the state only through the world it is given.
"""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp

from bot.core import signing

from .state import Delivery, Sponsorship, iso, node_id
from .world import World


class SponsorsHooks:
    def __init__(self, sb: World) -> None:
        self.sb = sb
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def hook_of(self, login: str) -> tuple[str | None, str]:
        """(url, secret) of the account's Sponsors webhook (the world's default URL when it has none)."""
        own = self.sb.sponsors_webhooks.get(login.lower())
        return own if own is not None else (self.sb.sponsors_webhook_url, self.sb.sponsors_webhook_secret)

    # --- payloads -------------------------------------------------------------------------------------------
    def tier(self, s: Sponsorship, monthly_usd: int | None = None) -> dict[str, Any]:
        usd = s.monthly_usd if monthly_usd is None else monthly_usd
        name = s.tier_name or (f"${usd} one time" if s.one_time else f"${usd} a month")
        return {"node_id": node_id("SponsorsTier", f"{s.maintainer.id}-{usd}"), "created_at": iso(s.created_at),
                "description": name, "monthly_price_in_cents": usd * 100, "monthly_price_in_dollars": usd,
                "name": name, "is_one_time": s.one_time, "is_custom_amount": False}

    def payload(self, s: Sponsorship, action: str, *, changes: dict | None = None,
                effective_date: float | None = None) -> dict[str, Any]:
        render = self.sb.render
        sponsorship = {
            "node_id": node_id("Sponsorship", s.id), "created_at": iso(s.created_at).replace("Z", "+00:00"),
            "sponsorable": render.user(s.maintainer), "sponsor": render.user(s.sponsor),
            "privacy_level": s.privacy.lower(), "tier": self.tier(s),
        }
        p: dict[str, Any] = {"action": action, "sponsorship": sponsorship}
        if effective_date is not None:
            p["effective_date"] = iso(effective_date)
        if changes is not None:
            p["changes"] = changes
        p["sender"] = render.user(s.sponsor)
        return p

    # --- what sponsors do -----------------------------------------------------------------------------------
    def find(self, maintainer: str, sponsor: str) -> Sponsorship:
        for s in reversed(self.sb._sponsorships):
            if s.maintainer.login.lower() == maintainer.lower() and s.sponsor.login.lower() == sponsor.lower():
                return s
        raise KeyError(f"{sponsor} does not sponsor {maintainer}")

    async def cancel(self, maintainer: str, sponsor: str, *, pending: bool = False) -> int:
        s = self.find(maintainer, sponsor)
        if pending:  # at the end of the billing period: nothing changes yet
            return await self.send(s, "pending_cancellation", effective_date=self.sb.clock() + 30 * 86400)
        s.active = False
        return await self.send(s, "cancelled")

    async def change_tier(self, maintainer: str, sponsor: str, monthly_usd: int, *, pending: bool = False) -> int:
        s = self.find(maintainer, sponsor)
        before = self.tier(s)
        if pending:  # a downgrade takes effect at the end of the billing period
            return await self.send(s, "pending_tier_change", changes={"tier": {"from": before}},
                                   effective_date=self.sb.clock() + 30 * 86400)
        s.monthly_usd = int(monthly_usd)
        return await self.send(s, "tier_changed", changes={"tier": {"from": before}})

    async def set_privacy(self, maintainer: str, sponsor: str, privacy: str) -> int:
        s = self.find(maintainer, sponsor)
        before, s.privacy = s.privacy, privacy.upper()
        return await self.send(s, "edited", changes={"privacy_level": {"from": before.lower()}})

    async def send(self, s: Sponsorship, action: str, **extra: Any) -> int:
        return await self.deliver(s.maintainer.login, "sponsorship", self.payload(s, action, **extra))

    # --- delivery -------------------------------------------------------------------------------------------
    async def deliver(self, login: str, event: str, payload: dict | bytes, *, secret: str | None = None,
                      delivery_id: str | None = None) -> int:
        """POST one delivery of ``login``'s Sponsors webhook, signed with its secret (or ``secret``); recorded in
        ``sponsors_deliveries``; the HTTP status (0: no URL configured or no answer)."""
        url, own_secret = self.hook_of(login)
        body = bytes(payload) if isinstance(payload, bytes | bytearray) else json.dumps(payload).encode()
        guid = delivery_id or self.sb._delivery_guid()
        target = self.sb._ensure_user(login).id  # the sponsors listing's account
        headers = {
            "Accept": "*/*", "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/sandbox",
            "X-GitHub-Delivery": guid, "X-GitHub-Event": event, "X-GitHub-Hook-ID": str(900000 + target),
            "X-GitHub-Hook-Installation-Target-ID": str(target),
            "X-GitHub-Hook-Installation-Target-Type": "sponsors_listing",
            **signing.signature_headers(body, own_secret if secret is None else secret),
        }
        status, text, answer = 0, "No webhook URL configured", None
        started, delivered_at = time.perf_counter(), self.sb.clock()
        if url:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession()
            try:
                async with self._session.post(url, data=body, headers=headers,
                                              timeout=aiohttp.ClientTimeout(total=10)) as resp:
                    status, answer = resp.status, (await resp.text(errors="replace"))[:10000]
                text = "OK" if 200 <= status < 300 else f"Invalid HTTP Response: {status}"
            except (TimeoutError, aiohttp.ClientError):
                text = "failed to connect to host"
        action = payload.get("action") if isinstance(payload, dict) else None
        self.sb.sponsors_deliveries.append(Delivery(
            id=self.sb._new_id("delivery"), guid=guid, delivered_at=delivered_at, redelivery=False,
            duration=time.perf_counter() - started, status=text, status_code=status, event=event,
            action=action if isinstance(action, str) else None, installation_id=None, repository_id=None,
            request_headers=headers, body=body, response_headers={}, response_body=answer, url=url))
        return status
