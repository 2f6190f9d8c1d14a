"""Handlers of pull requests."""

from __future__ import annotations

from typing import Any

from .. import webhooks as wh
from ..http import Req, Resp, not_found, validation_failed
from ..state import Issue
from . import common

ROUTES = common.Table()

# --- pulls -------------------------------------------------------------------------------------------
def _pull(req: Req) -> Issue:
    i = common.repo(req).issues.get(req.params["pull_number"])
    if i is None or i.pull is None:
        raise not_found(req.doc)
    return i


@ROUTES.op("pulls/list")
async def list_pulls(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    state = req.q("state", "open")
    items = [i for i in r.pulls if state == "all" or i.state == state]
    if req.q("head"):
        owner, _, branch = str(req.q("head")).rpartition(":")
        items = [i for i in items if i.pull and i.pull.head_ref == branch
                 and (not owner or owner.lower() == r.owner.login.lower())]
    if req.q("base"):
        items = [i for i in items if i.pull and i.pull.base_ref == req.q("base")]
    sort = req.q("sort", "created")
    direction = req.q("direction") or ("desc" if sort == "created" else "asc")
    keyf = (lambda i: (i.updated_at, i.number)) if sort in ("updated", "long-running") else \
        (lambda i: (i.created_at, i.number))
    items.sort(key=keyf, reverse=direction == "desc")
    chunk, headers = req.paginate(items)
    return Resp(200, [sb.render.pull(r, i) for i in chunk], headers)


@ROUTES.op("pulls/create")
async def create_pull(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    body = common.body(req)
    head = str(body.get("head", ""))
    owner, _, head_ref = head.rpartition(":")
    base_ref = str(body.get("base", ""))
    errors = []
    if r.branch_sha(base_ref) is None:
        errors.append({"resource": "PullRequest", "field": "base", "code": "invalid"})
    if (owner and owner.lower() != r.owner.login.lower()) or r.branch_sha(head_ref) is None:
        errors.append({"resource": "PullRequest", "field": "head", "code": "invalid"})
    if errors:
        raise validation_failed(errors, req.doc)
    for i in r.pulls:
        if i.state == "open" and i.pull and i.pull.head_ref == head_ref and i.pull.base_ref == base_ref:
            raise validation_failed([{"resource": "PullRequest", "code": "custom",
                                      "message": f"A pull request already exists for {r.owner.login}:{head_ref}."}],
                                    req.doc)
    if not sb._commits_between(r, r.branch_sha(base_ref), r.branch_sha(head_ref)):
        raise validation_failed([{"resource": "PullRequest", "code": "custom",
                                  "message": f"No commits between {base_ref} and {head_ref}"}], req.doc)
    title = body.get("title")
    if not title:
        raise validation_failed([{"resource": "PullRequest", "code": "missing_field", "field": "title"}], req.doc)
    if body.get("body") is not None:
        common.check_body_text(req, body.get("body"), "PullRequest")
    actor = common.actor(req)
    issue = sb._new_pull(r, actor, title, body.get("body"), head_ref, base_ref, draft=bool(body.get("draft")),
                         maintainer_can_modify=bool(body.get("maintainer_can_modify")), via_app=req.by_app)
    common.emit(req, *wh.pull_request(sb, r, issue, "opened", actor))
    return Resp(201, sb.render.pull(r, issue),
                {"Location": f"{sb.api_url}/repos/{r.full_name}/pulls/{issue.number}"})


@ROUTES.op("pulls/get")
async def get_pull(req: Req) -> Resp:
    return Resp(200, req.sb.render.pull(common.repo(req), _pull(req)))


@ROUTES.op("pulls/update")
async def update_pull(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    issue = _pull(req)
    assert issue.pull is not None
    body = common.body(req)
    actor = common.actor(req)
    changes: dict[str, Any] = {}
    if body.get("title") and body["title"] != issue.title:
        changes["title"] = {"from": issue.title}
        issue.title = body["title"]
    if "body" in body and body["body"] != issue.body:
        if body["body"] is not None:
            common.check_body_text(req, body["body"], "PullRequest")
        changes["body"] = {"from": issue.body or ""}
        issue.body = body["body"]
    if body.get("base") and body["base"] != issue.pull.base_ref:
        if r.branch_sha(body["base"]) is None:
            raise validation_failed([{"resource": "PullRequest", "field": "base", "code": "invalid"}], req.doc)
        changes["base"] = {"ref": {"from": issue.pull.base_ref}, "sha": {"from": issue.pull.base_sha}}
        issue.pull.base_ref = body["base"]
        issue.pull.base_sha = r.branch_sha(body["base"]) or issue.pull.base_sha
    if "maintainer_can_modify" in body:
        issue.pull.maintainer_can_modify = bool(body["maintainer_can_modify"])
    if changes:
        issue.updated_at = sb.clock()
        common.emit(req, *wh.pull_request(sb, r, issue, "edited", actor, changes=changes))
    state = body.get("state")
    if state == "closed" and issue.state == "open":
        sb._close_issue(r, issue, actor, None, via_app=req.by_app)
        common.emit(req, *wh.pull_request(sb, r, issue, "closed", actor))
    elif state == "open" and issue.state == "closed" and not issue.pull.merged:
        sb._reopen_issue(r, issue, actor, via_app=req.by_app)
        common.emit(req, *wh.pull_request(sb, r, issue, "reopened", actor))
    return Resp(200, sb.render.pull(r, issue))
