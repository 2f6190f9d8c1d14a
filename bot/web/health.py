"""The operator's health page: ``/admin`` - inbox depth, failed jobs with their error and a retry button,
and the GitHub rate limit left per installation.

Only with ``ADMIN_TOKEN`` from the environment (no token set: the page does not exist, 404). The operator
types the token once in a form; the server answers with an HttpOnly, SameSite=Strict cookie holding an
HMAC of it (never the token), and every POST carries a CSRF token derived from that cookie. No script; a
strict Content-Security-Policy.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import html
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.store import Store, StoreUnavailable

COOKIE = "fundbot_admin"
STYLE = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45}"
         "table{border-collapse:collapse}td,th{padding:.25rem .5rem;border-bottom:1px solid #d0d7de;text-align:left;"
         "vertical-align:top}code{white-space:pre-wrap}")
CSP = ("default-src 'none'; style-src 'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
       + "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEALTH = web.AppKey("fundbot_health", object)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


class Health:
    def __init__(self, store: Store, admin_token: str | None, *,
                 github_stats: Callable[[], tuple[dict, dict]] = lambda: ({}, {}), clock=time.time) -> None:
        self.store, self.admin_token, self.github_stats, self.clock = store, admin_token, github_stats, clock

    def _session(self) -> str:
        return hmac.new((self.admin_token or "").encode(), b"fundbot admin session", hashlib.sha256).hexdigest()

    def _csrf(self) -> str:
        return hmac.new(self._session().encode(), b"csrf", hashlib.sha256).hexdigest()[:32]

    def _signed_in(self, request: web.Request) -> bool:
        return hmac.compare_digest(request.cookies.get(COOKIE, ""), self._session())

    def _page(self, title: str, body: str, status: int = 200) -> web.Response:
        page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)} · fundbot</title>'
                f"<style>{STYLE}</style></head><body><h1>{_e(title)}</h1>{body}</body></html>")
        return web.Response(status=status, text=page, content_type="text/html",
                            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store",
                                     "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})

    def _enabled(self) -> None:
        if not self.admin_token:
            raise web.HTTPNotFound(text="Not found\n")

    async def page(self, request: web.Request) -> web.Response:
        self._enabled()
        if not self._signed_in(request):
            return self._page("fundbot: sign in", '<form method="post" action="/admin/login"><label>Admin token '
                              '<input name="token" type="password" required autocomplete="off"></label> '
                              '<button type="submit">Sign in</button></form>')
        try:
            counts, failed, due = await self.store.counts(), await self.store.list_jobs(["failed"], limit=50), \
                await self.store.next_run_at()
        except StoreUnavailable:
            return self._page("fundbot health", "<p>The store is unavailable: webhooks get 503 until it is back.</p>", 503)
        now = self.clock()
        lag = f"{max(0.0, now - due):.1f} s" if due is not None and due <= now else "none"
        summary = " · ".join(f"{_e(k)}: {int(v):,}" for k, v in counts.items())
        rows = "".join(self._failed_row(job) for job in failed) or '<tr><td colspan="5">No failed jobs.</td></tr>'
        _calls, limits = self.github_stats()
        limit_rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in sorted(limits.items())) \
            or '<tr><td colspan="2">No GitHub calls yet.</td></tr>'
        return self._page("fundbot health", (
            f"<p>Inbox: {summary}. Oldest job due for: {lag}.</p><h2>Failed jobs</h2><table><tr><th>Job</th>"
            f"<th>Kind</th><th>Key</th><th>Last error</th><th></th></tr>{rows}</table><h2>GitHub rate limit left"
            f"</h2><table><tr><th>Installation</th><th>Remaining</th></tr>{limit_rows}</table>"
            '<p><a href="/admin/sponsors">GitHub Sponsors: connected accounts</a></p>'))

    def _failed_row(self, job) -> str:
        when = datetime.datetime.fromtimestamp(job.updated_at, datetime.UTC).strftime("%Y-%m-%d %H:%M")
        return (f"<tr><td>{job.id}<br>{when}</td><td>{_e(job.kind)}<br>{job.attempts} attempts</td><td>{_e(job.key)}</td>"
                f"<td><code>{_e((job.last_error or '')[:500])}</code></td><td><form method=\"post\" "
                f'action="/admin/jobs/{job.id}/retry"><input type="hidden" name="csrf" value="{self._csrf()}">'
                '<button type="submit">Retry</button></form></td></tr>')

    async def login(self, request: web.Request) -> web.Response:
        self._enabled()
        form = await request.post()
        if not hmac.compare_digest(str(form.get("token", "")).encode(), (self.admin_token or "").encode()):
            return self._page("fundbot: sign in", '<p>That is not the admin token.</p><p><a href="/admin">Try again'
                              "</a></p>", 403)
        response = web.HTTPSeeOther("/admin")
        response.set_cookie(COOKIE, self._session(), httponly=True, samesite="Strict", path="/admin",
                            secure=request.secure)
        raise response

    async def retry(self, request: web.Request) -> web.Response:
        self._enabled()
        form = await request.post()
        if not self._signed_in(request) or not hmac.compare_digest(str(form.get("csrf", "")), self._csrf()):
            return self._page("Refused", "<p>Sign in again: this form is not from your session.</p>", 403)
        try:
            job_id = int(request.match_info["job_id"])
        except ValueError:
            raise web.HTTPNotFound(text="Not found\n") from None
        await self.store.requeue(job_id)
        raise web.HTTPSeeOther("/admin")


def add_routes(app: web.Application, health: Health) -> None:
    app[HEALTH] = health
    app.router.add_get("/admin", health.page)
    app.router.add_post("/admin/login", health.login)
    app.router.add_post("/admin/jobs/{job_id}/retry", health.retry)
