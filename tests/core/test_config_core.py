"""bot.core.config: validation (positions, codes, did-you-mean), defaults, Config round trip,
inheritance (merge, _extends, resolve_chain), onboarding template, docs, and a property test that
``validate`` never raises.

Expected lines and columns below were counted by hand from the YAML text (1-based).
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bot.core import config as cfg
from bot.core import funding
from bot.core.config import (
    Config,
    ExtendsTarget,
    Issue,
    format_issues,
    merge,
    onboarding_template,
    parse_extends,
    reference_markdown,
    resolve_chain,
    resolve_chain_async,
    summary,
    validate,
)
from tests.fixtures.depth import examples

# --------------------------------------------------------------------------------------------------
# One case per class of problem: (id, text, code, severity, line, column, key)

CASES = [
    ("yaml-syntax", "bounties:\n  label: [a\n", "yaml-syntax", "error", 3, 1, None),
    ("yaml-syntax-colon", "bounties:\n  label: a: b\n", "yaml-syntax", "error", 2, 11, None),
    ("yaml-control-char", "issues:\n  message: \"a\x01b\"\n", "yaml-syntax", "error", 2, 14, None),
    ("not-a-mapping-list", "- a\n- b\n", "not-a-mapping", "error", 1, 1, None),
    ("not-a-mapping-text", "hello\n", "not-a-mapping", "error", 1, 1, None),
    ("too-large", "#" * (256 * 1024 + 1), "file-too-large", "error", 1, 1, None),
    ("decode", b"a: \xff\n", "decode-error", "error", 1, 4, None),
    ("duplicate-top", "readme: {}\nreadme: {}\n", "duplicate-key", "error", 2, 1, "readme"),
    ("duplicate-nested", "bounties:\n  label: a\n  label: b\n", "duplicate-key", "error", 3, 3, "bounties.label"),
    ("unknown-key", "bountys: {}\n", "unknown-key", "warning", 1, 1, "bountys"),
    ("unknown-nested", "readme:\n  udpate: off\n", "unknown-key", "warning", 2, 3, "readme.udpate"),
    ("wrong-type-bool", "bounties:\n  enabled: 1\n", "wrong-type", "error", 2, 12, "bounties.enabled"),
    ("wrong-type-section", "bounties: yes\n", "wrong-type", "error", 1, 11, "bounties"),
    ("wrong-type-list", "issues:\n  labels: bug\n", "wrong-type", "error", 2, 11, "issues.labels"),
    ("wrong-type-int-str", "bounties:\n  deadline_days: \"30\"\n", "wrong-type", "error", 2, 18, "bounties.deadline_days"),
    ("out-of-range", "bounties:\n  deadline_days: 3651\n", "out-of-range", "error", 2, 18, "bounties.deadline_days"),
    ("out-of-range-zero", "bounties:\n  deadline_days: 0\n", "out-of-range", "error", 2, 18, "bounties.deadline_days"),
    ("debounce", "readme:\n  debounce_seconds: -1\n", "out-of-range", "error", 2, 21, "readme.debounce_seconds"),
    ("bad-enum", "funding_file: sometimes\n", "bad-enum", "error", 1, 15, "funding_file"),
    ("bad-enum-list", "bounties:\n  who_can_manage: [admin, owner]\n", "bad-enum", "error", 2, 27, "bounties.who_can_manage[1]"),
    ("bool-as-string", "issues:\n  comment: \"no\"\n", "bool-as-string", "warning", 2, 12, "issues.comment"),
    ("bool-as-string-yes", "releases:\n  footer: yes\n", "bool-as-string", "warning", 2, 11, "releases.footer"),
    ("false-for-off", "readme:\n  update: false\n", "bool-as-string", "warning", 2, 11, "readme.update"),
    ("empty-value", "bounties:\n  currency:\n", "empty-value", "warning", 2, 3, "bounties.currency"),
    ("funding-number", "funding:\n  github: 0015\n", "yaml-number", "error", 2, 11, "funding.github"),
    ("funding-bool", "funding:\n  patreon: yes\n", "yaml-boolean", "error", 2, 12, "funding.patreon"),
    ("funding-unknown", "funding:\n  paypal: me\n", "unknown-key", "error", 2, 3, "funding.paypal"),
    ("funding-not-mapping", "funding: alice\n", "not-a-mapping", "error", 1, 10, "funding"),
    ("funding-too-many", "funding:\n  custom: [a.org, b.org, c.org, d.org, e.org]\n", "too-many", "error", 2, 40,
     "funding.custom[4]"),
    ("links-http", "links:\n  - title: x\n    url: http://x.org\n", "not-https", "error", 3, 10, "links[0].url"),
    ("links-bare", "links:\n  - title: x\n    url: x.org\n", "not-https", "error", 3, 10, "links[0].url"),
    ("links-missing-url", "links:\n  - title: x\n", "missing-key", "error", 2, 5, "links[0].url"),
    ("avatar-ftp", "readme:\n  sponsors:\n    - name: A\n      avatar: ftp://x\n", "bad-url", "error", 4, 15,
     "readme.sponsors[0].avatar"),
    ("placeholder", "issues:\n  message: \"Hi {user}\"\n", "unknown-placeholder", "warning", 2, 12, "issues.message"),
    ("bad-amount", "bounties:\n  min_pledge: \"-5\"\n", "bad-amount", "error", 2, 15, "bounties.min_pledge"),
    ("bad-amount-decimals", "bounties:\n  max_amount: 10.555\n", "bad-amount", "error", 2, 15, "bounties.max_amount"),
    ("bad-amount-bool", "funding_goal:\n  amount: true\n", "wrong-type", "error", 2, 11, "funding_goal.amount"),
    ("label-too-long", "bounties:\n  label: " + "x" * 51 + "\n", "too-long", "error", 2, 10, "bounties.label"),
    ("label-empty", "bounties:\n  label: \"\"\n", "empty-value", "error", 2, 10, "bounties.label"),
    ("labels-too-many", "bounties:\n  labels:\n" + "".join(f"    l{i}: {i + 1}\n" for i in range(21)), "too-many",
     "error", 23, 5, "bounties.labels"),
    ("labels-key-too-long", "bounties:\n  labels:\n    " + "y" * 51 + ": 5\n", "too-long", "error", 3, 5,
     "bounties.labels." + "y" * 51),
    ("min-above-max", "bounties:\n  min_pledge: 10\n  max_amount: 5\n", "min-above-max", "error", 2, 15,
     "bounties.min_pledge"),
    ("goal-above-max", "bounties:\n  labels: {big: 900}\n  max_amount: 800\n", "out-of-range", "error", 2, 17,
     "bounties.labels.big"),
    ("currency", "bounties:\n  currency: XYZ\n", "bad-currency", "error", 2, 13, "bounties.currency"),
    ("currency-mismatch", "bounties:\n  min_pledge: 5 EUR\n", "currency-mismatch", "error", 2, 15, "bounties.min_pledge"),
    ("duplicate-label", "bounties:\n  funded_label: \"💰 Bounty\"\n", "duplicate-label", "error", 2, 17,
     "bounties.funded_label"),
    ("bad-login", "issues:\n  skip_authors: [\"bad login\"]\n", "bad-login", "error", 2, 18, "issues.skip_authors[0]"),
    ("duplicate-value", "issues:\n  labels: [a, A]\n", "duplicate-value", "warning", 2, 15, "issues.labels[1]"),
    ("bad-path", "readme:\n  path: ../x.md\n", "bad-path", "error", 2, 9, "readme.path"),
    ("too-few", "bounties:\n  who_can_manage: []\n", "too-few", "error", 2, 19, "bounties.who_can_manage"),
    ("read-permission", "bounties:\n  who_can_manage: [read]\n", "broad-permission", "warning", 2, 19,
     "bounties.who_can_manage"),
    ("unsorted-rewards", "bounties:\n  rewards:\n    - {min: 50, reward: b}\n    - {min: 10, reward: a}\n",
     "unsorted", "warning", 3, 7, "bounties.rewards"),
    ("duplicate-tier", "readme:\n  tiers:\n    - {name: Gold, min: 5}\n    - {name: gold, min: 1}\n",
     "duplicate-tier", "error", 4, 14, "readme.tiers[1].name"),
    ("unknown-tier", "readme:\n  sponsors:\n    - {name: A, tier: Platinum}\n", "unknown-tier", "error", 3, 23,
     "readme.sponsors[0].tier"),
    ("goal-without-amount", "funding_goal:\n  title: Servers\n", "goal-without-amount", "warning", 2, 10,
     "funding_goal.amount"),
    ("bad-extends", "_extends: a/b/c\n", "bad-extends", "error", 1, 11, "_extends"),
    ("multiple-documents", "readme: {}\n---\nbounties: {}\n", "multiple-documents", "warning", 3, 1, None),
]


@pytest.mark.parametrize(
    "text, code, severity, line, column, key", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_problem_class_has_its_position(text, code, severity, line, column, key) -> None:
    result = validate(text)
    found = [i for i in result.issues if i.code == code]
    assert found, format_issues(result.issues)
    first = found[0]
    assert (first.severity, first.line, first.column, first.key) == (severity, line, column, key)
    assert first.path == ".github/fundbot.yml"
    assert first.message and first.expected is not None and first.found is not None
    # an error means no config; warnings alone keep it
    assert (result.config is None) == bool(result.errors)
    if severity == "error":
        assert result.config is None
    assert all(i.severity == "error" for i in result.errors)
    assert all(i.severity == "warning" for i in result.warnings)


def test_messages_name_what_was_expected_and_found() -> None:
    issue = _one(validate("bounties:\n  deadline_days: 3651\n"))
    assert "1 to 3650" in issue.message and "3651" in issue.message
    assert issue.found == "3651"
    issue = _one(validate("funding_file: sometimes\n"))
    assert "`pull_request`, `commit`, `off`" in issue.message and "sometimes" in issue.message
    issue = _one(validate("links:\n  - title: x\n    url: http://x.org\n"))
    assert "https://x.org" in issue.message


def _one(result: cfg.ConfigResult) -> Issue:
    assert len(result.issues) == 1, format_issues(result.issues)
    return result.issues[0]


def test_every_code_of_the_table_is_distinct_from_internal_error() -> None:
    assert all(c[2] != "internal-error" for c in CASES)
    assert len({c[0] for c in CASES}) == len(CASES)


def test_path_is_used_in_issues() -> None:
    result = validate("bountys: 1\n", path="x/y.yml")
    assert result.warnings[0].path == "x/y.yml"
    assert format_issues(result.warnings).startswith("x/y.yml:1:1: warning: ")


def test_empty_and_comment_only_files_are_the_defaults() -> None:
    for text in ("", "\n\n", "# nothing\n", "---\n", "~\n", b"", b"\xef\xbb\xbf# bom\n"):
        result = validate(text)
        assert result.errors == [] and result.warnings == [], text
        assert result.config == Config.defaults()
        assert result.raw == {}


def test_null_sections_take_defaults_silently() -> None:
    result = validate("issues:\nbounties:\nreadme:\n_extends:\nfunding:\n")
    assert result.errors == [] and result.warnings == []
    assert result.config == Config.defaults()


def test_utf16_bytes_are_decoded() -> None:
    result = validate("bounties:\n  currency: EUR\n".encode("utf-16"))
    assert result.errors == [] and result.config is not None
    assert result.config.bounties.currency == "EUR"


def test_values_are_converted() -> None:
    text = """
