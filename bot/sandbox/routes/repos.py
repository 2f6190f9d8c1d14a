"""Handlers of repository, user, rate-limit and release endpoints."""

from __future__ import annotations

from typing import Any

from .. import webhooks as wh
from ..http import ApiError, Req, Resp, not_found, validation_failed
from ..state import RepoState
from . import common

ROUTES = common.Table()

# --- misc --------------------------------------------------------------------------------------------
@ROUTES.op("rate-limit/get")
async def rate_limit(req: Req) -> Resp:
    sb = req.sb
    a = req.auth
    key: tuple = ("inst", a.installation_id) if a.kind == "token" else ("app",) if a.kind == "jwt" else ("anon",)
    core = sb._bucket(key)
    gql = sb._bucket(("graphql", a.installation_id)) if a.kind == "token" else core

    def res(b: Any, limit: int | None = None) -> dict[str, int]:
        lim = limit if limit is not None else b.limit
        return {"limit": lim, "remaining": b.remaining if limit is None else lim, "reset": int(b.reset),
                "used": b.used if limit is None else 0}

    return Resp(200, {"resources": {"core": res(core), "graphql": res(gql), "search": res(core, 30),
                                    "code_search": res(core, 10), "integration_manifest": res(core, 5000)},
                      "rate": res(core)})


@ROUTES.op("users/get-by-username")
async def get_user(req: Req) -> Resp:
    u = req.sb._users.get(req.params["username"].lower())
    if u is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.public_user(u))


@ROUTES.op("repos/get")
async def get_repo(req: Req) -> Resp:
    return Resp(200, req.sb.render.repo(common.repo(req), full=True))


@ROUTES.op("repos/get-branch")
async def get_branch(req: Req) -> Resp:
    r = common.repo(req)
    branch = req.params["branch"]
    sha = r.branch_sha(branch)
    if sha is None:
        raise ApiError(404, "Branch not found", doc=req.doc)
    ra = f"{req.sb.api_url}/repos/{r.full_name}"
    return Resp(200, {
        "name": branch, "commit": req.sb.render.commit(r, r.objects.commits[sha]),
        "_links": {"self": f"{ra}/branches/{branch}", "html": f"https://github.com/{r.full_name}/tree/{branch}"},
        "protected": False,
        "protection": {"enabled": False, "required_status_checks": {"enforcement_level": "off", "contexts": [],
                                                                    "checks": []}},
        "protection_url": f"{ra}/branches/{branch}/protection",
    })


@ROUTES.op("repos/get-collaborator-permission-level")
async def collaborator_permission(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    u = sb._users.get(req.params["username"].lower())
    if u is None:
        raise ApiError(404, f"{req.params['username']} is not a user", doc=req.doc)
    if u is r.owner or (r.owner.type == "Organization" and r.collaborators.get(u.login) == "admin"):
        role = "admin"
    else:
        role = r.collaborators.get(u.login) or ("none" if r.private else "read")
    # GitHub's description of this operation: `permission` is the legacy base role (maintain -> write,
    # triage -> read); `role_name` is the assigned role's name, a custom role's included; the user's
    # `permissions` flags are the base role's
    role_name, base = sb._role_base(r, role)
    permission = {"maintain": "write", "triage": "read"}.get(base, base)
    rank = ["none", "read", "triage", "write", "maintain", "admin"].index(base)
    user = sb.render.user(u)
    user["permissions"] = {"admin": rank >= 5, "maintain": rank >= 4, "push": rank >= 3, "triage": rank >= 2,
                           "pull": rank >= 1}
    user["role_name"] = role_name
    return Resp(200, {"permission": permission, "role_name": role_name, "user": user})



# --- releases ----------------------------------------------------------------------------------------
def _release_order(r: RepoState) -> list:
    return sorted(r.releases.values(), key=lambda rel: (rel.created_at, rel.id), reverse=True)


@ROUTES.op("repos/list-releases")
async def list_releases(req: Req) -> Resp:
    r = common.repo(req)
    chunk, headers = req.paginate(_release_order(r))
    return Resp(200, [req.sb.render.release(r, rel) for rel in chunk], headers)


@ROUTES.op("repos/get-latest-release")
async def latest_release(req: Req) -> Resp:
    r = common.repo(req)
    rel = next((x for x in _release_order(r) if not x.draft and not x.prerelease), None)
    if rel is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.release(r, rel))


@ROUTES.op("repos/get-release-by-tag")
async def release_by_tag(req: Req) -> Resp:
    r = common.repo(req)
    rel = next((x for x in _release_order(r) if x.tag_name == req.params["tag"] and not x.draft), None)
    if rel is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.release(r, rel))


@ROUTES.op("repos/get-release")
async def get_release(req: Req) -> Resp:
    r = common.repo(req)
    rel = r.releases.get(req.params["release_id"])
    if rel is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.release(r, rel))


@ROUTES.op("repos/update-release")
async def update_release(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    rel = r.releases.get(req.params["release_id"])
    if rel is None:
        raise not_found(req.doc)
    body = common.body(req)
    actor = common.actor(req)
    changes: dict[str, Any] = {}
    if "body" in body and body["body"] != rel.body:
        if body["body"] is not None and len(body["body"]) > 125000:
            raise validation_failed([{"resource": "Release", "code": "custom", "field": "body",
                                      "message": "body is too long (maximum is 125000 characters)"}], req.doc)
        changes["body"] = {"from": rel.body or ""}
        rel.body = body["body"]
    if "name" in body and body["name"] != rel.name:
        changes["name"] = {"from": rel.name or ""}
        rel.name = body["name"]
    if body.get("tag_name") and body["tag_name"] != rel.tag_name:
        changes["tag_name"] = {"from": rel.tag_name}
        rel.tag_name = body["tag_name"]
    if body.get("target_commitish"):
        rel.target_commitish = body["target_commitish"]
    if "prerelease" in body and bool(body["prerelease"]) != rel.prerelease:
        rel.prerelease = bool(body["prerelease"])
    publish = "draft" in body and rel.draft and not body["draft"]
    if "draft" in body:
        rel.draft = bool(body["draft"])
    rel.updated_at = sb.clock()
    if changes:
        common.emit(req, *wh.release(sb, r, rel, "edited", actor, changes=changes))
    if publish:
        rel.published_at = sb.clock()
        sb._ensure_tag(r, rel)
        common.emit(req, *wh.release(sb, r, rel, "published", actor))
    return Resp(200, sb.render.release(r, rel))
