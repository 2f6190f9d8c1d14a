"""Rendering Markdown as GitHub does (cmark-gfm, GitHub's fork of cmark, with its extensions), and what
GitHub would then make live: the tests' judge of "nothing a user wrote is live in fundbot's text".

cmark-gfm makes the GFM autolinks, links, images, emphasis, tables and raw HTML; GitHub's reference and
mention filters run after it on the text outside ``<code>``/``<pre>``/``<a>`` (docs.github.com, "Autolinked
references and URLs"), so :func:`live_references` applies their patterns to that text.
"""

from __future__ import annotations

import html
import re

import cmarkgfm
from cmarkgfm.cmark import Options

_CODE = re.compile(r"<(code|pre)\b[^>]*>.*?</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
# GitHub's reference filters (mentions, issues, commits), as they read rendered text
_REFERENCES = {
    "mention": re.compile(r"(?<![\w`])@[A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9_.-]+)?"),
    "issue": re.compile(r"(?<![\w&])#[0-9]+\b"),
    "gh-issue": re.compile(r"\bGH-[0-9]+\b", re.I),
    "repo-issue": re.compile(r"\b[A-Za-z0-9-]+/[A-Za-z0-9_.-]+#[0-9]+\b"),
    "sha": re.compile(r"\b[0-9a-f]{7,40}\b"),
    "url": re.compile(r"(?i)\b(?:https?|ftp)://|\bwww\.|\bmailto:|\bxmpp:"),
    "email": re.compile(r"[A-Za-z0-9.+_-]+@[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+"),
}


def render(body: str) -> str:
    """HTML as github.com renders a comment (raw HTML kept, so injected tags are visible to the tests)."""
    return cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)


def outside_code(rendered: str) -> str:
    """The rendered HTML without code spans and code blocks (where nothing is ever live)."""
    return _CODE.sub("", rendered)


def visible_text(rendered: str) -> str:
    """The text outside code, tags removed and entities resolved: what the reference filters read."""
    return html.unescape(_TAG.sub(" ", outside_code(rendered)))


def live_references(body: str) -> list[tuple[str, str]]:
    """(kind, text) of everything GitHub's filters would link or mention in ``body``."""
    text = visible_text(render(body))
    return [(kind, m.group()) for kind, rx in _REFERENCES.items() for m in rx.finditer(text)]


def code_spans(body: str) -> list[str]:
    """The texts of the code spans ``body`` renders to (entities resolved)."""
    return [html.unescape(m) for m in re.findall(r"<code>(.*?)</code>", render(body), re.S)]
