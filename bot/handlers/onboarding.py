"""Onboarding and offboarding of repositories (SPEC section 2).

``installation.created`` / ``installation_repositories.added``: for each repository,

1. create the bounty labels of the effective configuration that are missing (``bot.core.labels``: a label
   a maintainer renamed is recognised by the tag in its description and not re-created);
2. when no configuration applies (neither the repository's ``.github/fundbot.yml`` nor the owner's
   ``.github`` repository's), open **one** pull request from ``fundbot/onboarding`` adding the commented
   default configuration (``funding:`` pre-filled from an existing ``.github/FUNDING.yml``; with
   ``commands.bare: false`` when another bounty bot's labels or comments are there, see
   ``bot.core.onboarding``: at most one extra request, the repository's newest comments).

Every step is idempotent, so the worker may retry the job after a failure at any point:

* any pull request from ``fundbot/onboarding`` (``state=all``: also closed or merged ones) -> nothing to do;
* the branch is created from the default branch head, or reused when an earlier attempt left it (moved
  back to the default head, with force, unless it already holds exactly our commit);
* the file is written only when the branch does not hold it already;
* a 422 "Reference already exists" / "A pull request already exists" / label ``already_exists`` (races with
  a concurrent attempt) counts as done.

Repositories are onboarded one after another; one repository's failure does not stop the others, and the
job is retried (or parked) once all were tried. Which repositories are skipped is in ``bot.core.onboarding``.

``installation.deleted`` drops the installation's pending jobs and cache rows (not the running job) and the
client's cached token and ETags; ``installation_repositories.removed`` drops the removed repositories'
cached configuration.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import gidgethub
from gidgethub.routing import Router

from bot.core import config as core_config
from bot.core import funding as funding_rules
from bot.core import onboarding
from bot.github import RetryLater, is_permanent, repo_ops, status_of
from bot.services import config_loader, sync_requests
from bot.services.campaign_base import command_handle
from bot.services.labels import ensure_labels
from bot.services.repo import Repo

log = logging.getLogger(__name__)
router = Router()


# --- small REST helpers -----------------------------------------------------------------------------------
def _ref(branch: str) -> str:
    """``heads/BRANCH`` for ``{+ref}``: slashes kept, anything else URL-quoted."""
    return "heads/" + quote(branch, safe="/")


def _message(exc: BaseException) -> str:
    parts = [str(a) for a in getattr(exc, "args", ()) if a]
    errors = getattr(exc, "errors", None)
    if isinstance(errors, list):
        parts += [str(e.get("message") or e.get("code") or "") if isinstance(e, dict) else str(e) for e in errors]
    return " ".join(parts).lower()


def _is_422(exc: BaseException, *needles: str) -> bool:
    return status_of(exc) == 422 and any(n in _message(exc) for n in needles)


async def _branch_sha(gh: Any, repository: dict, branch: str) -> str | None:
    """The commit a branch points at; None when it does not exist (404) or the repository is empty (409)."""
    try:
        ref = await gh.getitem("/repos/{owner}/{repo}/git/ref/{+ref}", {**repo_ops.repo_vars(repository), "ref": _ref(branch)})
    except gidgethub.BadRequest as exc:
        if status_of(exc) in (404, 409):
            return None
        raise
    obj = ref.get("object") if isinstance(ref, dict) else None
    return obj.get("sha") if isinstance(obj, dict) else None


# --- the onboarding pull request --------------------------------------------------------------------------------
async def find_onboarding_pull(gh: Any, repository: dict) -> dict | None:
    """Any pull request ever opened from ``fundbot/onboarding`` in this repository (open, closed or merged)."""
    variables = repo_ops.repo_vars(repository)
    url = "/repos/{owner}/{repo}/pulls{?head,state,per_page}"
    head = f"{variables['owner']}:{onboarding.BRANCH}"
    async for pull in gh.getiter(url, {**variables, "head": head, "state": "all", "per_page": 100}):
        if ((pull.get("head") or {}).get("ref")) == onboarding.BRANCH:
            return pull
    return None


async def existing_funding(gh: Any, repository: dict) -> dict[str, Any] | None:
    """The usable values of the repository's ``.github/FUNDING.yml``, normalised; None when none."""
    found = await repo_ops.read_file(gh, repository, funding_rules.FUNDING_PATH)
    if found is None:
        return None
    mapping, _problems = funding_rules.parse(found[0])
    mapping = funding_rules.normalise(mapping)
    return mapping or None


async def _branch_holds(gh: Any, repository: dict, branch_sha: str, base_sha: str, content: bytes) -> bool:
    """True when the branch is exactly one commit on ``base_sha`` holding our file (an earlier attempt's work)."""
    variables = repo_ops.repo_vars(repository)
    try:
        commit = await gh.getitem("/repos/{owner}/{repo}/git/commits/{commit_sha}", {**variables, "commit_sha": branch_sha})
    except gidgethub.BadRequest as exc:
        if status_of(exc) == 404:
            return False
        raise
    if [p.get("sha") for p in commit.get("parents") or []] != [base_sha]:
        return False
    found = await repo_ops.read_file(gh, repository, core_config.CONFIG_PATH, ref=onboarding.BRANCH)
    return found is not None and found[0] == content


