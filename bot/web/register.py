"""One-click registration: GitHub's App manifest flow, from the setup page to a running App.

1. ``GET /setup``: register fundbot on your account (one click) or on an organization. Each form posts the
   manifest (``app.yml`` with this server's ``PUBLIC_URL``) to GitHub's new-app page
   (``GITHUB_URL/settings/apps/new`` or ``GITHUB_URL/organizations/ORG/settings/apps/new``, GitHub
   Enterprise Server too) with a ``state`` this server made and remembers for an hour.
2. GitHub sends the browser back to ``GET /setup/callback?code=...&state=...``; the state must be one of
   ours, unused. The code is exchanged with ``POST /app-manifests/{code}/conversions`` (no authentication,
   valid for an hour, once: GitHub's docs "Registering a GitHub App from a manifest").
3. The App's id, webhook secret, client id and secret go into ``.env`` (mode 0600) and its private key into
   a file beside it (0600); an App already in ``.env`` is replaced only when the form said so. The server
   switches to running mode without a restart (``on_registered``) and links to the App's install page.

Pages have no script; their Content-Security-Policy allows forms to post only here and to GITHUB_URL.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import cachetools
from aiohttp import ClientSession, web
from ruamel.yaml import YAML

from bot.core import names

APP_YML = Path(__file__).resolve().parents[2] / "app.yml"
STATE_TTL = 3600.0  # GitHub's manifest codes last an hour; a state needs no longer
ENV_KEYS = ("APP_ID", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET")
REGISTRATION = web.AppKey("fundbot_registration", object)
STYLE = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}form{margin:1rem 0}"
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def manifest(app_yml: Path, public_url: str, webhook_path: str) -> dict[str, Any]:
    """The manifest GitHub receives: ``app.yml`` with this server's URLs (webhook, redirect, setup)."""
    data = YAML(typ="safe").load(app_yml.read_text(encoding="utf-8")) or {}
    base = public_url.rstrip("/")
    data["hook_attributes"] = {**(data.get("hook_attributes") or {}), "url": base + webhook_path, "active": True}
    data["redirect_url"] = base + "/setup/callback"
    data["setup_url"] = base + "/setup/installed"
    data["callback_urls"] = [base + "/setup/callback"]
    return data


def web_url(api_url: str) -> str:
    """GitHub's web address for its API address: api.github.com -> github.com, HOST/api/v3 -> HOST."""
    base = api_url.rstrip("/")
    if base == "https://api.github.com":
        return "https://github.com"
    return base[: -len("/api/v3")] if base.endswith("/api/v3") else base


def write_env(env_path: Path, values: Mapping[str, str]) -> None:
    """Set ``values`` in a ``.env`` file (other lines kept, these keys replaced), written whole, mode 0600."""
    kept = []
    if env_path.exists():
        for line in env_path.read_text(encoding="utf-8").splitlines():
            key = line.split("=", 1)[0].strip().removeprefix("export ").strip()
            if key not in values:
                kept.append(line)
    text = "\n".join([*kept, *(f"{k}={json.dumps(v)}" for k, v in values.items())]) + "\n"
    _write_private(env_path, text)


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


