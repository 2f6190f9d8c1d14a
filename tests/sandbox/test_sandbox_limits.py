"""The sandbox answers as GitHub does at the edges issue 13 names: custom repository roles, label and
release limits, files over 1 MB, cross-repository timeline references."""

from __future__ import annotations

import pytest

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
