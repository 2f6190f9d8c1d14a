"""GitHub's web side of the App manifest flow, emulated: the new-app form, the redirect with a one-hour,
one-use code, and the install page (GitHub's docs "Registering a GitHub App from a manifest").

* ``POST /settings/apps/new?state=S`` and ``POST /organizations/ORG/settings/apps/new?state=S`` with a
  ``manifest`` form field: the manifest is checked as GitHub checks it (JSON, ``url``, ``hook_attributes.url``
  and ``redirect_url`` present, ``default_events`` without ``installation`` or ``installation_repositories``:
  "Default events unsupported"), then a page asks for the App's name;
* ``POST /settings/apps/new/confirm``: registers it and redirects to ``redirect_url?code=C&state=S``; the
  conversion (``POST /app-manifests/C/conversions``) then answers once, within the hour, with a fresh
  webhook secret. From then on the sandbox signs webhooks with that secret, sends them to the manifest's
  ``hook_attributes.url`` and carries the App's name and slug;
* ``GET /apps/SLUG/installations/new``: pick repositories (``?account=LOGIN``) and install, which delivers
  ``installation.created`` as GitHub does.

Who is "signed in" on this pretend GitHub: ``?login=`` on the form, default the App's owner.
"""

from __future__ import annotations

import html
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

CODE_TTL = 3600.0
UNSUPPORTED_EVENTS = {"installation", "installation_repositories"}


def manifest_problems(manifest: Any) -> list[str]:
    """What GitHub would refuse in a manifest (empty when it would take it)."""
    if not isinstance(manifest, dict):
        return ["Manifest must be a JSON object"]
    problems = []
    if not (manifest.get("hook_attributes") or {}).get("url"):
        problems.append("Hook url can't be blank")
    for key in ("url", "redirect_url"):
        if not isinstance(manifest.get(key), str) or not manifest[key].startswith(("http://", "https://")):
            problems.append(f"{key} must be an http(s) URL")
    events = manifest.get("default_events") or []
    if not isinstance(events, list) or UNSUPPORTED_EVENTS & set(events):
        problems.append("Default events unsupported: " + ", ".join(sorted(UNSUPPORTED_EVENTS & set(events or []))))
    return problems


def _page(title: str, body: str, status: int = 200) -> web.Response:
    return web.Response(status=status, content_type="text/html", text=(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · GitHub sandbox'
        f"</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"))


class WebPages:
    def __init__(self, sb: Any) -> None:  # the bot.sandbox.Sandbox that serves these pages
        self.sb = sb
        self.codes: dict[str, dict[str, Any]] = {}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/settings/apps/new", self.new_app)
        app.router.add_post("/organizations/{org}/settings/apps/new", self.new_app)
        app.router.add_post("/settings/apps/new/confirm", self.confirm)
        app.router.add_get("/apps/{slug}/installations/new", self.install_page)
        app.router.add_post("/apps/{slug}/installations/new", self.install)

    async def new_app(self, request: web.Request) -> web.Response:
        form = await request.post()
        try:
            manifest = json.loads(str(form.get("manifest", "")))
        except ValueError:
            manifest = None
        problems = manifest_problems(manifest)
        if problems:
            return _page("Invalid GitHub App manifest", "<ul>" + "".join(f"<li>{html.escape(p)}</li>" for p in problems)
                         + "</ul>", 422)
        owner = request.match_info.get("org") or request.query.get("login") or self.sb.app_owner.login
        fields = {"manifest": json.dumps(manifest), "state": request.query.get("state", ""), "owner": owner}
        hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items())
        return _page(f"Create GitHub App for {owner}", (
            f'<form method="post" action="/settings/apps/new/confirm">{hidden}<label>GitHub App name '
            f'<input name="name" value="{html.escape(str(manifest.get("name") or ""))}" required maxlength="34"></label> '
            '<button type="submit">Create GitHub App</button></form>'))

    async def confirm(self, request: web.Request) -> web.Response:
        form = await request.post()
        manifest = json.loads(str(form["manifest"]))
        name = str(form.get("name") or manifest.get("name") or "app").strip()[:34]
        code = secrets.token_hex(10)
        self.codes[code] = {"manifest": manifest, "name": name, "owner": str(form.get("owner") or ""),
                            "at": self.sb.clock()}
        query = {"code": code, **({"state": str(form["state"])} if form.get("state") else {})}
        raise web.HTTPFound(f"{manifest['redirect_url']}?{urlencode(query)}")

    def convert(self, code: str) -> dict[str, Any] | None:
        """The registration a code stands for, once and within the hour (None otherwise): the sandbox now
        plays that App (its name and slug, a new webhook secret, its webhook URL)."""
        found = self.codes.pop(code, None)
        if found is None or self.sb.clock() - found["at"] > CODE_TTL:
            return None
        sb = self.sb
        sb.app_name = found["name"]  # the slug (and the bot account) stay: the sandbox plays one App
        sb.webhook_secret = secrets.token_hex(20)
        sb.webhook_url = found["manifest"]["hook_attributes"]["url"]
        return found

    async def install_page(self, request: web.Request) -> web.Response:
        login = request.query.get("account") or self.sb.app_owner.login
        repos = sorted(r.full_name for r in self.sb._repos.values() if r.full_name.split("/")[0].lower() == login.lower())
        boxes = "".join(f'<label><input type="checkbox" name="repo" value="{html.escape(r)}"> {html.escape(r)}</label><br>'
                        for r in repos)
        return _page(f"Install {self.sb.app_slug}", (
            f'<form method="post"><input type="hidden" name="account" value="{html.escape(login)}">{boxes}'
            '<button type="submit">Install</button></form>'))

    async def install(self, request: web.Request) -> web.Response:
        form = await request.post()
        account = str(form.get("account") or self.sb.app_owner.login)
        chosen = [str(r) for r in form.getall("repo", [])]
        inst = await self.sb.install(account, chosen, sender=account)
        return _page("Installed", f"<p>Installed on {html.escape(', '.join(chosen) or 'no repositories')} "
                     f"(installation {int(inst['id'])}).</p>")
