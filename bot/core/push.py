"""Reading a ``push`` webhook payload (pure): which branch it moved and which paths it touched.

The one place that decides "did this push touch PATH": the handlers of ``.github/fundbot.yml`` and
``.github/FUNDING.yml`` both ask :func:`touches`.
"""

from __future__ import annotations

from collections.abc import Iterable

# A webhook's ``commits`` lists up to 2,048 commits (the 20-commit cap in the payload schema "is applied to timeline
# events only and isn't applied to webhook deliveries": @octokit/webhooks schema, push.commits; issue 13.3). A
# payload listing that many may leave some out: its paths are not all known.
COMMITS_LISTED = 2048


def changed_paths(push: dict) -> set[str] | None:
    """Paths added, modified or removed by a push; None when the payload cannot tell (too many commits)."""
    commits = push.get("commits") or []
    if len(commits) >= COMMITS_LISTED:
        return None
    paths: set[str] = set()
    for commit in commits + ([push["head_commit"]] if push.get("head_commit") else []):
        for field in ("added", "modified", "removed"):
            paths.update(p for p in commit.get(field) or [] if isinstance(p, str))
    return paths


def touches(push: dict, paths: Iterable[str]) -> bool:
    """True when the push changed one of ``paths``, or when its payload cannot tell (then: assume it did)."""
    changed = changed_paths(push)
    return changed is None or not changed.isdisjoint(paths)


def is_default_branch_push(push: dict) -> bool:
    """A push that moved (not deleted) the repository's default branch."""
    repository = push.get("repository") or {}
    branch = repository.get("default_branch") or repository.get("master_branch")
    return bool(branch) and push.get("ref") == f"refs/heads/{branch}" and not push.get("deleted")
