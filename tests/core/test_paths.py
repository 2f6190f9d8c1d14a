"""The path rule (``bot.core.paths``), what may be shown of inherited files (``bot.core.disclosure``) and the
validator's cost caps, tested on the pure core (the sandbox tests are in tests/reliability/test_config_privacy.py)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import config as core
from bot.core import disclosure, paths
from tests.fixtures.depth import examples

BAD = {
    "../README.md": "`..`",
    "docs/../../x.md": "`..`",
    "%2e%2e/README.md": "percent-escape",
    "%2E%2E/x.md": "percent-escape",
    "docs/.%2e/x.md": "percent-escape",
    "%252e%252e/x.md": "percent-escape",
    "a%2Fb.md": "percent-escape",
    "/etc/passwd": "absolute",
    "docs\\README.md": "backslash",
    "..\\x.md": "backslash",
    "docs//README.md": "empty segment",
    "docs/": "empty segment",
    "./README.md": "`.`",
    "docs/./x.md": "`.`",
    ".git/config": "`.git`",
    "sub/.GIT/x": "`.git`",
    "READ\x00ME.md": "control",
    "READ\nME.md": "control",
    "x\u202e.md": "control",  # right-to-left override
    "x\u200b.md": "control",  # zero-width space
    " README.md": "space",
    "": "empty",
    "a/" * 40 + "x.md": "levels",
    "x" * 256: "255",
}


@pytest.mark.parametrize("path", list(BAD))
def test_bad_paths_are_refused_with_a_reason(path):
    found = paths.problem(path)
    assert found is not None and found.code == "bad-path" and BAD[path] in found.why
    assert path not in found.why or not path  # the reason does not echo the path
    with pytest.raises(paths.UnsafePath):
        paths.encode(path)


@pytest.mark.parametrize("path", ["README.md", "docs/README.md", "docs/My README.md", "a#b?.md", "100%.md",
                                  ".github/fundbot.yml", "docs/.hidden.md", "ünïcode/ファイル.md", "a..b.md"])
def test_good_paths_are_encoded_segment_by_segment(path):
    assert paths.problem(path) is None
    encoded = paths.encode(path)
    assert encoded.count("/") == path.count("/")
    assert not set(encoded) & set(" #?\\") and unquote(encoded) == path


@pytest.mark.parametrize(("path", "ok"), [(".github/workflows/ci.yml", False), (".GitHub/README.md", False),
                                          (".github/README.md", False), ("FUNDING.yml", False),
                                          ("docs/funding.YML", False), ("README.md", True), ("docs/github.md", True)])
def test_readme_path_stays_out_of_github_folder_and_funding(path, ok):
    assert (paths.readme_problem(path) is None) is ok


def test_config_files_are_yaml():
    assert paths.is_config_file(".github/fundbot.yml") and paths.is_config_file("conf/base.YAML")
    assert not any(paths.is_config_file(p) for p in (".env", "secrets.json", ".yml", "x.yml.bak", "yml"))


@settings(max_examples=examples(400), deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab./\\%2eE.f \x00\u202e#?")), max_size=20))
def test_an_accepted_path_always_names_one_file_inside_the_repository(path):
    if paths.problem(path) is not None:
        return
    encoded = paths.encode(path)
    assert unquote(encoded) == path  # what GitHub decodes is exactly the path that was checked
    assert encoded.split("/") == [s for s in encoded.split("/") if s not in ("", ".", "..")]
    for form in (path, unquote(path)):  # and neither it nor its decoded form leaves the repository
        assert not form.startswith("/") and "\\" not in form
        assert all(s not in ("", ".", "..") for s in form.split("/"))


# ---------------------------------------------------------------------------------------- the validator


@pytest.mark.parametrize("path", [p for p in BAD if p and len(p) < 200])
def test_every_bad_readme_path_is_a_config_error_at_its_line_and_column(path):
    escaped = path.replace("\\", "\\\\").replace("\x00", "\\0").replace("\n", "\\n").replace('"', '\\"')
    escaped = escaped.replace("\u202e", "\\u202e").replace("\u200b", "\\u200b")
    result = core.validate(f'issues:\n  comment: true\nreadme:\n  path: "{escaped}"\n')
    [error] = result.errors
    assert (error.line, error.column, error.key) == (4, 9, "readme.path")
    assert error.code in ("bad-path", "bad-text")


@pytest.mark.parametrize("path", [p for p in BAD if p and p == p.strip() and len(p) < 200 and "\n" not in p])
def test_every_bad_extends_path_is_a_config_error_at_its_line_and_column(path):
    escaped = path.replace("\\", "\\\\").replace("\x00", "\\0").replace('"', '\\"')
    escaped = escaped.replace("\u202e", "\\u202e").replace("\u200b", "\\u200b")
    yml = ".yml".join(escaped.rsplit(".md", 1)) if escaped.endswith(".md") else escaped
    result = core.validate(f'bounties:\n  deadline_days: 9\n_extends: "shared:{yml}"\n')
    [error] = result.errors
    assert (error.line, error.column, error.key, error.code) == (3, 11, "_extends", "bad-extends")


def test_readme_path_into_github_is_refused():
    [error] = core.validate("readme:\n  path: .github/workflows/ci.yml\n").errors
    assert (error.line, error.column, error.code) == (2, 9, "bad-path") and "`.github/`" in error.message


@pytest.mark.parametrize("value", ["vault:.env", "vault:secrets.json", "o/vault:deploy/key.pem", "vault:.github/"])
def test_extends_names_only_yaml_files(value):
    [error] = core.validate(f"_extends: {value}\n").errors
    assert error.code == "bad-extends" and (error.line, error.column) == (1, 11)


# ---------------------------------------------------------------------------------------- the chain


def loader(files: dict[str, tuple[str, bool]], home_public: bool | None):
    asked = []

    def load(target):
        asked.append(str(target))
        if str(target) not in files:
            return disclosure.Fetched(None)
        text, public = files[str(target)]
        return disclosure.Fetched(text, public=public, home_public=home_public)

    load.asked = asked
    return load


PRIVATE = "octo/vault:.github/base.yml"


def test_a_public_repository_does_not_inherit_from_a_private_one():
    load = loader({PRIVATE: ("issues: {message: SECRET}\n", False)}, home_public=True)
    result = core.resolve_chain(load, "_extends: vault:.github/base.yml\n", owner="octo", repo="app")
    [error] = result.errors
    assert error.code == "extends-missing" and "not public" in error.message and "SECRET" not in error.message
    assert result.sources == [".github/fundbot.yml"]  # the private file is not used


def test_unknown_visibility_of_the_repository_is_the_strict_case():
    load = loader({PRIVATE: ("bounties: {deadline_days: 9}\n", False)}, home_public=None)
    assert core.resolve_chain(load, "_extends: vault:.github/base.yml\n", owner="octo", repo="app").errors


def test_a_private_file_is_used_but_reported_by_position_and_rule_only():
    text = "bounties:\n  deadline_days: 4000\n  SECRET_key: 1\n  label: ok\n"
    load = loader({PRIVATE: (text, False)}, home_public=False)
    result = core.resolve_chain(load, "_extends: vault:.github/base.yml\n", owner="octo", repo="app")
    listed = core.format_issues(result.issues)
    assert f"{PRIVATE}:2:18: error:" in listed and f"{PRIVATE}:3:3: warning:" in listed
    assert "SECRET" not in listed and "4000" not in listed and "did you mean" not in listed
    unknown = next(i for i in result.warnings if i.code == "unknown-key")
    assert unknown.key == "bounties" and unknown.found == "" and unknown.expected == ""


def test_a_private_file_with_an_unknown_top_level_key_is_refused_whole():
    load = loader({PRIVATE: ("bounties: {deadline_days: 9}\napi_token: SECRET\n", False)}, home_public=False)
    result = core.resolve_chain(load, "_extends: vault:.github/base.yml\n", owner="octo", repo="app")
    [error] = result.errors
    assert error.code == "not-fundbot-config" and (error.path, error.line) == (".github/fundbot.yml", 1)
    assert "unknown-key, line 2, column 1" in error.message and "SECRET" not in error.message
    assert result.config is None


def test_names_in_a_private_file_are_not_shown_either():
    """vault's own `_extends` is text of vault: the next file is shown as a chain position."""
    load = loader({PRIVATE: ("_extends: secret-project-x:.github/b.yml\n", False),
                   "octo/secret-project-x:.github/b.yml": ("bounties: {deadline_days: 0}\n", False)}, home_public=False)
    result = core.resolve_chain(load, "_extends: vault:.github/base.yml\n", owner="octo", repo="app")
    listed = core.format_issues(result.issues) + " ".join(result.sources)
    assert "secret-project-x" not in listed and "(file 3 of the `_extends` chain):1:" in listed


