"""The status comment's lines about claims (issue 14.5, pure): the open claims and the refused ones, a merge
waiting for the maintainer's decision, and the solvers' shares of the money (:mod:`bot.core.campaign.claims`).

Data in, Markdown lines out; people are shown with the status comment's own non-pinging ``person`` function.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from bot.core import markdown
from bot.core.campaign import Campaign
from bot.core.campaign.claims import share_of

MAX_LISTED_CLAIMS = 10

Person = Callable[[str | None, str], str]


def _money(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {markdown.text(currency, limit=10)}"


def payee_text(c: Campaign, person: Person, server: str) -> str | None:
    """Who backers pay when it is not simply the accepted implementer or the project (None: it is)."""
    payees = c.payees
    if len(payees) > 1:
        shares = ", ".join(f"{person(who, server)} {share} %" for who, share in payees)
        return f"each solver their share of your pledge ({shares}), through their own payment links"
    if payees and c.implementer and payees[0][0].lower() != c.implementer.lower():
        return f"{person(payees[0][0], server)}, who delivered it (a maintainer's decision), through their own payment links"
    return None


def facts(c: Campaign, person: Person, server: str) -> list[str]:
    """The fact lines: waiting merge, solvers and shares, claims."""
    out: list[str] = []
    if c.awaiting and c.state in ("open", "funded"):
        pull, who = c.awaiting
        expected = (f"{person(c.implementer, server)} was accepted" if c.implementer
                    else "they may not claim it (bounties.claims)")
        choice = f"`/bounty deliver @{who}`" + (f" or `@{c.implementer}`" if c.implementer else "")
        out.append(f"- **⏳ Awaiting maintainer:** {person(who, server)} merged #{int(pull)}, {expected} — "
                   f"{choice}")
    if c.shares:
        cur, raised = c.currency, c.raised()
        items = [f"{person(who, server)} {share} % ({_money(share_of(raised, share), cur)})" for who, share in c.shares]
        out.append("- **Solvers:** " + ", ".join(items))
    if c.claims and c.state in ("open", "funded"):
        counted = [x for x in c.claims if x.refused is None]
        refused = [x for x in c.claims if x.refused is not None]
        if counted:
            items = [f"{person(x.user, server)} in #{int(x.pull)}" for x in counted[:MAX_LISTED_CLAIMS]]
            more = f" and {len(counted) - MAX_LISTED_CLAIMS:,} more" if len(counted) > MAX_LISTED_CLAIMS else ""
            out.append("- **Claimed by:** " + ", ".join(items) + more)
        if refused:
            items = [f"{person(x.user, server)} in #{int(x.pull)}: {markdown.text(x.refused or '', limit=200)}"
                     for x in refused[:MAX_LISTED_CLAIMS]]
            more = f" (and {len(refused) - MAX_LISTED_CLAIMS:,} more)" if len(refused) > MAX_LISTED_CLAIMS else ""
            out.append("- **Claims that do not count:** " + "; ".join(items) + more)
    return out


def share_lines(c: Campaign, amount: Decimal) -> str:
    """How a pledge of ``amount`` is paid to several solvers: "30.00 USD to @a, 20.00 USD to @b" (defused)."""
    cur = c.currency
    return ", ".join(f"{_money(share_of(amount, share), cur)} to {markdown.text('@' + who, limit=60)}"
                     for who, share in c.payees)
