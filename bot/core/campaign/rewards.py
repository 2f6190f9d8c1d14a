"""Rewards delivered, not only listed (issue 14.4), the ledger's part: who earned what, the human rewards owed
once a campaign is delivered, and ``/bounty reward done @user``, folded like every other command (a refold from
GitHub gives what live handling gave).

Decisions
---------
* **Earned**: a backer earns every reward (``bounties.rewards`` at fold time, :attr:`Campaign.rewards`) whose
  ``min`` their current pledge reaches: tiers add up.
* **What fundbot delivers** is each reward's :attr:`~bot.core.config.Reward.gives` (``bounties.rewards[].delivers``,
  see :mod:`bot.core.config.delivers`): ``readme_name``, ``readme_logo``, ``release_notes``; a reward that gives
  nothing is a *human* reward (a live coding session, a coaching hour): **owed** once the campaign is delivered
  (or closed), until a maintainer writes ``/bounty reward done @user``.
* ``/bounty reward done @a @b`` (maintainers only, :data:`bot.core.history.MAINTAINER_COMMANDS`): every human
  reward the named backers earned was given. Refused before the campaign is delivered (nothing is owed yet),
  and as a whole when a named user earned no human reward (nothing is recorded). Saying it again changes
  nothing. A new campaign on the issue starts with nothing done; a delivered campaign reopened keeps it.
* **Channels** (:func:`listed`): on the README (``readme``) and in the release-notes thanks (``release_notes``)
  a backer appears only where a reward they earned delivers there - on the README as a logo when one says
  ``readme_logo``, else as a name. Every backer appears (as before this issue: on the README as
  ``readme.tiers`` decide) when ``bounties.list_all_backers`` is on, or when no reward of the campaign
  delivers on that channel at all (configs that never said ``delivers``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.config import Reward

_OWED_STATES = ("delivered", "closed")


@dataclass(frozen=True)
class RewardDone:
    """A maintainer ticked off the human rewards a backer earned (``/bounty reward done @backer``)."""

    backer: str
    at: float
    by: str


def earned(rewards: Sequence[Reward], amount: Any) -> list[Reward]:
    """The rewards a pledge of ``amount`` earns (every one whose ``min`` it reaches), lowest first."""
    return [r for r in sorted(rewards, key=lambda r: (r.min, r.reward)) if amount >= r.min]


def human(rewards: Sequence[Reward], amount: Any) -> list[Reward]:
    """The earned rewards fundbot does not deliver itself (``delivers: none``)."""
    return [r for r in earned(rewards, amount) if not r.gives]


def owed(c: Any) -> list[tuple[Any, list[Reward], RewardDone | None]]:
    """For a delivered (or closed) campaign: (pledge, human rewards earned, done or None) of each backer who
    earned a human reward, in pledge order; [] before delivery."""
    if c.state not in _OWED_STATES:
        return []
    done = {d.backer.lower(): d for d in c.rewards_done}
    out = []
    for p in c.pledges:
        got = human(c.rewards, p.amount)
        if got:
            out.append((p, got, done.get(p.backer.lower())))
    return out


def listed(c: Any, channel: str, *, all_backers: bool = False) -> dict[str, str | None]:
    """Lower-case backer -> how ``channel`` (``readme`` | ``release_notes``) shows them: ``logo`` / ``name``
    (README, a reward says so), ``None`` (listed as before: every backer is listed); absent: not listed."""
    words = ("readme_name", "readme_logo") if channel == "readme" else ("release_notes",)
    says = any(w in r.gives for r in c.rewards for w in words)
    out: dict[str, str | None] = {}
    for p in c.pledges:
        gives = {w for r in earned(c.rewards, p.amount) for w in r.gives}
        if channel == "readme" and "readme_logo" in gives:
            out[p.backer.lower()] = "logo"
        elif channel == "readme" and "readme_name" in gives:
            out[p.backer.lower()] = "name"
        elif channel != "readme" and "release_notes" in gives:
            out[p.backer.lower()] = "name"
        elif all_backers or not says:
            out[p.backer.lower()] = None
    return out


def thanked(campaigns: Iterable[Any], *, all_backers: bool = False) -> list[Any]:
    """The campaigns with only the backers the release-notes thanks name (:func:`listed` ``release_notes``)."""
    out = []
    for c in campaigns:
        shown = listed(c, "release_notes", all_backers=all_backers)
        out.append(dataclasses.replace(c, pledges=tuple(p for p in c.pledges if p.backer.lower() in shown)))
    return out


class _Rewards:
    """The reward commands of the state machine (mixed into ``machine._M``)."""

    state: str
    pledges: dict
    rewards_done: dict[str, RewardDone]
    ctx: Any

    def reward_done(self, t: float, author: str, maintainer: bool, users: str | None) -> str | None:
        if not maintainer:
            return (f"only maintainers (repository permission {self.ctx.managers}) can tick off a reward they "
                    "gave.")
        if self.state not in _OWED_STATES:
            return ("rewards are owed once the campaign is delivered: nothing is owed yet, so nothing was "
                    "recorded.")
        logins = (users or "").split()
        missing = [u for u in logins
                   if u.lower() not in self.pledges or not human(self.ctx.rewards, self.pledges[u.lower()].amount)]
        if missing or not logins:
            return (f"{', '.join(missing) or 'nobody'} earned no reward that a maintainer gives (rewards with "
                    "`delivers: none`): nothing was recorded; name backers who earned one.")
        for login in logins:
            key = login.lower()
            if key not in self.rewards_done:
                self.rewards_done[key] = RewardDone(self.pledges[key].backer, t, author)
        return None
