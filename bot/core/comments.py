"""Texts of fundbot's comments (pure: data in, Markdown out)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core import markdown

FUNDING_MARKER = "funding-links"

DEFAULT_ISSUE_MESSAGE = (
    "Thanks for opening this issue, {author}! {repo} is built by people who give their time to it. "
    "If this project helps you, please consider supporting it:\n\n{links}"
)


def links_list(links: Sequence) -> str:
    """A Markdown bullet list of payment links (objects with ``title`` and ``url``); unsafe URLs dropped."""
    lines = []
    for link in links:
        target = markdown.url(link.url)
        if target is None:
            continue
        lines.append(f"- [{markdown.text(link.title)}]({target})")
    return "\n".join(lines)


def funding_comment(*, author: str, repo: str, links: Sequence, template: str = DEFAULT_ISSUE_MESSAGE) -> str | None:
    """The funding-links comment for a new issue, or None when there is no usable link."""
    rendered_links = links_list(links)
    if not rendered_links:
        return None
    values = {"author": markdown.mention(author), "repo": markdown.text(repo), "links": rendered_links}
    body = _fill(template, values)
    if "{links}" not in template:
        body += "\n\n" + rendered_links
    return body.rstrip() + "\n\n" + markdown.marker(FUNDING_MARKER) + "\n"


def _fill(template: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders; unknown braces stay as written (never str.format on user text)."""
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out
