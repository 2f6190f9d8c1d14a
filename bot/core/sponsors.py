"""The README sponsor section's content: sponsor entries from every source, and their rendering (pure).

:func:`render_section` returns the *inner* Markdown that :func:`bot.core.readme.splice` puts between
``<!-- fundbot:sponsors:start -->`` and ``<!-- fundbot:sponsors:end -->``. Converters build
:class:`Entry` values from each source: :func:`entries_from_sponsorships` (GitHub Sponsors GraphQL
``Sponsorship`` nodes), :func:`entries_from_backers` (backers of funded and delivered campaigns) and
:func:`entries_from_config` (``readme.sponsors``); :func:`collect` applies ``readme.sources``. The shell
(``bot.services.sponsor_sources``) only reads the sources and calls :func:`collect`.

Layout of the section (``\\n`` line endings, no leading or trailing newline)::

    ### Gold                          one heading per non-empty tier, highest ``min`` first
    <a href=..><img ..></a>           upper tiers (the first ``avatar_tiers``): one linked avatar per line
    ### Backers
    [Name](https://...) ·             lower tiers: one linked name per line, "·" between them
    ### Backers of delivered campaigns
    - [#12](url) Title: [alice](https://github.com/alice) ($50), ...
    ### Funding goals
    **Funding goal — Title:** $5,000
    | Issue | Goal | Raised | Progress | Deadline |   open campaigns, deadline soonest first

Decisions
---------
* **Tiers** are ordered by ``min``, highest first, whatever order the config lists them in (the config
  check only warns about order). :func:`tier_of` returns the tier named by an explicit ``tier``
  (matched case-insensitively, as the config check does), else the highest tier whose ``min`` the amount
  reaches, else ``None`` (hence ``str | None``): an entry below every tier is not listed (so a
  ``min: 25`` lowest tier keeps $5 sponsors out, as a maintainer setting it would expect).
* **Ordering** inside a tier: amount descending, then ``since`` ascending (longest-standing first),
  then login, name and the remaining fields, so the order is total: shuffled input gives the same bytes.
  ``readme.sponsors`` entries have amount 0 and ``since`` = their position in the config
  (:func:`entries_from_config`), so they come after the paying sponsors (GitHub Sponsors and campaign
  backers) of their tier, in config order. A config sponsor that is also a paying sponsor (same login)
  is merged and placed by its amount.
* **Dedupe**: entries with the same login (case-insensitive) are one sponsor, as are login-less entries
  with the same name (case-insensitive) and URL. The merge keeps the highest amount and the earliest
  ``since``; name, URL, avatar and explicit tier come from the first entry that has them, config entries
  first (the maintainer curated them), then by amount.
* **Links** are ``https://`` only (``markdown.url``); an entry without one but with a valid login links
  to ``https://github.com/LOGIN``; otherwise it is plain escaped text (also in avatar tiers).
* **Avatars** are accepted only from ``https://avatars.githubusercontent.com/...`` or
  ``https://github.com/LOGIN.png`` (optionally ``?size=N``), matched strictly; anything else is dropped
  (images from other hosts could track README readers). An entry with a login and no usable avatar gets
  ``https://github.com/LOGIN.png?size=2×avatar_size``; one with neither, or with no link (a line that
  is a lone ``<img>`` tag would open an HTML block and hide the Markdown after it), is shown as its
  name, even in an avatar tier. Note: this also drops a ``readme.sponsors`` logo hosted elsewhere
  (SPEC section 5 calls that field "Logo or avatar image (https://)"); relax it for config entries if
  the product wants logos from other hosts.
* **Escaping**: names and titles go through ``markdown.text`` (HTML entities, Markdown escapes, no
  pinging @mentions) plus: lone surrogates dropped, bare-URL autolinks defused (``://``, ``www.``,
  ``mailto:`` get a zero-width space), and ``fundbot:`` written ``fundbot&#58;`` so no user string can
  ever contain marker text. Alt text goes through ``markdown.attr`` plus entities for backticks and
  brackets (Markdown syntax never appears, even inside a tag). URLs in
  ``href``/``src``/link destinations have ``&`` written ``&amp;`` (valid in both HTML and CommonMark).
* **One source line per sponsor** so the rolling pull request's diff shows who was added or removed.
  Avatar lines stay inline HTML in a Markdown paragraph (a line starting ``<a href=..><img`` does not
  open an HTML block), so linked names and avatars can share a tier.
* **No time-dependent text** (no "3 days left"): the section changes only when the data does, so the
  README is not rewritten every day. ``now`` is used only to drop campaigns whose deadline passed while
  still under their goal (expired; the shell should not pass them anyway).
* **Money**: ``$1,250`` for USD, ``1,250 EUR`` otherwise; cents shown only when not whole. Progress is a
  10-cell text bar (``█``/``░``) and a floored percentage (may exceed 100%). A total row is added when
  two or more open campaigns share one currency.
* **Funding goal**: shown when ``goal.amount > 0``; fundbot has no "raised" figure for it, so the line
  shows the target, plus progress only when the caller passes ``goal_raised``.
* **Delivered campaigns**, newest issue first, list each campaign's backers with their amounts (one
  login case-insensitively, or one name: summed, spelled as in the largest pledge), amount descending.
  Logins link to their GitHub profile; other names are plain text.
* **Empty state**: "No sponsors yet." plus, if ``sponsor_url`` is given, a link to become the first
  sponsor, else a pointer to the repository's Sponsor button.
* ``warnings`` are rendered as italic notes at the end (escaped), e.g. "GitHub Sponsors could not be
  read; the list may be out of date".
* ``max_per_tier`` (default: no limit) cuts each tier after N entries with "… and N more". 5,000
  sponsors with the default tiers make a section of about 320 KB (bench/readme_bench.py); the shell may
  want a limit for very large sponsor lists.
* ``github_count``: when the shell could count an account's GitHub sponsors but not read who they are
  (see ``bot.services.sponsor_tokens``), one line thanks that many sponsors and links their Sponsors page.
* GitHub Sponsors: private or inactive sponsorships and ones without a visible ``sponsorEntity`` are
  skipped; the amount is ``tier.monthlyPriceInDollars`` (for a one-time payment, the one-time amount).
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, Literal

from bot.core import markdown, names, timestamps
from bot.core.config import Config, FundingGoal, Sponsor, Tier

Source = Literal["github_sponsors", "backers", "config"]


@dataclass(frozen=True)
class Entry:
    """One sponsor or backer, from any source. ``name`` is user text."""

    name: str
    login: str | None
    url: str | None  # https only, else dropped
    avatar: str | None  # GitHub avatar hosts only, else dropped
    amount: Decimal  # monthly USD for sponsors, pledge total for backers; decides the tier
    since: float  # epoch seconds (ordering)
    source: Source
    tier: str | None = None  # explicit tier name (config sponsors) overrides the amount
    style: str | None = None  # "logo" | "name": as a backer's reward says (campaign/rewards.py); None: the tier's


@dataclass(frozen=True)
class OpenCampaign:
    issue: int
    title: str
    url: str
    goal: Decimal
    raised: Decimal
    currency: str
    deadline: float | None


@dataclass(frozen=True)
class DeliveredBackers:
    issue: int
    title: str
    url: str
    backers: tuple[tuple[str, Decimal], ...]  # (login or name, amount)


# ------------------------------------------------------------------------------------- safe pieces

_AVATAR_HOST = re.compile(r"https://avatars\.githubusercontent\.com/[A-Za-z0-9._~%/-]+(?:\?[A-Za-z0-9._~%=&-]*)?")
_AVATAR_PNG = re.compile(r"https://github\.com/([A-Za-z0-9-]{1,39})\.png(?:\?(?:size|s)=[0-9]{1,4})?")
_PROFILE = re.compile(r"https://github\.com/([A-Za-z0-9-]{1,39})/?")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_AUTOLINK = re.compile(r"(?i)(://|www\.|mailto:|xmpp:)")
_FUNDBOT = re.compile(r"(?i)(fundbot):")
_CURRENCY = re.compile(r"[A-Z]{3}")
_CENT = Decimal("0.01")
_BAR = 10


valid_login = names.is_login  # GitHub's login rule, written once in bot.core.names


def _text(value: object, *, limit: int = 100) -> str:
    """``markdown.text`` plus: no surrogates, no bare-URL autolinks, no ``fundbot:`` marker text."""
    s = markdown.text(_SURROGATE.sub("", str(value)), limit=limit)
    s = _AUTOLINK.sub(lambda m: m.group(1)[:-1] + "\u200b" + m.group(1)[-1], s)
    return _FUNDBOT.sub(r"\1&#58;", s)


def _attr(value: object, *, limit: int = 100) -> str:
    s = markdown.attr(_SURROGATE.sub("", str(value)), limit=limit)
    s = s.replace("`", "&#96;").replace("[", "&#91;").replace("]", "&#93;")
    return _FUNDBOT.sub(r"\1&#58;", s)


def _href(value: str | None) -> str | None:
    """A safe https link target (for ``href="..."`` and ``[..](...)``), or None."""
    if not value:
        return None
    m = _PROFILE.fullmatch(value)
    if m and valid_login(m.group(1)):  # fast path for the common case, a GitHub profile
        return value
    out = markdown.url(_SURROGATE.sub("", value))
    if out is None or not out.startswith("https://"):
        return None
    cut = out.find("/", len("https://"))
    if cut >= 0:  # brackets are not valid in a path or query; encoded, they cannot look like link syntax
        out = out[:cut] + out[cut:].replace("[", "%5B").replace("]", "%5D")
    return _FUNDBOT.sub(r"\1%3A", out).replace("&", "&amp;")


def avatar_url(value: str | None) -> str | None:
    """The avatar URL if it is on one of GitHub's avatar hosts (strictly matched), else None."""
    if not value or not (_AVATAR_HOST.fullmatch(value) or _AVATAR_PNG.fullmatch(value)):
        return None
    m = _AVATAR_PNG.fullmatch(value)
    if m and not valid_login(m.group(1)):
        return None
    return value.replace("&", "&amp;")


