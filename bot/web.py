"""The webhook edge: verify, store durably, acknowledge. No GitHub calls and no handler work happen here.

POST ``WEBHOOK_PATH``
    401 missing or wrong ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with ``WEBHOOK_SECRET``),
    400 missing ``X-GitHub-Event``/``X-GitHub-Delivery`` or a body that is not a JSON object,
    413 over 25 MB, 200 for ``ping``, otherwise 202 once the delivery is committed to the inbox.
    The same delivery GUID twice is stored once (the second answer says ``duplicate``).
GET ``/healthz``   200 when the database answers, 503 otherwise.
GET ``/metrics``   Prometheus text format (``bot.metrics``).
GET ``/``          what this is; in setup mode (no App credentials), how to register the App.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
from collections.abc import Callable

import orjson
from aiohttp import web
from gidgethub import ValidationFailure
from gidgethub.sansio import validate_event

from bot.events import installation_id_of, ordering_key
from bot.metrics import Metrics
from bot.settings import MAX_WEBHOOK_BYTES, Settings
from bot.store import Store

log = logging.getLogger(__name__)

STORE_KEY = web.AppKey("store", Store)
SETTINGS_KEY = web.AppKey("settings", Settings)
NOTIFY_KEY = web.AppKey("notify", Callable)
CLOCK_KEY = web.AppKey("clock", Callable)
METRICS_KEY = web.AppKey("metrics", Metrics)
GITHUB_STATS_KEY = web.AppKey("github_stats", Callable)

_GUID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_EVENT_RE = re.compile(r"^[a-z_]{1,64}$")


def parse_json(body: bytes):
    """orjson first (it is on the acknowledgement path); the standard library for valid JSON that orjson
    refuses. ``NaN`` and ``Infinity`` are not JSON: refused by both."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body, parse_constant=_not_json)


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def receive_webhook(request: web.Request) -> web.Response:
    response = await _receive(request)
    metrics = request.app[METRICS_KEY]
    if response.status >= 400:
        metrics.delivery_rejected(response.status)
    return response


