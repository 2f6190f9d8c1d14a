"""Campaign bounds and names, the events the ledger folds, and the results it reports."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

DAY = 86400.0
MAX_BACKERS = 10_000
MAX_OFFERS = 1_000
MAX_LOG = 200_000
PAYMENT_WINDOW_DAYS = 30
SNAPSHOT_VERSION = 1

#: The commands the ledger acts on (names as in :data:`bot.core.commands.NAMES`).
LEDGER_COMMANDS = frozenset(
    {"bounty", "bounty cancel", "bounty extend", "bounty accept", "pledge", "unpledge", "offer", "paid",
     "bounty received", "bounty deliver", "bounty split"}
    | {"bounty reward done"}  # issue 14.4 (rewards.py)
)

State = Literal["none", "open", "funded", "delivered", "closed", "expired", "cancelled"]
STATES = ("none", "open", "funded", "delivered", "closed", "expired", "cancelled")
_ISSUE_STATES = ("open", "completed", "not_planned")
_END_REASONS = (None, "deadline", "command", "label", "not_planned", "payment_window")


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
    rule: tuple | None = None  # (currency, min, max, deadline_days[, bare]) that judged it (recorded); None: the config
    handle: str = "fundbot"  # the App's slug: ``@HANDLE pledge 50`` addresses fundbot (bot login without [bot])


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
    association: str | None = None  # GitHub's author_association of the pull request's author (claims.py)


@dataclass(frozen=True)
class IntentEvent:
    """A claim made before any merge (issue 14.5, :mod:`bot.core.campaign.claims`): ``/claim`` in a pull
    request's comment, or a bare ``/claim`` in a pull request description that references the issue
    (``action`` "claim"); the pull request closed without a merge withdraws it (``action`` "drop")."""

    at: float
    seq: int
    pull: int
    user: str
    action: Literal["claim", "drop"] = "claim"
    association: str | None = None  # GitHub's author_association of the claimant (None: unknown)


Event = CommentEvent | LabelEvent | StateEvent | ClaimEvent | IntentEvent

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
    link: str | None = None  # the payment link written after the amount (/offer 250 https://...)


@dataclass(frozen=True)
class Payment:
    """A backer's payment as people said it (issue 14.3; fundbot never sees money): ``/paid`` by the backer,
    ``/bounty received @backer`` by a maintainer or the person paid. For the backer's current pledge only."""

    backer: str
    said_at: float | None = None  # the backer wrote /paid
    confirmed_at: float | None = None  # a maintainer or the payee confirmed it arrived
    confirmed_by: str | None = None

    @property
    def state(self) -> str:
        return "confirmed" if self.confirmed_at is not None else "says paid" if self.said_at is not None else "pledged"


@dataclass(frozen=True)
class Claim:
    """An open claim: who works on the issue in which pull request; ``refused`` says why it does not count
    (``bounties.claims``, ``bounties.max_claims``)."""

    pull: int
    user: str
    at: float
    refused: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to one command, so the shell can react (👍/😕) and reply."""

    comment_id: int
    line: int
    command: str  # a name from LEDGER_COMMANDS
    accepted: bool
    reason: str | None  # why it was refused (None when accepted)
