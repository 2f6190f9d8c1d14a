"""The container value types of the schema: a list, the label → goal mapping, a section (a mapping with
known keys: the file, its sections, the entries of object lists) with its :class:`Key` table, and
``funding:``; plus what a key's default is and how an unknown key is reported."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ruamel.yaml.nodes import Node as YamlNode

from bot.core import funding as _funding
from bot.core.config.model import Issue
from bot.core.config.report import BAD, Context, KeyPath, brief, flow_yaml, has_bad, key_path, named, short
from bot.core.config.rules import Amount, Choice, Text, ValueType
from bot.core.yaml_tree import Entry, Node, from_python, key_text, to_python


class ListOf(ValueType):
    def __init__(self, item: ValueType, *, max_items: int, min_items: int = 0, unique: bool = False, what: str = "") -> None:
        self.item, self.max_items, self.min_items, self.unique, self.what = item, max_items, min_items, unique, what

    def doc(self) -> str:
        inner = self.what or self.item.doc()
        return f"list of {inner} (at most {self.max_items})"

    def expected(self) -> str:
        return f"a list of {self.what or self.item.doc()}, e.g. `[a, b]`"

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if n.kind != "seq":
            hint = ""
            if n.is_text and isinstance(self.item, Text | Choice):
                hint = f"; write a list: `[{short(n.value)}]`"
            return self.wrong(n, cx, kp, hint)
        if len(n.value) > self.max_items:
            return _too_many(cx, n.value[self.max_items], kp, len(n.value), self.max_items, "entries")
        if len(n.value) < self.min_items:
            cx.add(
                "error",
                n,
                kp,
                "too-few",
                f"at least {self.min_items} entries",
                str(len(n.value)),
                f"{named(kp)} needs at least {self.min_items} entr{'y' if self.min_items == 1 else 'ies'}, "
                f"but is empty.",
            )
            return BAD
        out: list[Any] = []
        seen: set[str] = set()
        bad = False
        for i, item in enumerate(n.value):
            ikp = (*kp, i)
            cx.nodes[ikp] = item
            v = self.item.check(item, cx, ikp)
            if has_bad(v):
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
                        brief(item),
                        f"`{short(v)}` is listed twice in {named(kp)}; remove the second one.",
                    )
                    continue
                seen.add(norm)
            out.append(v)
        return BAD if bad else out


def _too_many(cx: Context, at: Node, kp: KeyPath, count: int, limit: int, noun: str) -> Any:
    cx.add("error", at, kp, "too-many", f"at most {limit} {noun}", str(count),
           f"{named(kp)} has {count} {noun}; at most {limit} are allowed - remove {count - limit}.")
    return BAD


class LabelGoals(ValueType):
    """bounties.labels: label name -> amount."""

    def __init__(self, max_items: int) -> None:
        self.key = Text(1, 50, "label")
        self.value = Amount()
        self.max_items = max_items

    def doc(self) -> str:
        return f"mapping label name → amount (at most {self.max_items})"

    def expected(self) -> str:
        return 'a mapping of label names to amounts, e.g. `{"bounty: S": 100}`'

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if n.kind != "map":
            return self.wrong(n, cx, kp)
        entries = dedupe_entries(n, cx, kp)
        if len(entries) > self.max_items:
            extra = list(entries.values())[self.max_items]
            return _too_many(cx, extra.key, kp, len(entries), self.max_items, "labels")
        out: dict[str, Decimal] = {}  # the valid entries (errors are in ``cx``)
        for name, e in entries.items():
            ikp = (*kp, name)
            cx.nodes[ikp] = e.value
            k = self.key.check(e.key, cx, ikp)
            v = self.value.check(e.value, cx, ikp) if e.value.tag != "null" else self.value.wrong(e.value, cx, ikp)
            if k is not BAD and v is not BAD:
                out[k] = v
        return out


def dedupe_entries(n: Node, cx: Context, kp: KeyPath) -> dict[str, Entry]:
    """Entries of a mapping by key text (last wins), reporting duplicate keys."""
    out: dict[str, Entry] = {}
    first: dict[str, Entry] = {}
    for e in n.value:
        name = key_text(e.key)
        if name in first and not e.merged and not first[name].merged:
            at = first[name].key.line
            cx.add(
                "error",
                e.key,
                (*kp, name),
                "duplicate-key",
                "each key once",
                short(name),
                f"`{short(name)}` appears twice in {named(kp) if kp else 'the file'}"
                f"{f' (first on line {at})' if at else ''}; only one value can be kept - merge them into "
                f"one entry.",
            )
        first.setdefault(name, e)
        out.pop(name, None)
        out[name] = e
    return out


@dataclass(frozen=True)
class Key:
    name: str
    type: ValueType
    default: Any = None
    description: str = ""
    required: bool = False
    nullable: bool = False
    example: str | None = None  # for the reference table, when the default says little


class Section(ValueType):
    """A mapping with known keys (the file, its sections, and the entries of object lists)."""

    def __init__(self, keys: list[Key], *, cls: type | None = None, what: str = "a mapping") -> None:
        self.keys = {k.name: k for k in keys}
        self.cls = cls
        self.what = what

    DOC = "mapping"

    def expected(self) -> str:
        return self.what

    def default_value(self) -> dict[str, Any]:
        return {name: default_of(k) for name, k in self.keys.items() if not k.required}

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if n.is_null:
            if any(k.required for k in self.keys.values()):
                return self.wrong(n, cx, kp)
            return self.default_value()
        if n.kind != "map":
            return self.wrong(n, cx, kp)
        entries = dedupe_entries(n, cx, kp)
        last = {id(e) for e in entries.values()}
        out: dict[str, Any] = {}
        for e in n.value:  # every occurrence of a duplicate key is checked; the last one is kept
            name = key_text(e.key)
            key = self.keys.get(name)
            if key is None:
                if id(e) in last:
                    unknown_key(self, e.key, name, cx, kp)
                continue
            ikp = (*kp, name)
            value = value_node(e)
            v = check_key(key, value, cx, ikp)
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
                    f"{named(kp)} needs a `{name}` ({key.type.expected()}).",
                )
                out[name] = BAD
            else:
                out[name] = default_of(key)
        # Partial values (with BAD inside) feed the cross-key checks; whether the file is valid is
        # decided by the errors collected, not by this value.
        return out


def value_node(e: Entry) -> Node:
    """The value of an entry; an implicit null (``key:`` and nothing) is placed on its key, since
    its own mark is the next token's."""
    v = e.value
    if v.is_null and v.text == "" and v.src is not None and e.key.line:
        return dataclasses.replace(v, line=e.key.line, col=e.key.col)
    return v


