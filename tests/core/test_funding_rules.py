"""Rules of bot.core.funding: one table row per rule, with exact positions; API behaviour; properties."""

from __future__ import annotations

import io
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bot.core import funding
from bot.core.funding import (
    KEYS,
    FundingLink,
    Problem,
    check_mapping,
    format_problems,
    links,
    lint,
    normalise,
    parse,
    render,
)
from tests.fixtures.depth import examples


def found(problems: list[Problem]) -> list[tuple[str, str, int, int]]:
    return sorted((p.code, p.severity, p.line, p.column) for p in problems)


# (id, FUNDING.yml text, expected (code, severity, line, column) problems)
RULES = [
    # --- documents that are fine
    (
        "docs-example-real",
        'github: [alice, bob]\npatreon: carol\ntidelift: npm/left-pad\ncustom: ["https://www.paypal.me/alice", alice.dev]\n',
        [],
    ),
    (
        "all-platforms",
        "github: alice\npatreon: a\nopen_collective: b\nko_fi: c\ntidelift: pypi/d\ncommunity_bridge: e\n"
        "liberapay: f.g\nissuehunt: h\nlfx_crowdfunding: i\npolar: j\nbuy_me_a_coffee: k\nthanks_dev: u/gh/l\ncustom: m.org\n",
        [],
    ),
    ("quoted-numbers-are-text", "github: '0326'\npatreon: \"yes\"\n", []),
    ("tagged-str-is-text", "github: !!str 0326\n", []),
    ("block-list", "github:\n  - alice\n  - bob\n", []),
    ("custom-single-string", "custom: https://example.net/x\n", [("placeholder", "warning", 1, 9)]),
    ("bare-domain-with-path", "custom: paypal.me/alice\n", []),
    (
        "template-left-empty-is-fine-if-one-value",
        "github: alice\npatreon: # Replace with a single Patreon username\n",
        [],
    ),
    ("crlf", "github: alice\r\npatreon: bob\r\n", []),
    # --- empty documents: warning only
    ("empty-file", "", [("no-funding-links", "warning", 1, 1)]),
    ("comment-only", "# nothing yet\n# github: [me]\n", [("no-funding-links", "warning", 1, 1)]),
    (
        "all-keys-empty",
        "\ngithub: # Replace with up to 4 GitHub Sponsors-enabled usernames e.g., [user1, user2]\npatreon:\n",
        [("no-funding-links", "warning", 2, 1)],
    ),
    ("empty-list-on-list-key", "github: []\n", [("no-funding-links", "warning", 1, 1)]),
    # --- YAML syntax
    ("syntax-unclosed-flow", "github: [alice\n", [("yaml-syntax", "error", 2, 1)]),
    ("syntax-indented-key", "github: alice\n  patreon: bob\n", [("yaml-syntax", "error", 2, 10)]),
    ("syntax-text-after-mapping", "github: a\n\nsome free text\n", [("yaml-syntax", "error", 3, 1)]),
    ("syntax-tab-indent", "github:\n\t- alice\n", [("yaml-syntax", "error", 2, 1)]),
    # --- not a mapping
    ("no-space-after-colon", "patreon:ivanceras\n", [("not-a-mapping", "error", 1, 1)]),
    ("top-level-list", "- alice\n- bob\n", [("not-a-mapping", "error", 1, 1)]),
    ("second-document", "github: a\n---\ngithub: b\n", [("multiple-documents", "warning", 3, 1)]),
    # --- keys
    ("unknown-key", "paypal: alice\n", [("unknown-key", "error", 1, 1)]),
    ("unknown-key-near-miss", "github: a\nopencollective: b\n", [("unknown-key", "error", 2, 1)]),
    ("unknown-key-case", "GitHub: a\n", [("unknown-key", "error", 1, 1)]),
    ("unknown-key-is-url", "https://example.org/x: # donate\ngithub: a\n", [("unknown-key", "error", 1, 1)]),
    ("non-string-key", "github: a\n1: b\n", [("unknown-key", "error", 2, 1)]),
    ("complex-key", "github: a\n? [x]\n: y\n", [("unknown-key", "error", 2, 3)]),
    ("duplicate-key", "github: a\npatreon: b\ngithub: c\n", [("duplicate-key", "error", 3, 1)]),
    (
        "retired-key-empty",
        "github: a\notechie: # Replace with a single Otechie username\n",
        [("retired-key", "warning", 2, 1)],
    ),
    ("retired-key-with-value", "github: a\notechie: bob\n", [("retired-key", "error", 2, 1)]),
    # --- list sizes and shapes
    ("github-4-ok", "github: [a, b, c, d]\n", []),
    ("github-5", "github: [a, b, c, d, e]\n", [("too-many", "error", 1, 22)]),
    ("github-6", "github: [a, b, c, d, e, f]\n", [("too-many", "error", 1, 25)]),
    ("custom-5", "custom: [a.com, b.com, c.com, d.com, e.com]\n", [("too-many", "error", 1, 38)]),
    ("single-key-list", "patreon: [a, b]\n", [("list-not-allowed", "error", 1, 10)]),
    ("single-key-one-item-list", "ko_fi:\n  - a\n", [("list-not-allowed", "error", 2, 3)]),
    ("single-key-empty-list", "ko_fi: []\n", [("list-not-allowed", "error", 1, 8)]),
    ("mapping-value", "patreon: {name: a}\n", [("not-a-string", "error", 1, 10)]),
    ("nested-list", "github: [[a]]\n", [("not-a-string", "error", 1, 10)]),
    ("binary-value", "custom: [!!binary aGVsbG8=]\n", [("not-a-string", "error", 1, 10)]),
    ("empty-string-in-list", "custom: [\"https://a.org\", '']\n", [("empty-entry", "error", 1, 27)]),
    ("null-in-block-list", "github:\n  - alice\n  - ~\n", [("empty-entry", "error", 3, 5)]),
    ("duplicate-in-list", "github: [alice, Alice]\n", [("duplicate-value", "warning", 1, 17)]),
    ("comma-separated-github", "github: 'alice, bob'\n", [("comma-list", "warning", 1, 9)]),
    # --- YAML reads something other than text
    ("octal-number", "github: 0326\n", [("yaml-number", "error", 1, 9)]),
    ("hex-number", "github: [alice, 0xdea]\n", [("yaml-number", "error", 1, 17)]),
    ("float", "liberapay: 1.5\n", [("yaml-number", "error", 1, 12)]),
    ("yaml11-boolean", "patreon: yes\n", [("yaml-boolean", "error", 1, 10)]),
    ("yaml11-boolean-psych-case", "patreon: oN\n", [("yaml-boolean", "error", 1, 10)]),
    ("yaml12-boolean", "ko_fi: true\n", [("yaml-boolean", "error", 1, 8)]),
    ("date", "ko_fi: 2019-01-01\n", [("yaml-date", "error", 1, 8)]),
    ("sexagesimal", "polar: 1:30\n", [("yaml-number", "error", 1, 8)]),
    # --- names
    ("url-instead-of-name", "patreon: https://www.patreon.com/alice\n", [("bad-username", "error", 1, 10)]),
    ("domain-instead-of-name", "ko_fi: ko-fi.com/alice\n", [("bad-username", "error", 1, 8)]),
    ("at-sign", "github: '@alice'\n", [("bad-username", "error", 1, 9)]),
    ("spaces-in-name", "patreon: Alice Smith\n", [("bad-username", "error", 1, 10)]),
    ("slash-in-name", "open_collective: a/b\n", [("bad-username", "error", 1, 18)]),
    ("underscore-in-github", "github: alice_smith\n", [("bad-username", "error", 1, 9)]),
    ("github-too-long", "github: " + "a" * 40 + "\n", [("bad-username", "error", 1, 9)]),
    ("placeholder-name", "github: user1\n", [("placeholder", "warning", 1, 9)]),
    ("placeholder-angle-is-invalid-too", "patreon: <username>\n", [("bad-username", "error", 1, 10)]),
    (
        "placeholder-your-handle",
        "custom: https://ko-fi.com/your-handle\n",
        [("placeholder", "warning", 1, 9)],
    ),
    # --- tidelift and thanks_dev
    ("tidelift-no-platform", "tidelift: babel\n", [("bad-tidelift", "error", 1, 11)]),
    ("tidelift-unknown-platform", "tidelift: cargo/serde\n", [("bad-tidelift", "error", 1, 11)]),
    ("tidelift-upper-case", "tidelift: NPM/left-pad\n", [("bad-tidelift", "error", 1, 11)]),
    (
        "tidelift-url",
        "tidelift: https://tidelift.com/funding/github/npm/left-pad\n",
        [("bad-tidelift", "error", 1, 11)],
    ),
    ("tidelift-template-example", "tidelift: npm/babel\n", [("placeholder", "warning", 1, 11)]),
    ("tidelift-scoped", "tidelift: npm/@scope/pkg\n", []),
    ("thanks-dev-bare-name", "thanks_dev: alice\n", [("bad-thanks-dev", "error", 1, 13)]),
    ("thanks-dev-gitlab", "thanks_dev: u/gl/alice\n", [("thanks-dev-platform", "warning", 1, 13)]),
    # --- custom links
    ("custom-plain-text", 'custom: ["https://a.org/join", YouTube Member]\n', [("bad-url", "error", 1, 32)]),
    ("custom-word", "custom: donate\n", [("bad-url", "error", 1, 9)]),
    ("custom-mailto", "custom: mailto:me@a.org\n", [("bad-url", "error", 1, 9)]),
    ("custom-idn", "custom: https://bücher.example/spenden\n", []),
    ("custom-no-host", "custom: 'https://'\n", [("bad-url", "error", 1, 9)]),
    ("custom-two-in-one", "custom: https://a.org, https://b.org\n", [("bad-url", "error", 1, 9)]),
    ("custom-http", "custom: http://a.org\n", [("insecure-url", "warning", 1, 9)]),
    (
        "custom-github-sponsors",
        "custom: https://github.com/sponsors/alice\n",
        [("use-github-key", "warning", 1, 9)],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_rule(text: str, expected: list[tuple[str, str, int, int]]) -> None:
    assert found(lint(text)) == sorted(expected)


def test_the_shared_yaml_reader_keeps_funding_yml_semantics() -> None:
    """FUNDING.yml is read by bot.core.yaml_tree (the reader fundbot.yml uses), as GitHub reads it."""
    # a character YAML forbids is reported where it is (the old FUNDING.yml reader said 1:1)
    [p] = lint("github: alice\npatreon: bo\x07b\n")
    assert (p.code, p.line, p.column) == ("yaml-syntax", 2, 12)
    assert p.message.startswith("YAML syntax error: the character U+0007 is not allowed in YAML")
    # `<<` stays a key (fundbot.yml flattens merge keys; FUNDING.yml does not)
    assert found(lint("<<: {github: octocat}\n")) == [("unknown-key", "error", 1, 1)]
    # an alias to a list built inside a list is still the whole list
    values, problems = parse("x: [&n [alice, bob]]\ngithub: *n\n")
    assert values == {"github": ["alice", "bob"]} and [p.code for p in problems] == ["unknown-key"]
    # a number too long for int() is still a number (not "a tagged or binary value")
    assert found(lint("github: 1" + "2" * 5000 + "\n")) == [("yaml-number", "error", 1, 9)]


def test_messages_say_what_was_found_and_what_would_work() -> None:
    (p,) = lint("github: 0326\n")
    assert "0326" in p.message and "number" in p.message and '"0326"' in p.message
    assert p.key == "github"
    (p,) = lint("patreon: yes\n")
    assert "boolean true" in p.message and '"yes"' in p.message
    (p,) = lint("opencollective: x\n")
    assert "did you mean `open_collective`" in p.message
    for typo, right in [
        ("kofi", "ko_fi"),
        ("buymeacoffee", "buy_me_a_coffee"),
        ("liberpay", "liberapay"),
        ("open-collective", "open_collective"),
        ("thanksdev", "thanks_dev"),
    ]:
        (p,) = lint(f"{typo}: x\n")
        assert f"did you mean `{right}`" in p.message, typo
    (p,) = lint("paypal: alice\n")
    assert "custom" in p.message
    (p,) = lint("patreon: https://www.patreon.com/alice\n")
    assert "`patreon: alice`" in p.message
    (p,) = lint("thanks_dev: alice\n")
    assert "u/gh/alice" in p.message
    (p,) = lint("github: [a, b, c, d, e, f]\n")
    assert p.key == "github[5]" and "6" in p.message
    (p,) = lint("custom: [a.org, '']\n")
    assert p.key == "custom[1]"


def test_template_text_pasted_as_a_value() -> None:
    (p,) = lint("patreon: Replace with a single Patreon username\n")
    assert (p.code, p.severity) == ("bad-username", "error") and "placeholder" in p.message
    (p,) = lint("custom: Replace with a single custom sponsorship URL\n")
    assert (p.code, p.severity) == ("bad-url", "error") and "placeholder" in p.message
    (p,) = lint("patreon: <username>\n")
    assert "placeholder" in p.message


def test_bytes_bom_and_encodings() -> None:
    assert lint(b"\xef\xbb\xbfgithub: alice\n") == []
    assert lint("\ufeffgithub: alice\n") == []
    assert lint("github: alice\n".encode("utf-16")) == []
    (p,) = lint(b"github: alice\npatreon: b\xe9b\n")
    assert (p.code, p.severity, p.line, p.column) == ("decode-error", "error", 2, 11)


def test_parse_normalises_and_keeps_only_usable_values() -> None:
    text = (
        "custom: [\"https://a.org\", '', octocat.com]\n"
        "patreon: yes\n"
        "github: alice\n"
        "ko_fi: [a, b]\n"
        "github: bob\n"
        "tidelift: npm/x\n"
    )
    values, problems = parse(text)
    assert list(values) == ["github", "tidelift", "custom"]  # KEYS order
    assert values == {"github": ["bob"], "tidelift": "npm/x", "custom": ["https://a.org", "octocat.com"]}
    assert {p.code for p in problems} == {"empty-entry", "yaml-boolean", "list-not-allowed", "duplicate-key"}


def test_normalise_plain_dict() -> None:
    m = {
        "custom": "octocat.com",
        "github": ["a", "b", "c", "d", "e", "f", "g"],
        "patreon": None,
        "unknown": "x",
        "ko_fi": 15,
        "polar": "p",
    }
    assert normalise(m) == {"github": ["a", "b", "c", "d", "e"], "polar": "p", "custom": ["octocat.com"]}
    assert list(normalise(m)) == ["github", "polar", "custom"]
    assert normalise({}) == {} and normalise(None) == {}


def test_check_mapping_on_fundbot_yml_uses_that_files_lines() -> None:
    cfg = (
        "# .github/fundbot.yml\n"
        "funding:\n"
        "  github: [alice, 0326]\n"
        "  patreon: yes\n"
        "  opencollective: x\n"
        "issues:\n"
        "  comment: true\n"
    )
    node = YAML().load(cfg)["funding"]
    assert found(check_mapping(node, source=cfg)) == [
        ("unknown-key", "error", 5, 3),
        ("yaml-boolean", "error", 4, 12),
        ("yaml-number", "error", 3, 19),
    ]
    # without the source text the YAML 1.1 reading of `yes` cannot be known; the rest is the same
    assert found(check_mapping(node)) == [("unknown-key", "error", 5, 3), ("yaml-number", "error", 3, 19)]
    shifted = check_mapping(node, line_offset=10, column_offset=2, source=cfg)
    assert found(shifted)[0] == ("unknown-key", "error", 15, 5)
    # the same verdict as check-funding on the same mapping as a FUNDING.yml
    alone = "github: [alice, 0326]\npatreon: yes\nopencollective: x\n"
    assert {p.code for p in lint(alone)} == {p.code for p in check_mapping(node, source=cfg)}


def test_check_mapping_plain_dict_and_none() -> None:
    problems = check_mapping({"github": [1], "paypal": "x"})
    assert found(problems) == [("unknown-key", "error", 0, 0), ("yaml-number", "error", 0, 0)]
    assert found(check_mapping(None)) == [("no-funding-links", "warning", 0, 0)]
    assert found(check_mapping(["a"])) == [("not-a-mapping", "error", 0, 0)]
    assert check_mapping({"github": "alice", "custom": ["https://a.org"]}) == []


def test_format_problems_errors_first_then_by_line() -> None:
    text = "custom: http://a.org\npatreon: yes\ngithub: 0326\n"
    out = format_problems(".github/FUNDING.yml", lint(text)).splitlines()
    assert [line.split(": ")[0] for line in out] == [
        ".github/FUNDING.yml:2:10",
        ".github/FUNDING.yml:3:9",
        ".github/FUNDING.yml:1:9",
    ]
    assert out[0].startswith(".github/FUNDING.yml:2:10: error: ") and out[0].endswith("[yaml-boolean]")
    assert out[2].endswith("[insecure-url]") and ": warning: " in out[2]
    assert format_problems("x", []) == ""


LINK_CASES = [
    ("github", "alice", "https://github.com/sponsors/alice", "GitHub Sponsors (@alice)"),
    ("patreon", "alice", "https://www.patreon.com/alice", "Patreon"),
    ("open_collective", "x", "https://opencollective.com/x", "Open Collective"),
    ("ko_fi", "x", "https://ko-fi.com/x", "Ko-fi"),
    ("tidelift", "npm/left-pad", "https://tidelift.com/funding/github/npm/left-pad", "Tidelift"),
    (
        "community_bridge",
        "x",
        "https://crowdfunding.lfx.linuxfoundation.org/projects/x",
        "Community Bridge (LFX)",
    ),
    ("liberapay", "x", "https://liberapay.com/x", "Liberapay"),
    ("issuehunt", "x", "https://issuehunt.io/r/x", "IssueHunt"),
    ("lfx_crowdfunding", "x", "https://crowdfunding.lfx.linuxfoundation.org/projects/x", "LFX Crowdfunding"),
    ("polar", "x", "https://polar.sh/x", "Polar"),
    ("buy_me_a_coffee", "x", "https://buymeacoffee.com/x", "Buy Me a Coffee"),
    ("thanks_dev", "u/gh/x", "https://thanks.dev/u/gh/x", "thanks.dev"),
    ("custom", "https://example.org/support/", "https://example.org/support/", "example.org/support"),
    ("custom", "octocat.com", "https://octocat.com", "octocat.com"),
    ("custom", "http://a.org/x", "https://a.org/x", "a.org/x"),
]


@pytest.mark.parametrize(("key", "handle", "url", "title"), LINK_CASES)
def test_link_for_each_platform(key: str, handle: str, url: str, title: str) -> None:
    value = [handle] if key in ("github", "custom") else handle
    assert links({key: value}) == [FundingLink(key, handle, url, title)]


def test_links_order_and_duplicates() -> None:
    m = {
        "custom": ["https://github.com/sponsors/alice", "a.org", "https://a.org/"],
        "ko_fi": "k",
        "github": ["alice", "Alice", "bob"],
    }
    got = [(link.platform, link.url) for link in links(m)]
    assert got == [
        ("github", "https://github.com/sponsors/alice"),
        ("github", "https://github.com/sponsors/bob"),
        ("ko_fi", "https://ko-fi.com/k"),
        ("custom", "https://a.org"),
    ]
    assert links(YAML().load("github: [x]\ncustom: y.org\n")) == links(
        normalise({"github": "x", "custom": ["y.org"]})
    )


def test_render_format_and_quoting() -> None:
    m = {
        "custom": ["https://www.paypal.me/octocat", "octocat.com", "a.org/#x"],
        "github": ["alice", "0326", "yes"],
        "patreon": "on",
        "tidelift": "npm/@scope/pkg",
        "ko_fi": "2019",
        "polar": "1.5",
    }
    text = render(m)
    assert text == (
        "# Generated by fundbot from .github/fundbot.yml (funding:).\n"
        'github: [alice, "0326", "yes"]\n'
        'patreon: "on"\n'
        'ko_fi: "2019"\n'
        "tidelift: npm/@scope/pkg\n"
        'polar: "1.5"\n'
        'custom: ["https://www.paypal.me/octocat", octocat.com, "a.org/#x"]\n'
    )
    assert [p for p in lint(text) if p.severity == "error"] == []
    assert parse(text)[0] == normalise(m)
    assert render(m) == text  # deterministic
    assert render({}).startswith(funding.HEADER)
    assert render({"github": "0326"}) == render({"github": ["0326"]})


def test_render_drops_values_with_errors() -> None:
    text = render({"github": ["ok-name", "bad name"], "paypal": "x", "tidelift": "babel"})
    assert parse(text) == ({"github": ["ok-name"]}, [])


def test_lint_is_check_mapping_on_the_document() -> None:
    text = "github: [alice, 0326]\npatreon: yes\ncustom: [x.org, 'YouTube Member']\n"
    doc = YAML().load(text)
    assert check_mapping(doc, source=text) == lint(text)
    composed = YAML().compose(text)
    assert check_mapping(composed, source=text) == lint(text)


# ---------------------------------------------------------------------------------------------
# Properties

FAST = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])