funding:
  github: [alice]
  custom: ["https://donate.acme.dev/now", octocat.com]
funding_file: commit
links:
  - {title: Paid support, url: "https://example.org/support"}
issues:
  comment: false
  labels: [help wanted]
  skip_authors: ["renovate[bot]", alice]
releases: {drafts: true, prereleases: false}
bounties:
  currency: eur
  labels: {"bounty: M": "€500", "bounty: L": 2k, "bounty: S": "1,250.50"}
  min_pledge: 2.5
  max_amount: "10k"
  rewards:
    - {min: 10, reward: Thanks}
funding_goal: {title: Server, amount: "3000 EUR"}
readme:
  update: off
  tiers: [{name: Big, min: 100}, {name: All, min: 0}]
  sponsors: [{name: ACME, url: "https://acme.example", tier: big}]
"""
    result = validate(text)
    assert result.errors == [], format_issues(result.errors)
    assert result.warnings == [], format_issues(result.warnings)
    c = result.config
    assert c is not None
    assert c.funding == {"github": ["alice"], "custom": ["https://donate.acme.dev/now", "octocat.com"]}
    assert c.funding_file == "commit"
    assert c.links == (cfg.Link("Paid support", "https://example.org/support"),)
    assert c.issues.comment is False and c.issues.labels == ("help wanted",)
    assert c.issues.skip_authors == ("renovate[bot]", "alice")
    assert (c.releases.drafts, c.releases.prereleases) == (True, False)
    assert c.bounties.currency == "EUR"
    assert c.bounties.labels == {
        "bounty: M": Decimal("500.00"),
        "bounty: L": Decimal("2000.00"),
        "bounty: S": Decimal("1250.50"),
    }
    assert c.bounties.min_pledge == Decimal("2.50") and c.bounties.max_amount == Decimal("10000.00")
    assert c.bounties.rewards == (cfg.Reward(Decimal("10.00"), "Thanks"),)
    assert c.funding_goal == cfg.FundingGoal("Server", Decimal("3000.00"))
    assert c.readme.update == "off"
    assert [t.name for t in c.readme.tiers] == ["Big", "All"]
    assert result.raw["bounties"]["labels"]["bounty: L"] == "2k"


def test_sponsor_tier_matches_case_insensitively() -> None:
    result = validate("readme:\n  sponsors: [{name: A, tier: gold}]\n")
    assert result.errors == []


def test_unsorted_lists_are_sorted_in_the_config() -> None:
    result = validate(
        "bounties:\n  rewards: [{min: 50, reward: b}, {min: 10, reward: a}]\n"
        "readme:\n  tiers: [{name: Low, min: 0}, {name: High, min: 100}]\n"
    )
    assert [i.code for i in result.warnings] == ["unsorted", "unsorted"]
    assert result.config is not None
    assert [r.reward for r in result.config.bounties.rewards] == ["a", "b"]
    assert [t.name for t in result.config.readme.tiers] == ["High", "Low"]


def test_anchors_and_merge_keys() -> None:
    text = "x-common: &c {enabled: false, currency: EUR}\nbounties:\n  <<: *c\n  currency: GBP\n"
    result = validate(text)
    assert result.errors == []
    assert result.config is not None
    assert (result.config.bounties.enabled, result.config.bounties.currency) == (False, "GBP")
    assert [i.code for i in result.warnings] == ["unknown-key"]  # x-common


def test_alias_bomb_is_fast_and_does_not_raise() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append("issues:\n  labels: *a11")
    result = validate("\n".join(lines) + "\n")
    assert result.config is None
    assert {i.code for i in result.errors} == {"wrong-type"}
    assert len(result.errors) == 10  # one per item of the outer list, nothing expanded


def test_deep_nesting_is_refused_quickly() -> None:
    result = validate("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert [(i.code, i.line, i.column) for i in result.errors] == [("too-complex", 1, 68)]
    assert validate("a: " + "[" * 60 + "]" * 60 + "\n").errors == []  # deep but allowed: an unknown key
    for depth in (150, 300, 450, 600):
        block = validate("readme:\n" + "".join(" " * i + "- x:\n" for i in range(1, depth)))
        assert [i.code for i in block.errors] in (["too-complex"], ["yaml-syntax"]), depth


def test_non_text_input_is_an_error_not_an_exception() -> None:
    result = validate(12345)  # type: ignore[arg-type]
    assert result.config is None and result.errors[0].code == "internal-error"


# --------------------------------------------------------------------------------------------------
# Did you mean


@pytest.mark.parametrize(
    "text, suggestion",
    [
        ("bountys: {}\n", "did you mean `bounties`?"),
        ("bounty: {}\n", "did you mean `bounties`?"),
        ("readme:\n  udpate: commit\n", "did you mean `update`?"),
        ("issues:\n  skip-authors: []\n", "did you mean `skip_authors`?"),
        ("deadline_days: 10\n", "did you mean `bounties.deadline_days`"),
        ("github: [alice]\n", "`funding: {github: ...}`"),
        ("bounties:\n  min_pledges: 5\n", "did you mean `min_pledge`?"),
    ],
)
def test_did_you_mean(text: str, suggestion: str) -> None:
    result = validate(text)
    assert [i.code for i in result.warnings] == ["unknown-key"]
    assert suggestion in result.warnings[0].message
    assert result.config == Config.defaults()


def test_did_you_mean_for_enums_and_placeholders() -> None:
    assert "did you mean `commit`?" in validate("funding_file: Commit\n").errors[0].message
    assert "Did you mean `{author}`?" in validate("issues:\n  message: 'Hi {autor}'\n").warnings[0].message
    unknown = validate("readme:\n  sponsors: [{name: A, tier: Silvr}]\n").errors[0]
    assert "did you mean `Silver`?" in unknown.message


def test_unknown_key_without_suggestion_lists_the_keys() -> None:
    w = validate("releases:\n  zzz: 1\n").warnings[0]
    assert "footer, thank_backers, drafts, prereleases" in w.message


# --------------------------------------------------------------------------------------------------
# Defaults and the Config round trip


def test_defaults() -> None:
    d = Config.defaults()
    assert d.extends is None and d.funding == {} and d.funding_file == "pull_request" and d.links == ()
    assert d.issues.comment is True and d.issues.labels == () and d.issues.skip_authors == ()
    assert all(p in d.issues.message for p in ("{author}", "{links}", "{repo}"))
    assert (d.releases.footer, d.releases.thank_backers, d.releases.drafts, d.releases.prereleases) == (
        True,
        True,
        False,
        True,
    )
    b = d.bounties
    assert b.enabled and b.label == "💰 bounty" and b.currency == "USD" and b.deadline_days == 30
    assert b.labels == {"bounty: S": Decimal(100), "bounty: M": Decimal(500), "bounty: L": Decimal(2000)}
    assert (b.min_pledge, b.max_amount) == (Decimal(1), Decimal(100000))
    assert b.who_can_manage == ("admin", "maintain", "write")
    assert [(r.min, r.reward) for r in b.rewards] == [
        (Decimal(25), "Your name in the README thank-you section"),
        (Decimal(100), "Your logo in the README"),
    ]
    assert (b.funded_label, b.delivered_label) == ("💸 funded", "✅ delivered")
    assert d.funding_goal == cfg.FundingGoal("", Decimal(0))
    r = d.readme
    assert (r.path, r.update, r.debounce_seconds) == ("README.md", "pull_request", 60)
    assert r.sources == ("github_sponsors", "backers", "config") and r.sponsors == ()
    assert [(t.name, t.min) for t in r.tiers] == [("Gold", 500), ("Silver", 100), ("Backers", 0)]
    d.bounties.labels["mutated"] = Decimal(1)  # a caller's mistake does not change the defaults
    assert "mutated" not in Config.defaults().bounties.labels


def test_schema_and_dataclasses_do_not_drift() -> None:
    assert cfg._schema_drift() == []


def test_to_dict_from_dict_round_trip() -> None:
    d = Config.defaults()
    data = d.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["bounties"]["labels"]["bounty: M"] == "500.00"
    assert Config.from_dict(json.loads(json.dumps(data))) == d
    custom = validate(
        "_extends: .github\nfunding: {github: [alice], custom: [\"https://x.org/a\"]}\n"
        "bounties: {currency: EUR, labels: {big: 12.5}, rewards: []}\n"
        "readme: {sponsors: [{name: A, url: \"https://a.org\", tier: Gold}]}\n"
    ).config
    assert custom is not None
    again = Config.from_dict(json.loads(json.dumps(custom.to_dict())))
    assert again == custom
    assert again.bounties.labels == {"big": Decimal("12.50")}
    assert again.extends == ".github"


def test_from_dict_fills_defaults_and_rejects_invalid() -> None:
    assert Config.from_dict({}) == Config.defaults()
    assert Config.from_dict({"bounties": {"deadline_days": 7}}).bounties.deadline_days == 7
    with pytest.raises(ValueError, match="deadline_days"):
        Config.from_dict({"bounties": {"deadline_days": 0}})


# --------------------------------------------------------------------------------------------------
# Merge and _extends


def test_merge_semantics() -> None:
    base = {
        "_extends": "x",
        "bounties": {"currency": "EUR", "labels": {"a": 1, "b": 2}, "who_can_manage": ["admin", "write"]},
        "issues": {"comment": False},
        "links": [{"title": "a", "url": "https://a.org"}],
    }
    override = {
        "_extends": "y",
        "bounties": {"labels": {"c": 3}, "who_can_manage": ["admin"]},
        "issues": None,
        "links": [],
    }
    merged = merge(base, override)
    assert merged == {
        "bounties": {"currency": "EUR", "labels": {"a": 1, "b": 2, "c": 3}, "who_can_manage": ["admin"]},
        "issues": {"comment": False},  # a null does not hide the inherited value
        "links": [],  # lists are replaced
    }
    assert "_extends" not in merged
    assert base["bounties"]["labels"] == {"a": 1, "b": 2}  # inputs are not modified
    assert merge({}, {"a": {"b": 1}}) == {"a": {"b": 1}}
    assert merge({"a": 1}, {"a": {"b": 1}}) == {"a": {"b": 1}}
    assert merge({"a": {"b": 1}}, {"a": 2}) == {"a": 2}


@pytest.mark.parametrize(
    "value, expected",
    [
        (".github", ExtendsTarget("me", ".github", ".github/fundbot.yml")),
        ("configs", ExtendsTarget("me", "configs", ".github/fundbot.yml")),
        ("octo-org/configs", ExtendsTarget("octo-org", "configs", ".github/fundbot.yml")),
        ("configs:fundbot/base.yml", ExtendsTarget("me", "configs", "fundbot/base.yml")),
        ("octo-org/configs:fundbot/base.yml", ExtendsTarget("octo-org", "configs", "fundbot/base.yml")),
        ("  octo/x  ", ExtendsTarget("octo", "x", ".github/fundbot.yml")),
    ],
)
def test_parse_extends_forms(value: str, expected: ExtendsTarget) -> None:
    assert parse_extends(value, owner="me", repo="here") == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "a/b/c",
        "-bad/x",
        "bad-/x",
        "a--b/x",
        "o" * 40 + "/x",
        "octo/",
        "/x",
        "octo/..",
        "octo/x y",
        "octo/x:",
        "octo/x:../secrets.yml",
        "octo/x:a/../../b",
        "octo/x:/etc/passwd",
        "octo/x:a\\b",
        "octo/x:a b.yml",
        "octo/x:dir/",
        "octo/" + "r" * 101,
    ],
)
def test_parse_extends_rejects(value: str) -> None:
    result = parse_extends(value, owner="me", repo="here")
    assert isinstance(result, str) and result.endswith((".", "`."))


class Loader:
    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.calls: list[str] = []

    def __call__(self, target: ExtendsTarget) -> str | None:
        self.calls.append(str(target))
        return self.files.get(str(target))


ORG = "octo/.github:.github/fundbot.yml"


def test_chain_without_extends_is_validate() -> None:
    load = Loader({})
    result = resolve_chain(load, "bounties: {currency: EUR}\n", owner="octo", repo="proj")
    assert load.calls == [] and result.errors == []
    assert result.config == validate("bounties: {currency: EUR}\n").config
    assert result.sources == [".github/fundbot.yml"]


def test_chain_repo_only_form_uses_the_owner() -> None:
    load = Loader({ORG: "bounties: {currency: EUR, deadline_days: 60}\n"})
    result = resolve_chain(load, "_extends: .github\nbounties: {deadline_days: 10}\n", owner="octo", repo="proj")
    assert load.calls == [ORG]
    assert result.errors == [] and result.config is not None
    assert (result.config.bounties.currency, result.config.bounties.deadline_days) == ("EUR", 10)
    assert result.config.extends is None
    assert result.raw == {"bounties": {"currency": "EUR", "deadline_days": 10}}
    assert result.sources == [".github/fundbot.yml", ORG]


def test_chain_of_two() -> None:
    load = Loader(
        {
            "octo/team:.github/fundbot.yml": "_extends: shared/base:conf/fundbot.yml\nreadme: {update: commit}\n",
            "shared/base:conf/fundbot.yml": "readme: {update: off, path: docs/README.md}\nbounties: {label: B}\n",
        }
    )
    result = resolve_chain(load, "_extends: team\nbounties: {label: A}\n", owner="octo", repo="proj")
    assert load.calls == ["octo/team:.github/fundbot.yml", "shared/base:conf/fundbot.yml"]
    assert result.errors == [] and result.config is not None
    assert (result.config.readme.update, result.config.readme.path) == ("commit", "docs/README.md")
    assert result.config.bounties.label == "A"


def test_chain_errors_name_their_own_file() -> None:
    load = Loader({ORG: "bounties:\n  deadline_days: 0\n"})
    result = resolve_chain(load, "_extends: .github\nbountys: 1\n", owner="octo", repo="proj")
    assert result.config is None
    assert [(i.path, i.line, i.column, i.code) for i in result.errors] == [(ORG, 2, 18, "out-of-range")]
    assert [(i.path, i.code) for i in result.warnings] == [(".github/fundbot.yml", "unknown-key")]


def test_chain_reports_the_errors_of_every_file() -> None:
    load = Loader({ORG: "readme:\n  update: sometimes\n"})
    result = resolve_chain(load, "_extends: .github\nfunding_file: never\n", owner="octo", repo="proj")
    assert [(i.path, i.line, i.column, i.code) for i in result.errors] == [
        (".github/fundbot.yml", 2, 15, "bad-enum"),
        (ORG, 2, 11, "bad-enum"),
    ]
    assert result.raw == {"funding_file": "never", "readme": {"update": "sometimes"}}
    assert result.sources == [".github/fundbot.yml", ORG]


def test_chain_stops_at_an_unreadable_file() -> None:
    load = Loader({ORG: "_extends: octo/next\nbounties: [\n", "octo/next:.github/fundbot.yml": "x: 1\n"})
    result = resolve_chain(load, "_extends: .github\n", owner="octo", repo="proj")
    assert [(i.path, i.code) for i in result.errors] == [(ORG, "yaml-syntax")]
    assert load.calls == [ORG]


def test_chain_cross_checks_run_on_the_merged_config_only() -> None:
    # the base alone is fine; the extender's max_amount makes the base's min_pledge too high
    load = Loader({ORG: "bounties:\n  min_pledge: 50\n"})
    result = resolve_chain(load, "_extends: .github\nbounties:\n  max_amount: 20\n", owner="octo", repo="proj")
    codes = [(i.path, i.line, i.column, i.code) for i in result.errors]
    assert (ORG, 2, 15, "min-above-max") in codes
    assert (".github/fundbot.yml", 3, 15, "out-of-range") in codes  # label goals above 20
    # and a base whose defaults its extender fixes is not blamed
    load = Loader({ORG: "bounties:\n  min_pledge: 5000\n"})
    result = resolve_chain(
        load, "_extends: .github\nbounties:\n  labels: {big: 6000}\n  rewards: []\n", owner="octo", repo="proj"
    )
    assert result.errors == [], format_issues(result.errors)


def test_chain_cycle() -> None:
    load = Loader({"octo/b:.github/fundbot.yml": "_extends: a\n"})
    result = resolve_chain(load, "_extends: b\n", owner="octo", repo="a")
    assert result.config is None
    (err,) = result.errors
    assert err.code == "extends-cycle" and err.path == "octo/b:.github/fundbot.yml" and (err.line, err.column) == (1, 11)
    assert "octo/a:.github/fundbot.yml → octo/b:.github/fundbot.yml → octo/a:.github/fundbot.yml" in err.message


def test_chain_self_reference_is_a_cycle() -> None:
    result = resolve_chain(Loader({}), "_extends: Octo/A\n", owner="octo", repo="a")
    assert [i.code for i in result.errors] == ["extends-cycle"]


def _deep_files(n: int) -> dict[str, str]:
    files = {f"octo/r{i}:.github/fundbot.yml": f"_extends: r{i + 1}\n" for i in range(1, n)}
    files[f"octo/r{n}:.github/fundbot.yml"] = "bounties: {currency: GBP}\n"
    return files


def test_chain_depth_five_is_allowed() -> None:
    result = resolve_chain(Loader(_deep_files(5)), "_extends: r1\n", owner="octo", repo="start")
    assert result.errors == [] and result.config is not None
    assert result.config.bounties.currency == "GBP"
    assert len(result.sources) == 6


def test_chain_depth_six_is_an_error() -> None:
    load = Loader(_deep_files(6))
    result = resolve_chain(load, "_extends: r1\n", owner="octo", repo="start")
    assert result.config is None
    (err,) = result.errors
    assert err.code == "extends-too-deep" and err.path == "octo/r5:.github/fundbot.yml"
    assert "deeper than 5" in err.message
    assert len(load.calls) == 5  # the sixth file is never fetched


def test_chain_missing_target() -> None:
    result = resolve_chain(Loader({}), "# org config\n_extends: octo/gone:x.yml\n", owner="octo", repo="proj")
    assert result.config is None
    (err,) = result.errors
    assert (err.code, err.path, err.line, err.column) == ("extends-missing", ".github/fundbot.yml", 2, 11)
    assert "octo/gone:x.yml" in err.message


def test_chain_invalid_extends_value_is_not_followed() -> None:
    load = Loader({})
    result = resolve_chain(load, "_extends: a/b/c\n", owner="octo", repo="proj")
    assert load.calls == [] and [i.code for i in result.errors] == ["bad-extends"]


def test_chain_async_gives_the_same_result() -> None:
    files = {ORG: "_extends: octo/base\nbounties: {currency: EUR}\n", "octo/base:.github/fundbot.yml": "readme: {update: off}\n"}

    async def aload(target: ExtendsTarget) -> str | None:
        await asyncio.sleep(0)
        return files.get(str(target))

    text = "_extends: .github\n"
    sync = resolve_chain(Loader(files), text, owner="octo", repo="proj")
    result = asyncio.run(resolve_chain_async(aload, text, owner="octo", repo="proj"))
    assert result == sync and result.config is not None and result.config.readme.update == "off"
    cycle = {ORG: "_extends: proj\n"}
    a = asyncio.run(resolve_chain_async(lambda t: _immediate(cycle.get(str(t))), text, owner="octo", repo="proj"))
    assert [i.code for i in a.errors] == ["extends-cycle"]


async def _immediate(value: str | None) -> str | None:
    return value


def test_loader_exceptions_propagate() -> None:
    def boom(target: ExtendsTarget) -> str | None:
        raise ConnectionError("GitHub is down")

    with pytest.raises(ConnectionError):
        resolve_chain(boom, "_extends: .github\n", owner="octo", repo="proj")


# --------------------------------------------------------------------------------------------------
# Onboarding template, reference, summary, format_issues


def _uncomment(text: str) -> str:
    """Every key line uncommented; the editor's schema line (``# yaml-language-server: ...``) stays a comment."""
    lines = text.splitlines()
    assert lines[0].startswith("# yaml-language-server: $schema=https://")
    return "\n".join([lines[0], *(re.sub(r"^# ?", "", line) for line in lines[1:])]) + "\n"


