"""Handlers of the REST operations, keyed by GitHub's operationId."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from . import webhooks as wh
from .gitobj import MODE_FILE, MODE_TREE, Signature
from .http import ApiError, Req, Resp, not_found, validation_failed
from .state import CheckRun, Issue, IssueEvent, Label, Reaction, RepoState, User, iso

Handler = Callable[[Req], Awaitable[Resp]]
HANDLERS: dict[str, Handler] = {}
MAX_BODY = 65536


def op(operation_id: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        HANDLERS[operation_id] = fn
        return fn

    return deco


# --- helpers -----------------------------------------------------------------------------------------
def _repo(req: Req) -> RepoState:
    assert req.repo is not None
    return req.repo


def _actor(req: Req) -> User:
    return req.sb.bot_user if req.by_app else req.sb.app_owner


def _issue(req: Req, number: int) -> Issue:
    i = _repo(req).issues.get(number)
    if i is None:
        raise not_found(req.doc)
    return i


def _emit(req: Req, event: str, payload: dict | None) -> None:
    if payload is not None:
        req.sb._emit(event, payload)


def _body(req: Req) -> dict[str, Any]:
    return req.body if isinstance(req.body, dict) else {}


def _parse_time(value: Any) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _check_body_text(req: Req, text: Any, resource: str = "IssueComment") -> str:
    if not isinstance(text, str):
        raise validation_failed([{"resource": resource, "code": "missing_field", "field": "body"}], req.doc)
    if len(text) > MAX_BODY:
        raise validation_failed([{"resource": resource, "code": "custom", "field": "body",
                                  "message": f"body is too long (maximum is {MAX_BODY} characters)"}], req.doc)
    return text


def _label_names(body: Any) -> list[str]:
    """Label names from any of the request shapes GitHub accepts for issue labels."""
    items = body.get("labels", []) if isinstance(body, dict) else body if isinstance(body, list) else []
    out = []
    for x in items or []:
        name = x.get("name") if isinstance(x, dict) else x
        if isinstance(name, str) and name and name.lower() not in (n.lower() for n in out):
            out.append(name)
    return out


def _apply_labels(req: Req, issue: Issue, names: list[str], *, replace: bool) -> None:
    sb, r = req.sb, _repo(req)
    actor = _actor(req)
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
        sb._issue_event(r, issue, "unlabeled", actor, label=lb, via_app=req.by_app)
        _emit(req, *wh.issue_or_pull(sb, r, issue, "unlabeled", actor, label=lb))
    for lb in added:
        sb._issue_event(r, issue, "labeled", actor, label=lb, via_app=req.by_app)
        _emit(req, *wh.issue_or_pull(sb, r, issue, "labeled", actor, label=lb))
    if added or removed:
        issue.updated_at = sb.clock()


def _labels_of(req: Req, issue: Issue) -> Resp:
    r = _repo(req)
    return Resp(200, [req.sb.render.label(r, lb) for lb in issue.labels])


# --- apps ------------------------------------------------------------------------------------------
@op("apps/get-authenticated")
async def get_app(req: Req) -> Resp:
    return Resp(200, req.sb.render.app(rest=True))


@op("apps/create-from-manifest")
async def create_from_manifest(req: Req) -> Resp:
    sb = req.sb
    d = sb.render.app(rest=True)
    d.update({"client_id": f"Iv1.{sb.app_id:016x}", "client_secret": "sandbox-client-secret",
              "webhook_secret": sb.webhook_secret, "pem": sb.private_key_pem.decode()})
    return Resp(201, d)


@op("apps/list-installations")
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


@op("apps/get-installation")
async def get_installation(req: Req) -> Resp:
    inst = req.sb._installations.get(req.params["installation_id"])
    if inst is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.installation(inst))


@op("apps/create-installation-access-token")
async def create_token(req: Req) -> Resp:
    sb = req.sb
    inst = sb._installations.get(req.params["installation_id"])
    if inst is None:
        raise not_found(req.doc)
    if inst.suspended_at:
        raise ApiError(403, "This installation has been suspended", doc=req.doc)
    body = _body(req)
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


@op("apps/list-repos-accessible-to-installation")
async def list_installation_repos(req: Req) -> Resp:
    sb = req.sb
    tok = req.auth.token
    assert tok is not None
    inst = sb._installations[tok.installation_id]
    repos = [r for r in sb._installation_repos(inst) if tok.repo_ids is None or r.id in tok.repo_ids]
    chunk, headers = req.paginate([sb.render.repo(r) for r in repos])
    return Resp(200, {"total_count": len(repos), "repositories": chunk,
                      "repository_selection": inst.repository_selection}, headers)


@op("apps/get-repo-installation")
async def get_repo_installation(req: Req) -> Resp:
    inst = req.sb._installation_for_repo(_repo(req))
    if inst is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.installation(inst))


@op("apps/list-webhook-deliveries")
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


@op("apps/get-webhook-config-for-app")
async def get_hook_config(req: Req) -> Resp:
    """The App's webhook as GitHub has it on file: where deliveries go, the secret masked."""
    sb = req.sb
    d: dict[str, Any] = {"content_type": "json", "insecure_ssl": "0"}
    if sb.webhook_secret:
        d["secret"] = "********"
    if sb.webhook_url:
        d["url"] = sb.webhook_url
    return Resp(200, d)


