"""The webhook edge: verify, store durably, acknowledge. No GitHub calls and no handler work happen here.

POST ``WEBHOOK_PATH``, in this order, each refusal before the body is read unless it says otherwise:
    401 ``X-Hub-Signature-256`` missing or not ``sha256=`` and 64 lowercase hex digits,
    415 a ``Content-Encoding`` or ``Transfer-Encoding`` other than identity/chunked (never inflated),
    413 over 25 MB announced (or a body without Content-Length over ``MAX_CHUNKED_BODY_BYTES``, while read),
    503 with ``Retry-After`` when the bodies being read already hold ``MAX_INFLIGHT_BODY_BYTES`` (or, while
        read, when this body's next bytes would not fit: the budget is charged as bytes arrive),
    408 the body did not arrive within ``BODY_TIMEOUT_SECONDS``, 400 it could not be read;
    then 401 the HMAC-SHA256 of the raw body with ``WEBHOOK_SECRET`` does not match (checked before any parse),
    400 missing ``X-GitHub-Event``/``X-GitHub-Delivery`` or a body that is not a JSON object,
    200 for ``ping``, otherwise 202 once the delivery is committed to the inbox,
    503 with ``Retry-After`` when it could not be stored (database locked or unreachable; logged once).
    The same delivery GUID twice is stored once (the second answer says ``duplicate``).
    With ``Expect: 100-continue`` the checks before the body run first (``expect_continue``): a refused
    request gets its 401/415/413/503 without a ``100 Continue``, so its body is never invited.
GET ``/healthz``   200 when the database answers (with the answering process's pid), 503 otherwise.
GET ``/metrics``   Prometheus text format 0.0.4, by prometheus_client (``bot.metrics``).
GET ``/``          what this is; in setup mode (no App credentials), how to register the App.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import os
import re
import time
from collections.abc import Callable

import orjson
from aiohttp import HttpVersion11, web
from aiohttp.http_exceptions import HttpProcessingError

from bot import web as pages
from bot.edge.events import NotAnObject, ack_fields, parse_json
from bot.edge.guard import BodyBudget, BodyHold
from bot.metrics import CONTENT_TYPE, Metrics
from bot.settings import MAX_WEBHOOK_BYTES, Settings
from bot.store import Store

log = logging.getLogger(__name__)

STORE_KEY = web.AppKey("store", Store)
SETTINGS_KEY = web.AppKey("settings", Settings)
NOTIFY_KEY = web.AppKey("notify", Callable)
CLOCK_KEY = web.AppKey("clock", Callable)
METRICS_KEY = web.AppKey("metrics", Metrics)
GITHUB_STATS_KEY = web.AppKey("github_stats", Callable)
BUDGET_KEY = web.AppKey("body_budget", BodyBudget)
OUTAGE_KEY = web.AppKey("store_outage", object)
MAC_KEY = web.AppKey("webhook_mac", object)  # HMAC-SHA256 keyed with WEBHOOK_SECRET, copied per request

_GUID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_EVENT_RE = re.compile(r"^[a-z_]{1,64}$")
_SIGNATURE_RE = re.compile(r"sha256=([0-9a-f]{64})")
RETRY_AFTER_SECONDS = 2


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


class _BodyRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _signature_of(request: web.Request) -> str | None:
    """The hex digest of the one ``X-Hub-Signature-256`` header if it is well-formed, else None."""
    values = request.headers.getall("X-Hub-Signature-256", [])
    if len(values) != 1:
        return None
    match = _SIGNATURE_RE.fullmatch(values[0])
    return match.group(1) if match else None


def _identity_encoded(request: web.Request) -> bool:
    """GitHub never compresses a webhook: any content coding but ``identity`` and any transfer coding but
    ``chunked`` is refused (aiohttp's parser runs with decompression off, so nothing is inflated)."""
    for value in request.headers.getall("Content-Encoding", []):
        if any(token.strip().lower() not in ("", "identity") for token in value.split(",")):
            return False
    for value in request.headers.getall("Transfer-Encoding", []):
        if any(token.strip().lower() not in ("", "chunked") for token in value.split(",")):
            return False
    return True


_PART = 64 * 1024


class _Received:
    """A body as it arrives, never copied while unsigned: the chunks read (those under 64 KB coalesced, so a
    trickle of tiny chunks costs its bytes and no more) and their HMAC-SHA256, updated chunk by chunk."""

    def __init__(self, mac):
        self.parts: list[bytes | bytearray] = []
        self.tail = bytearray()
        self.size = 0
        self.mac = mac.copy()  # the keyed state is computed once per process, not once per request

    def add(self, chunk: bytes) -> None:
        self.mac.update(chunk)
        self.size += len(chunk)
        if len(chunk) >= _PART:
            self._flush()
            self.parts.append(chunk)
        else:
            self.tail += chunk
            if len(self.tail) >= _PART:
                self._flush()

    def _flush(self) -> None:
        if self.tail:
            self.parts.append(self.tail)
            self.tail = bytearray()

    def signed_by(self, signature: str) -> bool:
        return hmac.compare_digest(self.mac.hexdigest(), signature)

    def joined(self) -> bytes:
        self._flush()
        return b"".join(self.parts)


async def _read_body(request: web.Request, hold: BodyHold, *, length: int | None, limit: int,
                     timeout: float) -> _Received:
    """The body, within ``timeout``, charged to ``hold`` chunk by chunk as it arrives (what is kept grows with
    what was received, never with what was announced); at most ``limit`` bytes are accepted."""
    received = _Received(request.app[MAC_KEY])
    content = request.content
    try:
        if content.is_eof():  # the whole body has arrived already: nothing can wait, no timer to arm
            await _take_body(content, received, hold, limit)
        else:
            async with asyncio.timeout(timeout):
                await _take_body(content, received, hold, limit)
    except TimeoutError:
        raise _BodyRefused(408, f"the body did not arrive within {timeout:g} s") from None
    except (HttpProcessingError, ConnectionError, asyncio.IncompleteReadError) as exc:
        raise _BodyRefused(400, f"the body could not be read: {type(exc).__name__}") from None
    if length is not None and received.size != length:
        raise _BodyRefused(400, "the body is shorter than its Content-Length")
    return received


async def _take_body(content, received: _Received, hold: BodyHold, limit: int) -> None:
    while chunk := await content.readany():
        if received.size + len(chunk) > limit:  # only a body without Content-Length can outgrow its limit
            raise _BodyRefused(413, "a body without Content-Length may not exceed "
                                    f"{limit} bytes (GitHub always sends Content-Length)")
        if not hold.charge(len(chunk)):
            raise _BodyRefused(503, _BUSY)
        received.add(chunk)


_BUSY = "too many request bodies being received; retry later"


class StoreOutage:
    """Enqueues that failed (database locked, unreachable, closed): each is answered 503 with Retry-After,
    and an outage is logged once when it starts (with the first error) and once when a delivery is stored
    again (with how many were refused), never once per request."""

    def __init__(self) -> None:
        self.refused = 0  # in the current outage
        self.total = 0

    def failed(self, exc: Exception) -> None:
        if self.refused == 0:
            log.error("cannot store deliveries (answering 503 + Retry-After until it works again): %s: %s",
                      type(exc).__name__, " ".join(str(exc).split())[:300])
        self.refused += 1
        self.total += 1

    def stored(self) -> None:
        if self.refused:
            log.warning("deliveries are stored again, after %d answered 503", self.refused)
            self.refused = 0


def _busy() -> web.Response:
    response = _json_error(503, _BUSY)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _possible_size(request: web.Request) -> int:
    """How large this request's body may grow: its Content-Length, else the chunked limit (0: no body)."""
    settings = request.app[SETTINGS_KEY]
    if request.content_length is not None:
        return request.content_length
    return settings.max_chunked_body_bytes if request.body_exists else 0


def _refusal_before_body(request: web.Request) -> web.Response | None:
    """What the headers alone refuse (401, 415, 413, 503), or None: the body may be read."""
    if request.app[MAC_KEY] is None:  # setup mode before registration: no secret to check a signature with
        return _json_error(503, "fundbot is not registered yet: no WEBHOOK_SECRET (open / on this server)")
    if _signature_of(request) is None:
        return _json_error(401, "missing or malformed X-Hub-Signature-256 (expected sha256= and 64 hex digits)")
    if not _identity_encoded(request):
        return _json_error(415, "the body must not be compressed or otherwise encoded")
    length = request.content_length
    if length is not None and length > MAX_WEBHOOK_BYTES:
        return _json_error(413, "payload larger than 25 MB")
    budget = request.app[BUDGET_KEY]
    size = _possible_size(request)
    if not budget.fits_ever(size):
        return _json_error(413, "payload larger than this server accepts (MAX_INFLIGHT_BODY_BYTES)")
    if not budget.admits(size):
        return _busy()
    return None


def _refused(request: web.Request, response: web.Response) -> web.Response:
    request.app[METRICS_KEY].delivery_rejected(response.status)
    if not request.content.is_eof():
        # refused before the body was read whole: the connection is closed once the answer is out, and
        # nothing more of the body is read (no lingering, see bot.edge_guard)
        response.force_close()
    return response


async def expect_continue(request: web.Request) -> web.Response | None:
    """aiohttp's expect handler for the webhook route: ``100 Continue`` only for a request whose headers pass
    the checks before the body; otherwise its refusal is the answer (and the handler does not run). Other
    Expect values were answered 417 before routing (``bot.edge_guard``)."""
    refusal = _refusal_before_body(request)
    if refusal is not None:
        return _refused(request, refusal)
    if request.version == HttpVersion11 and request.headers.get("Expect", "").lower() == "100-continue":
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0  # as aiohttp's own handler: the answer proper has not started
    return None


async def receive_webhook(request: web.Request) -> web.Response:
    response = await _receive(request)
    if response.status >= 400:
        return _refused(request, response)
    return response


async def _receive(request: web.Request) -> web.Response:
    refusal = _refusal_before_body(request)
    if refusal is not None:
        return refusal
    settings = request.app[SETTINGS_KEY]
    size = _possible_size(request)
    hold = request.app[BUDGET_KEY].open(size)
    try:  # what the body holds is held until it is stored or refused
        try:
            body = await _read_body(request, hold, length=request.content_length, limit=size,
                                    timeout=settings.body_timeout)
        except _BodyRefused as refusal:
            return _busy() if refusal.status == 503 else _json_error(refusal.status, refusal.message)
        return await _accept(request, body, _signature_of(request) or "")
    finally:
        hold.close()


async def _accept(request: web.Request, received: _Received, signature: str) -> web.Response:
    store = request.app[STORE_KEY]
    if not received.signed_by(signature):
        return _json_error(401, "signature does not match")
    body = received.joined()  # signed: now worth a copy of its own
    event = request.headers.get("X-GitHub-Event", "")
    delivery = request.headers.get("X-GitHub-Delivery", "")
    if not _EVENT_RE.match(event) or not _GUID_RE.match(delivery):
        return _json_error(400, "missing or malformed X-GitHub-Event / X-GitHub-Delivery")
    try:
        if event == "ping":
            return _ping(body)
        installation_id, key = ack_fields(event, body)
    except NotAnObject:
        return _json_error(400, "body is not a JSON object")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _json_error(400, "body is not JSON (configure the webhook with content type application/json)")
    outage = request.app[OUTAGE_KEY]
    try:
        stored = await store.enqueue(
            "webhook",
            delivery,
            payload=body,
            event=event,
            installation_id=installation_id,
            ordering_key=key,
            now=request.app[CLOCK_KEY](),
        )
    except Exception as exc:  # locked, unreachable, closed: not stored, and GitHub is told to come back
        outage.failed(exc)
        response = _json_error(503, "the delivery could not be stored now; retry later")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    outage.stored()
    request.app[METRICS_KEY].delivery_received(event, duplicate=not stored)
    if stored:
        request.app[NOTIFY_KEY]()
    else:
        log.info("delivery %s (%s) already in the inbox", delivery, event)
    answer = orjson.dumps({"ok": True, "delivery": delivery, "duplicate": not stored})
    return web.Response(body=answer, status=202, content_type="application/json")


def _ping(body: bytes) -> web.Response:
    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise NotAnObject("body is not a JSON object")
    log.info("ping from hook %s", payload.get("hook_id"))
    return web.json_response({"ok": True, "zen": payload.get("zen")}, status=200)


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
            "pid": os.getpid(),  # which web process answered (WEB_PROCESSES > 1 share the port)
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
    return web.Response(body=text.encode(), headers={"Content-Type": CONTENT_TYPE, "X-Content-Type-Options": "nosniff"})


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

SETUP_REGISTER = """<h2>Setup mode: no App credentials yet</h2>
<p><a href="/setup">Register fundbot on GitHub</a> in one click (GitHub's manifest flow: it needs
<code>PUBLIC_URL</code>, where GitHub reaches this server), or by hand:</p>"""

SETUP_STEPS = """
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
        status = SETUP_REGISTER + SETUP_STEPS.replace("{path}", path)
    page = SETUP_PAGE.replace("{status}", status).replace("{path}", path)
    return web.Response(text=page, content_type="text/html")


def make_app(
    settings: Settings, store: Store, *, notify: Callable[[], None] = lambda: None, clock: Callable[[], float] = time.time,
    metrics_: Metrics | None = None, github_stats: Callable[[], tuple[dict, dict]] = lambda: ({}, {}),
) -> web.Application:
    if not settings.webhook_secret and settings.has_app_credentials:
        raise ValueError("WEBHOOK_SECRET is required: fundbot refuses to accept unsigned webhooks")
    # client_max_size lets aiohttp refuse an oversized body (413) without buffering it whole.
    app = web.Application(client_max_size=MAX_WEBHOOK_BYTES)
    app[STORE_KEY] = store
    app[SETTINGS_KEY] = settings
    app[NOTIFY_KEY] = notify
    app[CLOCK_KEY] = clock
    app[METRICS_KEY] = metrics_ or Metrics()
    app[GITHUB_STATS_KEY] = github_stats
    app[BUDGET_KEY] = BodyBudget(settings.max_inflight_body_bytes)
    app[OUTAGE_KEY] = StoreOutage()
    # no secret (setup mode, before the App is registered): every webhook is refused with 503
    app[MAC_KEY] = hmac.new(settings.webhook_secret.encode(), digestmod=hashlib.sha256) if settings.webhook_secret else None
    app.router.add_route("POST", settings.webhook_path, receive_webhook, expect_handler=expect_continue)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/", index)
    pages.add_routes(app, store)  # campaign badges and pages: public, read from the store only
    return app
