"""The located YAML reader: composed YAML (or plain Python values) with file, line and column on every node.

The one place fundbot reads YAML text: :mod:`bot.core.config` reads ``fundbot.yml`` with it and
:mod:`bot.core.funding` reads ``FUNDING.yml`` with it. The text is *composed* with ruamel (round-trip
mode, YAML 1.2), not constructed: composing keeps the position, quoting style and source text of every
scalar and keeps duplicate keys (a round-trip load would raise on them). Aliases are not expanded (one
:class:`Node` is shared); ``<<`` merge keys are flattened, explicit keys winning (unless the caller keeps
them as keys). Which YAML 1.1 reading GitHub's parser gives a plain scalar is the FUNDING.yml reader's
business (:mod:`bot.core.funding.yaml11`, from :attr:`Node.text` and :attr:`Node.plain`); nothing here
knows fundbot's or GitHub's keys.

* :func:`compose` - text -> the composed documents, or a located :class:`SyntaxFailure`; never raises.
* :class:`TreeBuilder` - a composed document -> :class:`Node` (bounded: nodes, depth, keys per mapping).
* :func:`resolved_tag` - the tag YAML 1.2 resolved for a scalar, even when its value could not be built.
* :func:`from_python` / :func:`to_python` - plain values <-> :class:`Node`.
* :func:`flow_depth_over` - a guard run before the reader, which recurses per ``[``/``{`` level.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from bot.core import text as _text

MAX_NODES = 200_000  # composed nodes in one file (aliases are not expanded, so this is text-bound)
MAX_DEPTH = 100  # nesting levels kept (a fundbot.yml needs 4); deeper is refused, not recursed into
MAX_KEYS = 200  # keys in one mapping (the largest a fundbot.yml needs is ~20); more is refused unread
MAX_FLOW_DEPTH = 64  # levels of ``[`` / ``{`` nesting read at all (see flow_depth_over)
TAGS = _text.YAML_TAG_KINDS


@dataclass(eq=False)
class Node:
    kind: str  # "map" | "seq" | "scalar"
    tag: str  # scalars: str, int, float, bool, null, timestamp, other; "map" / "seq" otherwise
    value: Any  # map: list[Entry]; seq: list[Node]; scalar: the Python value
    text: str = ""  # scalar source text
    plain: bool = True  # scalar written unquoted and untagged
    line: int = 0  # 1-based, 0 = unknown
    col: int = 0
    file: str = ""
    src: Any = None  # the composed ruamel node, when there is one
    source: str | None = None  # the text of the file it was composed from

    @property
    def is_null(self) -> bool:
        return self.kind == "scalar" and self.tag == "null"

    @property
    def is_text(self) -> bool:
        return self.kind == "scalar" and self.tag == "str"


@dataclass(eq=False)
class Entry:
    key: Node
    value: Node
    merged: bool = False  # brought in by a ``<<`` merge key (explicit keys win silently)


class TreeTooBig(Exception):
    pass


class TooManyKeys(Exception):
    def __init__(self, line: int, col: int, count: int) -> None:
        super().__init__(count)
        self.line, self.col, self.count = line, col, count


class TreeBuilder:
    """Composed ruamel nodes -> ``Node``; aliases share one ``Node`` (memo).

    ``max_keys``: more keys in one mapping raise :class:`TooManyKeys` (None: no limit). ``merge``: flatten
    ``<<`` merge keys (False: keep ``<<`` as a key, tagged ``other``). ``leaf_depth``: collections at this
    depth or deeper are built without their contents (a reader that only needs "a list" or "a mapping"
    there stays bounded)."""

    def __init__(
        self,
        file: str,
        source: str | None,
        *,
        max_keys: int | None = MAX_KEYS,
        merge: bool = True,
        leaf_depth: int | None = None,
    ) -> None:
        self.file = file
        self.source = source
        self.max_keys = max_keys
        self.merge = merge
        self.leaf_depth = leaf_depth
        self.memo: dict[int, Node] = {}
        self.count = 0
        self.constructor = YAML(typ="safe", pure=True).constructor

    def build(self, node: Any, depth: int = 0) -> Node:
        done = self.memo.get(id(node))
        if done is not None:
            return done
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            raise TreeTooBig
        mark = getattr(node, "start_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        common = {"line": line, "col": col, "file": self.file, "src": node, "source": self.source}
        if isinstance(node, ScalarNode):
            out = self._scalar(node, common)
            self.memo[id(node)] = out
            return out
        leaf = self.leaf_depth is not None and depth >= self.leaf_depth
        if leaf and isinstance(node, SequenceNode | MappingNode):
            kind = "seq" if isinstance(node, SequenceNode) else "map"
            return Node(kind, kind, [], **common)  # not memoised: an alias higher up gets the whole node
        if isinstance(node, SequenceNode):
            out = Node("seq", "seq", [], **common)
            self.memo[id(node)] = out
            out.value = [self.build(n, depth + 1) for n in node.value]
            return out
        if isinstance(node, MappingNode):
            if self.max_keys is not None and len(node.value) > self.max_keys:
                # refused before any key is checked: bounded time and output
                raise TooManyKeys(line, col, len(node.value))
            out = Node("map", "map", [], **common)
            self.memo[id(node)] = out
            entries: list[Entry] = []
            merges: list[Entry] = []
            for k, v in node.value:
                if self.merge and str(k.tag) == "tag:yaml.org,2002:merge":
                    merges.extend(self._merge_entries(v, depth + 1))
                    continue
                entries.append(Entry(self.build(k, depth + 1), self.build(v, depth + 1)))
            if merges:
                explicit = {key_text(e.key) for e in entries}
                inherited: dict[str, Entry] = {}
                for e in merges:
                    name = key_text(e.key)
                    if name not in explicit and name not in inherited:
                        inherited[name] = e
                entries = list(inherited.values()) + entries
            out.value = entries
            return out
        return Node("scalar", "other", repr(node), repr(node), False, **common)

    def _merge_entries(self, v: Any, depth: int) -> list[Entry]:
        maps = [v] if isinstance(v, MappingNode) else list(v.value) if isinstance(v, SequenceNode) else []
        out: list[Entry] = []
        for m in maps:  # earlier maps win, as in YAML's merge key
            built = self.build(m, depth)
            if built.kind == "map":
                out.extend(Entry(e.key, e.value, True) for e in built.value)
        return out

    def _scalar(self, node: Any, common: dict[str, Any]) -> Node:
        tag = TAGS.get(str(node.tag), "other")
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
        return Node("scalar", tag, value, text, plain, **common)


def resolved_tag(n: Node) -> str:
    """The tag YAML 1.2 resolved for a composed scalar (``int`` for a number too long to convert, where
    :attr:`Node.tag` says ``other``); :attr:`Node.tag` for anything else."""
    if n.kind == "scalar" and isinstance(n.src, ScalarNode):
        return TAGS.get(str(n.src.tag), "other")
    return n.tag


def key_text(n: Node) -> str:
    if n.kind != "scalar":
        return "[" + n.kind + "]"
    if n.tag == "str":
        return n.value
    return n.text if n.text else str(n.value)


def from_python(obj: Any, file: str, depth: int = 0) -> Node:
    """Plain Python values -> ``Node`` (no positions)."""
    if depth > 50:
        return Node("scalar", "other", "…", "…", False, file=file)
    if isinstance(obj, Mapping):
        entries = [
            Entry(from_python(k, file, depth + 1), from_python(v, file, depth + 1)) for k, v in obj.items()
        ]
        return Node("map", "map", entries, file=file)
    if isinstance(obj, list | tuple):
        return Node("seq", "seq", [from_python(v, file, depth + 1) for v in obj], file=file)
    if obj is None:
        return Node("scalar", "null", None, "", True, file=file)
    if isinstance(obj, bool):
        return Node("scalar", "bool", obj, "true" if obj else "false", True, file=file)
    if isinstance(obj, int):
        return Node("scalar", "int", obj, safe_str(obj), True, file=file)
    if isinstance(obj, float | Decimal):
        return Node("scalar", "float", obj, safe_str(obj), True, file=file)
    if isinstance(obj, str):
        return Node("scalar", "str", obj, obj, False, file=file)
    if isinstance(obj, _dt.date | _dt.time):
        return Node("scalar", "timestamp", obj.isoformat(), obj.isoformat(), True, file=file)
    return Node("scalar", "other", safe_str(obj), safe_str(obj), False, file=file)


def safe_str(obj: Any) -> str:
    try:
        return str(obj)
    except Exception:  # noqa: BLE001 - e.g. an int with more digits than str() allows
        return f"<{type(obj).__name__}>"


def to_python(n: Node, memo: dict[int, Any] | None = None) -> Any:
    """``Node`` -> plain dicts / lists / scalars (last duplicate key wins; aliases stay shared)."""
    memo = {} if memo is None else memo
    if id(n) in memo:
        return memo[id(n)]
    if n.kind == "map":
        out: dict[Any, Any] = {}
        memo[id(n)] = out
        for e in n.value:
            k = e.key.value if e.key.kind == "scalar" and e.key.tag != "other" else key_text(e.key)
            try:
                hash(k)
            except TypeError:
                k = key_text(e.key)
            out[k] = to_python(e.value, memo)
        return out
    if n.kind == "seq":
        items: list[Any] = []
        memo[id(n)] = items
        items.extend(to_python(v, memo) for v in n.value)
        return items
    return n.value


@dataclass(frozen=True)
class SyntaxFailure:
    """Why a text could not be composed, and where (1-based). ``kind``: ``syntax`` (a YAML error with
    a mark: ``what`` is the problem, ``context`` `` (CONTEXT on line N)`` or empty), ``nesting`` (the
    reader ran out of stack) or ``reader`` (anything else, e.g. a character YAML forbids)."""

    kind: Literal["syntax", "nesting", "reader"]
    line: int
    column: int
    what: str
    context: str = ""


def compose(text: str, *, max_documents: int | None = None) -> tuple[list[Any], SyntaxFailure | None]:
    """The composed documents of ``text`` (ruamel nodes; at most ``max_documents``: reading stops once one
    more is seen, so a caller can tell "more than N"), or the failure. Never raises."""
    yaml = YAML(typ="rt", pure=True)
    docs: list[Any] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for doc in yaml.compose_all(text):
                docs.append(doc)
                if max_documents is not None and len(docs) > max_documents:
                    break
    except MarkedYAMLError as exc:
        return [], _marked_failure(exc)
    except RecursionError:
        return [], SyntaxFailure("nesting", 1, 1, "the document is nested too deeply to read")
    except Exception as exc:  # noqa: BLE001 - a reader must answer
        return [], _reader_failure(exc, text)
    return docs, None


def _marked_failure(exc: MarkedYAMLError) -> SyntaxFailure:
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and "simple key" in (exc.context or ""):
        mark = exc.context_mark  # "could not find expected ':'" is found on the next line; point at the text
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    what = (exc.problem or exc.context or "invalid YAML").strip()
    context = ""
    if mark is exc.context_mark and exc.context_mark is not None and exc.problem_mark is not None:
        what = f"this line is not `key: value` ({what})"
    elif exc.context and exc.problem and exc.context_mark is not None:
        context = f" ({exc.context} on line {exc.context_mark.line + 1})"
    return SyntaxFailure("syntax", line, col, what, context)


def _reader_failure(exc: Exception, text: str) -> SyntaxFailure:
    position = getattr(exc, "position", None)  # ruamel's ReaderError: a character YAML forbids
    if not (isinstance(position, int) and 0 <= position <= len(text)):
        return SyntaxFailure("reader", 1, 1, safe_str(exc))
    before = text[:position]
    line = before.count("\n") + 1
    col = position - (before.rfind("\n") + 1) + 1
    character = getattr(exc, "character", None)
    code = ord(character) if isinstance(character, str) and len(character) == 1 else character
    what = f"the character U+{code:04X} is not allowed in YAML" if isinstance(code, int) else safe_str(exc)
    return SyntaxFailure("reader", line, col, what)


def flow_depth_over(text: str, limit: int) -> tuple[int, int] | None:
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


