"""Small GitHub operations shared by handlers: read a file, find fundbot's own comment, upsert it.

These are the shell: thin wrappers over REST calls, no decisions. Decisions live in ``bot.core``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from typing import Any

import gidgethub

from bot.core import markdown, paths, permissions
from bot.github.client import status_of

log = logging.getLogger(__name__)


def repo_vars(repository: dict) -> dict[str, str]:
    owner, _, name = repository["full_name"].partition("/")
    return {"owner": owner, "repo": name}


async def read_file(gh: Any, repository: dict, path: str, *, ref: str | None = None) -> tuple[bytes, str] | None:
    """(content, blob sha) of a file on ``ref`` (default: the default branch), or None if it is missing.

    The path is checked and encoded segment by segment (``bot.core.paths``): a path the validator would
    refuse raises :class:`paths.UnsafePath` here, before any request."""
    url = "/repos/{owner}/{repo}/contents/{+path}"
    variables = {**repo_vars(repository), "path": paths.encode(path)}
    if ref:
        url += "{?ref}"
        variables["ref"] = ref
    try:
        data = await gh.getitem(url, variables)
    except gidgethub.BadRequest as exc:
        if status_of(exc) == 404:
            return None
        raise
    if not isinstance(data, dict) or data.get("type") != "file":
        return None  # a directory or a symlink/submodule: not a file we can read
    if too_large_to_inline(data):
        return await read_blob(gh, repository, data["sha"]), data["sha"]
    try:
        content = base64.b64decode(data.get("content") or "", validate=False)
    except (binascii.Error, ValueError):
        log.warning("undecodable content for %s", path)
        return None
    return content, data["sha"]


def too_large_to_inline(data: dict) -> bool:
    """Whether a contents-API answer left the file out: for a file of 1-100 MB GitHub answers ``content: ""``
    with ``encoding: "none"`` (its description of repos/get-content; githubocto/flat-viewer issue 41). Such a
    file is not empty: read it with :func:`read_blob`."""
    return data.get("encoding") == "none" or (not data.get("content") and bool(data.get("size")))


async def read_blob(gh: Any, repository: dict, sha: str) -> bytes:
    """A blob's bytes through the git database (``git/get-blob``: base64, "blobs up to 100 megabytes"). A blob
    never changes, so its conditional re-reads always hit the ETag cache."""
    data = await gh.getitem("/repos/{owner}/{repo}/git/blobs/{file_sha}", {**repo_vars(repository), "file_sha": sha})
    if not isinstance(data, dict) or data.get("encoding") != "base64":
        raise ValueError(f"blob {sha} came back as {type(data).__name__}, encoding {data.get('encoding')!r}"
                         if isinstance(data, dict) else f"blob {sha} came back as {type(data).__name__}")
    return base64.b64decode(data.get("content") or "")


async def collaborator_role(gh: Any, repository: dict, login: str) -> str:
    """``login``'s base role on the repository (``bot.core.permissions.ROLES``: admin, maintain, write, triage,
    read, none), from ``permission`` and the ``user.permissions`` flags, never from ``role_name`` alone (a
    custom role's name; see ``bot.core.permissions``). 403/404 (no such user, no access) read as ``none``."""
    url = "/repos/{owner}/{repo}/collaborators/{username}/permission"
    try:
        data = await gh.getitem(url, {**repo_vars(repository), "username": login})
    except gidgethub.BadRequest as exc:
        if status_of(exc) in (403, 404):
            return "none"
        raise
    return permissions.repository_role(data)


def is_own(comment: dict, bot_login: str | None) -> bool:
    user = comment.get("user") or {}
    if bot_login is not None:
        return user.get("login") == bot_login
    return user.get("type") == "Bot"


async def find_own_comment(gh: Any, repository: dict, number: int, marker_name: str, *, bot_login: str | None) -> dict | None:
    """The first comment on an issue written by fundbot that carries the marker ``marker_name``.

    A human can paste a marker into a comment; only comments by fundbot's own account count."""
    url = "/repos/{owner}/{repo}/issues/{issue_number}/comments{?per_page}"
    async for comment in gh.getiter(url, {**repo_vars(repository), "issue_number": number, "per_page": 100}):
        if is_own(comment, bot_login) and markdown.has_marker(comment.get("body"), marker_name):
            return comment
    return None


async def reply_once(gh: Any, repository: dict, number: int, body: str, *, to: int, what: str,
                     bot_login: str | None) -> dict | None:
    """Post a reply to comment ``to`` unless fundbot already did (a POST GitHub applied but answered 5xx
    is retried by the job): the reply's hidden marker says what it answers."""
    url = "/repos/{owner}/{repo}/issues/{issue_number}/comments{?per_page}"
    async for comment in gh.getiter(url, {**repo_vars(repository), "issue_number": number, "per_page": 100}):
        if not is_own(comment, bot_login):
            continue
        for name, _version, data in markdown.find_markers(comment.get("body")):
            if name == "reply" and isinstance(data, dict) and data.get("to") == to and data.get("for") == what:
                return None
    return await create_comment(gh, repository, number, body)


async def create_comment(gh: Any, repository: dict, number: int, body: str) -> dict:
    url = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
    return await gh.post(url, {**repo_vars(repository), "issue_number": number}, data={"body": body})


MAX_ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per check-run create/update request
MAX_OUTPUT = 65535  # output.summary/text: at most 65,535 characters and 65,535 bytes (UTF-8)
MAX_ANNOTATION_BYTES = 64 * 1024  # an annotation's message: "The maximum size is 64 KB"


def fit(text: str, limit: int = MAX_OUTPUT, *, tail: str = "") -> str:
    """``text`` + ``tail`` within ``limit`` UTF-8 bytes (and so characters); a cut says so."""
    whole = text + tail
    if len(whole.encode("utf-8", "surrogatepass")) <= limit:
        return whole
    note = "\n\n[... cut: longer than GitHub shows]"
    room = max(0, limit - len((note + tail).encode("utf-8", "surrogatepass")))
    head = text.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
    return head + note + tail


def _report_id(name: str, head_sha: str, conclusion: str, output: dict) -> str:
    """The run's external_id: a digest of what it reports, the same on every attempt of one job."""
    blob = json.dumps([name, head_sha, conclusion, output], sort_keys=True, ensure_ascii=True)
    return "fundbot:" + hashlib.sha256(blob.encode()).hexdigest()[:32]


def app_id_of(ctx: Any) -> str | None:
    """fundbot's App id (``settings.app_id``), to find its own check runs; None when unknown."""
    return getattr(getattr(ctx, "settings", None), "app_id", None)


async def find_check_run(gh: Any, repository: dict, *, name: str, head_sha: str,
                         app_id: str | int | None = None) -> dict | None:
    """fundbot's most recent check run ``name`` on ``head_sha`` (GitHub's ``filter=latest``: the newest run
    of each name per check suite), or None. One request: ``per_page=100`` holds every run of one name."""
    url = "/repos/{owner}/{repo}/commits/{ref}/check-runs{?check_name,filter,per_page,app_id}"
    variables: dict[str, Any] = {**repo_vars(repository), "ref": head_sha, "check_name": name, "filter": "latest",
                                 "per_page": 100}
    app_id = str(app_id) if app_id is not None and str(app_id).isdigit() else None
    if app_id:
        variables["app_id"] = int(app_id)
    data = await gh.getitem(url, variables)
    runs = [run for run in (data.get("check_runs") or [] if isinstance(data, dict) else [])
            if isinstance(run, dict) and run.get("name") == name and run.get("head_sha") == head_sha
            and (not app_id or str((run.get("app") or {}).get("id")) == str(app_id))]
    return max(runs, key=lambda run: run.get("id") or 0, default=None)


async def create_check_run(gh: Any, repository: dict, *, name: str, head_sha: str, conclusion: str, title: str,
                           summary: str, annotations: list[dict], app_id: str | int | None = None,
                           full_report: str | None = None, keep_existing: bool = False) -> dict:
    """A completed check run, in two requests at most: a lookup and one create.

    Cost: at most 50 annotations, GitHub's limit per request, errors first; the others are counted in the
    summary (with ``full_report``, the command that lists them all), never sent in further updates, so a
    config with hundreds of problems costs what a clean one does. Summary within GitHub's 65,535 bytes.

    Exactly once: the run's ``external_id`` is a digest of what it says. If fundbot's latest run of this name
    on this commit already says it (a create GitHub applied but answered 5xx, retried by the job), that run
    is returned and nothing is created. A different report is a new run, as a re-run is on GitHub: the
    latest one is what GitHub shows, and the earlier ones stay as history (updating one in place could not
    drop its annotations: GitHub appends them). ``keep_existing``: a latest run of this name on this commit
    with the same conclusion will do (a retry that can only say less than an earlier attempt did)."""
    variables = repo_vars(repository)
    ordered = sorted(annotations, key=lambda a: a.get("annotation_level") != "failure")  # stable: errors first
    sent = ordered[:MAX_ANNOTATIONS_PER_REQUEST]
    tail = ""
    if len(ordered) > len(sent):
        more = len(ordered) - len(sent)
        tail = (f"\n\n{more} more problem{'s' * (more != 1)} not annotated (fundbot annotates the first {len(sent)})"
                + (f"; run `{full_report}` for the full list." if full_report else "."))
    output = {"title": title[:255], "summary": fit(summary, tail=tail), "annotations": sent}
    external_id = _report_id(name, head_sha, conclusion, output)
    existing = await find_check_run(gh, repository, name=name, head_sha=head_sha, app_id=app_id)
    if existing is not None and (existing.get("external_id") == external_id
                                 or keep_existing and existing.get("conclusion") == conclusion):
        log.info("check run %s on %s already reported (%s)", name, head_sha[:7], existing.get("id"))
        return existing
    return await gh.post("/repos/{owner}/{repo}/check-runs", variables, data={
        "name": name, "head_sha": head_sha, "external_id": external_id, "status": "completed",
        "conclusion": conclusion, "output": output,
    })


def annotation(path: str, *, line: int, column: int, severity: str, message: str, title: str) -> dict:
    item = {
        "path": path,
        "start_line": max(1, line),
        "end_line": max(1, line),
        "annotation_level": "failure" if severity == "error" else "warning",
        "message": fit(message, MAX_ANNOTATION_BYTES),
        "title": title[:255],
    }
    if column > 0:
        item["start_column"] = item["end_column"] = column
    return item
