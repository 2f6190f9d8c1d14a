"""``POST /graphql``: GitHub Sponsors' ``sponsorshipsAsMaintainer`` connection, and a pull request's
``closingIssuesReferences`` (:mod:`bot.sandbox.graphql_pulls`), served with graphql-core.

The schema is GitHub's own SDL excerpts (``data/graphql-sponsors.graphql``, ``data/graphql-pulls.graphql``)
plus minimal stand-ins for the types they reference (``User``, ``Organization``, ``Query``...), so a query
naming a field GitHub does not have is rejected the same way.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLSchema, build_schema, execute, parse, validate

from . import graphql_pulls
from .graphql_cursors import cursor as _cursor
from .graphql_cursors import uncursor as _uncursor
from .state import Sponsorship, User, iso, node_id
from .world import World

if TYPE_CHECKING:
    from .http import AuthInfo

STUBS = '''
scalar URI
scalar HTML
interface Node { id: ID! }
interface RepositoryOwner { id: ID! login: String! avatarUrl(size: Int): URI! url: URI! }
type SponsorsListing implements Node { id: ID! name: String! slug: String! isPublic: Boolean! }
type SponsorsTierAdminInfo { isDraft: Boolean! isPublished: Boolean! isRetired: Boolean! }
input SponsorAndLifetimeValueOrder { field: SponsorAndLifetimeValueOrderField! direction: OrderDirection! }
enum SponsorAndLifetimeValueOrderField { LIFETIME_VALUE SPONSOR_LOGIN SPONSOR_RELEVANCE }
type SponsorAndLifetimeValue { amountInCents: Int! formattedAmount: String! sponsor: Sponsorable! sponsorable: Sponsorable! }
type SponsorAndLifetimeValueConnection { nodes: [SponsorAndLifetimeValue] pageInfo: PageInfo! totalCount: Int! }
input SponsorOrder { field: SponsorOrderField! direction: OrderDirection! }
enum SponsorOrderField { LOGIN RELEVANCE }
type SponsorConnection { nodes: [Sponsor] pageInfo: PageInfo! totalCount: Int! }
enum SponsorsActivityAction { CANCELLED_SPONSORSHIP NEW_SPONSORSHIP PENDING_CHANGE REFUND SPONSOR_MATCH_DISABLED TIER_CHANGE }
input SponsorsActivityOrder { field: SponsorsActivityOrderField! direction: OrderDirection! }
enum SponsorsActivityOrderField { TIMESTAMP }
enum SponsorsActivityPeriod { ALL DAY MONTH WEEK }
type SponsorsActivity implements Node { id: ID! action: SponsorsActivityAction! timestamp: DateTime }
type SponsorsActivityConnection { nodes: [SponsorsActivity] pageInfo: PageInfo! totalCount: Int! }
input SponsorshipNewsletterOrder { field: SponsorshipNewsletterOrderField! direction: OrderDirection! }
enum SponsorshipNewsletterOrderField { CREATED_AT }
type SponsorshipNewsletter implements Node { id: ID! subject: String! body: String! }
type SponsorshipNewsletterConnection { nodes: [SponsorshipNewsletter] pageInfo: PageInfo! totalCount: Int! }
type RateLimit { cost: Int! limit: Int! nodeCount: Int! remaining: Int! resetAt: DateTime! used: Int! }
type Query {
  viewer: User!
  user(login: String!): User
  organization(login: String!): Organization
  repositoryOwner(login: String!): RepositoryOwner
  rateLimit(dryRun: Boolean = false): RateLimit
}
'''

OWNER_FIELDS = '''
  id: ID!
  databaseId: Int
  login: String!
  name: String
  avatarUrl(size: Int): URI!
  url: URI!
  websiteUrl: URI
'''


def _interface_body(sdl: str, name: str) -> str:
    m = re.search(r"^interface " + name + r" \{\n(.*?)^\}", sdl, re.S | re.M)
    assert m, name
    return m.group(1)


@functools.cache
def schema() -> GraphQLSchema:
    sdl = resources.files("bot.sandbox").joinpath("data/graphql-sponsors.graphql").read_text("utf-8")
    sponsorable = _interface_body(sdl, "Sponsorable")
    types = ""
    for t in ("User", "Organization"):
        types += f"type {t} implements Node & RepositoryOwner & Sponsorable {{\n{OWNER_FIELDS}{sponsorable}}}\n"
    stubs = STUBS.replace("type Query {\n", "type Query {\n" + graphql_pulls.QUERY_FIELDS)
    built = build_schema(sdl + graphql_pulls.sdl() + stubs + types)
    for t in ("User", "Organization"):
        built.type_map[t].fields["sponsorshipsAsMaintainer"].resolve = _resolve_sponsorships  # type: ignore[attr-defined]
        built.type_map[t].fields["sponsors"].resolve = _resolve_sponsors  # type: ignore[attr-defined]
        built.type_map[t].fields["avatarUrl"].resolve = lambda obj, _info, size=None: obj["avatarUrl"]  # type: ignore[attr-defined]
    return built


class _Forbidden(GraphQLError):
    pass


def _owner_obj(sb: World, u: User) -> dict[str, Any]:
    typename = "Organization" if u.type == "Organization" else "User"
    return {
        "__typename": typename, "_user": u, "id": u.node_id, "databaseId": u.id, "login": u.login,
        "name": u.name, "avatarUrl": f"https://avatars.githubusercontent.com/u/{u.id}?v=4",
        "url": f"https://github.com/{u.login}", "websiteUrl": None,
        "estimatedNextSponsorsPayoutInCents": 0,
        "hasSponsorsListing": u.sponsors_listing or any(s.maintainer is u for s in sb._sponsorships),
        "isSponsoringViewer": False, "monthlyEstimatedSponsorsIncomeInCents": 0,
        "viewerCanSponsor": False, "viewerIsSponsoring": False, "sponsorsListing": None,
    }


def _sponsorship_obj(sb: World, s: Sponsorship) -> dict[str, Any]:
    created = iso(s.created_at)
    tier_name = s.tier_name or (f"${s.monthly_usd} one time" if s.one_time else f"${s.monthly_usd} a month")
    return {
        "__typename": "Sponsorship", "id": node_id("Sponsorship", s.id), "createdAt": created,
        "isActive": s.active, "isOneTimePayment": s.one_time, "isSponsorOptedIntoEmail": False,
        "privacyLevel": s.privacy, "paymentSource": "GITHUB", "tierSelectedAt": created,
        "sponsorEntity": _owner_obj(sb, s.sponsor), "sponsor": _owner_obj(sb, s.sponsor),
        "maintainer": _owner_obj(sb, s.maintainer), "sponsorable": _owner_obj(sb, s.maintainer),
        "tier": {
            "__typename": "SponsorsTier", "id": node_id("SponsorsTier", s.id), "name": tier_name,
            "description": tier_name, "descriptionHTML": f"<p>{tier_name}</p>", "createdAt": created,
            "updatedAt": created, "isCustomAmount": False, "isOneTime": s.one_time,
            "monthlyPriceInCents": s.monthly_usd * 100, "monthlyPriceInDollars": s.monthly_usd,
            "adminInfo": None, "closestLesserValueTier": None, "sponsorsListing": None,
        },
    }


def _resolve_sponsorships(obj: dict[str, Any], info: Any, activeOnly: bool = True, after: str | None = None,  # noqa: N803
                          before: str | None = None, first: int | None = None, includePrivate: bool = False,  # noqa: N803
                          last: int | None = None, orderBy: dict | None = None) -> dict[str, Any]:  # noqa: N803
    sb: World = info.context["sandbox"]
    u: User = obj["_user"]
    if "*" in sb.graphql_forbidden or u.login in sb.graphql_forbidden:
        raise _Forbidden("Resource not accessible by integration", extensions={"type": "FORBIDDEN"})
    _check_scopes(sb, info, u)
    if first is None and last is None:
        raise GraphQLError("You must provide a `first` or `last` value to properly paginate the "
                           "`sponsorshipsAsMaintainer` connection.", extensions={"type": "MISSING_PAGINATION_BOUNDARIES"})
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= 100:
            raise GraphQLError(f"Requesting {value} records on the `sponsorshipsAsMaintainer` connection exceeds the "
                               f"`{name}` limit of 100 records.", extensions={"type": "EXCESSIVE_PAGINATION"})
    items = [s for s in sb._sponsorships if s.maintainer is u and (s.active or not activeOnly)
             and (includePrivate or s.privacy == "PUBLIC")]
    items.sort(key=lambda s: (s.created_at, s.id))
    if orderBy and orderBy.get("direction") == "DESC":
        items.reverse()
    indexed = list(enumerate(items))
    if after is not None:
        a = _uncursor(after)
        indexed = [(i, s) for i, s in indexed if i > a]
    if before is not None:
        b = _uncursor(before)
        indexed = [(i, s) for i, s in indexed if i < b]
    window = indexed
    has_next = has_prev = False
    if first is not None:
        has_next = len(window) > first
        window = window[:first]
    if last is not None:
        has_prev = len(window) > last
        window = window[-last:] if last else []
    if after is not None:
        has_prev = True
    nodes = [_sponsorship_obj(sb, s) for _i, s in window]
    return {
        "totalCount": len(items),
        "totalRecurringMonthlyPriceInCents": sum(s.monthly_usd * 100 for s in items if not s.one_time),
        "totalRecurringMonthlyPriceInDollars": sum(s.monthly_usd for s in items if not s.one_time),
        "pageInfo": {"hasNextPage": has_next, "hasPreviousPage": has_prev,
                     "startCursor": _cursor(window[0][0]) if window else None,
                     "endCursor": _cursor(window[-1][0]) if window else None},
        "nodes": nodes,
        "edges": [{"cursor": _cursor(i), "node": n} for (i, _s), n in zip(window, nodes, strict=True)],
    }


_PRIVATE_FIELDS = {"nodes", "edges"}  # who sponsors, how much, since when: not for a token without scopes


def _selected(info: Any) -> list[str]:
    """The names selected under this connection's nodes/edges (the fields a token must be allowed)."""
    names: list[str] = []
    for node in info.field_nodes:
        for sel in getattr(node.selection_set, "selections", None) or []:
            if getattr(sel, "name", None) is not None and sel.name.value in _PRIVATE_FIELDS:
                inner = getattr(sel.selection_set, "selections", None) or []
                names += [getattr(i, "name", None) and i.name.value for i in inner if getattr(i, "name", None)]
                names = names or [sel.name.value]
    return names


