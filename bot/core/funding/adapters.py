"""Adapters from the shared located tree (:mod:`bot.core.yaml_tree`; composed ruamel nodes go through it), round-trip ``CommentedMap`` values and plain Python data to the neutral tree."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any

from bot.core import yaml_tree
from bot.core.funding.model import _Map, _Scalar, _Seq, _Tree


def _adapt(node: Any, source: str | None) -> _Tree | None:
    from ruamel.yaml.nodes import Node

    if node is None:
        return None
    if isinstance(node, yaml_tree.Node):
        return _from_tree(node)
    if isinstance(node, Node):
        return _from_tree(_located(node, source))
    lines = source.splitlines() if source is not None else None
    lc = getattr(node, "lc", None)
    line = getattr(lc, "line", None)
    col = getattr(lc, "col", None)
    return _from_python(
        node, lines, line if isinstance(line, int) else -1, col if isinstance(col, int) else -1
    )


def _located(node: Any, source: str | None) -> yaml_tree.Node:
    """A composed ruamel node as the shared located tree, read the way GitHub's parser sees FUNDING.yml:
    ``<<`` stays a key (not merged), no limit on keys; below the values of a list only "a list" or "a
    mapping" matters, so deeper collections are built empty. Raises :class:`yaml_tree.TreeTooBig`."""
    return yaml_tree.TreeBuilder("", source, max_keys=None, merge=False, leaf_depth=2).build(node)


def _from_tree(n: yaml_tree.Node) -> _Tree:
    """Adapter for the shared located tree (1-based positions, 0 unknown) to the rules' tree (0-based, -1)."""
    line, col = n.line - 1, n.col - 1
    if n.kind == "seq":
        return _Seq([_from_tree(v) for v in n.value], line, col)
    if n.kind == "map":
        return _Map([(_from_tree(e.key), _from_tree(e.value)) for e in n.value], line, col)
    return _Scalar(yaml_tree.resolved_tag(n), n.text, n.plain, line, col)


def _kind_of(value: Any) -> str:
    from ruamel.yaml.scalarbool import ScalarBoolean

    if value is None:
        return "null"
    if isinstance(value, bool | ScalarBoolean):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, _dt.date | _dt.time):
        return "timestamp"
    if isinstance(value, str):
        return "str"
    return "other"


def _lc(obj: Any, attr: str, key: Any) -> tuple[int, int]:
    lc = getattr(obj, "lc", None)
    data = getattr(lc, "data", None)
    if not data:
        return -1, -1
    try:
        pos = getattr(lc, attr)(key)
        return int(pos[0]), int(pos[1])
    except Exception:  # noqa: BLE001 - positions are best effort
        return -1, -1


def _from_python(obj: Any, lines: list[str] | None, line: int, col: int, depth: int = 0) -> _Tree:
    """Adapter for CommentedMap / CommentedSeq / plain dict, list and scalars."""
    if isinstance(obj, Mapping):
        if depth >= 2:
            return _Map([], line, col)
        entries = []
        for k in list(obj.keys()):
            kl, kc = _lc(obj, "key", k)
            vl, vc = _lc(obj, "value", k)
            entries.append(
                (
                    _from_python(k, lines, kl, kc, depth + 1),
                    _from_python(obj[k], lines, vl, vc, depth + 1),
                )
            )
        return _Map(entries, line, col)
    if isinstance(obj, list | tuple):
        if depth >= 2:
            return _Seq([], line, col)
        items = []
        for i, item in enumerate(obj):
            il, ic = _lc(obj, "item", i)
            items.append(_from_python(item, lines, il, ic, depth + 1))
        return _Seq(items, line, col)
    return _scalar_from_python(obj, lines, line, col)


def _scalar_from_python(obj: Any, lines: list[str] | None, line: int, col: int) -> _Scalar:
    from ruamel.yaml.scalarstring import PlainScalarString, ScalarString

    kind = _kind_of(obj)
    plain: bool | None = None
    raw: str | None = None
    if isinstance(obj, ScalarString):
        plain = isinstance(obj, PlainScalarString)
    if lines is not None and 0 <= line < len(lines) and 0 <= col <= len(lines[line]):
        src = lines[line]
        i = col
        if i < len(src) and src[i] == "&":
            while i < len(src) and not src[i].isspace():
                i += 1
            while i < len(src) and src[i] in " \t":
                i += 1
        first = src[i : i + 1]
        if plain is None:
            plain = first not in ("'", '"', "!", "|", ">", "*")
        if plain and kind != "str":
            raw = _token_at(src, i)
    if kind == "str":
        text = str(obj)
    elif raw:
        text = raw
    elif kind == "bool":
        text = "true" if obj else "false"
    elif kind == "null":
        text = ""
    else:
        text = str(obj)
    return _Scalar(kind, text, plain, line, col, obj)


def _token_at(line_text: str, col: int) -> str:
    """The plain scalar starting at ``col`` (only used for non-string scalars)."""
    rest = line_text[col:]
    m = re.search(r"\s#|[,\]}]|\s*$", rest)
    return rest[: m.start()].strip() if m else rest.strip()
