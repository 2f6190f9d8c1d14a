"""Handlers of check runs."""

from __future__ import annotations

from typing import Any

from ..http import ApiError, Req, Resp, not_found, validation_failed
from ..state import CheckRun, RepoState
from . import common

ROUTES = common.Table()

# --- check runs -------------------------------------------------------------------------------------
MAX_ANNOTATIONS = 50  # per create/update request
MAX_OUTPUT = 65535  # output.summary and output.text: characters (the schema's maxLength) and UTF-8 bytes


def _check_output(req: Req, output: dict[str, Any]) -> None:
    """GitHub's limits on a check run's output, with GitHub's answers (also when the sandbox does not
    validate against the description: a sandbox kinder than GitHub hides bugs).

    * more than 50 annotations: 422 "Invalid request.\n\nNo more than 50 items are allowed; N were supplied."
    * summary/text over 65,535 characters: 422 "Invalid request.\n\nOnly 65535 characters are allowed; N were
      supplied." (the description's maxLength);
    * summary/text over 65,535 bytes (multi-byte text under the character limit): 422 Validation Failed,
      ``{"resource": "CheckRun", "code": "custom", "field": "summary", "message": "summary exceeds a maximum
      bytesize of 65535"}``."""
    annotations = output.get("annotations")
    if isinstance(annotations, list) and len(annotations) > MAX_ANNOTATIONS:
        raise ApiError(422, f"Invalid request.\n\nNo more than {MAX_ANNOTATIONS} items are allowed; "
                            f"{len(annotations)} were supplied.", doc=req.doc)
    for key in ("summary", "text"):
        value = output.get(key)
        if isinstance(value, str) and len(value) > MAX_OUTPUT:
            raise ApiError(422, f"Invalid request.\n\nOnly {MAX_OUTPUT} characters are allowed; {len(value)} were "
                                "supplied.", doc=req.doc)
    for key in ("summary", "text"):
        value = output.get(key)
        if isinstance(value, str) and len(value.encode("utf-8", "surrogatepass")) > MAX_OUTPUT:
            raise validation_failed([{"resource": "CheckRun", "code": "custom", "field": key,
                                      "message": f"{key} exceeds a maximum bytesize of {MAX_OUTPUT}"}], req.doc)


def _apply_check(req: Req, cr: CheckRun, body: dict[str, Any]) -> None:
    sb = req.sb
    output = body.get("output")
    if isinstance(output, dict):
        _check_output(req, output)  # before anything changes: a refused request applies nothing
    for key in ("name", "external_id", "details_url"):
        if key in body:
            setattr(cr, key, body[key])
    if body.get("started_at"):
        cr.started_at = common.parse_time(body["started_at"])
    if body.get("status"):
        cr.status = body["status"]
    if body.get("conclusion"):
        cr.conclusion = body["conclusion"]
        cr.status = "completed"
    if cr.status == "completed":
        if cr.conclusion is None:
            raise validation_failed([{"resource": "CheckRun", "code": "missing_field", "field": "conclusion"}],
                                    req.doc)
        cr.completed_at = common.parse_time(body.get("completed_at")) or cr.completed_at or sb.clock()
    if isinstance(output, dict):
        for key in ("title", "summary", "text"):
            if key in output:
                cr.output[key] = output[key]
        r = common.repo(req)
        for a in output.get("annotations") or []:
            item = dict(a)
            item.setdefault("blob_href", f"https://github.com/{r.full_name}/blob/{cr.head_sha}/{a.get('path', '')}")
            cr.annotations.append(item)


@ROUTES.op("checks/create")
async def create_check(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    body = common.body(req)
    head_sha = str(body.get("head_sha", ""))
    if head_sha not in r.objects.commits:
        raise ApiError(422, f"No commit found for SHA: {head_sha}", doc=req.doc)
    # GitHub creates one check suite per App and head commit, with the App's first run on it; later runs
    # join it (the sandbox has one App, so every run on this commit is the App's)
    suite = next((c.check_suite_id for c in r.check_runs.values() if c.head_sha == head_sha), None)
    cr = CheckRun(id=sb._new_id("check_run"), head_sha=head_sha, name=str(body.get("name", "")), status="queued",
                  conclusion=None, started_at=sb.clock(), completed_at=None, external_id=body.get("external_id"),
                  details_url=body.get("details_url"), output={"title": None, "summary": None, "text": None},
                  annotations=[], check_suite_id=suite or sb._new_id("check_suite"))
    _apply_check(req, cr, body)
    r.check_runs[cr.id] = cr
    d = sb.render.check_run(r, cr)
    return Resp(201, d, {"Location": d["url"]})


@ROUTES.op("checks/update")
async def update_check(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    cr = r.check_runs.get(req.params["check_run_id"])
    if cr is None:
        raise not_found(req.doc)
    _apply_check(req, cr, common.body(req))
    return Resp(200, sb.render.check_run(r, cr))


def _commit_of_ref(r: RepoState, ref: str) -> str | None:
    """A commit SHA, a branch (``main`` or ``heads/main``) or a tag (``tags/v1``)."""
    if ref.startswith(("heads/", "tags/")):
        return r.refs.get(f"refs/{ref}")
    return r.resolve(ref)


@ROUTES.op("checks/list-for-ref")
async def list_checks_for_ref(req: Req) -> Resp:
    """``GET /repos/{owner}/{repo}/commits/{ref}/check-runs``: newest first; ``filter=latest`` (the default)
    keeps the most recent run of each name in each check suite, ``all`` every run; ``total_count`` counts
    every match, ``per_page``/``page`` and ``Link`` page them."""
    sb, r = req.sb, common.repo(req)
    ref = str(req.params["ref"])
    sha = _commit_of_ref(r, ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}", doc=req.doc)
    runs = sorted((c for c in r.check_runs.values() if c.head_sha == sha), key=lambda c: c.id, reverse=True)
    name, status, app_id = req.q("check_name"), req.q("status"), req.q("app_id")
    if name is not None:
        runs = [c for c in runs if c.name == name]
    if status is not None:
        runs = [c for c in runs if c.status == status]
    if app_id is not None and app_id != sb.app_id:
        runs = []  # every run in the sandbox is by its one App
    if req.q("filter", "latest") == "latest":
        seen: set[tuple[int, str]] = set()
        latest = []
        for c in runs:  # newest first: the first of each (suite, name) is the most recent
            if (c.check_suite_id, c.name) not in seen:
                seen.add((c.check_suite_id, c.name))
                latest.append(c)
        runs = latest
    chunk, headers = req.paginate(runs)
    return Resp(200, {"total_count": len(runs), "check_runs": [sb.render.check_run(r, c) for c in chunk]}, headers)
