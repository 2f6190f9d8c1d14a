"""Safe output: escaping user strings for Markdown/HTML, checking URLs, and fundbot's hidden markers.

Every user-supplied string that fundbot writes into a comment, a release note or a README goes through
``text`` (Markdown/HTML text), ``attr`` (an HTML attribute value) or ``url`` (a link target). None of
them can produce ``<!--`` or ``-->``, so no user string can close or forge a fundbot marker.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

MARKER_PREFIX = "fundbot:"
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")  # characters with inline meaning anywhere in a line
_MD_BLOCK_START = re.compile(r"^([#+=-])")  # would start a heading, list or rule at a line start
_MD_ORDERED = re.compile(r"^(\d+)([.)])")  # "1." would start an ordered list
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def text(value: object, *, limit: int = 200) -> str:
    """Escape a user string for Markdown text (also safe inside HTML text): one line, bounded length,
    HTML entities for ``<>&"'``, backslash escapes for Markdown punctuation, no @mentions that ping."""
    s = _CONTROL.sub("", str(value)).replace("\r", " ").replace("\n", " ").strip()
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = html.escape(s, quote=True)
    s = _MD_INLINE.sub(r"\\\1", s)
    s = _MD_BLOCK_START.sub(r"\\\1", s)
    s = _MD_ORDERED.sub(r"\1\\\2", s)
    # "@user" in generated text would notify that user on every edit: break the mention.
    return s.replace("@", "@\u200b")


def attr(value: object, *, limit: int = 200) -> str:
    """Escape for a double-quoted HTML attribute (alt, title)."""
    s = _CONTROL.sub("", str(value)).replace("\r", " ").replace("\n", " ").strip()
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return html.escape(s, quote=True).replace("--", "-&#45;")


def url(value: object) -> str | None:
    """An ``https://`` URL made safe for ``[..](url)`` and ``href="url"``, or None if it is not https."""
    s = str(value).strip()
    if _CONTROL.search(s) or any(c.isspace() for c in s):
        return None
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not parts.hostname or parts.username or parts.password:
        return None
    # Percent-encode what could break out of Markdown link syntax or an HTML attribute.
    return quote(s, safe="/:?#[]@!$&'*+,;=%~.-_").replace("(", "%28").replace(")", "%29").replace("'", "%27")


def defuse(value: str) -> str:
    """Text for a code span or code block: HTML comment openers and closers are broken with a zero-width
    space, so echoed user text can never hold (or close) a fundbot marker. Everything else is kept."""
    return value.replace("<!--", "<!\u200b--").replace("-->", "--\u200b>")


def mention(login: str) -> str:
    """An @mention of a GitHub login (validated), or the escaped text if it is not a valid login."""
    if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(\[bot\])?", login or ""):
        return "@" + login
    return text(login)


# --- hidden markers -------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _json_safe(data: Any) -> str:
    """Compact JSON with "-", "<" and ">" escaped inside strings, so the text can hold no "--", "<" or
    ">" (outside strings JSON only has "-" in numbers, never two in a row)."""
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=True)

    def escape(m: re.Match) -> str:
        return m.group(0).replace("<", "\\u003c").replace(">", "\\u003e").replace("-", "\\u002d")

    return _JSON_STRING.sub(escape, raw)


def marker(name: str, data: Any = None, *, version: int = 1) -> str:
    """``<!-- fundbot:NAME v1 {json} -->`` (json optional)."""
    if not re.fullmatch(r"[a-z][a-z0-9:._-]*", name):
        raise ValueError(f"bad marker name {name!r}")
    body = f"{MARKER_PREFIX}{name} v{version}"
    if data is not None:
        body += " " + _json_safe(data)
    return f"<!-- {body} -->"


_MARKER_RE = re.compile(r"<!-- fundbot:([a-z][a-z0-9:._-]*) v(\d+)(?: (\{.*?\}|\[.*?\]))? -->")


def find_markers(body: str | None) -> list[tuple[str, int, Any]]:
    """All fundbot markers in a text: (name, version, data-or-None). Malformed JSON yields data None."""
    found = []
    for m in _MARKER_RE.finditer(body or ""):
        data = None
        if m.group(3):
            try:
                data = json.loads(m.group(3))
            except ValueError:
                data = None
        found.append((m.group(1), int(m.group(2)), data))
    return found


def has_marker(body: str | None, name: str) -> bool:
    return any(n == name for n, _, _ in find_markers(body))
