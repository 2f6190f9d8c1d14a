"""Reading GitHub's timestamps (pure): the one parser of ``created_at``-style values.

GitHub writes ISO 8601 in UTC (``2011-01-26T19:01:12Z``); a few payload fields (a push event's
``repository.created_at``) are Unix seconds instead. Both are read; a timestamp without a zone is taken as
UTC, as GitHub means it.
"""

from __future__ import annotations

import datetime
from typing import overload


@overload
def parse(value: object) -> float | None: ...
@overload
def parse(value: object, default: float) -> float: ...


def parse(value: object, default: float | None = None) -> float | None:
    """Seconds since the epoch for an ISO 8601 string or a number; ``default`` for anything else
    (None, "", a malformed string, a bool)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str) or not value:
        return default
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    try:
        return when.timestamp()
    except (OverflowError, OSError, ValueError):
        return default
