"""Texts of a campaign (pure): the sticky status comment, command replies and the release-notes thanks.

Data in, Markdown out; deterministic (same input, same bytes: times come in as ``now``). Every user
string - logins, reward texts, link titles, URLs, refusal reasons - goes through
:mod:`bot.core.markdown` (``text``/``url``), so none can ping, inject HTML, or open, close or forge a
fundbot marker. fundbot's own text uses no HTML either: the only ``<`` in a status comment is the one
of its closing marker.

Decisions
---------
* **Branding**: the comment starts with the fixed line ``### 💰 fundbot campaign · STATE`` and a note
  that fundbot maintains it and edits it in place. The shell trusts only comments by fundbot's account
  carrying the ``campaign`` marker; the header only helps humans spot impostors.
* **No pings**: people are shown as profile links (``[@​login](https://github.com/login)``, the ``@``
  broken by a zero-width space) - an edited status comment must not notify a thousand backers.
* **Progress bar**: :data:`BAR_WIDTH` characters (``█`` reached, ``░`` to go) in a code span, rounded down
  (full only at 100 %), followed by the percentage rounded down (over-funding shows e.g. 120 %).
* **Deadline**: the last day (``YYYY-MM-DD``, end of day UTC) and the time left - whole days, or hours on
  the last day.
* **Backers and payment links** are listed only once funded or delivered (closed: backers, no ask and
  no links). The backer list shows at most :data:`MAX_LISTED_BACKERS` rows (largest pledges first) and
  then a "... and N more" line; offers at most :data:`MAX_LISTED_OFFERS`; rewards
  :data:`MAX_LISTED_REWARDS`; links :data:`MAX_LINKS`. Each backer's row names the highest reward tier
  reached by number (tiers are numbered in the rewards table), so long reward texts are not repeated.
* **Marker**: the comment ends with ``<!-- fundbot:campaign v1 {snapshot} -->`` holding
  :meth:`Campaign.to_snapshot`. If the comment would exceed GitHub's 65,536 characters, the marker holds
  :meth:`Campaign.summary` instead (``"partial": true``) and the shell refolds from GitHub. Both carry
  ``"decisions"``: fundbot's decision record (:mod:`bot.core.history`: permission verdicts per command
  comment revision, the goal each bounty label applied, the rule - ``min_pledge``, ``deadline_days``... -
  each command was judged by, the claims credited), which a refold reuses.
* **Release thanks** (:func:`backers_thanks`): backers of delivered or closed campaigns, merged across
  campaigns (case-insensitive login; total pledged), grouped by the highest reward tier any one of their
  pledges reached (the tiers of that campaign), highest tier first, then "Backers" for pledges below
  every tier; within a group by total pledged (desc) then login.
"""

from __future__ import annotations

import bisect
import datetime
import math
import urllib.parse
from collections.abc import Iterable, Sequence
from decimal import Decimal

from bot.core import comments, history, markdown, names, status_claims, status_rewards
from bot.core.campaign import DAY, Campaign, deadline_date
from bot.core.config import Reward

__all__ = [
    "BAR_WIDTH",
    "HEADER",
    "MAX_COMMENT",
    "MAX_LINKS",
    "MAX_LISTED_BACKERS",
    "MAX_LISTED_OFFERS",
    "MAX_LISTED_REWARDS",
    "NOTE",
    "STATUS_MARKER",
    "backers_thanks",
    "badge_markdown",
    "link_list",
    "campaign_link_reply",
    "progress_bar",
    "status_comment",
]

STATUS_MARKER = "campaign"
HEADER = "### 💰 fundbot campaign"
NOTE = ("_This comment is maintained by fundbot and edited in place whenever the campaign changes, so it is "
        "always current. fundbot never holds money._")
BAR_WIDTH = 20
MAX_COMMENT = 65_536  # GitHub's limit for a comment body, in characters
_BUDGET = MAX_COMMENT - 536  # room kept for safety
MAX_LISTED_BACKERS = 100
MAX_LISTED_OFFERS = 10
MAX_LISTED_REWARDS = 20
MAX_LINKS = 20
MAX_THANKED = 500
_URL_LIMIT = 500
_STATE_TITLES = {
    "none": "⚪ no campaign",
    "open": "🟢 open",
    "funded": "🎉 funded",
    "delivered": "✅ delivered",
    "closed": "🏁 closed",
    "expired": "⌛ expired",
    "cancelled": "🚫 cancelled",
}

# ============================================================================================ pieces


