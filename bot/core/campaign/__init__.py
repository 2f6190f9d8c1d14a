"""Campaigns (SPEC section 4): the ledger of one issue's bounty, as a pure fold over its events.

GitHub is the source of truth: a campaign is what the issue's comments, labels, open/closed changes and
merged pull requests say, read in order. :func:`fold` turns those events into a :class:`Campaign`;
:func:`apply` adds one event (and always equals folding everything again); :func:`tick` lets time pass
(deadlines); :func:`next_deadline` says when the shell should call :func:`tick`. Nothing here does I/O or
reads the clock: ``now`` is passed in. Amounts are ``Decimal``; times are epoch seconds (UTC).

Events
------
:class:`CommentEvent` carries a comment's *latest* body at its *original* position (``at`` = created_at,
``seq`` = a stable tie-breaker such as the comment id); ``edited_at`` (the comment's updated_at, optional)
says which of two versions of the same comment is newer. :class:`LabelEvent`, :class:`StateEvent`
(issue closed/reopened with GitHub's ``state_reason``) and :class:`ClaimEvent` (a merged pull request that
claims or closes the issue) complete the picture. The shell drops comments by bots; the fold ignores them
too.

The fold
--------
1. Events are made canonical: deduplicated, then sorted by ``(at, seq, kind, identity)``, so any input
   order and any number of replays give the same log (:attr:`Campaign.log`).

   * Comments are keyed by ``comment_id``. Of several versions the winner is the one with the highest
     ``(deleted, edited_at or at, sha1(body), maintainer, author, at, seq)``: a deletion always wins, then
     the newest edit; the rest only makes the choice total. The winner sits at its own ``(at, seq)``.
     The shell must pass ``edited_at`` (GitHub's ``updated_at``): two versions without it are told apart
     by their body hash alone - deterministic, but not "the latest".
   * Claims are keyed by pull request number (the earliest ``(at, seq, solver)`` is kept); label and
     state events are deduplicated by equality.
   * The log keeps every comment (one compact record with the campaign commands parsed out of its latest
     body, not the body itself), so a replayed older version can never resurrect an edited or deleted one.
   * At most :data:`MAX_LOG` records are kept (the first ones in order); later ones are ignored.

2. The log is replayed through the state machine. Before each record, time is advanced to its ``at``
   (deadlines fire at the deadline itself, not when noticed); after the last, to ``now``.

Decisions
---------
* **Set semantics.** A backer's pledge is the last ``/pledge`` they wrote, replayed in order; ``/unpledge``
  sets it to nothing. An edited comment re-runs its commands at its original position with its latest
  body. A deleted comment's commands vanish: if it held a backer's latest pledge, their previous
  still-visible pledge counts again, because that is what the issue shows. Backers are compared
  case-insensitively (GitHub logins are).
* **Deadlines are UTC days.** A deadline date means the *end* of that day UTC: :attr:`Campaign.deadline`
  is midnight UTC starting the next day, and the campaign has expired once ``time >= deadline``.
  ``in N days`` and the default (``bounties.deadline_days``) count from the UTC date of the command
  (or of the label event); ``by YYYY-MM-DD`` is the end of that date. Commands are parsed with "today" =
  the comment's own UTC date, so replays parse the same way.
* **Funded is re-evaluated until the deadline.** Before the deadline the state follows the pledges
  (``funded`` iff raised >= goal; a withdrawal can drop it back to ``open``); once the deadline passes
  while funded, funding is final (:attr:`Campaign.deadline_passed`): later withdrawals lower ``raised``
  but not the state. Pledges are accepted while ``open`` or ``funded`` (over-funding is allowed, also
  after a funded deadline). ``/unpledge`` works in every state (a backer may always withdraw; after an
  expiry it keeps the pledge from coming back on an extension); it is refused only without a pledge.
* **Goal changes** (``/bounty AMOUNT``, a bounty label, ``/bounty accept``) on an open/funded campaign
  re-target it and re-evaluate (a higher goal can turn ``funded`` back into ``open``); a new deadline
  given with ``/bounty`` replaces the old one, otherwise the deadline is kept. After a funded campaign's
  deadline its goal is final: ``/bounty AMOUNT``/``accept`` are refused and label changes leave it alone.
* **A new campaign** (``/bounty AMOUNT``, a bounty label or ``/bounty accept`` while there is none, or it
  is ``expired`` or ``cancelled``) starts fresh: earlier pledges lapsed and are cleared. Offers, the
  solver and the issue's open/closed state are facts about the issue and are kept. ``delivered`` and
  ``closed`` campaigns cannot be reopened or changed.
* **Extending** (maintainers; ``open``, ``funded`` or ``expired``): ``N days`` moves the deadline N days
  later (an expired campaign's deadline counts from the end of the command's day, so it really reopens);
  ``to DATE`` must be later than the current deadline. At most :data:`~bot.core.commands.MAX_DAYS` days
  ahead. Extending an expired campaign reopens it with its pledges (they come back).
* **Cancelling**: ``/bounty cancel`` (maintainers, ``open``/``funded`` only), removing the bounty label
  the goal came from when no other bounty label remains (with another one left the goal re-targets to the
  most recently added one), removing the generic label by hand when no bounty label remains (the generic
  label's events by ``[bot]`` actors - fundbot's own labelling - are ignored), or closing the issue as not
  planned (any ``state_reason`` other than ``completed``/none, e.g. ``duplicate``). Reopening an issue
  whose campaign was cancelled by closing it restores the campaign with its pledges (expired if its
  deadline passed meanwhile). Adding the generic label by hand opens nothing (it names no goal).
* **Delivered** = funded AND the issue closed as completed (``state_reason`` ``completed`` or none) AND a
  merged pull request claimed it (:class:`ClaimEvent`), in any order. Closed as completed without a
  claim, a funded campaign stays funded; an open one keeps running to its deadline and is delivered the
  moment it is funded. The latest claim before delivery names the solver; after delivery it is fixed.
  Reopening a delivered issue makes the campaign ``funded`` again.
* **Closed**: a delivered campaign closes :data:`PAYMENT_WINDOW_DAYS` days after delivery (the window in
  which backers are asked to pay); :func:`next_deadline` schedules it.
* **Offers**: ``/offer AMOUNT`` by anyone (latest offer per user wins; a deleted comment withdraws it),
  refused once delivered. ``/bounty accept @user`` needs a current offer by that user; it sets the goal to
  the offer's amount and the implementer to the user (opening a campaign if there is none).
* **Permissions** come with the event (:attr:`CommentEvent.maintainer`, from the shell's permission
  check of the *latest* version); label events are trusted (only triage+ can label).
* **Amounts** are checked with :func:`~bot.core.commands.check_amount` (``min_pledge`` ..
  ``max_amount``, the campaign currency) for pledges, goals and offers alike, and default deadlines use
  ``deadline_days``: those of the event's ``rule`` (what judged it when made), else the configuration's.
  Goals of bounty labels come from the configuration and are not checked again.
* **Outcomes**: one :class:`Outcome` per campaign command (``/bounty*``, ``/pledge``, ``/unpledge``,
  ``/offer``) of every live comment, in replay order, for reactions and replies. Lines the parser finds
  invalid are not outcomes (the commands handler answers them); neither are ``/fund``, ``/claim``,
  ``/campaign`` and the other non-ledger commands. When ``bounties.enabled`` is false every campaign
  command is refused and labels do nothing.
* **Bounds**: at most :data:`MAX_BACKERS` backers (a new backer beyond it is refused; existing ones may
  still change their pledge), :data:`MAX_OFFERS` offers, :data:`MAX_LOG` log records.
* ``label_goals`` maps the *repository's* label names to goals (the shell resolves renamed labels with
  :func:`bot.core.labels.resolve`); by default the names in ``bounties.labels``. ``generic_label`` is the
  repository's name for ``bounties.label`` (default: that name). :attr:`Campaign.labels_wanted` holds
  *config* names (generic, funded, delivered); fundbot never touches the goal labels humans set.
* **Incremental = refold.** :func:`apply` takes a fast path only when the new event sorts after the whole
  log and no time-driven change (expiry, final funding, closing) happened after it; otherwise it refolds
  the log (which holds parsed commands, so no re-parsing). With the same config and ``now`` it always
  equals :func:`fold`. A config change needs a refold from GitHub. ``now`` must not go backwards.
* **Snapshots**: :meth:`Campaign.to_snapshot` is plain JSON data holding every field (the log included),
  and :meth:`Campaign.from_snapshot` rebuilds an equal campaign or raises ``ValueError``. A status
  comment too large for GitHub embeds :meth:`Campaign.summary` instead (``"partial": true``), which
  :meth:`from_snapshot` refuses: the shell then refolds from GitHub.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from bot.core import commands as parser
from bot.core.config import BountiesConfig, Reward

__all__ = [
    "DAY", "LEDGER_COMMANDS", "MAX_BACKERS", "MAX_LOG", "MAX_OFFERS", "PAYMENT_WINDOW_DAYS", "SNAPSHOT_VERSION",
    "Campaign", "ClaimEvent", "CommentEvent", "Event", "LabelEvent", "Offer", "Outcome", "Pledge", "StateEvent",
    "apply", "day_end", "deadline_date", "fold", "next_deadline", "tick"
]

DAY = 86400.0
MAX_BACKERS = 10_000
MAX_OFFERS = 1_000
MAX_LOG = 200_000
PAYMENT_WINDOW_DAYS = 30
SNAPSHOT_VERSION = 1

#: The commands the ledger acts on (names as in :data:`bot.core.commands.NAMES`).
LEDGER_COMMANDS = frozenset(
    {"bounty", "bounty cancel", "bounty extend", "bounty accept", "pledge", "unpledge", "offer"}
)

State = Literal["none", "open", "funded", "delivered", "closed", "expired", "cancelled"]
STATES = ("none", "open", "funded", "delivered", "closed", "expired", "cancelled")
_ISSUE_STATES = ("open", "completed", "not_planned")
_END_REASONS = (None, "deadline", "command", "label", "not_planned", "payment_window")

# ============================================================================================ events


@dataclass(frozen=True)
class CommentEvent:
    """An issue comment: its latest body at its original position. Edits re-use ``comment_id``."""

    at: float  # created_at (epoch seconds)
    seq: int  # stable tie-breaker, e.g. the comment id
    comment_id: int
    author: str
    body: str
    maintainer: bool
    deleted: bool = False
    edited_at: float | None = None  # updated_at: the newer version of a comment wins
    rule: tuple | None = None  # (currency, min, max, deadline_days) that judged it (recorded); None: the config


@dataclass(frozen=True)
class LabelEvent:
    at: float
    seq: int
    label: str
    added: bool
    actor: str
    goal: Decimal | None = None  # the goal this addition applies (recorded decision); None: from the config
    rule: tuple | None = None  # as CommentEvent.rule (its deadline_days opens a campaign)


@dataclass(frozen=True)
class StateEvent:
    at: float
    seq: int
    kind: Literal["closed", "reopened"]
    reason: str | None = None  # GitHub's state_reason: "completed" | "not_planned" | "duplicate" | None


@dataclass(frozen=True)
class ClaimEvent:
    """A merged pull request that claims (``/claim``) or closes (``Fixes #12``) the issue."""

    at: float
    seq: int
    pull: int
    solver: str


Event = CommentEvent | LabelEvent | StateEvent | ClaimEvent

# ============================================================================================ results


@dataclass(frozen=True)
class Pledge:
    backer: str
    amount: Decimal
    comment_id: int
    at: float


@dataclass(frozen=True)
class Offer:
    user: str
    amount: Decimal
    comment_id: int
    at: float


@dataclass(frozen=True)
class Outcome:
    """What happened to one command, so the shell can react (👍/😕) and reply."""

    comment_id: int
    line: int
    command: str  # a name from LEDGER_COMMANDS
    accepted: bool
    reason: str | None  # why it was refused (None when accepted)


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
    solver: str | None = None  # who delivered (merged pull request)
    pull: int | None = None
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
    log: tuple[tuple, ...] = field(default=(), repr=False)  # the canonical event log

    # ---------------------------------------------------------------------------------- queries

    def raised(self) -> Decimal:
        return sum((p.amount for p in self.pledges), Decimal("0.00"))

    def backers(self) -> int:
        return len(self.pledges)

    def pledge_of(self, backer: str) -> Pledge | None:
        key = (backer or "").lower()
        return next((p for p in self.pledges if p.backer.lower() == key), None)

    def rewards_for(self, backer: str, rewards: Sequence[Reward] | None = None) -> list[Reward]:
        """The reward tiers ``backer``'s current pledge qualifies for (pledge >= min), lowest first."""
        pledge = self.pledge_of(backer)
        if pledge is None:
            return []
        tiers = self.rewards if rewards is None else tuple(rewards)
        return sorted((r for r in tiers if pledge.amount >= r.min), key=lambda r: (r.min, r.reward))

    def outcomes_for(self, comment_id: int) -> list[Outcome]:
        return [o for o in self.outcomes if o.comment_id == comment_id]

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
            "offers": [[o.user, str(o.amount), o.comment_id, o.at] for o in self.offers],
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
            "rewards": [[str(r.min), r.reward] for r in self.rewards],
            "log": [_rec_out(r) for r in self.log],
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


# ============================================================================================ helpers


def day_end(day: datetime.date) -> float:
    """Epoch of the end of ``day`` UTC (midnight starting the next day)."""
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC).timestamp() + DAY


