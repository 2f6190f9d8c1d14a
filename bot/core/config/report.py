"""Reporting: the issues one validation run collects (:class:`Context`), and how keys, values and issues
are written in messages (:func:`key_path`, :func:`short`, :func:`describe`, :func:`flow_yaml`,
:func:`format_issues`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal

from bot.core import funding as _funding
from bot.core.config.model import MAX_ISSUES, Issue
from bot.core.yaml_tree import Node, safe_str

KeyPath = tuple[str | int, ...]

BAD = object()  # a value that failed validation


def key_path(parts: Iterable[str | int]) -> str:
    """Dotted key path: ``bounties.labels."bounty: M"``, ``links[0].url``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            seg = p if re.fullmatch(r"[A-Za-z0-9_-]+", p) else json.dumps(p, ensure_ascii=False)
            out += ("." if out else "") + seg
    return out


def short(text: Any, limit: int = 60) -> str:
    s = safe_str(text).replace("\n", "\\n").replace("\r", "\\r").replace("`", "'")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def describe(n: Node) -> str:
    if n.kind == "map":
        return "a mapping"
    if n.kind == "seq":
        return "a list"
    if n.tag == "str":
        return f"the text `{short(n.value)}`" if n.value else "an empty text"
    if n.tag == "bool":
        return f"the boolean `{(n.text or str(n.value)).lower()}`"
    if n.tag in ("int", "float"):
        return f"the number `{short(n.text or n.value)}`"
    if n.tag == "null":
        return "no value"
    if n.tag == "timestamp":
        return f"the date `{short(n.text)}`"
    return f"`{short(n.text)}` (a tagged value)"


def brief(n: Node) -> str:
    if n.kind != "scalar":
        return n.kind == "map" and "mapping" or "list"
    return short(n.text if n.text or n.tag != "str" else n.value) if n.tag != "null" else "null"


class Context:
    """Validation context of one run: collected issues and the node of every key path.

    At most ``MAX_ISSUES`` errors and as many warnings are kept (the first ones found); the others are only
    counted, so a file with thousands of problems costs bounded memory and output."""

    def __init__(self, *, cross: bool, report_funding: bool = True) -> None:
        self.issues: list[Issue] = []
        self.seen: set[Issue] = set()
        self.kept = {"error": 0, "warning": 0}
        # issues past the cap, by position and rule (a re-check of a merged chain finds them again)
        self.dropped: dict[str, set[tuple[str, int, int, str]]] = {"error": set(), "warning": set()}
        self.nodes: dict[KeyPath, Node] = {}
        self.cross = cross
        self.report_funding = report_funding
        self.currencies: list[tuple[KeyPath, Node, str]] = []
        self.default_file = ""  # the file named by issues that have no node (a default value)
        self.paths: Mapping[str, list[tuple[str, ...]]] = {}  # key name -> its places in the schema ("did you mean")

    def add(
        self,
        severity: Literal["error", "warning"],
        node: Node | None,
        key: KeyPath | str | None,
        code: str,
        expected: str,
        found: str,
        message: str,
    ) -> None:
        if self.saturated(severity):
            self.drop(severity, node, code)
            return
        keytext = key if isinstance(key, str) or key is None else (key_path(key) or None)
        self.push(
            Issue(
                node.file if node is not None else self.default_file,
                node.line if node is not None else 0,
                node.col if node is not None else 0,
                keytext,
                expected,
                found,
                message,
                severity,
                code,
            )
        )

    def saturated(self, severity: str) -> bool:
        return self.kept.get(severity, 0) >= MAX_ISSUES

    def drop(self, severity: str, node: Node | None, code: str) -> None:
        where = (node.file, node.line, node.col) if node is not None else (self.default_file, 0, 0)
        self.dropped[severity].add((*where, code))

    def push(self, issue: Issue) -> None:
        if issue in self.seen:
            return
        if self.saturated(issue.severity):
            self.dropped[issue.severity].add((issue.path, issue.line, issue.column, issue.code))
            return
        self.seen.add(issue)
        self.kept[issue.severity] += 1
        self.issues.append(issue)

    def inherit(self, other: Context) -> None:
        """Start from the issues (and counts) of another run."""
        for issue in other.issues:
            self.push(issue)
        for severity, where in other.dropped.items():
            self.dropped[severity] |= where


def named(kp: KeyPath) -> str:
    return f"`{key_path(kp)}`" if kp else "the file"


def has_bad(value: Any) -> bool:
    if value is BAD:
        return True
    if isinstance(value, dict):
        return any(has_bad(v) for v in value.values())
    if isinstance(value, list):
        return any(has_bad(v) for v in value)
    return False


def more_issues(path: str, errors: int, warnings: int) -> Issue:
    parts = [f"{n:,} {word}{'s' * (n != 1)}" for n, word in ((errors, "error"), (warnings, "warning")) if n]
    total = errors + warnings
    return Issue(path, 0, 0, None, f"at most {MAX_ISSUES} problems listed", f"{total:,} more",
                 f"{' and '.join(parts)} more {'is' if total == 1 else 'are'} not listed (fundbot lists the first "
                 f"{MAX_ISSUES}); fix these and check again.", "error" if errors else "warning", "too-many-issues")


def flow_yaml(value: Any) -> str:
    """A default as YAML (flow style), with the quoting rules of ``bot.core.funding.render``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        return _funding._yaml_scalar(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{flow_yaml(k)}: {flow_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow_yaml(v) for v in value) + "]"
    return _funding._yaml_scalar(str(value))


def format_issues(issues: Iterable[Issue]) -> str:
    """``PATH:LINE:COL: severity: message [code]`` lines, errors first, then by file and position."""
    ordered = sorted(issues, key=lambda i: (i.severity != "error", i.path, i.line, i.column, i.code))
    lines = []
    for i in ordered:
        where = f"{i.path}:{i.line}:{i.column}" if i.line else i.path
        lines.append(f"{where}: {i.severity}: {i.message} [{i.code}]")
    return "\n".join(lines)


