"""Which lines can hold commands (bot.core.command_lines), judged against GitHub's own renderer.

cmark-gfm (the ``cmarkgfm`` binding of GitHub's C library, with the table extension and raw HTML kept) renders
random Markdown-ish documents in which every command line carries a unique word; a command line is *shown as
typed* when its word is in rendered text outside ``<blockquote>``, ``<code>``, ``<pre>``, ``<script>``,
``<style>``, ``<textarea>`` and HTML comments, as an HTML parser builds the page. The parser must find
exactly the shown lines that start with ``/``. The sample is derandomized: the same 600 documents every
run, so a change that adds a disagreement fails here every time; a slow test reads 20,000 more.
"""

from __future__ import annotations

import html.parser
import random
import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.command_lines import candidates, split_lines

_HIDING = {"blockquote", "code", "pre", "script", "style", "textarea"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
_WORD = re.compile(r"zq([0-9]+)x")


class _Shown(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.words: set[int] = set()

    def handle_starttag(self, tag, attrs):
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if not _HIDING.intersection(self.stack):
            self.words.update(int(m.group(1)) for m in _WORD.finditer(data))


_COMMENT_END = re.compile(r"--!?>")


def _without_comments(rendered: str) -> str:
    """Rendered HTML with its comments removed as an HTML5 parser tokenizes them (GitHub sanitizes the page
    with one): ``<!--`` up to ``-->`` or ``--!>``, ``<!-->`` and ``<!--->`` empty, an unclosed one hiding
    everything after it. Python's html.parser is not used for this: it also closes a comment at ``--\n>``."""
    out, at = [], 0
    while (start := rendered.find("<!--", at)) >= 0:
        out.append(rendered[at:start])
        after = start + 4
        if rendered.startswith(">", after) or rendered.startswith("->", after):
            at = after + (1 if rendered.startswith(">", after) else 2)
            continue
        end = _COMMENT_END.search(rendered, after)
        if end is None:
            return "".join(out)
        at = end.end()
    out.append(rendered[at:])
    return "".join(out)


def shown_by_github(body: str) -> set[int]:
    """The numbers of the command words cmark-gfm renders as plain text."""
    rendered = cmarkgfm.markdown_to_html_with_extensions(body, options=Options.CMARK_OPT_UNSAFE,
                                                         extensions=["table"])
    parser = _Shown()
    parser.feed(_without_comments(rendered))
    parser.close()
    return parser.words


PREFIXES = ["", " ", "  ", "   ", "    ", "\t", "> ", ">", "> > ", "- ", "* ", "1. ", "2) ", "  - ", "   > "]
CONTENT = ["Hello there", "a `code", "end` here", "x `\\` y `", "\\`not code", "x <!-- note", "-->", "note -->",
           "# heading", "---", "===",
           "| a | b |", "|---|---|", "```", "````", "~~~", "``` sh", "<!--", "<!-- one -->", "", "", "", "- item",
           "> quoted"]


NESTING = 1  # container prefixes per line (see the module docstring for deeper soups)


@st.composite
def documents(draw):
    """Lines of random container prefixes and contents; command lines carry a unique word zqNx."""
    lines = []
    for n in range(draw(st.integers(1, 14))):
        prefix = "".join(draw(st.lists(st.sampled_from(PREFIXES), max_size=NESTING)))
        if draw(st.booleans()):
            content = f"/pledge 5 zq{n}x" + draw(st.sampled_from(["", " `", " <!-- c", " -->"]))
        else:
            content = draw(st.sampled_from(CONTENT))
        lines.append(prefix + content)
    return "\n".join(lines)


def found(body: str) -> set[int]:
    lines = split_lines(body)
    return {int(_WORD.search(lines[n - 1]).group(1)) for n, _, _ in candidates(lines)}


def expected(body: str) -> set[int]:
    lines = split_lines(body)
    starts = {int(m.group(1)) for line in lines if line.strip().startswith("/") for m in [_WORD.search(line)] if m}
    return shown_by_github(body) & starts


@settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_candidates_are_the_lines_github_shows_as_typed(body):
    assert found(body) == expected(body), body


def random_documents(count: int, nesting: int, seed: int):
    """``documents()`` drawn by a seeded random generator: fast enough for tens of thousands."""
    rng = random.Random(seed)
    for _ in range(count):
        lines = []
        for n in range(rng.randint(1, 14)):
            prefix = "".join(rng.choice(PREFIXES) for _ in range(rng.randint(0, nesting)))
            if rng.random() < 0.5:
                content = f"/pledge 5 zq{n}x" + rng.choice(["", " `", " <!-- c", " -->"])
            else:
                content = rng.choice(CONTENT)
            lines.append(prefix + content)
        yield "\n".join(lines)


@pytest.mark.slow
def test_twenty_thousand_documents_read_as_github_reads_them():
    """The figure the README quotes: 0 disagreements with cmark-gfm over 20,000 random documents."""
    wrong = [body for body in random_documents(20_000, NESTING, seed=11) if found(body) != expected(body)]
    assert wrong == [], f"{len(wrong)} disagreements, first: {wrong[:1]}"


def test_the_judge_can_fail():
    """The judge itself: quoted, fenced and commented command words are not shown; a paragraph's are."""
    body = "> /pledge 5 zq1x\n\n```\n/pledge 5 zq2x\n```\n\n<!--\n/pledge 5 zq3x\n-->\n\n/pledge 5 zq4x"
    assert shown_by_github(body) == {4}
    assert found(body) == {4}


# Each correction of markdown-it (bot.core.commonmark) and of the comment and code-span reading, with the
# lines GitHub shows: found by the random documents above, kept here as named cases.
CASES = {
    "nested quote keeps a code-indented lazy line": ("> > /pledge 5 zq1x\n\t<!-- one -->\n/pledge 5 zq3x", set()),
    "a line leaving a list item is measured from its container": (
        "  -   x <!-- note\n/pledge 5 zq1x\n\t>| a | b |\n -->", set()),
    "lazy line in a quote in a list item": (
        "  -    > /pledge 5 zq0x `\n/pledge 5 zq1x `\n\t>/pledge 5 zq2x `\nend` here\n   /pledge 5 zq4x -->", set()),
    "a paragraph gets one table try": (
        "1. /pledge 5 zq0x -->\nx <!-- note\n   |---|---|\n\t|---|---|\n|---|---|\n/pledge 5 zq5x -->\na `code\n"
        "/pledge 5 zq7x -->", {7}),
    "a code-indented last line is a table header": (
        "a `code\n    /pledge 5 zq1x <!-- c\n    |---|---|\n|---|---|\n1. \n/pledge 5 zq5x `\n\t/pledge 5 zq6x",
        {1, 5, 6}),
    "tab stops count from the line start": (
        "/pledge 5 zq0x\n   > > > \t/pledge 5 zq1x `\nnote -->\n /pledge 5 zq3x -->", {0}),
    "cmark-gfm remembers a failed backtick scan": ("x ``` y\nx `\\` y `\n/pledge 5 zq2x `", {2}),
    "a comment left open hides up to the next raw -->": ("- <!--\n\n/pledge 5 zq2x\n<!-- one -->\n/pledge 5 zq4x",
                                                         {4}),
    "a lone --> in a paragraph is text": ("- <!--\n\nnote -->\n\n/pledge 5 zq4x", set()),
    "a quote opened before a comment ends with its list item": (
        "* \n   > <!--\n* <!-- one -->\n\n/pledge 5 zq4x", {4}),
    "the judge: --\\n> does not close a comment (HTML5)": ("<!--\n<!--\n>x\n/pledge 5 zq3x", set()),
}


@pytest.mark.parametrize("name", CASES)
def test_named_cases(name):
    body, shown = CASES[name]
    assert expected(body) == shown, "the judge"
    assert found(body) == shown
