"""CommonMark block structure as GitHub's cmark-gfm reads it: markdown-it-py's block parser, corrected.

markdown-it-py (CommonMark, GFM tables) parses the blocks; fundbot reads only the token types and line
ranges (``token.map``), never the text, so the corrections below may mask characters while a rule runs.
Each correction was found by the property test in ``tests/core/test_command_lines.py``, which compares
fundbot's reading with cmark-gfm's over random documents:

* a line indented 4+ columns past its container is never a block start, so after a paragraph it is a
  lazy continuation line. markdown-it lets such a line continue a quote when it starts with ``>``, measures
  a line that leaves a list item against that item instead of the container it is still in, and forgets
  the indent of a lazy line it hands to a nested quote;
* cmark-gfm's table header is the last line of the paragraph however that line is indented or however it
  got there (lazily included), and a paragraph gets one try: once a delimiter-looking line failed to make
  a table of it (cmark-gfm marks the paragraph as visited), no later line does;
* tabs among a line's leading container markers count to tab stops from the start of the line (markdown-it
  counts from each container's content start, wrong under two quotes or more);
* markdown-it's setext heading rule leaves the parent type set to "paragraph" when it finds no underline,
  which changes how lists may start after it; paragraphs and setext headings are read here by one rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

_CODE_LINES, _CONTAINERS, _PARAGRAPH, _HEADER = "fb_code_lines", "fb_containers", "fb_paragraph", "fb_header"
_DELIMITER_ROW = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_PREFIX = re.compile(r"[ \t>*+\-0-9.)]*")
_UNDERLINE = re.compile(r"(?:=+|-+)[ \t]*$")


def parse(text: str) -> list[Token]:
    """The block tokens of a comment (inline content is not parsed)."""
    if "\t" in text:
        text = "\n".join(_expand_prefix_tabs(line) for line in text.split("\n"))
    return _MD.parse(text)


def _expand_prefix_tabs(line: str) -> str:
    """A line whose tabs among its leading spaces and container markers are spaces to the next multiple of
    4 columns, counted from the start of the line. CommonMark defines block structure as if tabs were
    expanded so; markdown-it counts columns from the start of each container's content, which is wrong
    under two quotes or more (``> > > \tfoo`` is a paragraph, not code). The line count is unchanged."""
    prefix = _PREFIX.match(line).group()
    if "\t" not in prefix:
        return line
    out, column = [], 0
    for char in prefix:
        width = 4 - column % 4 if char == "\t" else 1
        out.append(" " * width if char == "\t" else char)
        column += width
    return "".join(out) + line[len(prefix):]


def _outdented_code(state, line: int) -> bool:
    """Whether a line indented less than the list item it follows is still indented 4+ columns past the
    deepest item it belongs to (or past the quote or document around the list)."""
    indent = state.sCount[line]
    if not 0 <= indent < state.blkIndent:
        return False
    base = 0
    for offset in reversed(state.env.get(_CONTAINERS, ())):
        if offset < 0:
            break  # a quote: its content is where indents are measured from
        if offset <= indent:
            base = max(base, offset)
    return indent - base >= 4


def _code_indented(state, line: int) -> bool:
    """Whether a line is indented 4+ columns past its container (the quote or list item it belongs to)."""
    return state.sCount[line] - state.blkIndent >= 4 or _outdented_code(state, line)


def _strict_blockquote(state, start: int, end: int, silent: bool) -> bool:
    """The quote rule, with code-indented lines masked (their ``>`` is not a marker) and the lazy lines an
    outer quote hands over keeping their indent."""
    if silent:
        return _blockquote(state, start, end, silent)
    src, masked, lazy, mine = state.src, None, [], set()
    outer = state.env.setdefault(_CODE_LINES, [])
    for line in _quote_lines(state, start, end):
        if state.sCount[line] < 0 and any(line in lines for lines in outer):
            lazy.append(line)  # an outer quote's lazy line that was indented as code: still not a block start
            state.sCount[line] = state.blkIndent + 4
        elif not _code_indented(state, line):
            continue
        mine.add(line)
        at = state.bMarks[line] + state.tShift[line]
        if src.startswith(">", at):
            masked = masked or list(src)
            masked[at] = "\x00"
    if masked is not None:
        state.src = "".join(masked)
    outer.append(mine)
    try:
        return _blockquote(state, start, end, silent)
    finally:
        outer.pop()
        state.src = src
        for line in lazy:
            state.sCount[line] = -1


def _quote_lines(state, start: int, end: int) -> Iterator[int]:
    """The lines after ``start`` that the quote starting there may take (marker lines and lazy lines, up to
    a blank line or a line that starts another block), so that a run of short quotes is not quadratic."""
    src, last_empty = state.src, False
    for line in range(start + 1, end):
        at, stop = state.bMarks[line] + state.tShift[line], state.eMarks[line]
        if at >= stop:
            return
        yield line
        code = _code_indented(state, line)
        if src.startswith(">", at) and state.sCount[line] >= state.blkIndent and not code:
            last_empty = not src[at + 1 : stop].strip(" \t")
            continue
        if last_empty or (not code and state.sCount[line] >= 0 and _interrupts(state, line, end, "blockquote")):
            return


def _interrupts(state, line: int, end: int, chain: str) -> bool:
    return any(rule(state, line, end, True) for rule in state.md.block.ruler.getRules(chain))


def _not_after_outdented_code(rule):
    """A block rule that, asked whether it would interrupt (silent mode), never does at such a line."""
    def guarded(state, start: int, end: int, silent: bool) -> bool:
        if silent and _outdented_code(state, start):
            return False
        return rule(state, start, end, silent)
    return guarded


def _table_once(state, start: int, end: int, silent: bool) -> bool:
    """The table rule, giving a paragraph one try and taking its last line as the header however indented."""
    paragraph = state.env.get(_PARAGRAPH) if silent else None
    if paragraph is not None:
        for line in range(paragraph[1] + 1, start + 1):
            if 0 <= state.sCount[line] - state.blkIndent < 4:
                text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
                paragraph[2] = paragraph[2] or bool(("|" in text or ":" in text) and _DELIMITER_ROW.match(text))
        paragraph[1] = max(paragraph[1], start)
        if paragraph[2]:
            return False
    header = state.is_code_block(start) or state.sCount[start] < state.blkIndent
    if not header or (paragraph is None and state.env.get(_HEADER) != start):
        return _table(state, start, end, silent)
    indent, state.sCount[start] = state.sCount[start], state.blkIndent
    found = _table(state, start, end, silent)
    if not (found and silent):
        state.sCount[start] = indent
    else:
        state.env[_HEADER] = start  # the paragraph ends here; the table rule is asked again for real
    return found


def _paragraph(state, start: int, end: int, silent: bool) -> bool:
    """A paragraph or a setext heading (one rule: markdown-it's two share a loop and a parent-type bug).
    A lazy or code-indented line continues it, unless it is a table's header row."""
    end, line, setext = state.lineMax, start + 1, False
    parent, state.parentType = state.parentType, "paragraph"
    state.env[_PARAGRAPH] = [start, start, False]  # start, last line scanned, a delimiter row was seen
    try:
        while line < end and not state.isEmpty(line):
            if state.sCount[line] < 0 or state.sCount[line] - state.blkIndent > 3:
                if _table_once(state, line, end, True):
                    break
            elif state.sCount[line] >= state.blkIndent and _UNDERLINE.match(
                    state.src, state.bMarks[line] + state.tShift[line], state.eMarks[line]):
                setext, line = True, line + 1
                break
            elif _interrupts(state, line, end, "paragraph"):
                break
            line += 1
    finally:
        state.env.pop(_PARAGRAPH, None)
        state.parentType = parent
    state.line = line
    kind, tag = ("heading", "h2") if setext else ("paragraph", "p")
    state.push(f"{kind}_open", tag, 1).map = [start, line]
    inline = state.push("inline", "", 0)
    inline.map, inline.children = [start, line], []
    state.push(f"{kind}_close", tag, -1)
    return True


def _tokenize_in_container(state, start: int, end: int) -> None:
    """The tokenizer, recording the content offset of every list item it enters (-1 for a quote)."""
    containers = state.env.setdefault(_CONTAINERS, [])
    containers.append(state.blkIndent or -1)  # a list item's content is indented; a quote's starts at 0
    try:
        _tokenize(state, start, end)
    finally:
        containers.pop()


_MD = MarkdownIt("commonmark", {"html": True}).enable("table").disable(["inline", "text_join", "lheading"])
_RULES = {rule.name: rule for rule in _MD.block.ruler.__rules__}
_blockquote, _table, _tokenize = _RULES["blockquote"].fn, _RULES["table"].fn, _MD.block.tokenize
for _name, _rule in _RULES.items():
    if _name == "blockquote":
        _MD.block.ruler.at(_name, _not_after_outdented_code(_strict_blockquote), {"alt": list(_rule.alt)})
    elif _name == "table":
        _MD.block.ruler.at(_name, _table_once, {"alt": list(_rule.alt)})
    elif _name == "paragraph":
        _MD.block.ruler.at(_name, _paragraph)
    elif _rule.alt:
        _MD.block.ruler.at(_name, _not_after_outdented_code(_rule.fn), {"alt": list(_rule.alt)})
_MD.block.tokenize = _tokenize_in_container