def check_key(key: Key, n: Node, cx: Context, kp: KeyPath) -> Any:
    if n.is_null and not isinstance(key.type, Section | FundingKeys):
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
            f"{named(kp)} has no value, so the default (`{flow_yaml(default)}`) or the inherited value "
            f"applies; give it {key.type.expected()} or delete the line.",
        )
        return default_of(key)
    return key.type.check(n, cx, kp)


def all_paths(section: Section, prefix: tuple[str, ...] = ()) -> dict[str, list[tuple[str, ...]]]:
    """Leaf name -> every key path it has in the schema (for misplaced keys)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for name, key in section.keys.items():
        out.setdefault(name, []).append((*prefix, name))
        inner = key.type.item if isinstance(key.type, ListOf) else key.type
        if isinstance(inner, Section):
            for k, v in all_paths(inner, (*prefix, name)).items():
                out.setdefault(k, []).extend(v)
    return out


def unknown_key(section: Section, key_node: Node, name: str, cx: Context, kp: KeyPath) -> None:
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
            elsewhere = [p for p in cx.paths.get(norm, []) if p[:-1] != tuple(x for x in kp if isinstance(x, str))]
            if elsewhere:
                suggestion = f"`{key_path(elsewhere[0])}` (it belongs under `{key_path(elsewhere[0][:-1]) or 'the top level'}`)"
    where = f"in {named(kp)}" if kp else "at the top level"
    hint = f"; did you mean {suggestion}?" if suggestion else f"; the keys here are {', '.join(known)}."
    cx.add(
        "warning",
        key_node,
        (*kp, name),
        "unknown-key",
        "one of " + ", ".join(known),
        short(name),
        f"Unknown key `{short(name)}` {where} is ignored{hint}",
    )


class FundingKeys(ValueType):
    """``funding:``: handed, as the composed node plus the whole file text, to
    :func:`bot.core.funding.check_mapping` - what ``check-funding`` does with a FUNDING.yml - so the verdicts
    and codes are the same; its problems become issues with the key prefix ``funding.``."""

    DOC = "FUNDING.yml mapping"
    EXPECTED = "FUNDING.yml keys such as `github: [octocat]`"

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if n.is_null or (n.kind == "map" and not n.value):
            return {}
        if isinstance(n.src, YamlNode) and n.source is not None:
            target: Any = n.src
            problems = _funding.check_mapping(target, source=n.source)
            values = _funding.normalise(target, source=n.source)
        else:
            target = to_python(n)
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
        return BAD if bad else values


def _token(lines: list[str], line: int, col: int) -> str:
    if not (1 <= line <= len(lines)):
        return ""
    rest = lines[line - 1][max(col - 1, 0) :]
    m = re.search(r"\s#|\s*$", rest)
    return short(rest[: m.start()].strip() if m else rest.strip(), 80)


def default_of(key: Key) -> Any:
    """The clean (validated) default of a key."""
    if isinstance(key.type, Section):
        return key.type.default_value()
    if key.default is None:
        return None
    return _clean_default(key.name, key.type, json.dumps(key.default, sort_keys=False, ensure_ascii=False))


_DEFAULTS_CACHE: dict[tuple[str, str, str], Any] = {}


def _clean_default(name: str, typ: ValueType, dumped: str) -> Any:
    cache_key = (name, str(id(typ)), dumped)
    if cache_key not in _DEFAULTS_CACHE:
        cx = Context(cross=False)
        value = typ.check(from_python(json.loads(dumped), "<defaults>"), cx, (name,))
        if value is BAD or any(i.severity == "error" for i in cx.issues):  # pragma: no cover
            raise AssertionError(f"schema default of {name} is invalid: {cx.issues}")
        _DEFAULTS_CACHE[cache_key] = value
    return _copy(_DEFAULTS_CACHE[cache_key])


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
