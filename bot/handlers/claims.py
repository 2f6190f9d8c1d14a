"""Claims before the merge (issue 14.5; the rules are in :mod:`bot.core.campaign.claims`): ``/claim`` in a pull
request's comment, a ``/claim`` in a pull request description that references the issue, and the pull request
closed without a merge (the claim withdrawn). One ``campaign.intent`` task per issue, run in the issue's lane
like ``campaign.claim``. Who may claim is judged with the ``author_association`` GitHub puts in the webhook
payload (no extra request)."""

from __future__ import annotations

import json
import logging

from gidgethub.routing import Router

from bot.core import commands as parser
from bot.core import timestamps
from bot.services import campaign_claims, campaigns, pull_links
from bot.services.campaign_base import command_handle
from bot.services.repo import Repo

log = logging.getLogger(__name__)
router = Router()

INTENT_KIND = "campaign.intent"
MAX_ISSUES = 20


def _claims(body: str | None, repo: Repo, bare: bool) -> list[parser.Command]:
    return [c for c in parser.parse_commands(body or "", bare=bare, handle=command_handle(repo))
            if isinstance(c, parser.Command) and c.name == "claim"]


def _named(found: list[parser.Command], repo: Repo) -> set[int]:
    """The issues of this repository the claims name (``/claim #12``)."""
    return {c.issue for c in found if c.issue is not None and (c.repo is None or c.repo.lower() == repo.full_name.lower())}


CLAIMED_TTL = 180 * 86400.0  # what a pull request claimed is kept this long (a pull request open for months)


def _claimed_key(repo: Repo, pull: int) -> str:
    return f"pull-claims:{repo.id or repo.full_name}#{pull}"


async def _remember(repo: Repo, pull: int, numbers: set[int]) -> None:
    """The issues a pull request claimed, so its closing without a merge withdraws them with no GitHub request."""
    held = await repo.ctx.store.cache_get(campaigns.NS, _claimed_key(repo, pull))
    known = {n for n in held if isinstance(n, int)} if isinstance(held, list) else set()
    if not numbers <= known:
        await repo.ctx.store.cache_set(campaigns.NS, _claimed_key(repo, pull), sorted(known | numbers)[:MAX_ISSUES],
                                       ttl=CLAIMED_TTL, installation_id=repo.installation_id)


async def _schedule(repo: Repo, numbers: set[int], pull: int, user: str, action: str, assoc: str | None,
                    at: str | None) -> None:
    if action == "claim":
        await _remember(repo, pull, numbers - {pull})
    repository = repo.repository
    for number in sorted(numbers - {pull})[:MAX_ISSUES]:
        payload = {"repository": {k: repository.get(k) for k in ("id", "full_name", "default_branch")},
                   "number": number, "pull": pull, "user": user, "action": action, "association": assoc, "at": at}
        key = campaigns._key(repository, number)
        await repo.ctx.store.schedule(INTENT_KIND, f"intent:{key}:{pull}:{action}:{user.lower()}", run_at=repo.now(),
                                      payload=json.dumps(payload).encode(), installation_id=repo.installation_id,
                                      ordering_key=key)


@router.register("pull_request", action="opened")
@router.register("pull_request", action="edited")
@router.register("pull_request", action="reopened")
async def on_pull(event, repo: Repo) -> None:
    """A description with ``/claim`` claims the issues the pull request references (``Fixes #12``, GitHub's
    closing references) or names (``/claim #12``) for its author."""
    pull = event.data.get("pull_request") or {}
    if not isinstance(pull.get("number"), int) or not repo.repository.get("full_name") or repo.ctx.is_bot(pull.get("user")):
        return
    bare = (await repo.config()).config.commands.bare
    found = _claims(pull.get("body"), repo, bare)
    if not found:
        return
    # "/claim #12" names the issue; a bare /claim claims what the pull request references (one GraphQL request)
    numbers = _named(found, repo) or await pull_links.fixed_by(repo, pull, bare=bare, handle=command_handle(repo))
    user = (pull.get("user") or {}).get("login", "")
    await _schedule(repo, numbers, pull["number"], user, "claim", pull.get("author_association"),
                    pull.get("created_at") if event.data.get("action") == "opened" else pull.get("updated_at"))


@router.register("pull_request", action="closed")
async def on_closed_unmerged(event, repo: Repo) -> None:
    """A pull request closed without a merge withdraws its claims: those fundbot recorded for it (a pull request
    that claimed nothing costs one store read, no GitHub request)."""
    pull = event.data.get("pull_request") or {}
    if pull.get("merged") or not isinstance(pull.get("number"), int) or not repo.repository.get("full_name"):
        return
    held = await repo.ctx.store.cache_get(campaigns.NS, _claimed_key(repo, pull["number"]))
    numbers = {n for n in held if isinstance(n, int)} if isinstance(held, list) else set()
    if not numbers:
        return
    await repo.ctx.store.cache_delete(campaigns.NS, _claimed_key(repo, pull["number"]))
    await _schedule(repo, numbers, pull["number"], (pull.get("user") or {}).get("login", ""), "drop", None,
                    pull.get("closed_at"))


@router.register("issue_comment", action="created")
async def on_pull_comment(event, repo: Repo) -> None:
    """``/claim`` (or ``/claim #12``) in a pull request's comment: its author claims the issues it names, else
    those the pull request references."""
    comment, issue = event.data.get("comment") or {}, event.data.get("issue") or {}
    if not issue.get("pull_request") or not isinstance(issue.get("number"), int) or repo.ctx.is_bot(comment.get("user")):
        return
    bare = (await repo.config()).config.commands.bare
    found = _claims(comment.get("body"), repo, bare)
    if not found:
        return
    numbers = _named(found, repo) or await pull_links.fixed_by(repo, issue, bare=bare, handle=command_handle(repo))
    await _schedule(repo, numbers, issue["number"], (comment.get("user") or {}).get("login", ""), "claim",
                    comment.get("author_association"), comment.get("created_at"))


async def run_intent(job, ctx) -> None:
    data = json.loads(job.payload)
    repo = await Repo.installed(ctx, job.installation_id, data["repository"], delivery=job.key)
    at = timestamps.parse(data.get("at"), repo.now())
    await campaign_claims.on_intent(repo, data["number"], data["pull"], data["user"], data["action"],
                                    data.get("association"), at)
