"""The one-home helpers of bot/core: names, timestamps, webhook signing, push paths."""

from __future__ import annotations

import datetime

import pytest
from gidgethub import sansio

from bot.core import names, signing, timestamps
from bot.core import push as pushes


@pytest.mark.parametrize("login", ["a", "0", "a-b", "a-b-123", "Octo-Cat", "a" * 39])
def test_logins_github_allows(login):
    assert names.is_login(login) and names.is_login_or_bot(login)


@pytest.mark.parametrize("login", ["", "-a", "a-", "a--b", "a_b", "a.b", "é", "a" * 40, "a b", None, 7, "x[bot]"])
def test_logins_github_refuses(login):
    assert not names.is_login(login)


def test_bot_logins_and_repository_names():
    assert names.is_login_or_bot("fundbot[bot]") and not names.is_login_or_bot("-x[bot]")
    assert names.is_repo_name("my.repo_name-2") and names.is_repo_name("a" * 100)
    assert not any(names.is_repo_name(v) for v in (".", "..", "", "a/b", "a" * 101, "a b", None))


def test_timestamps_read_iso_and_unix_seconds():
    assert timestamps.parse("2011-01-26T19:01:12Z") == 1296068472.0
    assert timestamps.parse("2011-01-26T19:01:12+01:00") == 1296068472.0 - 3600
    assert timestamps.parse("2011-01-26T19:01:12") == 1296068472.0  # no zone: UTC, as GitHub means it
    assert timestamps.parse(1296068472) == 1296068472.0
    expected = datetime.datetime(2011, 1, 26, tzinfo=datetime.UTC).timestamp()
    assert timestamps.parse("2011-01-26") == expected


@pytest.mark.parametrize("bad", [None, "", "yesterday", "2011-13-01T00:00:00Z", True, [], {}])
def test_timestamps_fall_back_to_the_default(bad):
    assert timestamps.parse(bad) is None
    assert timestamps.parse(bad, 5.0) == 5.0


def test_the_signature_of_githubs_documented_example():
    # docs.github.com "Validating webhook deliveries": secret "It's a Secret to Everybody", payload "Hello, World!"
    assert signing.signature_256(b"Hello, World!", "It's a Secret to Everybody") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")


def test_signatures_are_the_ones_gidgethub_accepts():
    body, secret = b'{"zen": "Keep it logically awesome."}', "It's a Secret to Everybody"
    headers = signing.signature_headers(body, secret)
    assert headers["X-Hub-Signature-256"].startswith("sha256=") and len(headers["X-Hub-Signature-256"]) == 71
    assert headers["X-Hub-Signature"].startswith("sha1=") and len(headers["X-Hub-Signature"]) == 45
    sansio.validate_event(body, signature=headers["X-Hub-Signature-256"], secret=secret)
    sansio.validate_event(body, signature=headers["X-Hub-Signature"], secret=secret)
    assert signing.signature_256(body, secret.encode()) == headers["X-Hub-Signature-256"]
    with pytest.raises(sansio.ValidationFailure):
        sansio.validate_event(body, signature=signing.signature_256(body, "other"), secret=secret)


def _push(*commits: dict, ref: str = "refs/heads/main", **extra) -> dict:
    return {"ref": ref, "repository": {"default_branch": "main"}, "commits": list(commits), **extra}


def test_which_paths_a_push_touched():
    push = _push({"added": ["a"], "modified": ["b"]}, {"removed": ["c"], "added": [7]}, head_commit={"modified": ["d"]})
    assert pushes.changed_paths(push) == {"a", "b", "c", "d"}
    assert pushes.touches(push, ["x", "c"]) and not pushes.touches(push, [".github/FUNDING.yml"])
    many = _push(*[{"added": ["a"]}] * pushes.COMMITS_LISTED)  # the payload may leave commits out
    assert pushes.changed_paths(many) is None and pushes.touches(many, ["anything"])


def test_default_branch_pushes():
    assert pushes.is_default_branch_push(_push())
    assert not pushes.is_default_branch_push(_push(ref="refs/heads/wip"))
    assert not pushes.is_default_branch_push(_push(deleted=True))
    assert not pushes.is_default_branch_push({"ref": "refs/heads/main", "repository": {}})
