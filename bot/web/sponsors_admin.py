"""``/admin/sponsors``: what ``python -m bot sponsors connect|list|disconnect`` does, from the operator's page
(issue 13). Behind the same sign-in and CSRF check as ``/admin`` (:mod:`bot.web.health`); the token is typed
into a password field, checked with GitHub (it must read the account's sponsorships in full), stored encrypted
with ``SECRET_KEY`` (:mod:`bot.services.sponsor_tokens`) and never shown again: the page lists its last four
characters, as the CLI does. Nothing here logs a token."""

from __future__ import annotations

import datetime
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.web.health import Health, _e

#: (account, token) -> the connected row: checks, verifies with GitHub and stores (app.py passes
#: bot.services.sponsor_tokens.connect_checked); a ValueError (TokenError) says what is wrong
Connect = Callable[[str, str], Awaitable[Any]]


class SponsorsAdmin:
    def __init__(self, health: Health, tokens: Any, *, connect: Connect) -> None:
        """``tokens``: a bot.services.sponsor_tokens.SponsorTokens (``list``, ``disconnect``)."""
        self.health, self.tokens, self.connect_token = health, tokens, connect

    def _allowed(self, request: web.Request, form: Any | None = None) -> bool:
        self.health._enabled()
        if not self.health._signed_in(request):
            return False
        return form is None or hmac.compare_digest(str(form.get("csrf", "")), self.health._csrf())

    async def page(self, request: web.Request, *, message: str = "", status: int = 200) -> web.Response:
        if not self._allowed(request):
            raise web.HTTPSeeOther("/admin")
        csrf = self.health._csrf()
        rows = []
        for row in await self.tokens.list():
            when = datetime.datetime.fromtimestamp(row.connected_at, datetime.UTC).strftime("%Y-%m-%d %H:%M")
            rows.append(f"<tr><td>{_e(row.account)}</td><td>{when} UTC</td><td>…{_e(row.last4)}</td>"
                        f"<td>{_e(', '.join(row.scopes) or 'fine-grained or unknown')}</td><td><form method=\"post\" "
                        f'action="/admin/sponsors/disconnect"><input type="hidden" name="csrf" value="{csrf}">'
                        f'<input type="hidden" name="account" value="{_e(row.account)}">'
                        '<button type="submit">Disconnect</button></form></td></tr>')
        table = "".join(rows) or '<tr><td colspan="5">No account connected.</td></tr>'
        note = f"<p><strong>{_e(message)}</strong></p>" if message else ""
        return self.health._page("GitHub Sponsors", (
            f"{note}<p>An installation token cannot read who sponsors an account (GitHub grants that to the "
            "account's own token only: <code>read:user</code> for a user, <code>read:org</code> from an owner for "
            "an organization). Connect one here to list tiers and past sponsors in the README.</p>"
            "<table><tr><th>Account</th><th>Connected</th><th>Token</th><th>Scopes</th><th></th></tr>"
            f"{table}</table><h2>Connect an account</h2><form method=\"post\" action=\"/admin/sponsors/connect\">"
            f'<input type="hidden" name="csrf" value="{csrf}"><p><label>Account <input name="account" required '
            'autocomplete="off"></label></p><p><label>Token <input name="token" type="password" required '
            'autocomplete="off"></label></p><p><button type="submit">Check with GitHub and connect</button></p>'
            '</form><p><a href="/admin">Back to the health page</a></p>'), status)

    async def connect(self, request: web.Request) -> web.Response:
        form = await request.post()
        if not self._allowed(request, form):
            return self.health._page("Refused", "<p>Sign in again: this form is not from your session.</p>", 403)
        try:
            connected = await self.connect_token(str(form.get("account", "")), str(form.get("token", "")))
        except ValueError as exc:
            return await self.page(request, message=f"Not connected: {exc}", status=400)
        return await self.page(request, message=f"{connected.account}: connected (token …{connected.last4}); the "
                                                "README's sponsors section lists its GitHub sponsors from the next sync")

    async def disconnect(self, request: web.Request) -> web.Response:
        form = await request.post()
        if not self._allowed(request, form):
            return self.health._page("Refused", "<p>Sign in again: this form is not from your session.</p>", 403)
        account = str(form.get("account", ""))
        try:
            known = await self.tokens.disconnect(account)
        except ValueError as exc:
            return await self.page(request, message=str(exc), status=400)
        return await self.page(request, message=f"{account}: " + ("disconnected" if known else "was not connected"))


def add_routes(app: web.Application, admin: SponsorsAdmin) -> None:
    app.router.add_get("/admin/sponsors", admin.page)
    app.router.add_post("/admin/sponsors/connect", admin.connect)
    app.router.add_post("/admin/sponsors/disconnect", admin.disconnect)