def _check_scopes(sb: World, info: Any, owner: User) -> None:
    """GitHub's rule for who may see an account's sponsorships: an installation token (no OAuth scopes at all,
    and no App permission covers Sponsors) reads only counts; a person's token needs ``read:user`` for their
    own account, ``read:org`` from an owner for an organization (sponsorkit PR #6, nodejs/nodejs.org PR #8531,
    jal-co/shieldcn PR #150). Raises GitHub's INSUFFICIENT_SCOPES / FORBIDDEN error."""
    fields = _selected(info)
    if not fields:
        return  # totalCount and pageInfo only
    auth = info.context.get("auth")
    login, scopes = (auth.user if auth is not None and auth.kind == "user" and auth.user else (None, ()))
    is_org = owner.type == "Organization"
    need = ["read:org"] if is_org else ["read:user", "read:org"]
    if not set(need) & set(scopes) and not ({"user", "admin:org"} & set(scopes)):
        raise GraphQLError(
            "Your token has not been granted the required scopes to execute this query. The "
            f"'{fields[0]}' field requires one of the following scopes: {need}, but your token has only been "
            f"granted the: {list(scopes) or ['']} scopes. Please modify your token's scopes at: "
            "https://github.com/settings/tokens.", extensions={"type": "INSUFFICIENT_SCOPES"})
    allowed = (login or "").lower() in sb.org_owners.get(owner.login.lower(), set()) if is_org \
        else (login or "").lower() == owner.login.lower()
    if not allowed:
        raise _Forbidden(f"{login} does not have permission to view the sponsorships of {owner.login}.",
                         extensions={"type": "FORBIDDEN"})


