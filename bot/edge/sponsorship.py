"""The GitHub Sponsors webhook edge: the sponsored account's own ``sponsorship`` webhook, verified, stored, acked.

GitHub Sponsors webhooks are not the App's: the account's owner adds one on the Sponsors dashboard (Your
sponsors -> Dashboard -> Webhooks -> Add webhook) with a payload URL, ``application/json`` and a secret of its
own. GitHub then POSTs ``X-GitHub-Event: sponsorship`` (actions ``created``, ``cancelled``, ``edited``,
``tier_changed``, ``pending_cancellation``, ``pending_tier_change``) and a ``ping`` when the hook is made, signed
with ``X-Hub-Signature-256`` (HMAC-SHA256 of the body with that secret), from a hook whose
``X-GitHub-Hook-Installation-Target-Type`` is ``sponsors_listing``. The payload names the sponsored account in
``sponsorship.sponsorable`` (and, in current deliveries, ``sponsorship.maintainer``).

POST ``SPONSORSHIP_WEBHOOK_PATH`` (served only when ``SPONSORSHIP_WEBHOOK_SECRET`` is set; otherwise 404):
    401 a missing or malformed ``X-Hub-Signature-256``, or one that is not the HMAC of the body with
        ``SPONSORSHIP_WEBHOOK_SECRET`` (so a body signed with the App's ``WEBHOOK_SECRET`` is refused here, and
        one signed for Sponsors is refused on the App's path: the two secrets must differ, ``bot.settings``),
    415 / 413 / 408 / 400 as the App's edge (``bot.edge.web``: encoded, too large, too slow, unreadable),
    400 an event other than ``sponsorship``/``ping``, a malformed delivery id, or a body that is not a sponsorship,
    200 for ``ping``, 202 once the delivery is in the inbox (kind ``sponsorship``, keyed by its GUID: a
        redelivery is stored once), 503 with ``Retry-After`` only when the database cannot store it (the
        Sponsors dashboard shows the failed delivery and redelivers it on request).
What is stored is what the job needs, not the sponsor's identity: the action and the sponsored account.
The job (``bot.services.sponsorship_refresh``) asks for a README sync of that account's repositories.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.core.names import is_login
from bot.edge.events import parse_json
from bot.edge.web import (
    _GUID_RE,
    BUDGET_KEY,
    CLOCK_KEY,
    METRICS_KEY,
    NOTIFY_KEY,
    OUTAGE_KEY,
    RETRY_AFTER_SECONDS,
    SETTINGS_KEY,
    STORE_KEY,
    _BodyRefused,
    _busy,
    _identity_encoded,
    _json_error,
    _possible_size,
    _Received,
    _refused,
    _signature_of,
    _take_body,
)
from bot.settings import MAX_WEBHOOK_BYTES

log = logging.getLogger(__name__)

KIND = "sponsorship"  # the inbox kind of a Sponsors delivery (never "webhook": no App handler ever sees it)
SPONSORSHIP_MAC_KEY = web.AppKey("sponsorship_mac", object)
ACTIONS = ("created", "cancelled", "edited", "tier_changed", "pending_cancellation", "pending_tier_change")


def add_routes(app: web.Application) -> None:
    """Serve the Sponsors webhook on ``SPONSORSHIP_WEBHOOK_PATH`` when its secret is configured (else nothing:
    the path answers 404). Needs the App edge's keys on ``app`` (``bot.edge.web.make_app``)."""
    settings = app[SETTINGS_KEY]
    if not settings.sponsorship_webhook_secret:
        return
    app[SPONSORSHIP_MAC_KEY] = hmac.new(settings.sponsorship_webhook_secret.encode(), digestmod=hashlib.sha256)
    app.router.add_route("POST", settings.sponsorship_webhook_path, receive_sponsorship)


def _before_body(request: web.Request) -> web.Response | None:
    if _signature_of(request) is None:
        return _json_error(401, "missing or malformed X-Hub-Signature-256 (expected sha256= and 64 hex digits)")
    if not _identity_encoded(request):
        return _json_error(415, "the body must not be compressed or otherwise encoded")
    size = _possible_size(request)
    if size > MAX_WEBHOOK_BYTES or not request.app[BUDGET_KEY].fits_ever(size):
        return _json_error(413, "payload larger than 25 MB")
    if not request.app[BUDGET_KEY].admits(size):
        return _busy()
    return None


