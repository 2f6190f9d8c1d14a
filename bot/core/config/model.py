"""The value types of ``.github/fundbot.yml``: the effective configuration's parts, an issue, an
``_extends`` target, and the limits. Pure data: no behaviour beyond formatting a target."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from bot.core import disclosure as _disclosure
from bot.core.config.reward_gives import gives, written
from bot.core.yaml_tree import MAX_KEYS

__all__ = ["CONFIG_PATH", "MAX_BYTES", "MAX_EXTENDS_DEPTH", "MAX_ISSUES", "MAX_KEYS", "BountiesConfig", "ExtendsTarget",
           "Fetched", "FundingGoal", "Issue", "IssuesConfig", "Link", "ReadmeConfig", "ReleasesConfig", "Reward",
           "Sponsor", "Tier"]

CONFIG_PATH = ".github/fundbot.yml"
MAX_BYTES = 256 * 1024
MAX_EXTENDS_DEPTH = 5
MAX_ISSUES = 100  # errors + warnings reported per validation; the rest are counted in one more issue
Fetched = _disclosure.Fetched

@dataclass(frozen=True)
class Issue:
    """One problem in a configuration file. ``line``/``column`` are 1-based; 0 when unknown."""

    path: str
    line: int
    column: int
    key: str | None
    expected: str
    found: str
    message: str
    severity: Literal["error", "warning"]
    code: str


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class IssuesConfig:
    comment: bool
    labels: tuple[str, ...]
    skip_authors: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class ReleasesConfig:
    footer: bool
    thank_backers: bool
    drafts: bool
    prereleases: bool


@dataclass(frozen=True)
class Reward:
    min: Decimal
    reward: str
    delivers: tuple[str, ...] | None = None  # what fundbot delivers (bot.core.config.delivers); None: inferred

    def __post_init__(self) -> None:  # canonical: None when the text infers it, so equal rewards compare equal
        object.__setattr__(self, "delivers", written(self))

    @property
    def gives(self) -> tuple[str, ...]:
        """What fundbot delivers for this reward; ``()``: a human reward (owed, ticked off by a maintainer)."""
        return gives(self)


@dataclass(frozen=True)
class BountiesConfig:
    enabled: bool
    label: str
    labels: dict[str, Decimal]
    currency: str
    deadline_days: int
    min_pledge: Decimal
    max_amount: Decimal
    who_can_manage: tuple[str, ...]
    rewards: tuple[Reward, ...]  # lowest ``min`` first
    funded_label: str
    delivered_label: str
    notify: bool  # one new comment mentioning backers on funded/delivered/expired/cancelled (issue 14)
    badge: bool  # the campaign's SVG badge at the top of its status comment (issue 15)
    pay_to: str = "implementer"  # "implementer" | "maintainer": whose links backers pay (issue 14.2)
    remind_days: int = 7  # days between the two reminders to unpaid backers; 0: none (issue 14.3)
    claims: str = "anyone"  # "anyone" | "offer" | "contributors": who may claim (issue 14.5, campaign/claims.py)
    max_claims: int = 0  # open claims that count at most; 0: no cap (issue 14.5)
    list_all_backers: bool = False  # README and release notes list every backer, whatever their reward (14.4)


@dataclass(frozen=True)
class FundingGoal:
    title: str
    amount: Decimal  # 0 = no project-wide goal


@dataclass(frozen=True)
class Sponsor:
    name: str
    url: str | None
    avatar: str | None
    tier: str | None


@dataclass(frozen=True)
class Tier:
    name: str
    min: Decimal


@dataclass(frozen=True)
class ReadmeConfig:
    path: str
    update: str
    sources: tuple[str, ...]
    sponsors: tuple[Sponsor, ...]
    tiers: tuple[Tier, ...]  # highest ``min`` first
    debounce_seconds: int



@dataclass(frozen=True)
class ExtendsTarget:
    owner: str
    repo: str
    path: str = CONFIG_PATH

    def __str__(self) -> str:
        return f"{self.owner}/{self.repo}:{self.path}"

    def same_as(self, other: ExtendsTarget) -> bool:
        """GitHub owner and repository names are case-insensitive; paths are not."""
        return (self.owner.lower(), self.repo.lower(), self.path) == (
            other.owner.lower(),
            other.repo.lower(),
            other.path,
        )


@dataclass(frozen=True)
class CommandsConfig:
    bare: bool  # False: only `/fundbot CMD` and `@fundbot CMD`, not the bare `/pledge`, `/bounty`... (issue 14)