def _resolve_sponsors(obj: dict[str, Any], info: Any, first: int | None = None, after: str | None = None,
                      **_kwargs: Any) -> dict[str, Any]:
    """``sponsors``: who sponsors the account (its active public sponsorships, newest last); the count is
    public, the identities need a token allowed to see them (:func:`_check_scopes`)."""
    sb: World = info.context["sandbox"]
    u: User = obj["_user"]
    _check_scopes(sb, info, u)
    items = [s for s in sb._sponsorships if s.maintainer is u and s.active and s.privacy == "PUBLIC"]
    items.sort(key=lambda s: (s.created_at, s.id))
    start = _uncursor(after) + 1 if after else 0
    window = list(enumerate(items))[start: start + (first if first is not None else 100)]
    return {"totalCount": len(items), "nodes": [_owner_obj(sb, s.sponsor) for _i, s in window],
            "pageInfo": {"hasNextPage": start + len(window) < len(items), "hasPreviousPage": start > 0,
                         "startCursor": _cursor(window[0][0]) if window else None,
                         "endCursor": _cursor(window[-1][0]) if window else None}}


def _format_error(e: GraphQLError) -> dict[str, Any]:
    d: dict[str, Any] = {}
    ext = dict(e.extensions or {})
    if "type" in ext:
        d["type"] = ext.pop("type")
    if e.path is not None:
        d["path"] = list(e.path)
    if ext:
        d["extensions"] = ext
    if e.locations:
        d["locations"] = [{"line": loc.line, "column": loc.column} for loc in e.locations]
    d["message"] = e.message
    return d