def test_template_parses_back_to_the_defaults() -> None:
    text = onboarding_template()
    result = validate(text)
    assert result.errors == [] and result.warnings == []
    assert result.config == Config.defaults()
    # every key is present, commented out
    for path in _leaf_paths():
        assert re.search(rf"^#\s+{re.escape(path[-1])}:", text, re.M), path
    uncommented = validate(_uncomment(text))
    assert uncommented.errors == [] and uncommented.warnings == [], format_issues(uncommented.issues)
    assert uncommented.config == Config.defaults()
    assert set(uncommented.raw) == set(cfg.SCHEMA.keys)


def _leaf_paths() -> list[tuple[str, ...]]:
    out = []
    for name, key in cfg.SCHEMA.keys.items():
        if isinstance(key.type, cfg._Section):
            out.extend((name, child) for child in key.type.keys)
        else:
            out.append((name,))
    return out


def test_template_has_every_description() -> None:
    text = onboarding_template()
    for key in cfg.SCHEMA.keys.values():
        assert key.description in text
        if isinstance(key.type, cfg._Section):
            for child in key.type.keys.values():
                assert child.description in text


def test_template_with_funding_prefilled() -> None:
    existing, _ = funding.parse(
        "github: [alice, bob]\npatreon: \"yes\"\ncustom: [\"https://paypal.me/a:b\", octocat.com]\nko_fi: \"\"\n"
    )
    text = onboarding_template(funding=existing)
    assert re.search(r"^funding:", text, re.M)
    assert '  custom: ["https://paypal.me/a:b", octocat.com]' in text  # the quoting of funding.render
    assert '  patreon: "yes"' in text
    result = validate(text)
    assert result.errors == [] and result.warnings == []
    assert result.config is not None
    assert result.config.funding == existing
    uncommented = validate(_uncomment(text))
    assert uncommented.config is not None and uncommented.config.funding == existing
    assert uncommented.config.bounties == Config.defaults().bounties