def _amount(value: object) -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return d if d.is_finite() else Decimal(0)


def _since(value: object) -> float:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return f if math.isfinite(f) else 0.0


def money(amount: Decimal, currency: str) -> str:
    """``$1,250`` / ``1,250.50 EUR``."""
    q = _amount(amount).quantize(_CENT)
    s = f"{q:,.0f}" if q == q.to_integral_value() else f"{q:,.2f}"
    code = currency.upper() if isinstance(currency, str) and _CURRENCY.fullmatch(currency.upper()) else ""
    if code == "USD":
        return ("-$" + s[1:]) if s.startswith("-") else "$" + s
    return f"{s} {code}".strip()


def progress_bar(raised: Decimal, goal: Decimal) -> str:
    """``█████░░░░░ 50%`` (percentage floored; the bar is capped at full)."""
    raised, goal = _amount(raised), _amount(goal)
    if goal <= 0:
        return "—"
    ratio = max(raised, Decimal(0)) / goal
    cells = min(_BAR, int((ratio * _BAR).to_integral_value(ROUND_FLOOR)))
    pct = int((ratio * 100).to_integral_value(ROUND_FLOOR))
    return "█" * cells + "░" * (_BAR - cells) + f" {pct}%"


def _date(ts: float | None) -> str:
    if ts is None:
        return "—"
    try:
        return datetime.datetime.fromtimestamp(float(ts), datetime.UTC).strftime("%Y-%m-%d")
    except (OverflowError, OSError, ValueError):
        return "—"


