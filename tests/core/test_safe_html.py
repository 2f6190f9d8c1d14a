"""Markdown to safe HTML (bot.core.safe_html): GitHub-like rendering with nothing that can run."""

from __future__ import annotations

import pytest

from bot.core.safe_html import render


@pytest.mark.parametrize(("markdown", "present", "absent"), [
    ("**bold** and `code`", ["<strong>bold</strong>", "<code>code</code>"], []),
    ("<script>alert(1)</script>hi", ["hi"], ["<script", "alert(1)"]),
    ('<img src="x" onerror="alert(1)">', [], ["onerror", "alert"]),
    ('<a href="javascript:alert(1)">x</a>', ["<a rel=\"nofollow noopener\">x</a>"], ["javascript"]),
    ("[ok](https://example.org)", ['href="https://example.org"'], []),
    ("<!-- fundbot:campaign -->visible", ["visible"], ["fundbot:campaign", "<!--"]),
    ("<details><summary>More</summary>\n\ninside\n\n</details>", ["<details>", "<summary>More</summary>", "inside"], []),
    ("| a | b |\n|---|---|\n| 1 | 2 |", ["<table>", "<td>1</td>"], []),
    ('<div style="x" onclick="y">t</div>', ["<div>t</div>"], ["style", "onclick"]),
    ("<style>body{}</style><b>x", ["<b>x</b>"], ["body{}"]),
    ("a < b & c", ["a &lt; b &amp; c"], []),
])
def test_render(markdown, present, absent):
    out = render(markdown)
    for text in present:
        assert text in out, out
    for text in absent:
        assert text not in out, out