yaml_ish = st.text(
    alphabet=st.sampled_from(
        list(string.printable) + ["-", ":", "#", "[", "]", "{", "}", "'", '"', "é", "\ufeff", "\t"]
    ),
    max_size=120,
)


@FAST
@given(st.one_of(st.text(max_size=200), yaml_ish, st.binary(max_size=200)))
def test_lint_never_raises_on_arbitrary_input(text: str | bytes) -> None:
    problems = lint(text)
    assert all(isinstance(p, Problem) and p.severity in ("error", "warning") for p in problems)
    assert all(p.code != "internal-error" for p in problems)
    values, again = parse(text)
    assert again == problems
    assert set(values) <= set(KEYS)


scalar_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "alice",
            "0326",
            "yes",
            "on",
            "1.5",
            "2019-01-01",
            "a.org",
            "https://a.org/x?y=1#z",
            "npm/x",
            "u/gh/x",
            "",
            "~",
            "null",
            "@x",
            "a b",
            "http://x.org",
            "mailto:a@b.c",
            "octocat.com",
            "x: y",
            "#x",
            "- x",
            "[x]",
            "user1",
            "0xdea",
            "a,b",
        ]
    ),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
values_strategy = st.one_of(scalar_values, st.lists(scalar_values, max_size=7))
keys_strategy = st.one_of(st.sampled_from(KEYS + ("otechie", "paypal", "kofi")), st.text(max_size=10))
mappings = st.dictionaries(keys_strategy, values_strategy, max_size=8)


