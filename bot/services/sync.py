"""Generated files, written together and coalesced: one ``files.sync`` task per repository.

Anything that changes what fundbot would write (a config push, a FUNDING.yml edit, later pledges and
sponsors for the README) calls ``bot.services.sync_requests.request``; the task runs once the debounce window
(``readme.debounce_seconds``, default 60 s) has passed since the *first* trigger (a steady stream of
triggers cannot postpone it forever), renders every generated file, and writes them in ONE call of
``bot.github.writer.write_files``: a direct commit or the rolling ``fundbot/update`` pull request. Nothing is
written when the renderings equal the files, or while the configuration has errors.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from bot.core import funding as funding_rules
from bot.core import paths, readme, sponsors
from bot.github import repo_ops, writer
from bot.services import sponsor_sources
from bot.services.repo import Repo
from bot.services.sync_requests import schedule, schedule_daily
from bot.store import Job

log = logging.getLogger(__name__)

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
    return writer.FileChange(funding_rules.FUNDING_PATH, lambda _current: rendered)


@dataclasses.dataclass
class Plan:
    """What one sync writes: the files, the pull request's list of them, each file's write mode."""

    repo: Repo
    changes: list[writer.FileChange] = dataclasses.field(default_factory=list)
    items: list[str] = dataclasses.field(default_factory=list)
    modes: list[str] = dataclasses.field(default_factory=list)
    readme_problems: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)  # sources the README section skipped

    def only(self, mode: str) -> Plan:
        """The part of this plan written in ``mode`` (the README's problems and warnings go with the README)."""
        keep = [i for i, m in enumerate(self.modes) if m == mode]
        readme = any(self.changes[i].path != funding_rules.FUNDING_PATH for i in keep)
        return Plan(self.repo, [self.changes[i] for i in keep], [self.items[i] for i in keep], [mode] * len(keep),
                    self.readme_problems if readme else [], self.warnings if readme else [])


async def plan(repo: Repo, config: Any) -> Plan:
    out = Plan(repo)
    change = funding_change(config)
    if change is not None:
        out.changes.append(change)
        out.items.append("- `.github/FUNDING.yml`, from `funding:` (GitHub's Sponsor button reads it)")
        out.modes.append(config.funding_file)
    refused = paths.readme_problem(config.readme.path)
    if config.readme.update != "off" and refused is not None:  # the validator refuses it; never sent anyway
        repo.log.warning("%s: readme.path refused (%s); the README section is not written", repo.full_name, refused.code)
    elif config.readme.update != "off":
        if "owner" not in repo.repository:
            out.repo = repo = repo.at({**repo.repository, **await repo.gh.getitem("/repos/{owner}/{repo}", repo.vars)})
        change, out.warnings = await readme_change(repo, config, out.readme_problems)
        out.changes.append(change)
        out.items.append(f"- `{config.readme.path}`, the sponsor section between fundbot's markers (from GitHub Sponsors, "
                         "campaign backers and `readme.sponsors`)")
        out.modes.append(config.readme.update)
        await schedule_daily(repo)
    return out


async def run(job: Job, ctx: Any) -> None:
    data = json.loads(job.payload)
    if job.installation_id is None:
        return
    repo = await Repo.installed(ctx, job.installation_id, data["repository"], delivery=job.key)
    loaded = await repo.config()
    if loaded.errors:
        repo.log.warning("%s: configuration has errors; generated files are not written", repo.full_name)
        return
    todo = await plan(repo, loaded.config)
    if not todo.changes:
        return
    head_sha = data.get("head_sha")
    # One write per mode: each file is written as its own setting asks (funding_file, readme.update), the
    # direct commits first, then the rolling pull request with the others.
    for mode in ("commit", "pull_request"):
        part = todo.only(mode)
        if not part.changes:
            continue
        try:
            result = await writer.write_files(
                part.repo.gh, part.repo.repository, part.changes, mode=mode,
                message="Update generated files from .github/fundbot.yml\n\nWritten by fundbot.",
                pr_title="fundbot: update generated files", pr_body=PR_BODY.replace("{items}", "\n".join(part.items)),
            )
        except writer.WriteConflict as exc:
            # The default branch kept moving under us (each time re-read and re-rendered): say so, and let the
            # job layer try again later with backoff.
            if head_sha:
                await _check_run(part.repo, head_sha, "neutral", "Generated files not written yet",
                                 f"The default branch changed during every attempt ({exc}). fundbot will try again.")
            raise
        await report(part, result, head_sha=head_sha, attempts=job.attempts)


async def _check_run(repo: Repo, head_sha: str, conclusion: str, title: str, summary: str, **kwargs: Any) -> None:
    await repo_ops.create_check_run(repo.gh, repo.repository, name=CHECK_NAME, head_sha=head_sha, conclusion=conclusion,
                                    title=title, summary=summary, annotations=[], app_id=repo_ops.app_id_of(repo.ctx),
                                    **kwargs)


async def report(todo: Plan, result: Any, *, head_sha: str | None, attempts: int) -> None:
    """The ``fundbot/sync`` check runs of a written (or unchanged) sync."""
    repo = todo.repo
    if todo.readme_problems:
        report_sha = head_sha
        if not report_sha:  # a sync caused by a pledge or the daily refresh: report on the default branch head
            branch = await repo.gh.getitem("/repos/{owner}/{repo}/branches/{branch}",
                                           {**repo.vars, "branch": repo.repository.get("default_branch") or "main"})
            report_sha = branch["commit"]["sha"]
        await _check_run(repo, report_sha, "failure", "README not updated", "\n".join(f"- {p}" for p in todo.readme_problems))
    if result.mode == "unchanged":
        if head_sha and attempts > 1:
            # an earlier attempt may have written the files and died before reporting: say they are current
            await _check_run(repo, head_sha, "success", "Generated files are up to date",
                             f"{', '.join(c.path for c in todo.changes)}: already as fundbot renders them.", keep_existing=True)
        return
    if not head_sha:
        return
    if result.mode == "commit":
        title, summary = "Generated files committed", f"fundbot committed {', '.join(result.changed_paths)} ({result.commit_sha})."
    else:
        pr = result.pull_request or {}
        title = f"Generated files proposed in pull request #{pr.get('number')}"
        summary = f"fundbot updated {', '.join(result.changed_paths)} in {pr.get('html_url')}."
        if result.fell_back:
            summary += f"\n\nA direct commit was refused ({result.fell_back}), so the change is a pull request instead."
    if todo.warnings:
        summary += "\n\nSkipped sources:\n" + "\n".join(f"- {w}" for w in todo.warnings)
    await _check_run(repo, head_sha, "success", title, summary)


async def readme_change(repo: Repo, config: Any, problems: list[str]) -> tuple[writer.FileChange, list[str]]:
    """The README sponsor section as a FileChange, and the warnings of sources that were skipped.
    Duplicate or unbalanced markers leave the README alone and are reported in ``problems``."""
    found = await sponsor_sources.gather(repo, config)
    inner = sponsors.render_section(
        found.entries, tiers=config.readme.tiers, campaigns=found.campaigns, delivered=found.delivered,
        goal=config.funding_goal, currency=config.bounties.currency, now=repo.now(), github_count=found.github_count,
        goal_raised=found.raised if config.funding_goal.amount > 0 else None,
    )

    def render(current: bytes | None) -> bytes | None:
        try:
            return readme.splice(current, inner)
        except readme.SpliceError as exc:
            if str(exc) not in problems:
                problems.append(f"{config.readme.path}: {exc}; fix the fundbot markers by hand")
            return None

    return writer.FileChange(config.readme.path, render), found.warnings


async def run_daily(job: Job, ctx: Any) -> None:
    repo = await Repo.installed(ctx, job.installation_id, json.loads(job.payload)["repository"], delivery=job.key)
    if (await repo.config()).config.readme.update != "off":
        await schedule(repo, debounce=0, reason="daily")