async def handle_graphql(sb: World, auth: AuthInfo, body: Any, body_error: str | None) -> tuple[int, Any]:
    if body_error or not isinstance(body, dict) or not isinstance(body.get("query"), str):
        sb._violation("POST /graphql: body must be a JSON object with a `query` string")
        return 400, {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql"}
    s = schema()
    try:
        document = parse(body["query"])
    except GraphQLError as e:
        sb._violation(f"POST /graphql: {e.message}")
        return 200, {"errors": [_format_error(e)]}
    errors = validate(s, document)
    if errors:
        for e in errors:
            sb._violation(f"POST /graphql: {e.message}")
        return 200, {"errors": [_format_error(e) for e in errors]}

    def viewer(*_args: Any) -> dict[str, Any]:
        login = sb.graphql_viewer
        if login is None and auth.installation_id in sb._installations:
            login = sb._installations[auth.installation_id].account.login  # type: ignore[index]
        u = sb._users.get((login or sb.bot_user.login).lower())
        return _owner_obj(sb, u or sb.bot_user)

    def lookup(kind: str | None) -> Any:
        def resolve(_info: Any, login: str) -> dict[str, Any] | None:
            u = sb._users.get(login.lower())
            is_org = u is not None and u.type == "Organization"
            if u is None or (kind == "Organization" and not is_org) or (kind == "User" and is_org):
                article = "an Organization" if kind == "Organization" else f"a {kind or 'RepositoryOwner'}"
                raise GraphQLError(f"Could not resolve to {article} with the login of '{login}'.",
                                   extensions={"type": "NOT_FOUND"})
            return _owner_obj(sb, u)

        return resolve

    bucket = sb._bucket(("graphql", auth.installation_id))
    root = {
        "viewer": viewer, "user": lookup("User"), "organization": lookup("Organization"),
        "repositoryOwner": lookup(None),
        "repository": graphql_pulls.repository_resolver(sb, auth),
        "rateLimit": lambda *_a, **_k: {"cost": 1, "limit": bucket.limit, "nodeCount": 0,
                                        "remaining": bucket.remaining, "resetAt": iso(bucket.reset),
                                        "used": bucket.used},
    }
    result = execute(s, document, root_value=root, context_value={"sandbox": sb, "auth": auth},
                     variable_values=body.get("variables") or None, operation_name=body.get("operationName"))
    if hasattr(result, "__await__"):
        result = await result  # type: ignore[misc]
    out: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
    if result.errors:  # type: ignore[union-attr]
        out["errors"] = [_format_error(e) for e in result.errors]  # type: ignore[union-attr]
        for e in result.errors:  # type: ignore[union-attr]
            if e.original_error is not None and not isinstance(e.original_error, GraphQLError):
                sb._violation(f"POST /graphql: sandbox error {e.original_error!r}")
    return 200, out
