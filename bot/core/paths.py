"""The one rule for repository paths fundbot sends to GitHub's contents API, and their encoding.

A path comes from configuration text (``readme.path``, ``_extends: REPO:PATH``) or from fundbot itself
(``.github/FUNDING.yml``). It is checked as written *and* after percent-decoding (GitHub decodes the URL
once; a ``%2e%2e`` written in a config would reach it as ``..``) and is then encoded segment by segment, so
no character of it can change which URL is requested. The validator reports :func:`problem`; the request
boundary (``bot.repo_ops``) calls :func:`encode`, which refuses the same paths: a bad path never reaches a
request. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, unquote

__all__ = [
    "MAX_LENGTH",
    "MAX_SEGMENTS",
    "CONFIG_SUFFIXES",
    "PathProblem",
    "UnsafePath",
    "encode",
    "is_config_file",
    "problem",
    "readme_problem",
]

MAX_LENGTH = 255
MAX_SEGMENTS = 32
CONFIG_SUFFIXES = (".yml", ".yaml")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_FUNDING_NAME = "funding.yml"


@dataclass(frozen=True)
class PathProblem:
    """Why a path is refused: a stable ``code``, a sentence without the path in it, and the 0-based
    offset in the written value where the problem starts (for a column)."""

    code: str
    why: str
    offset: int = 0


class UnsafePath(ValueError):
    """A path the contents API must not be asked for (raised at the request boundary)."""

    def __init__(self, path: str, found: PathProblem) -> None:
        super().__init__(f"refused repository path ({found.code}): {found.why}")
        self.problem = found


def _control_at(text: str) -> int | None:
    """Offset of the first control, format (bidi, zero-width) or line/paragraph separator character."""
    for i, ch in enumerate(text):
        if ch in "\t\n\r" or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            return i
    return None


def problem(value: object) -> PathProblem | None:
    """None when ``value`` is a safe relative file path inside a repository; otherwise why not.

    Refused: non-text, empty, longer than 255 characters or 32 segments, control characters, any
    percent-escape (``%2e``: a config names files as they are called, and a decoded escape could be
    ``..`` or ``/``), backslashes, absolute paths, empty segments (``a//b``, a trailing ``/``), ``.``,
    ``..`` and ``.git`` segments, and leading or trailing spaces."""
    if not isinstance(value, str):
        return PathProblem("bad-path", "it is not text")
    if not value:
        return PathProblem("bad-path", "it is empty")
    if len(value) > MAX_LENGTH:
        return PathProblem("bad-path", f"it is {len(value)} characters long (at most {MAX_LENGTH})", MAX_LENGTH)
    decoded = unquote(value, errors="replace")
    for text in (value, decoded):
        at = _control_at(text)
        if at is not None:
            return PathProblem("bad-path", "it contains a control or invisible character", at if text is value else 0)
    escape = _ESCAPE.search(value)
    if escape is not None:
        hint = ""
        if ".." in decoded.split("/") or "\\" in decoded or decoded.startswith("/"):
            hint = " (it decodes to a path that leaves the repository)"
        return PathProblem("bad-path", f"it contains the percent-escape `{escape.group(0)}`{hint}; write the file name "
                           "as it is, without %-escapes", escape.start())
    if "\\" in value:
        return PathProblem("bad-path", "it contains a backslash; separate folders with `/`", value.index("\\"))
    if value.startswith("/"):
        return PathProblem("bad-path", "it is absolute; write it relative to the repository root, without a leading `/`")
    if value != value.strip():
        return PathProblem("bad-path", "it starts or ends with a space")
    segments = value.split("/")
    if len(segments) > MAX_SEGMENTS:
        return PathProblem("bad-path", f"it has {len(segments)} folder levels (at most {MAX_SEGMENTS})")
    offset = 0
    for seg in segments:
        if seg == "":
            return PathProblem("bad-path", "it has an empty segment (`//` or a trailing `/`)", offset)
        if seg in (".", ".."):
            return PathProblem("bad-path", f"it has a `{seg}` segment; name the file from the repository root", offset)
        if seg.lower() == ".git":
            return PathProblem("bad-path", "it points into `.git`", offset)
        offset += len(seg) + 1
    return None


def readme_problem(value: object) -> PathProblem | None:
    """:func:`problem`, and ``readme.path`` must not point into ``.github/`` (fundbot's own configuration,
    workflows, CODEOWNERS) nor at a FUNDING.yml, which fundbot writes from ``funding:``."""
    found = problem(value)
    if found is not None:
        return found
    assert isinstance(value, str)
    segments = value.split("/")
    if segments[0].lower() == ".github":
        return PathProblem("bad-path", "it points into `.github/` (fundbot's configuration and GitHub's "
                           "workflows live there); put the sponsor section in a README outside it")
    if segments[-1].lower() == _FUNDING_NAME:
        return PathProblem("bad-path", "it names a FUNDING.yml, which fundbot writes from `funding:`",
                           len(value) - len(segments[-1]))
    return None


def is_config_file(path: str) -> bool:
    """A fundbot configuration is a YAML file: its name ends in ``.yml`` or ``.yaml``."""
    name = path.rsplit("/", 1)[-1].lower()
    return any(name.endswith(s) and len(name) > len(s) for s in CONFIG_SUFFIXES)


def encode(path: str) -> str:
    """``path`` percent-encoded segment by segment (for a ``{+path}`` URI template, which keeps ``%XX``).

    Raises :class:`UnsafePath` for a path :func:`problem` refuses."""
    found = problem(path)
    if found is not None:
        raise UnsafePath(path, found)
    return "/".join(quote(seg, safe="") for seg in path.split("/"))