class Registration:
    """The manifest flow's state and pages (one per server)."""

    def __init__(self, *, api_url: str, github_url: str | None, public_url: str | None, webhook_path: str,
                 env_path: Path, has_app: Callable[[], bool],
                 on_registered: Callable[[dict[str, str]], Awaitable[None]],
                 session: Callable[[], ClientSession], app_yml: Path = APP_YML, clock=time.time) -> None:
        self.api_url, self.github_url = api_url.rstrip("/"), (github_url or web_url(api_url)).rstrip("/")
        self.public_url, self.webhook_path, self.env_path, self.app_yml = public_url, webhook_path, env_path, app_yml
        self.has_app, self.on_registered, self.session = has_app, on_registered, session
        self.states: cachetools.TTLCache[str, dict] = cachetools.TTLCache(maxsize=256, ttl=STATE_TTL, timer=clock)

    def csp(self) -> str:
        return (f"default-src 'none'; style-src '{STYLE_HASH}'; form-action 'self' {self.github_url}; "
                "base-uri 'none'; frame-ancestors 'none'")

    def _page(self, title: str, body: str, status: int = 200) -> web.Response:
        page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · fundbot'
                f"</title><style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>")
        return web.Response(status=status, text=page, content_type="text/html",
                            headers={"Content-Security-Policy": self.csp(), "X-Content-Type-Options": "nosniff",
                                     "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})

    def _form(self, org: str | None, replace: bool) -> str:
        state = secrets.token_urlsafe(24)
        self.states[state] = {"org": org, "replace": replace}
        where = f"/organizations/{quote(org)}/settings/apps/new" if org else "/settings/apps/new"
        action = html.escape(f"{self.github_url}{where}?state={state}")
        data = html.escape(json.dumps(manifest(self.app_yml, self.public_url or "", self.webhook_path)))
        label = f"Register fundbot on {html.escape(org)}" if org else "Register fundbot on my account"
        return (f'<form method="post" action="{action}"><input type="hidden" name="manifest" value="{data}">'
                f'<button type="submit">{label}</button></form>')

    async def setup(self, request: web.Request) -> web.Response:
        if not self.public_url:
            return self._page("Register fundbot", "<p>Set <code>PUBLIC_URL</code> (where GitHub reaches this server, "
                              "e.g. <code>https://fundbot.example.org</code>) and reload: GitHub sends webhooks and "
                              "the browser back there.</p>")
        replace = request.query.get("replace") == "1"
        if self.has_app() and not replace:
            return self._page("Register fundbot", "<p>An App is already configured. Registering another one "
                              'replaces it in <code>.env</code>: <a href="/setup?replace=1">register a new App '
                              "anyway</a>.</p>")
        org = request.query.get("org", "").strip()
        if org and not names.is_login(org):
            return self._page("Register fundbot", "<p>That is not an organization name.</p>", 400)
        body = self._form(org or None, replace)
        if not org:
            body += ('<form method="get" action="/setup"><label>or an organization: <input name="org" '
                     'required maxlength="39"></label>'
                     + ('<input type="hidden" name="replace" value="1">' if replace else "")
                     + ' <button type="submit">Next</button></form>')
        return self._page("Register fundbot", f"<p>GitHub will show the App's permissions and events and let you "
                          f"pick its name.</p>{body}")

    async def callback(self, request: web.Request) -> web.Response:
        code, state = request.query.get("code", ""), request.query.get("state", "")
        pending = self.states.pop(state, None)
        if pending is None or not code or len(code) > 200 or not code.isascii():
            return self._page("Registration failed", '<p>This link is not one this server started (or it was '
                              'used already, or is over an hour old). <a href="/setup">Start again</a>.</p>', 400)
        if self.has_app() and not pending["replace"]:
            return self._page("Registration stopped", "<p>An App is already configured; nothing was changed.</p>", 409)
        try:
            app = await self._convert(code)
        except _Refused as exc:
            return self._page("Registration failed", f"<p>GitHub refused the code: {html.escape(str(exc))}. "
                              '<a href="/setup">Start again</a>.</p>', 502)
        values = self._save(app)
        await self.on_registered(values)
        install = html.escape(str(app.get("html_url") or f"{self.github_url}/apps/{app.get('slug')}") + "/installations/new")
        return self._page("fundbot is registered", f"<p>Registered as <strong>{html.escape(str(app.get('name')))}"
                          f"</strong> (App id {int(app['id'])}); its settings are in <code>.env</code>. fundbot is "
                          f'running.</p><p><a href="{install}">Install it on repositories</a></p>')

    async def _convert(self, code: str) -> dict[str, Any]:
        url = f"{self.api_url}/app-manifests/{quote(code, safe='')}/conversions"
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                   "User-Agent": "fundbot"}
        async with self.session().post(url, headers=headers) as r:
            data = await r.json(content_type=None) if r.content_type.endswith("json") else {}
            if r.status != 201 or not isinstance(data, dict) or not all(k in data for k in ("id", "pem", "webhook_secret")):
                raise _Refused(f"{r.status} {str((data or {}).get('message', ''))[:200]}".strip())
        return data

    def _save(self, app: Mapping[str, Any]) -> dict[str, str]:
        slug = "".join(c for c in str(app.get("slug") or "fundbot") if c.isalnum() or c in "-_")[:60] or "fundbot"
        key_path = self.env_path.with_name(f"{slug}.private-key.pem")
        _write_private(key_path, str(app["pem"]))
        values = {"APP_ID": str(int(app["id"])), "PRIVATE_KEY_PATH": str(key_path),
                  "WEBHOOK_SECRET": str(app["webhook_secret"]), "GITHUB_CLIENT_ID": str(app.get("client_id") or ""),
                  "GITHUB_CLIENT_SECRET": str(app.get("client_secret") or "")}
        write_env(self.env_path, values)
        return {**values, "PRIVATE_KEY": str(app["pem"]), "BOT_LOGIN": f"{slug}[bot]"}


class _Refused(Exception):
    pass


def add_routes(app: web.Application, registration: Registration) -> None:
    app[REGISTRATION] = registration
    app.router.add_get("/setup", registration.setup)
    app.router.add_get("/setup/callback", registration.callback)