def _date_of(t: float) -> datetime.date:
    try:
        return datetime.datetime.fromtimestamp(t, datetime.UTC).date()
    except (OverflowError, OSError, ValueError):
        return datetime.date.max if t > 0 else datetime.date(1970, 1, 1)


def deadline_date(deadline: float) -> datetime.date:
    """The last day of a campaign whose :attr:`Campaign.deadline` is ``deadline``."""
    return _date_of(deadline - 1)


def _dec_out(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _finite(value: Any, what: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{what} must be finite, not {value!r}")
    return out


# ============================================================================================ the log
#
# Records are plain tuples (cheap, hashable, JSON-able):
#   ("c", at, seq, comment_id, author, maintainer, deleted, version, digest, commands, rule|None)
#       commands: ((line, name, amount|None, currency|None, days|None, "YYYY-MM-DD"|None, user|None), ...)
#   ("l", at, seq, label, added, actor, goal|None, rule|None)   goal: the recorded goal of an addition
#   rule: (currency, min, max, deadline_days) that judged the record when it was made (None: the config's)
#   ("s", at, seq, kind, reason or "")
#   ("p", at, seq, pull, solver)

_RANK = {"l": 0, "c": 1, "s": 2, "p": 3}


def _sort_key(rec: tuple) -> tuple:
    kind = rec[0]
    if kind == "c":
        ident: tuple = (rec[3],)
    elif kind == "l":
        ident = (rec[3], rec[4], rec[5], rec[6] or "")
    else:
        ident = rec[3:]
    return (rec[1], rec[2], _RANK[kind], ident)


def _comment_vkey(rec: tuple) -> tuple:
    """Which version of a comment wins: a deletion, then the newest edit; the rest makes it total."""
    return (rec[6], rec[7], rec[8], rec[5], rec[4], rec[1], rec[2])


def _digest(body: str) -> str:
    return hashlib.sha1(body.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()[:16]


def _parse(body: str, at: float) -> tuple:
    out = []
    for item in parser.parse_commands(body, today=_date_of(at)):
        if not isinstance(item, parser.Command) or item.name not in LEDGER_COMMANDS:
            continue
        amount = item.amount.value if item.amount is not None else None
        cur = item.amount.currency if item.amount is not None else None
        days = item.deadline.days if item.deadline is not None else None
        date = item.deadline.date.isoformat() if item.deadline is not None and item.deadline.date else None
        out.append((item.line, item.name, amount, cur, days, date, item.user))
    return tuple(out)


def _comment_head(e: CommentEvent) -> tuple:
    """The comment record without its parsed commands (parsing waits until the winner is known)."""
    at = _finite(e.at, "CommentEvent.at")
    version = _finite(e.edited_at, "CommentEvent.edited_at") if e.edited_at is not None else at
    body = e.body if isinstance(e.body, str) else ("" if e.body is None else str(e.body))
    deleted = bool(e.deleted)
    return ("c", at, int(e.seq), int(e.comment_id), str(e.author or ""), bool(e.maintainer), deleted, version,
            _digest("" if deleted else body), body, _rule(e.rule))


def _finish_comment(head: tuple) -> tuple:
    body = head[9]
    author = head[4]
    cmds = () if head[6] or _is_bot(author) else _parse(body, head[1])
    return (*head[:9], cmds, head[10] if cmds else None)


def _rule(rule: Any) -> tuple | None:
    """A judging rule as the log keeps it: (currency, min, max, deadline_days); ``ValueError`` otherwise."""
    if rule is None or (isinstance(rule, tuple) and rule in _RULES):
        return None if rule is None else _RULES[rule]
    cur, lo, hi, days = rule
    out = (_str(cur).upper(), _dec(str(lo)), _dec(str(hi)), _int(days))
    return _RULES.setdefault(out, out) if len(_RULES) < 1_000 else out  # shared: a log holds few rules


_RULES: dict[tuple, tuple] = {}


def _is_bot(login: str) -> bool:
    return login.lower().endswith("[bot]")


def _record(e: Event) -> tuple:
    """Non-comment events as records."""
    if isinstance(e, LabelEvent):
        goal = None if e.goal is None or not e.added else str(Decimal(str(e.goal)))
        return ("l", _finite(e.at, "LabelEvent.at"), int(e.seq), str(e.label or ""), bool(e.added), str(e.actor or ""),
                goal, _rule(e.rule) if e.added else None)
    if isinstance(e, StateEvent):
        return ("s", _finite(e.at, "StateEvent.at"), int(e.seq), str(e.kind), str(e.reason or ""))
    if isinstance(e, ClaimEvent):
        return ("p", _finite(e.at, "ClaimEvent.at"), int(e.seq), int(e.pull), str(e.solver or ""))
    raise TypeError(f"not a campaign event: {type(e).__name__}")


def _canonical(events: Iterable[Event]) -> list[tuple]:
    comments: dict[int, tuple] = {}
    claims: dict[int, tuple] = {}
    others: set[tuple] = set()
    for e in events:
        if isinstance(e, CommentEvent):
            head = _comment_head(e)
            old = comments.get(head[3])
            if old is None or _comment_vkey(head) > _comment_vkey(old):
                comments[head[3]] = head
            continue
        rec = _record(e)
        if rec[0] == "p":
            old = claims.get(rec[3])
            if old is None or (rec[1], rec[2], rec[4]) < (old[1], old[2], old[4]):
                claims[rec[3]] = rec
        else:
            others.add(rec)
    log = [_finish_comment(h) for h in comments.values()]
    log.extend(claims.values())
    log.extend(others)
    log.sort(key=_sort_key)
    return log[:MAX_LOG]


# ============================================================================================ machine


class _Ctx:
    """What the fold needs from the configuration."""

    __slots__ = ("enabled", "currency", "minimum", "maximum", "deadline_days", "rewards", "generic", "goals",
                 "label", "funded_label", "delivered_label", "managers", "rule")

    def __init__(self, config: BountiesConfig, label_goals: Mapping[str, Decimal] | None,
                 generic_label: str | None) -> None:
        self.enabled = bool(config.enabled)
        self.currency = str(config.currency or "").upper()
        self.minimum = Decimal(str(config.min_pledge))
        self.maximum = Decimal(str(config.max_amount))
        self.deadline_days = int(config.deadline_days)
        self.rule = (self.currency, self.minimum, self.maximum, self.deadline_days)  # for records judged by none
        self.rewards = tuple(sorted(config.rewards, key=lambda r: (r.min, r.reward)))
        self.label = config.label
        self.generic = (generic_label if generic_label is not None else config.label).lower()
        source = config.labels if label_goals is None else label_goals
        self.goals = {str(name).lower(): Decimal(str(goal)) for name, goal in source.items()}
        self.funded_label = config.funded_label
        self.delivered_label = config.delivered_label
        roles = list(config.who_can_manage) or ["admin"]
        self.managers = ", ".join(roles[:-1]) + (" or " if len(roles) > 1 else "") + roles[-1]


class _M:
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
        self.implementer: str | None = None
        self.solver: str | None = None
        self.pull: int | None = None
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

    @classmethod
    def of(cls, c: Campaign, ctx: _Ctx) -> _M:
        m = cls(ctx)
        m.state, m.goal, m.deadline = c.state, c.goal, c.deadline
        m.opened_at, m.opened_by = c.opened_at, c.opened_by
        m.pledges = {p.backer.lower(): p for p in c.pledges}
        m.raised = c.raised()
        m.offers = {o.user.lower(): o for o in c.offers}
        m.implementer, m.solver, m.pull = c.implementer, c.solver, c.pull
        m.outcomes = list(c.outcomes)
        m.goal_source, m.bounty_labels, m.issue_state = c.goal_source, list(c.bounty_labels), c.issue_state
        m.label_goals = {x.lower(): g for x, g in zip(c.bounty_labels, c.bounty_goals, strict=True)}
        m.funded_at, m.delivered_at = c.funded_at, c.delivered_at
        m.ended_at, m.end_reason, m.ended_by = c.ended_at, c.end_reason, c.ended_by
        m.deadline_passed = c.deadline_passed
        return m

    def freeze(self, log: Sequence[tuple]) -> Campaign:
        ctx = self.ctx
        pledges = tuple(sorted(self.pledges.values(), key=lambda p: (-p.amount, p.at, p.backer.lower(), p.backer)))
        offers = tuple(sorted(self.offers.values(), key=lambda o: (o.at, o.user.lower(), o.user)))
        wanted: frozenset[str] = frozenset()
        if ctx.enabled:
            if self.state == "open":
                wanted = frozenset({ctx.label})
            elif self.state == "funded":
                wanted = frozenset({ctx.label, ctx.funded_label})
            elif self.state in ("delivered", "closed"):
                wanted = frozenset({ctx.delivered_label})
        return Campaign(
            state=self.state,  # type: ignore[arg-type]
            goal=self.goal,
            currency=ctx.currency,
            deadline=self.deadline,
            opened_at=self.opened_at,
            opened_by=self.opened_by,
            pledges=pledges,
            offers=offers,
            implementer=self.implementer,
            solver=self.solver,
            pull=self.pull,
            labels_wanted=wanted,
            outcomes=tuple(self.outcomes),
            goal_source=self.goal_source,
            bounty_labels=tuple(self.bounty_labels),
            bounty_goals=tuple(self.label_goals[x.lower()] for x in self.bounty_labels),
            issue_state=self.issue_state,  # type: ignore[arg-type]
            funded_at=self.funded_at,
            delivered_at=self.delivered_at,
            ended_at=self.ended_at,
            end_reason=self.end_reason,
            ended_by=self.ended_by,
            deadline_passed=self.deadline_passed,
            rewards=ctx.rewards,
            log=tuple(log),
        )

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
        if self.state == "funded" and self.issue_state == "completed" and self.solver:
            self.state, self.delivered_at = "delivered", t

    # ------------------------------------------------------------------------------- transitions

    def open_fresh(self, t: float, goal: Decimal, deadline: float, by: str | None, source: str,
                   implementer: str | None = None) -> None:
        self.state, self.goal, self.deadline = "open", goal, deadline
        self.opened_at, self.opened_by = t, by
        self.pledges, self.raised = {}, Decimal("0.00")
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
        return _resolve(_date_of(t), days=self.rule[3], date=None)

    # ------------------------------------------------------------------------------------ records

    def step(self, rec: tuple) -> None:
        kind = rec[0]
        self.rule = (rec[10] if kind == "c" else rec[7] if kind == "l" else None) or self.ctx.rule
        if kind == "c":
            self.comment(rec)
        elif kind == "l":
            self.label(rec[1], rec[3], rec[4], rec[5], None if rec[6] is None else Decimal(rec[6]))
        elif kind == "s":
            self.issue_event(rec[1], rec[3], rec[4])
        elif kind == "p":
            self.claim(rec[1], rec[3], rec[4])

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
                if self.state in ("open", "funded") and self.ctx.enabled:
                    self.cancel(t, "not_planned", None)
        elif kind == "reopened":
            self.issue_state = "open"
            if self.state == "delivered":
                self.state, self.delivered_at = "funded", None
            elif self.state == "cancelled" and self.end_reason == "not_planned":
                self.state, self.ended_at, self.end_reason, self.ended_by = "open", None, None, None
            self.advance(t)  # restored after its deadline: expired
            self.reevaluate(t)

    def claim(self, t: float, pull: int, solver: str) -> None:
        if self.state in ("delivered", "closed") or not solver:
            return
        self.solver, self.pull = solver, pull
        self.maybe_deliver(t)

    # ----------------------------------------------------------------------------------- commands

    def comment(self, rec: tuple) -> None:
        _, t, _seq, cid, author, maintainer, deleted, _v, _d, cmds, _rule_ = rec
        if deleted or not cmds:
            return
        for line, name, amount, cur, days, date, user in cmds:
            if not self.ctx.enabled:
                reason: str | None = ("bounties are turned off for this repository (bounties.enabled is false in "
                                      ".github/fundbot.yml).")
            elif name == "pledge":
                reason = self.pledge(t, cid, author, parser.Amount(amount, cur))
            elif name == "unpledge":
                reason = self.unpledge(t, author)
            elif name == "offer":
                reason = self.offer(t, cid, author, parser.Amount(amount, cur))
            elif not maintainer:
                reason = self.not_maintainer(name)
            elif name == "bounty":
                reason = self.bounty(t, author, parser.Amount(amount, cur), days, date)
            elif name == "bounty cancel":
                reason = self.cancel_command(t, author)
            elif name == "bounty extend":
                reason = self.extend(t, days, date)
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
        return f"{who} can accept an offer."

    def check(self, amount: parser.Amount) -> str | None:
        cur, lo, hi, _days = self.rule
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
        self.pledges[key] = Pledge(author, amount.value, cid, t)
        self.raised += amount.value
        self.reevaluate(t)
        return None

    def unpledge(self, t: float, author: str) -> str | None:
        old = self.pledges.pop(author.lower(), None)
        if old is None:
            return "you have no pledge on this issue, so there is nothing to withdraw."
        self.raised -= old.amount
        self.reevaluate(t)
        return None

    def offer(self, t: float, cid: int, author: str, amount: parser.Amount) -> str | None:
        if self.state in ("delivered", "closed"):
            return "the campaign was already delivered, so offers are closed."
        problem = self.check(amount)
        if problem:
            return problem
        key = author.lower()
        if key not in self.offers and len(self.offers) >= MAX_OFFERS:
            return f"this issue already has the maximum of {MAX_OFFERS:,} offers."
        self.offers[key] = Offer(author, amount.value, cid, t)
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


def _resolve(today: datetime.date, *, days: int | None, date: str | None) -> float | None:
    try:
        if date is not None:
            return day_end(datetime.date.fromisoformat(date))
        if days is not None:
            return day_end(today + datetime.timedelta(days=days))
    except (OverflowError, ValueError):
        return None
    return None


# ============================================================================================ API


def _ctx(config: Any, label_goals: Mapping[str, Decimal] | None, generic_label: str | None) -> _Ctx:
    bounties = getattr(config, "bounties", config)  # a Config is accepted too
    return _Ctx(bounties, label_goals, generic_label)


def _replay(log: Sequence[tuple], ctx: _Ctx, now: float) -> Campaign:
    m = _M(ctx)
    for rec in log:
        m.advance(rec[1])
        m.step(rec)
    m.advance(now)
    return m.freeze(log)


def fold(events: Iterable[Event], *, config: BountiesConfig, now: float,
         label_goals: Mapping[str, Decimal] | None = None, generic_label: str | None = None) -> Campaign:
    """The campaign that ``events`` (in any order, duplicates allowed) describe at time ``now``."""
    ctx = _ctx(config, label_goals, generic_label)
    return _replay(_canonical(events), ctx, _finite(now, "now"))


def apply(campaign: Campaign, event: Event, *, config: BountiesConfig, now: float,
          label_goals: Mapping[str, Decimal] | None = None, generic_label: str | None = None) -> Campaign:
    """``campaign`` with one more event; equal to folding the campaign's events plus ``event``."""
    ctx = _ctx(config, label_goals, generic_label)
    now = _finite(now, "now")
    log = campaign.log
    if isinstance(event, CommentEvent):
        head = _comment_head(event)
        index = next((i for i, r in enumerate(log) if r[0] == "c" and r[3] == head[3]), None)
        if index is not None:
            if _comment_vkey(head) <= _comment_vkey(log[index]):
                return _replay(log, ctx, now)  # an older or the same version: nothing changes
            new = list(log)
            new[index] = _finish_comment(head)
            new.sort(key=_sort_key)
            return _replay(new[:MAX_LOG], ctx, now)
        rec = _finish_comment(head)
    else:
        rec = _record(event)
        if rec[0] == "p":
            index = next((i for i, r in enumerate(log) if r[0] == "p" and r[3] == rec[3]), None)
            if index is not None:
                old = log[index]
                if (rec[1], rec[2], rec[4]) < (old[1], old[2], old[4]):
                    new = list(log)
                    new[index] = rec
                    new.sort(key=_sort_key)
                    return _replay(new, ctx, now)
                return _replay(log, ctx, now)
        elif rec in log:
            return _replay(log, ctx, now)
    at = rec[1]
    fast = (
        (not log or _sort_key(rec) > _sort_key(log[-1]))
        and len(log) < MAX_LOG
        and not (campaign.ended_at is not None and campaign.ended_at > at)
        and not (campaign.deadline_passed and campaign.deadline is not None and campaign.deadline > at)
        and campaign.currency == ctx.currency
        and campaign.rewards == ctx.rewards
    )
    if fast:
        m = _M.of(campaign, ctx)
        m.advance(at)
        m.step(rec)
        m.advance(now)
        return m.freeze((*log, rec))
    new = [*log, rec]
    new.sort(key=_sort_key)
    return _replay(new[:MAX_LOG], ctx, now)


def tick(campaign: Campaign, *, config: BountiesConfig, now: float,
         label_goals: Mapping[str, Decimal] | None = None, generic_label: str | None = None) -> Campaign:
    """Let time pass until ``now`` (deadline -> expired, funding final, payment window -> closed)."""
    ctx = _ctx(config, label_goals, generic_label)
    m = _M.of(campaign, ctx)
    m.advance(_finite(now, "now"))
    return m.freeze(campaign.log)


def next_deadline(campaign: Campaign) -> float | None:
    """When the state changes by itself next (the shell schedules a :func:`tick` then), or None."""
    if campaign.state == "open" or (campaign.state == "funded" and not campaign.deadline_passed):
        return campaign.deadline
    if campaign.state == "delivered" and campaign.delivered_at is not None:
        return campaign.delivered_at + PAYMENT_WINDOW_DAYS * DAY
    return None


# ============================================================================================ snapshot


def _rec_out(rec: tuple) -> list:
    rule = rec[10] if rec[0] == "c" else rec[7] if rec[0] == "l" else None
    out = [*rec[:9], [[line, name, _dec_out(amount), cur, days, date, user]
                      for line, name, amount, cur, days, date, user in rec[9]]] if rec[0] == "c" else list(rec[:7])
    return out if rule is None else [*out, [rule[0], str(rule[1]), str(rule[2]), rule[3]]]  # no rule: older form


def _num(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return _finite(value, "time")


def _opt_num(value: Any) -> float | None:
    return None if value is None else _num(value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _dec(value: Any) -> Decimal:
    try:
        out = Decimal(_str(value))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not out.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return out


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected a boolean, got {value!r}")
    return value


def _rec_in(item: Any) -> tuple:
    if not isinstance(item, list) or not item:
        raise ValueError("bad log record")
    kind = item[0]
    if kind == "c" and len(item) in (10, 11):
        cmds = []
        for c in item[9]:
            line, name, amount, cur, days, date, user = c
            if name not in LEDGER_COMMANDS:
                raise ValueError(f"bad command {name!r}")
            cmds.append((_int(line), name, None if amount is None else _dec(amount), _opt_str(cur),
                         None if days is None else _int(days), _opt_str(date), _opt_str(user)))
        return ("c", _num(item[1]), _int(item[2]), _int(item[3]), _str(item[4]), _bool(item[5]), _bool(item[6]),
                _num(item[7]), _str(item[8]), tuple(cmds), _rule(item[10]) if len(item) == 11 else None)
    if kind == "l" and len(item) in (6, 7, 8):
        goal = item[6] if len(item) >= 7 else None
        return ("l", _num(item[1]), _int(item[2]), _str(item[3]), _bool(item[4]), _str(item[5]),
                None if goal is None else str(_dec(goal)), _rule(item[7]) if len(item) == 8 else None)
    if kind == "s" and len(item) == 5:
        return ("s", _num(item[1]), _int(item[2]), _str(item[3]), _str(item[4]))
    if kind == "p" and len(item) == 5:
        return ("p", _num(item[1]), _int(item[2]), _int(item[3]), _str(item[4]))
    raise ValueError("bad log record")


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
    offers = tuple(Offer(_str(u), _dec(a), _int(c), _num(t)) for u, a, c, t in d["offers"])
    outcomes = tuple(
        Outcome(_int(c), _int(line), _choice(cmd, sorted(LEDGER_COMMANDS)), _bool(ok), _opt_str(reason))
        for c, line, cmd, ok, reason in d["outcomes"]
    )
    rewards = tuple(Reward(_dec(m), _str(r)) for m, r in d["rewards"])
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
        log=tuple(_rec_in(r) for r in d["log"]),
    )


def comment_version(campaign: Campaign, comment_id: int) -> tuple[float, str] | None:
    """(version time, body digest) of the version of a comment the campaign's log holds, or None."""
    for rec in campaign.log:
        if rec[0] == "c" and rec[3] == comment_id:
            return rec[7], rec[8]
    return None


def body_digest(body: str) -> str:
    """The digest the log keeps of a comment body (compare with :func:`comment_version`)."""
    return _digest(body)
