"""A user's role on a repository, read from GitHub's collaborator-permission answer.

``GET /repos/{owner}/{repo}/collaborators/{username}/permission`` (operation
``repos/get-collaborator-permission-level``) answers ``{"permission", "role_name", "user"}``. GitHub's
description of it (``rest-api-subset.json``, and docs.github.com, "Get repository permissions for a user"):

    The ``permission`` attribute provides the legacy base roles of ``admin``, ``write``, ``read``, and
    ``none``, where the ``maintain`` role is mapped to ``write`` and the ``triage`` role is mapped to
    ``read``. The ``role_name`` attribute provides the name of the assigned role, including custom roles.

So ``role_name`` is a *name*: for a custom repository role (organizations can define them, each inheriting
one of read, triage, write or maintain) it is whatever the organization called it ("Bounty manager"),
and reading it as a permission level gives a custom-role user no role at all, or, for an unlucky name,
the wrong one. The level comes from ``permission``, refined by the base flags of ``user.permissions``
(``admin``, ``maintain``, ``push``, ``triage``, ``pull``) which tell ``maintain`` from ``write`` and
``triage`` from ``read`` for custom roles too; a built-in ``role_name`` refines it only when it agrees
with ``permission``.
"""

from __future__ import annotations

from typing import Any

ROLES = ("none", "read", "triage", "write", "maintain", "admin")  # lowest first
LEGACY = {"none": "none", "read": "read", "triage": "read", "write": "write", "maintain": "write", "admin": "admin"}
_FLAGS = (("admin", "admin"), ("maintain", "maintain"), ("push", "write"), ("triage", "triage"), ("pull", "read"))


def repository_role(data: Any) -> str:
    """The user's base role, one of :data:`ROLES`, from the permission endpoint's answer (``none`` for
    anything unreadable)."""
    if not isinstance(data, dict):
        return "none"
    permission = str(data.get("permission") or "none").lower()
    if permission not in ("admin", "write", "read", "none"):
        permission = "none"
    candidates = []
    user = data.get("user")
    flags = user.get("permissions") if isinstance(user, dict) else None
    if isinstance(flags, dict):
        candidates.append(next((role for flag, role in _FLAGS if flags.get(flag) is True), "none"))
    role_name = str(data.get("role_name") or "").lower()
    if role_name in LEGACY:
        candidates.append(role_name)
    for role in candidates:
        if LEGACY[role] == permission:  # never above (or below) what `permission` grants
            return role
    return permission


def has_role(data: Any, allowed: Any) -> bool:
    """Whether the answer's role is one of ``allowed`` (``bounties.who_can_manage``: admin, maintain, write,
    triage, read); names only: a custom role's name never counts."""
    return repository_role(data) in {str(a).lower() for a in allowed}