# ----------------------------------------------------------------------------------------- tiers


def _ordered(tiers: Sequence[Tier]) -> list[Tier]:
    return sorted(tiers, key=lambda t: -_amount(t.min))  # stable: equal mins keep config order


def _tier_index(entry: Entry, ordered: Sequence[Tier]) -> int | None:
    if entry.tier:
        wanted = entry.tier.strip().casefold()
        for i, t in enumerate(ordered):
            if t.name.casefold() == wanted:
                return i
    amount = _amount(entry.amount)
    for i, t in enumerate(ordered):
        if _amount(t.min) <= amount:
            return i
    return None


def tier_of(entry: Entry, tiers: Sequence[Tier]) -> str | None:
    """The explicit tier if it names one of ``tiers``, else the highest tier whose ``min`` the amount
    reaches, else None (the entry is not listed)."""
    ordered = _ordered(tiers)
    i = _tier_index(entry, ordered)
    return None if i is None else ordered[i].name


# ----------------------------------------------------------------------------------------- dedupe

_SOURCE_RANK = {"config": 0, "github_sponsors": 1, "backers": 2}


def _login(entry: Entry) -> str | None:
    return entry.login if valid_login(entry.login) else None


def _sort_key(e: Entry) -> tuple:
    return (-_amount(e.amount), _since(e.since), (_login(e) or "").casefold(), e.name.casefold(), e.name,
            e.url or "", e.avatar or "", e.source, e.tier or "", e.login or "")


