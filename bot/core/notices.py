"""Campaign notices (pure): the one new comment per moment that matters, which mentions the people concerned.

The status comment is the one current view, but GitHub notifies nobody of an edit; so on the transitions
that ask something of people - **funded** (pay now), **delivered** (thanks; pay if you have not),
**expired** and **cancelled** (your pledge lapsed, nothing to pay) - fundbot posts one new comment that
@-mentions them. Data in, Markdown out; the shell (``bot.services.campaign_notices``) decides when.

Decisions
---------
* **Who is mentioned**: the backers (largest pledge first), and the person the moment concerns where the
  ledger knows them: the accepted implementer on funded/expired/cancelled, the solver on delivered. Only
  logins from the ledger that pass GitHub's login rule (:mod:`bot.core.names`) are mentioned, each once per
  comment; anything else is shown defused (:func:`bot.core.markdown.text`). Everywhere else fundbot defuses
  every mention it writes.
* **Mention limit**: at most :data:`MENTIONS_PER_COMMENT` (10) mentions per comment - beyond the first ten
  GitHub neither links nor notifies (isaacs/github#23; later reports see 50, NixOS/ofborg#636 15; GitHub's own
  gh-aw caps bot comments at 10). More people: the notice is split into parts of at most 10 mentions,
  at most :data:`MAX_PARTS` parts (every new comment also notifies every subscriber of the issue, backers
  who pledged included, so more parts would mostly notify the same people again, and GitHub's secondary
  limit on content creation is 80 per minute); the last part lists the remaining backers and their amounts
  without mentions (at most :data:`MAX_UNMENTIONED`, then "... and N more").
* **Identity**: each part ends with ``<!-- fundbot:notice v1 {"t": KIND, "o": OPENED, "p": PART, "n": PARTS} -->``:
  the transition, the campaign's occurrence (its ``opened_at``: a campaign opened afresh after it ended is a
  new occurrence) and the part. One notice per (issue, transition, occurrence): a funded campaign that falls
  back to open (a withdrawal) and is funded again is the same moment; the status comment shows the rest.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from decimal import Decimal

from bot.core import markdown, names
from bot.core.campaign import Campaign, deadline_date
from bot.core.status import link_list

NOTICE_MARKER = "notice"
KINDS = ("funded", "delivered", "expired", "cancelled")
MENTIONS_PER_COMMENT = 10
MAX_PARTS = 3
MAX_UNMENTIONED = 100

_TITLES = {
    "funded": "🎉 The goal is reached: backers, please pay your pledge",
    "delivered": "✅ Delivered: thank you",
    "expired": "⌛ The campaign expired: nothing to pay",
    "cancelled": "🚫 The campaign was cancelled: nothing to pay",
}


@dataclasses.dataclass(frozen=True)
class Moment:
    """A transition that calls for a notice: its kind, the campaign's occurrence and when it happened."""

    kind: str
    occurrence: int  # the campaign's opened_at (whole seconds)
    at: float | None  # funded_at / delivered_at / ended_at

    @property
    def token(self) -> str:
        return f"{self.kind}:{self.occurrence}"


@dataclasses.dataclass(frozen=True)
class Person:
    login: str
    role: str  # "backer" | "implementer" | "solver"
    amount: Decimal | None = None


def moment(c: Campaign) -> Moment | None:
    """The moment the campaign's current state is, if it calls for a notice."""
    if c.state not in KINDS:
        return None
    at = {"funded": c.funded_at, "delivered": c.delivered_at}.get(c.state, c.ended_at)
    return Moment(c.state, int(round(c.opened_at or 0)), at)


def same_moment(data: object, m: Moment, *, slack: int = 60) -> int | None:
    """The part number a ``notice`` marker's data records for moment ``m`` (None: another moment). The
    occurrence may differ by ``slack`` seconds: a refold can date a label event by the timeline's clock."""
    if not isinstance(data, dict) or data.get("t") != m.kind:
        return None
    o, p = data.get("o"), data.get("p")
    if not isinstance(o, int) or not isinstance(p, int) or isinstance(p, bool) or abs(o - m.occurrence) > slack:
        return None
    return p


def people(c: Campaign, kind: str) -> list[Person]:
    """Who the moment concerns, each once (case-insensitive): the implementer or solver first, then backers."""
    out: list[Person] = []
    seen: set[str] = set()

    def add(login: str | None, role: str, amount: Decimal | None = None) -> None:
        if login and login.lower() not in seen:
            seen.add(login.lower())
            out.append(Person(login, role, amount))

    if kind == "delivered":
        for solver in [who for who, _ in c.shares] or [c.solver]:  # every solver of a split (issue 14.5)
            add(solver, "solver")
    elif c.implementer:
        add(c.implementer, "implementer")
    for p in c.pledges:
        if p.backer.lower() in seen:  # the implementer pledged too: one line, with the amount
            out = [dataclasses.replace(x, amount=p.amount) if x.login.lower() == p.backer.lower() else x for x in out]
            continue
        add(p.backer, "backer", p.amount)
    return out


def render(c: Campaign, m: Moment, *, repo: str, issue: int, links: Sequence) -> list[str]:
    """The notice's comments (one per part, at most :data:`MAX_PARTS`); [] when nobody is concerned."""
    everyone = people(c, m.kind)
    mentionable = [p for p in everyone if names.is_login(p.login)]
    if not mentionable:
        return []
    groups = [mentionable[i:i + MENTIONS_PER_COMMENT]
              for i in range(0, len(mentionable), MENTIONS_PER_COMMENT)][:MAX_PARTS]
    mentioned = {p.login.lower() for g in groups for p in g}
    rest = [p for p in everyone if p.login.lower() not in mentioned]
    bodies = []
    for index, group in enumerate(groups, 1):
        last = index == len(groups)
        bodies.append(_part(c, m, group, rest if last else [], repo=repo, issue=issue, links=links,
                            index=index, parts=len(groups)))
    return bodies


