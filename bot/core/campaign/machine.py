"""The state machine a fold replays the log through (SPEC section 4; the decisions are in the package docstring)."""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal

from bot.core import commands as parser
from bot.core.campaign.claims import _Claiming
from bot.core.campaign.days import _date_of, _resolve, day_end, deadline_date
from bot.core.campaign.events import DAY, MAX_BACKERS, MAX_OFFERS, PAYMENT_WINDOW_DAYS, Offer, Outcome, Pledge
from bot.core.campaign.model import Campaign
from bot.core.campaign.paying import _Paying
from bot.core.campaign.records import CommentRecord, Record, Rule, _is_bot
from bot.core.campaign.rewards import _Rewards
from bot.core.config import BountiesConfig


class _Ctx:
    """What the fold needs from the configuration."""

    __slots__ = ("enabled", "currency", "minimum", "maximum", "deadline_days", "rewards", "generic", "goals",
                 "label", "funded_label", "delivered_label", "managers", "rule", "pay_to", "claims", "max_claims")

    def __init__(self, config: BountiesConfig, label_goals: Mapping[str, Decimal] | None,
                 generic_label: str | None) -> None:
        self.enabled = bool(config.enabled)
        self.currency = str(config.currency or "").upper()
        self.minimum = Decimal(str(config.min_pledge))
        self.maximum = Decimal(str(config.max_amount))
        self.deadline_days = int(config.deadline_days)
        self.rule = Rule(self.currency, self.minimum, self.maximum, self.deadline_days)  # for records judged by none
        self.rewards = tuple(sorted(config.rewards, key=lambda r: (r.min, r.reward)))
        self.label = config.label
        self.generic = (generic_label if generic_label is not None else config.label).lower()
        source = config.labels if label_goals is None else label_goals
        self.goals = {str(name).lower(): Decimal(str(goal)) for name, goal in source.items()}
        self.funded_label = config.funded_label
        self.delivered_label = config.delivered_label
        roles = list(config.who_can_manage) or ["admin"]
        self.managers = ", ".join(roles[:-1]) + (" or " if len(roles) > 1 else "") + roles[-1]
        self.pay_to = str(getattr(config, "pay_to", "implementer"))
        self.claims = str(getattr(config, "claims", "anyone"))
        self.max_claims = int(getattr(config, "max_claims", 0) or 0)


_FEW = 64  # at most this many changed backers are put in place one by one (else the pledges are sorted)


def _pledge_order(p: Pledge) -> tuple:
    """Campaign order of pledges: largest first, then earliest, then backer (a total order: one per backer)."""
    return (-p.amount, p.at, p.backer.lower(), p.backer)


#: Fields a Campaign and the machine hold alike (copied as they are both ways).
_SAME_FIELDS = ("state", "goal", "deadline", "opened_at", "opened_by", "implementer", "solver", "pull", "goal_source",
                "issue_state", "funded_at", "delivered_at", "ended_at", "end_reason", "ended_by", "deadline_passed",
                "shares", "awaiting", "decided_by")


