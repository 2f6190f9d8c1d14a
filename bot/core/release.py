"""The funding footer of release notes, between fundbot's markers (pure).

The maintainer's text outside the markers is kept byte for byte: we only replace what is between
``<!-- fundbot:release:start -->`` and ``<!-- fundbot:release:end -->``, or append the block (with the
body's own line ending) when there is none.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core import markdown

MAX_BODY = 125_000  # GitHub refuses longer release notes: 422 "body is too long (maximum is 125000 characters)"
START = "<!-- fundbot:release:start -->"
END = "<!-- fundbot:release:end -->"


class MarkerError(ValueError):
    """Duplicate or unbalanced markers: fundbot does not guess, and writes nothing."""


def footer_text(links: Sequence, *, repo: str, thanks: str = "") -> str:
    """The block's inner Markdown (without markers)."""
    lines = [f"### Support {markdown.text(repo)}", ""]
    lines.append("This release was made possible by the people who fund the project. You can help too:")
    lines.append("")
    for link in links:
        target = markdown.url(link.url)
        if target:
            lines.append(f"- [{markdown.text(link.title)}]({target})")
    if thanks:
        lines += ["", thanks.rstrip()]
    return "\n".join(lines)


def splice(body: str | None, inner: str) -> str:
    """``body`` with the block set to ``inner``. Raises MarkerError."""
    body = body or ""
    starts, ends = body.count(START), body.count(END)
    if starts > 1 or ends > 1 or starts != ends:
        raise MarkerError(f"release notes hold {starts} start and {ends} end fundbot markers")
    newline = "\r\n" if "\r\n" in body else "\n"
    block = START + newline + inner.replace("\r\n", "\n").replace("\n", newline) + newline + END
    if starts:
        i, j = body.index(START), body.index(END)
        if j < i:
            raise MarkerError("the fundbot end marker comes before the start marker")
        return body[:i] + block + body[j + len(END):]
    if not body:
        return block
    separator = newline * 2 if not body.endswith(newline) else newline
    return body + separator + block
