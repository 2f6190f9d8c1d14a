"""``.github/FUNDING.yml``: lint on push (check run ``fundbot/funding``) and keep it in sync with ``funding:``.

GitHub's Sponsor button reads this file; an invalid one shows visitors a parsing error or a link the
author did not mean. A push to the default branch that changes it gets a check run with one annotation
per problem (the same rules as ``python -m bot check-funding``).
"""

from __future__ import annotations

import logging

from gidgethub.routing import Router

from bot.core import config as core
from bot.core import funding as rules
from bot.core import markdown
from bot.core import push as pushes
from bot.core.funding import FUNDING_PATH
from bot.github import repo_ops
from bot.services import sync_requests
from bot.services.repo import Repo

log = logging.getLogger(__name__)
router = Router()

CHECK_NAME = "fundbot/funding"


def check_run_fields(content: bytes) -> dict:
    problems = rules.lint(content)
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    annotations = [
        repo_ops.annotation(FUNDING_PATH, line=p.line, column=p.column, severity=p.severity, message=p.message,
                            title=f"{p.key or 'FUNDING.yml'} [{p.code}]")
        for p in sorted(problems, key=lambda p: (p.severity != "error", p.line, p.column))
    ]
    values, _ = rules.parse(content)
    links = rules.links(values)
    if errors:
        title = f"{len(errors)} error{'s' * (len(errors) != 1)} in FUNDING.yml"
        summary = ["GitHub's Sponsor button cannot use this file as it is: fix the errors below.", ""]
    else:
        title = "FUNDING.yml is valid" + (f" ({warnings} warning{'s' * (warnings != 1)})" if warnings else "")
        summary = []
    if links:
        summary.append("Links the Sponsor button shows:")
        summary += [f"- {markdown.text(link.title)}: {markdown.url(link.url) or ''}" for link in links]
    else:
        summary.append("The file names no usable funding link.")
    return {"conclusion": "failure" if errors else "success", "title": title, "summary": "\n".join(summary),
            "annotations": annotations}


@router.register("push")
async def lint_funding_on_push(event, repo: Repo) -> None:
    push = event.data
    gh, repository = repo.gh, repo.repository
    if not repository.get("full_name") or not pushes.is_default_branch_push(push):
        return
    if not pushes.touches(push, [FUNDING_PATH]):
        return
    found = await repo_ops.read_file(gh, repository, FUNDING_PATH, ref=push["after"])
    if found is None:
        return  # removed (or never there): nothing to lint
    fields = check_run_fields(found[0])
    await repo_ops.create_check_run(gh, repository, name=CHECK_NAME, head_sha=push["after"], **fields,
                                    app_id=repo_ops.app_id_of(repo.ctx), full_report=f"python -m bot check-funding {FUNDING_PATH}")
    log.info("%s: %s on %s", CHECK_NAME, fields["conclusion"], push["after"][:7])


@router.register("push")
async def sync_on_push(event, repo: Repo) -> None:
    """A change to the config or to FUNDING.yml on the default branch: bring the generated files back in line."""
    push = event.data
    repository = repo.repository
    if not repository.get("full_name") or not repository.get("id") or not pushes.is_default_branch_push(push):
        return
    if repo.ctx.is_self(push.get("sender")):
        return  # fundbot's own commit
    config_changed = pushes.touches(push, [core.CONFIG_PATH])  # (or the payload cannot tell)
    if not config_changed and not pushes.touches(push, [FUNDING_PATH]):
        return
    if config_changed:
        repo.forget_config()
    loaded = await repo.config()
    if not config_changed and (not loaded.config.funding or loaded.config.funding_file == "off"):
        return  # a human-edited FUNDING.yml that fundbot does not manage is only linted
    await sync_requests.request(repo, loaded.config, reason="push", head_sha=push.get("after"))
