"""The rule engine: one FUNDING mapping (as a neutral tree) in, its problems and usable values out."""

from __future__ import annotations

import re
from typing import Any

from bot.core.funding.model import _Ctx, _Map, _Scalar, _Seq, _Tree
from bot.core.funding.tables import _PLATFORM_NAMES, KEYS, LIST_KEYS, RETIRED_KEYS
from bot.core.funding.values import (
    _check_handle,
    _check_thanks_dev,
    _check_tidelift,
    _check_url,
    _expected,
    _is_placeholder,
    _keys_list,
    _short,
    _unknown_key_message,
    _what,
)
from bot.core.funding.yaml11 import _describe, _reading_11


def _evaluate(root: _Tree | None, ctx: _Ctx, empty_pos: tuple[int, int] = (-1, -1)) -> dict[str, Any]:
    """Check ``root`` (the FUNDING mapping) and return the usable values (last duplicate wins)."""
    values: dict[str, Any] = {}
    if not isinstance(root, _Map):
        _not_a_mapping(root, ctx, empty_pos)
        return values
    first_seen: dict[str, int] = {}
    any_value = False
    errors_before = sum(p.severity == "error" for p in ctx.problems)
    for key_node, value in root.entries:
        if not isinstance(key_node, _Scalar) or key_node.kind != "str":
            shown = key_node.text if isinstance(key_node, _Scalar) else "a list or mapping"
            ctx.add(
                "error",
                key_node,
                None,
                "unknown-key",
                f"`{_short(shown)}` is not a funding platform key; use one of {_keys_list()}.",
            )
            continue
        any_value = _has_value(value) or any_value
        _evaluate_entry(key_node, value, first_seen, values, ctx)
    errors_after = sum(p.severity == "error" for p in ctx.problems)
    if not any_value and errors_after == errors_before:
        ctx.add(
            "warning",
            root,
            None,
            "no-funding-links",
            "No funding links: every key is empty, so GitHub shows no Sponsor button; fill in at "
            "least one, e.g. `github: [octocat]`, or delete the file.",
        )
    return values


def _not_a_mapping(root: _Tree | None, ctx: _Ctx, empty_pos: tuple[int, int]) -> None:
    """The problem of a document that is empty (a warning) or not a mapping (an error)."""
    if root is None or (isinstance(root, _Scalar) and root.kind == "null"):
        node = root if root is not None else _Scalar("null", "", None, *empty_pos)
        ctx.add(
            "warning",
            node,
            None,
            "no-funding-links",
            "No funding links: the file is empty or only has comments, so GitHub shows no Sponsor "
            "button; add at least one key, e.g. `github: [octocat]`.",
        )
        return
    found = "a list" if isinstance(root, _Seq) else f"the text `{_short(root.text)}`"
    hint = ""
    if isinstance(root, _Scalar) and re.match(r"\s*[a-z_]+:\S", root.text):
        hint = " (a key needs a space after its colon: `patreon: name`, not `patreon:name`)"
    ctx.add(
        "error",
        root,
        None,
        "not-a-mapping",
        f"FUNDING.yml must be `key: value` lines such as `github: [octocat]`, but this document "
        f"is {found}{hint}.",
    )


def _evaluate_entry(key_node: _Scalar, value: Any, first_seen: dict[str, int], values: dict[str, Any],
                    ctx: _Ctx) -> None:
    """Check one ``key: value`` entry whose key is text; keep its usable value in ``values``."""
    key = key_node.text
    if key in first_seen:
        ctx.add(
            "error",
            key_node,
            key,
            "duplicate-key",
            f"`{key}` appears twice (first on line {first_seen[key]}); YAML keeps only one of "
            f"the two values (GitHub the last), so the other is lost - merge them into one entry.",
        )
    else:
        first_seen[key] = ctx.pos(key_node.line, key_node.col)[0]
    if key in RETIRED_KEYS:
        _retired_key(key_node, value, ctx)
        return
    if key not in KEYS:
        ctx.add("error", key_node, key, "unknown-key", _unknown_key_message(key, value))
        return
    usable = _check_value(key, value, ctx)
    if usable is None:
        values.pop(key, None)
    else:
        values[key] = usable


