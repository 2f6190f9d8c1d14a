"""Handlers of issues, comments, reactions, events and labels."""

from __future__ import annotations

import re
from typing import Any

from .. import webhooks as wh
from ..http import ApiError, Req, Resp, not_found, validation_failed
from ..state import Label, Reaction
from . import common

ROUTES = common.Table()

# --- issues -----------------------------------------------------------------------------------------
@ROUTES.op("issues/list-for-repo")
async def list_issues(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    state = req.q("state", "open")
    items = [i for i in r.issues.values() if state == "all" or i.state == state]
    if req.q("labels"):
        want = {x.strip().lower() for x in str(req.q("labels")).split(",") if x.strip()}
        items = [i for i in items if want <= {n.lower() for n in i.label_names}]
    if req.q("creator"):
        items = [i for i in items if i.user.login.lower() == str(req.q("creator")).lower()]
    assignee = req.q("assignee")
    if assignee == "none":
        items = [i for i in items if not i.assignees]
    elif assignee == "*":
        items = [i for i in items if i.assignees]
    elif assignee:
        items = [i for i in items if any(u.login.lower() == assignee.lower() for u in i.assignees)]
    since = common.parse_time(req.q("since"))
    if since is not None:
        items = [i for i in items if i.updated_at >= since]
    sort = req.q("sort", "created")
    keyf = {"created": lambda i: (i.created_at, i.number), "updated": lambda i: (i.updated_at, i.number),
            "comments": lambda i: (len(r.comments_on(i.number)), i.number)}[sort]
    items.sort(key=keyf, reverse=req.q("direction", "desc") == "desc")
    chunk, headers = req.paginate(items)
    return Resp(200, [sb.render.issue(r, i) for i in chunk], headers)


@ROUTES.op("issues/get")
async def get_issue(req: Req) -> Resp:
    return Resp(200, req.sb.render.issue(common.repo(req), common.issue(req, req.params["issue_number"])))


@ROUTES.op("issues/update")
async def update_issue(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    issue = common.issue(req, req.params["issue_number"])
    body = common.body(req)
    actor = common.actor(req)
    changes: dict[str, Any] = {}
    if "title" in body and body["title"] is not None and body["title"] != issue.title:
        changes["title"] = {"from": issue.title}
        issue.title = str(body["title"])
    if "body" in body and body["body"] != issue.body:
        if body["body"] is not None:
            common.check_body_text(req, body["body"], "Issue")
        changes["body"] = {"from": issue.body or ""}
        issue.body = body["body"]
    if "assignees" in body or "assignee" in body:
        logins = body.get("assignees") or ([body["assignee"]] if body.get("assignee") else [])
        issue.assignees = [sb._ensure_user(x) for x in logins]
    if changes:
        issue.updated_at = sb.clock()
        common.emit(req, *wh.issue_or_pull(sb, r, issue, "edited", actor, changes=changes))
    if "labels" in body and body["labels"] is not None:
        common.apply_labels(req, issue, common.label_names(body["labels"]), replace=True)
    state = body.get("state")
    if state == "closed" and issue.state != "closed":
        sb._close_issue(r, issue, actor, body.get("state_reason") or "completed", via_app=req.by_app)
        common.emit(req, *wh.issue_or_pull(sb, r, issue, "closed", actor))
    elif state == "open" and issue.state != "open" and not (issue.pull and issue.pull.merged):
        sb._reopen_issue(r, issue, actor, via_app=req.by_app)
        common.emit(req, *wh.issue_or_pull(sb, r, issue, "reopened", actor))
    elif state == "closed" and body.get("state_reason") and body["state_reason"] != issue.state_reason:
        issue.state_reason = body["state_reason"]
    return Resp(200, sb.render.issue(r, issue))


@ROUTES.op("issues/list-comments")
async def list_comments(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    issue = common.issue(req, req.params["issue_number"])
    comments = r.comments_on(issue.number)
    since = common.parse_time(req.q("since"))
    if since is not None:
        comments = [c for c in comments if c.updated_at >= since]
    chunk, headers = req.paginate(comments)
    return Resp(200, [sb.render.comment(r, c) for c in chunk], headers)


@ROUTES.op("issues/list-comments-for-repo")
async def list_repo_comments(req: Req) -> Resp:
    """Every issue and pull request comment of the repository: by id, or by ``sort`` (created|updated) in
    ``direction`` (default desc with a sort, as GitHub's)."""
    sb, r = req.sb, common.repo(req)
    comments = sorted(r.comments.values(), key=lambda c: c.id)
    since = common.parse_time(req.q("since"))
    if since is not None:
        comments = [c for c in comments if c.updated_at >= since]
    sort = req.q("sort")
    if sort in ("created", "updated"):
        comments.sort(key=lambda c: (c.created_at if sort == "created" else c.updated_at, c.id),
                      reverse=req.q("direction", "desc") != "asc")
    chunk, headers = req.paginate(comments)
    return Resp(200, [sb.render.comment(r, c) for c in chunk], headers)


@ROUTES.op("issues/create-comment")
async def create_comment(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    issue = common.issue(req, req.params["issue_number"])
    text = common.check_body_text(req, common.body(req).get("body"))
    if issue.locked and not req.by_app:
        raise ApiError(403, "Unable to create comment because issue is locked.", doc=req.doc)
    actor = common.actor(req)
    c = sb._new_comment(r, issue.number, actor, text, via_app=req.by_app)
    common.emit(req, *wh.issue_comment(sb, r, issue, c, "created", actor))
    return Resp(201, sb.render.comment(r, c), {"Location": f"{sb.api_url}/repos/{r.full_name}/issues/comments/{c.id}"})


def _comment(req: Req) -> Any:
    c = common.repo(req).comments.get(req.params["comment_id"])
    if c is None:
        raise not_found(req.doc)
    return c


@ROUTES.op("issues/get-comment")
async def get_comment(req: Req) -> Resp:
    return Resp(200, req.sb.render.comment(common.repo(req), _comment(req)))


@ROUTES.op("issues/update-comment")
async def update_comment(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    c = _comment(req)
    text = common.check_body_text(req, common.body(req).get("body"))
    old = c.body
    c.body = text
    c.updated_at = sb.clock()
    issue = r.issues.get(c.issue_number)
    if issue is not None and old != text:
        common.emit(req, *wh.issue_comment(sb, r, issue, c, "edited", common.actor(req), changes={"body": {"from": old}}))
    return Resp(200, sb.render.comment(r, c))


@ROUTES.op("issues/delete-comment")
async def delete_comment(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    c = _comment(req)
    del r.comments[c.id]
    issue = r.issues.get(c.issue_number)
    if issue is not None:
        common.emit(req, *wh.issue_comment(sb, r, issue, c, "deleted", common.actor(req)))
    return Resp(204)


def _reactions(req: Req, reactions: list[Reaction]) -> Resp:
    items = reactions
    if req.q("content"):
        items = [x for x in items if x.content == req.q("content")]
    chunk, headers = req.paginate(items)
    return Resp(200, [req.sb.render.reaction(x) for x in chunk], headers)


def _react(req: Req, reactions: list[Reaction]) -> Resp:
    sb = req.sb
    content = common.body(req).get("content")
    actor = common.actor(req)
    for x in reactions:
        if x.user is actor and x.content == content:
            return Resp(200, sb.render.reaction(x))
    x = Reaction(id=sb._new_id("reaction"), user=actor, content=str(content), created_at=sb.clock())
    reactions.append(x)
    return Resp(201, sb.render.reaction(x))


@ROUTES.op("reactions/list-for-issue-comment")
async def list_comment_reactions(req: Req) -> Resp:
    return _reactions(req, _comment(req).reactions)


@ROUTES.op("reactions/create-for-issue-comment")
async def create_comment_reaction(req: Req) -> Resp:
    return _react(req, _comment(req).reactions)


@ROUTES.op("reactions/delete-for-issue-comment")
async def delete_comment_reaction(req: Req) -> Resp:
    """204 (fundbot deletes only its own reactions); an unknown reaction id is 404."""
    reactions = _comment(req).reactions
    x = next((x for x in reactions if x.id == int(req.params["reaction_id"])), None)
    if x is None:
        raise not_found(req.doc)
    reactions.remove(x)
    return Resp(204)


@ROUTES.op("reactions/create-for-issue")
async def create_issue_reaction(req: Req) -> Resp:
    return _react(req, common.issue(req, req.params["issue_number"]).reactions)


@ROUTES.op("issues/list-events")
async def list_events(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    issue = common.issue(req, req.params["issue_number"])
    events = [e for e in issue.events if e.event != "cross-referenced"]
    chunk, headers = req.paginate(events)
    # GitHub documents `state_reason` on the timeline's state-change events (state-change-issue-event), not
    # here (issue-event-for-issue has no such event): nothing may rely on it, so it is left out
    items = [{k: v for k, v in sb.render.issue_event(r, issue, e).items() if k != "state_reason"} for e in chunk]
    return Resp(200, items, headers)


@ROUTES.op("issues/list-events-for-timeline")
async def list_timeline(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    issue = common.issue(req, req.params["issue_number"])
    # chronological; within one second in the order things happened (comment and event ids are separate
    # sequences, so they cannot order a comment against an event)
    items: list[tuple[float, int, dict]] = [(e.created_at, e.order, sb.render.timeline_item(r, issue, e))
                                            for e in issue.events]
    items += [(c.created_at, c.order, sb.render.timeline_comment(r, c)) for c in r.comments_on(issue.number)]
    items.sort(key=lambda t: (t[0], t[1]))
    chunk, headers = req.paginate([t[2] for t in items])
    return Resp(200, chunk, headers)


@ROUTES.op("issues/list-labels-on-issue")
async def list_issue_labels(req: Req) -> Resp:
    issue = common.issue(req, req.params["issue_number"])
    chunk, headers = req.paginate(issue.labels)
    return Resp(200, [req.sb.render.label(common.repo(req), lb) for lb in chunk], headers)


@ROUTES.op("issues/add-labels")
async def add_labels(req: Req) -> Resp:
    issue = common.issue(req, req.params["issue_number"])
    common.apply_labels(req, issue, common.label_names(req.body), replace=False)
    return common.labels_of(req, issue)


@ROUTES.op("issues/set-labels")
async def set_labels(req: Req) -> Resp:
    issue = common.issue(req, req.params["issue_number"])
    common.apply_labels(req, issue, common.label_names(req.body), replace=True)
    return common.labels_of(req, issue)


@ROUTES.op("issues/remove-label")
async def remove_label(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    issue = common.issue(req, req.params["issue_number"])
    name = req.params["name"].lower()
    lb = next((x for x in issue.labels if x.name.lower() == name), None)
    if lb is None:
        raise ApiError(404, "Label does not exist", doc=req.doc)
    issue.labels.remove(lb)
    issue.updated_at = sb.clock()
    actor = common.actor(req)
    sb._issue_event(r, issue, "unlabeled", actor, label=lb, via_app=req.by_app)
    common.emit(req, *wh.issue_or_pull(sb, r, issue, "unlabeled", actor, label=lb))
    return common.labels_of(req, issue)


# --- labels -------------------------------------------------------------------------------------------
_COLOR = re.compile(r"[0-9a-fA-F]{6}")
# GitHub's label limits: a name of at most 50 characters, a description of at most 100 (label creation
# answers 422 {"resource": "Label", "code": "custom", "field": "name", "message": "name is too long (maximum is
# 50 characters)"}, recorded in github/docs issue 32156; descriptions: EndBug/label-sync issue 260,
# Financial-Times/github-label-sync issue 42). The description's text follows the same Rails wording.
MAX_LABEL_NAME = 50
MAX_LABEL_DESCRIPTION = 100


def _check_label_text(req: Req, name: Any, description: Any) -> None:
    errors = []
    if isinstance(name, str) and len(name) > MAX_LABEL_NAME:
        errors.append({"resource": "Label", "code": "custom", "field": "name",
                       "message": f"name is too long (maximum is {MAX_LABEL_NAME} characters)"})
    if isinstance(description, str) and len(description) > MAX_LABEL_DESCRIPTION:
        errors.append({"resource": "Label", "code": "custom", "field": "description",
                       "message": f"description is too long (maximum is {MAX_LABEL_DESCRIPTION} characters)"})
    if errors:
        raise validation_failed(errors, req.doc)


def _label(req: Req) -> Label:
    lb = common.repo(req).label(req.params["name"])
    if lb is None:
        raise not_found(req.doc)
    return lb


@ROUTES.op("issues/list-labels-for-repo")
async def list_labels(req: Req) -> Resp:
    r = common.repo(req)
    chunk, headers = req.paginate(sorted(r.labels.values(), key=lambda lb: lb.id))
    return Resp(200, [req.sb.render.label(r, lb) for lb in chunk], headers)


@ROUTES.op("issues/create-label")
async def create_label(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    body = common.body(req)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise validation_failed([{"resource": "Label", "code": "missing_field", "field": "name"}], req.doc)
    color = str(body.get("color") or "ededed").lstrip("#")
    if not _COLOR.fullmatch(color):
        raise validation_failed([{"resource": "Label", "code": "invalid", "field": "color"}], req.doc)
    _check_label_text(req, name, body.get("description"))
    if r.label(name) is not None:
        raise validation_failed([{"resource": "Label", "code": "already_exists", "field": "name"}], req.doc)
    lb = sb._ensure_label(r, name, color=color, description=body.get("description"))
    common.emit(req, *wh.label_event(sb, r, lb, "created", common.actor(req)))
    return Resp(201, sb.render.label(r, lb),
                {"Location": f"{sb.api_url}/repos/{r.full_name}/labels/{lb.name}"})


@ROUTES.op("issues/get-label")
async def get_label(req: Req) -> Resp:
    return Resp(200, req.sb.render.label(common.repo(req), _label(req)))


@ROUTES.op("issues/update-label")
async def update_label(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    lb = _label(req)
    body = common.body(req)
    changes: dict[str, Any] = {}
    new_name = body.get("new_name")
    _check_label_text(req, new_name, body.get("description"))
    if new_name and new_name != lb.name:
        other = r.label(new_name)
        if other is not None and other is not lb:
            raise validation_failed([{"resource": "Label", "code": "already_exists", "field": "name"}], req.doc)
        changes["name"] = {"from": lb.name}
        del r.labels[lb.name.lower()]
        lb.name = new_name
        r.labels[new_name.lower()] = lb
    if body.get("color"):
        color = str(body["color"]).lstrip("#")
        if not _COLOR.fullmatch(color):
            raise validation_failed([{"resource": "Label", "code": "invalid", "field": "color"}], req.doc)
        if color != lb.color:
            changes["color"] = {"from": lb.color}
            lb.color = color
    if "description" in body and body["description"] != lb.description:
        changes["description"] = {"from": lb.description or ""}
        lb.description = body["description"]
    if changes:
        common.emit(req, *wh.label_event(sb, r, lb, "edited", common.actor(req), changes=changes))
    return Resp(200, sb.render.label(r, lb))


@ROUTES.op("issues/delete-label")
async def delete_label(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    lb = _label(req)
    del r.labels[lb.name.lower()]
    for issue in r.issues.values():
        if lb in issue.labels:
            issue.labels.remove(lb)
    common.emit(req, *wh.label_event(sb, r, lb, "deleted", common.actor(req)))
    return Resp(204)