class _M(_Paying, _Claiming, _Rewards):
    """The mutable state machine used while replaying; frozen into a Campaign at the end."""

    def __init__(self, ctx: _Ctx) -> None:
        self.ctx = ctx
        self.state: str = "none"
        self.goal: Decimal | None = None
        self.deadline: float | None = None
        self.opened_at: float | None = None
        self.opened_by: str | None = None
        self.pledges: dict[str, Pledge] = {}
        self.raised = Decimal("0.00")
        self.offers: dict[str, Offer] = {}
        self.payments: dict = {}  # lower-case backer -> Payment (paying.py)
        self.rewards_done: dict = {}  # lower-case backer -> RewardDone (rewards.py)
        self.implementer: str | None = None
        self.solver: str | None = None
        self.pull: int | None = None
        self.claims: dict = {}  # pull -> Claim (claims.py)
        self.merges: dict[int, str] = {}  # merged pull requests that claim or close the issue: pull -> author
        self.shares: tuple[tuple[str, int], ...] = ()
        self.awaiting: tuple[int, str] | None = None
        self.decided_by: str | None = None
        self.outcomes: list[Outcome] = []
        self.goal_source: str | None = None
        self.bounty_labels: list[str] = []
        self.label_goals: dict[str, Decimal] = {}  # lower-case bounty label on the issue -> the goal it applied
        self.issue_state = "open"
        self.funded_at: float | None = None
        self.delivered_at: float | None = None
        self.ended_at: float | None = None
        self.end_reason: str | None = None
        self.ended_by: str | None = None
        self.deadline_passed = False
        self.rule = ctx.rule  # the rule of the record being replayed (check, default_deadline)
        self.changed: set[str] | None = None  # backers whose pledge changed since of() (None: all may have)

    @classmethod
    def of(cls, c: Campaign, ctx: _Ctx) -> _M:
        m = cls(ctx)
        for name in _SAME_FIELDS:
            setattr(m, name, getattr(c, name))
        m.pledges = dict(c.backer_index())
        m.raised = c.raised()
        m.changed = set()
        m.offers = {o.user.lower(): o for o in c.offers}
        m.payments = {p.backer.lower(): p for p in c.payments}
        m.rewards_done = {d.backer.lower(): d for d in c.rewards_done}
        m.claims = {x.pull: x for x in c.claims}
        m.merges = dict(c.merges())
        m.outcomes = list(c.outcomes)
        m.bounty_labels = list(c.bounty_labels)
        m.label_goals = {x.lower(): g for x, g in zip(c.bounty_labels, c.bounty_goals, strict=True)}
        return m

    def _sorted_pledges(self, base: Campaign | None) -> tuple[Pledge, ...]:
        """The pledges in campaign order; from ``base``'s (the campaign :meth:`of` started from) when only a
        few backers changed: those are taken out and put back in place (bisect), not the whole list sorted."""
        if base is None or self.changed is None or len(self.changed) > _FEW:
            return tuple(sorted(self.pledges.values(), key=_pledge_order))
        held, old = list(base.pledges), base.backer_index()
        for key in self.changed:
            gone = old.get(key)
            if gone is not None:
                i = bisect.bisect_left(held, _pledge_order(gone), key=_pledge_order)
                if i < len(held) and held[i] == gone:
                    del held[i]
                else:  # not in order (never written by freeze): sort it all
                    return tuple(sorted(self.pledges.values(), key=_pledge_order))
        for key in self.changed:
            now = self.pledges.get(key)
            if now is not None:
                bisect.insort(held, now, key=_pledge_order)
        return tuple(held)

    def freeze(self, log: Sequence[Record], base: Campaign | None = None) -> Campaign:
        ctx = self.ctx
        pledges = self._sorted_pledges(base)
        offers = tuple(sorted(self.offers.values(), key=lambda o: (o.at, o.user.lower(), o.user)))
        wanted: frozenset[str] = frozenset()
        if ctx.enabled:
            if self.state == "open":
                wanted = frozenset({ctx.label})
            elif self.state == "funded":
                wanted = frozenset({ctx.label, ctx.funded_label})
            elif self.state in ("delivered", "closed"):
                wanted = frozenset({ctx.delivered_label})
        out = Campaign(
            **{name: getattr(self, name) for name in _SAME_FIELDS},
            currency=ctx.currency,
            pledges=pledges,
            offers=offers,
            payments=tuple(sorted(self.payments.values(), key=lambda p: p.backer.lower())),
            pay_to=ctx.pay_to,
            claims=tuple(self.claims.values()),
            claim_rule=(ctx.claims, ctx.max_claims),
            labels_wanted=wanted,
            outcomes=tuple(self.outcomes),
            bounty_labels=tuple(self.bounty_labels),
            bounty_goals=tuple(self.label_goals[x.lower()] for x in self.bounty_labels),
            rewards=ctx.rewards,
            rewards_done=tuple(sorted(self.rewards_done.values(), key=lambda d: d.backer.lower())),
            log=log if isinstance(log, tuple) else tuple(log),
        )
        out.__dict__["_by_backer"] = self.pledges  # the machine is done with it
        out.__dict__["_raised"] = self.raised
        return out

    # ------------------------------------------------------------------------------------- time

    def advance(self, t: float) -> None:
        """Let time pass until ``t``: deadlines fire at the deadline itself."""
        if self.deadline is not None and t >= self.deadline:
            if self.state == "open":
                self.state, self.ended_at, self.end_reason, self.ended_by = "expired", self.deadline, "deadline", None
            elif self.state == "funded":
                self.deadline_passed = True
        if self.state == "delivered" and self.delivered_at is not None:
            closes = self.delivered_at + PAYMENT_WINDOW_DAYS * DAY
            if t >= closes:
                self.state, self.ended_at, self.end_reason, self.ended_by = "closed", closes, "payment_window", None

    def reevaluate(self, t: float) -> None:
        if self.state in ("open", "funded") and not self.deadline_passed and self.goal is not None:
            if self.raised >= self.goal:
                if self.state == "open":
                    self.state, self.funded_at = "funded", t
            elif self.state == "funded":
                self.state, self.funded_at = "open", None
        self.maybe_deliver(t)

    def maybe_deliver(self, t: float) -> None:
        if self.state == "funded" and self.solver and (self.issue_state == "completed" or self.decided_by):
            self.state, self.delivered_at = "delivered", t

    # ------------------------------------------------------------------------------- transitions

    def open_fresh(self, t: float, goal: Decimal, deadline: float, by: str | None, source: str,
                   implementer: str | None = None) -> None:
        self.state, self.goal, self.deadline = "open", goal, deadline
        self.opened_at, self.opened_by = t, by
        self.pledges, self.raised, self.changed = {}, Decimal("0.00"), None
        self.payments, self.rewards_done = {}, {}
        self.awaiting = self.decided_by = None
        self.implementer, self.goal_source = implementer, source
        self.funded_at = self.delivered_at = self.ended_at = None
        self.end_reason = self.ended_by = None
        self.deadline_passed = False
        self.reevaluate(t)

    def retarget(self, t: float, goal: Decimal, source: str, deadline: float | None = None) -> None:
        self.goal, self.goal_source = goal, source
        if deadline is not None:
            self.deadline = deadline
        self.reevaluate(t)

    def cancel(self, t: float, reason: str, by: str | None) -> None:
        self.state, self.ended_at, self.end_reason, self.ended_by = "cancelled", t, reason, by

    def default_deadline(self, t: float) -> float | None:
        return _resolve(_date_of(t), days=self.rule.deadline_days, date=None)

    # ------------------------------------------------------------------------------------ records

    def step(self, rec: Record) -> None:
        kind = rec.kind
        self.rule = (rec.rule if kind in ("c", "l") else None) or self.ctx.rule
        if kind == "c":
            self.comment(rec)
        elif kind == "l":
            self.label(rec.at, rec.label, rec.added, rec.actor, None if rec.goal is None else Decimal(rec.goal))
        elif kind == "s":
            self.issue_event(rec.at, rec.action, rec.reason)
        elif kind == "p":
            self.merged(rec.at, rec.pull, rec.solver, rec.association)
        elif kind == "k":
            self.intent(rec.at, rec.pull, rec.user, rec.action, rec.association)

    def label(self, t: float, name: str, added: bool, actor: str, recorded: Decimal | None = None) -> None:
        ctx = self.ctx
        if not ctx.enabled:
            return
        low = name.lower()
        # a bounty label: one the configuration names, or one whose addition applied a (recorded) goal
        goal = (recorded if recorded is not None else ctx.goals.get(low)) if added else None
        if goal is not None or low in self.label_goals or low in ctx.goals:
            self.bounty_labels = [x for x in self.bounty_labels if x.lower() != low]
            self.label_goals.pop(low, None)
            if goal is not None:
                self.bounty_labels.append(name)
                self.label_goals[low] = goal
                if self.state in ("none", "cancelled", "expired"):
                    deadline = self.default_deadline(t)
                    if deadline is not None:
                        self.open_fresh(t, goal, deadline, actor or None, "label:" + low)
                elif self.state in ("open", "funded") and not self.deadline_passed:
                    self.retarget(t, goal, "label:" + low)
            elif not added and self.state in ("open", "funded") and self.goal_source == "label:" + low:
                if self.bounty_labels:
                    if not self.deadline_passed:
                        last = self.bounty_labels[-1].lower()
                        self.retarget(t, self.label_goals[last], "label:" + last)
                else:
                    self.cancel(t, "label", actor or None)
        elif low == ctx.generic and not added and not _is_bot(actor):
            if self.state in ("open", "funded") and not self.bounty_labels:
                self.cancel(t, "label", actor or None)

    def issue_event(self, t: float, kind: str, reason: str) -> None:
        if kind == "closed":
            if reason in ("", "completed"):
                self.issue_state = "completed"
                self.maybe_deliver(t)
            else:
                self.issue_state = "not_planned"
                self.decided_by = None
                if self.state == "delivered":  # closed again as not planned: it was not done after all (issue 13)
                    self.state, self.delivered_at = "funded", None
                if self.state in ("open", "funded") and self.ctx.enabled:
                    self.cancel(t, "not_planned", None)
        elif kind == "reopened":
            self.issue_state = "open"
            self.decided_by = None  # a reopened issue waits for a new decision (claims.py)
            if self.state == "delivered":
                self.state, self.delivered_at = "funded", None
            elif self.state == "cancelled" and self.end_reason == "not_planned":
                self.state, self.ended_at, self.end_reason, self.ended_by = "open", None, None, None
            self.advance(t)  # restored after its deadline: expired
            self.reevaluate(t)

    # ----------------------------------------------------------------------------------- commands

    def comment(self, rec: CommentRecord) -> None:
        t, cid, author, maintainer = rec.at, rec.comment_id, rec.author, rec.maintainer
        if rec.deleted or not rec.commands:
            return
        for line, name, amount, cur, days, date, user, link in rec.commands:
            if not self.ctx.enabled:
                reason: str | None = ("bounties are turned off for this repository (bounties.enabled is false in "
                                      ".github/fundbot.yml).")
            elif name == "pledge":
                reason = self.pledge(t, cid, author, parser.Amount(amount, cur))
            elif name == "unpledge":
                reason = self.unpledge(t, author)
            elif name == "offer":
                reason = self.offer(t, cid, author, parser.Amount(amount, cur), link)
            elif name == "paid":
                reason = self.paid(t, author)
            elif name == "bounty received":
                reason = self.received(t, author, maintainer, user, self.ctx.managers)
            elif name == "bounty reward done":
                reason = self.reward_done(t, author, maintainer, user)
            elif not maintainer:
                reason = self.not_maintainer(name)
            elif name == "bounty":
                reason = self.bounty(t, author, parser.Amount(amount, cur), days, date)
            elif name == "bounty cancel":
                reason = self.cancel_command(t, author)
            elif name == "bounty extend":
                reason = self.extend(t, days, date)
            elif name == "bounty deliver":
                reason = self.deliver(t, author, user)
            elif name == "bounty split":
                reason = self.split(t, author, user)
            else:  # bounty accept
                reason = self.accept(t, author, user or "")
            self.outcomes.append(Outcome(cid, line, name, reason is None, reason))

    def not_maintainer(self, name: str) -> str:
        who = f"only maintainers (repository permission {self.ctx.managers})"
        if name == "bounty":
            return (f"{who} can open or change a campaign. You can pledge toward an open campaign with "
                    "/pledge AMOUNT, or offer to do the work with /offer AMOUNT.")
        if name == "bounty cancel":
            return f"{who} can cancel a campaign. To withdraw your own pledge, write /unpledge."
        if name == "bounty extend":
            return f"{who} can extend a campaign."
        if name in ("bounty deliver", "bounty split"):
            return f"{who} can say who delivered the work. To claim it, write /claim in your pull request."
        return f"{who} can accept an offer."

    def check(self, amount: parser.Amount) -> str | None:
        cur, lo, hi = self.rule[:3]
        return parser.check_amount(amount, currency=cur, minimum=lo, maximum=hi)

    def closed_to_pledges(self) -> str | None:
        s = self.state
        if s == "none":
            return "there is no campaign on this issue yet; a maintainer can open one with /bounty AMOUNT."
        if s == "expired":
            return (f"the campaign expired on {self.day(self.deadline)} without reaching its goal, so pledges are "
                    "closed; a maintainer can reopen it with /bounty extend N days.")
        if s == "cancelled":
            return "the campaign was cancelled, so pledges are closed."
        if s in ("delivered", "closed"):
            return "the campaign was already delivered, so pledges are closed; /fund lists other ways to help."
        return None

    @staticmethod
    def day(deadline: float | None) -> str:
        return deadline_date(deadline).isoformat() if deadline is not None else "?"

    def pledge(self, t: float, cid: int, author: str, amount: parser.Amount) -> str | None:
        problem = self.closed_to_pledges() or self.check(amount)
        if problem:
            return problem
        key = author.lower()
        old = self.pledges.get(key)
        if old is None and len(self.pledges) >= MAX_BACKERS:
            return f"this campaign already has the maximum of {MAX_BACKERS:,} backers."
        if old is not None:
            self.raised -= old.amount
        self.pledge_changed(key, old is not None and old.amount == amount.value)
        if self.changed is not None:
            self.changed.add(key)
        self.pledges[key] = Pledge(author, amount.value, cid, t)
        self.raised += amount.value
        self.reevaluate(t)
        return None

    def unpledge(self, t: float, author: str) -> str | None:
        old = self.pledges.pop(author.lower(), None)
        if old is None:
            return "you have no pledge on this issue, so there is nothing to withdraw."
        self.pledge_changed(author.lower(), False)
        if self.changed is not None:
            self.changed.add(author.lower())
        self.raised -= old.amount
        self.reevaluate(t)
        return None

    def offer(self, t: float, cid: int, author: str, amount: parser.Amount, link: str | None = None) -> str | None:
        if self.state in ("delivered", "closed"):
            return "the campaign was already delivered, so offers are closed."
        problem = self.check(amount)
        if problem:
            return problem
        key = author.lower()
        if key not in self.offers and len(self.offers) >= MAX_OFFERS:
            return f"this issue already has the maximum of {MAX_OFFERS:,} offers."
        self.offers[key] = Offer(author, amount.value, cid, t, link)
        return None

    def frozen(self) -> str | None:
        """Why the goal cannot change now, or None."""
        if self.state in ("delivered", "closed"):
            return "this issue's campaign was already delivered; it cannot be changed."
        if self.state == "funded" and self.deadline_passed:
            return (f"the campaign reached its goal by its deadline ({self.day(self.deadline)}), so its goal is "
                    "final.")
        return None

    def bounty(self, t: float, author: str, amount: parser.Amount, days: int | None, date: str | None) -> str | None:
        problem = self.frozen() or self.check(amount)
        if problem:
            return problem
        deadline = None
        if days is not None or date is not None:
            deadline = _resolve(_date_of(t), days=days, date=date)
            if deadline is None or deadline <= t:
                return "the deadline is out of range: write /bounty AMOUNT in N days or /bounty AMOUNT by YYYY-MM-DD."
        if self.state in ("open", "funded"):
            self.retarget(t, amount.value, "command", deadline)
            return None
        deadline = deadline if deadline is not None else self.default_deadline(t)
        if deadline is None:
            return "the default deadline is out of range."
        self.open_fresh(t, amount.value, deadline, author, "command")
        return None

    def cancel_command(self, t: float, author: str) -> str | None:
        s = self.state
        if s in ("open", "funded"):
            self.cancel(t, "command", author)
            return None
        if s == "none":
            return "there is no campaign on this issue to cancel."
        if s == "expired":
            return f"the campaign already ended: it expired on {self.day(self.deadline)}."
        if s == "cancelled":
            return "the campaign is already cancelled."
        return "the campaign was already delivered; it cannot be cancelled."

    def extend(self, t: float, days: int | None, date: str | None) -> str | None:
        s = self.state
        if s == "none":
            return "there is no campaign on this issue to extend; open one with /bounty AMOUNT."
        if s == "cancelled":
            return "the campaign was cancelled; open a new one with /bounty AMOUNT."
        if s in ("delivered", "closed"):
            return "the campaign was already delivered; its deadline no longer matters."
        today = _date_of(t)
        current = self.deadline if self.deadline is not None else day_end(today)
        if days is not None:
            base = max(current, day_end(today))
            new = base + days * DAY
            try:
                new_day = deadline_date(new)
                limit = today + datetime.timedelta(days=parser.MAX_DAYS)
            except OverflowError:
                return "the new deadline is out of range."
            if new_day > limit:
                return f"the new deadline ({new_day.isoformat()}) would be more than {parser.MAX_DAYS} days away."
        else:
            new_opt = _resolve(today, days=None, date=date)
            if new_opt is None:
                return "the new deadline is out of range."
            new = new_opt
            if new <= current or new <= t:
                return (f"{date} is not after the current deadline ({self.day(current)}): write a later date, or "
                        "/bounty extend N days.")
        self.deadline = new
        self.deadline_passed = False
        if s == "expired":
            self.state, self.ended_at, self.end_reason, self.ended_by = "open", None, None, None
        self.reevaluate(t)
        return None

    def accept(self, t: float, author: str, user: str) -> str | None:
        problem = self.frozen()
        if problem:
            return problem
        offer = self.offers.get(user.lower())
        if offer is None:
            return f"{user} has not offered to implement this issue; they can write /offer AMOUNT first."
        if self.state in ("open", "funded"):
            self.implementer = offer.user
            self.retarget(t, offer.amount, "offer")
            return None
        deadline = self.default_deadline(t)
        if deadline is None:
            return "the default deadline is out of range."
        self.open_fresh(t, offer.amount, deadline, author, "offer", implementer=offer.user)
        return None