async def receive_sponsorship(request: web.Request) -> web.Response:
    response = _before_body(request)
    if response is None:
        response = await _read_and_accept(request)
    if response.status >= 400:
        return _refused(request, response)
    return response


async def _read_and_accept(request: web.Request) -> web.Response:
    size = _possible_size(request)
    hold = request.app[BUDGET_KEY].open(size)
    received = _Received(request.app[SPONSORSHIP_MAC_KEY])
    timeout = request.app[SETTINGS_KEY].body_timeout
    try:
        async with asyncio.timeout(timeout):
            await _take_body(request.content, received, hold, size)
    except _BodyRefused as refusal:
        return _busy() if refusal.status == 503 else _json_error(refusal.status, refusal.message)
    except TimeoutError:
        return _json_error(408, f"the body did not arrive within {timeout:g} s")
    except (HttpProcessingError, ConnectionError, asyncio.IncompleteReadError) as exc:
        return _json_error(400, f"the body could not be read: {type(exc).__name__}")
    finally:
        hold.close()
    if request.content_length is not None and received.size != request.content_length:
        return _json_error(400, "the body is shorter than its Content-Length")
    if not received.signed_by(_signature_of(request) or ""):
        return _json_error(401, "signature does not match (this endpoint takes the GitHub Sponsors webhook's secret, "
                                "SPONSORSHIP_WEBHOOK_SECRET, not the App's)")
    return await _accept(request, received.joined())


def summary(payload: object) -> dict | None:
    """What the job needs from a ``sponsorship`` payload: the action and the sponsored account; None when the
    payload is not a sponsorship GitHub would send."""
    if not isinstance(payload, dict) or payload.get("action") not in ACTIONS:
        return None
    sponsorship = payload.get("sponsorship")
    if not isinstance(sponsorship, dict):
        return None
    for field in ("sponsorable", "maintainer"):
        account = sponsorship.get(field)
        login = account.get("login") if isinstance(account, dict) else None
        if is_login(login):
            kind = account.get("type")
            return {"action": payload["action"],
                    "sponsorable": {"login": login, "id": account.get("id") if isinstance(account.get("id"), int) else None,
                                    "type": kind if kind in ("User", "Organization") else "User"}}
    return None


async def _accept(request: web.Request, body: bytes) -> web.Response:
    event = request.headers.get("X-GitHub-Event", "")
    delivery = request.headers.get("X-GitHub-Delivery", "")
    if not _GUID_RE.match(delivery):
        return _json_error(400, "missing or malformed X-GitHub-Delivery")
    try:
        payload = parse_json(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _json_error(400, "body is not JSON (configure the webhook with content type application/json)")
    if event == "ping":
        log.info("ping from the GitHub Sponsors webhook %s", request.headers.get("X-GitHub-Hook-ID"))
        return web.json_response({"ok": True, "zen": payload.get("zen") if isinstance(payload, dict) else None})
    if event != "sponsorship":
        return _json_error(400, f"this endpoint receives GitHub Sponsors' sponsorship events, not {event[:64]!r}")
    wanted = summary(payload)
    if wanted is None:
        return _json_error(400, "body is not a sponsorship event (no action or sponsorship.sponsorable.login)")
    return await _store(request, delivery, wanted)


async def _store(request: web.Request, delivery: str, wanted: dict) -> web.Response:
    outage = request.app[OUTAGE_KEY]
    try:
        stored = await request.app[STORE_KEY].enqueue(
            KIND, f"sponsorship:{delivery}", payload=orjson.dumps(wanted), event="sponsorship",
            ordering_key=f"sponsorable:{wanted['sponsorable']['login'].lower()}", now=request.app[CLOCK_KEY]())
    except Exception as exc:  # locked, unreachable, closed: the dashboard shows the failure and can redeliver
        outage.failed(exc)
        response = _json_error(503, "the delivery could not be stored now; redeliver it from the Sponsors dashboard")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    outage.stored()
    request.app[METRICS_KEY].delivery_received("sponsorship", duplicate=not stored)
    if stored:
        request.app[NOTIFY_KEY]()
    answer = orjson.dumps({"ok": True, "delivery": delivery, "duplicate": not stored})
    return web.Response(body=answer, status=202, content_type="application/json")
