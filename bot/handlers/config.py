"""Configuration reports: a ``fundbot/config`` check run when ``.github/fundbot.yml`` changes (SPEC section 5).

A push to the default branch that touches ``.github/fundbot.yml`` gets a check run on its head commit:
success with a summary of the effective settings, or failure with one annotation per error at its line
(warnings as warning annotations). A push to the organisation's ``.github`` repository that changes the
shared file reports on the default-branch head of every installed repository that inherits it.
"""

from __future__ import annotations

import logging

from gidgethub.routing import Router

from bot.core import config as core
from bot.core import markdown
from bot.core import push as pushes
from bot.github import repo_ops
from bot.services import config_loader
from bot.services.repo import Repo

log = logging.getLogger(__name__)
router = Router()

CHECK_NAME = "fundbot/config"
FULL_REPORT = f"python -m bot check-config {core.CONFIG_PATH}"  # every problem, when annotations are capped
MAX_INHERITING_REPOS = 100  # repositories reported per push of the org's shared file


def check_run_fields(loaded: config_loader.LoadedConfig, *, repository: dict) -> dict:
    """conclusion, title, summary and annotations of the check run reporting ``loaded``."""
    owner_repo = repository["full_name"]
    own_file = f"{owner_repo}:{core.CONFIG_PATH}"
    annotations: list[dict] = []
    elsewhere: list[core.Issue] = []
    for issue in loaded.errors + loaded.warnings:
        if issue.path in (own_file, core.CONFIG_PATH) and issue.line > 0:
            annotations.append(repo_ops.annotation(
                core.CONFIG_PATH, line=issue.line, column=issue.column, severity=issue.severity,
                message=issue.message, title=f"{issue.key or 'fundbot.yml'} [{issue.code}]"))
        else:
            elsewhere.append(issue)
    errors, warnings = len(loaded.errors), len(loaded.warnings)
    if errors:
        title = f"{errors} error{'s' * (errors != 1)} in the fundbot configuration"
        keep = {"last valid": "the last valid configuration", "defaults": "the default settings"}[loaded.fallback or "defaults"]
        summary = [f"The configuration is invalid: fundbot keeps using {keep} until it is fixed.", ""]
        if loaded.note:
            summary[-1:] = [loaded.note, ""]
    else:
        title = "Configuration is valid" + (f" ({warnings} warning{'s' * (warnings != 1)})" if warnings else "")
        summary = []
    where = {"repository": f"`{core.CONFIG_PATH}`", "organization": f"the organization's `.github/{core.CONFIG_PATH}`",
             "defaults": "no configuration file (defaults)"}[loaded.source]
    summary.append(f"Source: {where}." + (" Files read: " + ", ".join(f"`{markdown.text(s)}`" for s in loaded.result.sources) + "." if loaded.result and loaded.result.sources else ""))
    if elsewhere:
        summary += ["", "Problems in other files of the `_extends` chain:", "```", core.format_issues(elsewhere).rstrip(), "```"]
    summary += ["", core.summary(loaded.config)]
    return {"conclusion": "failure" if errors else "success", "title": title,
            "summary": "\n".join(summary), "annotations": annotations}


async def report(repo: Repo, head_sha: str) -> dict:
    loaded = await repo.config()
    fields = check_run_fields(loaded, repository=repo.repository)
    run = await repo_ops.create_check_run(repo.gh, repo.repository, name=CHECK_NAME, head_sha=head_sha, **fields,
                                          app_id=repo_ops.app_id_of(repo.ctx), full_report=FULL_REPORT)
    log.info("%s: %s on %s", CHECK_NAME, fields["conclusion"], head_sha[:7])
    return run


async def _inheriting_repositories(org: Repo) -> list[dict]:
    gh, owner = org.gh, org.owner
    org_public = config_loader.is_public(org.repository)
    found = []
    async for repo in gh.getiter("/installation/repositories{?per_page}", {"per_page": 100}, iterable_key="repositories"):
        if repo["full_name"].split("/")[0] != owner or repo["name"] == config_loader.ORG_REPO:
            continue
        if not org_public and config_loader.is_public(repo):
            continue  # a private OWNER/.github does not configure public repositories
        if await repo_ops.read_file(gh, repo, core.CONFIG_PATH) is None:
            found.append(repo)
        if len(found) >= MAX_INHERITING_REPOS:
            log.warning("more than %d repositories inherit the org config; reporting on the first ones", MAX_INHERITING_REPOS)
            break
    return found


@router.register("push")
async def check_config_on_push(event, repo: Repo) -> None:
    push = event.data
    repository = repo.repository
    if not repository.get("full_name") or not pushes.is_default_branch_push(push):
        return
    if not pushes.touches(push, [core.CONFIG_PATH]):
        return
    org_file = repository.get("name") == config_loader.ORG_REPO
    repo.forget_config(everywhere=org_file)
    await report(repo, push["after"])
    if org_file:
        for inheriting in map(repo.at, await _inheriting_repositories(repo)):
            branch = await repo.gh.getitem("/repos/{owner}/{repo}/branches/{branch}",
                                           {**inheriting.vars, "branch": inheriting.repository.get("default_branch") or "main"})
            await report(inheriting, branch["commit"]["sha"])


@router.register("repository", action="publicized")
@router.register("repository", action="privatized")
async def forget_config_on_visibility_change(event, repo: Repo) -> None:
    """A repository made public or private: what it may inherit changed. Its memoised configs are forgotten
    (all of them for ``OWNER/.github``, which configures others), and a stored last valid configuration
    holding values of a file that is not public is dropped once the repository is public (the loader never
    uses one for a public repository anyway; this keeps private values out of its record)."""
    repository = repo.repository
    if not repository.get("full_name"):
        return
    repo.forget_config(everywhere=repository.get("name") == config_loader.ORG_REPO)
    if event.data.get("action") == "publicized" and repository.get("id") is not None:
        await config_loader.forget_if_not_public(repo.ctx, repository)
