"""A GitHub Sponsors ``sponsorship`` delivery (``bot.edge.sponsorship``): refresh the READMEs it changes.

The delivery names the sponsored account. Its repositories are those of the App's installations on that
account (``GET /app/installations``, the account's login; then each installation's
``GET /installation/repositories``); each one whose configuration reads GitHub Sponsors into its README
(``readme.sources`` has ``github_sponsors`` and ``readme.update`` is not ``off``) gets a README sync requested
(``bot.services.sync_requests.request``: debounced, so a burst of sponsorships makes one commit).

``created``, ``cancelled``, ``tier_changed`` and ``edited`` (a privacy change: who may be named) change what
the README shows; ``pending_cancellation`` and ``pending_tier_change`` do not yet (GitHub sends ``cancelled``
or ``tier_changed`` when they take effect), so they refresh nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.services import sync_requests
from bot.services.repo import Repo

log = logging.getLogger(__name__)

KIND = "sponsorship"  # the inbox kind the Sponsors edge stores (bot.edge.sponsorship.KIND)
REFRESHING = frozenset({"created", "cancelled", "tier_changed", "edited"})
MAX_INSTALLATIONS = 10_000  # read at most this many of the App's installations (100 pages)


async def installations_of(ctx: Any, login: str) -> list[dict]:
    """The App's installations on the account ``login`` (not suspended)."""
    found = []
    seen = 0
    async for inst in ctx.github.app_client().getiter("/app/installations{?per_page}", {"per_page": 100}):
        account = inst.get("account") or {}
        if str(account.get("login", "")).lower() == login.lower() and not inst.get("suspended_at"):
            found.append(inst)
        seen += 1
        if seen >= MAX_INSTALLATIONS:
            log.warning("more than %d installations: the account %s was looked for among the first", seen, login)
            break
    return found


async def refresh_account(ctx: Any, login: str, *, reason: str, delivery: str | None = None) -> list[str]:
    """Request a README sync of every repository of ``login`` that lists its GitHub sponsors; returns their
    full names."""
    requested: list[str] = []
    for inst in await installations_of(ctx, login):
        gh = await ctx.github.installation(inst["id"])
        async for repository in gh.getiter("/installation/repositories{?per_page}", {"per_page": 100},
                                           iterable_key="repositories"):
            if repository.get("archived") or str(repository.get("owner", {}).get("login", "")).lower() != login.lower():
                continue
            repo = Repo(gh, ctx, repository, delivery=delivery)
            config = (await repo.config()).config
            if "github_sponsors" not in config.readme.sources or config.readme.update == "off":
                continue
            await sync_requests.request(repo, config, reason=reason)
            requested.append(repo.full_name)
    return requested


async def run(job: Any, ctx: Any) -> None:
    """The ``sponsorship`` inbox job: what ``bot.edge.sponsorship.summary`` stored."""
    data = json.loads(job.payload)
    action = data.get("action")
    login = (data.get("sponsorable") or {}).get("login")
    if action not in REFRESHING or not isinstance(login, str):
        log.info("sponsorship %s of %s: nothing shown changes yet", action, login)
        return
    names = await refresh_account(ctx, login, reason=f"sponsorship {action}", delivery=job.key)
    log.info("sponsorship %s of %s: README sync requested for %d repositories%s", action, login, len(names),
             f" ({', '.join(names[:10])})" if names else " (none lists its GitHub sponsors)")
