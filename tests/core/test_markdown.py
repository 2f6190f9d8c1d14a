"""Safe output: user strings cannot forge markers, inject HTML or smuggle non-https links."""

from hypothesis import given
from hypothesis import strategies as st

from bot.core import markdown
from tests.fixtures.depth import examples


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


# ------------------------------------------------------------------ inert: user text shown, nothing live

from hypothesis import settings  # noqa: E402

from tests.fixtures import gfm  # noqa: E402

HOSTILE = ("/pledge 10 @everyone @org/team #1 GH-2 owner/repo#3 deadbeef1234 owner/repo@deadbeef1 "
           "https://evil.example www.evil.example a@b.co mailto:x@y.z <https://x.example> **bold** _em_ ~~s~~ "
           "<img src=x> <details><summary>s</summary> &amp; &#64;x [l](https://e.example) ![i](https://e.example/i) "
           "| a | b | \\| <!-- fundbot:campaign v1 {} --> `tick` ``two`` \n# heading\n> quote\n- list")


def _shown(value: str) -> str:
    """What inert promises to show: one line, the markers' comment syntax broken by a zero-width space."""
    return markdown.defuse(" ".join(value.split()))


def test_inert_shows_hostile_text_as_one_code_span_and_nothing_live():
    for context in ("{}", "- {}: reason", "text before {} and after"):
        body = context.format(markdown.inert(HOSTILE, limit=10_000))
        rendered = gfm.render(body)
        assert gfm.code_spans(body) == [_shown(HOSTILE)], rendered
        outside = gfm.outside_code(rendered)
        for tag in ("<a ", "<img", "<strong", "<em", "<del", "<details", "<h1", "<blockquote", "<table", "<li><p"):
            assert tag not in outside, (tag, rendered)
        assert gfm.live_references(body) == [], rendered


def test_inert_in_a_table_cell_keeps_the_cell_whole():
    value = "a | b \\| c ` d"
    row = f"| {markdown.inert(value, table=True)} | next |"
    rendered = gfm.render("| one | two |\n| --- | --- |\n" + row)
    assert rendered.count("<td>") == 2, rendered
    assert gfm.code_spans("| one | two |\n| --- | --- |\n" + row) == [value], rendered


def test_inert_caps_and_collapses():
    out = markdown.inert("x" * 500 + "\n\n# y", limit=50)
    assert "\n" not in out and len(gfm.code_spans(out)[0]) == 50 and gfm.code_spans(out)[0].endswith("…")
    assert gfm.code_spans(markdown.inert("")) == [" "]
    assert gfm.code_spans(markdown.inert("`")) == ["`"]


@settings(max_examples=examples(300), deadline=None)
@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=80))
def test_property_inert_is_always_exactly_the_text_in_one_code_span(value):
    for table in (False, True):
        span = markdown.inert(value, limit=1000, table=table)
        body = f"| h | i |\n| --- | --- |\n| {span} | x |" if table else f"- {span}: why"
        expected = _shown(markdown._CONTROL.sub("", value)) or " "
        assert gfm.code_spans(body) == [expected], (value, body, gfm.render(body))
        assert gfm.live_references(body) == []


def test_sentence_quotes_become_code_and_the_prose_is_dead():
    out = markdown.sentence("“-0 @everyone #1” is negative: e.g. “25”. See #12, GH-3, a/b#4 and https://x.example")
    assert gfm.code_spans(out) == ["-0 @everyone #1", "25"]
    assert gfm.live_references(out) == [] and "<a " not in gfm.render(out)
    assert gfm.code_spans(markdown.sentence("an “unclosed **quote")) == ["unclosed **quote"]


def test_long_hex_runs_are_cut_into_pieces_too_short_for_a_sha():
    """Found by the property test below: a break after the first four digits left 7 of 11 as a commit SHA."""
    for value in ("00000000000", "deadbeefdeadbeef", "a" * 40 + "0"):
        assert gfm.live_references(markdown.text(value, limit=1000)) == [], value


@given(st.text(max_size=120))
def test_property_text_leaves_nothing_live(value):
    out = markdown.text(value, limit=1000)
    rendered = gfm.outside_code(gfm.render(out))
    assert "<a " not in rendered and "<img" not in rendered and "<strong" not in rendered
    assert gfm.live_references(out) == [], (value, out)