def _part(c: Campaign, m: Moment, group: Sequence[Person], rest: Sequence[Person], *, repo: str, issue: int,
          links: Sequence, index: int, parts: int) -> str:
    title = _TITLES[m.kind] + (f" ({index} of {parts})" if parts > 1 else "")
    out = [f"### {title}", "", _summary(c, m.kind, repo, issue), ""]
    cur = c.currency
    out += [_line(p, m.kind, cur, mention=True, paid=c.payment(p.login).state) for p in group]
    if rest:
        out += ["", f"Also concerned ({len(rest):,} more, not mentioned: GitHub notifies at most "
                    f"{MENTIONS_PER_COMMENT} people per comment):", ""]
        out += [_line(p, m.kind, cur, mention=False, paid=c.payment(p.login).state) for p in rest[:MAX_UNMENTIONED]]
        if len(rest) > MAX_UNMENTIONED:
            out.append(f"- … and {len(rest) - MAX_UNMENTIONED:,} more: the status comment lists every pledge.")
    out += [""] + _next_steps(c, m.kind, links)
    out += ["_fundbot never holds money. The campaign's status comment stays the current view; this notice is "
            "posted once._", "", markdown.marker(NOTICE_MARKER, {"t": m.kind, "o": m.occurrence, "p": index,
                                                                  "n": parts})]
    return "\n".join(out) + "\n"


def _money(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {markdown.text(currency, limit=10)}"


def _who(login: str, *, mention: bool) -> str:
    return "@" + login if mention and names.is_login(login) else markdown.text("@" + login, limit=60)


def _line(p: Person, kind: str, cur: str, *, mention: bool, paid: str = "pledged") -> str:
    who = _who(p.login, mention=mention)
    amount = f"**{_money(p.amount, cur)}**" if p.amount is not None else None
    if p.role == "solver":
        return f"- {who}: thank you for delivering this!" + (f" (You also pledged {amount}.)" if amount else "")
    if p.role == "implementer":
        what = {"funded": "your offer was accepted and the goal is reached: the work is yours to do",
                "expired": "the campaign for your accepted offer expired",
                "cancelled": "the campaign for your accepted offer was cancelled"}.get(kind, "")
        return f"- {who}: {what}" + (f" (you pledged {amount})" if amount else "") + "."
    if kind in ("funded", "delivered") and paid == "confirmed":
        return f"- {who}: your payment of {amount} was received, thank you"
    if kind in ("funded", "delivered"):
        return f"- {who}: please pay {amount}" + (" (you said you paid: thank you)" if paid == "says paid" else "")
    return f"- {who}: your pledge of {amount} lapsed, nothing to pay"


def _summary(c: Campaign, kind: str, repo: str, issue: int) -> str:
    cur, goal = c.currency, c.goal or Decimal("0")
    where = f"{markdown.text(repo, limit=140)}#{int(issue)}"
    raised = f"{_money(c.raised(), cur)} pledged of the {_money(goal, cur)} goal"
    if kind == "funded":
        return f"The campaign on {where} reached its goal: {raised} by {c.backers():,} backer(s)."
    if kind == "delivered":
        pr = f" in #{int(c.pull)}" if c.pull is not None else ""
        return f"The work on {where} was delivered{pr}. Thank you to everyone who made it happen."
    if kind == "expired":
        day = deadline_date(c.deadline).isoformat() if c.deadline is not None and _in_range(c.deadline) else "?"
        return (f"The deadline ({day}) of the campaign on {where} passed with {raised}. It was all-or-nothing: "
                "every pledge lapsed.")
    day = (f" on {datetime.datetime.fromtimestamp(c.ended_at, datetime.UTC).date().isoformat()}"
           if c.ended_at is not None and _in_range(c.ended_at) else "")
    return f"The campaign on {where} was cancelled{day}: every pledge lapsed."


def _in_range(t: float) -> bool:
    return -62_135_596_800 <= t <= 253_402_300_799


def _next_steps(c: Campaign, kind: str, links: Sequence) -> list[str]:
    if kind in ("expired", "cancelled"):
        return ["**Nothing to pay**: nobody owes anything. Thank you for pledging.", ""]
    rendered = link_list(links)
    ask = ("**Pay now**: each backer pays the amount above" if kind == "funded"
           else "**If you have not paid yet, please pay now** the amount above")
    after = ("Once you paid, write `/paid` here; the person paid confirms with `/bounty received`, mentioning "
             "you.")
    if c.payee:
        whose = f"directly to {_who(c.payee, mention=False)}, whose offer the maintainers accepted, through their "
        if len(c.payees) > 1:  # a split (issue 14.5): each backer pays each solver their share
            whose = ("directly to the solvers, each their share of your pledge ("
                     + ", ".join(f"{_who(w, mention=False)} {x} %" for w, x in c.payees) + "), through their ")
        if not rendered:
            return [ask + f" {whose}payment links: they have not shared any yet and will say here how to pay.", "",
                    after, ""]
        return [ask + f" {whose}payment links:", "", *rendered, "", after, ""]
    if not rendered:
        return [ask + ". The maintainers have not set up payment links yet; they will say here how to pay.", "",
                after, ""]
    return [ask + " through one of the project's payment links:", "", *rendered, "", after, ""]
