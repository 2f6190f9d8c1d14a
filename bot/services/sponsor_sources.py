"""Where the README's sponsors come from (the shell): GitHub Sponsors, campaign backers, and config.

This module only reads; the entries are built by :mod:`bot.core.sponsors` (``collect`` and its converters),
the code the tests cover.

A source that fails, or that the installation is not allowed to read, is skipped with a warning (returned
to the caller for the check run and the logs); the other sources still render. GitHub Sponsors are named
only with a token the account's owner connected (:mod:`bot.services.sponsor_tokens`); without one the
installation token can count them, and the README thanks that many.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import gidgethub

from bot.core import sponsors
from bot.core.campaign import rewards
from bot.core.sponsors import DeliveredBackers, Entry, GitHubCount, OpenCampaign
from bot.services import campaigns
from bot.services.repo import Repo
from bot.services.sponsor_tokens import SponsorTokens, TokenError

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
        isActive
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


COUNT_QUERY = "query($login: String!) { %(root)s(login: $login) { sponsors { totalCount } } }"
_REFUSED = (gidgethub.QueryError, gidgethub.GraphQLAuthorizationFailure, gidgethub.BadGraphQLRequest)


async def github_sponsors(repo: Repo, owner: dict) -> tuple[list[dict], GitHubCount | None, list[str]]:
    """The repository owner's public, active GitHub sponsorships: the raw ``Sponsorship`` nodes (paginated
    past 100) for :func:`bot.core.sponsors.entries_from_sponsorships` when a token is connected for the
    owner (:mod:`bot.services.sponsor_tokens`), else only how many sponsors it has (what an installation
    token may read); and the warnings for the check run."""
    root = "organization" if owner.get("type") == "Organization" else "user"
    login = owner.get("login") or ""
    warnings: list[str] = []
    try:
        token = await SponsorTokens(repo.ctx.store, repo.ctx.settings.secret_key).token_for(login)
    except TokenError as exc:
        token, warnings = None, [f"GitHub Sponsors of {login}: {exc}"]
    if token is not None and repo.ctx.github is not None:
        try:
            return await _sponsorships(repo.ctx.github.user_client(token), root, login), None, warnings
        except _REFUSED as exc:
            warnings.append(f"GitHub Sponsors of {login}: the connected token was refused ({type(exc).__name__}: "
                            f"{str(exc)[:200]}); connect a new one (python -m bot sponsors connect {login})")
    try:
        data = await repo.gh.graphql(COUNT_QUERY % {"root": root}, login=login)
    except _REFUSED as exc:
        # Not permitted (FORBIDDEN, NOT_FOUND, 401/403): skip this source, the others still render.
        # Transient failures (5xx, rate limits) are raised instead: the sync is retried later rather than
        # committing a README that lost its sponsors for a moment.
        message = f"GitHub Sponsors of {login} could not be read ({type(exc).__name__}: {str(exc)[:200]}); skipped"
        log.warning(message)
        return [], None, [*warnings, message]
    count = (((data or {}).get(root) or {}).get("sponsors") or {}).get("totalCount")
    if not isinstance(count, int) or count <= 0:
        return [], None, warnings
    if not warnings:
        warnings.append(f"GitHub Sponsors of {login}: {count:,} counted, not named: GitHub gives an App's token "
                        f"no access to who sponsors an account; the owner of {login} can connect a token on the "
                        f"fundbot server (python -m bot sponsors connect {login}, see the README)")
    return [], GitHubCount(login, count), warnings


async def _sponsorships(gh: Any, root: str, login: str) -> list[dict]:
    nodes: list[dict] = []
    after = None
    for _ in range(MAX_PAGES):
        data = await gh.graphql(QUERY % {"root": root}, login=login, after=after)
        connection = ((data or {}).get(root) or {}).get("sponsorshipsAsMaintainer") or {}
        nodes += [node for node in connection.get("nodes") or [] if isinstance(node, dict)]
        page = connection.get("pageInfo") or {}
        if not page.get("hasNextPage"):
            break
        after = page.get("endCursor")
    return nodes


@dataclass
class Sources:
    """What the README sponsor section is rendered from, gathered from the sources in ``readme.sources``."""

    entries: list[Entry] = field(default_factory=list)
    campaigns: list[OpenCampaign] = field(default_factory=list)
    delivered: list[DeliveredBackers] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # sources that were skipped or only partly read
    github_count: GitHubCount | None = None  # GitHub sponsors counted but not named (no connected token)
    raised: Decimal | None = None  # pledged on campaigns that did not lapse: progress toward ``funding_goal``


async def gather(repo: Repo, config: Any) -> Sources:
    """Read the enabled sources; the entries are built by :func:`bot.core.sponsors.collect` (one set of rules
    for every source: config sponsors keep their config order, see its module docstring)."""
    out, nodes, backed = Sources(), [], []
    sources = config.readme.sources
    if "github_sponsors" in sources:
        nodes, out.github_count, out.warnings = await github_sponsors(repo, repo.repository.get("owner") or {})
    styles: dict[str, str | None] = {}
    if "backers" in sources and config.bounties.enabled:
        backed, out.campaigns, delivered, shown = await campaign_data(repo, config)
        out.raised = goal_progress(backed, out.campaigns, config)
        backed, out.delivered, styles = _shown(backed, shown), _shown(delivered, shown), _styles(shown)
    out.entries = [dataclasses.replace(e, style=styles.get((e.login or e.name).lower())) if e.source == "backers"
                   else e for e in sponsors.collect(config, sponsorships=nodes, backed=backed)]
    return out


def _shown(campaigns_: list[DeliveredBackers], shown: dict[int, dict[str, str | None]]) -> list[DeliveredBackers]:
    """The campaigns with only the backers the README shows (bot.core.campaign.rewards.listed)."""
    return [dataclasses.replace(d, backers=tuple(b for b in d.backers if b[0].lower() in shown.get(d.issue, {})))
            for d in campaigns_]


def _styles(shown: dict[int, dict[str, str | None]]) -> dict[str, str | None]:
    """Lower-case backer -> how the README shows them across campaigns: a logo earned anywhere wins, then the
    tier's way (None: every backer listed), then a name."""
    out: dict[str, str | None] = {}
    rank = {"logo": 2, None: 1, "name": 0}
    for listed in shown.values():
        for who, style in listed.items():
            if who not in out or rank[style] > rank[out[who]]:
                out[who] = style
    return out


