"""Reading one file: text (or bytes) -> the located tree of its first YAML document, and the issues found
on the way (size, encoding, nesting, syntax, more than one document, too many keys or nodes). Never
raises; the YAML itself is read by :mod:`bot.core.yaml_tree`."""

from __future__ import annotations

from typing import Any

from bot.core import text as _text
from bot.core.config.model import MAX_BYTES, MAX_KEYS, Issue
from bot.core.config.report import short
from bot.core.yaml_tree import (
    MAX_FLOW_DEPTH,
    Node,
    SyntaxFailure,
    TooManyKeys,
    TreeBuilder,
    TreeTooBig,
    compose,
    flow_depth_over,
)

Parsed = tuple[Node | None, list[Issue], str | None]  # tree (None: empty or unreadable), issues, decoded text


def parse(data: str | bytes, path: str) -> Parsed:
    """Text -> located tree (None for an empty document) and the issues found on the way."""
    refused = _refuse_input(data, path)
    if refused is not None:
        return None, [refused], None
    text, problem = _decode(bytes(data) if not isinstance(data, str) else data, path)
    if text is None:
        return None, [problem] if problem else [], None
    deep = flow_depth_over(text, MAX_FLOW_DEPTH)
    if deep is not None:
        msg = (
            f"The document nests `[` / `{{` more than {MAX_FLOW_DEPTH} levels deep; fundbot does not read "
            f"it (a fundbot.yml needs at most 4 levels)."
        )
        return None, [Issue(path, *deep, None, "a few levels of nesting", "deep nesting", msg, "error", "too-complex")], text
    docs, failure = compose(text, max_documents=1)
    if failure is not None:
        return None, [_syntax_issue(failure, path)], text
    issues = [_second_document(docs[1], path)] if len(docs) > 1 else []
    if not docs or docs[0] is None:
        return None, issues, text
    return _tree(docs[0], path, text, issues)


def _refuse_input(data: Any, path: str) -> Issue | None:
    if not isinstance(data, str | bytes | bytearray | memoryview):
        msg = f"Expected the text of the file, got {type(data).__name__}."
        return Issue(path, 0, 0, None, "text", type(data).__name__, msg, "error", "internal-error")
    size = _size(data)
    if size <= MAX_BYTES:
        return None
    return Issue(
        path, 1, 1, None, f"at most {MAX_BYTES // 1024} KB", f"{size:,} bytes",
        f"The file is {size:,} bytes; fundbot reads configuration files of at most "
        f"{MAX_BYTES // 1024} KB ({MAX_BYTES:,} bytes) - it was not read.",
        "error", "file-too-large",
    )


def _size(data: str | bytes) -> int:
    if isinstance(data, str):
        return len(data.encode("utf-8", "surrogatepass"))
    return len(data)


def _decode(data: str | bytes, path: str) -> tuple[str | None, Issue | None]:
    text, failure = _text.decode(data)
    if failure is None:
        return text, None
    return None, Issue(path, failure.line, failure.column, None, "UTF-8 text", f"byte 0x{failure.byte:02x}",
                       failure.describe() + "; save it as UTF-8.", "error", "decode-error")


def _syntax_issue(failure: SyntaxFailure, path: str) -> Issue:
    where = (path, failure.line, failure.column, None, "valid YAML")
    if failure.kind == "nesting":
        return Issue(*where, "deep nesting", f"YAML syntax error: {failure.what}.", "error", "yaml-syntax")
    if failure.kind == "reader":
        what = short(failure.what, 200)
        msg = f"YAML syntax error: {what}; fix the file so fundbot can read it."
        return Issue(*where, short(what), msg, "error", "yaml-syntax")
    return Issue(
        *where,
        short(failure.what, 100),
        f"YAML syntax error: {failure.what}{failure.context}; fix it - until then fundbot keeps the last valid "
        f"configuration.",
        "error",
        "yaml-syntax",
    )


def _second_document(doc: Any, path: str) -> Issue:
    mark = getattr(doc, "start_mark", None)
    return Issue(
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


def _tree(doc: Any, path: str, text: str, issues: list[Issue]) -> Parsed:
    try:
        return TreeBuilder(path, text, max_keys=MAX_KEYS).build(doc), issues, text
    except TooManyKeys as exc:
        msg = (f"This mapping has {exc.count:,} keys; fundbot reads mappings of at most {MAX_KEYS} keys (a "
               f"fundbot.yml needs a few dozen) - the file was not checked further.")
        issues.append(Issue(path, exc.line, exc.col, None, f"at most {MAX_KEYS} keys", f"{exc.count} keys", msg,
                            "error", "too-many-keys"))
    except (TreeTooBig, RecursionError):
        msg = "The document is too large or nested too deeply to check; a fundbot.yml needs a few dozen keys."
        issues.append(Issue(path, 1, 1, None, "a small mapping", "too many nodes", msg, "error", "too-complex"))
    return None, issues, text
