"""Which issues a pull request closes, computed as GitHub does (``PullRequest.closingIssuesReferences``).

GitHub's docs ("Linking a pull request to an issue"): a pull request is linked to an issue by a supported
keyword (close, closes, closed, fix, fixes, fixed, resolve, resolves, resolved) followed by ``#N``,
``OWNER/REPO#N`` or the issue's URL **in the pull request's description or in a commit message**, only when
the pull request targets the repository's default branch; or manually, from the Development sidebar (any
base branch). Merging a linked pull request into the default branch closes its linked issues. Keywords in a
pull request's *title* link nothing (mozilla/experimenter issue 9749); neither does a keyword in a comment.

The sandbox keeps manual links on the pull request (``PullInfo.linked_issues``: ``Sandbox.link_issue``)
and derives the rest from the body and the pull request's commits (those on its head not on its base).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .state import Issue, RepoState
    from .world import World

_KEYWORD = r"(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)"
_REF = re.compile(
    rf"(?i)(?<![\w/]){_KEYWORD}:?\s+"
    r"(?:(?P<repo>[A-Za-z0-9][\w.-]*/[\w.-]+)?#(?P<num>\d+)"
    r"|https://github\.com/(?P<url_repo>[A-Za-z0-9][\w.-]*/[\w.-]+)/issues/(?P<url_num>\d+))\b")


def keyword_references(text: str | None, full_name: str) -> list[tuple[str, int]]:
    """``(owner/repo, number)`` of every issue ``text`` names after a closing keyword, in order, once each;
    a bare ``#N`` is an issue of ``full_name``."""
    out: list[tuple[str, int]] = []
    for m in _REF.finditer(text or ""):
        repo = m.group("repo") or m.group("url_repo") or full_name
        ref = (repo.lower(), int(m.group("num") or m.group("url_num")))
        if ref not in out:
            out.append(ref)
    return out


def pull_commit_messages(sb: World, r: RepoState, pull: Issue) -> list[str]:
    """The messages of the pull request's commits (on its head, not on its base when it was opened or merged)."""
    p = pull.pull
    assert p is not None
    head = p.head_sha if p.merged else (r.branch_sha(p.head_ref) or p.head_sha)
    shas = sb._commits_between(r, p.base_sha, head)
    return [r.objects.commits[s].message for s in shas if s in r.objects.commits]


def closing_issues(sb: World, r: RepoState, pull: Issue, *, user_linked_only: bool = False) -> list[Issue]:
    """The issues (never pull requests) ``pull`` may close, as ``closingIssuesReferences`` lists them:
    manual links first, then keyword references in the body and in commit messages (default-branch pull
    requests only); issues of any repository of the sandbox."""
    p = pull.pull
    assert p is not None
    refs: list[tuple[str, int]] = [(name.lower(), n) for name, n in p.linked_issues]
    if not user_linked_only and p.base_ref == r.default_branch:
        for text in [pull.body or "", *pull_commit_messages(sb, r, pull)]:
            refs += [ref for ref in keyword_references(text, r.full_name) if ref not in refs]
    out: list[Issue] = []
    for name, number in refs:
        target_repo = sb._repos.get(sb._repo_names.get(name, -1)) if name != r.full_name.lower() else r
        target = target_repo.issues.get(number) if target_repo is not None else None
        if target is not None and target.pull is None and target not in out:
            out.append(target)
    return out
