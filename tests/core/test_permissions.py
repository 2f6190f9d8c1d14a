"""bot.core.permissions: the base role from GitHub's collaborator-permission answer, never a role's name."""

from __future__ import annotations

import pytest

from bot.core.permissions import has_role, repository_role


def answer(permission: str, role_name: str, flags: dict | None = None) -> dict:
    user = {"login": "u", "role_name": role_name}
    if flags is not None:
        user["permissions"] = flags
    return {"permission": permission, "role_name": role_name, "user": user}


def flags(base: str) -> dict:
    rank = ["none", "read", "triage", "write", "maintain", "admin"].index(base)
    return {"admin": rank >= 5, "maintain": rank >= 4, "push": rank >= 3, "triage": rank >= 2, "pull": rank >= 1}


@pytest.mark.parametrize(("data", "role"), [
    (answer("admin", "admin", flags("admin")), "admin"),
    (answer("write", "maintain", flags("maintain")), "maintain"),  # GitHub maps maintain to write
    (answer("write", "write", flags("write")), "write"),
    (answer("read", "triage", flags("triage")), "triage"),  # and triage to read
    (answer("read", "read", flags("read")), "read"),
    (answer("none", "none", flags("none")), "none"),
    # custom repository roles: role_name is the organization's name for the role
    (answer("write", "Bounty manager", flags("maintain")), "maintain"),
    (answer("write", "Release crew", flags("write")), "write"),
    (answer("read", "Issue wrangler", flags("triage")), "triage"),
    (answer("write", "Bounty manager"), "write"),  # no flags: the legacy level
    # a custom role cannot be named like a built-in role; a role_name disagreeing with permission loses
    (answer("read", "admin", flags("read")), "read"),
    (answer("write", "admin"), "write"),
    # unreadable answers
    ({"permission": "superuser", "role_name": "admin"}, "none"),
    ({}, "none"), (None, "none"), ([], "none"),
])
def test_repository_role(data, role):
    assert repository_role(data) == role


def test_a_custom_roles_name_never_counts_as_a_level():
    custom = answer("write", "maintain-ish", flags("write"))
    assert has_role(custom, ["admin", "maintain", "write"])
    assert not has_role(custom, ["admin", "maintain"])
    assert not has_role(answer("read", "write", flags("read")), ["write"])