def _money(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {markdown.text(currency, limit=10)}"


def _day(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.UTC).date().isoformat() if _in_range(t) else "?"


def _last_day(deadline: float) -> str:
    return deadline_date(deadline).isoformat() if _in_range(deadline) else "?"


def _in_range(t: float) -> bool:
    return -62_135_596_800 <= t <= 253_402_300_799


def _person(login: str | None, server: str) -> str:
    """A non-pinging profile link for a login (escaped text when it is not a plain login)."""
    if not login:
        return "someone"
    shown = markdown.text("@" + login, limit=60)
    target = markdown.url(f"{server.rstrip('/')}/{login}") if names.is_login(login) else None
    return f"[{shown}]({target})" if target else shown


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def progress_bar(raised: Decimal, goal: Decimal | None, width: int = BAR_WIDTH) -> str:
    """``█`` x reached + ``░`` x to go, always ``width`` characters, then the percentage (rounded down)."""
    if goal is None or goal <= 0:
        return "`" + "░" * width + "`"
    filled = min(width, int(raised * width // goal))
    percent = int(raised * 100 // goal)
    return "`" + "█" * filled + "░" * (width - filled) + f"` {percent:,}%"


def _time_left(deadline: float, now: float) -> str:
    left = deadline - now
    if left <= 0:
        return "deadline passed"
    if left < DAY:
        hours = math.ceil(left / 3600)
        return "1 hour left" if hours == 1 else f"{hours} hours left"
    return _plural(int(left // DAY), "day") + " left"


def _tiers(rewards: Sequence[Reward]) -> list[Reward]:
    return sorted(rewards, key=lambda r: (r.min, r.reward))[:MAX_LISTED_REWARDS]


def _tier_of(amount: Decimal, tiers: Sequence[Reward]) -> int | None:
    """The number (1-based, lowest min first) of the highest tier ``amount`` reaches."""
    best = None
    for i, r in enumerate(tiers, 1):
        if amount >= r.min:
            best = i
    return best


def link_list(links: Sequence) -> list[str]:
    """Payment links as a Markdown list (https links only, titles escaped, at most MAX_LINKS)."""
    out = []
    for link in links:
        target = markdown.url(getattr(link, "url", ""))
        if target is None or len(target) > _URL_LIMIT:
            continue
        title = getattr(link, "title", "") or target
        out.append(f"- [{markdown.text(title, limit=60)}]({target})")
        if len(out) >= MAX_LINKS:
            break
    return out


# ============================================================================================ status


def status_comment(campaign: Campaign, *, repo: str, issue: int, links: Sequence, rewards: Sequence[Reward],
                   now: float, server_url: str = "https://github.com", public_url: str | None = None) -> str:
    """The campaign's sticky status comment (Markdown), ending with the snapshot marker. With ``public_url``
    (``bounties.badge`` on a public repository) it opens with the campaign's badge, linked to its page."""
    c = campaign
    cur = c.currency
    raised = c.raised()
    tiers = _tiers(rewards)
    out = [f"{HEADER} · {_STATE_TITLES.get(c.state, markdown.text(c.state))}", ""]
    if public_url and c.state != "none" and c.goal is not None:
        out += [badge_markdown(c, public_url, repo, issue), ""]
    out += [NOTE, ""]

    if c.state == "none" or c.goal is None:
        out += ["There is no campaign on this issue. A maintainer can open one with `/bounty AMOUNT`.", ""]
        return _finish(out, c)

    out += [
        f"**{_money(raised, cur)}** pledged of the **{_money(c.goal, cur)}** goal by "
        f"**{_plural(c.backers(), 'backer')}** for {markdown.text(repo, limit=140)}#{int(issue)}",
        "",
        progress_bar(raised, c.goal),
        "",
    ]
    out += _state_lines(c, now, server_url)
    facts = _facts(c, now, server_url)
    if facts:
        out += facts + [""]
    if tiers:
        out += _reward_table(c, tiers, cur)
    if c.state in ("open", "funded"):
        out += [
            "#### How to pledge",
            "",
            "Comment `/pledge AMOUNT` on this issue, for example `/pledge 25`. Pledging again replaces your "
            "pledge, and `/unpledge` withdraws it. This campaign is all-or-nothing: if the goal is not reached "
            "by the deadline, every pledge lapses and nobody pays. fundbot never holds money: once the goal is "
            + ("reached, backers pay the project directly through its payment links." if not c.payee else
               f"reached, backers pay {_person(c.payee, server_url)}, whose offer was accepted, directly through "
               "their payment links."),
            "",
        ]
    if c.state in ("funded", "delivered", "closed") and c.pledges:
        out += _backer_table(c, tiers, cur, server_url)
    if c.state in ("funded", "delivered"):
        out += _pay_section(c, links, server_url)
    out += status_rewards.owed_lines(c, _person, server_url)  # human rewards owed once delivered (issue 14.4)
    return _finish(out, c)


def _state_lines(c: Campaign, now: float, server: str) -> list[str]:
    s = c.state
    cur = c.currency
    if s == "open":
        closed = (" The issue was closed as completed; the campaign keeps running until its deadline."
                  if c.issue_state == "completed" else "")
        return [f"Pledges are open until the deadline.{closed}", ""]
    if s == "funded":
        when = f" on {_day(c.funded_at)}" if c.funded_at is not None else ""
        lines = [f"🎉 **The goal was reached{when}.** Thank you, backers!"]
        if c.deadline_passed:
            lines.append("The deadline has passed, so the funding is final.")
        if c.issue_state == "completed" and not c.solver:
            lines.append("The issue was closed, but no merged pull request has claimed it yet (`/claim` in the "
                         "pull request links its author).")
        return [" ".join(lines), ""]
    if s in ("delivered", "closed"):
        who = _person(c.solver, server)
        pr = f" in #{int(c.pull)}" if c.pull is not None else ""
        when = f" on {_day(c.delivered_at)}" if c.delivered_at is not None else ""
        lines = [f"✅ **Delivered{when} by {who}{pr}. Thank you, {who}!**"]
        if c.implementer and c.implementer.lower() != (c.solver or "").lower():
            lines.append(f"Thanks also to {_person(c.implementer, server)}, whose offer the maintainers accepted.")
        if s == "closed":
            lines.append(f"This campaign is closed. Thank you to all {_plural(c.backers(), 'backer')}!")
        return [" ".join(lines), ""]
    if s == "expired":
        day = _last_day(c.deadline) if c.deadline is not None else "?"
        return [
            f"⌛ **The deadline ({day}) passed with {_money(c.raised(), cur)} of the {_money(c.goal or 0, cur)} "
            "goal pledged.** This was an all-or-nothing campaign: **the pledges have lapsed** and nobody owes "
            "anything. A maintainer can reopen it with `/bounty extend N days`.",
            "",
        ]
    if s == "cancelled":
        day = f" on {_day(c.ended_at)}" if c.ended_at is not None else ""
        why = {
            "command": f" by {_person(c.ended_by, server)}" if c.ended_by else " by a maintainer",
            "label": " because its bounty label was removed",
            "not_planned": " because the issue was closed as not planned",
        }.get(c.end_reason or "", "")
        return [f"🚫 **This campaign was cancelled{why}{day}.** The pledges have lapsed and nobody owes anything.", ""]
    return []


def _facts(c: Campaign, now: float, server: str) -> list[str]:
    cur = c.currency
    out = []
    if c.deadline is not None and c.state in ("open", "funded", "expired"):
        line = f"- **Deadline:** {_last_day(c.deadline)} (end of day UTC)"
        if c.state == "open" or (c.state == "funded" and not c.deadline_passed):
            line += f" · {_time_left(c.deadline, now)}"
        out.append(line)
    if c.implementer and c.state in ("open", "funded"):
        out.append(f"- **Implementer:** {_person(c.implementer, server)} (offer accepted)")
    if c.state in ("open", "funded", "delivered", "closed"):
        who = status_claims.payee_text(c, _person, server) or (
            f"{_person(c.payee, server)}, the accepted implementer, through their own payment links"
            if c.payee else "the project, through its payment links")
        out.append(f"- **Backers pay:** {who}")
    out += status_claims.facts(c, _person, server)  # claims, a merge awaiting the maintainer, shares (issue 14.5)
    if c.offers and c.state in ("none", "open", "funded", "expired", "cancelled"):
        shown = [o for o in c.offers if not c.implementer or o.user.lower() != c.implementer.lower()]
        if shown:
            items = [f"{_person(o.user, server)} for {_money(o.amount, cur)}" for o in shown[:MAX_LISTED_OFFERS]]
            more = f" and {len(shown) - MAX_LISTED_OFFERS:,} more" if len(shown) > MAX_LISTED_OFFERS else ""
            out.append("- **Offers to implement:** " + ", ".join(items) + more
                       + " (a maintainer accepts one with `/bounty accept @user`)")
    return out


def _reward_table(c: Campaign, tiers: Sequence[Reward], cur: str) -> list[str]:
    # pledges are largest first: those of at least r.min are a prefix (found by bisection, not counted)
    counts = [bisect.bisect_right(c.pledges, -r.min, key=_minus_amount) for r in tiers]
    out = ["#### Reward tiers", "", "| Tier | Reward | For pledges of | Backers |", "| --- | --- | --- | --- |"]
    for i, (r, n) in enumerate(zip(tiers, counts, strict=True), 1):
        mark = "✅" if n else "⬜"
        out.append(f"| {mark} {i} | {markdown.text(r.reward, limit=100)} | {_money(r.min, cur)} or more | {n:,} |")
    reached = sum(1 for n in counts if n)
    out += ["", f"{reached} of {len(tiers)} reward tiers reached.", ""]
    return out


def _backer_table(c: Campaign, tiers: Sequence[Reward], cur: str, server: str) -> list[str]:
    out = ["#### Backers", ""]
    header = "| Backer | Pledged | Reward tier | Payment |" if tiers else "| Backer | Pledged | Payment |"
    out += [header, "| --- | --- | --- | --- |" if tiers else "| --- | --- | --- |"]
    for p in c.pledges[:MAX_LISTED_BACKERS]:
        row = f"| {_person(p.backer, server)} | {_money(p.amount, cur)} |"
        if tiers:
            tier = _tier_of(p.amount, tiers)
            row += f" {tier if tier is not None else '—'} |"
        out.append(row + f" {_PAYMENT_CELLS[c.payment(p.backer).state]} |")
    rest = len(c.pledges) - MAX_LISTED_BACKERS
    if rest > 0:
        total = c.raised() - sum((p.amount for p in c.pledges[:MAX_LISTED_BACKERS]), Decimal("0.00"))
        out += ["", f"… and {_plural(rest, 'more backer')} ({_money(total, cur)})."]
    out += ["", _payment_totals(c), ""]
    return out


_PAYMENT_CELLS = {"pledged": "⬜ not paid yet", "says paid": "🕓 says paid", "confirmed": "✅ received"}


def _payment_totals(c: Campaign) -> str:
    """Totals by payment state, as backers and the payee said them (``/paid``, ``/bounty received``)."""
    sums = {k: [0, Decimal("0.00")] for k in _PAYMENT_CELLS}
    for p in c.pledges:
        got = sums[c.payment(p.backer).state]
        got[0] += 1
        got[1] += p.amount
    parts = [f"{_PAYMENT_CELLS[k].split(' ', 1)[1]}: {_plural(n, 'backer')}, {_money(v, c.currency)}"
             for k, (n, v) in sums.items() if n]
    return ("**Payments** (as backers and the person paid say them): " + " · ".join(parts) + ". A backer writes "
            "`/paid` once they paid; the person paid or a maintainer confirms with `/bounty received`, mentioning the backers.")


_ASK = "**Backers, please pay the amount you pledged** through one of the project's payment links:"


def _pay_section(c: Campaign, links: Sequence, server: str = "https://github.com") -> list[str]:
    rendered = link_list(links)
    ask = _ASK if not c.payee else _ASK.replace("one of the project's payment links",
                                                f"the payment links of {_person(c.payee, server)}")
    if c.state == "delivered":
        ask = "The work is delivered. " + ask
    out = ["#### Paying your pledge", ""]
    if rendered:
        out += [ask, "", *rendered, ""]
    else:
        out += ["The maintainers have not set up payment links yet; they will tell you here how to pay.", ""]
    out += ["fundbot never holds money: the amounts above are what each backer promised, and the payment "
            "states are what backers and the person paid said.", ""]
    return out


def _minus_amount(p) -> Decimal:
    return -p.amount


def snapshot_floor(c: Campaign) -> int:
    """Fewest characters :meth:`Campaign.to_snapshot` can take in a marker (compact JSON): each pledge's
    comment record holds its /pledge command (>= 84), any other record >= 16, an outcome >= 23, a pledge
    >= 12. A campaign whose floor does not fit gets the summary without building its snapshot."""
    return 96 * len(c.pledges) + 16 * (len(c.log) - len(c.pledges)) + 23 * len(c.outcomes)


def badge_markdown(c: Campaign, public_url: str, repo: str, issue: int) -> str:
    """The badge image (``/badges/OWNER/REPO/ISSUE.svg`` on fundbot's server) linked to the repository's campaign
    page, with the figures as alt text (readable without images). The query names the figures, so GitHub's image
    proxy (camo), which caches by URL, fetches the badge again whenever they change."""
    owner, _, name = repo.partition("/")
    base = public_url.rstrip("/")
    path = "/".join(urllib.parse.quote(part, safe="") for part in (owner, name))
    version = urllib.parse.quote(f"{c.state}-{c.raised()}-{c.goal}", safe="")
    alt = markdown.text(f"bounty {c.state}: {_money(c.raised(), c.currency)} of {_money(c.goal, c.currency)}",
                        limit=120).replace("[", "(").replace("]", ")")
    return f"[![{alt}]({base}/badges/{path}/{int(issue)}.svg?v={version})]({base}/campaigns/{path})"


def _finish(lines: list[str], c: Campaign) -> str:
    body = "\n".join(lines).rstrip("\n") + "\n\n"
    decisions = history.decisions_of(c)  # bounded; in both forms, so a rebuild keeps history
    mark = None
    if len(body) + snapshot_floor(c) + 1 <= _BUDGET:  # else it cannot fit: skip building it
        mark = markdown.marker(STATUS_MARKER, {**c.to_snapshot(), "decisions": decisions.to_json()})
    if mark is None or len(body) + len(mark) + 1 > _BUDGET:
        mark = _summary_marker(c, decisions, room=_BUDGET - len(body) - 1)
    return body + mark + "\n"


def _summary_marker(c: Campaign, decisions: history.Decisions, *, room: int) -> str:
    """The summary marker, its decision record shrunk (the oldest entries left out, halving) until the
    comment fits GitHub's limit: a refold judges what was left out again (see bot.core.history)."""
    summary = c.summary()
    for _ in range(24):
        mark = markdown.marker(STATUS_MARKER, {**summary, "decisions": decisions.to_json()})
        if len(mark) <= room:
            return mark
        decisions = decisions.shrunk()
    return markdown.marker(STATUS_MARKER, summary)


# ============================================================================================ replies


def campaign_link_reply(url: str | None, *, comment_id: int | None = None) -> str:
    """The reply to ``/campaign``: a link to the status comment (``url`` None: there is no campaign)."""
    if url is None:
        text = "There is no campaign on this issue yet. A maintainer can open one with `/bounty AMOUNT`."
    else:
        target = markdown.url(url)
        where = f"[fundbot's status comment]({target})" if target else "fundbot's status comment on this issue"
        text = f"This campaign's goal, pledges and deadline are always current in {where}."
    if comment_id is None:
        return text + "\n"
    return text + "\n\n" + comments.reply_marker(int(comment_id), "campaign-link") + "\n"


def backers_thanks(campaigns: Iterable[Campaign], *, server_url: str = "https://github.com") -> str:
    """Release-notes thanks to the backers of delivered campaigns, by reward tier ("" when there are none)."""
    people: dict[str, list] = {}  # login.lower() -> [login, total, best (min, reward) or None]
    for c in campaigns:
        if c.state not in ("delivered", "closed"):
            continue
        tiers = sorted(c.rewards, key=lambda r: (r.min, r.reward))
        for p in c.pledges:
            entry = people.setdefault(p.backer.lower(), [p.backer, Decimal("0.00"), None])
            entry[0] = min(entry[0], p.backer)  # one spelling whatever the order of the campaigns
            entry[1] += p.amount
            reached = [r for r in tiers if p.amount >= r.min]
            if reached:
                best = (reached[-1].min, reached[-1].reward)
                if entry[2] is None or best > entry[2]:
                    entry[2] = best
    if not people:
        return ""
    groups: dict[tuple | None, list] = {}
    for entry in people.values():
        groups.setdefault(entry[2], []).append(entry)
    order = sorted((k for k in groups if k is not None), reverse=True) + ([None] if None in groups else [])
    lines = ["#### Thank you, backers", "",
             "The work in this release was crowdfunded by its users. Thank you for backing it:", ""]
    shown = 0
    for key in order:
        members = sorted(groups[key], key=lambda e: (-e[1], e[0].lower(), e[0]))
        room = max(0, MAX_THANKED - shown)
        names = [_person(e[0], server_url) for e in members[:room]]
        shown += len(names)
        more = f" and {len(members) - len(names):,} more" if len(members) > len(names) else ""
        title = markdown.text(key[1], limit=100) if key is not None else "Backers"
        lines.append(f"- **{title}:** " + (", ".join(names) if names else "") + more)
    return "\n".join(lines) + "\n"
