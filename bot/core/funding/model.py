"""FUNDING.yml value types (:class:`Problem`, :class:`FundingLink`), the neutral tree the adapters build, and
the context that collects problems."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

FUNDING_PATH = ".github/FUNDING.yml"  # where GitHub's Sponsor button reads it

# --------------------------------------------------------------------------------------------------
# Public value types


@dataclass(frozen=True)
class Problem:
    severity: Literal["error", "warning"]
    line: int
    column: int
    key: str | None
    message: str
    code: str


@dataclass(frozen=True)
class FundingLink:
    platform: str
    handle: str
    url: str
    title: str


# --------------------------------------------------------------------------------------------------
# Neutral tree built by the adapters


@dataclass
class _Scalar:
    kind: str  # str, null, bool, int, float, timestamp, other (as the YAML 1.2 reader built it)
    text: str  # the string for kind "str"; the source text (or repr) otherwise
    plain: bool | None  # written unquoted and untagged? None = unknown
    line: int = -1  # 0-based; -1 = unknown
    col: int = -1
    value: Any = None  # the Python value, when the adapter has one


@dataclass
class _Seq:
    items: list[Any]
    line: int = -1
    col: int = -1


@dataclass
class _Map:
    entries: list[tuple[Any, Any]]
    line: int = -1
    col: int = -1


_Tree = _Scalar | _Seq | _Map


@dataclass
class _Ctx:
    line_offset: int
    column_offset: int
    problems: list[Problem] = dataclasses.field(default_factory=list)

    def pos(self, line: int, col: int) -> tuple[int, int]:
        if line < 0:
            return 0, 0
        return line + 1 + self.line_offset, max(col, 0) + 1 + self.column_offset

    def add(self, severity: str, node: Any, key: str | None, code: str, message: str) -> None:
        line, col = self.pos(getattr(node, "line", -1), getattr(node, "col", -1))
        self.problems.append(Problem(severity, line, col, key, message, code))  # type: ignore[arg-type]


def _sorted(problems: Sequence[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.column, p.severity != "error", p.code))