def _retired_key(key_node: _Scalar, value: Any, ctx: _Ctx) -> None:
    key = key_node.text
    if _has_value(value):
        ctx.add(
            "error",
            key_node,
            key,
            "retired-key",
            f"`{key}` is no longer a GitHub funding platform ({RETIRED_KEYS[key]} shut down), "
            f"so this link is not shown; remove it or move a working link to `custom`.",
        )
    else:
        ctx.add(
            "warning",
            key_node,
            key,
            "retired-key",
            f"`{key}` is left over from an old template; GitHub no longer supports it - "
            f"delete the line.",
        )


def _has_value(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, _Scalar):
        return not (value.kind == "null" or (value.kind == "str" and value.text == ""))
    if isinstance(value, _Seq):
        return bool(value.items)
    return True


def _check_value(key: str, value: Any, ctx: _Ctx) -> Any:
    """Check one key's value; return the usable value (str or list of str) or None."""
    if not _has_value(value):
        if isinstance(value, _Seq) and key not in LIST_KEYS:
            ctx.add(
                "error",
                value,
                key,
                "list-not-allowed",
                f"`{key}` takes a single {_what(key)}, not a list; write `{key}: NAME` or remove the line.",
            )
        return None
    if isinstance(value, _Map):
        ctx.add(
            "error",
            value,
            key,
            "not-a-string",
            f"`{key}` has a mapping as its value; it takes {_expected(key)}.",
        )
        return None
    if isinstance(value, _Seq):
        if key not in LIST_KEYS:
            items = [i.text for i in value.items if isinstance(i, _Scalar)]
            fix = f"`{key}: {items[0]}`" if len(items) == 1 else f"`{key}: NAME`"
            ctx.add(
                "error",
                value,
                key,
                "list-not-allowed",
                f"`{key}` takes a single {_what(key)}, but this is a list of {len(value.items)}; "
                f"GitHub shows one {_PLATFORM_NAMES[key]} link per repository - write {fix}.",
            )
            return None
        return _check_list(key, value, ctx)
    # a single scalar
    if key == "github" and value.kind == "str" and "," in value.text:
        parts = [p.strip() for p in value.text.split(",") if p.strip()]
        ctx.add(
            "warning",
            value,
            key,
            "comma-list",
            f"`github` is one string with commas (`{_short(value.text)}`); GitHub splits it, but "
            f"other tools read one name - write a list: `github: [{', '.join(parts)}]`.",
        )
        split = [_Scalar("str", p, False, value.line, value.col) for p in parts]
        return _check_list(key, _Seq(split, value.line, value.col), ctx)
    good = _check_scalar(key, key, value, ctx)
    if good is None:
        return None
    return [good] if key in LIST_KEYS else good


def _check_list(key: str, seq: _Seq, ctx: _Ctx) -> list[str] | None:
    limit = LIST_KEYS[key]
    good: list[str] = []
    seen: set[str] = set()
    n = len(seq.items)
    if n > 4:
        at = 5 if key == "github" and n > 5 else 4
        _too_many(key, seq, seq.items[at], f"{key}[{at}]", ctx)
    for index, item in enumerate(seq.items):
        where = f"{key}[{index}]"
        if not _has_value(item) and not isinstance(item, _Seq):
            ctx.add(
                "error",
                item if item is not None else seq,
                where,
                "empty-entry",
                f"Entry {index + 1} of `{key}` is empty, so it names no {_what(key)}; remove it.",
            )
            continue
        if not isinstance(item, _Scalar):
            ctx.add(
                "error",
                item,
                where,
                "not-a-string",
                f"Entry {index + 1} of `{key}` is a {'list' if isinstance(item, _Seq) else 'mapping'}; "
                f"each entry is one {_what(key)}.",
            )
            continue
        value = _check_scalar(key, where, item, ctx)
        if value is None:
            continue
        dedupe = value.lower().rstrip("/")
        if dedupe in seen:
            ctx.add(
                "warning",
                item,
                where,
                "duplicate-value",
                f"`{_short(value)}` is listed twice in `{key}`; remove the second one.",
            )
            continue
        seen.add(dedupe)
        if len(good) < limit:
            good.append(value)
    return good or None