def test_template_with_invalid_funding_keeps_only_usable_values() -> None:
    text = onboarding_template(funding={"github": "0015", "patreon": "alice", "paypal": "x"})
    result = validate(text)
    assert result.errors == []
    assert result.config is not None and result.config.funding == {"github": ["0015"], "patreon": "alice"}
    assert onboarding_template(funding={}) == onboarding_template()


def test_reference_markdown_lists_every_key() -> None:
    table = reference_markdown()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    paths = [re.match(r"\| `([^`]+)`", row).group(1) for row in rows]
    assert "bounties.labels" in paths and "readme.sponsors[].avatar" in paths and "_extends" in paths
    for path in _leaf_paths():
        assert ".".join(path) in paths
    assert all(row.count(" | ") >= 3 for row in rows)
    assert "| `bounties.deadline_days` | integer, 1–3650 | `30` | Default campaign deadline, in days. |" in table


def test_summary_escapes_user_strings() -> None:
    text = (
        'links: [{title: "<img src=x>", url: "https://x.org"}]\n'
        'bounties: {label: "@everyone **b**", rewards: [{min: 5, reward: "<!-- x -->"}]}\n'
        'readme: {path: "docs/[README].md"}\n'
    )
    result = validate(text)
    assert result.config is not None, format_issues(result.errors)
    out = summary(result.config)
    assert "<img" not in out and "<!--" not in out and "**b**" not in out
    assert "@everyone" not in out  # mention broken by bot.core.markdown.text
    assert "&lt;img src=x&gt;" in out
    assert "100,000.00 USD" in summary(Config.defaults())


