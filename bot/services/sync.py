"""Generated files, written together and coalesced: one ``files.sync`` task per repository.

Anything that changes what fundbot would write (a config push, a FUNDING.yml edit, later pledges and
sponsors for the README) calls ``bot.services.sync_requests.request``; the task runs once the debounce window
(``readme.debounce_seconds``, default 60 s) has passed since the *first* trigger (a steady stream of
triggers cannot postpone it forever), renders every generated file, and writes them in ONE call of
``bot.github.writer.write_files``: a direct commit or the rolling ``fundbot/update`` pull request. Nothing is
written when the renderings equal the files, or while the configuration has errors.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.core import funding as funding_rules
from bot.core import paths, readme, sponsors
from bot.github import repo_ops, writer
from bot.services import config_loader, sponsor_sources
from bot.services.sync_requests import DUE, schedule, schedule_daily
from bot.store import Job

log = logging.getLogger(__name__)

FUNDING_PATH = ".github/FUNDING.yml"
CHECK_NAME = "fundbot/sync"

PR_BODY = """\
fundbot keeps these files in step with `.github/fundbot.yml`:

{items}

This pull request is rebuilt on top of the default branch each time something changes, so it never
conflicts; merge it whenever you like. To have fundbot commit directly instead, set `funding_file: commit`
(and `readme.update: commit`); to stop, set them to `off`.
"""


def funding_change(config: Any) -> writer.FileChange | None:
    if not config.funding or config.funding_file == "off":
        return None
    rendered = funding_rules.render(config.funding).encode()
    return writer.FileChange(FUNDING_PATH, lambda _current: rendered)


async def run(job: Job, ctx: Any) -> None:
    data = json.loads(job.payload)
    repository = data["repository"]
    await ctx.store.cache_delete(DUE, str(repository["id"]))
    if job.installation_id is None:
        return
    gh = await ctx.github.installation(job.installation_id)
    loaded = await config_loader.load(gh, ctx, repository)
    if loaded.errors:
        log.warning("%s: configuration has errors; generated files are not written", repository["full_name"])
        return
    config = loaded.config
    changes, items, modes = [], [], []
    change = funding_change(config)
    if change is not None:
        changes.append(change)
        items.append("- `.github/FUNDING.yml`, from `funding:` (GitHub's Sponsor button reads it)")
        modes.append(config.funding_file)
    readme_problems: list[str] = []
    warnings: list[str] = []
    refused = paths.readme_problem(config.readme.path)
    if config.readme.update != "off" and refused is not None:  # the validator refuses it; never sent anyway
        log.warning("%s: readme.path refused (%s); the README section is not written", repository["full_name"], refused.code)
    elif config.readme.update != "off":
        if "owner" not in repository:
            repository = {**repository, **await gh.getitem("/repos/{owner}/{repo}", repo_ops.repo_vars(repository))}
        change, warnings = await readme_change(gh, ctx, repository, config, readme_problems)
        changes.append(change)
        items.append(f"- `{config.readme.path}`, the sponsor section between fundbot's markers (from GitHub Sponsors, "
                     "campaign backers and `readme.sponsors`)")
        modes.append(config.readme.update)
        await schedule_daily(ctx, repository, job.installation_id)
    if not changes:
        return
    # One write for everything; a direct commit only when every file asks for it.
    mode = "commit" if all(m == "commit" for m in modes) else "pull_request"
    head_sha = data.get("head_sha")
    try:
        result = await writer.write_files(
            gh, repository, changes, mode=mode,
            message="Update generated files from .github/fundbot.yml\n\nWritten by fundbot.",
            pr_title="fundbot: update generated files", pr_body=PR_BODY.replace("{items}", "\n".join(items)),
        )
    except writer.WriteConflict as exc:
        # The default branch kept moving under us (each time re-read and re-rendered): say so, and let the
        # job layer try again later with backoff.
        if head_sha:
            await repo_ops.create_check_run(
                gh, repository, name=CHECK_NAME, head_sha=head_sha, conclusion="neutral",
                title="Generated files not written yet",
                summary=f"The default branch changed during every attempt ({exc}). fundbot will try again.",
                annotations=[], app_id=repo_ops.app_id_of(ctx))
        raise
    if readme_problems:
        report_sha = head_sha
        if not report_sha:  # a sync caused by a pledge or the daily refresh: report on the default branch head
            branch = await gh.getitem("/repos/{owner}/{repo}/branches/{branch}",
                                      {**repo_ops.repo_vars(repository), "branch": repository.get("default_branch") or "main"})
            report_sha = branch["commit"]["sha"]
        await repo_ops.create_check_run(
            gh, repository, name=CHECK_NAME, head_sha=report_sha, conclusion="failure", title="README not updated",
            summary="\n".join(f"- {p}" for p in readme_problems), annotations=[],
            app_id=repo_ops.app_id_of(ctx))
    if result.mode == "unchanged":
        if head_sha and job.attempts > 1:
            # an earlier attempt may have written the files and died before reporting: say they are current
            await repo_ops.create_check_run(gh, repository, name=CHECK_NAME, head_sha=head_sha, conclusion="success",
                                            title="Generated files are up to date",
                                            summary=f"{', '.join(c.path for c in changes)}: already as fundbot renders them.",
                                            annotations=[], app_id=repo_ops.app_id_of(ctx), keep_existing=True)
        return
    if head_sha:
        if result.mode == "commit":
            title, summary = "Generated files committed", f"fundbot committed {', '.join(result.changed_paths)} ({result.commit_sha})."
        else:
            pr = result.pull_request or {}
            title = f"Generated files proposed in pull request #{pr.get('number')}"
            summary = f"fundbot updated {', '.join(result.changed_paths)} in {pr.get('html_url')}."
            if result.fell_back:
                summary += f"\n\nA direct commit was refused ({result.fell_back}), so the change is a pull request instead."
        if warnings:
            summary += "\n\nSkipped sources:\n" + "\n".join(f"- {w}" for w in warnings)
        await repo_ops.create_check_run(gh, repository, name=CHECK_NAME, head_sha=head_sha, conclusion="success",
                                        title=title, summary=summary, annotations=[], app_id=repo_ops.app_id_of(ctx))


async def readme_change(gh: Any, ctx: Any, repository: dict, config: Any,
                        problems: list[str]) -> tuple[writer.FileChange, list[str]]:
    """The README sponsor section as a FileChange, and the warnings of sources that were skipped.
    Duplicate or unbalanced markers leave the README alone and are reported in ``problems``."""
    entries, warnings = [], []
    open_campaigns, delivered = [], []
    sources = config.readme.sources
    if "github_sponsors" in sources:
        found, skipped = await sponsor_sources.github_sponsors(gh, repository.get("owner") or {})
        entries += found
        warnings += skipped
    if "backers" in sources and config.bounties.enabled:
        backers, open_campaigns, delivered = await sponsor_sources.campaign_data(gh, ctx, repository, config)
        entries += backers
    if "config" in sources:
        entries += sponsor_sources.config_sponsors(config)
    inner = sponsors.render_section(
        entries, tiers=config.readme.tiers, campaigns=open_campaigns, delivered=delivered,
        goal=config.funding_goal, currency=config.bounties.currency, now=ctx.clock.time(),
    )

    def render(current: bytes | None) -> bytes | None:
        try:
            return readme.splice(current, inner)
        except readme.SpliceError as exc:
            if str(exc) not in problems:
                problems.append(f"{config.readme.path}: {exc}; fix the fundbot markers by hand")
            return None

    return writer.FileChange(config.readme.path, render), warnings


async def run_daily(job: Job, ctx: Any) -> None:
    repository = json.loads(job.payload)["repository"]
    gh = await ctx.github.installation(job.installation_id)
    loaded = await config_loader.load(gh, ctx, repository)
    if loaded.config.readme.update != "off":
        await schedule(ctx, repository, job.installation_id, debounce=0, reason="daily")