def _identity(e: Entry) -> tuple[str, ...]:
    login = _login(e)
    if login:
        return ("login", login.casefold())
    return ("name", " ".join(e.name.split()).casefold(), e.url or "")


def dedupe(entries: Iterable[Entry]) -> list[Entry]:
    """One entry per sponsor (see the module docstring), in display order."""
    groups: dict[tuple[str, ...], list[Entry]] = {}
    for e in entries:
        groups.setdefault(_identity(e), []).append(e)
    merged = []
    for group in groups.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        group.sort(key=lambda e: (_SOURCE_RANK.get(e.source, 9), *_sort_key(e)))
        top = max(group, key=lambda e: _amount(e.amount))  # the first of the highest, config first

        def first(attr: str, group: list[Entry] = group) -> Any:
            return next((getattr(e, attr) for e in group if getattr(e, attr)), None)

        merged.append(Entry(
            name=first("name") or group[0].name,
            login=next((_login(e) for e in group if _login(e)), None),
            url=first("url"),
            avatar=first("avatar"),
            amount=_amount(top.amount),
            since=min(_since(e.since) for e in group),
            source=top.source,
            tier=first("tier"),
            style=max((e.style for e in group), key=lambda s: {"logo": 2, None: 1}.get(s, 0)),  # logo > tier > name
        ))
    merged.sort(key=_sort_key)
    return merged


# ------------------------------------------------------------------------------------- rendering


def _display_name(e: Entry) -> str:
    name = " ".join(_SURROGATE.sub("", e.name or "").split())
    if not name or not markdown.text(name):  # nothing visible left (control characters only)
        name = _login(e) or "Anonymous sponsor"
    return name


def _link_of(e: Entry) -> str | None:
    href = _href(e.url)
    if href is None and _login(e):
        href = f"https://github.com/{_login(e)}"
    return href


def _avatar_of(e: Entry, size: int) -> str | None:
    src = avatar_url(e.avatar)
    if src is None and _login(e):
        src = f"https://github.com/{_login(e)}.png?size={2 * size}"
    return src


def _name_item(e: Entry) -> str:
    name, href = _text(_display_name(e)), _link_of(e)
    return f"[{name}]({href})" if href else name


