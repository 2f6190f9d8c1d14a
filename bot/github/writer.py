"""Write generated files to a repository: one direct commit, or one rolling pull request.

The shell under the FUNDING.yml sync and the README sponsor section (SPEC section 6). Callers describe
*what* each path should contain as a pure ``render(current) -> desired`` function; this module reads the
default branch head, renders, and writes only what really changes:

* **Nothing to change** -> ``unchanged``, and not a single mutating request (no blob, commit, branch or PR).
* **commit** mode: one commit with every changed file on top of the head that was read (git data API:
  blobs, a tree on ``base_tree``, a commit), then ``PATCH git/refs/heads/<default>`` with ``force: false``.
  If the head moved meanwhile (422 "Update is not a fast forward", 409) the head is read again and every
  ``render`` runs again on the new content, so a concurrent human change is kept; at most
  ``MAX_ATTEMPTS`` attempts, then :class:`WriteConflict`. If GitHub refuses the update because the branch
  is protected (or a ruleset forbids direct pushes), the same commit goes through the rolling pull request
  instead and ``WriteResult.fell_back`` says why.
* **pull_request** mode: the branch ``fundbot/update`` is rebuilt from the default head every time (one
  commit on top of it, then the ref is created or force-moved), so the PR never conflicts; the open PR
  from that branch gets the new title/body, or is created. If the branch already holds exactly the
  desired tree on top of the current head, nothing is pushed (no force-push churn).

Every step is idempotent under retries: an existing ref is force-moved, a PR that "already exists" is
found and updated, and a branch pushed by an earlier, interrupted run is reused when it already holds the
right tree. Server errors (5xx) and rate limits propagate: the job layer retries the whole write.

Pure parts (diffing, git ids, tree entries) are in :mod:`bot.core.filediff`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import logging
from collections.abc import Callable
from typing import Any, Literal

import gidgethub

from bot.core import filediff, paths
from bot.github import repo_ops
from bot.github.client import status_of

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
DEFAULT_BRANCH = "fundbot/update"

# Substrings (lower case) of the messages GitHub answers when a protected branch or a ruleset refuses a
# direct update of a ref: classic protection ("Changes must be made through a pull request.", "Required
# status check "ci" is expected.", "2 of 2 required status checks are expected.", "At least 1 approving
# review is required ...", "Protected branch update failed for refs/heads/main."), rulesets
# ("Repository rule violations found\n\nChanges must be made through a pull request."), push restrictions
# and a missing permission for this ref ("Resource not accessible by integration", 403).
PROTECTION_PHRASES = (
    "protected branch",
    "changes must be made through a pull request",
    "required status check",
    "status checks are expected",
    "approving review",
    "review is required",
    "repository rule violation",
    "rule violations found",
    "not authorized to push",
    "cannot update this protected ref",
    "resource not accessible by integration",
)


class WriteError(Exception):
    """The files could not be written (a clear, final reason)."""


class WriteConflict(WriteError):
    """The default branch kept moving between our read and our write."""


@dataclasses.dataclass(frozen=True)
class FileChange:
    """One path and how to compute its desired content from its current content.

    ``render(current)`` gets the bytes on the default branch head (None if the file is missing) and returns
    the desired bytes, or None to leave the path alone (never create or delete it). It must be pure: it is
    called again on the new content whenever the head moves under a write."""

    path: str
    render: Callable[[bytes | None], bytes | None]


@dataclasses.dataclass
class WriteResult:
    mode: Literal["unchanged", "commit", "pull_request"]
    commit_sha: str | None  # the new default head (commit) or the branch head (pull_request / unchanged PR)
    pull_request: dict | None  # {"number", "html_url"} of the rolling PR
    changed_paths: list[str]
    fell_back: str | None  # why a direct commit became a PR
    attempts: int
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)  # path -> why it was not written


@dataclasses.dataclass
class _Snapshot:
    """The default branch head as read, and what rendering it produced."""

    head: str  # commit sha
    tree: str  # its root tree sha
    flat: dict[str, tuple[str, str]] | None  # leaf entries; None when GitHub truncated the listing
    changes: dict[str, bytes]  # path -> new content, only real changes
    skipped: dict[str, str]

    @property
    def expected_tree(self) -> str | None:
        """The root tree the write produces, computed locally (None if the listing was truncated)."""
        if self.flat is None:
            return None
        return filediff.tree_sha(filediff.apply_changes(self.flat, self.changes))


def _vars(repository: dict, **extra: Any) -> dict[str, Any]:
    owner, _, name = repository["full_name"].partition("/")
    return {"owner": owner, "repo": name, **extra}


def _message(exc: BaseException) -> str:
    return " ".join(str(a) for a in exc.args if isinstance(a, str)) or str(exc)


# --- reading ------------------------------------------------------------------------------------------

async def _get_ref(gh: Any, repository: dict, ref: str) -> str | None:
    """The sha a ref (``heads/main``) points at, or None if it does not exist."""
    try:
        data = await gh.getitem("/repos/{owner}/{repo}/git/ref/{+ref}", _vars(repository, ref=ref))
    except gidgethub.BadRequest as exc:
        if status_of(exc) == 404:
            return None
        raise
    return data["object"]["sha"]


async def _get_commit(gh: Any, repository: dict, sha: str) -> dict:
    return await gh.getitem("/repos/{owner}/{repo}/git/commits/{commit_sha}", _vars(repository, commit_sha=sha))


async def _read_content(gh: Any, repository: dict, path: str, ref: str) -> tuple[str, bytes | None]:
    """("file", bytes) | ("missing", None) | ("other", None) for a path at a commit (contents API)."""
    try:
        data = await gh.getitem("/repos/{owner}/{repo}/contents/{+path}{?ref}",
                                _vars(repository, path=paths.encode(path), ref=ref))  # refuses unsafe paths
    except gidgethub.BadRequest as exc:
        if status_of(exc) == 404:
            return "missing", None
        raise
    if not isinstance(data, dict) or data.get("type") != "file":
        return "other", None
    try:
        if repo_ops.too_large_to_inline(data):  # over 1 MB: the contents API leaves the content out
            return "file", await repo_ops.read_blob(gh, repository, data["sha"])
        return "file", base64.b64decode(data.get("content") or "")
    except (binascii.Error, ValueError) as exc:
        raise WriteError(f"undecodable content for {path}") from exc


async def _read_snapshot(gh: Any, repository: dict, default: str, changes: list[FileChange]) -> _Snapshot:
    head = await _get_ref(gh, repository, f"heads/{default}")
    if head is None:
        raise WriteError(f"{repository['full_name']} has no branch {default!r} (empty repository?)")
    commit = await _get_commit(gh, repository, head)
    tree = commit["tree"]["sha"]
    listing = await gh.getitem("/repos/{owner}/{repo}/git/trees/{tree_sha}{?recursive}",
                               _vars(repository, tree_sha=tree, recursive="1"))
    flat = None if listing.get("truncated") else filediff.flat_from_listing(listing.get("tree") or [])
    current: dict[str, bytes | None] = {}
    desired: dict[str, bytes | None] = {}
    skipped: dict[str, str] = {}
    for change in changes:
        path = filediff.normalize_path(change.path)
        reason = filediff.conflicting_path(flat, path) if flat is not None else None
        if reason is None:
            if flat is not None and path not in flat:
                kind, content = "missing", None
            else:
                kind, content = await _read_content(gh, repository, path, head)
            if kind == "other":
                reason = f"{path} is not a regular file"
        if reason is not None:
            log.warning("%s: not writing %s: %s", repository["full_name"], path, reason)
            skipped[path] = reason
            continue
        want = change.render(content)
        if want is not None and not isinstance(want, bytes | bytearray):
            raise TypeError(f"render for {path} returned {type(want).__name__}, not bytes or None")
        current[path] = content
        desired[path] = bytes(want) if want is not None else None
    return _Snapshot(head=head, tree=tree, flat=flat, changes=filediff.changed_paths(current, desired),
                     skipped=skipped)


# --- writing ------------------------------------------------------------------------------------------

async def _create_tree(gh: Any, repository: dict, snap: _Snapshot) -> str:
    blob_shas: dict[str, str] = {}
    for path in sorted(snap.changes):
        blob = await gh.post("/repos/{owner}/{repo}/git/blobs", _vars(repository),
                             data={"content": base64.b64encode(snap.changes[path]).decode(), "encoding": "base64"})
        blob_shas[path] = blob["sha"]
    # with a truncated listing the modes are unknown: files are written as 100644
    entries = filediff.tree_entries(snap.changes, blob_shas, snap.flat or {})
    tree = await gh.post("/repos/{owner}/{repo}/git/trees", _vars(repository),
                         data={"base_tree": snap.tree, "tree": entries})
    expected = snap.expected_tree
    if expected is not None and tree["sha"] != expected:
        log.warning("%s: GitHub built tree %s, expected %s: unchanged writes will not be detected",
                    repository["full_name"], tree["sha"], expected)
    return tree["sha"]


async def _create_commit(gh: Any, repository: dict, snap: _Snapshot, tree: str, message: str,
                         author: dict | None) -> str:
    data: dict[str, Any] = {"message": message, "tree": tree, "parents": [snap.head]}
    if author:
        data["author"] = author
    commit = await gh.post("/repos/{owner}/{repo}/git/commits", _vars(repository), data=data)
    return commit["sha"]


async def _update_ref(gh: Any, repository: dict, branch: str, sha: str, *, force: bool) -> None:
    await gh.patch("/repos/{owner}/{repo}/git/refs/{+ref}", _vars(repository, ref=f"heads/{branch}"),
                   data={"sha": sha, "force": force})


async def _create_ref(gh: Any, repository: dict, branch: str, sha: str) -> None:
    await gh.post("/repos/{owner}/{repo}/git/refs", _vars(repository), data={"ref": f"refs/heads/{branch}", "sha": sha})


async def _set_branch(gh: Any, repository: dict, branch: str, sha: str, *, exists: bool) -> None:
    """Point ``branch`` at ``sha`` whatever it held (create it, or force-move it)."""
    if exists:
        try:
            await _update_ref(gh, repository, branch, sha, force=True)
            return
        except gidgethub.BadRequest as exc:
            if status_of(exc) != 422 or "does not exist" not in _message(exc).lower():
                raise
            log.info("%s: branch %s vanished; creating it", repository["full_name"], branch)
    try:
        await _create_ref(gh, repository, branch, sha)
    except gidgethub.BadRequest as exc:
        if status_of(exc) != 422 or "already exists" not in _message(exc).lower():
            raise
        await _update_ref(gh, repository, branch, sha, force=True)


# --- the rolling pull request ---------------------------------------------------------------------------

def _pr_info(pr: dict) -> dict:
    return {"number": pr["number"], "html_url": pr["html_url"]}


async def _find_pr(gh: Any, repository: dict, branch: str, default: str) -> dict | None:
    """The open PR from ``OWNER:branch`` (preferring one into the default branch), or None."""
    owner = repository["full_name"].partition("/")[0]
    pulls = await gh.getitem("/repos/{owner}/{repo}/pulls{?head,state,per_page}",
                             _vars(repository, head=f"{owner}:{branch}", state="open", per_page=100))
    pulls = [p for p in pulls if p.get("state") == "open" and (p.get("head") or {}).get("ref") == branch]
    pulls.sort(key=lambda p: ((p.get("base") or {}).get("ref") != default, p["number"]))
    return pulls[0] if pulls else None


async def _update_pr(gh: Any, repository: dict, pr: dict, default: str, title: str, body: str) -> bool:
    patch: dict[str, Any] = {}
    if pr.get("title") != title:
        patch["title"] = title
    if (pr.get("body") or "") != body:
        patch["body"] = body
    if (pr.get("base") or {}).get("ref") != default:
        patch["base"] = default
    if patch:
        await gh.patch("/repos/{owner}/{repo}/pulls/{pull_number}", _vars(repository, pull_number=pr["number"]),
                       data=patch)
    return bool(patch)


async def _ensure_pr(gh: Any, repository: dict, pr: dict | None, branch: str, default: str, title: str,
                     body: str) -> tuple[dict, bool]:
    """(the open rolling PR, whether anything was written)."""
    if pr is not None:
        return _pr_info(pr), await _update_pr(gh, repository, pr, default, title, body)
    try:
        created = await gh.post("/repos/{owner}/{repo}/pulls", _vars(repository),
                                data={"title": title, "body": body, "head": branch, "base": default})
        return _pr_info(created), True
    except gidgethub.BadRequest as exc:
        if status_of(exc) != 422 or "already exists" not in _message(exc).lower():
            raise
    # created by an earlier try whose answer we lost, or by a concurrent run
    pr = await _find_pr(gh, repository, branch, default)
    if pr is None:
        raise WriteError(f"GitHub says a pull request from {branch} exists, but none is open")
    await _update_pr(gh, repository, pr, default, title, body)
    return _pr_info(pr), True


async def _publish_pr(gh: Any, repository: dict, default: str, branch: str, snap: _Snapshot, *, message: str,
                      pr_title: str, pr_body: str, author: dict | None, prebuilt: tuple[str, str] | None,
                      attempts: int, fell_back: str | None) -> WriteResult:
    """Make ``branch`` = one commit with ``snap.changes`` on ``snap.head`` and make sure the PR is open.

    ``prebuilt`` is (commit sha, tree sha) of such a commit already created (the refused direct commit)."""
    branch_sha = await _get_ref(gh, repository, f"heads/{branch}")
    pr = await _find_pr(gh, repository, branch, default)
    commit_sha: str | None = None
    created_tree: str | None = prebuilt[1] if prebuilt else None  # a tree that exists on GitHub
    if branch_sha is not None:
        branch_commit = await _get_commit(gh, repository, branch_sha)
        if [p["sha"] for p in branch_commit.get("parents") or []] == [snap.head]:
            tree = created_tree or snap.expected_tree
            if tree is None:  # no local tree id (truncated listing): let GitHub compute it
                tree = created_tree = await _create_tree(gh, repository, snap)
            if branch_commit["tree"]["sha"] == tree:
                commit_sha = branch_sha  # already holds exactly this change on this head
    pushed = False
    if commit_sha is None:
        if prebuilt is not None:
            commit_sha = prebuilt[0]
        else:
            tree = created_tree or await _create_tree(gh, repository, snap)
            commit_sha = await _create_commit(gh, repository, snap, tree, message, author)
        await _set_branch(gh, repository, branch, commit_sha, exists=branch_sha is not None)
        pushed = True
        log.info("%s: %s -> %s on %s", repository["full_name"], branch, commit_sha[:7], snap.head[:7])
    info, pr_written = await _ensure_pr(gh, repository, pr, branch, default, pr_title, pr_body)
    return WriteResult(mode="pull_request" if pushed or pr_written else "unchanged", commit_sha=commit_sha,
                       pull_request=info, changed_paths=sorted(snap.changes), fell_back=fell_back,
                       attempts=attempts, skipped=snap.skipped)


# --- direct commits --------------------------------------------------------------------------------------

async def _classify_refusal(gh: Any, repository: dict, default: str, parent: str,
                            exc: gidgethub.HTTPException) -> tuple[Literal["conflict", "refused"], str] | None:
    """Why ``PATCH git/refs/heads/<default>`` failed: ("conflict", msg) when the head moved, ("refused", reason)
    when protection refused it, None when it is neither (the caller re-raises)."""
    status = status_of(exc)
    message = _message(exc)
    lower = message.lower()
    if (not isinstance(exc, gidgethub.BadRequest) or isinstance(exc, gidgethub.RateLimitExceeded)
            or status not in (403, 409, 422) or "rate limit" in lower):
        return None
    if status == 409 or "fast forward" in lower or "fast-forward" in lower:
        return "conflict", message
    if any(phrase in lower for phrase in PROTECTION_PHRASES):
        return "refused", f"branch protection refused the commit ({status}: {message})"
    # An unfamiliar message ("Reference cannot be updated"): ask the ref instead of guessing from prose.
    if "does not exist" in lower:
        return None  # our new commit is not visible yet, or the branch vanished: retry the job later
    now = await _get_ref(gh, repository, f"heads/{default}")
    if now != parent:
        return "conflict", message
    return "refused", f"GitHub refused the commit to {default} ({status}: {message})"


async def write_files(gh: Any, repository: dict, changes: list[FileChange], *,
                      mode: Literal["commit", "pull_request"], message: str, pr_title: str, pr_body: str,
                      branch: str = DEFAULT_BRANCH, author: dict | None = None) -> WriteResult:
    """Write the rendered ``changes`` to ``repository`` (a repository payload: ``full_name``,
    ``default_branch``) as one commit on the default branch or through the rolling PR from ``branch``.

    ``author`` is an optional ``{"name", "email"}`` for the commit (GitHub otherwise uses the app).
    Raises :class:`WriteConflict` when the default branch moved under ``MAX_ATTEMPTS`` attempts in a row,
    :class:`WriteError` for other final failures; GitHub errors (5xx, rate limits) propagate unchanged."""
    if mode not in ("commit", "pull_request"):
        raise ValueError(f"mode must be 'commit' or 'pull_request', not {mode!r}")
    paths = [filediff.normalize_path(c.path) for c in changes]
    if len(set(paths)) != len(paths):
        raise ValueError(f"duplicate paths in {paths}")
    default = repository.get("default_branch")
    if not default:
        default = (await gh.getitem("/repos/{owner}/{repo}", _vars(repository)))["default_branch"]
    if branch == default:
        raise ValueError("the pull request branch cannot be the default branch")
    full_name = repository["full_name"]

    attempts = 0
    while True:
        attempts += 1
        snap = await _read_snapshot(gh, repository, default, changes)
        if not snap.changes:
            log.info("%s: %s already up to date", full_name, ", ".join(paths) or "nothing")
            return WriteResult(mode="unchanged", commit_sha=None, pull_request=None, changed_paths=[],
                               fell_back=None, attempts=attempts, skipped=snap.skipped)
        if mode == "pull_request":
            return await _publish_pr(gh, repository, default, branch, snap, message=message, pr_title=pr_title,
                                     pr_body=pr_body, author=author, prebuilt=None, attempts=attempts,
                                     fell_back=None)
        tree = await _create_tree(gh, repository, snap)
        commit_sha = await _create_commit(gh, repository, snap, tree, message, author)
        try:
            await _update_ref(gh, repository, default, commit_sha, force=False)
        except gidgethub.HTTPException as exc:
            verdict = await _classify_refusal(gh, repository, default, snap.head, exc)
            if verdict is None:
                raise
            kind, reason = verdict
            if kind == "refused":
                log.info("%s: %s; opening the rolling pull request instead", full_name, reason)
                prebuilt: tuple[str, str] | None = (commit_sha, tree)
                if await _get_ref(gh, repository, f"heads/{default}") != snap.head:
                    # refused *and* moved: build the PR on the new head so that it cannot conflict
                    snap, prebuilt = await _read_snapshot(gh, repository, default, changes), None
                    if not snap.changes:
                        return WriteResult(mode="unchanged", commit_sha=None, pull_request=None, changed_paths=[],
                                           fell_back=reason, attempts=attempts, skipped=snap.skipped)
                return await _publish_pr(gh, repository, default, branch, snap, message=message, pr_title=pr_title,
                                         pr_body=pr_body, author=author, prebuilt=prebuilt,
                                         attempts=attempts, fell_back=reason)
            if attempts >= MAX_ATTEMPTS:
                raise WriteConflict(f"{full_name}: {default} moved during each of {attempts} attempts to commit "
                                    f"{', '.join(sorted(snap.changes))} (last answer: {reason})") from exc
            log.info("%s: %s moved under our commit (%s); re-reading and retrying", full_name, default, reason)
            continue
        log.info("%s: committed %s to %s as %s", full_name, ", ".join(sorted(snap.changes)), default, commit_sha[:7])
        return WriteResult(mode="commit", commit_sha=commit_sha, pull_request=None,
                           changed_paths=sorted(snap.changes), fell_back=None, attempts=attempts,
                           skipped=snap.skipped)