@op("apps/get-webhook-delivery")
async def get_delivery(req: Req) -> Resp:
    d = next((d for d in req.sb._deliveries if d.id == req.params["delivery_id"]), None)
    if d is None:
        raise not_found(req.doc)
    return Resp(200, wh.delivery_detail(d))


@op("apps/redeliver-webhook-delivery")
async def redeliver(req: Req) -> Resp:
    d = next((d for d in req.sb._deliveries if d.id == req.params["delivery_id"]), None)
    if d is None:
        raise not_found(req.doc)
    req.sb._spawn(req.sb.redeliver(d.id))
    return Resp(202, {})


# --- misc --------------------------------------------------------------------------------------------
@op("rate-limit/get")
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


@op("users/get-by-username")
async def get_user(req: Req) -> Resp:
    u = req.sb._users.get(req.params["username"].lower())
    if u is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.public_user(u))


@op("repos/get")
async def get_repo(req: Req) -> Resp:
    return Resp(200, req.sb.render.repo(_repo(req), full=True))


@op("repos/get-branch")
async def get_branch(req: Req) -> Resp:
    r = _repo(req)
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


@op("repos/get-collaborator-permission-level")
async def collaborator_permission(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    u = sb._users.get(req.params["username"].lower())
    if u is None:
        raise ApiError(404, f"{req.params['username']} is not a user", doc=req.doc)
    if u is r.owner or (r.owner.type == "Organization" and r.collaborators.get(u.login) == "admin"):
        role = "admin"
    else:
        role = r.collaborators.get(u.login) or ("none" if r.private else "read")
    permission = {"maintain": "write", "triage": "read"}.get(role, role)
    rank = ["none", "read", "triage", "write", "maintain", "admin"].index(role)
    user = sb.render.user(u)
    user["permissions"] = {"admin": rank >= 5, "maintain": rank >= 4, "push": rank >= 3, "triage": rank >= 2,
                           "pull": rank >= 1}
    user["role_name"] = role
    return Resp(200, {"permission": permission, "role_name": role, "user": user})


# --- contents --------------------------------------------------------------------------------------
@op("repos/get-content")
async def get_content(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    ref = req.q("ref") or r.default_branch
    sha = r.resolve(ref)
    if sha is None:
        raise ApiError(404, f"No commit found for the ref {ref}", doc=req.doc)
    path = req.params["path"].strip("/")
    entry = r.objects.lookup_path(r.objects.commits[sha].tree, path)
    if entry is None:
        raise not_found(req.doc)
    accept = req.request.headers.get("Accept", "")
    if entry.type == "tree":
        items = []
        for e in r.objects.trees[entry.sha]:
            p = f"{path}/{e.name}" if path else e.name
            kind = {"tree": "dir", "commit": "submodule"}.get(e.type, "symlink" if e.mode == "120000" else "file")
            size = len(r.objects.blobs.get(e.sha, b"")) if e.type == "blob" else 0
            items.append(sb.render.content_item(r, p, kind, e.sha, size, ref))
        return Resp(200, items)
    data = r.objects.blobs.get(entry.sha, b"")
    if ".raw" in accept:
        return Resp(200, None, raw=data)
    d = sb.render.content_file(r, path, entry.sha, data, ref)
    if len(data) > 1024 * 1024:
        d["content"] = ""
        d["encoding"] = "none"
    return Resp(200, d)


@op("repos/create-or-update-file-contents")
async def put_content(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    body = _body(req)
    path = req.params["path"].strip("/")
    branch = body.get("branch") or r.default_branch
    branch = branch.removeprefix("refs/heads/")
    head = r.branch_sha(branch)
    if head is None:
        raise ApiError(404, f"Branch {branch} not found", doc=req.doc)
    try:
        data = base64.b64decode(body.get("content", ""), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "content is not valid Base64", doc=req.doc) from None
    tree = r.objects.commits[head].tree
    existing = r.objects.lookup_path(tree, path)
    if existing is not None and existing.type == "tree":
        raise ApiError(422, f"Invalid request.\n\n{path} is a directory.", doc=req.doc)
    given = body.get("sha")
    if existing is not None:
        if not given:
            raise ApiError(422, "Invalid request.\n\n\"sha\" wasn't supplied.", doc=req.doc)
        if given != existing.sha:
            raise ApiError(409, f"{path} does not match {given}", doc=req.doc)
    actor = _actor(req)
    author_sig = _sig(body.get("author"), sb, actor)
    committer_sig = _sig(body.get("committer"), sb, actor) if body.get("committer") else author_sig
    new_sha, old = sb._commit(r, branch, {path: data}, body.get("message", ""), actor, author_sig=author_sig,
                              committer_sig=committer_sig)
    blob = r.objects.lookup_path(r.objects.commits[new_sha].tree, path)
    assert blob is not None
    content = sb.render.content_item(r, path, "file", blob.sha, len(data), branch)
    commit = sb.render.git_commit(r, r.objects.commits[new_sha])
    _emit(req, *wh.push(sb, r, f"refs/heads/{branch}", old, new_sha, actor))
    return Resp(200 if existing is not None else 201, {"content": content, "commit": commit})


def _sig(d: Any, sb: Any, fallback: User) -> Signature:
    if isinstance(d, dict) and d.get("name") and d.get("email"):
        ts = _parse_time(d.get("date")) or sb.clock()
        return Signature(d["name"], d["email"], int(ts))
    return sb._signature(fallback)


# --- git database -----------------------------------------------------------------------------------
@op("git/create-blob")
async def create_blob(req: Req) -> Resp:
    r = _repo(req)
    body = _body(req)
    content = body.get("content", "")
    if body.get("encoding", "utf-8") == "base64":
        try:
            data = base64.b64decode(content)
        except (binascii.Error, ValueError):
            raise ApiError(422, "content is not valid Base64", doc=req.doc) from None
    else:
        data = content.encode()
    sha = r.objects.put_blob(data)
    url = f"{req.sb.api_url}/repos/{r.full_name}/git/blobs/{sha}"
    return Resp(201, {"url": url, "sha": sha}, {"Location": url})


@op("git/create-tree")
async def create_tree(req: Req) -> Resp:
    r = _repo(req)
    body = _body(req)
    files: dict[str, tuple[str, str]] = {}
    base = body.get("base_tree")
    if base:
        base_sha = base if base in r.objects.trees else None
        if base_sha is None and base in r.objects.commits:
            base_sha = r.objects.commits[base].tree
        if base_sha is None:
            raise ApiError(422, "Invalid request.\n\nbase_tree is not a valid tree oid", doc=req.doc)
        files = r.objects.flatten(base_sha)
    for entry in body.get("tree", []):
        path = str(entry.get("path", "")).strip("/")
        mode = entry.get("mode", MODE_FILE)
        if not path:
            raise validation_failed([{"resource": "Tree", "field": "path", "code": "missing_field"}], req.doc)
        # drop what was at (or below) this path
        for p in [p for p in files if p == path or p.startswith(path + "/")]:
            del files[p]
        if "content" in entry and entry["content"] is not None:
            files[path] = (mode if mode != MODE_TREE else MODE_FILE, r.objects.put_blob(entry["content"].encode()))
            continue
        sha = entry.get("sha")
        if sha is None:
            continue  # deletion
        if mode == MODE_TREE or entry.get("type") == "tree":
            if sha not in r.objects.trees:
                raise ApiError(422, f"Invalid request.\n\n{sha} is not a valid tree oid", doc=req.doc)
            for sub, value in r.objects.flatten(sha).items():
                files[f"{path}/{sub}"] = value
        elif mode == "160000":
            files[path] = (mode, sha)
        else:
            if sha not in r.objects.blobs:
                raise ApiError(422, "Invalid request.\n\nGitHub could not find the blob "
                                    f"{sha} in this repository", doc=req.doc)
            files[path] = (mode, sha)
    try:
        tree_sha = r.objects.build_tree(files)
    except ValueError as e:
        raise ApiError(422, f"Invalid request.\n\n{e}", doc=req.doc) from None
    d = req.sb.render.git_tree(r, tree_sha)
    return Resp(201, d, {"Location": d["url"]})


@op("git/get-tree")
async def get_tree(req: Req) -> Resp:
    r = _repo(req)
    key = req.params["tree_sha"]
    sha = key if key in r.objects.trees else None
    if sha is None:
        commit = r.resolve(key)
        if commit is not None:
            sha = r.objects.commits[commit].tree
    if sha is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.git_tree(r, sha, recursive=bool(req.q("recursive"))))


@op("git/create-commit")
async def create_commit(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    body = _body(req)
    tree = body.get("tree")
    if tree not in r.objects.trees:
        raise ApiError(422, "Tree SHA does not exist", doc=req.doc)
    parents = body.get("parents") or []
    for p in parents:
        if p not in r.objects.commits:
            raise ApiError(422, "Parent SHA does not exist or is not a commit object", doc=req.doc)
    actor = _actor(req)
    author = _sig(body.get("author"), sb, actor)
    committer = _sig(body.get("committer"), sb, actor) if body.get("committer") else author
    sha = r.objects.put_commit(tree, parents, author, committer, body.get("message", ""))
    d = sb.render.git_commit(r, r.objects.commits[sha])
    return Resp(201, d, {"Location": d["url"]})


@op("git/get-commit")
async def get_commit(req: Req) -> Resp:
    r = _repo(req)
    c = r.objects.commits.get(req.params["commit_sha"])
    if c is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.git_commit(r, c))


@op("git/list-matching-refs")
async def matching_refs(req: Req) -> Resp:
    r = _repo(req)
    prefix = "refs/" + req.params["ref"]
    refs = sorted(ref for ref in r.refs if ref.startswith(prefix))
    return Resp(200, [req.sb.render.git_ref(r, ref) for ref in refs])


@op("git/get-ref")
async def get_ref(req: Req) -> Resp:
    r = _repo(req)
    ref = "refs/" + req.params["ref"]
    if ref not in r.refs:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.git_ref(r, ref))


@op("git/create-ref")
async def create_ref(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    body = _body(req)
    ref, sha = body.get("ref", ""), body.get("sha", "")
    if not ref.startswith("refs/") or ref.count("/") < 2 or ref.endswith("/") or ".." in ref:
        raise ApiError(422, "Reference name is invalid" if ref.startswith("refs/")
                       else "ref must be fully qualified, e.g. refs/heads/main", doc=req.doc)
    if ref in r.refs:
        raise ApiError(422, "Reference already exists", doc=req.doc)
    if r.objects.kind(sha) is None:
        raise ApiError(422, "Object does not exist", doc=req.doc)
    r.refs[ref] = sha
    if ref.startswith("refs/heads/"):
        _emit(req, *wh.push(sb, r, ref, None, sha, _actor(req), created=True))
    d = sb.render.git_ref(r, ref)
    return Resp(201, d, {"Location": d["url"]})


@op("git/update-ref")
async def update_ref(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    body = _body(req)
    ref = "refs/" + req.params["ref"]
    if ref not in r.refs:
        raise ApiError(422, "Reference does not exist", doc=req.doc)
    sha = body.get("sha", "")
    if r.objects.kind(sha) is None:
        raise ApiError(422, "Object does not exist", doc=req.doc)
    old = r.refs[ref]
    fast_forward = old in sb._ancestors(r, sha)
    if not fast_forward and not body.get("force"):
        raise ApiError(422, "Update is not a fast forward", doc=req.doc)
    r.refs[ref] = sha
    r.pushed_at = sb.clock()
    if ref.startswith("refs/heads/") and old != sha:
        _emit(req, *wh.push(sb, r, ref, old, sha, _actor(req), forced=not fast_forward))
    return Resp(200, sb.render.git_ref(r, ref))


@op("git/delete-ref")
async def delete_ref(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    ref = "refs/" + req.params["ref"]
    if ref not in r.refs:
        raise ApiError(422, "Reference does not exist", doc=req.doc)
    if ref == f"refs/heads/{r.default_branch}":
        raise ApiError(422, "Cannot delete the default branch", doc=req.doc)
    old = r.refs.pop(ref)
    if ref.startswith("refs/heads/"):
        _emit(req, *wh.push(sb, r, ref, old, None, _actor(req), deleted=True))
    return Resp(204)


# --- issues -----------------------------------------------------------------------------------------
@op("issues/list-for-repo")
async def list_issues(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
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
    since = _parse_time(req.q("since"))
    if since is not None:
        items = [i for i in items if i.updated_at >= since]
    sort = req.q("sort", "created")
    keyf = {"created": lambda i: (i.created_at, i.number), "updated": lambda i: (i.updated_at, i.number),
            "comments": lambda i: (len(r.comments_on(i.number)), i.number)}[sort]
    items.sort(key=keyf, reverse=req.q("direction", "desc") == "desc")
    chunk, headers = req.paginate(items)
    return Resp(200, [sb.render.issue(r, i) for i in chunk], headers)


@op("issues/get")
async def get_issue(req: Req) -> Resp:
    return Resp(200, req.sb.render.issue(_repo(req), _issue(req, req.params["issue_number"])))


@op("issues/update")
async def update_issue(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    issue = _issue(req, req.params["issue_number"])
    body = _body(req)
    actor = _actor(req)
    changes: dict[str, Any] = {}
    if "title" in body and body["title"] is not None and body["title"] != issue.title:
        changes["title"] = {"from": issue.title}
        issue.title = str(body["title"])
    if "body" in body and body["body"] != issue.body:
        if body["body"] is not None:
            _check_body_text(req, body["body"], "Issue")
        changes["body"] = {"from": issue.body or ""}
        issue.body = body["body"]
    if "assignees" in body or "assignee" in body:
        logins = body.get("assignees") or ([body["assignee"]] if body.get("assignee") else [])
        issue.assignees = [sb._ensure_user(x) for x in logins]
    if changes:
        issue.updated_at = sb.clock()
        _emit(req, *wh.issue_or_pull(sb, r, issue, "edited", actor, changes=changes))
    if "labels" in body and body["labels"] is not None:
        _apply_labels(req, issue, _label_names(body["labels"]), replace=True)
    state = body.get("state")
    if state == "closed" and issue.state != "closed":
        sb._close_issue(r, issue, actor, body.get("state_reason") or "completed", via_app=req.by_app)
        _emit(req, *wh.issue_or_pull(sb, r, issue, "closed", actor))
    elif state == "open" and issue.state != "open" and not (issue.pull and issue.pull.merged):
        sb._reopen_issue(r, issue, actor, via_app=req.by_app)
        _emit(req, *wh.issue_or_pull(sb, r, issue, "reopened", actor))
    elif state == "closed" and body.get("state_reason") and body["state_reason"] != issue.state_reason:
        issue.state_reason = body["state_reason"]
    return Resp(200, sb.render.issue(r, issue))


@op("issues/list-comments")
async def list_comments(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    issue = _issue(req, req.params["issue_number"])
    comments = r.comments_on(issue.number)
    since = _parse_time(req.q("since"))
    if since is not None:
        comments = [c for c in comments if c.updated_at >= since]
    chunk, headers = req.paginate(comments)
    return Resp(200, [sb.render.comment(r, c) for c in chunk], headers)


@op("issues/create-comment")
async def create_comment(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    issue = _issue(req, req.params["issue_number"])
    text = _check_body_text(req, _body(req).get("body"))
    if issue.locked and not req.by_app:
        raise ApiError(403, "Unable to create comment because issue is locked.", doc=req.doc)
    actor = _actor(req)
    c = sb._new_comment(r, issue.number, actor, text, via_app=req.by_app)
    _emit(req, *wh.issue_comment(sb, r, issue, c, "created", actor))
    return Resp(201, sb.render.comment(r, c), {"Location": f"{sb.api_url}/repos/{r.full_name}/issues/comments/{c.id}"})


def _comment(req: Req) -> Any:
    c = _repo(req).comments.get(req.params["comment_id"])
    if c is None:
        raise not_found(req.doc)
    return c


@op("issues/get-comment")
async def get_comment(req: Req) -> Resp:
    return Resp(200, req.sb.render.comment(_repo(req), _comment(req)))


@op("issues/update-comment")
async def update_comment(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    c = _comment(req)
    text = _check_body_text(req, _body(req).get("body"))
    old = c.body
    c.body = text
    c.updated_at = sb.clock()
    issue = r.issues.get(c.issue_number)
    if issue is not None and old != text:
        _emit(req, *wh.issue_comment(sb, r, issue, c, "edited", _actor(req), changes={"body": {"from": old}}))
    return Resp(200, sb.render.comment(r, c))


@op("issues/delete-comment")
async def delete_comment(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    c = _comment(req)
    del r.comments[c.id]
    issue = r.issues.get(c.issue_number)
    if issue is not None:
        _emit(req, *wh.issue_comment(sb, r, issue, c, "deleted", _actor(req)))
    return Resp(204)


def _reactions(req: Req, reactions: list[Reaction]) -> Resp:
    items = reactions
    if req.q("content"):
        items = [x for x in items if x.content == req.q("content")]
    chunk, headers = req.paginate(items)
    return Resp(200, [req.sb.render.reaction(x) for x in chunk], headers)


def _react(req: Req, reactions: list[Reaction]) -> Resp:
    sb = req.sb
    content = _body(req).get("content")
    actor = _actor(req)
    for x in reactions:
        if x.user is actor and x.content == content:
            return Resp(200, sb.render.reaction(x))
    x = Reaction(id=sb._new_id("reaction"), user=actor, content=str(content), created_at=sb.clock())
    reactions.append(x)
    return Resp(201, sb.render.reaction(x))


@op("reactions/list-for-issue-comment")
async def list_comment_reactions(req: Req) -> Resp:
    return _reactions(req, _comment(req).reactions)


@op("reactions/create-for-issue-comment")
async def create_comment_reaction(req: Req) -> Resp:
    return _react(req, _comment(req).reactions)


@op("reactions/create-for-issue")
async def create_issue_reaction(req: Req) -> Resp:
    return _react(req, _issue(req, req.params["issue_number"]).reactions)


@op("issues/list-events")
async def list_events(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    issue = _issue(req, req.params["issue_number"])
    events = [e for e in issue.events if e.event != "cross-referenced"]
    chunk, headers = req.paginate(events)
    return Resp(200, [sb.render.issue_event(r, issue, e) for e in chunk], headers)


@op("issues/list-events-for-timeline")
async def list_timeline(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    issue = _issue(req, req.params["issue_number"])
    # chronological; within one second in the order things happened (comment and event ids are separate
    # sequences, so they cannot order a comment against an event)
    items: list[tuple[float, int, dict]] = [(e.created_at, e.order, sb.render.timeline_item(r, issue, e))
                                            for e in issue.events]
    items += [(c.created_at, c.order, sb.render.timeline_comment(r, c)) for c in r.comments_on(issue.number)]
    items.sort(key=lambda t: (t[0], t[1]))
    chunk, headers = req.paginate([t[2] for t in items])
    return Resp(200, chunk, headers)


@op("issues/list-labels-on-issue")
async def list_issue_labels(req: Req) -> Resp:
    issue = _issue(req, req.params["issue_number"])
    chunk, headers = req.paginate(issue.labels)
    return Resp(200, [req.sb.render.label(_repo(req), lb) for lb in chunk], headers)


@op("issues/add-labels")
async def add_labels(req: Req) -> Resp:
    issue = _issue(req, req.params["issue_number"])
    _apply_labels(req, issue, _label_names(req.body), replace=False)
    return _labels_of(req, issue)


@op("issues/set-labels")
async def set_labels(req: Req) -> Resp:
    issue = _issue(req, req.params["issue_number"])
    _apply_labels(req, issue, _label_names(req.body), replace=True)
    return _labels_of(req, issue)


@op("issues/remove-label")
async def remove_label(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    issue = _issue(req, req.params["issue_number"])
    name = req.params["name"].lower()
    lb = next((x for x in issue.labels if x.name.lower() == name), None)
    if lb is None:
        raise ApiError(404, "Label does not exist", doc=req.doc)
    issue.labels.remove(lb)
    issue.updated_at = sb.clock()
    actor = _actor(req)
    sb._issue_event(r, issue, "unlabeled", actor, label=lb, via_app=req.by_app)
    _emit(req, *wh.issue_or_pull(sb, r, issue, "unlabeled", actor, label=lb))
    return _labels_of(req, issue)


# --- labels -------------------------------------------------------------------------------------------
_COLOR = re.compile(r"[0-9a-fA-F]{6}")


def _label(req: Req) -> Label:
    lb = _repo(req).label(req.params["name"])
    if lb is None:
        raise not_found(req.doc)
    return lb


@op("issues/list-labels-for-repo")
async def list_labels(req: Req) -> Resp:
    r = _repo(req)
    chunk, headers = req.paginate(sorted(r.labels.values(), key=lambda lb: lb.id))
    return Resp(200, [req.sb.render.label(r, lb) for lb in chunk], headers)


@op("issues/create-label")
async def create_label(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    body = _body(req)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise validation_failed([{"resource": "Label", "code": "missing_field", "field": "name"}], req.doc)
    color = str(body.get("color") or "ededed").lstrip("#")
    if not _COLOR.fullmatch(color):
        raise validation_failed([{"resource": "Label", "code": "invalid", "field": "color"}], req.doc)
    if r.label(name) is not None:
        raise validation_failed([{"resource": "Label", "code": "already_exists", "field": "name"}], req.doc)
    lb = sb._ensure_label(r, name, color=color, description=body.get("description"))
    _emit(req, *wh.label_event(sb, r, lb, "created", _actor(req)))
    return Resp(201, sb.render.label(r, lb),
                {"Location": f"{sb.api_url}/repos/{r.full_name}/labels/{lb.name}"})


@op("issues/get-label")
async def get_label(req: Req) -> Resp:
    return Resp(200, req.sb.render.label(_repo(req), _label(req)))


@op("issues/update-label")
async def update_label(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    lb = _label(req)
    body = _body(req)
    changes: dict[str, Any] = {}
    new_name = body.get("new_name")
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
        _emit(req, *wh.label_event(sb, r, lb, "edited", _actor(req), changes=changes))
    return Resp(200, sb.render.label(r, lb))


@op("issues/delete-label")
async def delete_label(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    lb = _label(req)
    del r.labels[lb.name.lower()]
    for issue in r.issues.values():
        if lb in issue.labels:
            issue.labels.remove(lb)
    _emit(req, *wh.label_event(sb, r, lb, "deleted", _actor(req)))
    return Resp(204)


# --- pulls -------------------------------------------------------------------------------------------
def _pull(req: Req) -> Issue:
    i = _repo(req).issues.get(req.params["pull_number"])
    if i is None or i.pull is None:
        raise not_found(req.doc)
    return i


@op("pulls/list")
async def list_pulls(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
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


@op("pulls/create")
async def create_pull(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    body = _body(req)
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
        _check_body_text(req, body.get("body"), "PullRequest")
    actor = _actor(req)
    issue = sb._new_pull(r, actor, title, body.get("body"), head_ref, base_ref, draft=bool(body.get("draft")),
                         maintainer_can_modify=bool(body.get("maintainer_can_modify")), via_app=req.by_app)
    _emit(req, *wh.pull_request(sb, r, issue, "opened", actor))
    return Resp(201, sb.render.pull(r, issue),
                {"Location": f"{sb.api_url}/repos/{r.full_name}/pulls/{issue.number}"})


@op("pulls/get")
async def get_pull(req: Req) -> Resp:
    return Resp(200, req.sb.render.pull(_repo(req), _pull(req)))


@op("pulls/update")
async def update_pull(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    issue = _pull(req)
    assert issue.pull is not None
    body = _body(req)
    actor = _actor(req)
    changes: dict[str, Any] = {}
    if body.get("title") and body["title"] != issue.title:
        changes["title"] = {"from": issue.title}
        issue.title = body["title"]
    if "body" in body and body["body"] != issue.body:
        if body["body"] is not None:
            _check_body_text(req, body["body"], "PullRequest")
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
        _emit(req, *wh.pull_request(sb, r, issue, "edited", actor, changes=changes))
    state = body.get("state")
    if state == "closed" and issue.state == "open":
        sb._close_issue(r, issue, actor, None, via_app=req.by_app)
        _emit(req, *wh.pull_request(sb, r, issue, "closed", actor))
    elif state == "open" and issue.state == "closed" and not issue.pull.merged:
        sb._reopen_issue(r, issue, actor, via_app=req.by_app)
        _emit(req, *wh.pull_request(sb, r, issue, "reopened", actor))
    return Resp(200, sb.render.pull(r, issue))


# --- releases ----------------------------------------------------------------------------------------
def _release_order(r: RepoState) -> list:
    return sorted(r.releases.values(), key=lambda rel: (rel.created_at, rel.id), reverse=True)


@op("repos/list-releases")
async def list_releases(req: Req) -> Resp:
    r = _repo(req)
    chunk, headers = req.paginate(_release_order(r))
    return Resp(200, [req.sb.render.release(r, rel) for rel in chunk], headers)


@op("repos/get-latest-release")
async def latest_release(req: Req) -> Resp:
    r = _repo(req)
    rel = next((x for x in _release_order(r) if not x.draft and not x.prerelease), None)
    if rel is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.release(r, rel))


@op("repos/get-release-by-tag")
async def release_by_tag(req: Req) -> Resp:
    r = _repo(req)
    rel = next((x for x in _release_order(r) if x.tag_name == req.params["tag"] and not x.draft), None)
    if rel is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.release(r, rel))


@op("repos/get-release")
async def get_release(req: Req) -> Resp:
    r = _repo(req)
    rel = r.releases.get(req.params["release_id"])
    if rel is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.release(r, rel))


@op("repos/update-release")
async def update_release(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    rel = r.releases.get(req.params["release_id"])
    if rel is None:
        raise not_found(req.doc)
    body = _body(req)
    actor = _actor(req)
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
        _emit(req, *wh.release(sb, r, rel, "edited", actor, changes=changes))
    if publish:
        rel.published_at = sb.clock()
        sb._ensure_tag(r, rel)
        _emit(req, *wh.release(sb, r, rel, "published", actor))
    return Resp(200, sb.render.release(r, rel))


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
        cr.started_at = _parse_time(body["started_at"])
    if body.get("status"):
        cr.status = body["status"]
    if body.get("conclusion"):
        cr.conclusion = body["conclusion"]
        cr.status = "completed"
    if cr.status == "completed":
        if cr.conclusion is None:
            raise validation_failed([{"resource": "CheckRun", "code": "missing_field", "field": "conclusion"}],
                                    req.doc)
        cr.completed_at = _parse_time(body.get("completed_at")) or cr.completed_at or sb.clock()
    if isinstance(output, dict):
        for key in ("title", "summary", "text"):
            if key in output:
                cr.output[key] = output[key]
        r = _repo(req)
        for a in output.get("annotations") or []:
            item = dict(a)
            item.setdefault("blob_href", f"https://github.com/{r.full_name}/blob/{cr.head_sha}/{a.get('path', '')}")
            cr.annotations.append(item)


@op("checks/create")
async def create_check(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    body = _body(req)
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


@op("checks/update")
async def update_check(req: Req) -> Resp:
    sb, r = req.sb, _repo(req)
    cr = r.check_runs.get(req.params["check_run_id"])
    if cr is None:
        raise not_found(req.doc)
    _apply_check(req, cr, _body(req))
    return Resp(200, sb.render.check_run(r, cr))


def _commit_of_ref(r: RepoState, ref: str) -> str | None:
    """A commit SHA, a branch (``main`` or ``heads/main``) or a tag (``tags/v1``)."""
    if ref.startswith(("heads/", "tags/")):
        return r.refs.get(f"refs/{ref}")
    return r.resolve(ref)


@op("checks/list-for-ref")
async def list_checks_for_ref(req: Req) -> Resp:
    """``GET /repos/{owner}/{repo}/commits/{ref}/check-runs``: newest first; ``filter=latest`` (the default)
    keeps the most recent run of each name in each check suite, ``all`` every run; ``total_count`` counts
    every match, ``per_page``/``page`` and ``Link`` page them."""
    sb, r = req.sb, _repo(req)
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


__all__ = ["HANDLERS", "IssueEvent"]
