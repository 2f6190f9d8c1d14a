"""Whose payment links a campaign shows (issue 14.2): the project's (``payment_links``), or - when an offer was
accepted and ``bounties.pay_to`` is ``implementer`` - the implementer's own, from three places:

1. the link they wrote after the amount (``/offer 250 https://ko-fi.com/dev``);
2. their GitHub Sponsors profile, ``https://github.com/sponsors/LOGIN``, when GraphQL's
   ``user(login) { hasSponsorsListing }`` says they have one (a public ``Boolean!`` of the ``Sponsorable``
   interface in GitHub's schema; an error - an Enterprise Server without Sponsors - counts as "no");
3. their own FUNDING.yml: GitHub's default community health file, in their public ``LOGIN/.github``
   repository (``.github/FUNDING.yml``, the root, or ``docs/``, in that order, on its default branch).
   An installation token reads a public repository outside its installation; a private or missing one
   answers 404 (or 403), which counts as "no file".

Kept in the store per login (``payee:LOGIN``) for :data:`PAYEE_TTL`; ``stale_ok`` (the pledge that reaches
the goal, the notice) takes what is held whatever its age, so that pledge costs no extra request: the links
are read while the campaign is open (every status comment refresh).
"""

from __future__ import annotations

import logging

import gidgethub

from bot.core import funding as funding_rules
from bot.core import names
from bot.core.campaign import Campaign
from bot.core.links import PaymentLink, payment_links
from bot.github import repo_ops
from bot.services.campaign_base import NS, Setup
from bot.services.campaign_base import payment_links as project_links
from bot.services.repo import Repo

log = logging.getLogger(__name__)

PAYEE_TTL = 6 * 3600.0
FUNDING_PLACES = (".github/FUNDING.yml", "FUNDING.yml", "docs/FUNDING.yml")
SPONSORS_QUERY = "query($login: String!) { user(login: $login) { hasSponsorsListing } }"


async def campaign_links(repo: Repo, s: Setup, c: Campaign, *, stale_ok: bool) -> list[PaymentLink]:
    """The links backers of ``c`` pay through: the payee's (see the module), else the project's."""
    if c.payee is None:
        return await project_links(repo, s, stale_ok=stale_ok)
    if len(c.payees) > 1:  # a split (issue 14.5): each solver's links, titled with their share
        out = []
        for login, share in c.payees:
            offer = next((o for o in c.offers if o.user.lower() == login.lower()), None)
            for x in await payee_links(repo, login, offer.link if offer else None, stale_ok=stale_ok):
                out.append(PaymentLink(f"{login} ({share} %): {x.title}", x.url, x.platform))
        return out
    offer = next((o for o in c.offers if o.user.lower() == c.payee.lower()), None)
    return await payee_links(repo, c.payee, offer.link if offer else None, stale_ok=stale_ok)


async def payee_links(repo: Repo, login: str, link: str | None, *, stale_ok: bool) -> list[PaymentLink]:
    key = f"payee:{login.lower()}"
    held = await repo.ctx.store.cache_get(NS, key)
    if isinstance(held, dict) and held.get("link") == link and isinstance(held.get("links"), list):
        if stale_ok or repo.now() - float(held.get("at") or 0) < PAYEE_TTL:
            try:
                return [PaymentLink(str(x[0]), str(x[1]), str(x[2])) for x in held["links"]]
            except (TypeError, IndexError):
                log.warning("cached payee links unreadable: reading them again")
    links = await read_payee_links(repo, login, link)
    await repo.ctx.store.cache_set(NS, key, {"link": link, "at": repo.now(),
                                             "links": [[x.title, x.url, x.platform] for x in links]},
                                   installation_id=repo.installation_id)
    return links


async def read_payee_links(repo: Repo, login: str, link: str | None) -> list[PaymentLink]:
    """The payee's links from GitHub: the given link, their Sponsors profile, their FUNDING.yml."""
    if not names.is_login(login):
        return []
    extra = [PaymentLink(f"Payment link of {login}", link, "link")] if link else []
    if await has_sponsors_listing(repo, login):
        extra.append(PaymentLink("GitHub Sponsors", f"https://github.com/sponsors/{login}", "github"))
    found = await funding_file(repo, login)
    from_file = payment_links(found or {}, None) if found else []
    return payment_links({}, None, [*extra, *from_file])


async def has_sponsors_listing(repo: Repo, login: str) -> bool:
    try:
        data = await repo.gh.graphql(SPONSORS_QUERY, login=login)
    except (gidgethub.GitHubException, ValueError) as exc:
        log.info("hasSponsorsListing of %s unavailable (%s)", login, type(exc).__name__)
        return False
    user = data.get("user") if isinstance(data, dict) else None
    return isinstance(user, dict) and user.get("hasSponsorsListing") is True


async def funding_file(repo: Repo, login: str) -> dict | None:
    """The parsed FUNDING.yml of ``login``'s public ``.github`` repository, or None."""
    where = {"full_name": f"{login}/.github"}
    for path in FUNDING_PLACES:
        try:
            found = await repo_ops.read_file(repo.gh, where, path)
        except gidgethub.BadRequest as exc:  # 403: not readable with this token
            log.info("FUNDING.yml of %s/.github unreadable (%s)", login, exc)
            return None
        if found is not None:
            parsed, _problems = funding_rules.parse(found[0])
            return parsed
    return None