async def prepare_branch(gh: Any, repository: dict, base_sha: str, content: bytes) -> None:
    """Make ``fundbot/onboarding`` = the default head + one commit adding our file (create, reuse or reset it)."""
    variables = repo_ops.repo_vars(repository)
    full_name = repository["full_name"]
    branch_sha = await _branch_sha(gh, repository, onboarding.BRANCH)
    if branch_sha is None:
        try:
            await gh.post("/repos/{owner}/{repo}/git/refs", variables,
                          data={"ref": f"refs/heads/{onboarding.BRANCH}", "sha": base_sha})
            branch_sha = base_sha
            log.info("created branch %s in %s", onboarding.BRANCH, full_name)
        except gidgethub.BadRequest as exc:
            if not _is_422(exc, "already exists"):
                raise
            branch_sha = await _branch_sha(gh, repository, onboarding.BRANCH)  # a concurrent attempt made it
    if branch_sha is None:
        raise RuntimeError(f"branch {onboarding.BRANCH} of {full_name} vanished while it was being prepared")
    if branch_sha != base_sha and not await _branch_holds(gh, repository, branch_sha, base_sha, content):
        await gh.patch("/repos/{owner}/{repo}/git/refs/{+ref}", {**variables, "ref": _ref(onboarding.BRANCH)},
                       data={"sha": base_sha, "force": True})
        log.info("reset the left-over branch %s of %s to the default head", onboarding.BRANCH, full_name)
    found = await repo_ops.read_file(gh, repository, core_config.CONFIG_PATH, ref=onboarding.BRANCH)
    if found is not None and found[0] == content:
        return
    data = {"message": onboarding.COMMIT_MESSAGE, "content": base64.b64encode(content).decode(), "branch": onboarding.BRANCH}
    if found is not None:
        data["sha"] = found[1]
    try:
        await gh.put("/repos/{owner}/{repo}/contents/{+path}", {**variables, "path": core_config.CONFIG_PATH}, data=data)
    except gidgethub.BadRequest as exc:
        # A PUT the client retried after GitHub had applied it answers 422 ("sha" wasn't supplied): look again.
        if status_of(exc) != 422:
            raise
        again = await repo_ops.read_file(gh, repository, core_config.CONFIG_PATH, ref=onboarding.BRANCH)
        if again is None or again[0] != content:
            raise
    log.info("wrote %s on %s in %s", core_config.CONFIG_PATH, onboarding.BRANCH, full_name)


async def other_bounty_bots(gh: Any, repository: dict, listed: list, own: Iterable[str]) -> list[str]:
    """The other bounty bots (Algora, Opire) the repository's labels (``listed``: as fundbot listed them), or
    else the authors of its 100 newest comments (one request), show."""
    own = list(own)
    found = onboarding.other_bounty_bots(labels=listed, own_labels=own)
    if found:
        return found
    url = "/repos/{owner}/{repo}/issues/comments{?sort,direction,per_page}"
    try:
        newest = await gh.getitem(url, {**repo_ops.repo_vars(repository), "sort": "created", "direction": "desc",
                                        "per_page": 100})
    except gidgethub.BadRequest as exc:  # a hint only: onboarding goes on without it
        log.info("%s: newest comments not readable (%s): no other bounty bot noticed", repository["full_name"], exc)
        return []
    logins = [(c.get("user") or {}).get("login") or "" for c in newest or [] if isinstance(c, dict)]
    return onboarding.other_bounty_bots(commenters=logins)


async def open_onboarding_pull(gh: Any, repository: dict, *, labels: Iterable[str] = (), listed: list | None = None,
                               handle: str = "fundbot") -> dict | None:
    """Open the onboarding pull request unless one was ever opened; return it (None when skipped). ``listed``:
    the repository's labels as fundbot listed them (None: bounties are off, another bot does not matter)."""
    full_name = repository["full_name"]
    existing = await find_onboarding_pull(gh, repository)
    if existing is not None:
        log.info("%s already has an onboarding pull request (#%s, %s): none opened", full_name,
                 existing.get("number"), "merged" if existing.get("merged_at") else existing.get("state"))
        return existing
    default = repository["default_branch"]
    base_sha = await _branch_sha(gh, repository, default)
    if base_sha is None:
        log.info("%s is empty (no commit on %s): no onboarding pull request", full_name, default)
        return None
    funding = await existing_funding(gh, repository)
    bots = [] if listed is None else await other_bounty_bots(gh, repository, listed, labels)
    content = core_config.onboarding_template(funding=funding)
    content = (onboarding.bare_off(content) if bots else content).encode()
    await prepare_branch(gh, repository, base_sha, content)
    if bots:
        log.info("%s: %s is here too: proposing commands.bare: false", full_name, " and ".join(bots))
    body = onboarding.pull_request_body(full_name=full_name, default_branch=default, funding=funding, labels=list(labels),
                                        bounty_bots=bots, handle=handle)
    try:
        pull = await gh.post("/repos/{owner}/{repo}/pulls", repo_ops.repo_vars(repository),
                             data={"title": onboarding.TITLE, "head": onboarding.BRANCH, "base": default, "body": body})
    except gidgethub.BadRequest as exc:
        if not _is_422(exc, "a pull request already exists"):
            raise
        log.info("the onboarding pull request of %s appeared meanwhile", full_name)
        return await find_onboarding_pull(gh, repository)
    log.info("opened onboarding pull request #%s in %s", pull.get("number"), full_name)
    return pull


