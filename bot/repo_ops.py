"""Small GitHub operations shared by handlers: read a file, find fundbot's own comment, upsert it.

These are the shell: thin wrappers over REST calls, no decisions. Decisions live in ``bot.core``.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

import gidgethub

from bot.core import markdown

log = logging.getLogger(__name__)


def repo_vars(repository: dict) -> dict[str, str]:
    owner, _, name = repository["full_name"].partition("/")
    return {"owner": owner, "repo": name}


async def read_file(gh: Any, repository: dict, path: str, *, ref: str | None = None) -> tuple[bytes, str] | None:
    """(content, blob sha) of a file on ``ref`` (default: the default branch), or None if it is missing."""
    url = "/repos/{owner}/{repo}/contents/{+path}"
    variables = {**repo_vars(repository), "path": path}
    if ref:
        url += "{?ref}"
        variables["ref"] = ref
    try:
        data = await gh.getitem(url, variables)
    except gidgethub.BadRequest as exc:
        if int(exc.status_code) == 404:
            return None
        raise
    if not isinstance(data, dict) or data.get("type") != "file":
        return None  # a directory or a symlink/submodule: not a file we can read
    try:
        content = base64.b64decode(data.get("content") or "", validate=False)
    except (binascii.Error, ValueError):
        log.warning("undecodable content for %s", path)
        return None
    return content, data["sha"]


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


MAX_ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per check-run create/update call


async def create_check_run(gh: Any, repository: dict, *, name: str, head_sha: str, conclusion: str, title: str,
                           summary: str, annotations: list[dict]) -> dict:
    """A completed check run; more than 50 annotations are sent in further updates, as GitHub requires."""
    variables = repo_vars(repository)
    first, rest = annotations[:MAX_ANNOTATIONS_PER_REQUEST], annotations[MAX_ANNOTATIONS_PER_REQUEST:]
    output = {"title": title[:255], "summary": summary[:65000], "annotations": first}
    run = await gh.post("/repos/{owner}/{repo}/check-runs", variables, data={
        "name": name, "head_sha": head_sha, "status": "completed", "conclusion": conclusion, "output": output,
    })
    for i in range(0, len(rest), MAX_ANNOTATIONS_PER_REQUEST):
        batch = {**output, "annotations": rest[i : i + MAX_ANNOTATIONS_PER_REQUEST]}
        await gh.patch("/repos/{owner}/{repo}/check-runs/{check_run_id}", {**variables, "check_run_id": run["id"]},
                       data={"output": batch})
    return run


def annotation(path: str, *, line: int, column: int, severity: str, message: str, title: str) -> dict:
    item = {
        "path": path,
        "start_line": max(1, line),
        "end_line": max(1, line),
        "annotation_level": "failure" if severity == "error" else "warning",
        "message": message[:64000],
        "title": title[:255],
    }
    if column > 0:
        item["start_column"] = item["end_column"] = column
    return item
