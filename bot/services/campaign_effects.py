"""Campaigns' effects on GitHub, each only when something changed: the sticky status comment, fundbot's
state labels, the durable tick at the next deadline, the acknowledgement of the comment that caused
it, the public badge and page, and the README sync request."""

from __future__ import annotations

import hashlib
import json
import logging

import gidgethub

from bot.core import campaign as ledger
from bot.core import comments, status
from bot.github import repo_ops, status_of
from bot.services import campaign_notices, campaign_pages, status_merge, sync_requests
from bot.services.campaign_base import (
    TICK_KIND,
    Record,
    Setup,
    _key,
    forget_repo_labels,
    payment_links,
    repo_labels,
    save,
)
from bot.services.labels import ensure_labels
from bot.services.repo import Repo

log = logging.getLogger(__name__)


async def publish(repo: Repo, issue: dict, record: Record, s: Setup, *, before: ledger.Campaign | None) -> None:
    number = issue["number"]
    c = record.campaign
    if c.state == "none" and (before is None or before.state == "none") and record.status_comment is None:
        await save(repo, number, record)
        return
    reached = before is not None and before.state != c.state
    await _status_comment(repo, number, record, s, reached=reached, merge=not reached)
    await campaign_notices.announce(repo, number, record, s, before=before)  # funded, delivered, ended: one new comment
    await _labels(repo, issue, c, s)
    await _schedule_tick(repo, number, c)
    await save(repo, number, record)
    await campaign_pages.publish_public(repo, issue, c, s.config.bounties.rewards)  # badge and campaign page
    if before is None or (before.state, before.raised(), before.goal) != (c.state, c.raised(), c.goal):
        await sync_requests.request(repo, s.config, reason="campaign")  # the README's campaigns table
    if before is not None and before.state != c.state:
        log.info("campaign on #%s: %s -> %s", number, before.state, c.state)


async def _status_comment(repo: Repo, number: int, record: Record, s: Setup, *, reached: bool = False,
                          merge: bool = False) -> None:
    gh, repository = repo.gh, repo.repository
    c = record.campaign
    links = []
    if c.state in ("funded", "delivered"):
        links = await payment_links(repo, s, stale_ok=reached)
    elif c.state == "open" and not s.config.funding:
        await payment_links(repo, s, stale_ok=False)  # kept fresh, so the pledge reaching the goal needs no read
    badge_at = repo.ctx.settings.public_url if s.config.bounties.badge and not repository.get("private", True) else None
    body = status.status_comment(c, repo=repository["full_name"], issue=number, links=links,
                                 rewards=s.config.bounties.rewards, now=repo.now(), public_url=badge_at)
    digest = hashlib.sha256(body.encode()).hexdigest()
    if digest == record.rendered and record.status_comment is not None:
        return
    variables = repo.vars
    if merge and record.status_comment is not None and c.active \
            and await status_merge.merged_later(repo, number, _key(repository, number)):
        return  # the issue's next delivery edits it (a burst: one edit)
    if record.status_comment is not None:
        try:
            await gh.patch("/repos/{owner}/{repo}/issues/comments/{comment_id}",
                           {**variables, "comment_id": record.status_comment}, data={"body": body})
            record.rendered = digest
            return
        except gidgethub.BadRequest as exc:
            if status_of(exc) != 404:
                raise
            log.info("status comment of #%s was deleted", number)
            record.status_comment = None
            if not c.active:
                record.rendered = digest  # a closed campaign's deleted comment is not brought back
                return
    # A POST GitHub applied but answered 5xx is retried with the job: fundbot's marked comment, if there is
    # one, is edited instead of posting a second one.
    existing = await repo_ops.find_own_comment(gh, repository, number, status.STATUS_MARKER, bot_login=repo.bot_login)
    if existing is not None:
        await gh.patch("/repos/{owner}/{repo}/issues/comments/{comment_id}",
                       {**variables, "comment_id": existing["id"]}, data={"body": body})
        record.status_comment, record.rendered = existing["id"], digest
        return
    created = await repo_ops.create_comment(gh, repository, number, body)
    record.status_comment, record.rendered = created["id"], digest


async def _labels(repo: Repo, issue: dict, c: ledger.Campaign, s: Setup) -> None:
    b = s.config.bounties
    managed = {b.label, b.funded_label, b.delivered_label}
    repo_name = {name: (s.names.get(name) or name) for name in managed}
    wanted = {repo_name[name] for name in c.labels_wanted if name in repo_name}
    have = {lb["name"] for lb in issue.get("labels") or [] if isinstance(lb, dict)}
    managed_names = {v.lower() for v in repo_name.values()}
    add = sorted(wanted - have)
    remove = sorted(n for n in have if n.lower() in managed_names and n not in wanted)
    gh, variables = repo.gh, {**repo.vars, "issue_number": issue["number"]}
    if add:
        existing = {lb["name"].lower() for lb in await repo_labels(repo)}
        if any(name.lower() not in existing for name in add):
            await ensure_labels(repo, s.config)
            await forget_repo_labels(repo)
        await gh.post("/repos/{owner}/{repo}/issues/{issue_number}/labels", variables, data={"labels": add})
    for name in remove:
        try:
            await gh.delete("/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", {**variables, "name": name})
        except gidgethub.BadRequest as exc:
            if status_of(exc) != 404:
                raise
    issue["labels"] = [lb for lb in issue.get("labels") or [] if lb.get("name") not in remove] + [{"name": n} for n in add]


async def _schedule_tick(repo: Repo, number: int, c: ledger.Campaign) -> None:
    ctx, repository = repo.ctx, repo.repository
    when = ledger.next_deadline(c)
    key = f"tick:{_key(repository, number)}"
    if when is None:
        await ctx.store.unschedule(key)
        return
    payload = {"repository": {k: repository.get(k) for k in ("id", "full_name", "default_branch")}, "number": number}
    await ctx.store.schedule(TICK_KIND, key, run_at=when, payload=json.dumps(payload).encode(),
                             installation_id=repo.installation_id, ordering_key=_key(repository, number))


async def acknowledge(repo: Repo, number: int, comment_id: int, outcomes: list, invalid: list[tuple[str, str]], *,
                      answered: set[str]) -> list[str]:
    """👍 when every command was accepted; 😕 and one reply listing what was refused. Returns what was done."""
    done = []
    refused = [o for o in outcomes if not o.accepted]
    if refused or invalid:
        if "refused" not in answered:
            await react(repo, comment_id, "confused")
            reasons = [(f"/{o.command}", o.reason or "refused") for o in refused] + list(invalid)
            await repo_ops.reply_once(repo.gh, repo.repository, number, comments.refused_reply(reasons=reasons, comment_id=comment_id),
                                      to=comment_id, what="refused", bot_login=repo.bot_login)
            done.append("refused")
    elif outcomes and "accepted" not in answered:
        await react(repo, comment_id, "+1")
        done.append("accepted")
    return done


async def react(repo: Repo, comment_id: int, content: str) -> None:
    """Add a reaction; GitHub answers 200 instead of 201 when it exists, so this is idempotent."""
    await repo.gh.post("/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
                       {**repo.vars, "comment_id": comment_id}, data={"content": content})


