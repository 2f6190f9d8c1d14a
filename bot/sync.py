"""Generated files, written together and coalesced: one ``files.sync`` task per repository.

Anything that changes what fundbot would write (a config push, a FUNDING.yml edit, later pledges and
sponsors for the README) calls ``schedule``; the task runs once the debounce window
(``readme.debounce_seconds``, default 60 s) has passed since the *first* trigger (a steady stream of
triggers cannot postpone it forever), renders every generated file, and writes them in ONE call of
``bot.writer.write_files``: a direct commit or the rolling ``fundbot/update`` pull request. Nothing is
written when the renderings equal the files, or while the configuration has errors.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot import config_loader, repo_ops, writer
from bot.core import funding as funding_rules
from bot.store import Job
from bot.tasks import TASKS

log = logging.getLogger(__name__)

TASK_KIND = "files.sync"
DUE = "sync:due"  # cache: repository id -> when the pending sync is due (keeps the first trigger's deadline)
FUNDING_PATH = ".github/FUNDING.yml"
CHECK_NAME = "fundbot/sync"

PR_BODY = """\
fundbot keeps these files in step with `.github/fundbot.yml`:

{items}

This pull request is rebuilt on top of the default branch each time something changes, so it never
conflicts; merge it whenever you like. To have fundbot commit directly instead, set `funding_file: commit`
(and `readme.update: commit`); to stop, set them to `off`.
"""


# A sync has its own ordering key: a task waiting for its debounce window must not hold back the
# repository's webhook events (jobs of one ordering key run strictly one after another).


def _key(repository: dict) -> str:
    return f"sync:{repository['id']}"


async def schedule(ctx: Any, repository: dict, installation_id: int | None, *, debounce: float,
                   reason: str, head_sha: str | None = None) -> float:
    """Ask for a sync of this repository's generated files; returns when it will run."""
    now = ctx.clock.time()
    repo_id = str(repository["id"])
    due = await ctx.store.cache_get(DUE, repo_id, now=now)
    run_at = due if isinstance(due, (int, float)) and now <= due <= now + debounce else now + debounce
    await ctx.store.cache_set(DUE, repo_id, run_at, ttl=debounce + 3600, installation_id=installation_id, now=now)
    payload = {
        "repository": {k: repository.get(k) for k in ("id", "full_name", "default_branch", "name")},
        "reason": reason,
        "head_sha": head_sha,
    }
    await ctx.store.schedule(TASK_KIND, _key(repository), run_at=run_at, payload=json.dumps(payload).encode(),
                             installation_id=installation_id, ordering_key=f"sync:{repo_id}", now=now)
    log.info("sync of %s scheduled in %.0fs (%s)", repository["full_name"], run_at - now, reason)
    return run_at


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
                annotations=[])
        raise
    if result.mode == "unchanged":
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
        await repo_ops.create_check_run(gh, repository, name=CHECK_NAME, head_sha=head_sha, conclusion="success",
                                        title=title, summary=summary, annotations=[])


TASKS[TASK_KIND] = run