def _dump(data: object, flow: bool) -> str:
    yaml = YAML()
    yaml.default_flow_style = flow
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


@FAST
@given(mappings, st.booleans())
def test_lint_never_raises_on_generated_yaml(m: dict, flow: bool) -> None:
    text = _dump(m, flow)
    values, problems = parse(text)
    assert all(p.code != "internal-error" for p in problems)
    # The file reads back as the mapping; the text check can only be stricter (YAML 1.1 readings
    # of plain scalars such as `yes`), so whatever it keeps, normalise(mapping) keeps too.
    expected = normalise(m)
    for key, value in values.items():
        kept = expected[key] if isinstance(expected[key], list) else [expected[key]]
        assert all(v in kept for v in (value if isinstance(value, list) else [value]))


@FAST
@given(mappings)
def test_render_round_trip(m: dict) -> None:
    expected = normalise(m)
    text = render(m)
    values, problems = parse(text)
    assert [p for p in problems if p.severity == "error"] == []
    assert values == expected
    assert render(values) == text


@FAST
@given(mappings)
def test_links_are_https(m: dict) -> None:
    got = links(m)
    assert all(link.url.startswith("https://") for link in got)
    assert len({link.url for link in got}) == len(got)
    assert [KEYS.index(link.platform) for link in got] == sorted(KEYS.index(link.platform) for link in got)
