"""Scheduled job kinds → their handler ``async def run(job, ctx)``. Modules register themselves on import."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

TASKS: dict[str, Callable[[Any, Any], Awaitable[None]]] = {}
