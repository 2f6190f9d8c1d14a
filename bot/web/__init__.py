"""fundbot's public pages, served by the same aiohttp app as the webhook endpoint.

* ``GET /badges/OWNER/REPO/ISSUE.svg``: the campaign badge (:mod:`bot.core.badge`), with an ETag and
  ``Cache-Control: no-cache`` (GitHub's image proxy, camo, revalidates such images instead of keeping a
  stale badge: github/markup#224);
* ``GET /campaigns/OWNER/REPO``: the repository's open and recent campaigns (:mod:`bot.core.campaign_page`).

Both read only the public campaign records the worker keeps in the store (never GitHub), so a private or
unknown repository is a plain 404, the same as a malformed path. Pages carry a strict
Content-Security-Policy and no script.
"""

from __future__ import annotations

import hashlib

from aiohttp import web

from bot.core import badge
from bot.core.campaign_page import (
    CSP,
    MAX_LISTED,
    NAMESPACE,
    PublicCampaign,
    campaign_key,
    render_page,
    repo_key,
    valid_path,
)
from bot.store import Store, StoreUnavailable

STORE = web.AppKey("fundbot_pages_store", Store)
_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Content-Security-Policy": CSP}


def add_routes(app: web.Application, store: Store) -> None:
    app[STORE] = store
    app.router.add_get("/badges/{owner}/{repo}/{number}.svg", badge_svg)
    app.router.add_get("/campaigns/{owner}/{repo}", campaigns_page)


def _not_found() -> web.Response:
    return web.Response(status=404, text="Not found\n", headers=_HEADERS)


async def _read(store: Store, key: str):
    try:
        return await store.cache_get(NAMESPACE, key)
    except StoreUnavailable:
        raise web.HTTPServiceUnavailable(text="the store is unavailable; try again shortly\n",
                                         headers={"Retry-After": "5"}) from None


async def badge_svg(request: web.Request) -> web.Response:
    owner, repo, number = (request.match_info[k] for k in ("owner", "repo", "number"))
    if not valid_path(owner, repo, number):
        return _not_found()
    data = await _read(request.app[STORE], campaign_key(owner, repo, int(number)))
    campaign = PublicCampaign.from_json(data) if isinstance(data, dict) else None
    if campaign is None:
        return _not_found()
    svg = badge.render(campaign.figures()).encode()
    etag = '"' + hashlib.sha256(svg).hexdigest()[:32] + '"'
    headers = {**_HEADERS, "ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=svg, content_type="image/svg+xml", headers=headers)


async def campaigns_page(request: web.Request) -> web.Response:
    owner, repo = request.match_info["owner"], request.match_info["repo"]
    if not valid_path(owner, repo):
        return _not_found()
    store = request.app[STORE]
    index = await _read(store, repo_key(owner, repo))
    if not isinstance(index, dict):
        return _not_found()
    found = []
    for number in (index.get("numbers") or [])[:MAX_LISTED]:
        data = await _read(store, campaign_key(owner, repo, int(number)))
        campaign = PublicCampaign.from_json(data) if isinstance(data, dict) else None
        if campaign is not None:
            found.append(campaign)
    shown_owner, shown_repo = index.get("owner") or owner, index.get("repo") or repo
    return web.Response(text=render_page(shown_owner, shown_repo, found), content_type="text/html",
                        headers={**_HEADERS, "Cache-Control": "no-cache"})