def test_format_issues_errors_first() -> None:
    result = validate("bountys: 1\nbounties:\n  deadline_days: 0\n")
    lines = format_issues(result.warnings + result.errors).splitlines()
    assert lines[0] == (
        ".github/fundbot.yml:3:18: error: `bounties.deadline_days` must be a whole number from 1 to 3650 "
        "days, but is 0. [out-of-range]"
    )
    assert lines[1].startswith(".github/fundbot.yml:1:1: warning: Unknown key `bountys`")
    assert lines[1].endswith("[unknown-key]")


# --------------------------------------------------------------------------------------------------
# Property: validate never raises; the outcome is a config or errors


def _check_outcome(result: cfg.ConfigResult) -> None:
    assert isinstance(result, cfg.ConfigResult)
    assert (result.config is None) == bool(result.errors)
    assert isinstance(result.raw, dict)
    for issue in result.issues:
        assert isinstance(issue, Issue) and issue.message and issue.code != "internal-error", issue
    if result.config is not None:
        assert Config.from_dict(json.loads(json.dumps(result.config.to_dict()))) == result.config


_KEYS = st.sampled_from(
    ["funding", "bounties", "labels", "readme", "tiers", "min", "name", "github", "custom", "issues",
     "links", "url", "title", "rewards", "currency", "_extends", "min_pledge", "max_amount", "sponsors"]
) | st.text(max_size=8)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**15), max_value=10**15)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["$500", "2k", "https://x.org", "http://x", "USD", "off", "yes", "0015", "{author}"])
)
_DOCS = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=5),
    max_leaves=25,
)


