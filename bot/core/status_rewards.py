"""The status comment's lines about rewards a maintainer gives (issue 14.4, pure): once a campaign is delivered,
each backer who earned a human reward (``delivers: none``) - owed, or done after ``/bounty reward done @user``
(:mod:`bot.core.campaign.rewards`).

Data in, Markdown lines out; people are shown with the status comment's own non-pinging ``person`` function.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from bot.core import markdown
from bot.core.campaign import Campaign
from bot.core.campaign.rewards import owed

MAX_LISTED = 100

Person = Callable[[str | None, str], str]


def _day(t: float) -> str:
    try:
        return datetime.datetime.fromtimestamp(t, datetime.UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return "?"


def owed_lines(c: Campaign, person: Person, server: str) -> list[str]:
    """"Rewards to give": one row per backer who earned a human reward; [] when none is (or not yet) owed."""
    rows = owed(c)
    if not rows:
        return []
    out = ["#### Rewards to give", "", "| Backer | Reward | Given |", "| --- | --- | --- |"]
    for pledge, rewards, done in rows[:MAX_LISTED]:
        what = "; ".join(markdown.text(r.reward, limit=100) for r in rewards)
        state = f"✅ done {_day(done.at)} ({person(done.by, server)})" if done else "⬜ owed"
        out.append(f"| {person(pledge.backer, server)} | {what} | {state} |")
    if len(rows) > MAX_LISTED:
        out.append(f"\n… and {len(rows) - MAX_LISTED:,} more.")
    left = sum(1 for _, _, done in rows if done is None)
    out += ["", (f"**{left:,} of {len(rows):,} owed.** " if left else "**All given.** ")
            + "fundbot does not deliver these itself: a maintainer gives them, then writes `/bounty reward done` "
            "mentioning the backers.", ""]
    return out