def _avatar_item(e: Entry, size: int) -> str:
    src, href = _avatar_of(e, size), _link_of(e)
    if src is None or href is None:  # (a bare <img> line would open an HTML block, hiding the Markdown after it)
        return _name_item(e)
    img = f'<img src="{src}" width="{size}" height="{size}" alt="{_attr(_display_name(e))}">'
    return f'<a href="{href}">{img}</a>'


def _backer_item(who: str, amount: Decimal, currency: str) -> str:
    who = " ".join(str(who).split())
    shown = f"[{_text(who)}](https://github.com/{who})" if valid_login(who) else _text(who or "anonymous")
    return f"{shown} ({money(amount, currency)})"


def _campaign_ref(issue: int, url: str, title: str) -> str:
    href = _href(url)
    ref = f"[#{int(issue)}]({href})" if href else f"#{int(issue)}"
    title = _text(title, limit=80)
    return f"{ref} {title}" if title else ref


def _sum_backers(backers: Iterable[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """(backer, total) with one line per backer (same login case-insensitively, or same name), amount
    descending. A backer spelled differently is shown as spelled in their largest pledge."""
    totals: dict[str, tuple[str, Decimal, Decimal]] = {}  # key -> (spelling, total, that pledge)
    for who, amount in backers:
        spelling = " ".join(str(who).split())
        key = spelling.casefold() if valid_login(spelling) else spelling
        amount = _amount(amount)
        prev = totals.get(key)
        if prev is None:
            totals[key] = (spelling, amount, amount)
        else:
            keep = (-prev[2], prev[0]) <= (-amount, spelling)
            totals[key] = (prev[0] if keep else spelling, prev[1] + amount, prev[2] if keep else amount)
    return sorted(((b[0], b[1]) for b in totals.values()), key=lambda b: (-b[1], b[0].casefold(), b[0]))


def render_section(
    entries: Iterable[Entry],
    *,
    tiers: Sequence[Tier],
    campaigns: Sequence[OpenCampaign],
    delivered: Sequence[DeliveredBackers],
    goal: FundingGoal,
    currency: str,
    now: float,
    avatar_tiers: int = 2,
    avatar_size: int = 64,
    warnings: Sequence[str] = (),
    goal_raised: Decimal | None = None,
    sponsor_url: str | None = None,
    max_per_tier: int | None = None,
    github_count: GitHubCount | None = None,
) -> str:
    """The inner Markdown of the README sponsor section (no markers; deterministic)."""
    size = max(8, min(int(avatar_size), 512))
    out = _tier_lines(entries, _ordered(tiers), size=size, avatar_tiers=avatar_tiers, max_per_tier=max_per_tier)
    out += _github_count_lines(github_count)
    out += _delivered_lines(delivered, currency)
    out += _funding_goal_lines(_open_campaigns(campaigns, now), goal, currency, goal_raised)
    if not out:
        out += _no_sponsors_lines(sponsor_url)
    for w in warnings:
        if _text(w, limit=300):
            out += [f"_Note: {_text(w, limit=300)}_", ""]
    return "\n".join(out).strip("\n")


def _tier_lines(entries: Iterable[Entry], ordered: Sequence[Tier], *, size: int, avatar_tiers: int,
                max_per_tier: int | None) -> list[str]:
    """One heading per non-empty tier (deduplicated entries), avatars for the first ``avatar_tiers``."""
    by_tier: dict[int, list[Entry]] = {}
    for e in dedupe(entries):
        i = _tier_index(e, ordered)
        if i is not None:
            by_tier.setdefault(i, []).append(e)
    out: list[str] = []
    for i, tier in enumerate(ordered):
        items = by_tier.get(i)
        if not items:
            continue
        shown = items if max_per_tier is None else items[: max(0, max_per_tier)]
        logos = [e.style == "logo" or (e.style is None and i < avatar_tiers) for e in shown] + [True]
        lines = [_avatar_item(e, size) if logos[j] else _name_item(e) + ("" if logos[j + 1] else " ·")
                 for j, e in enumerate(shown)]
        if len(shown) < len(items):
            lines.append(f"… and {len(items) - len(shown):,} more")
        out += [f"### {_text(tier.name, limit=50)}", "", *lines, ""]
    return out


def _delivered_lines(delivered: Sequence[DeliveredBackers], currency: str) -> list[str]:
    """The backers of delivered campaigns, newest issue first; campaigns without backers are left out."""
    done = []
    for d in sorted(delivered, key=lambda d: (-int(d.issue), d.url or "", d.title or "", repr(d.backers))):
        backers = _sum_backers(d.backers)
        if backers:
            names = ", ".join(_backer_item(who, amount, currency) for who, amount in backers)
            done.append(f"- {_campaign_ref(d.issue, d.url, d.title)}: {names}")
    return ["### Backers of delivered campaigns", "", *done, ""] if done else []


def _open_campaigns(campaigns: Sequence[OpenCampaign], now: float) -> list[OpenCampaign]:
    """The campaigns still open at ``now`` (not past their deadline under their goal), deadline soonest first."""
    open_now = [
        c for c in campaigns
        if not (c.deadline is not None and _since(c.deadline) < now and _amount(c.raised) < _amount(c.goal))
    ]
    open_now.sort(key=lambda c: (c.deadline is None, _since(c.deadline) if c.deadline is not None else 0.0,
                                 int(c.issue), c.url or "", c.title or "", repr((c.goal, c.raised, c.currency))))
    return open_now


def _funding_goal_lines(open_now: Sequence[OpenCampaign], goal: FundingGoal, currency: str,
                        goal_raised: Decimal | None) -> list[str]:
    """The "Funding goals" part: the project's funding goal line, then the table of open campaigns."""
    goal_amount = _amount(goal.amount)
    if not (open_now or goal_amount > 0):
        return []
    out = ["### Funding goals", ""]
    if goal_amount > 0:
        label = "**Funding goal"
        if goal.title.strip():
            label += " — " + _text(goal.title, limit=100)
        line = f"{label}:** {money(goal_amount, currency)}"
        if goal_raised is not None:
            line = (f"{label}:** {money(_amount(goal_raised), currency)} of {money(goal_amount, currency)} "
                    f"{progress_bar(_amount(goal_raised), goal_amount)}")
        out += [line, ""]
    if open_now:
        out += [*_campaign_table(open_now), ""]
    return out


def _campaign_table(open_now: Sequence[OpenCampaign]) -> list[str]:
    """One row per open campaign, plus a total row when two or more share one currency."""
    out = ["| Issue | Goal | Raised | Progress | Deadline |", "| --- | ---: | ---: | --- | --- |"]
    for c in open_now:
        out.append(
            f"| {_campaign_ref(c.issue, c.url, c.title)} | {money(c.goal, c.currency)} | "
            f"{money(c.raised, c.currency)} | {progress_bar(c.raised, c.goal)} | {_date(c.deadline)} |"
        )
    currencies = {c.currency.upper() for c in open_now}
    if len(open_now) > 1 and len(currencies) == 1:
        cur = open_now[0].currency
        total_goal = sum((_amount(c.goal) for c in open_now), Decimal(0))
        total_raised = sum((_amount(c.raised) for c in open_now), Decimal(0))
        out.append(f"| **Total** | {money(total_goal, cur)} | {money(total_raised, cur)} | "
                   f"{progress_bar(total_raised, total_goal)} | |")
    return out


@dataclass(frozen=True)
class GitHubCount:
    """How many sponsors an account has on GitHub Sponsors, when fundbot may count them but not name them
    (no token connected for the account: an installation token reads only the count)."""

    login: str
    count: int


def _github_count_lines(counted: GitHubCount | None) -> list[str]:
    if counted is None or counted.count <= 0 or not valid_login(counted.login):
        return []
    who = "sponsor" if counted.count == 1 else "sponsors"
    return [f"Thank you to the {counted.count:,} {who} of [@{counted.login} on GitHub Sponsors]"
            f"(https://github.com/sponsors/{counted.login})!", ""]


def _no_sponsors_lines(sponsor_url: str | None) -> list[str]:
    href = _href(sponsor_url)
    if href:
        return [f"No sponsors yet. [Become the first sponsor]({href})!", ""]
    return ["No sponsors yet. Use the **Sponsor** button of this repository to become the first!", ""]


# ------------------------------------------------------------------------------------- converters


def entries_from_sponsorships(nodes: Iterable[Mapping[str, Any]]) -> list[Entry]:
    """Entries from GitHub Sponsors GraphQL ``Sponsorship`` nodes (``createdAt isOneTimePayment
    privacyLevel isActive tier { monthlyPriceInDollars } sponsorEntity { login name avatarUrl }``)."""
    out = []
    for node in nodes:
        if not isinstance(node, Mapping):
            continue
        if node.get("privacyLevel") == "PRIVATE" or node.get("isActive") is False:
            continue
        entity = node.get("sponsorEntity")
        if not isinstance(entity, Mapping) or not valid_login(entity.get("login")):
            continue
        login = entity["login"]
        tier = node.get("tier") if isinstance(node.get("tier"), Mapping) else {}
        amount = tier.get("monthlyPriceInDollars")
        if amount is None and tier.get("monthlyPriceInCents") is not None:
            amount = _amount(tier["monthlyPriceInCents"]) / 100
        name = entity.get("name")
        out.append(Entry(
            name=name if isinstance(name, str) and name.strip() else login,
            login=login,
            url=f"https://github.com/{login}",
            avatar=avatar_url(entity.get("avatarUrl")) if isinstance(entity.get("avatarUrl"), str) else None,
            amount=_amount(amount if amount is not None else 0),
            since=timestamps.parse(node.get("createdAt"), 0.0),
            source="github_sponsors",
        ))
    return out


def entries_from_backers(backed: Iterable[DeliveredBackers]) -> list[Entry]:
    """One entry per backer of the given campaigns (the shell passes the funded and delivered ones), amount =
    total pledged across them."""
    out = []
    for who, total in _sum_backers(b for d in backed for b in d.backers):
        if not who:
            continue
        login = who if valid_login(who) else None
        out.append(Entry(name=who, login=login, url=f"https://github.com/{login}" if login else None,
                         avatar=None, amount=total, since=0.0, source="backers"))
    return out


def entries_from_config(sponsors: Iterable[Sponsor]) -> list[Entry]:
    """Entries from ``readme.sponsors``: amount 0 (the tier decides), ``since`` = position so config
    order is kept among equals; a ``https://github.com/LOGIN`` URL gives the login (for dedupe)."""
    out = []
    for i, s in enumerate(sponsors):
        m = _PROFILE.fullmatch(s.url or "")
        login = m.group(1) if m and valid_login(m.group(1)) else None
        out.append(Entry(name=s.name, login=login, url=s.url, avatar=s.avatar, amount=Decimal(0),
                         since=float(i), source="config", tier=s.tier))
    return out


def collect(config: Config, *, sponsorships: Iterable[Mapping[str, Any]] = (),
            backed: Iterable[DeliveredBackers] = ()) -> list[Entry]:
    """All entries of the sources enabled in ``readme.sources``: GitHub Sponsors ``Sponsorship`` nodes, the
    backers of ``backed`` campaigns, and ``readme.sponsors``."""
    sources = set(config.readme.sources)
    out: list[Entry] = []
    if "github_sponsors" in sources:
        out += entries_from_sponsorships(sponsorships)
    if "backers" in sources:
        out += entries_from_backers(backed)
    if "config" in sources:
        out += entries_from_config(config.readme.sponsors)
    return out
