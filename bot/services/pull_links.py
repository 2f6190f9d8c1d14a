"""Which issues a merged pull request fixes, as GitHub decides it, and which it claims.

GitHub links a pull request to the issues it closes by a keyword (``Fixes #12``) in its description **or in
one of its commit messages**, only when it targets the default branch, and by hand from the Development
sidebar; a keyword in the *title* links nothing (docs.github.com, "Linking a pull request to an issue";
mozilla/experimenter issue 9749). ``PullRequest.closingIssuesReferences`` (GraphQL) lists exactly those,
so fundbot asks GitHub instead of reading the body itself: one GraphQL request per merged pull request.
``/claim`` (and ``/claim #12``) in the description is fundbot's own and is read from the body.

gidgethub's ``graphql()`` ignores ``base_url``: the installation client (``bot.github.client``) passes its
own endpoint (``GITHUB_API_URL``'s GraphQL URL), as for Sponsors.
"""

from __future__ import annotations

import logging
from typing import Any

import gidgethub

from bot.core import commands as parser
from bot.services.campaign_timeline import referenced_issues
from bot.services.repo import Repo

log = logging.getLogger(__name__)

# closingIssuesReferences, one page of 50 per merge (the handler credits at most 20 issues)
CLOSING_QUERY = """
query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      closingIssuesReferences(first: 50) {
        totalCount
        nodes { number repository { databaseId nameWithOwner } }
      }
    }
  }
}
"""
_REFUSED = (gidgethub.QueryError, gidgethub.GraphQLAuthorizationFailure, gidgethub.BadGraphQLRequest)


def _of_this_repository(node: Any, repo: Repo) -> bool:
    where = node.get("repository") if isinstance(node, dict) else None
    if not isinstance(where, dict):
        return False
    if repo.id is not None and where.get("databaseId") is not None:
        return where.get("databaseId") == repo.id
    return str(where.get("nameWithOwner") or "").lower() == repo.full_name.lower()


async def closing_issues(repo: Repo, number: int) -> set[int] | None:
    """The issues of this repository pull request ``number`` is linked to (``closingIssuesReferences``), or
    None when GitHub would not say (a GraphQL error: an old GitHub Enterprise Server, no access)."""
    try:
        data = await repo.gh.graphql(CLOSING_QUERY, owner=repo.owner, name=repo.name, number=number)
    except _REFUSED as exc:
        log.warning("closingIssuesReferences of %s#%s unavailable (%s: %s); reading the description only",
                    repo.full_name, number, type(exc).__name__, str(exc)[:200])
        return None
    pull = (((data or {}).get("repository") or {}).get("pullRequest") or {}) if isinstance(data, dict) else {}
    connection = pull.get("closingIssuesReferences") if isinstance(pull, dict) else None
    if not isinstance(connection, dict):
        return None
    nodes = connection.get("nodes") if isinstance(connection.get("nodes"), list) else []
    return {n["number"] for n in nodes if _of_this_repository(n, repo) and isinstance(n.get("number"), int)
            and not isinstance(n.get("number"), bool) and 0 < n["number"] < 10**9}


def claimed_issues(body: str | None, full_name: str, **parse: Any) -> set[int]:
    """Issues of this repository the description claims with ``/claim #12`` (``parse``: the options of
    :func:`bot.core.commands.parse_commands`)."""
    found = set()
    for item in parser.parse_commands(body or "", **parse):
        if isinstance(item, parser.Command) and item.name == "claim" and item.issue is not None:
            if item.repo is None or item.repo.lower() == full_name.lower():
                found.add(item.issue)
    return {n for n in found if 0 < n < 10**9}


async def fixed_by(repo: Repo, pull: dict, **parse: Any) -> set[int]:
    """The issues a merged pull request delivers: those GitHub links it to, and those its description
    claims. Without GitHub's answer, the description's own keywords and claims (what GitHub links is a
    superset of those for a default-branch pull request)."""
    body, number = pull.get("body"), pull.get("number")
    linked = await closing_issues(repo, number) if isinstance(number, int) else None
    if linked is None:
        return referenced_issues(body, repo.full_name, **parse)
    return linked | claimed_issues(body, repo.full_name, **parse)
