"""The pure core of ``.github/fundbot.yml``: one schema, and everything derived from it.

Nothing here touches files, the network or the clock. The shell (fetching files from GitHub, check
runs, the onboarding pull request) is built on this API:

* :func:`validate` - text (or bytes) of one file -> :class:`ConfigResult` (config or errors, warnings,
  each with file, line, column, dotted key, expected, found, message, code). Never raises.
* :func:`resolve_chain` / :func:`resolve_chain_async` - follow ``_extends`` with a loader the shell
  supplies, validate every file with its own path, deep-merge, validate the merged result.
* :func:`merge`, :func:`parse_extends` - the pure parts of inheritance.
* :class:`Config` - the effective configuration (frozen dataclasses), :meth:`Config.defaults`,
  :meth:`Config.to_dict` / :meth:`Config.from_dict` (JSON, for caching the last valid config).
* :func:`onboarding_template`, :func:`reference_markdown`, :func:`summary`, :func:`format_issues`.

One schema
----------
``SCHEMA`` below declares every key once: its type, default, constraints and a one-line description.
The validator walks it, the defaults are the schema's defaults run through the validator, the
onboarding template and the README reference table are rendered from it, and :class:`Config` is
built from it (a test checks that the dataclass fields and the schema keys are the same set).

How a file is read
------------------
The text is *composed* with ruamel (round-trip mode, YAML 1.2), not constructed: composing keeps the
position, quoting style and source text of every scalar and keeps duplicate keys (a round-trip load
would raise on them). ``funding:`` is handed, as the composed node plus the whole file text, to
:func:`bot.core.funding.check_mapping` - exactly what ``check-funding`` does with a FUNDING.yml - so the
verdicts and codes are the same; its problems become issues with the key prefix ``funding.``.

Decisions (where the SPEC is silent)
------------------------------------
* A key with no value (``issues:`` with every child commented out, ``_extends:``) means "not set":
  a section falls back to its defaults silently, a plain key with a warning (``empty-value``).
  In a merge, a null in the extending file does not hide the inherited value.
* ``funding:`` absent, empty or null means "fundbot does not manage FUNDING.yml": ``Config.funding``
  is ``{}``.
* Unknown keys are warnings (ignored), with "did you mean" (difflib, or the key's real place when it
  is misplaced, e.g. a top-level ``deadline_days``).
* ``"true"``, ``"no"``, ``yes``, ``off`` ... (text) where a boolean goes is read as the boolean, with
  a warning (``bool-as-string``); ``false`` where ``pull_request|commit|off`` goes is read as ``off``
  with a warning (YAML 1.1 readers turn an unquoted ``off`` into ``false``).
* Amounts: a number or a string ``parse_amount`` accepts (``"$500"``, ``"2k"``, ``"1,250.50"``); a
  currency written in an amount must be ``bounties.currency``. ``funding_goal.amount`` and
  ``readme.tiers[].min`` may be 0; every other amount must be positive.
* ``bounties.rewards`` are kept lowest first and ``readme.tiers`` highest first: a list in another
  order is a warning and the effective config is sorted. Two tiers with the same name or ``min`` are
  an error; a sponsor's ``tier`` must name a tier.
* A bounty goal above ``max_amount`` is an error (``/bounty`` could not set it); below ``min_pledge`` a
  warning. The bounty labels (``label``, ``funded_label``, ``delivered_label``, ``labels``) must be
  distinct, case-insensitively, as GitHub's label names are.
* ``who_can_manage`` containing ``read`` is a warning: on a public repository everybody has read.
* ``issues.message`` placeholders are replaced literally; other ``{...}`` text is kept as written
  and a name-like one (``{autor}``) is a warning with "did you mean".
* Cross-key checks (the last four points) run on the effective (merged) configuration only, so a
  base file is not blamed for a combination its extender changes; an issue about a key whose value
  came from a file names that file and position. ``resolve_chain`` follows ``_extends`` past files
  with errors (so one check run lists them all) and stops at a file it cannot read.
* ``_extends: REPO`` is relative to the owner of the file that holds it. A chain may follow at most
  ``max_depth`` (5) ``_extends``; the sixth is an error and is not fetched. ``Config.extends`` is the
  file's own ``_extends`` after :func:`validate`, and None after a resolved chain (merging removes it;
  ``ConfigResult.sources`` lists the files).
* Limits: 256 KB per file (not parsed beyond), 64 levels of ``[``/``{`` nesting and 100 levels of
  any nesting (refused before the YAML reader recurses), 200,000 nodes. Aliases are not expanded.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import functools
import json
import re
import warnings
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from bot.core import disclosure as _disclosure
from bot.core import funding as _funding
from bot.core import markdown as _md
from bot.core import paths as _paths
from bot.core import text as _text
from bot.core.commands import AmountError, is_valid_login, parse_amount

__all__ = [
    "CONFIG_PATH",
    "MAX_BYTES",
    "MAX_EXTENDS_DEPTH",
    "SCHEMA",
    "BountiesConfig",
    "Config",
    "ConfigResult",
    "ExtendsTarget",
    "Fetched",
    "FundingGoal",
    "Issue",
    "IssuesConfig",
    "Link",
    "ReadmeConfig",
    "ReleasesConfig",
    "Reward",
    "Sponsor",
    "Tier",
    "format_issues",
    "merge",
    "onboarding_template",
    "parse_extends",
    "reference_markdown",
    "resolve_chain",
    "resolve_chain_async",
    "summary",
    "validate",
]

CONFIG_PATH = ".github/fundbot.yml"
MAX_BYTES = 256 * 1024
MAX_EXTENDS_DEPTH = 5
_MAX_NODES = 200_000  # composed nodes in one file (aliases are not expanded, so this is text-bound)
_MAX_DEPTH = 100  # nesting levels kept (a fundbot.yml needs 4); deeper is refused, not recursed into
MAX_KEYS = 200  # keys in one mapping (the largest a fundbot.yml needs is ~20); more is refused unread
MAX_ISSUES = 100  # errors + warnings reported per validation; the rest are counted in one more issue
Fetched = _disclosure.Fetched

try:  # the ISO 4217 list of the command parser, so /pledge and the config agree
    from bot.core.commands import _ISO4217 as _CURRENCIES  # noqa: PLC2701
except ImportError:  # pragma: no cover
    _CURRENCIES = frozenset()


# ==================================================================================================
# Public value types


@dataclass(frozen=True)
class Issue:
    """One problem in a configuration file. ``line``/``column`` are 1-based; 0 when unknown."""

    path: str
    line: int
    column: int
    key: str | None
    expected: str
    found: str
    message: str
    severity: Literal["error", "warning"]
    code: str


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class IssuesConfig:
    comment: bool
    labels: tuple[str, ...]
    skip_authors: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class ReleasesConfig:
    footer: bool
    thank_backers: bool
    drafts: bool
    prereleases: bool


@dataclass(frozen=True)
class Reward:
    min: Decimal
    reward: str


@dataclass(frozen=True)
class BountiesConfig:
    enabled: bool
    label: str
    labels: dict[str, Decimal]
    currency: str
    deadline_days: int
    min_pledge: Decimal
    max_amount: Decimal
    who_can_manage: tuple[str, ...]
    rewards: tuple[Reward, ...]  # lowest ``min`` first
    funded_label: str
    delivered_label: str


@dataclass(frozen=True)
class FundingGoal:
    title: str
    amount: Decimal  # 0 = no project-wide goal


@dataclass(frozen=True)
class Sponsor:
    name: str
    url: str | None
    avatar: str | None
    tier: str | None


@dataclass(frozen=True)
class Tier:
    name: str
    min: Decimal


@dataclass(frozen=True)
class ReadmeConfig:
    path: str
    update: str
    sources: tuple[str, ...]
    sponsors: tuple[Sponsor, ...]
    tiers: tuple[Tier, ...]  # highest ``min`` first
    debounce_seconds: int


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
    funding_goal: FundingGoal
    readme: ReadmeConfig

    @classmethod
    def defaults(cls) -> Config:
        return _defaults_config()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, keyed like the YAML file (amounts as strings such as ``"500.00"``)."""
        return _to_plain(SCHEMA, self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Config:
        """Rebuild from :meth:`to_dict` output (or any mapping shaped like the YAML file; missing keys
        take their defaults). Raises ``ValueError`` listing the errors if it is not valid."""
        result = _validate_tree(_from_python(dict(data), "<dict>"), "<dict>", source=None)
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


@dataclass(frozen=True)
class ExtendsTarget:
    owner: str
    repo: str
    path: str = CONFIG_PATH

    def __str__(self) -> str:
        return f"{self.owner}/{self.repo}:{self.path}"

    def same_as(self, other: ExtendsTarget) -> bool:
        """GitHub owner and repository names are case-insensitive; paths are not."""
        return (self.owner.lower(), self.repo.lower(), self.path) == (
            other.owner.lower(),
            other.repo.lower(),
            other.path,
        )


# ==================================================================================================
# The located tree: composed YAML (or plain Python values) with file, line and column on every node


@dataclass(eq=False)
class _N:
    kind: str  # "map" | "seq" | "scalar"
    tag: str  # scalars: str, int, float, bool, null, timestamp, other; "map" / "seq" otherwise
    value: Any  # map: list[_E]; seq: list[_N]; scalar: the Python value
    text: str = ""  # scalar source text
    plain: bool = True  # scalar written unquoted and untagged
    line: int = 0  # 1-based, 0 = unknown
    col: int = 0
    file: str = ""
    src: Any = None  # the composed ruamel node, when there is one
    source: str | None = None  # the text of the file it was composed from


@dataclass(eq=False)
class _E:
    key: _N
    value: _N
    merged: bool = False  # brought in by a ``<<`` merge key (explicit keys win silently)


_TAGS = _text.YAML_TAG_KINDS


class _TooBig(Exception):
    pass


class _TooManyKeys(Exception):
    def __init__(self, line: int, col: int, count: int) -> None:
        super().__init__(count)
        self.line, self.col, self.count = line, col, count


class _Builder:
    """Composed ruamel nodes -> ``_N``; aliases share one ``_N`` (memo), merge keys are flattened."""

    def __init__(self, file: str, source: str) -> None:
        from ruamel.yaml import YAML

        self.file = file
        self.source = source
        self.memo: dict[int, _N] = {}
        self.count = 0
        self.constructor = YAML(typ="safe", pure=True).constructor

    def build(self, node: Any, depth: int = 0) -> _N:
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

        done = self.memo.get(id(node))
        if done is not None:
            return done
        self.count += 1
        if self.count > _MAX_NODES or depth > _MAX_DEPTH:
            raise _TooBig
        mark = getattr(node, "start_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        common = {"line": line, "col": col, "file": self.file, "src": node, "source": self.source}
        if isinstance(node, ScalarNode):
            out = self._scalar(node, common)
            self.memo[id(node)] = out
            return out
        if isinstance(node, SequenceNode):
            out = _N("seq", "seq", [], **common)
            self.memo[id(node)] = out
            out.value = [self.build(n, depth + 1) for n in node.value]
            return out
        if isinstance(node, MappingNode):
            if len(node.value) > MAX_KEYS:  # refused before any key is checked: bounded time and output
                raise _TooManyKeys(line, col, len(node.value))
            out = _N("map", "map", [], **common)
            self.memo[id(node)] = out
            entries: list[_E] = []
            merges: list[_E] = []
            for k, v in node.value:
                if str(k.tag) == "tag:yaml.org,2002:merge":
                    merges.extend(self._merge_entries(v, depth + 1))
                    continue
                entries.append(_E(self.build(k, depth + 1), self.build(v, depth + 1)))
            if merges:
                explicit = {_key_text(e.key) for e in entries}
                inherited: dict[str, _E] = {}
                for e in merges:
                    name = _key_text(e.key)
                    if name not in explicit and name not in inherited:
                        inherited[name] = e
                entries = list(inherited.values()) + entries
            out.value = entries
            return out
        return _N("scalar", "other", repr(node), repr(node), False, **common)

    def _merge_entries(self, v: Any, depth: int) -> list[_E]:
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        maps = [v] if isinstance(v, MappingNode) else list(v.value) if isinstance(v, SequenceNode) else []
        out: list[_E] = []
        for m in maps:  # earlier maps win, as in YAML's merge key
            built = self.build(m, depth)
            if built.kind == "map":
                out.extend(_E(e.key, e.value, True) for e in built.value)
        return out

    def _scalar(self, node: Any, common: dict[str, Any]) -> _N:
        tag = _TAGS.get(str(node.tag), "other")
        text = str(node.value)
        plain = node.style is None
        if plain and common["source"] is not None and node.start_mark is not None:
            plain = not _text.explicit_tag(self.source, node.start_mark.index)
        value: Any = text
        if tag in ("int", "float", "bool"):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    value = self.constructor.construct_object(node, deep=True)
            except Exception:  # noqa: BLE001 - e.g. an int too long to convert
                tag, value = "other", text
            if tag == "bool":
                value = bool(value)
            elif tag == "int" and not isinstance(value, int):
                tag, value = "other", text
            elif tag == "float" and not isinstance(value, float):
                tag, value = "other", text
        elif tag == "null":
            value = None
        return _N("scalar", tag, value, text, plain, **common)


def _key_text(n: _N) -> str:
    if n.kind != "scalar":
        return "[" + n.kind + "]"
    if n.tag == "str":
        return n.value
    return n.text if n.text else str(n.value)


def _from_python(obj: Any, file: str, depth: int = 0) -> _N:
    """Plain Python values -> ``_N`` (no positions)."""
    if depth > 50:
        return _N("scalar", "other", "…", "…", False, file=file)
    if isinstance(obj, Mapping):
        entries = [
            _E(_from_python(k, file, depth + 1), _from_python(v, file, depth + 1)) for k, v in obj.items()
        ]
        return _N("map", "map", entries, file=file)
    if isinstance(obj, list | tuple):
        return _N("seq", "seq", [_from_python(v, file, depth + 1) for v in obj], file=file)
    if obj is None:
        return _N("scalar", "null", None, "", True, file=file)
    if isinstance(obj, bool):
        return _N("scalar", "bool", obj, "true" if obj else "false", True, file=file)
    if isinstance(obj, int):
        return _N("scalar", "int", obj, _safe_str(obj), True, file=file)
    if isinstance(obj, float | Decimal):
        return _N("scalar", "float", obj, _safe_str(obj), True, file=file)
    if isinstance(obj, str):
        return _N("scalar", "str", obj, obj, False, file=file)
    if isinstance(obj, _dt.date | _dt.time):
        return _N("scalar", "timestamp", obj.isoformat(), obj.isoformat(), True, file=file)
    return _N("scalar", "other", _safe_str(obj), _safe_str(obj), False, file=file)


def _safe_str(obj: Any) -> str:
    try:
        return str(obj)
    except Exception:  # noqa: BLE001 - e.g. an int with more digits than str() allows
        return f"<{type(obj).__name__}>"


def _to_python(n: _N, memo: dict[int, Any] | None = None) -> Any:
    """``_N`` -> plain dicts / lists / scalars (last duplicate key wins; aliases stay shared)."""
    memo = {} if memo is None else memo
    if id(n) in memo:
        return memo[id(n)]
    if n.kind == "map":
        out: dict[Any, Any] = {}
        memo[id(n)] = out
        for e in n.value:
            k = e.key.value if e.key.kind == "scalar" and e.key.tag != "other" else _key_text(e.key)
            try:
                hash(k)
            except TypeError:
                k = _key_text(e.key)
            out[k] = _to_python(e.value, memo)
        return out
    if n.kind == "seq":
        items: list[Any] = []
        memo[id(n)] = items
        items.extend(_to_python(v, memo) for v in n.value)
        return items
    return n.value


# ==================================================================================================
# Schema


_BAD = object()  # a value that failed validation


def _kp(parts: Iterable[str | int]) -> str:
    """Dotted key path: ``bounties.labels."bounty: M"``, ``links[0].url``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            seg = p if re.fullmatch(r"[A-Za-z0-9_-]+", p) else json.dumps(p, ensure_ascii=False)
            out += ("." if out else "") + seg
    return out


def _short(text: Any, limit: int = 60) -> str:
    s = _safe_str(text).replace("\n", "\\n").replace("\r", "\\r").replace("`", "'")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _found(n: _N) -> str:
    if n.kind == "map":
        return "a mapping"
    if n.kind == "seq":
        return "a list"
    if n.tag == "str":
        return f"the text `{_short(n.value)}`" if n.value else "an empty text"
    if n.tag == "bool":
        return f"the boolean `{(n.text or str(n.value)).lower()}`"
    if n.tag in ("int", "float"):
        return f"the number `{_short(n.text or n.value)}`"
    if n.tag == "null":
        return "no value"
    if n.tag == "timestamp":
        return f"the date `{_short(n.text)}`"
    return f"`{_short(n.text)}` (a tagged value)"


def _found_short(n: _N) -> str:
    if n.kind != "scalar":
        return n.kind == "map" and "mapping" or "list"
    return _short(n.text if n.text or n.tag != "str" else n.value) if n.tag != "null" else "null"


class _Cx:
    """Validation context of one run: collected issues and the node of every key path.

    At most ``MAX_ISSUES`` errors and as many warnings are kept (the first ones found); the others are only
    counted, so a file with thousands of problems costs bounded memory and output."""

    def __init__(self, *, cross: bool, report_funding: bool = True) -> None:
        self.issues: list[Issue] = []
        self.seen: set[Issue] = set()
        self.kept = {"error": 0, "warning": 0}
        # issues past the cap, by position and rule (a re-check of a merged chain finds them again)
        self.dropped: dict[str, set[tuple[str, int, int, str]]] = {"error": set(), "warning": set()}
        self.nodes: dict[tuple[str | int, ...], _N] = {}
        self.cross = cross
        self.report_funding = report_funding
        self.currencies: list[tuple[tuple[str | int, ...], _N, str]] = []
        self.default_file = ""  # the file named by issues that have no node (a default value)

    def add(
        self,
        severity: Literal["error", "warning"],
        node: _N | None,
        key: tuple[str | int, ...] | str | None,
        code: str,
        expected: str,
        found: str,
        message: str,
    ) -> None:
        if self.saturated(severity):
            self.drop(severity, node, code)
            return
        keytext = key if isinstance(key, str) or key is None else (_kp(key) or None)
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

    def drop(self, severity: str, node: _N | None, code: str) -> None:
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

    def inherit(self, other: _Cx) -> None:
        """Start from the issues (and counts) of another run."""
        for issue in other.issues:
            self.push(issue)
        for severity, where in other.dropped.items():
            self.dropped[severity] |= where


def _name(kp: tuple[str | int, ...]) -> str:
    return f"`{_kp(kp)}`" if kp else "the file"


class _Type:
    """A value type of the schema."""

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        raise NotImplementedError

    def doc(self) -> str:
        raise NotImplementedError

    def expected(self) -> str:
        return self.doc()

    def wrong(self, n: _N, cx: _Cx, kp: tuple[str | int, ...], hint: str = "") -> Any:
        cx.add(
            "error",
            n,
            kp,
            "wrong-type",
            self.expected(),
            _found_short(n),
            f"{_name(kp)} must be {self.expected()}, but is {_found(n)}{hint}.",
        )
        return _BAD


_BOOL_WORDS = {"true": True, "yes": True, "on": True, "y": True, "false": False, "no": False, "off": False, "n": False}


class _Bool(_Type):
    def doc(self) -> str:
        return "boolean"

    def expected(self) -> str:
        return "`true` or `false`"

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind == "scalar" and n.tag == "bool":
            return bool(n.value)
        if n.kind == "scalar" and n.tag == "str" and n.value.strip().lower() in _BOOL_WORDS:
            value = _BOOL_WORDS[n.value.strip().lower()]
            word = "true" if value else "false"
            cx.add(
                "warning",
                n,
                kp,
                "bool-as-string",
                self.expected(),
                _found_short(n),
                f"{_name(kp)} is {_found(n)}, which fundbot reads as `{word}`; write `{word}` "
                f"without quotes.",
            )
            return value
        return self.wrong(n, cx, kp)


class _Int(_Type):
    def __init__(self, lo: int, hi: int, unit: str = "") -> None:
        self.lo, self.hi, self.unit = lo, hi, unit

    def doc(self) -> str:
        return f"integer, {self.lo}–{self.hi}"

    def expected(self) -> str:
        return f"a whole number from {self.lo} to {self.hi}{' ' + self.unit if self.unit else ''}"

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind == "scalar" and n.tag == "int" and isinstance(n.value, int) and not isinstance(n.value, bool):
            if not self.lo <= n.value <= self.hi:
                cx.add(
                    "error",
                    n,
                    kp,
                    "out-of-range",
                    self.expected(),
                    _found_short(n),
                    f"{_name(kp)} must be {self.expected()}, but is {_short(n.value)}.",
                )
                return _BAD
            return n.value
        hint = ""
        if n.kind == "scalar" and n.tag == "str" and re.fullmatch(r"\s*\d{1,9}\s*", n.value):
            hint = f"; write `{n.value.strip()}` without quotes"
        return self.wrong(n, cx, kp, hint)


class _Amount(_Type):
    def __init__(self, *, zero: bool = False) -> None:
        self.zero = zero

    def doc(self) -> str:
        return "amount, ≥ 0" if self.zero else "amount, > 0"

    def expected(self) -> str:
        what = "zero or a positive amount" if self.zero else "a positive amount"
        return f"{what} such as 500, \"$500\" or \"2k\""

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind != "scalar" or n.tag not in ("int", "float", "str"):
            return self.wrong(n, cx, kp)
        text = n.value.strip() if n.tag == "str" else _safe_str(n.value)
        if n.tag == "float" and isinstance(n.value, float) and n.value.is_integer() and abs(n.value) < 1e15:
            text = str(int(n.value))
        if self.zero and re.fullmatch(r"[$€£]?\s*0+(?:\.0*)?\s*(?:[A-Za-z]{3})?", text):
            return Decimal("0.00")
        parsed = parse_amount(text)
        if isinstance(parsed, AmountError):
            cx.add(
                "error",
                n,
                kp,
                "bad-amount",
                self.expected(),
                _found_short(n),
                f"{_name(kp)} must be {self.expected()}: {parsed.reason}",
            )
            return _BAD
        if parsed.currency is not None:
            cx.currencies.append((kp, n, parsed.currency))
        return parsed.value


class _Enum(_Type):
    def __init__(self, values: tuple[str, ...], *, false_means: str | None = None) -> None:
        self.values, self.false_means = values, false_means

    def doc(self) -> str:
        return " \\| ".join(f"`{v}`" for v in self.values)

    def expected(self) -> str:
        return "one of " + ", ".join(f"`{v}`" for v in self.values)

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind == "scalar" and n.tag == "bool" and n.value is False and self.false_means:
            cx.add(
                "warning",
                n,
                kp,
                "bool-as-string",
                self.expected(),
                _found_short(n),
                f"{_name(kp)} is the boolean `false`, which fundbot reads as `{self.false_means}`; "
                f"write `{self.false_means}`.",
            )
            return self.false_means
        if n.kind != "scalar" or n.tag != "str":
            return self.wrong(n, cx, kp)
        if n.value in self.values:
            return n.value
        close = difflib.get_close_matches(n.value.strip().lower(), self.values, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else "."
        cx.add(
            "error",
            n,
            kp,
            "bad-enum",
            self.expected(),
            _found_short(n),
            f"{_name(kp)} must be {self.expected()}, but is `{_short(n.value)}`{hint}",
        )
        return _BAD


_LOGIN_BOT_RE = re.compile(r"(.+)\[bot\]")
_PLACEHOLDER_RE = re.compile(r"\{([^{}\s]{0,40})\}")
PLACEHOLDERS = ("author", "links", "repo")


class _Str(_Type):
    """Text, with a ``kind`` for the special ones: label, login, path, currency, template."""

    def __init__(self, lo: int = 0, hi: int = 200, kind: str = "text") -> None:
        self.lo, self.hi, self.kind = lo, hi, kind

    def doc(self) -> str:
        return {
            "label": f"label name (≤ {self.hi} chars)",
            "login": "GitHub login",
            "path": "file path in the repository",
            "currency": "ISO 4217 code",
            "template": "text with placeholders",
        }.get(self.kind, f"text (≤ {self.hi} chars)")

    def expected(self) -> str:
        return {
            "label": f"a label name of 1 to {self.hi} characters",
            "login": "a GitHub login (letters, digits and single hyphens, up to 39 characters)",
            "path": "a relative file path such as `README.md` or `docs/README.md`, outside `.github/`",
            "currency": "a three-letter ISO 4217 currency code such as USD or EUR",
            "template": f"a text of 1 to {self.hi} characters",
        }.get(self.kind, f"a text of {self.lo} to {self.hi} characters" if self.lo else f"a text of at most {self.hi} characters")

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind != "scalar" or n.tag != "str":
            hint = ""
            if n.kind == "scalar" and n.tag in ("int", "float", "bool", "timestamp") and n.text:
                hint = f"; quote it to make it text: `\"{_short(n.text)}\"`"
            return self.wrong(n, cx, kp, hint)
        value: str = n.value
        stripped = value.strip()

        def bad(code: str, why: str) -> Any:
            cx.add("error", n, kp, code, self.expected(), _found_short(n), f"{_name(kp)} must be {self.expected()}, but {why}.")
            return _BAD

        if len(stripped) < self.lo:
            return bad("empty-value", "it is empty")
        if len(value) > self.hi:
            return bad("too-long", f"it has {len(value)} characters")
        allowed = "\n\r\t" if self.kind == "template" else ""
        if any((ord(c) < 32 and c not in allowed) or c == "\x7f" for c in value):
            return bad("bad-text", "it contains control characters")
        if self.kind == "label":
            if stripped != value:
                return bad("bad-label", f"`{_short(value)}` starts or ends with spaces (GitHub trims them)")
        elif self.kind == "login":
            m = _LOGIN_BOT_RE.fullmatch(value)
            if not is_valid_login(m.group(1) if m else value):
                return bad("bad-login", f"`{_short(value)}` is not one")
        elif self.kind == "path":
            refused = _paths.readme_problem(value)
            if refused is not None:
                return bad(refused.code, f"`{_short(value)}` is refused: {refused.why}")
        elif self.kind == "currency":
            up = value.strip().upper()
            if not re.fullmatch(r"[A-Z]{3}", up) or (_CURRENCIES and up not in _CURRENCIES):
                return bad("bad-currency", f"`{_short(value)}` is not one")
            return up
        elif self.kind == "template":
            self._placeholders(n, value, cx, kp)
        return value

    def _placeholders(self, n: _N, value: str, cx: _Cx, kp: tuple[str | int, ...]) -> None:
        for m in _PLACEHOLDER_RE.finditer(value):
            name = m.group(1)
            if name in PLACEHOLDERS or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
                continue
            close = difflib.get_close_matches(name.lower(), PLACEHOLDERS, n=1, cutoff=0.6)
            hint = f" Did you mean `{{{close[0]}}}`?" if close else ""
            allowed = ", ".join(f"`{{{p}}}`" for p in PLACEHOLDERS)
            cx.add(
                "warning",
                n,
                kp,
                "unknown-placeholder",
                f"placeholders {allowed}",
                "{" + name + "}",
                f"{_name(kp)} uses the unknown placeholder `{{{_short(name, 40)}}}`, which is kept as "
                f"written; the placeholders are {allowed}.{hint}",
            )


class _Url(_Type):
    def doc(self) -> str:
        return "https:// URL"

    def expected(self) -> str:
        return "an https:// link"

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind != "scalar" or n.tag != "str":
            return self.wrong(n, cx, kp)
        value = n.value.strip()
        if _md.url(value) is not None and len(value) <= 2000 and "." in (_hostname(value) or ""):
            return value
        if value.lower().startswith("http://"):
            code, why = "not-https", f"`{_short(value)}` uses http://; write `https://{_short(value[7:])}`"
        elif "://" not in value and re.fullmatch(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:/\S*)?", value):
            code, why = "not-https", f"`{_short(value)}` has no scheme; write `https://{_short(value)}`"
        else:
            code, why = "bad-url", f"`{_short(value)}` is not one"
        cx.add("error", n, kp, code, self.expected(), _found_short(n), f"{_name(kp)} must be {self.expected()}, but {why}.")
        return _BAD


def _hostname(value: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(value).hostname
    except ValueError:
        return None


class _List(_Type):
    def __init__(self, item: _Type, *, max_items: int, min_items: int = 0, unique: bool = False, what: str = "") -> None:
        self.item, self.max_items, self.min_items, self.unique, self.what = item, max_items, min_items, unique, what

    def doc(self) -> str:
        inner = self.what or self.item.doc()
        return f"list of {inner} (at most {self.max_items})"

    def expected(self) -> str:
        return f"a list of {self.what or self.item.doc()}, e.g. `[a, b]`"

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind != "seq":
            hint = ""
            if n.kind == "scalar" and n.tag == "str" and isinstance(self.item, _Str | _Enum):
                hint = f"; write a list: `[{_short(n.value)}]`"
            return self.wrong(n, cx, kp, hint)
        if len(n.value) > self.max_items:
            cx.add(
                "error",
                n.value[self.max_items],
                kp,
                "too-many",
                f"at most {self.max_items} entries",
                str(len(n.value)),
                f"{_name(kp)} has {len(n.value)} entries; at most {self.max_items} are allowed - remove "
                f"{len(n.value) - self.max_items}.",
            )
            return _BAD
        if len(n.value) < self.min_items:
            cx.add(
                "error",
                n,
                kp,
                "too-few",
                f"at least {self.min_items} entries",
                str(len(n.value)),
                f"{_name(kp)} needs at least {self.min_items} entr{'y' if self.min_items == 1 else 'ies'}, "
                f"but is empty.",
            )
            return _BAD
        out: list[Any] = []
        seen: set[str] = set()
        bad = False
        for i, item in enumerate(n.value):
            ikp = (*kp, i)
            cx.nodes[ikp] = item
            v = self.item.check(item, cx, ikp)
            if _has_bad(v):
                bad = True
                continue
            if self.unique:
                norm = str(v).lower()
                if norm in seen:
                    cx.add(
                        "warning",
                        item,
                        ikp,
                        "duplicate-value",
                        "each entry once",
                        _found_short(item),
                        f"`{_short(v)}` is listed twice in {_name(kp)}; remove the second one.",
                    )
                    continue
                seen.add(norm)
            out.append(v)
        return _BAD if bad else out


class _LabelGoals(_Type):
    """bounties.labels: label name -> amount."""

    def __init__(self, max_items: int) -> None:
        self.key = _Str(1, 50, "label")
        self.value = _Amount()
        self.max_items = max_items

    def doc(self) -> str:
        return f"mapping label name → amount (at most {self.max_items})"

    def expected(self) -> str:
        return 'a mapping of label names to amounts, e.g. `{"bounty: S": 100}`'

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind != "map":
            return self.wrong(n, cx, kp)
        entries = _dedupe_entries(n, cx, kp)
        if len(entries) > self.max_items:
            extra = list(entries.values())[self.max_items]
            cx.add(
                "error",
                extra.key,
                kp,
                "too-many",
                f"at most {self.max_items} labels",
                str(len(entries)),
                f"{_name(kp)} has {len(entries)} labels; at most {self.max_items} are allowed - remove "
                f"{len(entries) - self.max_items}.",
            )
            return _BAD
        out: dict[str, Decimal] = {}  # the valid entries (errors are in ``cx``)
        for name, e in entries.items():
            ikp = (*kp, name)
            cx.nodes[ikp] = e.value
            k = self.key.check(e.key, cx, ikp)
            v = self.value.check(e.value, cx, ikp) if e.value.tag != "null" else self.value.wrong(e.value, cx, ikp)
            if k is not _BAD and v is not _BAD:
                out[k] = v
        return out


def _has_bad(value: Any) -> bool:
    if value is _BAD:
        return True
    if isinstance(value, dict):
        return any(_has_bad(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_bad(v) for v in value)
    return False


def _dedupe_entries(n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> dict[str, _E]:
    """Entries of a mapping by key text (last wins), reporting duplicate keys."""
    out: dict[str, _E] = {}
    first: dict[str, _E] = {}
    for e in n.value:
        name = _key_text(e.key)
        if name in first and not e.merged and not first[name].merged:
            at = first[name].key.line
            cx.add(
                "error",
                e.key,
                (*kp, name),
                "duplicate-key",
                "each key once",
                _short(name),
                f"`{_short(name)}` appears twice in {_name(kp) if kp else 'the file'}"
                f"{f' (first on line {at})' if at else ''}; only one value can be kept - merge them into "
                f"one entry.",
            )
        first.setdefault(name, e)
        out.pop(name, None)
        out[name] = e
    return out


@dataclass(frozen=True)
class _Key:
    name: str
    type: _Type
    default: Any = None
    description: str = ""
    required: bool = False
    nullable: bool = False
    example: str | None = None  # for the reference table, when the default says little


class _Section(_Type):
    """A mapping with known keys (the file, its sections, and the entries of object lists)."""

    def __init__(self, keys: list[_Key], *, cls: type | None = None, what: str = "a mapping") -> None:
        self.keys = {k.name: k for k in keys}
        self.cls = cls
        self.what = what

    def doc(self) -> str:
        return "mapping"

    def expected(self) -> str:
        return self.what

    def default_value(self) -> dict[str, Any]:
        return {name: _default_of(k) for name, k in self.keys.items() if not k.required}

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind == "scalar" and n.tag == "null":
            if any(k.required for k in self.keys.values()):
                return self.wrong(n, cx, kp)
            return self.default_value()
        if n.kind != "map":
            return self.wrong(n, cx, kp)
        entries = _dedupe_entries(n, cx, kp)
        last = {id(e) for e in entries.values()}
        out: dict[str, Any] = {}
        for e in n.value:  # every occurrence of a duplicate key is checked; the last one is kept
            name = _key_text(e.key)
            key = self.keys.get(name)
            if key is None:
                if id(e) in last:
                    _unknown_key(self, e.key, name, cx, kp)
                continue
            ikp = (*kp, name)
            value = _value_node(e)
            v = _check_key(key, value, cx, ikp)
            if id(e) in last:
                cx.nodes[ikp] = value
                out[name] = v
        for name, key in self.keys.items():
            if name in out:
                continue
            if key.required:
                cx.add(
                    "error",
                    n,
                    (*kp, name),
                    "missing-key",
                    f"a `{name}` key",
                    "no such key",
                    f"{_name(kp)} needs a `{name}` ({key.type.expected()}).",
                )
                out[name] = _BAD
            else:
                out[name] = _default_of(key)
        # Partial values (with _BAD inside) feed the cross-key checks; whether the file is valid is
        # decided by the errors collected, not by this value.
        return out


def _value_node(e: _E) -> _N:
    """The value of an entry; an implicit null (``key:`` and nothing) is placed on its key, since
    its own mark is the next token's."""
    v = e.value
    if v.kind == "scalar" and v.tag == "null" and v.text == "" and v.src is not None and e.key.line:
        return dataclasses.replace(v, line=e.key.line, col=e.key.col)
    return v


def _check_key(key: _Key, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
    if n.kind == "scalar" and n.tag == "null" and not isinstance(key.type, _Section | _Funding):
        if key.nullable:
            return None
        if key.required:
            return key.type.wrong(n, cx, kp)
        default = key.default
        cx.add(
            "warning",
            n,
            kp,
            "empty-value",
            key.type.expected(),
            "null",
            f"{_name(kp)} has no value, so the default (`{_yaml(default)}`) or the inherited value "
            f"applies; give it {key.type.expected()} or delete the line.",
        )
        return _default_of(key)
    return key.type.check(n, cx, kp)


def _all_paths(section: _Section, prefix: tuple[str, ...] = ()) -> dict[str, list[tuple[str, ...]]]:
    """Leaf name -> every key path it has in the schema (for misplaced keys)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for name, key in section.keys.items():
        out.setdefault(name, []).append((*prefix, name))
        inner = key.type.item if isinstance(key.type, _List) else key.type
        if isinstance(inner, _Section):
            for k, v in _all_paths(inner, (*prefix, name)).items():
                out.setdefault(k, []).extend(v)
    return out


@functools.cache
def _schema_paths() -> dict[str, list[tuple[str, ...]]]:
    return _all_paths(SCHEMA)


@functools.cache
def known_keys() -> frozenset[str]:
    """Every dotted key path of the schema (``readme.sponsors.name``) and ``funding.KEY``: the key texts
    that are fundbot's own, never a file's."""
    names = {".".join(p) for paths in _schema_paths().values() for p in paths}
    return frozenset(names | {f"funding.{k}" for k in _funding.KEYS})


def _unknown_key(section: _Section, key_node: _N, name: str, cx: _Cx, kp: tuple[str | int, ...]) -> None:
    if cx.saturated("warning"):  # no suggestion is computed for a warning that will not be listed
        cx.drop("warning", key_node, "unknown-key")
        return
    known = list(section.keys)
    norm = re.sub(r"[-\s.]+", "_", name.strip().lower())
    suggestion = None
    if norm in section.keys and norm != name:
        suggestion = f"`{norm}`"
    else:
        close = difflib.get_close_matches(norm, known, n=1, cutoff=0.6)
        if close:
            suggestion = f"`{close[0]}`"
        elif not kp and norm in _funding.KEYS:
            suggestion = f"`funding: {{{norm}: ...}}` (FUNDING.yml keys go under `funding:`)"
        else:
            elsewhere = [p for p in _schema_paths().get(norm, []) if p[:-1] != tuple(x for x in kp if isinstance(x, str))]
            if elsewhere:
                suggestion = f"`{_kp(elsewhere[0])}` (it belongs under `{_kp(elsewhere[0][:-1]) or 'the top level'}`)"
    where = f"in {_name(kp)}" if kp else "at the top level"
    hint = f"; did you mean {suggestion}?" if suggestion else f"; the keys here are {', '.join(known)}."
    cx.add(
        "warning",
        key_node,
        (*kp, name),
        "unknown-key",
        "one of " + ", ".join(known),
        _short(name),
        f"Unknown key `{_short(name)}` {where} is ignored{hint}",
    )


class _Funding(_Type):
    def doc(self) -> str:
        return "FUNDING.yml mapping"

    def expected(self) -> str:
        return "FUNDING.yml keys such as `github: [octocat]`"

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind == "scalar" and n.tag == "null":
            return {}
        if n.kind == "map" and not n.value:
            return {}
        from ruamel.yaml.nodes import Node

        if isinstance(n.src, Node) and n.source is not None:
            target: Any = n.src
            problems = _funding.check_mapping(target, source=n.source)
            values = _funding.normalise(target, source=n.source)
        else:
            target = _to_python(n)
            problems = _funding.check_mapping(target)
            values = _funding.normalise(target)
        bad = False
        lines = n.source.splitlines() if n.source is not None else []
        for p in problems:
            if p.severity == "error":
                bad = True
            if not cx.report_funding:
                continue
            line, col = (p.line, p.column) if p.line else (n.line, n.col)
            found = _token(lines, line, col)
            cx.push(
                Issue(
                    n.file,
                    line,
                    col,
                    "funding" + (f".{p.key}" if p.key else ""),
                    "a value GitHub's FUNDING.yml accepts (the rules of check-funding)",
                    found,
                    f"funding: {p.message}",
                    p.severity,
                    p.code,
                )
            )
        return _BAD if bad else values


def _token(lines: list[str], line: int, col: int) -> str:
    if not (1 <= line <= len(lines)):
        return ""
    rest = lines[line - 1][max(col - 1, 0) :]
    m = re.search(r"\s#|\s*$", rest)
    return _short(rest[: m.start()].strip() if m else rest.strip(), 80)


class _Extends(_Type):
    def doc(self) -> str:
        return "`REPO`, `OWNER/REPO` or `OWNER/REPO:PATH`"

    def expected(self) -> str:
        return "`REPO`, `OWNER/REPO` or `OWNER/REPO:PATH`"

    def check(self, n: _N, cx: _Cx, kp: tuple[str | int, ...]) -> Any:
        if n.kind != "scalar" or n.tag != "str":
            return self.wrong(n, cx, kp)
        parsed = parse_extends(n.value, owner="owner", repo="repo")
        if isinstance(parsed, str):
            cx.add("error", n, kp, "bad-extends", self.expected(), _found_short(n), f"{_name(kp)}: {parsed}")
            return _BAD
        return n.value.strip()


_DEFAULT_MESSAGE = (
    "Thank you for opening this issue, {author}! If {repo} is useful to you, please consider "
    "supporting its maintainers: {links}"
)

_LABEL = _Str(1, 50, "label")

SCHEMA = _Section(
    [
        _Key(
            "_extends",
            _Extends(),
            None,
            "Inherit from another fundbot config (.yml/.yaml): REPO, OWNER/REPO or OWNER/REPO:PATH; this file's "
            "keys win. A public repository extends only files of public repositories.",
            nullable=True,
            example=".github",
        ),
        _Key(
            "funding",
            _Funding(),
            {},
            "GitHub's FUNDING.yml keys (github, patreon, open_collective, ko_fi, liberapay, polar, "
            "custom, ...); fundbot writes them to .github/FUNDING.yml.",
            example="{github: [octocat], custom: [\"https://example.org/donate\"]}",
        ),
        _Key(
            "funding_file",
            _Enum(("pull_request", "commit", "off"), false_means="off"),
            "pull_request",
            "How .github/FUNDING.yml is kept in sync with `funding:`: rolling pull request, direct commit, or off.",
        ),
        _Key(
            "links",
            _List(
                _Section(
                    [
                        _Key("title", _Str(1, 100), description="Link text.", required=True),
                        _Key("url", _Url(), description="https:// address.", required=True),
                    ],
                    cls=Link,
                    what="a mapping `{title: ..., url: https://...}`",
                ),
                max_items=20,
                what="`{title, url}`",
            ),
            [],
            "Extra links shown in fundbot's comments, beyond FUNDING.yml.",
            example='[{title: Paid support, url: "https://example.org/support"}]',
        ),
        _Key(
            "issues",
            _Section(
                [
                    _Key("comment", _Bool(), True, "Post the funding-links comment on new issues."),
                    _Key(
                        "labels",
                        _List(_LABEL, max_items=100, unique=True, what="label names"),
                        [],
                        "Only greet issues carrying one of these labels ([] = every issue).",
                    ),
                    _Key(
                        "skip_authors",
                        _List(_Str(1, 45, "login"), max_items=200, unique=True, what="GitHub logins"),
                        [],
                        "Logins never greeted (bots and maintainers are always skipped).",
                    ),
                    _Key(
                        "message",
                        _Str(1, 4000, "template"),
                        _DEFAULT_MESSAGE,
                        "Comment template; placeholders {author}, {links} and {repo}.",
                    ),
                ],
                cls=IssuesConfig,
            ),
            description="The funding-links comment on new issues.",
        ),
        _Key(
            "releases",
            _Section(
                [
                    _Key("footer", _Bool(), True, "Append the funding footer to published release notes."),
                    _Key(
                        "thank_backers",
                        _Bool(),
                        True,
                        "Thank the backers of campaigns delivered since the previous release.",
                    ),
                    _Key("drafts", _Bool(), False, "Also add the footer to draft releases."),
                    _Key("prereleases", _Bool(), True, "Also add the footer to pre-releases."),
                ],
                cls=ReleasesConfig,
            ),
            description="The funding footer on releases.",
        ),
        _Key(
            "bounties",
            _Section(
                [
                    _Key("enabled", _Bool(), True, "Turn issues into crowdfunding campaigns (/bounty, /pledge, bounty labels)."),
                    _Key("label", _LABEL, "💰 bounty", "Label on every issue with an open campaign."),
                    _Key(
                        "labels",
                        _LabelGoals(max_items=20),
                        {"bounty: S": 100, "bounty: M": 500, "bounty: L": 2000},
                        "Bounty labels and their goals: labelling an issue opens a campaign with that goal.",
                    ),
                    _Key("currency", _Str(3, 3, "currency"), "USD", "ISO 4217 code of every amount (USD, EUR, ...)."),
                    _Key("deadline_days", _Int(1, 3650, "days"), 30, "Default campaign deadline, in days."),
                    _Key("min_pledge", _Amount(), 1, "Smallest pledge accepted."),
                    _Key("max_amount", _Amount(), 100000, "Largest pledge or goal accepted."),
                    _Key(
                        "who_can_manage",
                        _List(
                            _Enum(("admin", "maintain", "write", "triage", "read")),
                            max_items=5,
                            min_items=1,
                            unique=True,
                            what="repository permissions",
                        ),
                        ["admin", "maintain", "write"],
                        "Repository permissions allowed to run /bounty, /bounty cancel|extend|accept and /sponsors refresh.",
                    ),
                    _Key(
                        "rewards",
                        _List(
                            _Section(
                                [
                                    _Key("min", _Amount(), description="Smallest pledge that earns the reward.", required=True),
                                    _Key("reward", _Str(1, 200), description="What the backer gets.", required=True),
                                ],
                                cls=Reward,
                                what="a mapping `{min: AMOUNT, reward: TEXT}`",
                            ),
                            max_items=20,
                            what="`{min, reward}`",
                        ),
                        [
                            {"min": 25, "reward": "Your name in the README thank-you section"},
                            {"min": 100, "reward": "Your logo in the README"},
                        ],
                        "Rewards promised to backers who pledge at least `min`, lowest first.",
                    ),
                    _Key("funded_label", _LABEL, "💸 funded", "Label on an issue whose campaign reached its goal."),
                    _Key("delivered_label", _LABEL, "✅ delivered", "Label on an issue whose campaign was delivered."),
                ],
                cls=BountiesConfig,
            ),
            description="Crowdfunded bounties on issues.",
        ),
        _Key(
            "funding_goal",
            _Section(
                [
                    _Key("title", _Str(0, 100), "", "Name of the project-wide goal."),
                    _Key("amount", _Amount(zero=True), 0, "Target amount (0 = no project-wide goal)."),
                ],
                cls=FundingGoal,
            ),
            description="Optional project-wide goal shown in the README.",
        ),
        _Key(
            "readme",
            _Section(
                [
                    _Key("path", _Str(1, 255, "path"), "README.md",
                          "README file that holds the sponsor section (not under .github/, not a FUNDING.yml)."),
                    _Key(
                        "update",
                        _Enum(("pull_request", "commit", "off"), false_means="off"),
                        "pull_request",
                        "How the README sponsor section is written: rolling pull request, direct commit, or off.",
                    ),
                    _Key(
                        "sources",
                        _List(
                            _Enum(("github_sponsors", "backers", "config")),
                            max_items=3,
                            unique=True,
                            what="sponsor sources",
                        ),
                        ["github_sponsors", "backers", "config"],
                        "Where sponsors come from: GitHub Sponsors, backers of delivered campaigns, readme.sponsors.",
                    ),
                    _Key(
                        "sponsors",
                        _List(
                            _Section(
                                [
                                    _Key("name", _Str(1, 100), description="Sponsor name.", required=True),
                                    _Key("url", _Url(), None, "Link to the sponsor (https://).", nullable=True),
                                    _Key("avatar", _Url(), None, "Logo or avatar image (https://).", nullable=True),
                                    _Key("tier", _Str(1, 50), None, "Name of one of readme.tiers.", nullable=True),
                                ],
                                cls=Sponsor,
                                what="a mapping `{name, url, avatar, tier}`",
                            ),
                            max_items=200,
                            what="`{name, url, avatar, tier}`",
                        ),
                        [],
                        "Static sponsors fundbot cannot query.",
                        example='[{name: ACME, url: "https://acme.example", tier: Gold}]',
                    ),
                    _Key(
                        "tiers",
                        _List(
                            _Section(
                                [
                                    _Key("name", _Str(1, 50), description="Tier heading.", required=True),
                                    _Key("min", _Amount(zero=True), description="Smallest amount for this tier.", required=True),
                                ],
                                cls=Tier,
                                what="a mapping `{name: TEXT, min: AMOUNT}`",
                            ),
                            max_items=10,
                            min_items=1,
                            what="`{name, min}`",
                        ),
                        [{"name": "Gold", "min": 500}, {"name": "Silver", "min": 100}, {"name": "Backers", "min": 0}],
                        "Sponsor tiers, highest first: a sponsor is listed under the first tier whose `min` they reach.",
                    ),
                    _Key(
                        "debounce_seconds",
                        _Int(0, 86400, "seconds"),
                        60,
                        "Changes within this many seconds are written as one commit.",
                    ),
                ],
                cls=ReadmeConfig,
            ),
            description="The README sponsor section.",
        ),
    ],
    cls=Config,
    what="a mapping of keys such as `bounties:`",
)

_FIELD_NAMES = {"_extends": "extends"}


def _default_of(key: _Key) -> Any:
    """The clean (validated) default of a key."""
    if isinstance(key.type, _Section):
        return key.type.default_value()
    if key.default is None:
        return None
    return _clean_default(key.name, key.type, json.dumps(key.default, sort_keys=False, ensure_ascii=False))


_DEFAULTS_CACHE: dict[tuple[str, str, str], Any] = {}


def _clean_default(name: str, typ: _Type, dumped: str) -> Any:
    cache_key = (name, str(id(typ)), dumped)
    if cache_key not in _DEFAULTS_CACHE:
        cx = _Cx(cross=False)
        value = typ.check(_from_python(json.loads(dumped), "<defaults>"), cx, (name,))
        if value is _BAD or any(i.severity == "error" for i in cx.issues):  # pragma: no cover
            raise AssertionError(f"schema default of {name} is invalid: {cx.issues}")
        _DEFAULTS_CACHE[cache_key] = value
    return _copy(_DEFAULTS_CACHE[cache_key])


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# ==================================================================================================
# Cross-key checks (effective configuration only)


def _cross_checks(clean: dict[str, Any], cx: _Cx) -> None:
    b = clean.get("bounties")
    b = b if isinstance(b, dict) else {}
    r = clean.get("readme")
    r = r if isinstance(r, dict) else {}
    node = cx.nodes.get

    def ok(*values: Any) -> bool:
        return all(v is not None and not _has_bad(v) for v in values)

    currency = b.get("currency")
    if ok(currency):
        for kp, n, cur in cx.currencies:
            if cur != currency:
                cx.add(
                    "error",
                    n,
                    kp,
                    "currency-mismatch",
                    f"an amount in {currency}",
                    _found_short(n),
                    f"{_name(kp)} is written in {cur}, but `bounties.currency` is {currency}; write the "
                    f"amount in {currency} or change the currency.",
                )
    lo, hi = b.get("min_pledge"), b.get("max_amount")
    if ok(lo, hi) and lo > hi:
        at = node(("bounties", "min_pledge")) or node(("bounties", "max_amount"))
        cx.add(
            "error",
            at,
            ("bounties", "min_pledge"),
            "min-above-max",
            f"at most `bounties.max_amount` ({hi:,.2f})",
            f"{lo:,.2f}",
            f"`bounties.min_pledge` ({lo:,.2f}) is above `bounties.max_amount` ({hi:,.2f}), so no pledge "
            f"could be accepted; lower min_pledge or raise max_amount.",
        )
    labels = b.get("labels")
    if ok(labels, hi):
        for name, goal in labels.items():
            kp = ("bounties", "labels", name)
            if goal > hi:
                cx.add(
                    "error",
                    node(kp) or node(("bounties", "max_amount")),
                    kp,
                    "out-of-range",
                    f"a goal of at most `bounties.max_amount` ({hi:,.2f})",
                    f"{goal:,.2f}",
                    f"The goal of label `{_short(name)}` ({goal:,.2f}) is above `bounties.max_amount` "
                    f"({hi:,.2f}); lower the goal or raise max_amount.",
                )
            elif ok(lo) and goal < lo:
                cx.add(
                    "warning",
                    node(kp) or node(("bounties", "min_pledge")),
                    kp,
                    "out-of-range",
                    f"a goal of at least `bounties.min_pledge` ({lo:,.2f})",
                    f"{goal:,.2f}",
                    f"The goal of label `{_short(name)}` ({goal:,.2f}) is below `bounties.min_pledge` "
                    f"({lo:,.2f}): a single pledge would overshoot it.",
                )
    # distinct bounty labels
    seen: dict[str, tuple[str | int, ...]] = {}
    candidates: list[tuple[tuple[str | int, ...], Any]] = [
        (("bounties", k), b.get(k)) for k in ("label", "funded_label", "delivered_label")
    ]
    if ok(labels):
        candidates += [(("bounties", "labels", name), name) for name in labels]
    for kp, label in candidates:
        if not ok(label):
            continue
        folded = label.casefold()
        if folded in seen:
            at = node(kp) if kp[:2] != ("bounties", "labels") else None
            if at is None and kp[:2] == ("bounties", "labels"):
                at = node(("bounties", "labels"))
            cx.add(
                "error",
                at or node(seen[folded]),
                kp,
                "duplicate-label",
                "a label name used once",
                _short(label),
                f"{_name(kp)} is the label `{_short(label)}`, already used by {_name(seen[folded])} (GitHub "
                f"label names are case-insensitive); give each its own name.",
            )
        else:
            seen[folded] = kp
    if ok(b.get("who_can_manage")) and "read" in b["who_can_manage"]:
        kp = ("bounties", "who_can_manage")
        cx.add(
            "warning",
            node(kp),
            kp,
            "broad-permission",
            "admin, maintain, write or triage",
            "read",
            "`bounties.who_can_manage` includes `read`: on a public repository every GitHub user has read "
            "access and could open, cancel or extend campaigns.",
        )
    rewards = b.get("rewards")
    if ok(rewards) and ok(hi):
        _sorted_check(rewards, ("bounties", "rewards"), cx, descending=False)
        for i, rw in enumerate(rewards):
            if rw["min"] > hi:
                kp = ("bounties", "rewards", i, "min")
                cx.add(
                    "warning",
                    node(kp) or node(("bounties", "rewards", i)) or node(("bounties", "max_amount")),
                    kp,
                    "out-of-range",
                    f"at most `bounties.max_amount` ({hi:,.2f})",
                    f"{rw['min']:,.2f}",
                    f"Reward {i + 1} needs a pledge of {rw['min']:,.2f}, above `bounties.max_amount` "
                    f"({hi:,.2f}), so nobody can earn it.",
                )
    goal = clean.get("funding_goal")
    if isinstance(goal, dict) and ok(goal.get("title"), goal.get("amount")):
        if goal["title"].strip() and goal["amount"] == 0:
            kp = ("funding_goal", "amount")
            cx.add(
                "warning",
                node(("funding_goal", "title")),
                kp,
                "goal-without-amount",
                "a positive amount",
                "0",
                "`funding_goal.title` is set but `funding_goal.amount` is 0, so no project-wide goal is "
                "shown; set an amount.",
            )
    tiers = r.get("tiers")
    if ok(tiers):
        names: dict[str, int] = {}
        mins: dict[Decimal, int] = {}
        for i, t in enumerate(tiers):
            kp = ("readme", "tiers", i)
            folded = t["name"].casefold()
            if folded in names:
                cx.add(
                    "error",
                    node((*kp, "name")) or node(kp),
                    (*kp, "name"),
                    "duplicate-tier",
                    "each tier name once",
                    _short(t["name"]),
                    f"Tier `{_short(t['name'])}` appears twice in `readme.tiers` (entries {names[folded] + 1} "
                    f"and {i + 1}); give each tier its own name.",
                )
            names.setdefault(folded, i)
            if t["min"] in mins:
                cx.add(
                    "error",
                    node((*kp, "min")) or node(kp),
                    (*kp, "min"),
                    "duplicate-tier",
                    "a different `min` for each tier",
                    f"{t['min']:,.2f}",
                    f"Tiers {mins[t['min']] + 1} and {i + 1} of `readme.tiers` both start at "
                    f"{t['min']:,.2f}, so a sponsor could belong to either; give them different `min`s.",
                )
            mins.setdefault(t["min"], i)
        _sorted_check(tiers, ("readme", "tiers"), cx, descending=True)
        sponsors = r.get("sponsors")
        if ok(sponsors):
            tier_names = [t["name"] for t in tiers]
            for i, s in enumerate(sponsors):
                if s.get("tier") is not None and s["tier"].casefold() not in names:
                    kp = ("readme", "sponsors", i, "tier")
                    close = difflib.get_close_matches(s["tier"], tier_names, n=1, cutoff=0.6)
                    hint = f"; did you mean `{close[0]}`?" if close else "."
                    cx.add(
                        "error",
                        node(kp) or node(("readme", "sponsors", i)),
                        kp,
                        "unknown-tier",
                        "one of " + ", ".join(f"`{n}`" for n in tier_names),
                        _short(s["tier"]),
                        f"Sponsor `{_short(s['name'])}` is in tier `{_short(s['tier'])}`, which is not in "
                        f"`readme.tiers` ({', '.join(tier_names)}){hint}",
                    )


def _sorted_check(items: list[dict[str, Any]], kp: tuple[str | int, ...], cx: _Cx, *, descending: bool) -> None:
    mins = [it["min"] for it in items]
    want = sorted(mins, reverse=descending)
    if mins != want:
        first = next(i for i, (a, b) in enumerate(zip(mins, want, strict=True)) if a != b)
        order = "highest first" if descending else "lowest first"
        cx.add(
            "warning",
            cx.nodes.get((*kp, first)) or cx.nodes.get(kp),
            kp,
            "unsorted",
            f"entries ordered by `min`, {order}",
            ", ".join(f"{m:,.2f}" for m in mins),
            f"{_name(kp)} is not ordered by `min` ({order}); fundbot uses it sorted - reorder the entries "
            f"to match.",
        )
        items.sort(key=lambda it: it["min"], reverse=descending)


# ==================================================================================================
# Building the Config from clean values, and back


def _build(section: _Section, clean: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for name, key in section.keys.items():
        kwargs[_FIELD_NAMES.get(name, name)] = _build_value(key.type, clean.get(name))
    assert section.cls is not None
    return section.cls(**kwargs)


def _build_value(typ: _Type, value: Any) -> Any:
    if isinstance(typ, _Section) and typ.cls is not None:
        return _build(typ, value)
    if isinstance(typ, _List):
        return tuple(_build_value(typ.item, v) for v in value)
    if isinstance(typ, _LabelGoals | _Funding):
        return dict(value)
    return value


def _to_plain(section: _Section, obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, key in section.keys.items():
        out[name] = _plain_value(key.type, getattr(obj, _FIELD_NAMES.get(name, name)))
    return out


def _plain_value(typ: _Type, value: Any) -> Any:
    if isinstance(typ, _Section):
        return _to_plain(typ, value)
    if isinstance(typ, _List):
        return [_plain_value(typ.item, v) for v in value]
    if isinstance(typ, _LabelGoals):
        return {k: _money_str(v) for k, v in value.items()}
    if isinstance(typ, _Funding):
        return {k: list(v) if isinstance(v, list | tuple) else v for k, v in value.items()}
    if isinstance(value, Decimal):
        return _money_str(value)
    return value


def _money_str(value: Decimal) -> str:
    return f"{value:.2f}"


def _defaults_config() -> Config:
    """A fresh Config of the schema's defaults (fresh, so a caller mutating a dict cannot change it)."""
    return _build(SCHEMA, SCHEMA.default_value())


# ==================================================================================================
# Validation


def _decode(data: str | bytes, path: str) -> tuple[str | None, Issue | None]:
    text, failure = _text.decode(data)
    if failure is None:
        return text, None
    return None, Issue(path, failure.line, failure.column, None, "UTF-8 text", f"byte 0x{failure.byte:02x}",
                       failure.describe() + "; save it as UTF-8.", "error", "decode-error")


def _size(data: str | bytes) -> int:
    if isinstance(data, str):
        return len(data.encode("utf-8", "surrogatepass"))
    return len(data)


def _parse(data: str | bytes, path: str) -> tuple[_N | None, list[Issue], str | None]:
    """Text -> located tree (None for an empty document) and the issues found on the way."""
    if not isinstance(data, str | bytes | bytearray | memoryview):
        msg = f"Expected the text of the file, got {type(data).__name__}."
        return None, [Issue(path, 0, 0, None, "text", type(data).__name__, msg, "error", "internal-error")], None
    if _size(data) > MAX_BYTES:
        size = _size(data)
        return None, [
            Issue(
                path,
                1,
                1,
                None,
                f"at most {MAX_BYTES // 1024} KB",
                f"{size:,} bytes",
                f"The file is {size:,} bytes; fundbot reads configuration files of at most "
                f"{MAX_BYTES // 1024} KB ({MAX_BYTES:,} bytes) - it was not read.",
                "error",
                "file-too-large",
            )
        ], None
    text, problem = _decode(bytes(data) if not isinstance(data, str) else data, path)
    if text is None:
        return None, [problem] if problem else [], None
    deep = _flow_depth_over(text, _MAX_FLOW_DEPTH)
    if deep is not None:
        line, col = deep
        msg = (
            f"The document nests `[` / `{{` more than {_MAX_FLOW_DEPTH} levels deep; fundbot does not read "
            f"it (a fundbot.yml needs at most 4 levels)."
        )
        return None, [Issue(path, line, col, None, "a few levels of nesting", "deep nesting", msg, "error", "too-complex")], text
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    yaml = YAML(typ="rt", pure=True)
    docs: list[Any] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for doc in yaml.compose_all(text):
                docs.append(doc)
                if len(docs) > 1:
                    break
    except MarkedYAMLError as exc:
        return None, [_syntax_issue(exc, path)], text
    except RecursionError:
        msg = "YAML syntax error: the document is nested too deeply to read."
        return None, [Issue(path, 1, 1, None, "valid YAML", "deep nesting", msg, "error", "yaml-syntax")], text
    except Exception as exc:  # noqa: BLE001 - a reader must answer
        line, col = 1, 1
        position = getattr(exc, "position", None)  # ruamel's ReaderError: a character YAML forbids
        if isinstance(position, int) and 0 <= position <= len(text):
            before = text[:position]
            line = before.count("\n") + 1
            col = position - (before.rfind("\n") + 1) + 1
            character = getattr(exc, "character", None)
            code = ord(character) if isinstance(character, str) and len(character) == 1 else character
            what = f"the character U+{code:04X} is not allowed in YAML" if isinstance(code, int) else _short(exc, 200)
        else:
            what = _short(exc, 200)
        msg = f"YAML syntax error: {what}; fix the file so fundbot can read it."
        return None, [Issue(path, line, col, None, "valid YAML", _short(what), msg, "error", "yaml-syntax")], text
    issues: list[Issue] = []
    if len(docs) > 1:
        mark = getattr(docs[1], "start_mark", None)
        issues.append(
            Issue(
                path,
                (mark.line + 1) if mark else 1,
                (mark.column + 1) if mark else 1,
                None,
                "one YAML document",
                "more than one",
                "The file holds more than one YAML document; only the first is used - remove the `---` "
                "separator and everything after it.",
                "warning",
                "multiple-documents",
            )
        )
    if not docs or docs[0] is None:
        return None, issues, text
    try:
        tree = _Builder(path, text).build(docs[0])
    except _TooManyKeys as exc:
        msg = (f"This mapping has {exc.count:,} keys; fundbot reads mappings of at most {MAX_KEYS} keys (a "
               f"fundbot.yml needs a few dozen) - the file was not checked further.")
        issues.append(Issue(path, exc.line, exc.col, None, f"at most {MAX_KEYS} keys", f"{exc.count} keys", msg,
                            "error", "too-many-keys"))
        return None, issues, text
    except (_TooBig, RecursionError):
        msg = "The document is too large or nested too deeply to check; a fundbot.yml needs a few dozen keys."
        issues.append(Issue(path, 1, 1, None, "a small mapping", "too many nodes", msg, "error", "too-complex"))
        return None, issues, text
    return tree, issues, text


_MAX_FLOW_DEPTH = 64


def _flow_depth_over(text: str, limit: int) -> tuple[int, int] | None:
    """Where flow collections first nest deeper than ``limit`` (approximate: quotes and comments are
    skipped). The YAML reader recurses per level and takes seconds to fail on thousands of levels,
    so such a text is refused before it is read."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    quote = ""
    line, col = 1, 0
    prev = "\n"
    comment = False
    for ch in text:
        col += 1
        if ch == "\n":
            line, col, comment, prev = line + 1, 0, False, ch
            if depth == 0:
                quote = ""
            continue
        if comment:
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch == "#" and prev in " \t\n":
            comment = True
        elif ch in "'\"" and prev in " \t\n[{,:":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return line, col
        elif ch in "]}":
            depth = max(depth - 1, 0)
        prev = ch
    return None


def _syntax_issue(exc: Any, path: str) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and "simple key" in (exc.context or ""):
        mark = exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    what = (exc.problem or exc.context or "invalid YAML").strip()
    context = ""
    if mark is exc.context_mark and exc.context_mark is not None and exc.problem_mark is not None:
        what = f"this line is not `key: value` ({what})"
    elif exc.context and exc.problem and exc.context_mark is not None:
        context = f" ({exc.context} on line {exc.context_mark.line + 1})"
    return Issue(
        path,
        line,
        col,
        None,
        "valid YAML",
        _short(what, 100),
        f"YAML syntax error: {what}{context}; fix it - until then fundbot keeps the last valid configuration.",
        "error",
        "yaml-syntax",
    )


def _run(tree: _N | None, cx: _Cx) -> Any:
    """Walk the schema over a tree; returns the clean dict (with _BAD inside on errors) or _BAD."""
    if tree is None or (tree.kind == "scalar" and tree.tag == "null"):
        clean = SCHEMA.default_value()
    elif tree.kind != "map":
        hint = ""
        if tree.tag == "str" and re.match(r"\s*[A-Za-z_]+:\S", tree.value):
            hint = " (a key needs a space after its colon: `funding_file: commit`, not `funding_file:commit`)"
        cx.add(
            "error",
            tree,
            None,
            "not-a-mapping",
            SCHEMA.what,
            _found_short(tree),
            f"A fundbot configuration must be a mapping of keys such as `bounties:` and `readme:`, but "
            f"this document is {_found(tree)}{hint}.",
        )
        return _BAD
    else:
        clean = SCHEMA.check(tree, cx, ())
    if cx.cross and isinstance(clean, dict):
        _cross_checks(clean, cx)
    return clean


def _finish(clean: Any, cx: _Cx, raw: dict[str, Any], order: list[str], sources: list[str],
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
        more = _more_issues(order[0] if order else cx.default_file, more_errors, more_warnings)
        (errors if more_errors else warns).append(more)
    config = None
    if not errors and isinstance(clean, dict):
        try:
            config = _build(SCHEMA, clean)
        except Exception as exc:  # noqa: BLE001 - should not happen; report rather than raise
            errors.append(
                Issue(order[0] if order else "", 0, 0, None, "", "", f"Internal error: {exc!r}", "error", "internal-error")
            )
    return ConfigResult(config, errors, warns, raw, sources)


def _more_issues(path: str, errors: int, warnings: int) -> Issue:
    parts = [f"{n:,} {word}{'s' * (n != 1)}" for n, word in ((errors, "error"), (warnings, "warning")) if n]
    total = errors + warnings
    return Issue(path, 0, 0, None, f"at most {MAX_ISSUES} problems listed", f"{total:,} more",
                 f"{' and '.join(parts)} more {'is' if total == 1 else 'are'} not listed (fundbot lists the first "
                 f"{MAX_ISSUES}); fix these and check again.", "error" if errors else "warning", "too-many-issues")


def _validate_tree(tree: _N | None, path: str, *, source: str | None) -> ConfigResult:
    cx = _Cx(cross=True)
    cx.default_file = path
    clean = _run(tree, cx)
    raw = _to_python(tree) if tree is not None and tree.kind == "map" else {}
    return _finish(clean, cx, raw, [path], [path])


def validate(text: str | bytes, *, path: str = CONFIG_PATH) -> ConfigResult:
    """Validate one ``.github/fundbot.yml`` text. Never raises."""
    try:
        tree, issues, source = _parse(text, path)
        if any(i.severity == "error" for i in issues):
            return ConfigResult(None, [i for i in issues if i.severity == "error"],
                                [i for i in issues if i.severity == "warning"], {}, [path])
        result = _validate_tree(tree, path, source=source)
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


# ==================================================================================================
# Inheritance


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings are merged key by key, the ``override`` (extending file) winning; lists and
    scalars are replaced, not concatenated; a ``None`` in ``override`` does not hide ``base``'s value;
    ``_extends`` is removed from the result (top level)."""
    out = _merge_plain(base, override, {})
    out.pop("_extends", None)
    return out


def _merge_plain(base: Mapping[Any, Any], override: Mapping[Any, Any], memo: dict[tuple[int, int], Any]) -> dict[Any, Any]:
    token = (id(base), id(override))
    if token in memo:
        return memo[token]
    out: dict[Any, Any] = dict(base)
    memo[token] = out
    for k, v in override.items():
        if v is None and k in base:
            continue
        if isinstance(v, Mapping) and isinstance(base.get(k), Mapping):
            out[k] = _merge_plain(base[k], v, memo)
        else:
            out[k] = v
    return out


def _merge_nodes(base: _N, override: _N) -> _N:
    """``merge`` on located trees (positions and files kept)."""
    if base.kind != "map" or override.kind != "map":
        return override
    entries: dict[str, _E] = {}
    for e in base.value:
        entries[_key_text(e.key)] = e
    for e in override.value:
        name = _key_text(e.key)
        old = entries.get(name)
        if old is not None and e.value.kind == "scalar" and e.value.tag == "null":
            continue
        if old is not None and old.value.kind == "map" and e.value.kind == "map":
            entries[name] = _E(e.key, _merge_nodes(old.value, e.value))
        else:
            entries[name] = _E(e.key, e.value)
    return _N("map", "map", list(entries.values()), line=override.line, col=override.col, file=override.file)


_OWNER_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_REPO_RE = re.compile(r"[A-Za-z0-9._-]{1,100}")


def parse_extends(value: str, *, owner: str, repo: str) -> ExtendsTarget | str:
    """``REPO``, ``OWNER/REPO``, ``REPO:PATH`` or ``OWNER/REPO:PATH`` -> target, or an error message.

    ``owner`` is the owner of the file that holds ``_extends`` (the default owner); ``repo`` is its
    repository (accepted for symmetry; a file extending itself is caught by the chain's cycle check).
    """
    if not isinstance(value, str):
        return f"expected {_Extends().expected()}, but found {type(value).__name__}."
    v = value.strip()
    example = "`.github`, `octo-org/.github` or `octo-org/configs:fundbot/base.yml`"
    if not v:
        return f"`_extends` is empty; write {example}."
    ref, sep, path = v.partition(":")
    if sep:
        path = path.strip()
        if not path:
            return f"`{_short(v)}` has a `:` but no path after it; write {example}."
        refused = _paths.problem(path)
        if refused is None and any(c.isspace() for c in path):
            refused = _paths.PathProblem("bad-path", "it contains a space")
        if refused is not None:
            return (
                f"`{_short(path)}` is not a file path inside a repository: {refused.why}; write e.g. "
                f"`{_short(ref.strip())}:.github/fundbot.yml`."
            )
        if not _paths.is_config_file(path):
            return (
                f"`{_short(path)}` is not a fundbot configuration file: `_extends` names a YAML file (`.yml` or "
                f"`.yaml`) such as `{_short(ref.strip())}:.github/fundbot.yml`; fundbot reads nothing else."
            )
    else:
        path = CONFIG_PATH
    ref = ref.strip()
    if ref.count("/") > 1:
        return f"`{_short(ref)}` is not `REPO` or `OWNER/REPO`; write {example}."
    if "/" in ref:
        o, r = ref.split("/")
    else:
        o, r = owner, ref
    if not _OWNER_RE.fullmatch(o or ""):
        return (
            f"`{_short(o)}` is not a GitHub user or organization name (letters, digits and single "
            f"hyphens, up to 39 characters)."
        )
    if not _REPO_RE.fullmatch(r or "") or r in (".", ".."):
        return (
            f"`{_short(r)}` is not a GitHub repository name (letters, digits, `.`, `_` and `-`, up to "
            f"100 characters)."
        )
    return ExtendsTarget(o, r, path)


_Loaded = str | bytes | Fetched | None


class _ChainFile:
    """One file of an ``_extends`` chain as the chain shows it: its label and whether its text may be quoted."""

    def __init__(self, label: str, quotable: bool) -> None:
        self.label, self.quotable = label, quotable


def _not_a_config(tree: _N | None, issues: list[Issue], quotable: bool) -> tuple[str, int, int] | None:
    """(rule, line, column) when an inherited file is not a fundbot configuration: not a mapping or no
    fundbot key at the top level - or, for a file whose text is not shown, unreadable as YAML or any
    top-level key fundbot does not know (such a file is refused whole rather than partly used). A file
    that may be quoted keeps its own YAML errors."""
    failed = next((i for i in issues if i.severity == "error"), None)
    if failed is not None:
        return None if quotable else (failed.code, failed.line, failed.column)
    if tree is None or (tree.kind == "scalar" and tree.tag == "null"):
        return None
    if tree.kind != "map":
        return "not-a-mapping", tree.line, tree.col
    unknown = [e.key for e in tree.value if _key_text(e.key) not in SCHEMA.keys]
    if tree.value and len(unknown) == len(tree.value):
        return "no-fundbot-key", unknown[0].line, unknown[0].col
    if unknown and not quotable:
        return "unknown-key", unknown[0].line, unknown[0].col
    return None


def _chain(
    start_text: str | bytes, owner: str, repo: str, path: str, max_depth: int, *,
    home: tuple[str, str] | None = None, start_public: bool = True,
) -> Generator[ExtendsTarget, _Loaded, ConfigResult]:
    """The chain logic as a generator: yields each target to load, receives its text (or None, or a
    :class:`Fetched`).

    Every file is read and checked on its own (local checks: types, ranges, unknown keys, funding)
    and the chain is followed even past a file with errors, so one run reports them all. Only a
    complete chain is merged and checked as a whole (cross-key checks). A file neither in ``home``
    (the configured repository) nor public is reported by position and rule only
    (:mod:`bot.core.disclosure`), and so is the name of any file it extends."""
    start = ExtendsTarget(owner, repo, path.split(":", 1)[1] if ":" in path else path)
    home_ref = ExtendsTarget(*(home or (owner, repo)))
    cx = _Cx(cross=False)
    files: list[tuple[_ChainFile, _N | None]] = []
    broken = False  # the chain could not be read to its end

    def same_repository(t: ExtendsTarget) -> bool:
        return (t.owner.lower(), t.repo.lower()) == (home_ref.owner.lower(), home_ref.repo.lower())

    def read(file: _ChainFile, text: str | bytes, ext: _N | None = None) -> _N | None:
        nonlocal broken
        tree, issues, _ = _parse(text, file.label)
        if ext is not None:  # an inherited file must be a fundbot configuration, or nothing of it is used
            refused = _not_a_config(tree, issues, file.quotable)
            if refused is not None:
                rule, line, col = refused
                at = f", line {line}, column {col}" if line else ""
                files.append((file, None))
                chain_error(ext, "not-fundbot-config", "a fundbot configuration", rule,
                            f"`_extends` points to {file.label}, which is not a fundbot configuration ({rule}{at}); "
                            f"nothing of it is used or shown - point `_extends` at a fundbot.yml.")
                return None
        for issue in issues:
            cx.push(issue)
        files.append((file, tree))
        if any(i.severity == "error" for i in issues):
            broken = True
            return None
        if tree is not None:
            _run(tree, cx)  # local checks only (cross=False)
            if tree.kind != "map":
                broken = True
                return None
        return tree

    def chain_error(node: _N, code: str, expected: str, found: str, message: str) -> None:
        nonlocal broken
        cx.add("error", node, "_extends", code, expected, found, message)
        broken = True

    first = _ChainFile(path, same_repository(start) or start_public)
    tree = read(first, start_text)
    visited = [start]
    while tree is not None:
        current = files[-1][0]
        ext = next((e for e in reversed(tree.value) if _key_text(e.key) == "_extends"), None)
        if ext is None or ext.value.kind != "scalar" or ext.value.tag != "str":
            break  # none, null, or a wrong type (reported by the local checks)
        n = ext.value
        target = parse_extends(n.value, owner=visited[-1].owner, repo=visited[-1].repo)
        if isinstance(target, str):
            broken = True  # reported by the local checks (bad-extends)
            break
        names = " → ".join([str(start), *(f.label for f, _ in files[1:]), str(target)])
        if any(target.same_as(t) for t in visited):
            chain_error(
                n,
                "extends-cycle",
                "a chain of `_extends` without loops",
                str(target),
                f"`_extends` makes a cycle: {names}; remove one of these `_extends`.",
            )
            break
        if len(visited) - 1 >= max_depth:
            chain_error(
                n,
                "extends-too-deep",
                f"at most {max_depth} levels of `_extends`",
                str(len(visited)),
                f"`_extends` goes deeper than {max_depth} levels ({names}); point this file at the end "
                f"of the chain instead.",
            )
            break
        got = yield target
        fetched = got if isinstance(got, Fetched) else Fetched(got)
        same = same_repository(target)
        allowed = _disclosure.may_inherit(same_repository=same, target_public=fetched.public,
                                          home_public=fetched.home_public)
        if fetched.text is None or not allowed:
            public_home = fetched.home_public is not False
            why = (", cannot be read by fundbot or is not public (a public repository extends only files of "
                   "public repositories)" if public_home else " or cannot be read")
            chain_error(
                n,
                "extends-missing",
                "an existing file" + (" of a public repository" if public_home else ""),
                str(target),
                f"`_extends: {_short(n.value)}` points to {target}, which does not exist{why}; fix the name "
                f"or create that file.",
            )
            break
        visited.append(target)
        label = str(target) if current.quotable else f"(file {len(files) + 1} of the `_extends` chain)"
        tree = read(_ChainFile(label, same or fetched.public), fetched.text, n)
    order = [f.label for f, _ in files]
    hidden = {f.label for f, _ in files if not f.quotable}
    # merge from the far end of the chain back to the start file
    merged: _N | None = None
    for _file, t in reversed(files):
        if t is not None and t.kind == "map":
            merged = t if merged is None else _merge_nodes(merged, t)
    if merged is not None and len(files) > 1:
        kept = [e for e in merged.value if _key_text(e.key) != "_extends"]
        merged = _N("map", "map", kept, line=merged.line, col=merged.col, file=merged.file)
    raw = _to_python(merged) if merged is not None else {}
    local = set(cx.issues)

    def shown(issue: Issue) -> Issue:
        if issue.path in hidden:
            return _disclosure.redact(issue, known=known_keys())
        if hidden and issue not in local:  # a check across files may quote a value of a hidden one
            return _disclosure.redact(issue, known=known_keys(), cross=True)
        return issue

    if broken:
        return _finish(_BAD, cx, raw, order, order, shown)
    final = _Cx(cross=True, report_funding=False)  # funding was checked per file
    final.default_file = path
    final.inherit(cx)
    clean = _run(merged, final)
    return _finish(clean, final, raw, order, order, shown)


def resolve_chain(
    load: Callable[[ExtendsTarget], _Loaded],
    start_text: str | bytes,
    *,
    owner: str,
    repo: str,
    path: str = CONFIG_PATH,
    max_depth: int = MAX_EXTENDS_DEPTH,
    home: tuple[str, str] | None = None,
    start_public: bool = True,
) -> ConfigResult:
    """Validate ``start_text`` (the file at ``owner/repo:path``) and everything it ``_extends``.

    ``load(target)`` returns the target file's text, or None when it does not exist, or a
    :class:`Fetched` saying also whether the target's repository (and the configured one) is public;
    exceptions it raises (a network failure) propagate, so the shell can retry. Every file is validated
    with its own path in the issues (the start file as ``path``, the others as ``OWNER/REPO:PATH``); the
    merged result is validated again (cross-key checks). ``sources`` lists the files read, start first.

    ``home`` is the configured repository (default: the start file's); ``start_public`` whether the start
    file's repository is public. What is quoted of a file outside ``home`` that is not public, and which
    targets may be inherited at all, is :mod:`bot.core.disclosure`'s rule. An inherited file must be a
    fundbot configuration (a ``.yml``/``.yaml`` mapping of fundbot keys), otherwise nothing of it is used."""
    gen = _chain(start_text, owner, repo, path, max_depth, home=home, start_public=start_public)
    try:
        target = next(gen)
        while True:
            target = gen.send(load(target))
    except StopIteration as stop:
        return stop.value


async def resolve_chain_async(
    load: Callable[[ExtendsTarget], Awaitable[_Loaded]],
    start_text: str | bytes,
    *,
    owner: str,
    repo: str,
    path: str = CONFIG_PATH,
    max_depth: int = MAX_EXTENDS_DEPTH,
    home: tuple[str, str] | None = None,
    start_public: bool = True,
) -> ConfigResult:
    """:func:`resolve_chain` with an async loader (same logic: both drive one generator)."""
    gen = _chain(start_text, owner, repo, path, max_depth, home=home, start_public=start_public)
    try:
        target = next(gen)
        while True:
            target = gen.send(await load(target))
    except StopIteration as stop:
        return stop.value


# ==================================================================================================
# Rendering: YAML scalars, onboarding template, reference table, summary, issue lists


def _yaml(value: Any) -> str:
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
        return "{" + ", ".join(f"{_yaml(k)}: {_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    return _funding._yaml_scalar(str(value))


_COMMENT_COLUMN = 44


def _line(indent: int, body: str, description: str, *, commented: bool) -> str:
    prefix = "# " if commented else ""
    text = " " * indent + body
    pad = max(_COMMENT_COLUMN - len(prefix + text), 2)
    return f"{prefix}{text}{' ' * pad}# {description}" if description else prefix + text


def _template_key(key: _Key, indent: int, out: list[str], funding_lines: list[str] | None) -> None:
    typ = key.type
    if isinstance(typ, _Section):
        out.append(_line(indent, f"{key.name}:", key.description, commented=True))
        for child in typ.keys.values():
            _template_key(child, indent + 2, out, None)
        return
    if isinstance(typ, _Funding) and funding_lines:
        out.append(_line(indent, "funding:", key.description, commented=False))
        out.extend(" " * (indent + 2) + ln for ln in funding_lines)
        return
    default = key.default
    if isinstance(typ, _LabelGoals) and default:
        out.append(_line(indent, f"{key.name}:", key.description, commented=True))
        out.extend(_line(indent + 2, f"{_yaml(k)}: {_yaml(v)}", "", commented=True) for k, v in default.items())
        return
    if isinstance(typ, _List) and default and isinstance(default[0], Mapping):
        out.append(_line(indent, f"{key.name}:", key.description, commented=True))
        out.extend(_line(indent + 2, f"- {_yaml(item)}", "", commented=True) for item in default)
        return
    body = f"{key.name}: {_yaml(default)}" if default is not None else f"{key.name}:"
    out.append(_line(indent, body, key.description, commented=True))


def onboarding_template(*, funding: Mapping[str, Any] | None = None) -> str:
    """A complete ``.github/fundbot.yml``: every key commented out with its default and description;
    ``funding:`` filled in (uncommented) from an existing FUNDING.yml mapping when one is given.

    Lines starting with ``##`` are prose; a line starting with ``# `` is a key: removing the ``# ``
    from every line gives a file that means exactly the defaults."""
    funding_lines: list[str] | None = None
    if funding:
        rendered = _funding.render(_funding.normalise(funding))
        body = [ln for ln in rendered.splitlines() if ln and not ln.startswith("#")]
        funding_lines = body or None
    out = [
        "## fundbot configuration (.github/fundbot.yml); the README lists every key.",
        "## Every key is optional. Each line below shows a key with its default value: remove the",
        "## leading `# ` from a line to change it. An invalid file is reported in a check run and",
        "## fundbot keeps using the last valid configuration.",
        "",
    ]
    for key in SCHEMA.keys.values():
        _template_key(key, 0, out, funding_lines if key.name == "funding" else None)
        if isinstance(key.type, _Section) or key.name == "_extends":
            out.append("")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _rows(section: _Section, prefix: str) -> Iterable[tuple[str, str, str, str]]:
    for name, key in section.keys.items():
        path = f"{prefix}{name}"
        typ = key.type
        if isinstance(typ, _Section):
            yield path, "mapping", "", key.description
            yield from _rows(typ, path + ".")
            continue
        if key.required:
            default = "required"
        elif key.default is None:
            default = "—"
        else:
            default = f"`{_code(_yaml(key.default))}`"
        desc = key.description
        if key.example:
            desc += " Example: `" + key.example.replace("`", "'") + "`."
        yield path, typ.doc(), default, desc
        if isinstance(typ, _List) and isinstance(typ.item, _Section):
            yield from _rows(typ.item, path + "[].")


def _code(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def _cell(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|")


def reference_markdown() -> str:
    """A Markdown table of every key (key path, type, default, description), from the schema."""
    lines = ["| Key | Type | Default | Description |", "|---|---|---|---|"]
    for path, typ, default, desc in _rows(SCHEMA, ""):
        lines.append(f"| `{path}` | {typ} | {default} | {_cell(desc)} |")
    return "\n".join(lines) + "\n"


def _money(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def summary(config: Config) -> str:
    """A short Markdown summary of the effective settings (check run output, ``/fundbot help``)."""
    t = _md.text
    cur = config.bounties.currency
    mode = {"pull_request": "through a pull request", "commit": "by direct commits", "off": "not written"}
    out = ["**fundbot settings**", ""]
    links = _funding.links(config.funding) if config.funding else []
    if links:
        out.append(
            "- **Funding links:** "
            + ", ".join(t(link.title) for link in links)
            + f"; `.github/FUNDING.yml` {mode[config.funding_file]}."
        )
    else:
        out.append("- **Funding links:** none configured in `funding:`.")
    if config.links:
        out.append("- **Extra links:** " + ", ".join(t(link.title) for link in config.links) + ".")
    if config.issues.comment:
        only = (
            " on issues labelled " + ", ".join(t(x) for x in config.issues.labels)
            if config.issues.labels
            else " on every new issue"
        )
        skip = f" (skipping {len(config.issues.skip_authors)} author(s))" if config.issues.skip_authors else ""
        out.append(f"- **New issues:** funding-links comment{only}{skip}.")
    else:
        out.append("- **New issues:** no funding-links comment.")
    rel = config.releases
    parts = ["funding footer" if rel.footer else "no footer"]
    if rel.thank_backers:
        parts.append("backers thanked")
    out.append("- **Releases:** " + ", ".join(parts) + ".")
    b = config.bounties
    if b.enabled:
        goals = ", ".join(f"{t(name)} = {_money(goal, cur)}" for name, goal in b.labels.items()) or "none"
        out.append(
            f"- **Bounties:** on; label {t(b.label)}; bounty labels: {goals}; deadline {b.deadline_days} "
            f"days; pledges {_money(b.min_pledge, cur)} to {_money(b.max_amount, cur)}; managed by "
            + ", ".join(b.who_can_manage)
            + "."
        )
        if b.rewards:
            out.append(
                "- **Rewards:** "
                + "; ".join(f"from {_money(r.min, cur)}: {t(r.reward)}" for r in b.rewards)
                + "."
            )
    else:
        out.append("- **Bounties:** off.")
    if config.funding_goal.amount > 0:
        title = t(config.funding_goal.title) if config.funding_goal.title else "project goal"
        out.append(f"- **Funding goal:** {title}, {_money(config.funding_goal.amount, cur)}.")
    rd = config.readme
    if rd.update == "off":
        out.append("- **README sponsors:** not written.")
    else:
        tiers = ", ".join(f"{t(x.name)} (from {_money(x.min, cur)})" for x in rd.tiers)
        out.append(f"- **README sponsors:** {t(rd.path)}, {mode[rd.update]}; tiers: {tiers}.")
    return "\n".join(out) + "\n"


def format_issues(issues: Iterable[Issue]) -> str:
    """``PATH:LINE:COL: severity: message [code]`` lines, errors first, then by file and position."""
    ordered = sorted(issues, key=lambda i: (i.severity != "error", i.path, i.line, i.column, i.code))
    lines = []
    for i in ordered:
        where = f"{i.path}:{i.line}:{i.column}" if i.line else i.path
        lines.append(f"{where}: {i.severity}: {i.message} [{i.code}]")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Self-checks used by the tests


def _schema_drift() -> list[str]:
    """Differences between the schema's keys and the dataclass fields (must be empty)."""
    problems: list[str] = []

    def walk(section: _Section, where: str) -> None:
        if section.cls is None:
            problems.append(f"{where or 'top'}: no dataclass")
            return
        fields = [f.name for f in dataclasses.fields(section.cls)]
        keys = [_FIELD_NAMES.get(k, k) for k in section.keys]
        if fields != keys:
            problems.append(f"{where or 'top'}: fields {fields} != keys {keys}")
        for name, key in section.keys.items():
            inner = key.type.item if isinstance(key.type, _List) else key.type
            if isinstance(inner, _Section):
                walk(inner, f"{where}.{name}" if where else name)

    walk(SCHEMA, "")
    return problems

