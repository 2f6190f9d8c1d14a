"""Splicing fundbot's sponsor section into a README (pure: bytes in, bytes out).

The section lives between ``<!-- fundbot:sponsors:start -->`` and ``<!-- fundbot:sponsors:end -->``.
:func:`splice` replaces what is between them and nothing else; :func:`extract` reads it back.

Decisions
---------
* **Bytes outside the markers are never touched.** UTF-8 is decoded with ``surrogateescape`` so even
  invalid bytes round-trip exactly; a UTF-8 BOM is kept; a UTF-16 file (BOM ``FF FE``/``FE FF``) is read
  and written back as UTF-16 with its BOM. The only bytes fundbot writes are the region between the end
  of the start marker and the start of the end marker, or a block appended at the very end.
* **Only real markers count.** A marker is an HTML comment whose body is exactly
  ``fundbot:sponsors:start`` / ``fundbot:sponsors:end`` (spaces around the name are tolerated, so a
  hand-typed ``<!--fundbot:sponsors:start-->`` works and is kept as typed). Comments inside fenced code
  blocks (backtick or tilde fences, also indented in list items or inside ``>`` block quotes) and
  inside inline code spans (CommonMark backtick-run matching, within a paragraph) are ignored, as is
  the text of a longer comment that merely contains marker text. Backslash escapes are honoured.
* **Markers may sit anywhere** (indented inside ``<div>``/``<p align="center">``, or both on one line).
  The whitespace that indents the end marker on its line is kept. The region is rewritten as
  ``START ⏎ ⏎ inner ⏎ ⏎ indent END``: the blank lines make the Markdown inside render even when the
  markers sit in an HTML block (which ends at a blank line).
* **Line endings**: the file's dominant ending (CRLF when CRLF lines outnumber LF-only lines) is used for
  everything fundbot writes; ``inner`` may use either.
* **Missing section**: appended at the end as ``⏎ heading ⏎ ⏎ START ... END ⏎``. A last line without a
  newline is terminated first; no extra blank line when the file already ends with one. If the file
  ends inside an unclosed code fence or an unclosed HTML comment (both run to the end of the document
  in CommonMark, so nothing after them would render), the fence/comment is closed first: that does not
  change how the existing text renders. The heading is added even if the README already has a
  ``## Sponsors`` heading of its own (that section belongs to the maintainer).
* **Errors** (:class:`SpliceError`): two start or two end markers, one without the other, end before
  start. Also when ``inner`` itself holds marker text, an unclosed fence or comment (it would swallow
  the end marker), or characters that cannot be encoded. The shell reports it and writes nothing.
* **Idempotent**: ``splice(splice(x, s), s) == splice(x, s)``, and ``extract(splice(x, s))`` is ``s``
  with its line endings normalised to ``\\n`` and leading/trailing newlines removed.

Known gaps: indented code blocks (4 spaces after a blank line) are not recognised, so a marker shown in
one is treated as real; an unclosed fence inside a list item is taken to run to the end of the file;
backticks inside an HTML block are treated as code spans (CommonMark does not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

START = "<!-- fundbot:sponsors:start -->"
END = "<!-- fundbot:sponsors:end -->"

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16 = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


class SpliceError(ValueError):
    """Duplicate or unbalanced markers (or an unusable inner text): fundbot writes nothing."""


# ------------------------------------------------------------------------------------------ scanning

_INTEREST = re.compile(r"[\\`\n]|<!--")
_COMMENT_OPEN = re.compile(r"<!--|\n")
_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?)*")  # indentation and block-quote markers
_FENCE_OPEN = re.compile(r"(`{3,}|~{3,})([^\n]*)")
_FENCE_CLOSE = re.compile(r"(`{3,}|~{3,})[ \t\r]*")
_BLANK_LINE = re.compile(r"\n[ \t\r]*(?:\n|\Z)")
_MARKER_BODY = re.compile(r"[ \t]*fundbot:sponsors:(start|end)[ \t]*")
_LIST_ITEM = re.compile(r"(?:[-+*]|[0-9]{1,9}[.)])(?:[ \t]|\r?$)")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|\r?$)")
_HTML_RAW = re.compile(r"<(?:script|pre|style|textarea)(?:[ \t>]|\r?$)", re.I)  # CommonMark HTML block 1
_HTML_RAW_END = re.compile(r"</(?:script|pre|style|textarea)>", re.I)
_HTML_OTHER = (  # CommonMark HTML blocks 3 to 5: (start, end)
    (re.compile(r"<\?"), re.compile(r"\?>")),
    (re.compile(r"<!\[CDATA\["), re.compile(r"\]\]>")),
    (re.compile(r"<![A-Za-z]"), re.compile(r">")),
)
_HTML_BLOCK_TAG = re.compile(  # CommonMark HTML block 6: ends at a blank line
    r"</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|"
    r"dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|"
    r"html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|"
    r"section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul)(?:[ \t>]|/>|\r?$)",
    re.I,
)
_HTML_TAG_LINE = re.compile(  # CommonMark HTML block 7: a lone complete tag (not after paragraph text)
    r"(?:<[A-Za-z][A-Za-z0-9-]*(?:[ \t]+[A-Za-z_:][A-Za-z0-9_.:-]*(?:[ \t]*=[ \t]*(?:[^ \t\"'=<>`]+|'[^']*'|"
    r"\"[^\"]*\"))?)*[ \t]*/?>|</[A-Za-z][A-Za-z0-9-]*[ \t]*>)[ \t\r]*"
)
_RUNS: dict[int, re.Pattern[str]] = {}


@dataclass
class _Scan:
    markers: list[tuple[str, int, int]] = field(default_factory=list)  # (start|end, from, to)
    fence: tuple[str, int, int] | None = None  # open at the end: (char, length, block-quote depth)
    comment_open: bool = False  # an HTML comment block runs to the end of the text


def _run(n: int) -> re.Pattern[str]:
    pat = _RUNS.get(n)
    if pat is None:
        pat = _RUNS[n] = re.compile("(?<!`)`{" + str(n) + "}(?!`)")
    return pat


def _columns(prefix: str) -> int:
    col = 0
    for c in prefix:
        col = col + 4 - col % 4 if c == "\t" else col + 1
    return col


def _comment(s: str, i: int, out: _Scan, *, block: bool) -> int | None:
    """At ``<!--`` (index i): record a marker, return the index after the comment; None if the comment
    is not closed (``out.comment_open`` is set for a block comment, which runs to the end)."""
    after = i + 4
    if s.startswith(">", after):  # "<!-->" is an empty comment
        return after + 1
    if s.startswith("->", after):  # so is "<!--->"
        return after + 2
    if block:
        e = s.find("-->", after)  # an HTML block: runs until "-->", blank lines or not
        if e < 0:
            out.comment_open = True
            return None
    else:
        blank = _BLANK_LINE.search(s, after)  # inline: within its paragraph
        e = s.find("-->", after, blank.start() if blank else len(s))
        if e < 0:
            return None
    body = _MARKER_BODY.fullmatch(s, after, e)
    if body:
        out.markers.append((body.group(1), i, e + 3))
    return e + 3


def _scan(s: str) -> _Scan:
    """Find the real sponsor markers of a Markdown text (see the module docstring for the rules).

    A line-level approximation of CommonMark's block structure (fenced and indented code, HTML blocks,
    paragraphs, list items, block quotes as prefixes) with inline scanning of code spans, backslash
    escapes and comments in Markdown text, and of comments only in HTML blocks."""
    out = _Scan()
    n = len(s)
    pos = 0
    fence: tuple[str, int, int] | None = None
    html_end: re.Pattern[str] | str | None = None  # in an HTML block: its end ("blank" = a blank line)
    para = False  # the previous line was paragraph text (an indented line continues it)
    in_list = False  # inside a list item (indentation is the item's, not code)
    while pos < n:
        nl = s.find("\n", pos)
        line_end = n if nl < 0 else nl
        prefix = _PREFIX.match(s, pos, line_end)
        body = prefix.end()
        depth = prefix.group().count(">")
        blank = body >= line_end or not s[body:line_end].strip(" \t\r")
        if fence is not None:
            char, length, fdepth = fence
            if fdepth and depth < fdepth:
                fence = None  # the block quote holding the fence ended, and the fence with it
            else:
                m = _FENCE_CLOSE.fullmatch(s, body, line_end)
                if m and m.group(1)[0] == char and len(m.group(1)) >= length:
                    fence = None
                pos = line_end + 1
                continue
        if html_end is not None:
            if html_end == "blank" and blank:
                html_end, para = None, False
                pos = line_end + 1
                continue
            pos = _html_line(s, pos, line_end, out)
            if pos is None:
                break
            if html_end != "blank" and html_end.search(s, prefix.start(), max(pos, line_end)):
                html_end = None
            continue
        if blank:
            para = False
            pos = line_end + 1
            continue
        # indentation of the content, after any block-quote markers
        last_gt = prefix.group().rfind(">")
        indent = _columns(prefix.group()[last_gt + 1:]) - (1 if last_gt >= 0 and prefix.group()[last_gt + 1:last_gt + 2] in " \t" else 0)
        if indent >= 4 and not para and not in_list:
            pos = line_end + 1  # an indented code block
            continue
        if indent < 4 or in_list:
            m = _FENCE_OPEN.match(s, body, line_end)
            if m and (m.group(1)[0] == "~" or "`" not in m.group(2)):
                fence = (m.group(1)[0], len(m.group(1)), depth)
                para = False
                pos = line_end + 1
                continue
        if indent < 4 and s.startswith("<", body):
            kind: re.Pattern[str] | str | None = None
            if _HTML_RAW.match(s, body, line_end):
                kind = _HTML_RAW_END
            elif s.startswith("<!--", body):
                kind = None  # a comment block: the inline scan below follows it to its end
            elif _HTML_BLOCK_TAG.match(s, body, line_end) or (not para and _HTML_TAG_LINE.fullmatch(s, body, line_end)):
                kind = "blank"
            else:
                kind = next((end for start, end in _HTML_OTHER if start.match(s, body, line_end)), None)
            if kind is not None:
                html_end = kind
                para = False
                pos = _html_line(s, pos, line_end, out)
                if pos is None:
                    break
                if kind != "blank" and kind.search(s, body, max(pos, line_end)):
                    html_end = None
                continue
        if _LIST_ITEM.match(s, body, line_end):
            in_list = True
        elif indent == 0 and not para:
            in_list = False
        heading = _HEADING.match(s, body, line_end) is not None
        pos = _markdown_line(s, pos, line_end, out)
        if pos is None:
            break
        para = not heading
    out.fence = fence
    return out


def _html_line(s: str, pos: int, line_end: int, out: _Scan) -> int | None:
    """Scan one line of an HTML block (comments only; a comment may run over later lines). Returns the
    index of the next line, None at an unclosed comment."""
    while True:
        m = _COMMENT_OPEN.search(s, pos)
        if m is None:
            return len(s)
        if m.group() == "\n":
            return m.end()
        pos = _comment(s, m.start(), out, block=True)
        if pos is None:
            return None


def _markdown_line(s: str, pos: int, line_end: int, out: _Scan) -> int | None:
    """Scan one line of Markdown text (code spans and comments may run over later lines of the same
    paragraph). Returns the index of the next line, None at an unclosed block comment."""
    n = len(s)
    line_begin = pos
    while True:
        m = _INTEREST.search(s, pos)
        if m is None:
            return n
        i = m.start()
        tok = m.group()
        if tok == "\n":
            return i + 1
        if tok == "\\":
            pos = i + 1 if s.startswith("\n", i + 1) else i + 2
        elif tok == "`":
            j = i + 1
            while j < n and s[j] == "`":
                j += 1
            blank = _BLANK_LINE.search(s, j)
            close = _run(j - i).search(s, j, blank.start() if blank else n)
            pos = close.end() if close else j
        else:  # "<!--": at the start of a line (up to 3 spaces) it opens an HTML block
            lead = s[s.rfind("\n", 0, i) + 1:i] if i > line_begin or i == line_begin else ""
            block = len(lead) <= 3 and not lead.strip(" ")
            end = _comment(s, i, out, block=block)
            if end is None:
                if block:
                    return None
                pos = i + 4  # an inline "<!--" never closed: literal text
            else:
                pos = end


def _pair(markers: list[tuple[str, int, int]]) -> tuple[int, int] | None:
    """(end of the start marker, start of the end marker), None when there is no section."""
    starts = [m for m in markers if m[0] == "start"]
    ends = [m for m in markers if m[0] == "end"]
    if len(starts) > 1 or len(ends) > 1:
        raise SpliceError(
            f"the README holds {len(starts)} start and {len(ends)} end markers of the fundbot sponsor "
            "section; keep exactly one `<!-- fundbot:sponsors:start -->` and one `<!-- fundbot:sponsors:end -->`"
        )
    if len(starts) != len(ends):
        which = "start" if starts else "end"
        raise SpliceError(
            f"the README holds a fundbot sponsor {which} marker without its "
            f"{'end' if starts else 'start'} marker (markers inside code are ignored)"
        )
    if not starts:
        return None
    if ends[0][1] < starts[0][2]:
        raise SpliceError("the fundbot sponsor end marker comes before the start marker")
    return starts[0][2], ends[0][1]


# -------------------------------------------------------------------------------------- en/decoding


def _decode(data: bytes) -> tuple[bytes, str, str]:
    """(bom, codec, text) such that ``bom + text.encode(codec, errors) == data``."""
    for bom, codec in _UTF16:
        if data.startswith(bom):
            try:
                return bom, codec, data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise SpliceError(f"the README starts with a UTF-16 byte order mark but is not UTF-16: {exc}") from None
    if data.startswith(_UTF8_BOM):
        return _UTF8_BOM, "utf-8", data[3:].decode("utf-8", "surrogateescape")
    return b"", "utf-8", data.decode("utf-8", "surrogateescape")


def _encode(text: str, codec: str) -> bytes:
    return text.encode(codec, "surrogateescape" if codec == "utf-8" else "strict")


def _eol(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf > text.count("\n") - crlf else "\n"


def _normalise(inner: str) -> str:
    return inner.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def _check_inner(inner: str) -> None:
    if "fundbot:sponsors:" in inner:
        raise SpliceError("the generated section holds fundbot marker text")
    scan = _scan(inner)
    if scan.markers or scan.fence is not None or scan.comment_open:
        raise SpliceError("the generated section holds an unclosed code fence or HTML comment")
    try:
        inner.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SpliceError(f"the generated section cannot be encoded: {exc}") from None


def _region(inner: str, eol: str, indent: str) -> str:
    """What goes between the markers."""
    if not inner:
        return eol + indent
    return eol + eol + inner.replace("\n", eol) + eol + eol + indent


# ------------------------------------------------------------------------------------------- public


def splice(readme: bytes | None, inner: str, *, heading: str = "## Sponsors") -> bytes:
    """``readme`` with the sponsor section set to ``inner`` (see the module docstring). Raises
    :class:`SpliceError` for duplicate/unbalanced/misordered markers; ``None`` makes a new README."""
    inner = _normalise(inner)
    _check_inner(inner)
    bom, codec, text = _decode(readme or b"")
    if codec != "utf-8":
        try:
            inner.encode(codec)
        except UnicodeEncodeError as exc:  # pragma: no cover - UTF-16 encodes every valid str
            raise SpliceError(str(exc)) from None
    eol = _eol(text)
    scan = _scan(text)
    pair = _pair(scan.markers)
    if pair is not None:
        a, b = pair
        nl = text.rfind("\n", a, b)
        indent = text[nl + 1:b] if nl >= 0 and not text[nl + 1:b].strip(" \t") else ""
        return bom + _encode(text[:a] + _region(inner, eol, indent) + text[b:], codec)
    tail = []
    if text and not text.endswith("\n"):
        tail.append(eol)
    if scan.fence is not None and not scan.fence[2]:  # (a fence in a block quote ends with the quote)
        tail.append(scan.fence[0] * scan.fence[1] + eol)
    if scan.comment_open:
        tail.append("-->" + eol)
    current = text + "".join(tail)
    if current and not (current.endswith("\n\n") or current.endswith("\n\r\n")):
        tail.append(eol)
    head = _normalise(heading)
    if "fundbot:sponsors:" in head:
        raise SpliceError("the heading holds fundbot marker text")
    if head:
        tail.append(head.replace("\n", eol) + eol + eol)
    tail.append(START + _region(inner, eol, "") + END + eol)
    return bom + _encode(text + "".join(tail), codec)


def extract(readme: bytes) -> str | None:
    """The current inner text of the section (line endings ``\\n``, no leading/trailing newlines), or
    None when the README has no section. Raises :class:`SpliceError` like :func:`splice`."""
    _bom, _codec, text = _decode(readme or b"")
    pair = _pair(_scan(text).markers)
    if pair is None:
        return None
    region = text[pair[0]:pair[1]].replace("\r\n", "\n")
    return region.lstrip("\n").rstrip(" \t").rstrip("\n")


def has_section(readme: bytes | None) -> bool:
    """Whether the README holds a (well-formed) sponsor section."""
    try:
        return readme is not None and extract(readme) is not None
    except SpliceError:
        return False