def _too_many(key: str, seq: _Seq, item: Any, where: str, ctx: _Ctx) -> None:
    n = len(seq.items)
    if key == "github":
        # SPEC section 6: `github` takes at most 4 entries. GitHub's own message ("up to 1 organization and
        # 4 users") would let a fifth entry through when one is an organization, which cannot be told
        # offline; fundbot holds the SPEC's limit and says why.
        ctx.add(
            "error",
            item,
            where,
            "too-many",
            f"`github` lists {n} accounts; fundbot allows at most 4 (GitHub's limit is 4 users plus "
            f"1 organization) - remove {n - 4}, or move a team page under `custom`.",
        )
    else:
        ctx.add(
            "error",
            item,
            where,
            "too-many",
            f"`custom` lists {n} links; GitHub shows at most 4 - remove {n - 4} or combine them "
            f"on one page of your own.",
        )


def _check_scalar(key: str, where: str, node: _Scalar, ctx: _Ctx) -> str | None:
    """Type and content checks for one scalar; returns the usable string or None."""
    typed = _type_problem(key, where, node)
    if typed is not None:
        ctx.add("error", node, where, *typed)
        return None
    value = node.text
    if key == "custom":
        ok = _check_url(where, node, value, ctx)
    elif key == "tidelift":
        ok = _check_tidelift(where, node, value, ctx)
    elif key == "thanks_dev":
        ok = _check_thanks_dev(where, node, value, ctx)
    else:
        ok = _check_handle(key, where, node, value, ctx)
    if not ok:
        return None
    if _is_placeholder(key, value):
        ctx.add(
            "warning",
            node,
            where,
            "placeholder",
            f"`{_short(value)}` looks like a template placeholder, not a real "
            f"{'link' if key == 'custom' else _what(key)}; replace it with yours or remove it.",
        )
    return value


_TYPE_CODES = {
    "int": "yaml-number",
    "float": "yaml-number",
    "bool": "yaml-boolean",
    "timestamp": "yaml-date",
    "null": "yaml-null",
}


def _type_problem(key: str, where: str, node: _Scalar) -> tuple[str, str] | None:
    """(code, message) when YAML - ruamel's 1.2 or GitHub's 1.1 reader - does not read text."""
    if node.kind == "other":
        return "not-a-string", (
            f"`{_short(node.text)}` is not plain text (a tagged or binary value); `{where}` takes "
            f"{_expected(key)}."
        )
    raw = node.text
    if node.kind == "str":
        if not node.plain:
            return None
        kind11 = _reading_11(raw)
        if kind11 == "str":
            return None
        what = _describe(kind11, raw, yaml11=True)
        return _TYPE_CODES[kind11], (
            f"GitHub's YAML 1.1 parser reads the unquoted `{_short(raw)}` as {what}, not as the "
            f'text `{_short(raw)}`; quote it: `"{_short(raw)}"`.'
        )
    # ruamel (YAML 1.2) itself built a number, boolean, date or null
    what = _describe(node.kind, raw, yaml11=False)
    if node.plain is None:  # a Python value: no source text to quote
        return _TYPE_CODES.get(node.kind, "not-a-string"), (
            f"`{where}` is {what}, not text; {key} takes {_expected(key)} - write it as a quoted "
            f'string, e.g. `"{_short(raw)}"`.'
        )
    if node.plain:
        kind11 = _reading_11(raw)
        what11 = _describe(kind11, raw, yaml11=True) if kind11 != "str" else "text"
        if what11 != what:
            what = f"{what} (GitHub's YAML 1.1 parser: {what11.removeprefix('the ')})"
    return _TYPE_CODES.get(node.kind, "not-a-string"), (
        f"YAML reads the unquoted `{_short(raw)}` as {what}, not as the text `{_short(raw)}`; "
        f'quote it: `"{_short(raw)}"`.'
    )
