"""The :class:`Campaign` a fold produces, and its snapshot (plain JSON data) both ways."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from bot.core.campaign.events import (
    _END_REASONS,
    _ISSUE_STATES,
    LEDGER_COMMANDS,
    SNAPSHOT_VERSION,
    STATES,
    Claim,
    Offer,
    Outcome,
    Payment,
    Pledge,
    State,
)
from bot.core.campaign.records import (
    Record,
    _bool,
    _dec,
    _dec_out,
    _int,
    _num,
    _opt_num,
    _opt_str,
    _rec_in,
    _rec_out,
    _str,
)
from bot.core.campaign.rewards import RewardDone
from bot.core.config import Reward

#: name -> ``update(value, record) -> value or None``: how a value kept in :meth:`Campaign.derived` follows
#: when :func:`~bot.core.campaign.apply` appends ``record`` to the log (None: drop it, it is rebuilt when
#: asked). ``update`` must not change ``value`` (the older campaign keeps it).
DERIVED: dict[str, Callable[[Any, Record], Any]] = {}


@dataclass(frozen=True)
class Campaign:
    state: State = "none"
    goal: Decimal | None = None
    currency: str = "USD"
    deadline: float | None = None  # epoch: midnight UTC ending the deadline day
    opened_at: float | None = None
    opened_by: str | None = None
    pledges: tuple[Pledge, ...] = ()  # one per backer, by (amount desc, at, backer)
    offers: tuple[Offer, ...] = ()  # one per user, by (at, user)
    implementer: str | None = None  # whose offer was accepted
    payments: tuple[Payment, ...] = ()  # what backers and the payee said about payments, by backer (paying.py)
    pay_to: str = "implementer"  # bounties.pay_to at fold time
    solver: str | None = None  # who delivered (merged pull request, /bounty deliver; the first of a split)
    pull: int | None = None
    claims: tuple[Claim, ...] = ()  # open claims, in the order made (claims.py)
    shares: tuple[tuple[str, int], ...] = ()  # /bounty split: (solver, percent), summing to 100
    awaiting: tuple[int, str] | None = None  # (pull, author) merged by someone the maintainer must confirm
    decided_by: str | None = None  # the maintainer who named the solver (/bounty deliver, /bounty split)
    claim_rule: tuple[str, int] = ("anyone", 0)  # (bounties.claims, bounties.max_claims) at fold time
    labels_wanted: frozenset[str] = frozenset()  # config names of fundbot's state labels to carry
    outcomes: tuple[Outcome, ...] = ()
    goal_source: str | None = None  # "command" | "offer" | "label:NAME"
    bounty_labels: tuple[str, ...] = ()  # bounty (goal) labels on the issue, in the order added
    bounty_goals: tuple[Decimal, ...] = ()  # the goal each of bounty_labels applied when it was added
    issue_state: Literal["open", "completed", "not_planned"] = "open"
    funded_at: float | None = None
    delivered_at: float | None = None
    ended_at: float | None = None  # expired / cancelled / closed at
    end_reason: str | None = None  # "deadline" | "command" | "label" | "not_planned" | "payment_window"
    ended_by: str | None = None
    deadline_passed: bool = False  # funded when the deadline passed: funding is final
    rewards: tuple[Reward, ...] = ()  # bounties.rewards at fold time, lowest min first
    rewards_done: tuple[RewardDone, ...] = ()  # human rewards a maintainer ticked off, by backer (rewards.py)
    log: tuple[Record, ...] = field(default=(), repr=False)  # the canonical event log (records.py)

    # ---------------------------------------------------------------------------------- queries

    def raised(self) -> Decimal:
        got = self.__dict__.get("_raised")
        if got is None:
            got = self.__dict__["_raised"] = sum((p.amount for p in self.pledges), Decimal("0.00"))
        return got

    def backers(self) -> int:
        return len(self.pledges)

    def outcomes_for(self, comment_id: int) -> list[Outcome]:
        tail = self.__dict__.get("_appended")  # (comment id, first outcome) of the record apply() appended
        if tail is not None and tail[0] == comment_id:
            return [o for o in self.outcomes[tail[1]:] if o.comment_id == comment_id]
        return [o for o in self.outcomes if o.comment_id == comment_id]

    # Derived indexes, built once per campaign object (not fields: equality, the snapshot and repr ignore
    # them); apply() hands them on, updated, to the campaign it derives by appending one record.

    def backer_index(self) -> dict[str, Pledge]:
        """Lower-case backer -> pledge. Do not change the dict."""
        got = self.__dict__.get("_by_backer")
        if got is None:
            got = self.__dict__["_by_backer"] = {p.backer.lower(): p for p in self.pledges}
        return got

    def comment_index(self) -> dict[int, int]:
        """Comment id -> position of its record in :attr:`log`. Do not change the dict."""
        got = self.__dict__.get("_by_comment")
        if got is None:
            got = self.__dict__["_by_comment"] = {r.comment_id: i for i, r in enumerate(self.log) if r.kind == "c"}
        return got

    def derived(self) -> dict[str, Any]:
        """Values other modules derive from the log and keep with the campaign (see :data:`DERIVED`)."""
        got = self.__dict__.get("_derived")
        if got is None:
            got = self.__dict__["_derived"] = {}
        return got

    @property
    def payee(self) -> str | None:
        """Who backers pay: the accepted implementer (``bounties.pay_to: implementer``; the solver a maintainer
        named instead, the first of a split), or None: the project."""
        got = self.payees
        return got[0][0] if got else None

    def merges(self) -> dict[int, str]:
        """Pull request -> author of the merged pull requests that claim or close the issue (from the log). Do
        not change the dict."""
        got = self.__dict__.get("_merges")
        if got is None:
            got = self.__dict__["_merges"] = {r.pull: r.solver for r in self.log if r.kind == "p"}
        return got

    @property
    def payees(self) -> tuple[tuple[str, int], ...]:
        """Who backers pay and their share in percent (claims.py): the solvers of a ``/bounty split``, else the
        accepted implementer - or the solver a maintainer named instead (``/bounty deliver``); (): the project."""
        if self.pay_to != "implementer":
            return ()
        if self.shares:
            return self.shares
        if self.implementer and self.solver and self.decided_by and self.solver.lower() != self.implementer.lower():
            return ((self.solver, 100),)
        return ((self.implementer, 100),) if self.implementer else ()

    def payment(self, backer: str) -> Payment:
        """What was said about ``backer``'s payment (``state``: pledged, says paid, confirmed)."""
        index = self.__dict__.get("_by_payer")
        if index is None:
            index = self.__dict__["_by_payer"] = {p.backer.lower(): p for p in self.payments}
        return index.get(backer.lower()) or Payment(backer)

    def payee_offer(self) -> Offer | None:
        """The payee's offer (its ``link``), if any."""
        payee = self.payee
        return next((o for o in self.offers if payee and o.user.lower() == payee.lower()), None)

    @property
    def active(self) -> bool:
        """Open or funded: pledges are taken."""
        return self.state in ("open", "funded")

    # --------------------------------------------------------------------------------- snapshot

    def to_snapshot(self) -> dict[str, Any]:
        """Every field as plain JSON data (amounts as strings); :meth:`from_snapshot` inverts it."""
        return {
            "v": SNAPSHOT_VERSION,
            "state": self.state,
            "goal": _dec_out(self.goal),
            "currency": self.currency,
            "deadline": self.deadline,
            "opened_at": self.opened_at,
            "opened_by": self.opened_by,
            "pledges": [[p.backer, str(p.amount), p.comment_id, p.at] for p in self.pledges],
            "offers": [[o.user, str(o.amount), o.comment_id, o.at, *([o.link] if o.link else [])] for o in self.offers],
            "implementer": self.implementer,
            "solver": self.solver,
            "pull": self.pull,
            "labels_wanted": sorted(self.labels_wanted),
            "outcomes": [[o.comment_id, o.line, o.command, o.accepted, o.reason] for o in self.outcomes],
            "goal_source": self.goal_source,
            "bounty_labels": list(self.bounty_labels),
            "bounty_goals": [str(g) for g in self.bounty_goals],
            "issue_state": self.issue_state,
            "funded_at": self.funded_at,
            "delivered_at": self.delivered_at,
            "ended_at": self.ended_at,
            "end_reason": self.end_reason,
            "ended_by": self.ended_by,
            "deadline_passed": self.deadline_passed,
            "rewards": [[str(r.min), r.reward, *([list(r.delivers)] if r.delivers is not None else [])]
                        for r in self.rewards],
            "log": [_rec_out(r) for r in self.log],
            # newer keys only when they say something, so older snapshots write back byte for byte
            **({"payments": [[p.backer, p.said_at, p.confirmed_at, p.confirmed_by] for p in self.payments]}
               if self.payments else {}),
            **({"pay_to": self.pay_to} if self.pay_to != "implementer" else {}),
            **_claims_out(self),
            **({"rewards_done": [[d.backer, d.at, d.by] for d in self.rewards_done]} if self.rewards_done else {}),
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Campaign:
        """Rebuild from :meth:`to_snapshot` output. Raises ``ValueError`` on anything else (including a
        partial :meth:`summary`)."""
        try:
            return _from_snapshot(data)
        except ValueError:
            raise
        except Exception as exc:  # malformed data of any shape
            raise ValueError(f"not a campaign snapshot ({type(exc).__name__}: {exc})") from None

    def summary(self) -> dict[str, Any]:
        """A small JSON summary (for the status marker of a very large campaign, the README table)."""
        return {
            "v": SNAPSHOT_VERSION,
            "partial": True,
            "state": self.state,
            "goal": _dec_out(self.goal),
            "raised": str(self.raised()),
            "backers": self.backers(),
            "currency": self.currency,
            "deadline": self.deadline,
            "implementer": self.implementer,
            "solver": self.solver,
            "pull": self.pull,
        }


def _choice(value: Any, allowed: Sequence[Any]) -> Any:
    if value not in allowed or isinstance(value, bool):
        raise ValueError(f"unexpected value {value!r}")
    return value


def _from_snapshot(d: Mapping[str, Any]) -> Campaign:
    if not isinstance(d, Mapping):
        raise ValueError("a snapshot is a JSON object")
    if d.get("partial"):
        raise ValueError("a partial snapshot (summary) cannot be rebuilt: refold from GitHub")
    if d.get("v") != SNAPSHOT_VERSION:
        raise ValueError(f"unsupported snapshot version {d.get('v')!r}")
    pledges = tuple(Pledge(_str(b), _dec(a), _int(c), _num(t)) for b, a, c, t in d["pledges"])
    offers = tuple(Offer(_str(u), _dec(a), _int(c), _num(t), _str(link[0]) if link else None)
                   for u, a, c, t, *link in d["offers"])
    payments = tuple(Payment(_str(b), _opt_num(s), _opt_num(c), _opt_str(by)) for b, s, c, by in d.get("payments", ()))
    outcomes = tuple(
        Outcome(_int(c), _int(line), _choice(cmd, sorted(LEDGER_COMMANDS)), _bool(ok), _opt_str(reason))
        for c, line, cmd, ok, reason in d["outcomes"]
    )
    rewards = tuple(Reward(_dec(m), _str(r), tuple(_str(w) for w in g[0]) if g else None) for m, r, *g in d["rewards"])
    done = tuple(RewardDone(_str(b), _num(t), _str(by)) for b, t, by in d.get("rewards_done", ()))
    goal = d["goal"]
    bounty_labels = tuple(_str(x) for x in d["bounty_labels"])
    bounty_goals = tuple(_dec(x) for x in d.get("bounty_goals", ()))
    if len(bounty_goals) != len(bounty_labels):
        raise ValueError("bounty_goals does not match bounty_labels")
    return Campaign(
        state=_choice(d["state"], STATES),
        goal=None if goal is None else _dec(goal),
        currency=_str(d["currency"]),
        deadline=_opt_num(d["deadline"]),
        opened_at=_opt_num(d["opened_at"]),
        opened_by=_opt_str(d["opened_by"]),
        pledges=pledges,
        offers=offers,
        payments=payments,
        pay_to=_choice(d.get("pay_to", "implementer"), ("implementer", "maintainer")),
        implementer=_opt_str(d["implementer"]),
        solver=_opt_str(d["solver"]),
        pull=None if d["pull"] is None else _int(d["pull"]),
        labels_wanted=frozenset(_str(x) for x in d["labels_wanted"]),
        outcomes=outcomes,
        goal_source=_opt_str(d["goal_source"]),
        bounty_labels=bounty_labels,
        bounty_goals=bounty_goals,
        issue_state=_choice(d["issue_state"], _ISSUE_STATES),
        funded_at=_opt_num(d["funded_at"]),
        delivered_at=_opt_num(d["delivered_at"]),
        ended_at=_opt_num(d["ended_at"]),
        end_reason=_choice(d["end_reason"], _END_REASONS),
        ended_by=_opt_str(d["ended_by"]),
        deadline_passed=_bool(d["deadline_passed"]),
        rewards=rewards,
        rewards_done=done,
        log=tuple(_rec_in(r) for r in d["log"]),
        **_claims_in(d),
    )


def _claims_out(c: Campaign) -> dict[str, Any]:
    """The claim fields of a snapshot, each only when it says something (older snapshots stay byte for byte)."""
    out: dict[str, Any] = {}
    if c.claims:
        out["claims"] = [[x.pull, x.user, x.at, *([x.refused] if x.refused else [])] for x in c.claims]
    if c.shares:
        out["shares"] = [[who, share] for who, share in c.shares]
    if c.awaiting:
        out["awaiting"] = list(c.awaiting)
    if c.decided_by:
        out["decided_by"] = c.decided_by
    if c.claim_rule != ("anyone", 0):
        out["claim_rule"] = list(c.claim_rule)
    return out


def _claims_in(d: Mapping[str, Any]) -> dict[str, Any]:
    claims = tuple(Claim(_int(p), _str(u), _num(t), _str(r[0]) if r else None) for p, u, t, *r in d.get("claims", ()))
    awaiting = d.get("awaiting")
    mode, cap = d.get("claim_rule", ("anyone", 0))
    return {
        "claims": claims,
        "shares": tuple((_str(w), _int(x)) for w, x in d.get("shares", ())),
        "awaiting": None if awaiting is None else (_int(awaiting[0]), _str(awaiting[1])),
        "decided_by": _opt_str(d.get("decided_by")),
        "claim_rule": (_choice(mode, ("anyone", "offer", "contributors")), _int(cap)),
    }
