"""``POST /graphql``, repositories: ``repository(owner:, name:) { pullRequest(number:) { closingIssuesReferences } }``.

The schema part is GitHub's own (``data/graphql-pulls.graphql``); the connection is computed as GitHub
computes it (:mod:`bot.sandbox.linking`: body and commit-message keywords of a default-branch pull request,
Development-sidebar links; never the title). An installation token sees only the repositories its
installation covers: any other answers GitHub's ``NOT_FOUND`` error, as a missing one does.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from . import linking
from .graphql_cursors import cursor as _cursor
from .graphql_cursors import uncursor as _uncursor
from .state import Issue, RepoState, node_id

if TYPE_CHECKING:
    from .http import AuthInfo
    from .world import World

QUERY_FIELDS = "  repository(followRenames: Boolean = true, name: String!, owner: String!): Repository\n"
WEB = "https://github.com"


def sdl() -> str:
    return resources.files("bot.sandbox").joinpath("data/graphql-pulls.graphql").read_text("utf-8")


def _not_found(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"type": "NOT_FOUND"})


def repository_resolver(sb: World, auth: AuthInfo):
    """The root ``repository`` field for this request's credentials."""

    def resolve(_info: Any, owner: str, name: str, followRenames: bool = True) -> dict[str, Any]:  # noqa: N803
        r = sb._find_repo(owner, name)
        visible = r is not None
        if r is not None and auth.kind == "token":
            inst = sb._installations.get(auth.installation_id or -1)
            visible = inst is not None and r in sb._installation_repos(inst) and (
                auth.token is None or auth.token.repo_ids is None or r.id in auth.token.repo_ids)
        elif r is not None and auth.kind != "user":
            visible = not r.private
        if r is None or not visible:
            raise _not_found(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return _repo_obj(sb, r)

    return resolve


def _repo_obj(sb: World, r: RepoState) -> dict[str, Any]:
    def pull_request(_info: Any, number: int) -> dict[str, Any]:
        issue = r.issues.get(number)
        if issue is None or issue.pull is None:
            raise _not_found(f"Could not resolve to a PullRequest with the number of {number}.")
        return _pull_obj(sb, r, issue)

    def issue(_info: Any, number: int) -> dict[str, Any]:
        found = r.issues.get(number)
        if found is None or found.pull is not None:
            raise _not_found(f"Could not resolve to an Issue with the number of {number}.")
        return _issue_obj(sb, r, found)

    return {"__typename": "Repository", "id": node_id("Repository", r.id), "databaseId": r.id,
            "nameWithOwner": r.full_name, "pullRequest": pull_request, "issue": issue}


def _issue_obj(sb: World, r: RepoState, i: Issue) -> dict[str, Any]:
    def state_reason(_info: Any, enableDuplicate: bool = False) -> str | None:  # noqa: N803
        if i.state_reason is None:
            return None
        reason = i.state_reason.upper()
        return "NOT_PLANNED" if reason == "DUPLICATE" and not enableDuplicate else reason

    return {"__typename": "Issue", "id": node_id("Issue", i.id), "number": i.number, "title": i.title,
            "url": f"{WEB}/{r.full_name}/issues/{i.number}", "state": i.state.upper(),
            "stateReason": state_reason, "repository": lambda _info: _repo_obj(sb, r)}


def _repo_of(sb: World, i: Issue, default: RepoState) -> RepoState:
    if default.issues.get(i.number) is i:
        return default
    return next(r for r in sb._repos.values() if r.issues.get(i.number) is i)


def _pull_obj(sb: World, r: RepoState, pull: Issue) -> dict[str, Any]:
    p = pull.pull
    assert p is not None

    def closing(_info: Any, first: int | None = None, last: int | None = None, after: str | None = None,
                before: str | None = None, orderBy: dict | None = None,  # noqa: N803
                userLinkedOnly: bool = False) -> dict[str, Any]:  # noqa: N803
        if first is None and last is None:
            raise GraphQLError("You must provide a `first` or `last` value to properly paginate the "
                               "`closingIssuesReferences` connection.",
                               extensions={"type": "MISSING_PAGINATION_BOUNDARIES"})
        for arg, value in (("first", first), ("last", last)):
            if value is not None and not 0 <= value <= 100:
                raise GraphQLError(f"Requesting {value} records on the `closingIssuesReferences` connection "
                                   f"exceeds the `{arg}` limit of 100 records.",
                                   extensions={"type": "EXCESSIVE_PAGINATION"})
        items = linking.closing_issues(sb, r, pull, user_linked_only=userLinkedOnly)
        if orderBy:
            key = {"CREATED_AT": lambda i: i.created_at, "UPDATED_AT": lambda i: i.updated_at}.get(orderBy.get("field"))
            if key is not None:
                items.sort(key=key, reverse=orderBy.get("direction") == "DESC")
        window = list(enumerate(items))
        if after is not None:
            window = [(k, i) for k, i in window if k > _uncursor(after)]
        if before is not None:
            window = [(k, i) for k, i in window if k < _uncursor(before)]
        has_next = first is not None and len(window) > first
        window = window[:first] if first is not None else window
        has_prev = after is not None or (last is not None and len(window) > last)
        window = window[-last:] if last else ([] if last == 0 else window)
        nodes = [_issue_obj(sb, _repo_of(sb, i, r), i) for _k, i in window]
        return {"totalCount": len(items), "nodes": nodes,
                "edges": [{"cursor": _cursor(k), "node": n} for (k, _i), n in zip(window, nodes, strict=True)],
                "pageInfo": {"hasNextPage": has_next, "hasPreviousPage": has_prev,
                             "startCursor": _cursor(window[0][0]) if window else None,
                             "endCursor": _cursor(window[-1][0]) if window else None}}

    return {"__typename": "PullRequest", "id": node_id("PullRequest", p.id), "number": pull.number,
            "title": pull.title, "body": pull.body or "", "merged": p.merged, "closingIssuesReferences": closing}
