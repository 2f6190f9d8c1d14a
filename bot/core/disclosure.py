"""What fundbot may show of a configuration file it read from another repository (pure, no I/O).

The rule: text read from a file is quoted (in check runs, ``/fundbot help``, logs users see) only when the
file is in the configured repository itself or in a public repository. A problem in any other file is
reported by position and rule only: file, line, column, the schema part of the key and the code, never a
value, a key it does not know, a "did you mean" or a number taken from it. A public repository inherits
only from public repositories (whatever it inherits, fundbot publishes: comments, README, check runs).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Fetched", "may_inherit", "redact", "safe_key"]


@dataclass(frozen=True)
class Fetched:
    """What a loader found for an ``_extends`` target: the text (None: missing or not readable), whether the
    target's repository is public, and - when the loader looked it up - whether the configured repository is
    (``None``: not known, treated as public, the strict case)."""

    text: str | bytes | None
    public: bool = True
    home_public: bool | None = None


def may_inherit(*, same_repository: bool, target_public: bool, home_public: bool | None) -> bool:
    """A file of the same repository or of a public one may always be inherited; a non-public file of another
    repository only by a repository known to be non-public."""
    return same_repository or target_public or home_public is False


# One sentence per rule, free of any text of the file.
_RULES = {
    "unknown-key": "a key fundbot does not know (ignored)",
    "wrong-type": "a value of the wrong type",
    "out-of-range": "a number outside the allowed range",
    "bad-enum": "a value that is not one of the allowed choices",
    "bad-amount": "an amount fundbot cannot read",
    "bad-text": "text with control characters",
    "bad-label": "an invalid label name",
    "bad-login": "an invalid GitHub login",
    "bad-path": "a file path fundbot refuses",
    "bad-currency": "an unknown currency code",
    "bad-url": "an invalid link",
    "not-https": "a link that is not https://",
    "bad-extends": "an invalid `_extends` value",
    "empty-value": "a key without a value",
    "too-long": "a text that is too long",
    "too-many": "a list or mapping with too many entries",
    "too-few": "a list with too few entries",
    "too-many-keys": "a mapping with too many keys",
    "missing-key": "a required key is missing",
    "duplicate-key": "the same key twice",
    "duplicate-value": "the same value twice in a list",
    "duplicate-label": "the same label used twice",
    "duplicate-tier": "two tiers with the same name or minimum",
    "unknown-tier": "a sponsor in a tier that does not exist",
    "unknown-placeholder": "an unknown placeholder in a message",
    "bool-as-string": "a boolean written as text",
    "currency-mismatch": "an amount in another currency",
    "min-above-max": "a minimum above the maximum",
    "goal-without-amount": "a goal without an amount",
    "broad-permission": "a very broad permission",
    "unsorted": "entries out of order",
    "yaml-syntax": "a YAML syntax error",
    "decode-error": "bytes that are not UTF-8",
    "file-too-large": "a file larger than fundbot reads",
    "too-complex": "a document too large or too deeply nested",
    "not-a-mapping": "a document that is not a mapping of keys",
    "multiple-documents": "more than one YAML document",
    "extends-cycle": "an `_extends` cycle",
    "extends-too-deep": "an `_extends` chain that is too deep",
    "extends-missing": "an `_extends` target that cannot be read",
    "not-fundbot-config": "an `_extends` target that is not a fundbot configuration",
}

_TOKEN = re.compile(r'\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\.?("(?:[^"\\]|\\.)*")')


def safe_key(key: str | None, known: Iterable[str] | frozenset[str]) -> str | None:
    """The longest leading part of a dotted key path (``readme.sponsors[3].name``) whose names are all
    schema keys (``known``: dotted paths without indices); None when not even the first one is."""
    if not key:
        return None
    known = known if isinstance(known, frozenset) else frozenset(known)
    out, names, pos = "", "", 0
    while pos < len(key):
        m = _TOKEN.match(key, pos)
        if m is None or m.group(3) is not None:
            break
        if m.group(2) is not None:
            if not out:
                break
            out += f"[{m.group(2)}]"
        else:
            candidate = f"{names}.{m.group(1)}" if names else m.group(1)
            if candidate not in known:
                break
            names = candidate
            out += ("." if out else "") + m.group(1)
        pos = m.end()
    return out or None


def _repository_of(label: str) -> str | None:
    ref = label.split(":", 1)[0]
    return ref if ref.count("/") == 1 and not ref.startswith("(") else None


def redact(issue: Any, *, known: frozenset[str], cross: bool = False) -> Any:
    """``issue`` (a ``bot.core.config.Issue``) reduced to position and rule. ``cross``: a check across
    files, whose message may hold values of a file that is not shown."""
    rule = _RULES.get(issue.code, f"a problem of rule `{issue.code}`")
    repository = _repository_of(issue.path)
    if cross:
        why = "it involves values of an inherited file that is not public"
    elif repository:
        why = f"{repository} is not this repository and is not public"
    else:
        why = "that file is not in this repository and is not public"
    return dataclasses.replace(
        issue,
        key=safe_key(issue.key, known),
        expected="",
        found="",
        message=f"{rule[0].upper()}{rule[1:]}; details are not shown because {why}.",
    )
