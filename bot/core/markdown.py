r"""Safe output: escaping user strings for Markdown/HTML, checking URLs, and fundbot's hidden markers.

Every user-supplied string that fundbot writes into a comment, a release note or a README goes through
``inert`` (shown as typed, in a code span), ``sentence`` (fundbot's prose quoting user text), ``text``
(Markdown/HTML text), ``attr`` (an HTML attribute value) or ``url`` (a link target). None of them can
produce ``<!--`` or ``-->``, so no user string can close or forge a fundbot marker.

What GitHub makes live in a comment, an issue or pull request body or release notes, and so what echoed
user text must never be able to form (sources: docs.github.com "Autolinked references and URLs", "Basic
writing and formatting syntax", "Configuring autolinks to reference external resources"; the GFM spec,
github.github.com/gfm, "Autolinks (extension)"; cmark-gfm's autolink extension):

* GFM autolinks, made while parsing: ``www.`` + domain and ``http://``/``https://`` URLs at a line start,
  after whitespace or after ``*`` ``_`` ``~`` ``(``; bare e-mail addresses ``a@b.c`` (and ``mailto:``,
  ``xmpp:``); CommonMark ``<scheme:...>`` and ``<a@b.c>``.
* Markdown and HTML: links ``[x](y)``, images ``![x](y)``, emphasis, headings, lists, quotes and tables
  when a line break starts a new block, raw HTML (``<img>``, ``<a>``, ``<details>``), HTML entities.
* GitHub's reference filters, run afterwards on the rendered text (so a backslash escape or an entity,
  ``\#12`` or ``&#35;12``, does NOT stop them; they skip ``<code>``, ``<pre>`` and ``<a>``): ``#26``,
  ``GH-26``, ``owner/repo#26``; issue, pull request, discussion, commit and label URLs (shortened or
  rendered); commit SHAs (7 to 40 hex digits), ``user@SHA``, ``owner/repo@SHA``; ``@user`` and
  ``@org/team`` mentions (which notify); and each repository's custom autolinks (any prefix an admin
  chose, ``TICKET-123``, ``JIRA-7``), which no escaping can know. References are not made in repository
  files such as the README (only the GFM autolinks are).

Hence ``inert``: user text inside an inline code span (``<code>`` is skipped by every one of these),
fenced by more backticks than any run in the text, one line, length-capped, and ``|`` escaped in table
cells (a ``|`` splits a GFM table cell even inside a code span). ``text`` is for the few places where code
formatting would read badly (link texts, names): it escapes Markdown and HTML and breaks every pattern
above that it can know with a zero-width space.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

from bot.core import names

MARKER_PREFIX = "fundbot:"
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")  # characters with inline meaning anywhere in a line
_MD_BLOCK_START = re.compile(r"^([#+=-])")  # would start a heading, list or rule at a line start
_MD_ORDERED = re.compile(r"^(\d+)([.)])")  # "1." would start an ordered list
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def text(value: object, *, limit: int = 200) -> str:
    """Escape a user string for Markdown text (also safe inside HTML text): one line, bounded length,
    HTML entities for ``<>&"'``, backslash escapes for Markdown punctuation, and a zero-width space in
    every mention, reference and autolink GitHub would make (see the module docstring). Prefer ``inert``
    wherever user text is quoted; this is for link texts and names."""
    s = _CONTROL.sub("", str(value)).replace("\r", " ").replace("\n", " ").strip()
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return _escape(s)


def _escape(s: str) -> str:
    s = html.escape(s, quote=True)
    s = _MD_INLINE.sub(r"\\\1", s)
    s = _MD_BLOCK_START.sub(r"\\\1", s)
    s = _MD_ORDERED.sub(r"\1\\\2", s)
    # "@user" in generated text would notify that user on every edit; "#12" would link another issue...
    return _break_references(s)


_REF_BREAKS = re.compile(
    r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?<=\bmailto)(?=:)|(?<=\bxmpp)(?=:)"  # URLs, e-mail schemes
    r"|(?<=#)(?=[0-9])|(?<=\bgh)(?=-[0-9])"  # #12, GH-12, owner/repo#12
)
_HEX_RUN = re.compile(r"(?i)\b[0-9a-f]{7,}\b")  # commit SHAs (7-40 hex digits), user@SHA, owner/repo@SHA


def _break_hex(m: re.Match) -> str:
    """A run of 7+ hex digits cut every 4, so no piece is long enough to be read as a commit SHA."""
    run = m.group(0)
    return "\u200b".join(run[i : i + 4] for i in range(0, len(run), 4))


def _break_references(s: str) -> str:
    """A zero-width space where GitHub would start a link, a reference or a mention."""
    return _HEX_RUN.sub(_break_hex, _REF_BREAKS.sub("\u200b", s)).replace("@", "@\u200b")


def _one_line(value: object, limit: int) -> str:
    """Control characters and bidi overrides dropped, every run of whitespace (line breaks included) one
    space, at most ``limit`` characters (cut with "…")."""
    s = " ".join(_CONTROL.sub("", str(value)).split())
    if len(s) > max(1, limit):
        s = s[: max(1, limit) - 1] + "…"
    return s


_BACKTICK_RUN = re.compile(r"`+")


def inert(value: object, limit: int = 200, *, table: bool = False) -> str:
    """User text shown exactly as typed and nothing else: an inline code span, so no link, mention,
    reference, emphasis, HTML or entity in it is live (see the module docstring). One line, at most
    ``limit`` characters; ``table=True`` for a GFM table cell."""
    s = defuse(_one_line(value, limit))
    if table:
        s = s.replace("|", "\\|")
    fence = "`" * (max((len(m.group()) for m in _BACKTICK_RUN.finditer(s)), default=0) + 1)
    # One space each side: CommonMark strips exactly one from both ends, so text starting or ending with a
    # backtick (or a space) is shown whole. An empty text is one space, still a code span.
    return f"{fence} {s} {fence}" if s else "` `"


_QUOTED = re.compile("\u201c([^\u201c\u201d]*)\u201d")


def sentence(value: object, limit: int = 400) -> str:
    """fundbot's own sentence in which user text is quoted between “ and ” (as the command parser and
    the campaign ledger write their reasons): the quoted parts become ``inert`` code spans, the rest is
    ``text``. An opening “ never closed quotes the rest of the sentence."""
    s = _one_line(value, limit)
    out, pos = [], 0
    for m in _QUOTED.finditer(s):
        out += [_escape(s[pos : m.start()]), inert(m.group(1), limit=len(s))]
        pos = m.end()
    rest = s[pos:]
    if "\u201c" in rest:
        i = rest.index("\u201c")
        out += [_escape(rest[:i]), inert(rest[i + 1 :], limit=len(s))]
    else:
        out.append(_escape(rest))
    return "".join(out)


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
    if names.is_login_or_bot(login):
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
