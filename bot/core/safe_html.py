"""Markdown to safe HTML, the way GitHub shows a comment (for the playground's pages; pure).

CommonMark with GFM tables (markdown-it-py) renders the Markdown, raw HTML included, and the result is
rebuilt keeping only an allow-list of tags and attributes, as GitHub's sanitizer does: no script, no
style, no event handler, links only to http(s) and same-page anchors, images only from http(s) (the
playground's Content-Security-Policy then decides what loads). HTML comments (fundbot's hidden markers)
are dropped, as GitHub hides them. Text is always escaped.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(["table", "strikethrough"])
ALLOWED = {
    "a": {"href", "title"}, "img": {"src", "alt", "width", "height", "title"}, "p": set(), "br": set(),
    "hr": set(), "ul": set(), "ol": {"start"}, "li": set(), "code": set(), "pre": set(), "blockquote": set(),
    "strong": set(), "em": set(), "b": set(), "i": set(), "del": set(), "s": set(), "sub": set(),
    "sup": set(), "kbd": set(), "details": {"open"}, "summary": set(), "h1": set(), "h2": set(), "h3": set(),
    "h4": set(), "h5": set(), "h6": set(), "table": set(), "thead": set(), "tbody": set(), "tr": set(),
    "th": {"align"}, "td": {"align"}, "picture": set(), "div": set(), "span": set(),
}
VOID = {"br", "hr", "img"}
DROP_WITH_CONTENT = {"script", "style", "textarea", "title", "iframe", "object", "template", "noscript"}


def _safe_url(url: str, *, image: bool) -> bool:
    u = url.strip().lower()
    return u.startswith(("https://", "http://")) or (not image and u.startswith("#"))


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in DROP_WITH_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED:
            return
        kept = []
        for name, value in attrs:
            if name not in ALLOWED[tag] or value is None:
                continue
            if name in ("href", "src") and not _safe_url(value, image=name == "src"):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        if tag == "a":
            kept.append(' rel="nofollow noopener"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in self.open and tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in DROP_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


def render(markdown: str) -> str:
    """Safe HTML for a comment's Markdown."""
    sanitizer = _Sanitizer()
    sanitizer.feed(_MD.render(markdown or ""))
    return sanitizer.result()
