"""``python -m bot playground``: try fundbot by hand, as any user, on a sandbox repository, in the browser.

It starts the GitHub sandbox and fundbot against it (the embedded database, a controllable clock: what
``bot.testing.fundbot_world`` gives a maintainer's tests) and serves pages on 127.0.0.1 where you act as
anyone: open issues and pull requests, comment, label, close, merge, publish a release, edit
``.github/fundbot.yml``, move the clock past a deadline. After each action the page waits until fundbot has
handled everything, then shows what it did: its comments rendered as GitHub shows them, labels, reactions,
check runs with annotations, the files and the README sponsor section.

Server-rendered pages, no script, no external resource, a strict Content-Security-Policy; every form carries
a per-process token (a page elsewhere cannot post to the playground); it listens on loopback only.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.core import names, safe_html
from bot.testing import BOT_LOGIN, World, fundbot_world

USERS = ("alice", "bob", "carol", "dave")
CONFIG_PATH = ".github/fundbot.yml"
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;line-height:1.45;"
    "color:#1f2328}header{display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap;border-bottom:1px solid "
    "#d0d7de;padding-bottom:.5rem}.comment{border:1px solid #d0d7de;border-radius:6px;margin:.8rem 0}"
    ".comment h4{margin:0;padding:.4rem .7rem;background:#f6f8fa;border-bottom:1px solid #d0d7de;font-size:.9rem}"
    ".comment .body{padding:.2rem .9rem}.bot h4{background:#ddf4ff}.label{display:inline-block;padding:0 .5rem;"
    "border-radius:1rem;background:#e1e4e8;margin-right:.3rem;font-size:.85rem}form{margin:.5rem 0}"
    "textarea{width:100%;font-family:ui-monospace,monospace}fieldset{border:1px solid #d0d7de;border-radius:6px;"
    "margin:.8rem 0}.muted{color:#59636e}table{border-collapse:collapse}td,th{padding:.2rem .5rem;"
    "border-bottom:1px solid #d0d7de;text-align:left}"
)
CSP = ("default-src 'none'; style-src 'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
       + "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
WORLD = web.AppKey("playground_world", World)
TOKEN = web.AppKey("playground_token", str)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _page(request: web.Request, title: str, body: str) -> web.Response:
    world = request.app[WORLD]
    now = datetime.datetime.fromtimestamp(world.clock.time() if world.clock else 0, datetime.UTC)
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)} · fundbot playground'
            f"</title><style>{STYLE}</style></head><body><header><strong>fundbot playground</strong>"
            f'<a href="/">{_e(world.repo)}</a><a href="/files">Files</a><a href="/checks">Check runs</a>'
            f'<span class="muted">clock: {now:%Y-%m-%d %H:%M} UTC</span></header><h1>{_e(title)}</h1>{body}</body></html>')
    return web.Response(text=page, content_type="text/html",
                        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                                 "Cache-Control": "no-store"})


def _who(request: web.Request, default: str | None = None) -> str:
    world = request.app[WORLD]
    choices = [world.maintainer.login, *USERS]
    options = "".join(f'<option{" selected" if u == default else ""}>{_e(u)}</option>' for u in choices)
    return f'<label>as <select name="as">{options}</select></label>'


def _form(request: web.Request, action: str, fields: str, button: str, **hidden: Any) -> str:
    extra = "".join(f'<input type="hidden" name="{_e(k)}" value="{_e(v)}">' for k, v in hidden.items())
    return (f'<form method="post" action="/act"><input type="hidden" name="token" value="{request.app[TOKEN]}">'
            f'<input type="hidden" name="action" value="{_e(action)}">{extra}{fields} '
            f'<button type="submit">{_e(button)}</button></form>')


async def index(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    state = world.sandbox.repo(world.repo)
    rows = []
    for issue in sorted(state.issues.values(), key=lambda i: -i.number):
        kind = "pull request" if issue.pull is not None else "issue"
        labels = "".join(f'<span class="label">{_e(n)}</span>' for n in issue.label_names)
        rows.append(f'<tr><td><a href="/issues/{issue.number}">#{issue.number}</a></td><td>{_e(issue.title)}</td>'
                    f"<td>{kind}, {_e(issue.state)}</td><td>{labels}</td></tr>")
    table = (f"<table><tr><th>#</th><th>Title</th><th>State</th><th>Labels</th></tr>{''.join(rows)}</table>"
             if rows else '<p class="muted">No issues yet.</p>')
    forms = (
        "<fieldset><legend>Open an issue</legend>" + _form(request, "open_issue",
            f'{_who(request, "alice")} <input name="title" required maxlength="256" placeholder="Title"><br>'
            '<textarea name="body" rows="3" placeholder="Body (Markdown)"></textarea>', "Open issue") + "</fieldset>"
        "<fieldset><legend>Open a pull request</legend>" + _form(request, "open_pull",
            f'{_who(request, "bob")} <input name="title" required maxlength="256" placeholder="Title"><br>'
            '<textarea name="body" rows="2" placeholder="Fixes #1"></textarea>', "Open pull request") + "</fieldset>"
        "<fieldset><legend>Publish a release</legend>" + _form(request, "release",
            '<input name="tag" required maxlength="100" placeholder="v1.0.0"> '
            '<input name="body" maxlength="5000" placeholder="Notes">', "Publish") + "</fieldset>"
        "<fieldset><legend>Time</legend>" + _form(request, "advance",
            '<label>move the clock forward by <input name="days" type="number" min="0" max="3650" step="any" '
            'value="1" required> days</label>', "Advance") + "</fieldset>"
    )
    return _page(request, "Issues and pull requests", table + forms)


async def issue_page(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    try:
        number = int(request.match_info["number"])
        issue = world.issue(number)
    except (ValueError, KeyError, LookupError):
        raise web.HTTPNotFound(text="no such issue\n") from None
    parts = [f'<p>{_e(issue["state"])} · opened by {_e(issue["user"]["login"])} · labels: '
             + ("".join(f'<span class="label">{_e(lb["name"])}</span>' for lb in issue.get("labels") or []) or "none")
             + "</p>", _comment_html(issue["user"]["login"], issue.get("body") or "", [])]
    for c in world.comments(number):
        parts.append(_comment_html(c["user"]["login"], c["body"], world.reactions(c["id"])))
    parts.append("<fieldset><legend>Comment</legend>" + _form(request, "comment",
                 f'{_who(request, "alice")}<br><textarea name="body" rows="3" required placeholder="/pledge 50">'
                 "</textarea>", "Comment", number=number) + "</fieldset>")
    parts.append("<fieldset><legend>Labels and state</legend>"
                 + _form(request, "label", f'{_who(request, world.maintainer.login)} <input name="name" required '
                         'maxlength="50" placeholder="bounty">', "Add label", number=number)
                 + _form(request, "unlabel", f'{_who(request, world.maintainer.login)} <input name="name" required '
                         'maxlength="50">', "Remove label", number=number)
                 + _form(request, "close", f'{_who(request, world.maintainer.login)} <select name="reason">'
                         '<option value="completed">completed</option><option value="not_planned">not planned'
                         "</option></select>", "Close", number=number)
                 + _form(request, "reopen", _who(request, world.maintainer.login), "Reopen", number=number)
                 + (_form(request, "merge", _who(request, world.maintainer.login), "Merge", number=number)
                    if issue.get("pull_request") else "") + "</fieldset>")
    return _page(request, f"#{number} {issue['title']}", "".join(parts))


def _comment_html(login: str, body: str, reactions: list[str]) -> str:
    bot = " bot" if login == BOT_LOGIN else ""
    shown = f' <span class="muted">reactions: {_e(" ".join(reactions))}</span>' if reactions else ""
    return (f'<div class="comment{bot}"><h4>{_e(login)}{shown}</h4>'
            f'<div class="body">{safe_html.render(body)}</div></div>')


async def files_page(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    config = world.file(CONFIG_PATH) or ""
    readme, funding = world.file("README.md"), world.file(".github/FUNDING.yml")
    body = ("<fieldset><legend>.github/fundbot.yml</legend>" + _form(request, "config",
            f'<textarea name="text" rows="14">{_e(config)}</textarea>', "Commit as the maintainer") + "</fieldset>"
            f"<h2>.github/FUNDING.yml</h2><pre>{_e(funding) if funding is not None else 'none'}</pre>"
            f"<h2>README.md</h2>{safe_html.render(readme or '')}")
    return _page(request, "Files", body)


async def checks_page(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    items = []
    for run in reversed(world.check_runs()):
        notes = "".join(f"<li>{_e(a['path'])}:{_e(a['start_line'])} {_e(a['annotation_level'])}: {_e(a['message'])}</li>"
                        for a in world.annotations(run["id"]))
        output = run.get("output") or {}
        items.append(f"<h3>{_e(run['name'])}: {_e(run.get('conclusion') or run.get('status'))}</h3>"
                     f"<p>{_e(output.get('title') or '')}</p>{safe_html.render(output.get('summary') or '')}"
                     + (f"<ul>{notes}</ul>" if notes else ""))
    return _page(request, "Check runs", "".join(items) or '<p class="muted">No check runs yet.</p>')


Action = Callable[[World, Any, dict], Awaitable[str]]


async def _act_open_issue(world, actor, form):
    issue = await actor.open_issue(form["title"][:256], form.get("body", ""))
    return f"/issues/{issue['number']}"


async def _act_open_pull(world, actor, form):
    pull = await actor.open_pull(form["title"][:256], form.get("body", ""), head=f"change-{secrets.token_hex(3)}")
    return f"/issues/{pull['number']}"


async def _act_release(world, actor, form):
    await world.maintainer.publish_release(form["tag"][:100], form.get("body", ""))
    return "/"


async def _act_advance(world, actor, form):
    days = float(form["days"])
    if not 0 <= days <= 3650:
        raise ValueError("days out of range")
    await world.advance(days=days)
    return "/"


async def _act_config(world, actor, form):
    await world.maintainer.push({CONFIG_PATH: form.get("text", "")}, message="Edit fundbot.yml")
    return "/checks"


def _on_issue(method: str, *args: str) -> Action:
    async def act(world, actor, form):
        number = int(form["number"])
        await getattr(actor, method)(number, *(form[a] for a in args))
        return f"/issues/{number}"
    return act


ACTIONS: dict[str, Action] = {
    "open_issue": _act_open_issue, "open_pull": _act_open_pull, "release": _act_release, "advance": _act_advance,
    "config": _act_config, "comment": _on_issue("comment", "body"), "label": _on_issue("label", "name"),
    "unlabel": _on_issue("unlabel", "name"), "close": _on_issue("close", "reason"), "reopen": _on_issue("reopen"),
    "merge": _on_issue("merge"),
}


async def act(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    form = dict(await request.post())
    if not secrets.compare_digest(str(form.get("token", "")), request.app[TOKEN]):
        raise web.HTTPForbidden(text="this form is not from this playground\n")
    action = ACTIONS.get(str(form.get("action")))
    login = str(form.get("as") or world.maintainer.login)
    if action is None or not names.is_login(login):
        raise web.HTTPBadRequest(text="unknown action or user\n")
    actor = world.maintainer if login == world.maintainer.login else world.as_user(login)
    if form.get("action") in ("close",):
        form["reason"] = "not_planned" if form.get("reason") == "not_planned" else "completed"
    try:
        where = await action(world, actor, {k: str(v) for k, v in form.items()})
    except (KeyError, ValueError) as exc:
        raise web.HTTPBadRequest(text=f"that form was incomplete or wrong ({type(exc).__name__})\n") from None
    except Exception as exc:  # the sandbox refused, as GitHub would (merge a closed pull request...)
        raise web.HTTPBadRequest(text=f"GitHub (the sandbox) refused that: {str(exc)[:300]}\n") from None
    await world.settle()
    raise web.HTTPSeeOther(where)


def make_app(world: World) -> web.Application:
    app = web.Application(client_max_size=256 * 1024)
    app[WORLD] = world
    app[TOKEN] = secrets.token_urlsafe(24)
    app.router.add_get("/", index)
    app.router.add_get("/issues/{number}", issue_page)
    app.router.add_get("/files", files_page)
    app.router.add_get("/checks", checks_page)
    app.router.add_post("/act", act)
    return app


DEFAULT_CONFIG = """\
# fundbot's configuration for the playground's repository: edit it on the Files page.
bounties:
  labels:
    "bounty: small": 50
    "bounty: feature": 200
  deadline_days: 14
"""


async def run(*, port: int = 8080, host: str = "127.0.0.1", config: str | None = None,
              started: Callable[[str], None] = print, stop: Any = None) -> None:
    """Run the playground until ``stop`` (an asyncio.Event; default: forever) is set."""
    import asyncio

    async with fundbot_world(config if config is not None else DEFAULT_CONFIG) as world:
        runner = web.AppRunner(make_app(world), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        started(f"fundbot playground: http://{host}:{bound}/ (the repository {world.repo}; act as anyone; "
                "Ctrl-C stops it)")
        try:
            await (stop or asyncio.Event()).wait()
        finally:
            await runner.cleanup()