async def _receive(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    store = request.app[STORE_KEY]
    if request.content_length is not None and request.content_length > MAX_WEBHOOK_BYTES:
        return _json_error(413, "payload larger than 25 MB")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _json_error(413, "payload larger than 25 MB")
    signature = request.headers.get("X-Hub-Signature-256")
    if not signature:
        return _json_error(401, "missing X-Hub-Signature-256")
    try:
        validate_event(body, signature=signature, secret=settings.webhook_secret or "")
    except ValidationFailure:
        return _json_error(401, "signature does not match")
    event = request.headers.get("X-GitHub-Event", "")
    delivery = request.headers.get("X-GitHub-Delivery", "")
    if not _EVENT_RE.match(event) or not _GUID_RE.match(delivery):
        return _json_error(400, "missing or malformed X-GitHub-Event / X-GitHub-Delivery")
    try:
        payload = parse_json(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _json_error(400, "body is not JSON (configure the webhook with content type application/json)")
    if not isinstance(payload, dict):
        return _json_error(400, "body is not a JSON object")
    if event == "ping":
        log.info("ping from hook %s", payload.get("hook_id"))
        return web.json_response({"ok": True, "zen": payload.get("zen")}, status=200)
    stored = await store.enqueue(
        "webhook",
        delivery,
        payload=body,
        event=event,
        installation_id=installation_id_of(payload),
        ordering_key=ordering_key(event, payload),
        now=request.app[CLOCK_KEY](),
    )
    request.app[METRICS_KEY].delivery_received(event, duplicate=not stored)
    if stored:
        request.app[NOTIFY_KEY]()
    else:
        log.info("delivery %s (%s) already in the inbox", delivery, event)
    return web.json_response({"ok": True, "delivery": delivery, "duplicate": not stored}, status=202)


async def healthz(request: web.Request) -> web.Response:
    store = request.app[STORE_KEY]
    started = time.perf_counter()
    try:
        await store.ping()
    except Exception as exc:
        log.error("health check: database unreachable: %r", exc)
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)
    settings = request.app[SETTINGS_KEY]
    return web.json_response(
        {
            "ok": True,
            "database": "ok",
            "database_ms": round((time.perf_counter() - started) * 1000, 2),
            "mode": "running" if settings.has_app_credentials else "setup",
        }
    )


async def metrics(request: web.Request) -> web.Response:
    store = request.app[STORE_KEY]
    clock = request.app[CLOCK_KEY]
    try:
        counts = await store.counts()
        next_due = await store.next_run_at()
    except Exception:
        return web.Response(status=503, text="# database unreachable\n", content_type="text/plain")
    now = clock()
    calls, remaining = request.app[GITHUB_STATS_KEY]()
    text = request.app[METRICS_KEY].render(
        counts=counts, oldest_due_age=(now - next_due) if next_due is not None and next_due <= now else 0.0,
        github_calls=calls, rate_limits=remaining)
    return web.Response(text=text, content_type="text/plain", charset="utf-8", headers={"X-Content-Type-Options": "nosniff"})


SETUP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fundbot</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; line-height: 1.5">
<h1>fundbot</h1>
<p>A GitHub App that gets open-source maintainers paid: funding links on new issues and releases,
all-or-nothing crowdfunded bounties, a valid <code>.github/FUNDING.yml</code> and a current README sponsor
section. fundbot never holds money.</p>
{status}
<p>Webhooks: <code>POST {path}</code> &middot; health: <a href="/healthz"><code>/healthz</code></a></p>
</body></html>
"""

SETUP_STEPS = """<h2>Setup mode: no App credentials yet</h2>
<p>Webhooks are verified and stored, and wait in the inbox until credentials are configured.</p>
<ol>
<li>Register a GitHub App from the manifest in <code>app.yml</code> (GitHub &rarr; Settings &rarr; Developer settings
&rarr; GitHub Apps &rarr; New GitHub App; copy the permissions and events listed in <code>app.yml</code>), with the
webhook URL <code>https://YOUR-HOST{path}</code> and a webhook secret.</li>
<li>Generate a private key for the App and download it.</li>
<li>Set <code>APP_ID</code>, <code>PRIVATE_KEY_PATH</code> (or <code>PRIVATE_KEY</code>) and
<code>WEBHOOK_SECRET</code> in the environment or in <code>.env</code>, and restart
<code>python -m bot serve</code>.</li>
<li>Install the App on a repository. To try everything without GitHub: <code>python -m bot demo</code>.</li>
</ol>"""


async def index(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    path = html.escape(settings.webhook_path)
    if settings.has_app_credentials:
        status = f"<p>Running as GitHub App id <code>{html.escape(str(settings.app_id))}</code>.</p>"
    else:
        status = SETUP_STEPS.replace("{path}", path)
    page = SETUP_PAGE.replace("{status}", status).replace("{path}", path)
    return web.Response(text=page, content_type="text/html")


def make_app(
    settings: Settings, store: Store, *, notify: Callable[[], None] = lambda: None, clock: Callable[[], float] = time.time,
    metrics_: Metrics | None = None, github_stats: Callable[[], tuple[dict, dict]] = lambda: ({}, {}),
) -> web.Application:
    if not settings.webhook_secret:
        raise ValueError("WEBHOOK_SECRET is required: fundbot refuses to accept unsigned webhooks")
    # client_max_size lets aiohttp refuse an oversized body (413) without buffering it whole.
    app = web.Application(client_max_size=MAX_WEBHOOK_BYTES)
    app[STORE_KEY] = store
    app[SETTINGS_KEY] = settings
    app[NOTIFY_KEY] = notify
    app[CLOCK_KEY] = clock
    app[METRICS_KEY] = metrics_ or Metrics()
    app[GITHUB_STATS_KEY] = github_stats
    app.router.add_post(settings.webhook_path, receive_webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/", index)
    return app
