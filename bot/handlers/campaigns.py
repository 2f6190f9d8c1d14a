"""Campaign events that are not comments (SPEC sections 2 and 4): bounty labels, closing and reopening,
merged pull requests that claim an issue, deleted comments and issues. Comments go through
``bot.handlers.commands`` so that each comment gets one acknowledgement."""

from __future__ import annotations

import json
import logging

import gidgethub
from gidgethub.routing import Router

from bot.core import campaign as ledger
from bot.core import timestamps
from bot.github import status_of
from bot.services import campaigns, pull_links
from bot.services.campaign_base import command_handle
from bot.services.repo import Repo

log = logging.getLogger(__name__)
router = Router()


def _carries_campaign_label(issue: dict, s: campaigns.Setup) -> bool:
    names = {n.lower() for n in list(s.label_goals) + [s.generic_label]}
    return any((lb.get("name") or "").lower() in names for lb in issue.get("labels") or [] if isinstance(lb, dict))


async def _known(repo: Repo, issue: dict, s: campaigns.Setup) -> bool:
    """Is there (or could there be) a campaign on this issue? Cheap: the cache or the issue's labels."""
    if await campaigns.load(repo, issue["number"], s) is not None:
        return True
    return _carries_campaign_label(issue, s)


@router.register("issues", action="labeled")
@router.register("issues", action="unlabeled")
async def on_label(event, repo: Repo) -> None:
    data = event.data
    issue = data.get("issue") or {}
    label = (data.get("label") or {}).get("name")
    if not label or not issue.get("number") or issue.get("pull_request") or repo.ctx.is_self(data.get("sender")):
        return
    s = await campaigns.setup(repo)
    if not campaigns.needs_campaign(s, label=label) and await campaigns.load(repo, issue["number"], s) is None:
        return
    actor = (data.get("sender") or {}).get("login", "")
    at = timestamps.parse(issue.get("updated_at"), repo.now())
    await campaigns.on_event(repo, issue, ledger.LabelEvent(at, 0, label, data["action"] == "labeled", actor), s)


@router.register("issues", action="closed")
@router.register("issues", action="reopened")
async def on_close(event, repo: Repo) -> None:
    data = event.data
    issue = data.get("issue") or {}
    if not issue.get("number") or issue.get("pull_request"):
        return
    s = await campaigns.setup(repo)
    if not await _known(repo, issue, s):
        return
    at = timestamps.parse(issue.get("closed_at") if data["action"] == "closed" else issue.get("updated_at"), repo.now())
    reason = issue.get("state_reason") if data["action"] == "closed" else None
    await campaigns.on_event(repo, issue, ledger.StateEvent(at, 0, data["action"], reason), s)


@router.register("pull_request", action="closed")
async def on_merged_pull(event, repo: Repo) -> None:
    """A merged pull request that closes or claims issues: one ``campaign.claim`` task per issue, run in that
    issue's lane (its ordering key), so it never races the issue's own events over the campaign. The issues
    it closes are GitHub's (``closingIssuesReferences``: description and commit keywords, sidebar links; one
    GraphQL request), those it claims its description's ``/claim`` (:func:`bot.services.pull_links.fixed_by`)."""
    data = event.data
    pull, repository = data.get("pull_request") or {}, repo.repository
    if not pull.get("merged") or not repository.get("full_name") or not repository.get("id"):
        return
    bare = (await repo.config()).config.commands.bare  # off: "/claim #3" may be another bounty bot's
    numbers = sorted(await pull_links.fixed_by(repo, pull, bare=bare, handle=command_handle(repo))
                     - {pull.get("number")})
    for number in numbers[:20]:
        payload = {
            "repository": {k: repository.get(k) for k in ("id", "full_name", "default_branch")},
            "number": number,
            "pull": pull["number"],
            "solver": (pull.get("user") or {}).get("login", ""),
            "merged_at": pull.get("merged_at"),
            "association": pull.get("author_association"),  # who may claim (issue 14.5)
        }
        key = campaigns._key(repository, number)
        await repo.ctx.store.schedule(CLAIM_KIND, f"claim:{key}:{pull['number']}", run_at=repo.now(),
                                      payload=json.dumps(payload).encode(), installation_id=repo.installation_id, ordering_key=key)


async def run_claim(job, ctx) -> None:
    data = json.loads(job.payload)
    repo, number = await Repo.installed(ctx, job.installation_id, data["repository"], delivery=job.key), data["number"]
    s = await campaigns.setup(repo)
    try:
        issue = await repo.gh.getitem("/repos/{owner}/{repo}/issues/{issue_number}", {**repo.vars, "issue_number": number})
    except gidgethub.BadRequest as exc:
        if status_of(exc) in (404, 410):  # "Fixes #N" names no issue of this repository (or it is gone)
            return
        raise
    if issue.get("pull_request") or not await _known(repo, issue, s):
        return
    at = timestamps.parse(data.get("merged_at"), repo.now())
    await campaigns.on_event(repo, issue, ledger.ClaimEvent(at, data["pull"], data["pull"], data["solver"],
                                                            data.get("association")), s)


CLAIM_KIND = "campaign.claim"


@router.register("issue_comment", action="deleted")
async def on_comment_deleted(event, repo: Repo) -> None:
    data = event.data
    comment, issue = data.get("comment") or {}, data.get("issue") or {}
    if not comment.get("id") or not issue.get("number") or repo.ctx.is_bot(comment.get("user")):
        return
    s = await campaigns.setup(repo)
    if await campaigns.load(repo, issue["number"], s) is None and not campaigns.needs_campaign(s, body=comment.get("body")):
        return
    event_ = await campaigns.comment_event(repo, comment, s, deleted=True)
    await campaigns.on_event(repo, issue, event_, s)


@router.register("issues", action="deleted")
@router.register("issues", action="transferred")
async def on_issue_gone(event, repo: Repo) -> None:
    issue = event.data.get("issue") or {}
    if not issue.get("number") or not repo.repository:
        return
    key = campaigns._key(repo.repository, issue["number"])
    await repo.ctx.store.cache_delete(campaigns.NS, key)
    await repo.ctx.store.unschedule(f"tick:{key}")
