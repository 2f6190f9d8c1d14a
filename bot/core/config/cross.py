"""Cross-key checks: rules across keys, run on the effective (merged) configuration only, so a base file
is not blamed for a combination its extender changes. Each takes the clean values (which may hold ``BAD``
where a key failed its own check: such a key is skipped) and reports into the run's :class:`Context`."""

from __future__ import annotations

import difflib
from decimal import Decimal
from typing import Any

from bot.core.config.report import Context, KeyPath, brief, has_bad, named, short


def _ok(*values: Any) -> bool:
    return all(v is not None and not has_bad(v) for v in values)


def _section(clean: dict[str, Any], name: str) -> dict[str, Any]:
    value = clean.get(name)
    return value if isinstance(value, dict) else {}


def cross_checks(clean: dict[str, Any], cx: Context) -> None:
    b = _section(clean, "bounties")
    r = _section(clean, "readme")
    _currencies(b, cx)
    _pledge_range(b, cx)
    _label_goals(b, cx)
    _distinct_labels(b, cx)
    _broad_permission(b, cx)
    _rewards(b, cx)
    _goal_without_amount(clean.get("funding_goal"), cx)
    if _ok(r.get("tiers")):
        names = _tiers(r["tiers"], cx)
        _sponsor_tiers(r, names, cx)


def _currencies(b: dict[str, Any], cx: Context) -> None:
    currency = b.get("currency")
    if not _ok(currency):
        return
    for kp, n, cur in cx.currencies:
        if cur != currency:
            cx.add("error", n, kp, "currency-mismatch", f"an amount in {currency}", brief(n),
                   f"{named(kp)} is written in {cur}, but `bounties.currency` is {currency}; write the "
                   f"amount in {currency} or change the currency.")


def _pledge_range(b: dict[str, Any], cx: Context) -> None:
    lo, hi = b.get("min_pledge"), b.get("max_amount")
    if _ok(lo, hi) and lo > hi:
        at = cx.nodes.get(("bounties", "min_pledge")) or cx.nodes.get(("bounties", "max_amount"))
        cx.add("error", at, ("bounties", "min_pledge"), "min-above-max",
               f"at most `bounties.max_amount` ({hi:,.2f})", f"{lo:,.2f}",
               f"`bounties.min_pledge` ({lo:,.2f}) is above `bounties.max_amount` ({hi:,.2f}), so no pledge "
               f"could be accepted; lower min_pledge or raise max_amount.")


def _label_goals(b: dict[str, Any], cx: Context) -> None:
    lo, hi, labels = b.get("min_pledge"), b.get("max_amount"), b.get("labels")
    if not _ok(labels, hi):
        return
    for name, goal in labels.items():
        kp = ("bounties", "labels", name)
        if goal > hi:
            cx.add("error", cx.nodes.get(kp) or cx.nodes.get(("bounties", "max_amount")), kp, "out-of-range",
                   f"a goal of at most `bounties.max_amount` ({hi:,.2f})", f"{goal:,.2f}",
                   f"The goal of label `{short(name)}` ({goal:,.2f}) is above `bounties.max_amount` "
                   f"({hi:,.2f}); lower the goal or raise max_amount.")
        elif _ok(lo) and goal < lo:
            cx.add("warning", cx.nodes.get(kp) or cx.nodes.get(("bounties", "min_pledge")), kp, "out-of-range",
                   f"a goal of at least `bounties.min_pledge` ({lo:,.2f})", f"{goal:,.2f}",
                   f"The goal of label `{short(name)}` ({goal:,.2f}) is below `bounties.min_pledge` "
                   f"({lo:,.2f}): a single pledge would overshoot it.")


def _distinct_labels(b: dict[str, Any], cx: Context) -> None:
    """The bounty labels must be distinct, case-insensitively, as GitHub's label names are."""
    seen: dict[str, KeyPath] = {}
    candidates: list[tuple[KeyPath, Any]] = [(("bounties", k), b.get(k)) for k in ("label", "funded_label", "delivered_label")]
    labels = b.get("labels")
    if _ok(labels):
        candidates += [(("bounties", "labels", name), name) for name in labels]
    for kp, label in candidates:
        if not _ok(label):
            continue
        folded = label.casefold()
        if folded not in seen:
            seen[folded] = kp
            continue
        at = cx.nodes.get(("bounties", "labels")) if kp[:2] == ("bounties", "labels") else cx.nodes.get(kp)
        cx.add("error", at or cx.nodes.get(seen[folded]), kp, "duplicate-label", "a label name used once", short(label),
               f"{named(kp)} is the label `{short(label)}`, already used by {named(seen[folded])} (GitHub "
               f"label names are case-insensitive); give each its own name.")


def _broad_permission(b: dict[str, Any], cx: Context) -> None:
    if _ok(b.get("who_can_manage")) and "read" in b["who_can_manage"]:
        kp = ("bounties", "who_can_manage")
        cx.add("warning", cx.nodes.get(kp), kp, "broad-permission", "admin, maintain, write or triage", "read",
               "`bounties.who_can_manage` includes `read`: on a public repository every GitHub user has read "
               "access and could open, cancel or extend campaigns.")