def goal_progress(backed: list[DeliveredBackers], open_: list[OpenCampaign], config: Any) -> Decimal:
    """Progress toward ``funding_goal``: what backers pledged on this repository's campaigns that are open,
    funded, delivered or closed (lapsed pledges do not count), in ``bounties.currency``."""
    currency = str(config.bounties.currency or "").upper()
    total = sum((c.raised for c in open_ if c.currency.upper() == currency), Decimal("0.00"))
    open_issues = {c.issue for c in open_}
    return total + sum((amount for d in backed if d.issue not in open_issues for _who, amount in d.backers),
                       Decimal("0.00"))


async def campaign_data(repo: Repo, config: Any) -> tuple[list[DeliveredBackers], list[OpenCampaign],
                                                          list[DeliveredBackers], dict[int, dict[str, str | None]]]:
    """The funded and delivered campaigns (whose backers are listed by pledge total), the open campaigns and the
    delivered ones of a repository, read from the issues that carry fundbot's labels (GitHub is the source of
    truth; campaigns come from the cache or a refold); and per issue the backers the README shows, as their
    rewards say (:func:`bot.core.campaign.rewards.listed`, ``bounties.list_all_backers``)."""
    s = await campaigns.setup(repo, config)
    b = config.bounties
    names = [s.names.get(b.label) or b.label, s.names.get(b.delivered_label) or b.delivered_label]
    seen: set[int] = set()
    backed: list[DeliveredBackers] = []
    open_: list[OpenCampaign] = []
    delivered: list[DeliveredBackers] = []
    shown: dict[int, dict[str, str | None]] = {}
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
            pledges = DeliveredBackers(issue["number"], issue.get("title") or "", url,
                                       tuple((p.backer, p.amount) for p in c.pledges))
            if c.state in ("funded", "delivered", "closed"):
                backed.append(pledges)
                shown[issue["number"]] = rewards.listed(c, "readme", all_backers=config.bounties.list_all_backers)
            if c.state in ("delivered", "closed"):
                delivered.append(pledges)
            if len(seen) >= 500:
                break
    return backed, open_, delivered, shown