def _dump(value: object) -> str:
    buf = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = None
    yaml.dump(value, buf)
    return buf.getvalue()


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _DOCS, max_size=6) | _DOCS)
def test_random_documents_never_raise(doc: object) -> None:
    _check_outcome(validate(_dump(doc)))


_BASE_LINES = _uncomment(onboarding_template()).splitlines()
_GARBAGE = st.sampled_from(
    ["  - [", "}", "key: : :", "\t x: 1", "? a", "&a *b", "!!binary x", "'", "%YAML 1.1", "---", "...", "  x: [a, b",
     "bounties: *nope", "<<: 3", "    - {min: -1, reward: \"\"}", "\x00", "\ufeff", "\r"]
) | st.text(max_size=30)


@st.composite
def _mutations(draw: st.DrawFn) -> str:
    lines = list(_BASE_LINES)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if not lines:
            break
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        op = draw(st.sampled_from(["delete", "garbage", "retype", "indent"]))
        if op == "delete":
            del lines[i]
        elif op == "garbage":
            lines.insert(i, draw(_GARBAGE))
        elif op == "retype" and ":" in lines[i]:
            head = lines[i].split(":", 1)[0]
            new = draw(st.sampled_from(["", " 0", " -3", " []", " {}", " x", " true", " \"2k\"", " 1e999", " ~"]))
            lines[i] = f"{head}:{new}"
        elif op == "indent":
            lines[i] = " " * draw(st.integers(min_value=0, max_value=5)) + lines[i].lstrip()
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    return text


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_mutated_default_config_never_raises(text: str) -> None:
    _check_outcome(validate(text))
    _check_outcome(validate(text.encode("utf-8", "surrogatepass")))


