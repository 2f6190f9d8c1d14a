"""Fault injection: make chosen requests fail the way GitHub fails."""

from __future__ import annotations

import dataclasses
import random
import re
from typing import Any

SECONDARY_MESSAGE = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                     "If you reach out to GitHub Support for help, please include the request ID.")
SECONDARY_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"


@dataclasses.dataclass(eq=False)
class FaultRule:
    """One rule. ``path`` is a regular expression searched in the request path (no query string).

    Exactly one of the kinds applies, checked in this order: ``timeout`` (never answer), ``secondary``
    (403 secondary rate limit, with ``retry-after`` if ``retry_after`` is set), ``primary`` (403 primary
    rate limit: remaining 0 and ``x-ratelimit-reset``), else ``status`` (default 503; any status, with ``body``
    or GitHub's default body). ``delay`` > 0 with no other kind (and no ``status``) just delays the normal
    answer; with a kind, it delays the fault.
    ``times`` is how many requests the rule hits (None = forever); ``hits`` counts them.
    """

    method: str | None = None
    path: str | None = None
    status: int | None = None  # None: 503, unless the rule only has a delay
    times: int | None = 1
    probability: float = 1.0
    retry_after: int | None = None
    secondary: bool = False
    primary: bool = False
    timeout: bool = False
    delay: float = 0.0
    body: Any = None
    hits: int = 0

    @property
    def delay_only(self) -> bool:
        return self.delay > 0 and not (self.timeout or self.secondary or self.primary) and self.status is None \
            and self.body is None

    @property
    def effective_status(self) -> int:
        return 503 if self.status is None else self.status

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    def add(self, rule: FaultRule | None = None, **kwargs: Any) -> FaultRule:
        rule = rule or FaultRule(**kwargs)
        self.rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        if rule in self.rules:
            self.rules.remove(rule)

    def clear(self) -> None:
        self.rules.clear()

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The first live rule that fires for this request (counts the hit)."""
        for rule in self.rules:
            if rule.exhausted or not rule.matches(method, path):
                continue
            if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                continue
            rule.hits += 1
            return rule
        return None
