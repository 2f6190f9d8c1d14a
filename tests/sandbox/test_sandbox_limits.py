"""The sandbox answers as GitHub does at the edges issue 13 names: custom repository roles, label and
release limits, files over 1 MB, cross-repository timeline references."""

from __future__ import annotations

import pytest
from gidgethub import BadRequest

from bot.github import repo_ops
from bot.sandbox.openapi import schema_errors

REPO = "octo-org/widgets"


async def test_a_custom_role_names_itself_and_carries_its_base_in_permission(sandbox, sandbox_gh):
    sandbox.add_custom_role("octo-org", "Bounty manager", "maintain")
    sandbox.add_custom_role("octo-org", "Issue wrangler", "triage")
    sandbox.set_permission(REPO, "mia", "Bounty manager")
    sandbox.set_permission(REPO, "tom", "Issue wrangler")
    mia = await sandbox_gh.getitem(f"/repos/{REPO}/collaborators/mia/permission")
    assert (mia["permission"], mia["role_name"]) == ("write", "Bounty manager")
    assert mia["user"]["permissions"]["maintain"] and not mia["user"]["permissions"]["admin"]
    assert not schema_errors("repository-collaborator-permission", mia)
    tom = await sandbox_gh.getitem(f"/repos/{REPO}/collaborators/tom/permission")
    assert (tom["permission"], tom["role_name"]) == ("read", "Issue wrangler")
    repository = {"full_name": REPO}
    assert await repo_ops.collaborator_role(sandbox_gh, repository, "mia") == "maintain"
    assert await repo_ops.collaborator_role(sandbox_gh, repository, "tom") == "triage"
    assert await repo_ops.collaborator_role(sandbox_gh, repository, "octocat") == "admin"
    assert await repo_ops.collaborator_role(sandbox_gh, repository, "nobody-at-all") == "none"


def test_custom_roles_are_an_organizations_and_inherit_a_base_role(sandbox, sandbox_repo):
    sandbox.add_user("solo")
    with pytest.raises(ValueError):
        sandbox.add_custom_role("octo-org", "Boss", "admin")  # GitHub: read, triage, write or maintain
    with pytest.raises(ValueError):
        sandbox.add_custom_role("octo-org", "write", "write")
    with pytest.raises(ValueError):
        sandbox.add_custom_role("solo", "Helper", "write")
    with pytest.raises(ValueError):
        sandbox.set_permission(REPO, "x", "No such role")


# --- labels: names at most 50 characters, descriptions at most 100 ------------------------------------
async def test_label_names_over_50_and_descriptions_over_100_characters_are_422(sandbox, sandbox_gh):
    with pytest.raises(BadRequest) as exc:
        await sandbox_gh.post(f"/repos/{REPO}/labels", data={"name": "n" * 51})
    assert exc.value.status_code == 422
    assert exc.value.errors == [{"resource": "Label", "code": "custom", "field": "name",
                                 "message": "name is too long (maximum is 50 characters)"}]
    with pytest.raises(BadRequest) as exc:
        await sandbox_gh.post(f"/repos/{REPO}/labels", data={"name": "ok", "description": "d" * 101})
    assert exc.value.errors[0]["field"] == "description"
    assert sandbox.labels(REPO) == []
    made = await sandbox_gh.post(f"/repos/{REPO}/labels", data={"name": "💰" * 50, "description": "d" * 100})
    assert made["name"] == "💰" * 50  # characters, not bytes
    with pytest.raises(BadRequest):
        await sandbox_gh.patch(f"/repos/{REPO}/labels/{{name}}", {"name": "💰" * 50}, data={"new_name": "m" * 51})
    with pytest.raises(BadRequest):
        await sandbox_gh.patch(f"/repos/{REPO}/labels/{{name}}", {"name": "💰" * 50}, data={"description": "e" * 101})
    issue = await sandbox.open_issue(REPO, "alice", "t")
    with pytest.raises(BadRequest) as exc:  # naming a new label on an issue creates it: the same limit
        await sandbox_gh.post(f"/repos/{REPO}/issues/{issue['number']}/labels", data={"labels": ["x" * 51]})
    assert exc.value.errors == [{"value": "x" * 51, "resource": "Label", "field": "name", "code": "invalid"}]
    assert sandbox.labels(REPO) == ["💰" * 50]


# --- files over 1 MB: the contents API leaves them out; raw and blobs serve them -------------------------
async def test_a_file_over_1_mb_has_empty_content_with_encoding_none(sandbox, sandbox_gh):
    big = b"z" * (1024 * 1024 + 1)
    await sandbox.push_files(REPO, "octocat", {"big.txt": big, "small.txt": b"s" * (1024 * 1024)}, "big")
    d = await sandbox_gh.getitem(f"/repos/{REPO}/contents/big.txt")
    assert (d["content"], d["encoding"], d["size"]) == ("", "none", len(big))
    small = await sandbox_gh.getitem(f"/repos/{REPO}/contents/small.txt")
    assert small["encoding"] == "base64" and small["content"]  # 1 MB exactly is still inlined
    raw = await sandbox_gh.getitem(f"/repos/{REPO}/contents/big.txt", accept="application/vnd.github.raw+json")
    assert len(raw) == len(big)
    blob = await sandbox_gh.getitem(f"/repos/{REPO}/git/blobs/{d['sha']}")
    assert blob["encoding"] == "base64" and blob["size"] == len(big) and not schema_errors("blob", blob)
    assert await repo_ops.read_file(sandbox_gh, {"full_name": REPO}, "big.txt") == (big, d["sha"])
    with pytest.raises(BadRequest) as exc:
        await sandbox_gh.getitem(f"/repos/{REPO}/git/blobs/{'0' * 40}")
    assert exc.value.status_code == 404
    assert sandbox.violations == []


# --- cross-references in timelines ----------------------------------------------------------------------
async def test_mentions_from_issues_and_other_repositories_are_cross_referenced_once(sandbox, sandbox_gh):
    sandbox.add_repo("octo-org/gadgets", files={"README.md": "# g\n"}, owner_type="Organization")
    target = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = target["number"]
    here = await sandbox.open_issue(REPO, "bob", "Related", f"see #{n}")
    there = await sandbox.open_issue("octo-org/gadgets", "bob", "Also", f"like {REPO}#{n}")
    await sandbox.comment("octo-org/gadgets", there["number"], "carol", f"again {REPO}#{n}")  # no second event
    await sandbox.comment(REPO, here["number"], "carol", f"and #{n} once more")
    pull = await sandbox.open_pull("octo-org/gadgets", "dave", "Port", f"Fixes {REPO}#{n}", head="port")
    timeline = await sandbox_gh.getitem(f"/repos/{REPO}/issues/{n}/timeline")
    xrefs = [e for e in timeline if e["event"] == "cross-referenced"]
    sources = [(e["source"]["issue"]["repository"]["full_name"], e["source"]["issue"]["number"],
                "pull_request" in e["source"]["issue"]) for e in xrefs]
    assert sources == [(REPO, here["number"], False), ("octo-org/gadgets", there["number"], False),
                       ("octo-org/gadgets", pull["number"], True)]
    assert pull["number"] == here["number"]  # the same number in two repositories: only `repository` tells
    assert all(not schema_errors("timeline-cross-referenced-event", e) for e in xrefs)
    events = await sandbox_gh.getitem(f"/repos/{REPO}/issues/{n}/events")
    assert "cross-referenced" not in {e["event"] for e in events}  # a timeline-only event
