"""Inheritance, the pure parts: what an ``_extends`` value names (:func:`parse_extends`) and how an
extending file is merged over the file it extends (:func:`merge` on plain values, :func:`merge_nodes` on
located trees). Following a chain is :mod:`bot.core.config.chain`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core import names
from bot.core import paths as _paths
from bot.core.config.model import CONFIG_PATH, ExtendsTarget
from bot.core.config.report import short
from bot.core.yaml_tree import Entry, Node, key_text

EXTENDS_FORMS = "`REPO`, `OWNER/REPO` or `OWNER/REPO:PATH`"


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


def merge_nodes(base: Node, override: Node) -> Node:
    """``merge`` on located trees (positions and files kept)."""
    if base.kind != "map" or override.kind != "map":
        return override
    entries: dict[str, Entry] = {}
    for e in base.value:
        entries[key_text(e.key)] = e
    for e in override.value:
        name = key_text(e.key)
        old = entries.get(name)
        if old is not None and e.value.is_null:
            continue
        if old is not None and old.value.kind == "map" and e.value.kind == "map":
            entries[name] = Entry(e.key, merge_nodes(old.value, e.value))
        else:
            entries[name] = Entry(e.key, e.value)
    return Node("map", "map", list(entries.values()), line=override.line, col=override.col, file=override.file)




def parse_extends(value: str, *, owner: str, repo: str) -> ExtendsTarget | str:
    """``REPO``, ``OWNER/REPO``, ``REPO:PATH`` or ``OWNER/REPO:PATH`` -> target, or an error message.

    ``owner`` is the owner of the file that holds ``_extends`` (the default owner); ``repo`` is its
    repository (accepted for symmetry; a file extending itself is caught by the chain's cycle check).
    """
    if not isinstance(value, str):
        return f"expected {EXTENDS_FORMS}, but found {type(value).__name__}."
    v = value.strip()
    example = "`.github`, `octo-org/.github` or `octo-org/configs:fundbot/base.yml`"
    if not v:
        return f"`_extends` is empty; write {example}."
    ref, sep, path = v.partition(":")
    if sep:
        path = path.strip()
        if not path:
            return f"`{short(v)}` has a `:` but no path after it; write {example}."
        refused = _paths.problem(path)
        if refused is None and any(c.isspace() for c in path):
            refused = _paths.PathProblem("bad-path", "it contains a space")
        if refused is not None:
            return (
                f"`{short(path)}` is not a file path inside a repository: {refused.why}; write e.g. "
                f"`{short(ref.strip())}:.github/fundbot.yml`."
            )
        if not _paths.is_config_file(path):
            return (
                f"`{short(path)}` is not a fundbot configuration file: `_extends` names a YAML file (`.yml` or "
                f"`.yaml`) such as `{short(ref.strip())}:.github/fundbot.yml`; fundbot reads nothing else."
            )
    else:
        path = CONFIG_PATH
    ref = ref.strip()
    if ref.count("/") > 1:
        return f"`{short(ref)}` is not `REPO` or `OWNER/REPO`; write {example}."
    if "/" in ref:
        o, r = ref.split("/")
    else:
        o, r = owner, ref
    if not names.is_login(o):
        return (
            f"`{short(o)}` is not a GitHub user or organization name (letters, digits and single "
            f"hyphens, up to 39 characters)."
        )
    if not names.is_repo_name(r):
        return (
            f"`{short(r)}` is not a GitHub repository name (letters, digits, `.`, `_` and `-`, up to "
            f"100 characters)."
        )
    return ExtendsTarget(o, r, path)
