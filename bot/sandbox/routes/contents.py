"""Handlers of the contents API and the git database (blobs, trees, commits, refs)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .. import webhooks as wh
from ..gitobj import MODE_FILE, MODE_TREE, Signature
from ..http import ApiError, Req, Resp, not_found, validation_failed
from ..state import User, node_id
from . import common

ROUTES = common.Table()

# --- contents --------------------------------------------------------------------------------------
@ROUTES.op("repos/get-content")
async def get_content(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
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
    if len(data) > MAX_BLOB:
        raise ApiError(403, "This API returns blobs up to 100 MB in size. The requested blob is too large to fetch "
                       "via the API, but you can use the Git Data API to request blobs up to 100 MB in size.",
                       errors=[{"resource": "Blob", "field": "data", "code": "too_large"}], doc=req.doc)
    if ".raw" in accept:
        return Resp(200, None, raw=data)
    d = sb.render.content_file(r, path, entry.sha, data, ref)
    if len(data) > MAX_CONTENT:
        # GitHub's description of repos/get-content: for a file of 1-100 MB "the `content` field will be an
        # empty string and the `encoding` field will be "none"" (also with the default media type:
        # githubocto/flat-viewer issue 41, gr2m/octokit-plugin-create-pull-request issue 139)
        d["content"] = ""
        d["encoding"] = "none"
    return Resp(200, d)


MAX_CONTENT = 1024 * 1024  # the contents API inlines files of 1 MB or less
MAX_BLOB = 100 * 1024 * 1024  # the contents and blobs APIs serve files up to 100 MB


@ROUTES.op("git/get-blob")
async def get_blob(req: Req) -> Resp:
    """A blob, base64 (or raw with ``application/vnd.github.raw+json``), "up to 100 megabytes in size"
    (GitHub's description of git/get-blob)."""
    r = common.repo(req)
    sha = req.params["file_sha"]
    data = r.objects.blobs.get(sha)
    if data is None:
        raise not_found(req.doc)
    if len(data) > MAX_BLOB:
        raise ApiError(403, "This API returns blobs up to 100 MB in size.",
                       errors=[{"resource": "Blob", "field": "data", "code": "too_large"}], doc=req.doc)
    if ".raw" in req.request.headers.get("Accept", ""):
        return Resp(200, None, raw=data)
    url = f"{req.sb.api_url}/repos/{r.full_name}/git/blobs/{sha}"
    b64 = base64.b64encode(data).decode("ascii")
    encoded = "".join(b64[i:i + 60] + "\n" for i in range(0, len(b64), 60))  # wrapped as the contents API's
    return Resp(200, {"sha": sha, "node_id": node_id("Blob", sha), "size": len(data), "url": url,
                      "content": encoded, "encoding": "base64"})


@ROUTES.op("repos/create-or-update-file-contents")
async def put_content(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    body = common.body(req)
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
    actor = common.actor(req)
    author_sig = _sig(body.get("author"), sb, actor)
    committer_sig = _sig(body.get("committer"), sb, actor) if body.get("committer") else author_sig
    new_sha, old = sb._commit(r, branch, {path: data}, body.get("message", ""), actor, author_sig=author_sig,
                              committer_sig=committer_sig)
    blob = r.objects.lookup_path(r.objects.commits[new_sha].tree, path)
    assert blob is not None
    content = sb.render.content_item(r, path, "file", blob.sha, len(data), branch)
    commit = sb.render.git_commit(r, r.objects.commits[new_sha])
    common.emit(req, *wh.push(sb, r, f"refs/heads/{branch}", old, new_sha, actor))
    return Resp(200 if existing is not None else 201, {"content": content, "commit": commit})


def _sig(d: Any, sb: Any, fallback: User) -> Signature:
    if isinstance(d, dict) and d.get("name") and d.get("email"):
        ts = common.parse_time(d.get("date")) or sb.clock()
        return Signature(d["name"], d["email"], int(ts))
    return sb._signature(fallback)


# --- git database -----------------------------------------------------------------------------------
@ROUTES.op("git/create-blob")
async def create_blob(req: Req) -> Resp:
    r = common.repo(req)
    body = common.body(req)
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


@ROUTES.op("git/create-tree")
async def create_tree(req: Req) -> Resp:
    r = common.repo(req)
    body = common.body(req)
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


@ROUTES.op("git/get-tree")
async def get_tree(req: Req) -> Resp:
    r = common.repo(req)
    key = req.params["tree_sha"]
    sha = key if key in r.objects.trees else None
    if sha is None:
        commit = r.resolve(key)
        if commit is not None:
            sha = r.objects.commits[commit].tree
    if sha is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.git_tree(r, sha, recursive=bool(req.q("recursive"))))


@ROUTES.op("git/create-commit")
async def create_commit(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    body = common.body(req)
    tree = body.get("tree")
    if tree not in r.objects.trees:
        raise ApiError(422, "Tree SHA does not exist", doc=req.doc)
    parents = body.get("parents") or []
    for p in parents:
        if p not in r.objects.commits:
            raise ApiError(422, "Parent SHA does not exist or is not a commit object", doc=req.doc)
    actor = common.actor(req)
    author = _sig(body.get("author"), sb, actor)
    committer = _sig(body.get("committer"), sb, actor) if body.get("committer") else author
    sha = r.objects.put_commit(tree, parents, author, committer, body.get("message", ""))
    d = sb.render.git_commit(r, r.objects.commits[sha])
    return Resp(201, d, {"Location": d["url"]})


@ROUTES.op("git/get-commit")
async def get_commit(req: Req) -> Resp:
    r = common.repo(req)
    c = r.objects.commits.get(req.params["commit_sha"])
    if c is None:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.git_commit(r, c))


@ROUTES.op("git/list-matching-refs")
async def matching_refs(req: Req) -> Resp:
    r = common.repo(req)
    prefix = "refs/" + req.params["ref"]
    refs = sorted(ref for ref in r.refs if ref.startswith(prefix))
    return Resp(200, [req.sb.render.git_ref(r, ref) for ref in refs])


@ROUTES.op("git/get-ref")
async def get_ref(req: Req) -> Resp:
    r = common.repo(req)
    ref = "refs/" + req.params["ref"]
    if ref not in r.refs:
        raise not_found(req.doc)
    return Resp(200, req.sb.render.git_ref(r, ref))


@ROUTES.op("git/create-ref")
async def create_ref(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    body = common.body(req)
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
        common.emit(req, *wh.push(sb, r, ref, None, sha, common.actor(req), created=True))
    d = sb.render.git_ref(r, ref)
    return Resp(201, d, {"Location": d["url"]})


@ROUTES.op("git/update-ref")
async def update_ref(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    body = common.body(req)
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
        common.emit(req, *wh.push(sb, r, ref, old, sha, common.actor(req), forced=not fast_forward))
    return Resp(200, sb.render.git_ref(r, ref))


@ROUTES.op("git/delete-ref")
async def delete_ref(req: Req) -> Resp:
    sb, r = req.sb, common.repo(req)
    ref = "refs/" + req.params["ref"]
    if ref not in r.refs:
        raise ApiError(422, "Reference does not exist", doc=req.doc)
    if ref == f"refs/heads/{r.default_branch}":
        raise ApiError(422, "Cannot delete the default branch", doc=req.doc)
    old = r.refs.pop(ref)
    if ref.startswith("refs/heads/"):
        common.emit(req, *wh.push(sb, r, ref, old, None, common.actor(req), deleted=True))
    return Resp(204)