def _rewards(b: dict[str, Any], cx: Context) -> None:
    rewards, hi = b.get("rewards"), b.get("max_amount")
    if not (_ok(rewards) and _ok(hi)):
        return
    _sorted_check(rewards, ("bounties", "rewards"), cx, descending=False)
    for i, rw in enumerate(rewards):
        if rw["min"] > hi:
            kp = ("bounties", "rewards", i, "min")
            at = cx.nodes.get(kp) or cx.nodes.get(("bounties", "rewards", i)) or cx.nodes.get(("bounties", "max_amount"))
            cx.add("warning", at, kp, "out-of-range", f"at most `bounties.max_amount` ({hi:,.2f})", f"{rw['min']:,.2f}",
                   f"Reward {i + 1} needs a pledge of {rw['min']:,.2f}, above `bounties.max_amount` "
                   f"({hi:,.2f}), so nobody can earn it.")


def _goal_without_amount(goal: Any, cx: Context) -> None:
    if isinstance(goal, dict) and _ok(goal.get("title"), goal.get("amount")):
        if goal["title"].strip() and goal["amount"] == 0:
            cx.add("warning", cx.nodes.get(("funding_goal", "title")), ("funding_goal", "amount"),
                   "goal-without-amount", "a positive amount", "0",
                   "`funding_goal.title` is set but `funding_goal.amount` is 0, so no project-wide goal is "
                   "shown; set an amount.")


def _tiers(tiers: list[dict[str, Any]], cx: Context) -> dict[str, int]:
    """Tier names and ``min``s must be distinct; the tiers are sorted highest first. Returns the tier
    names (case-folded) -> first index."""
    names: dict[str, int] = {}
    mins: dict[Decimal, int] = {}
    for i, t in enumerate(tiers):
        kp = ("readme", "tiers", i)
        folded = t["name"].casefold()
        if folded in names:
            cx.add("error", cx.nodes.get((*kp, "name")) or cx.nodes.get(kp), (*kp, "name"), "duplicate-tier",
                   "each tier name once", short(t["name"]),
                   f"Tier `{short(t['name'])}` appears twice in `readme.tiers` (entries {names[folded] + 1} "
                   f"and {i + 1}); give each tier its own name.")
        names.setdefault(folded, i)
        if t["min"] in mins:
            cx.add("error", cx.nodes.get((*kp, "min")) or cx.nodes.get(kp), (*kp, "min"), "duplicate-tier",
                   "a different `min` for each tier", f"{t['min']:,.2f}",
                   f"Tiers {mins[t['min']] + 1} and {i + 1} of `readme.tiers` both start at "
                   f"{t['min']:,.2f}, so a sponsor could belong to either; give them different `min`s.")
        mins.setdefault(t["min"], i)
    _sorted_check(tiers, ("readme", "tiers"), cx, descending=True)
    return names


def _sponsor_tiers(r: dict[str, Any], names: dict[str, int], cx: Context) -> None:
    """A sponsor's ``tier`` must name a tier."""
    sponsors = r.get("sponsors")
    if not _ok(sponsors):
        return
    tier_names = [t["name"] for t in r["tiers"]]
    for i, s in enumerate(sponsors):
        if s.get("tier") is None or s["tier"].casefold() in names:
            continue
        kp = ("readme", "sponsors", i, "tier")
        close = difflib.get_close_matches(s["tier"], tier_names, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else "."
        cx.add("error", cx.nodes.get(kp) or cx.nodes.get(("readme", "sponsors", i)), kp, "unknown-tier",
               "one of " + ", ".join(f"`{n}`" for n in tier_names), short(s["tier"]),
               f"Sponsor `{short(s['name'])}` is in tier `{short(s['tier'])}`, which is not in "
               f"`readme.tiers` ({', '.join(tier_names)}){hint}")


def _sorted_check(items: list[dict[str, Any]], kp: KeyPath, cx: Context, *, descending: bool) -> None:
    """``bounties.rewards`` are kept lowest first and ``readme.tiers`` highest first: another order is a
    warning and the effective config is sorted."""
    mins = [it["min"] for it in items]
    want = sorted(mins, reverse=descending)
    if mins != want:
        first = next(i for i, (a, b) in enumerate(zip(mins, want, strict=True)) if a != b)
        order = "highest first" if descending else "lowest first"
        cx.add("warning", cx.nodes.get((*kp, first)) or cx.nodes.get(kp), kp, "unsorted",
               f"entries ordered by `min`, {order}", ", ".join(f"{m:,.2f}" for m in mins),
               f"{named(kp)} is not ordered by `min` ({order}); fundbot uses it sorted - reorder the entries "
               f"to match.")
        items.sort(key=lambda it: it["min"], reverse=descending)