_PLAUSIBLE = _SCALARS | st.sampled_from(
    [[], {}, ["admin"], ["read", "read"], [{"min": 5, "reward": "x"}, {"min": "2k", "reward": "y"}],
     [{"name": "A", "min": 0}, {"name": "a", "min": 0}], [{"name": "S", "tier": "A", "url": "http://x"}],
     {"bounty: S": "5 EUR", "x": 0}, [{"title": "t", "url": "https://a.org"}], "EUR", "💰 bounty"]
)


@st.composite
def _schema_shaped(draw: st.DrawFn) -> dict[str, object]:
    doc: dict[str, object] = {}
    for name, key in cfg.SCHEMA.keys.items():
        if not draw(st.booleans()):
            continue
        if isinstance(key.type, cfg._Section):
            doc[name] = {
                child: draw(_PLAUSIBLE | _DOCS) for child in key.type.keys if draw(st.booleans())
            }
        else:
            doc[name] = draw(_PLAUSIBLE | _DOCS)
    return doc


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_schema_shaped())
def test_schema_shaped_documents_never_raise(doc: dict[str, object]) -> None:
    _check_outcome(validate(_dump(doc)))
    # the same mapping through from_dict: a config or a ValueError, nothing else
    try:
        Config.from_dict(doc)
    except ValueError:
        pass
