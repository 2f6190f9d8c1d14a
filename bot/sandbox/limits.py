"""GitHub's secondary limits on content creation, as the sandbox enforces them.

GitHub: "In general, no more than 80 content-generating requests per minute and no more than 500
content-generating requests per hour are allowed" (https://docs.github.com/en/rest/using-the-rest-api/
rate-limits-for-the-rest-api#about-secondary-rate-limits). Beyond, it answers 403 (or 429) with "You have
exceeded a secondary rate limit..." and, when it can say, a ``retry-after`` header: "you should not retry your
request until after that many seconds has elapsed" (same page, "Exceeding the rate limit").

The sandbox counts every POST, PATCH, PUT and DELETE an installation token sends to the REST API (GraphQL
queries create nothing), in rolling windows of 60 s and 3,600 s; a refused request is not counted. It is on
by default (``HttpFront.limits``); a test that means to hammer can read ``refused``, lower ``per_minute`` /
``per_hour`` to meet the limit quickly, or set ``enabled = False``.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Callable

CONTENT_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
MINUTE = 60.0
HOUR = 3600.0


@dataclasses.dataclass(frozen=True)
class Refusal:
    installation_id: int
    method: str
    path: str
    at: float
    retry_after: int


class ContentLimits:
    def __init__(self, clock: Callable[[], float], *, per_minute: int = 80, per_hour: int = 500,
                 enabled: bool = True) -> None:
        self.clock = clock
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.enabled = enabled
        self.refused: list[Refusal] = []
        self._sent: dict[int, collections.deque[float]] = {}

    def admit(self, installation_id: int, method: str, path: str) -> int | None:
        """Count this request and return None, or refuse it: the seconds until one would be accepted."""
        if not self.enabled or method.upper() not in CONTENT_METHODS:
            return None
        now = self.clock()
        sent = self._sent.setdefault(installation_id, collections.deque())
        while sent and sent[0] <= now - HOUR:
            sent.popleft()
        wait = 0.0
        in_minute = sum(1 for t in sent if t > now - MINUTE)
        if in_minute >= self.per_minute:
            wait = max(wait, sent[len(sent) - self.per_minute] + MINUTE - now)
        if len(sent) >= self.per_hour:
            wait = max(wait, sent[len(sent) - self.per_hour] + HOUR - now)
        if in_minute < self.per_minute and len(sent) < self.per_hour:
            sent.append(now)
            return None
        retry_after = max(1, math.ceil(wait))
        self.refused.append(Refusal(installation_id, method.upper(), path, now, retry_after))
        return retry_after

    def sent_in_last(self, installation_id: int, seconds: float) -> int:
        """Accepted content-creating requests of the installation in the last ``seconds``."""
        now = self.clock()
        return sum(1 for t in self._sent.get(installation_id, ()) if t > now - seconds)