# --- one repository, many repositories --------------------------------------------------------------------------
async def onboard_repository(listed: Repo, *, repository_selection: str | None = None) -> None:
    """Labels, then (when no configuration applies) the onboarding pull request, for one repository (``listed``:
    the handle of the repository as the installation event lists it)."""
    gh = listed.gh
    try:
        full = await gh.getitem("/repos/{owner}/{repo}", listed.vars)
    except gidgethub.BadRequest as exc:
        if status_of(exc) == 404:
            log.info("%s is gone or no longer covered: not onboarded", listed.full_name)
            return
        raise
    reason = onboarding.skip_reason(full, repository_selection=repository_selection)
    if reason:
        log.info("%s not onboarded: %s", full["full_name"], reason)
        return
    repo = listed.at(full)
    loaded = await repo.config()
    names: list[str] = []
    listed: list | None = None
    if loaded.config.bounties.enabled:
        listed = []
        names = await ensure_labels(repo, loaded.config, listed=listed)
    else:
        log.info("%s: bounties are off, no labels", full["full_name"])
    if loaded.source != "defaults":
        log.info("%s is configured by its %s file: no onboarding pull request", full["full_name"], loaded.source)
        if loaded.config.funding and loaded.config.funding_file != "off" and not loaded.errors:
            await sync_requests.schedule(repo, debounce=loaded.config.readme.debounce_seconds, reason="installed")
        return
    reason = onboarding.pull_request_skip_reason(full)
    if reason:
        log.info("%s: no onboarding pull request: %s", full["full_name"], reason)
        return
    await open_onboarding_pull(gh, full, labels=names, listed=listed, handle=command_handle(repo))


async def onboard_repositories(installation: Repo, repositories: Iterable[Any], *, repository_selection: str | None) -> None:
    """Onboard each repository; one failure does not skip the others. Raises the most retryable failure."""
    failures: list[BaseException] = []
    for repository in repositories:
        if not isinstance(repository, dict) or "/" not in str(repository.get("full_name") or ""):
            continue
        try:
            await onboard_repository(installation.at(repository), repository_selection=repository_selection)
        except RetryLater:
            raise  # rate-limited: stop now, the whole job runs again later (done steps are no-ops)
        except Exception as exc:
            log.warning("onboarding %s failed: %r", repository["full_name"], exc)
            failures.append(exc)
    if failures:
        raise next((exc for exc in failures if not is_permanent(exc)), failures[0])


def _selection(data: dict) -> str | None:
    return data.get("repository_selection") or (data.get("installation") or {}).get("repository_selection")


@router.register("installation", action="created")
async def onboard_installation(event, repo: Repo) -> None:
    await onboard_repositories(repo, event.data.get("repositories") or [], repository_selection=_selection(event.data))


@router.register("installation_repositories", action="added")
async def onboard_added_repositories(event, repo: Repo) -> None:
    await onboard_repositories(repo, event.data.get("repositories_added") or [], repository_selection=_selection(event.data))


# --- offboarding -----------------------------------------------------------------------------------------------
async def _forget_repositories(ctx: Any, repositories: Iterable[Any]) -> None:
    for repository in repositories:
        if isinstance(repository, dict) and repository.get("id") is not None:
            await ctx.store.cache_delete(config_loader.CACHE_NAMESPACE, str(repository["id"]))


@router.register("installation", action="deleted")
async def forget_installation(event, repo: Repo) -> None:
    ctx = repo.ctx
    installation_id = (event.data.get("installation") or {}).get("id")
    if installation_id is None:
        return
    dropped = await ctx.store.drop_installation(installation_id, keep_keys=(event.delivery_id,))
    await _forget_repositories(ctx, event.data.get("repositories") or [])
    if ctx.github is not None:
        ctx.github.forget_installation(installation_id)
    log.info("installation %s deleted: dropped %d pending jobs and cache rows", installation_id, dropped)


@router.register("installation_repositories", action="removed")
async def forget_removed_repositories(event, repo: Repo) -> None:
    removed = event.data.get("repositories_removed") or []
    await _forget_repositories(repo.ctx, removed)
    log.info("forgot %d repositories removed from installation %s", len(removed),
             (event.data.get("installation") or {}).get("id"))
