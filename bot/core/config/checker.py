"""Validation of one file, and what it produces: :class:`Config` (the effective configuration) and
:class:`ConfigResult`. :func:`run` walks the schema (then the cross-key checks) over a located tree;
:func:`finish` sorts, caps and builds the result; :func:`validate` is both on one text."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.config.build import FIELD_NAMES, build, to_plain
from bot.core.config.cross import cross_checks
from bot.core.config.model import (
    CONFIG_PATH,
    MAX_ISSUES,
    BountiesConfig,
    CommandsConfig,
    FundingGoal,
    Issue,
    IssuesConfig,
    Link,
    ReadmeConfig,
    ReleasesConfig,
)
from bot.core.config.read import parse
from bot.core.config.report import BAD, Context, brief, describe, format_issues, more_issues
from bot.core.config.schema import SCHEMA, schema_paths
from bot.core.config.shapes import ListOf, Section
from bot.core.yaml_tree import Node, from_python, to_python


@dataclass(frozen=True)
class Config:
    """The effective configuration. Frozen; ``funding`` and ``bounties.labels`` are dicts (do not
    mutate them). ``funding`` holds only usable values, as :func:`bot.core.funding.normalise` returns
    them; ``{}`` means fundbot does not manage FUNDING.yml."""

    extends: str | None
    funding: dict[str, str | list[str]]
    funding_file: str
    links: tuple[Link, ...]
    issues: IssuesConfig
    releases: ReleasesConfig
    bounties: BountiesConfig
    commands: CommandsConfig
    funding_goal: FundingGoal
    readme: ReadmeConfig

    @classmethod
    def defaults(cls) -> Config:
        return build(SCHEMA, SCHEMA.default_value(), Config)  # fresh: a caller mutating a dict changes no other

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, keyed like the YAML file (amounts as strings such as ``"500.00"``)."""
        return to_plain(SCHEMA, self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Config:
        """Rebuild from :meth:`to_dict` output (or any mapping shaped like the YAML file; missing keys
        take their defaults). Raises ``ValueError`` listing the errors if it is not valid."""
        result = _validate_tree(from_python(dict(data), "<dict>"), "<dict>")
        if result.config is None:
            raise ValueError("invalid configuration:\n" + format_issues(result.errors))
        return result.config


@dataclass
class ConfigResult:
    config: Config | None  # None when there are errors
    errors: list[Issue]
    warnings: list[Issue]
    raw: dict[str, Any]  # the parsed (for a chain: merged) mapping, plain dicts and lists
    sources: list[str] = field(default_factory=list)  # files read, the validated one first

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def issues(self) -> list[Issue]:
        return [*self.errors, *self.warnings]


def run(tree: Node | None, cx: Context) -> Any:
    """Walk the schema over a tree; returns the clean dict (with BAD inside on errors) or BAD."""
    cx.paths = schema_paths()
    if tree is None or tree.is_null:
        clean = SCHEMA.default_value()
    elif tree.kind != "map":
        hint = ""
        if tree.tag == "str" and re.match(r"\s*[A-Za-z_]+:\S", tree.value):
            hint = " (a key needs a space after its colon: `funding_file: commit`, not `funding_file:commit`)"
        cx.add("error", tree, None, "not-a-mapping", SCHEMA.what, brief(tree),
               f"A fundbot configuration must be a mapping of keys such as `bounties:` and `readme:`, but "
               f"this document is {describe(tree)}{hint}.")
        return BAD
    else:
        clean = SCHEMA.check(tree, cx, ())
    if cx.cross and isinstance(clean, dict):
        cross_checks(clean, cx)
    return clean


def finish(clean: Any, cx: Context, raw: dict[str, Any], order: list[str], sources: list[str],
            shown: Callable[[Issue], Issue] | None = None) -> ConfigResult:
    """The result of a run: issues deduplicated, sorted, capped at ``MAX_ISSUES`` (errors first, then one
    issue counting the rest) and passed through ``shown`` (what may be quoted of them)."""
    rank = {p: i for i, p in enumerate(order)}
    unique = list(dict.fromkeys(cx.issues))
    unique.sort(key=lambda i: (rank.get(i.path, len(rank)), i.line, i.column, i.code))
    errors = [i for i in unique if i.severity == "error"]
    warns = [i for i in unique if i.severity == "warning"]
    listed = {(i.path, i.line, i.column, i.code) for i in unique}  # a dropped repeat of a kept issue is no more
    more_errors = len(cx.dropped["error"] - listed) + max(0, len(errors) - MAX_ISSUES)
    errors = errors[:MAX_ISSUES]
    more_warnings = len(cx.dropped["warning"] - listed) + max(0, len(warns) - (MAX_ISSUES - len(errors)))
    warns = warns[: MAX_ISSUES - len(errors)]
    if shown is not None:
        errors, warns = [shown(i) for i in errors], [shown(i) for i in warns]
    if more_errors or more_warnings:
        more = more_issues(order[0] if order else cx.default_file, more_errors, more_warnings)
        (errors if more_errors else warns).append(more)
    config = None
    if not errors and isinstance(clean, dict):
        try:
            config = build(SCHEMA, clean, Config)
        except Exception as exc:  # noqa: BLE001 - should not happen; report rather than raise
            errors.append(
                Issue(order[0] if order else "", 0, 0, None, "", "", f"Internal error: {exc!r}", "error", "internal-error")
            )
    return ConfigResult(config, errors, warns, raw, sources)


def _validate_tree(tree: Node | None, path: str) -> ConfigResult:
    cx = Context(cross=True)
    cx.default_file = path
    clean = run(tree, cx)
    raw = to_python(tree) if tree is not None and tree.kind == "map" else {}
    return finish(clean, cx, raw, [path], [path])


def validate(text: str | bytes, *, path: str = CONFIG_PATH) -> ConfigResult:
    """Validate one ``.github/fundbot.yml`` text. Never raises."""
    try:
        tree, issues, _source = parse(text, path)
        if any(i.severity == "error" for i in issues):
            return ConfigResult(None, [i for i in issues if i.severity == "error"],
                                [i for i in issues if i.severity == "warning"], {}, [path])
        result = _validate_tree(tree, path)
        more = [i for i in result.warnings if i.code == "too-many-issues"]  # stays last
        rest = [i for i in result.warnings if i.code != "too-many-issues"]
        result.warnings = sorted([*issues, *rest], key=lambda i: (i.line, i.column, i.code)) + more
        return result
    except Exception as exc:  # noqa: BLE001 - never raise on any input
        return ConfigResult(
            None,
            [Issue(path, 0, 0, None, "", "", f"Internal error while checking: {exc!r}", "error", "internal-error")],
            [],
            {},
            [path],
        )


def _schema_drift() -> list[str]:
    """Differences between the schema's keys and the dataclass fields (must be empty)."""
    problems: list[str] = []

    def walk(section: Section, where: str, cls: type | None = None) -> None:
        cls = cls or section.cls
        if cls is None:
            problems.append(f"{where or 'top'}: no dataclass")
            return
        fields = [f.name for f in dataclasses.fields(cls)]
        keys = [FIELD_NAMES.get(k, k) for k in section.keys]
        if fields != keys:
            problems.append(f"{where or 'top'}: fields {fields} != keys {keys}")
        for name, key in section.keys.items():
            inner = key.type.item if isinstance(key.type, ListOf) else key.type
            if isinstance(inner, Section):
                walk(inner, f"{where}.{name}" if where else name)

    walk(SCHEMA, "", Config)
    return problems
