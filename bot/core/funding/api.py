"""The public FUNDING.yml API: lint, parse, check_mapping, normalise, links, render, format_problems."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from bot.core import text as _text
from bot.core import yaml_tree
from bot.core.funding.adapters import _adapt, _from_tree, _located
from bot.core.funding.model import FundingLink, Problem, _Ctx, _sorted
from bot.core.funding.rules import _evaluate
from bot.core.funding.tables import _PLATFORM_NAMES, _URL_TEMPLATES, HEADER, KEYS, LIST_KEYS
from bot.core.funding.values import _short
from bot.core.funding.yaml11 import _yaml_scalar


def check_mapping(
    node: Any, *, line_offset: int = 0, column_offset: int = 0, source: str | None = None
) -> list[Problem]:
    """Check an already-parsed FUNDING mapping with the FUNDING.yml rules.

    ``node`` is a ruamel round-trip ``CommentedMap`` (for example the value of ``funding:`` in
    ``.github/fundbot.yml``; its line numbers are already those of that file), a composed ruamel
    ``MappingNode``, or a plain ``dict`` (positions are then 0). ``line_offset``/``column_offset``
    are added to known positions. Pass the text the node was loaded from as ``source`` so that
    unquoted values that GitHub's YAML 1.1 parser reads differently (``patreon: yes``) are found -
    a round-trip load alone cannot tell ``yes`` from ``"yes"``.
    """
    ctx = _Ctx(line_offset, column_offset)
    _evaluate(_adapt(node, source), ctx)
    return _sorted(ctx.problems)


def _decode(text: str | bytes) -> tuple[str | None, Problem | None]:
    decoded, failure = _text.decode(text)
    if failure is None:
        return decoded, None
    return None, Problem("error", failure.line, failure.column, None,
                         failure.describe() + "; GitHub reads FUNDING.yml as UTF-8 - save it in that encoding.",
                         "decode-error")


def _analyse(text: str | bytes) -> tuple[dict[str, Any], list[Problem]]:
    decoded, problem = _decode(text)
    if decoded is None:
        return {}, [problem] if problem else []
    docs, problem = _compose(decoded)
    if problem is not None:
        return {}, [problem]
    ctx = _Ctx(0, 0)
    try:
        root = _from_tree(_located(docs[0], decoded)) if docs and docs[0] is not None else None
    except yaml_tree.TreeTooBig:
        return {}, [Problem("error", 1, 1, None, f"The file has more than {yaml_tree.MAX_NODES:,} values; "
                            "FUNDING.yml needs a few `key: value` lines - it was not checked.", "too-complex")]
    values = _evaluate(root, ctx, empty_pos=(0, 0))
    if len(docs) > 1:
        mark = getattr(docs[1], "start_mark", None)
        ctx.problems.append(
            Problem(
                "warning",
                (mark.line + 1) if mark else 1,
                (mark.column + 1) if mark else 1,
                None,
                f"The file holds {len(docs)} YAML documents; only the first is used - remove the `---` "
                f"separator and everything after it.",
                "multiple-documents",
            )
        )
    return _ordered(values), _sorted(ctx.problems)


def _compose(decoded: str) -> tuple[list[Any], Problem | None]:
    """Every YAML document of ``decoded``, composed by the shared reader; or the ``yaml-syntax`` problem
    that stops reading."""
    docs, failure = yaml_tree.compose(decoded)
    if failure is None:
        return docs, None
    if failure.kind == "nesting":
        message = (f"YAML syntax error: {failure.what}; FUNDING.yml only needs `key: value` lines and "
                   f"flat lists.")
    elif failure.kind == "reader":
        what = _short(failure.what or "the text cannot be read", 200)
        message = f"YAML syntax error: {what}; GitHub cannot read the file."
    else:
        message = (f"YAML syntax error: {failure.what}{failure.context}; GitHub cannot read the file, so no "
                   f"Sponsor button is shown.")
    return [], Problem("error", failure.line, failure.column, None, message, "yaml-syntax")


def lint(text: str | bytes) -> list[Problem]:
    """All problems of a whole FUNDING.yml text. Never raises."""
    try:
        return _analyse(text)[1]
    except Exception as exc:  # noqa: BLE001 - a linter must answer, even on a bug of ours
        return [Problem("error", 1, 1, None, f"Internal error while checking: {exc!r}", "internal-error")]


def parse(text: str | bytes) -> tuple[dict[str, str | list[str]], list[Problem]]:
    """The usable, normalised values of a FUNDING.yml text, plus its lint problems."""
    try:
        return _analyse(text)
    except Exception as exc:  # noqa: BLE001
        return {}, [Problem("error", 1, 1, None, f"Internal error while checking: {exc!r}", "internal-error")]


def normalise(mapping: Any, *, source: str | None = None) -> dict[str, str | list[str]]:
    """Usable values only (those without errors), lists for github/custom, in KEYS order.

    ``mapping`` is anything :func:`check_mapping` accepts (``source`` as there).
    """
    tree = _adapt(mapping, source)
    return _ordered(_evaluate(tree, _Ctx(0, 0)))


def _ordered(values: dict[str, Any]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for key in KEYS:
        if key in values:
            v = values[key]
            out[key] = list(v) if key in LIST_KEYS else v
    return out


def links(mapping: Any) -> list[FundingLink]:
    """Links a human can open, in KEYS order then list order, duplicates removed."""
    values = normalise(mapping)
    out: list[FundingLink] = []
    seen: set[str] = set()
    for key in KEYS:
        if key not in values:
            continue
        items = values[key] if isinstance(values[key], list) else [values[key]]
        for handle in items:
            link = _link(key, handle)
            dedupe = _dedupe_key(link.url)
            if dedupe in seen:
                continue
            seen.add(dedupe)
            out.append(link)
    return out


def _link(key: str, handle: str) -> FundingLink:
    if key == "custom":
        url = handle if "://" in handle else "https://" + handle
        if url.lower().startswith("http://"):
            url = "https://" + url[len("http://") :]
        elif url.lower().startswith("https://"):
            url = "https://" + url[len("https://") :]
        title = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", handle).rstrip("/")
        return FundingLink(key, handle, url, title)
    url = _URL_TEMPLATES[key].format(urllib.parse.quote(handle, safe="/@:._-~+"))
    title = f"GitHub Sponsors (@{handle})" if key == "github" else _PLATFORM_NAMES[key]
    return FundingLink(key, handle, url, title)


def _dedupe_key(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    if host in ("github.com",):
        path = path.lower()
    return f"{host}{path}?{parts.query}#{parts.fragment}"


def render(mapping: Any) -> str:
    """FUNDING.yml text GitHub accepts: header comment, KEYS order, flow lists, safe quoting."""
    values = normalise(mapping)
    lines = [HEADER]
    if not values:
        lines.append("# No funding links configured.")
    for key in KEYS:
        if key not in values:
            continue
        v = values[key]
        if isinstance(v, list):
            lines.append(f"{key}: [" + ", ".join(_yaml_scalar(x) for x in v) + "]")
        else:
            lines.append(f"{key}: {_yaml_scalar(v)}")
    return "\n".join(lines) + "\n"


def format_problems(path: str, problems: list[Problem]) -> str:
    """``PATH:LINE:COL: severity: message [code]`` lines, errors first, then by position."""
    ordered = sorted(problems, key=lambda p: (p.severity != "error", p.line, p.column, p.code))
    return "\n".join(f"{path}:{p.line}:{p.column}: {p.severity}: {p.message} [{p.code}]" for p in ordered)
