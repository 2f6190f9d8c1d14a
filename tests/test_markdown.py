"""Safe output: user strings cannot forge markers, inject HTML or smuggle non-https links."""

from hypothesis import given
from hypothesis import strategies as st

from bot.core import markdown


@given(st.text())
def test_text_never_contains_raw_html_or_marker_syntax(value):
    out = markdown.text(value)
    assert "<" not in out and ">" not in out
    assert "<!--" not in out and "-->" not in out
    assert "\n" not in out and "\r" not in out
    assert markdown.find_markers(out) == []


@given(st.text())
def test_attr_is_safe_inside_a_double_quoted_attribute(value):
    out = markdown.attr(value)
    assert '"' not in out and "<" not in out and ">" not in out and "--" not in out


@given(st.text())
def test_url_only_returns_https_without_breakout_characters(value):
    out = markdown.url(value)
    if out is not None:
        assert out.startswith("https://")
        assert not any(c in out for c in ' \n\r\t"<>()\'')


def test_url_examples():
    assert markdown.url("https://github.com/sponsors/octocat") == "https://github.com/sponsors/octocat"
    assert markdown.url("http://example.com") is None
    assert markdown.url("javascript:alert(1)") is None
    assert markdown.url("https://user:pw@example.com/") is None
    assert markdown.url("https://example.com/a)b") == "https://example.com/a%29b"


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c), max_leaves=20))
def test_marker_data_round_trips_and_cannot_close_the_comment(data):
    m = markdown.marker("campaign", {"d": data})
    assert m.count("-->") == 1 and m.endswith("-->")
    assert markdown.find_markers("text " + m + " text") == [("campaign", 1, {"d": data})]


def test_escaping_keeps_ordinary_names_readable():
    assert markdown.text("octo-org/hello-fundbot") == "octo-org/hello-fundbot"
    assert markdown.text("Ko-fi") == "Ko-fi"
    assert markdown.text("1. item") == "1\\. item"
    assert markdown.text("<!-- fundbot:sponsors:end -->") == "&lt;!-- fundbot:sponsors:end --&gt;"
    assert markdown.text("@bob") == "@\u200bbob"  # no notification ping
    assert markdown.mention("bob") == "@bob" and markdown.mention("bad login!") != "@bad login!"
