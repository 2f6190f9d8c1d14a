"""Time in the ledger: epoch seconds (UTC), deadlines at the end of a UTC day."""

from __future__ import annotations

import datetime
import math
from typing import Any

from bot.core.campaign.events import DAY


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


def _finite(value: Any, what: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{what} must be finite, not {value!r}")
    return out


def _resolve(today: datetime.date, *, days: int | None, date: str | None) -> float | None:
    try:
        if date is not None:
            return day_end(datetime.date.fromisoformat(date))
        if days is not None:
            return day_end(today + datetime.timedelta(days=days))
    except (OverflowError, ValueError):
        return None
    return None
