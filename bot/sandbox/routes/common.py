"""What the REST handlers of every API area share: the route table type and request helpers.

The route modules import this module (``from . import common``) and call ``common.repo(req)`` etc."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import timestamps

from .. import webhooks as wh
from ..http import Req, Resp, not_found, validation_failed
from ..state import Issue, RepoState, User

Handler = Callable[[Req], Awaitable[Resp]]
MAX_BODY = 65536


class Table(dict[str, Handler]):
    """One API area's handlers, keyed by GitHub's operationId (``routes.HANDLERS`` merges the tables)."""

    def op(self, operation_id: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            if operation_id in self:
                raise ValueError(f"{operation_id} has two handlers")
            self[operation_id] = fn
            return fn

        return deco


# --- helpers -----------------------------------------------------------------------------------------
def repo(req: Req) -> RepoState:
    assert req.repo is not None
    return req.repo


def actor(req: Req) -> User:
    return req.sb.bot_user if req.by_app else req.sb.app_owner


def issue(req: Req, number: int) -> Issue:
    i = repo(req).issues.get(number)
    if i is None:
        raise not_found(req.doc)
    return i


def emit(req: Req, event: str, payload: dict | None) -> None:
    if payload is not None:
        req.sb.outbox.emit(event, payload)


def body(req: Req) -> dict[str, Any]:
    return req.body if isinstance(req.body, dict) else {}


def parse_time(value: Any) -> float | None:
    """A time in a request (``since``, ``started_at``): ISO 8601, as GitHub takes them; None when absent or bad."""
    return timestamps.parse(value) if isinstance(value, str) else None


def check_body_text(req: Req, text: Any, resource: str = "IssueComment") -> str:
    if not isinstance(text, str):
        raise validation_failed([{"resource": resource, "code": "missing_field", "field": "body"}], req.doc)
    if len(text) > MAX_BODY:
        raise validation_failed([{"resource": resource, "code": "custom", "field": "body",
                                  "message": f"body is too long (maximum is {MAX_BODY} characters)"}], req.doc)
    return text


def label_names(body: Any) -> list[str]:
    """Label names from any of the request shapes GitHub accepts for issue labels."""
    items = body.get("labels", []) if isinstance(body, dict) else body if isinstance(body, list) else []
    out = []
    for x in items or []:
        name = x.get("name") if isinstance(x, dict) else x
        if isinstance(name, str) and name and name.lower() not in (n.lower() for n in out):
            out.append(name)
    return out


MAX_LABEL_NAME = 50  # GitHub's limit; a longer new name given to an issue is refused as "invalid", with the name


def apply_labels(req: Req, issue: Issue, names: list[str], *, replace: bool) -> None:
    sb, r = req.sb, repo(req)
    who = actor(req)
    # GitHub creates missing labels named on an issue; one over 50 characters is a 422 with the value
    # (semantic-release/github issue 518: {"value": "...", "resource": "Label", "field": "name", "code": "invalid"})
    too_long = [n for n in names if len(n) > MAX_LABEL_NAME and r.label(n) is None]
    if too_long:
        raise validation_failed([{"value": n, "resource": "Label", "field": "name", "code": "invalid"}
                                 for n in too_long], req.doc)
    wanted = [sb._ensure_label(r, n) for n in names]
    before = list(issue.labels)
    if replace:
        removed = [lb for lb in before if lb not in wanted]
        added = [lb for lb in wanted if lb not in before]
        issue.labels = wanted
    else:
        removed = []
        added = [lb for lb in wanted if lb not in before]
        issue.labels = before + added
    for lb in removed:
        sb._issue_event(r, issue, "unlabeled", who, label=lb, via_app=req.by_app)
        emit(req, *wh.issue_or_pull(sb, r, issue, "unlabeled", who, label=lb))
    for lb in added:
        sb._issue_event(r, issue, "labeled", who, label=lb, via_app=req.by_app)
        emit(req, *wh.issue_or_pull(sb, r, issue, "labeled", who, label=lb))
    if added or removed:
        issue.updated_at = sb.clock()


def labels_of(req: Req, issue: Issue) -> Resp:
    r = repo(req)
    return Resp(200, [req.sb.render.label(r, lb) for lb in issue.labels])


