"""Where the README's sponsors come from (the shell): GitHub Sponsors, campaign backers, and config.

A source that fails, or that the installation is not allowed to read, is skipped with a warning (returned
to the caller for the check run and the logs); the other sources still render.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

import gidgethub

from bot.core.sponsors import DeliveredBackers, Entry, OpenCampaign
from bot.services import campaigns
from bot.services.repo import Repo

log = logging.getLogger(__name__)

MAX_PAGES = 50  # 5,000 sponsorships
QUERY = """
query($login: String!, $after: String) {
  %(root)s(login: $login) {
    sponsorshipsAsMaintainer(first: 100, after: $after, activeOnly: true, includePrivate: false) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        createdAt
        privacyLevel
        isOneTimePayment
        tier { monthlyPriceInDollars isOneTime }
        sponsorEntity {
          ... on User { login name url avatarUrl }
          ... on Organization { login name url avatarUrl }
        }
      }
    }
  }
}
"""


def _ts(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


async def github_sponsors(gh: Any, owner: dict) -> tuple[list[Entry], list[str]]:
    """Public, active GitHub sponsorships of the repository's owner (paginated past 100)."""
    root = "organization" if owner.get("type") == "Organization" else "user"
    login = owner.get("login") or ""
    entries: list[Entry] = []
    after = None
    try:
        for _ in range(MAX_PAGES):
            data = await gh.graphql(QUERY % {"root": root}, login=login, after=after)
            connection = ((data or {}).get(root) or {}).get("sponsorshipsAsMaintainer") or {}
            for node in connection.get("nodes") or []:
                entity = (node or {}).get("sponsorEntity") or {}
                if node.get("privacyLevel") != "PUBLIC" or not entity.get("login"):
                    continue
                tier = node.get("tier") or {}
                entries.append(Entry(
                    name=entity.get("name") or entity["login"], login=entity["login"], url=entity.get("url"),
                    avatar=entity.get("avatarUrl"), amount=Decimal(int(tier.get("monthlyPriceInDollars") or 0)),
                    since=_ts(node.get("createdAt")), source="github_sponsors",
                ))
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                break
            after = page.get("endCursor")
    except (gidgethub.QueryError, gidgethub.GraphQLAuthorizationFailure, gidgethub.BadGraphQLRequest) as exc:
        # Not permitted (FORBIDDEN, NOT_FOUND, 401/403): skip this source, the others still render.
        # Transient failures (5xx, rate limits) are raised instead: the sync is retried later rather than
        # committing a README that lost its sponsors for a moment.
        message = f"GitHub Sponsors of {login} could not be read ({type(exc).__name__}: {str(exc)[:200]}); skipped"
        log.warning(message)
        return [], [message]
    return entries, []


async def campaign_data(repo: Repo, config: Any) -> tuple[list[Entry], list[OpenCampaign], list[DeliveredBackers]]:
    """Backers (as entries, by pledge total), the open campaigns and the delivered ones of a repository, read
    from the issues that carry fundbot's labels (GitHub is the source of truth; campaigns come from the cache
    or a refold)."""
    s = await campaigns.setup(repo, config)
    b = config.bounties
    names = [s.names.get(b.label) or b.label, s.names.get(b.delivered_label) or b.delivered_label]
    seen: set[int] = set()
    backers: dict[str, Entry] = {}
    open_: list[OpenCampaign] = []
    delivered: list[DeliveredBackers] = []
    for label in names:
        variables = {**repo.vars, "state": "all", "labels": label, "per_page": 100}
        async for issue in repo.gh.getiter("/repos/{owner}/{repo}/issues{?state,labels,per_page}", variables):
            if issue.get("pull_request") or issue["number"] in seen:
                continue
            seen.add(issue["number"])
            c = (await campaigns.current(repo, issue["number"], s)).campaign
            url = issue.get("html_url") or ""
            if c.active and c.goal is not None:
                # the ledger's deadline is the midnight that ENDS the last day; the README shows the last day
                last_moment = c.deadline - 1 if c.deadline is not None else None
                open_.append(OpenCampaign(issue["number"], issue.get("title") or "", url, c.goal, c.raised(), c.currency, last_moment))
            if c.state in ("funded", "delivered", "closed"):
                for p in c.pledges:
                    key = p.backer.lower()
                    prev = backers.get(key)
                    total = p.amount + (prev.amount if prev else Decimal(0))
                    backers[key] = Entry(name=p.backer, login=p.backer, url=f"https://github.com/{p.backer}",
                                         avatar=f"https://github.com/{p.backer}.png", amount=total,
                                         since=min(p.at, prev.since) if prev else p.at, source="backers")
            if c.state in ("delivered", "closed"):
                delivered.append(DeliveredBackers(issue["number"], issue.get("title") or "", url,
                                                  tuple((p.backer, p.amount) for p in c.pledges)))
            if len(seen) >= 500:
                break
    return list(backers.values()), open_, delivered


def config_sponsors(config: Any) -> list[Entry]:
    return [Entry(name=sp.name, login=None, url=sp.url, avatar=sp.avatar, amount=Decimal(0), since=0.0,
                  source="config", tier=sp.tier) for sp in config.readme.sponsors]
