"""Handlers of the GitHub App endpoints: the App, its installations and tokens, webhook deliveries."""

from __future__ import annotations

import re
from typing import Any

from .. import webhooks as wh
from ..http import ApiError, Req, Resp, not_found
from ..state import iso
from . import common

ROUTES = common.Table()

# --- apps ------------------------------------------------------------------------------------------
@ROUTES.op("apps/get-authenticated")
async def get_app(req: Req) -> Resp:
    return Resp(200, req.sb.render.app(rest=True))


@ROUTES.op("apps/create-from-manifest")
async def create_from_manifest(req: Req) -> Resp:
    sb = req.sb
    if sb.web_pages.convert(str(req.params["code"])) is None:
        raise not_found(req.doc)  # a code the new-app page did not issue, used already or over an hour old
    d = sb.render.app(rest=True)
    d.update({"client_id": f"Iv1.{sb.app_id:016x}", "client_secret": "sandbox-client-secret",
              "webhook_secret": sb.webhook_secret, "pem": sb.private_key_pem.decode()})
    return Resp(201, d)


@ROUTES.op("apps/list-installations")
async def list_installations(req: Req) -> Resp:
    sb = req.sb
    items = []
    for inst in sorted(sb._installations.values(), key=lambda i: i.id):
        d = sb.render.installation(inst)
        # this operation's description inlines the account as allOf(simple-user, enterprise)
        d["account"].update({"name": inst.account.name or inst.account.login, "slug": inst.account.login.lower(),
                             "created_at": iso(inst.account.created_at), "updated_at": iso(inst.account.created_at)})
        items.append(d)
    chunk, headers = req.paginate(items)
    return Resp(200, chunk, headers)


@ROUTES.op("apps/get-installation")
async def get_installation(req: Req) -> Resp:
    inst = req.sb._installations.get(req.params["installation_id"])
    if inst is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.installation(inst))


@ROUTES.op("apps/create-installation-access-token")
async def create_token(req: Req) -> Resp:
    sb = req.sb
    inst = sb._installations.get(req.params["installation_id"])
    if inst is None:
        raise not_found(req.doc)
    if inst.suspended_at:
        raise ApiError(403, "This installation has been suspended", doc=req.doc)
    body = common.body(req)
    covered = sb._installation_repos(inst)
    repo_ids: set[int] | None = None
    if body.get("repositories") or body.get("repository_ids"):
        repo_ids = set()
        by_name = {r.name.lower(): r for r in covered}
        by_id = {r.id: r for r in covered}
        for name in body.get("repositories") or []:
            r = by_name.get(str(name).lower())
            if r is None:
                raise ApiError(422, "There is at least one repository that does not exist or is not accessible "
                                    "to the parent installation.", doc=req.doc)
            repo_ids.add(r.id)
        for rid in body.get("repository_ids") or []:
            if rid not in by_id:
                raise ApiError(422, "There is at least one repository that does not exist or is not accessible "
                                    "to the parent installation.", doc=req.doc)
            repo_ids.add(rid)
    perms = dict(inst.permissions)
    if body.get("permissions"):
        order = {"read": 1, "write": 2, "admin": 3}
        for k, v in body["permissions"].items():
            if order.get(inst.permissions.get(k, ""), 0) < order.get(v, 9):
                raise ApiError(422, "The permissions requested are not granted to this installation.", doc=req.doc)
        perms = dict(body["permissions"])
    tok = sb._mint_token(inst, repo_ids, perms)
    data: dict[str, Any] = {"token": tok.token, "expires_at": iso(tok.expires_at), "permissions": perms,
                            "repository_selection": "selected" if repo_ids is not None else inst.repository_selection}
    if repo_ids is not None:
        data["repositories"] = [sb.render.repo(r) for r in covered if r.id in repo_ids]
    return Resp(201, data)


@ROUTES.op("apps/list-repos-accessible-to-installation")
async def list_installation_repos(req: Req) -> Resp:
    sb = req.sb
    tok = req.auth.token
    assert tok is not None
    inst = sb._installations[tok.installation_id]
    repos = [r for r in sb._installation_repos(inst) if tok.repo_ids is None or r.id in tok.repo_ids]
    chunk, headers = req.paginate([sb.render.repo(r) for r in repos])
    return Resp(200, {"total_count": len(repos), "repositories": chunk,
                      "repository_selection": inst.repository_selection}, headers)


@ROUTES.op("apps/get-repo-installation")
async def get_repo_installation(req: Req) -> Resp:
    inst = req.sb._installation_for_repo(common.repo(req))
    if inst is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.installation(inst))


@ROUTES.op("apps/list-webhook-deliveries")
async def list_deliveries(req: Req) -> Resp:
    sb = req.sb
    per_page = req.q("per_page", 30)
    per_page = 30 if not isinstance(per_page, int) or per_page <= 0 else min(per_page, 100)
    items = sorted(sb._deliveries, key=lambda d: d.id, reverse=True)
    status = req.q("status")
    if status == "success":
        items = [d for d in items if 200 <= d.status_code < 300]
    elif status == "failure":
        items = [d for d in items if not 200 <= d.status_code < 300]
    cursor = req.q("cursor")
    if cursor:
        m = re.fullmatch(r"v1_(\d+)", str(cursor))
        if not m:
            raise ApiError(400, "Invalid cursor", doc=req.doc)
        after = int(m.group(1))
        items = [d for d in items if d.id < after]
    chunk = items[:per_page]
    headers = {}
    if len(items) > per_page:
        raw = [(k, v) for k, v in req.request.rel_url.query.items() if k != "cursor"]
        from urllib.parse import urlencode

        q = urlencode([*raw, ("cursor", f"v1_{chunk[-1].id}")])
        headers["Link"] = f'<{req.base}{req.request.rel_url.raw_path}?{q}>; rel="next"'
    return Resp(200, [wh.delivery_item(d) for d in chunk], headers)


@ROUTES.op("apps/get-webhook-config-for-app")
async def get_hook_config(req: Req) -> Resp:
    """The App's webhook as GitHub has it on file: where deliveries go, the secret masked."""
    sb = req.sb
    d: dict[str, Any] = {"content_type": "json", "insecure_ssl": "0"}
    if sb.webhook_secret:
        d["secret"] = "********"
    if sb.webhook_url:
        d["url"] = sb.webhook_url
    return Resp(200, d)


@ROUTES.op("apps/get-webhook-delivery")
async def get_delivery(req: Req) -> Resp:
    d = next((d for d in req.sb._deliveries if d.id == req.params["delivery_id"]), None)
    if d is None:
        raise not_found(req.doc)
    return Resp(200, wh.delivery_detail(d))


@ROUTES.op("apps/redeliver-webhook-delivery")
async def redeliver(req: Req) -> Resp:
    d = next((d for d in req.sb._deliveries if d.id == req.params["delivery_id"]), None)
    if d is None:
        raise not_found(req.doc)
    req.sb.outbox.spawn(req.sb.outbox.redeliver(d.id))
    return Resp(202, {})