def test_a_public_file_is_quoted_and_the_same_repository_always():
    base = "bountys: {}\nbounties: {deadline_days: 9}\n"
    for files, target in (({"octo/shared:.github/fundbot.yml": (base, True)}, "shared"),
                          ({"octo/app:conf/base.yml": (base, False)}, "app:conf/base.yml")):
        result = core.resolve_chain(loader(files, home_public=False), f"_extends: {target}\n", owner="octo", repo="app")
        assert "did you mean `bounties`" in core.format_issues(result.warnings)


def test_a_cross_file_check_does_not_quote_a_private_value():
    load = loader({PRIVATE: ("readme:\n  tiers: [{name: SECRET-gold, min: 0}]\n", False)}, home_public=False)
    result = core.resolve_chain(load, "_extends: vault:.github/base.yml\nreadme:\n  sponsors: [{name: A, tier: Gold}]\n",
                                owner="octo", repo="app")
    [error] = result.errors
    assert error.code == "unknown-tier" and error.line == 3 and "SECRET" not in error.message


def test_safe_key_keeps_only_schema_names():
    known = core.known_keys()
    assert disclosure.safe_key("readme.sponsors[3].name", known) == "readme.sponsors[3].name"
    assert disclosure.safe_key("readme.sponsors[3].password", known) == "readme.sponsors[3]"
    assert disclosure.safe_key('bounties.labels."SECRET label"', known) == "bounties.labels"
    assert disclosure.safe_key("funding.github", known) == "funding.github"
    assert disclosure.safe_key("api_token", known) is None


# ---------------------------------------------------------------------------------------- cost caps


def test_issues_are_capped_with_one_more_issue():
    text = "".join(f"issues:\n  comment: true\n  x{i}: 1\n" for i in range(1)) + "links:\n" + "".join(
        f"  - {{title: t, url: 'http://x{i}.example'}}\n" for i in range(20))
    text += "readme:\n  sponsors:\n" + "".join(f"    - {{name: a, url: 'http://s{i}.example', q: 1}}\n" for i in range(150))
    result = core.validate(text)
    assert len(result.issues) == core.MAX_ISSUES + 1
    more = next(i for i in result.issues if i.code == "too-many-issues")
    assert more.severity == "error" and not result.ok  # dropped errors keep the file invalid
    assert "errors" in more.message and "warnings" in more.message


def test_a_mapping_with_too_many_keys_is_refused_unread():
    text = "funding:\n" + "".join(f"  k{i}: x\n" for i in range(core.MAX_KEYS + 1))
    [error] = core.validate(text).errors
    assert (error.code, error.line, error.column) == ("too-many-keys", 2, 3)
