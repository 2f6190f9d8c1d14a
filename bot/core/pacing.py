"""The pacing budget of one installation, as pure arithmetic (the store keeps the state, shared by every process).

GitHub's secondary rate limits (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
#about-secondary-rate-limits): "in general, no more than 80 content-generating requests per minute and no
more than 500 content-generating requests per hour are allowed". fundbot counts every POST, PATCH, PUT and
DELETE an installation token sends (GraphQL queries and all reads are not paced).

The budget is a token bucket whose tokens come back exactly one window after they were spent (a rolling-window
log): the state is the send times of the last hour, and the next request may go at the earliest time that
keeps at most ``per_minute`` sends in any minute and ``per_hour`` in any hour (each window widened by
``margin`` for the delay between the take and the request reaching GitHub, and clock skew between machines).
A classic refilling bucket cannot do this: with a burst ``B`` and a rate ``r`` it stays inside a rolling
minute only when ``B + 60 r <= 80``, so it can never send the ~100 requests of 50 pledges within 70 s, where
the rolling log sends 80 at once and the rest one window later.

A take is a *reservation*: it returns the time the caller may send (possibly in the future) and records it, so
callers in every process queue up in order and each one sleeps exactly until its time, never polling. A take
that would wait longer than ``max_wait`` records nothing (the caller hands its job back until then).
``block`` pushes the next allowed time (GitHub answered 403/429 with ``retry-after`` or a reset time).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

MINUTE = 60.0
HOUR = 3600.0
PER_MINUTE = 80  # GitHub's documented limits (above)
PER_HOUR = 500


@dataclasses.dataclass(frozen=True, slots=True)
class Budget:
    """Content-creating requests one installation may send. ``per_minute`` 0 (or less) turns pacing off."""

    per_minute: int = PER_MINUTE
    per_hour: int = PER_HOUR
    gap: float = 0.0  # the shortest time between two sends of one installation
    margin: float = 2.0  # seconds added to each window

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0 and self.per_hour > 0

    @property
    def minute_window(self) -> float:
        return MINUTE + self.margin

    @property
    def hour_window(self) -> float:
        return HOUR + self.margin


def budget_for(mutation_interval: float, per_minute: int = PER_MINUTE, per_hour: int = PER_HOUR) -> Budget:
    """The budget the settings name: ``MUTATION_INTERVAL_SECONDS`` 0 turns pacing off, any other value is the
    shortest gap between two content-creating requests of one installation."""
    if mutation_interval <= 0:
        return Budget(per_minute=0, per_hour=0)
    return Budget(per_minute=per_minute, per_hour=per_hour, gap=mutation_interval)


@dataclasses.dataclass(frozen=True, slots=True)
class State:
    """The sends of the last hour (ascending; reserved times may lie in the future) and the time before which
    nothing may be sent (GitHub told us to wait)."""

    sent: tuple[float, ...] = ()
    blocked_until: float = 0.0


@dataclasses.dataclass(frozen=True, slots=True)
class Take:
    granted: bool
    at: float  # when the caller may send (granted) or when it could (not granted)
    state: State  # the new state (unchanged when not granted)


def next_slot(state: State, budget: Budget, now: float) -> float:
    """The earliest time >= ``now`` the next request may be sent."""
    sent = state.sent
    at = max(now, state.blocked_until)
    if sent:
        at = max(at, sent[-1] + budget.gap)  # reservations stay in order (FIFO across processes)
    if len(sent) >= budget.per_minute > 0:
        at = max(at, sent[-budget.per_minute] + budget.minute_window)
    if len(sent) >= budget.per_hour > 0:
        at = max(at, sent[-budget.per_hour] + budget.hour_window)
    return at


def take(state: State, budget: Budget, now: float, max_wait: float = math.inf) -> Take:
    """Reserve the next slot if it comes within ``max_wait`` seconds of ``now``."""
    at = next_slot(state, budget, now)
    if at - now > max_wait:
        return Take(False, at, state)
    return Take(True, at, State(trim(state.sent, at - budget.hour_window) + (at,), state.blocked_until))


def trim(sent: Sequence[float], after: float) -> tuple[float, ...]:
    """The send times later than ``after`` (older ones can no longer limit anything)."""
    return tuple(t for t in sent if t > after)


def block(state: State, until: float) -> State:
    """Nothing is sent before ``until`` (a later block wins)."""
    return State(state.sent, max(state.blocked_until, until))


def sends_in_window(sent: Sequence[float], end: float, window: float) -> int:
    """How many of ``sent`` fall in the window ``(end - window, end]`` (for tests and checks)."""
    return sum(1 for t in sent if end - window < t <= end)
