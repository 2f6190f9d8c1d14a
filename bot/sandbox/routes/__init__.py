"""Handlers of the REST operations, keyed by GitHub's operationId: one module per API area, each with its
own table, merged here (an operationId handled twice is an error)."""

from __future__ import annotations

from ..state import IssueEvent
from . import apps, checks, contents, issues, pulls, repos
from .common import Handler

HANDLERS: dict[str, Handler] = {}
for _table in (apps.ROUTES, repos.ROUTES, contents.ROUTES, issues.ROUTES, pulls.ROUTES, checks.ROUTES):
    if HANDLERS.keys() & _table.keys():
        raise ValueError(f"operations handled twice: {sorted(HANDLERS.keys() & _table.keys())}")
    HANDLERS.update(_table)

__all__ = ["HANDLERS", "Handler", "IssueEvent"]
