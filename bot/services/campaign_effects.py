"""Campaigns' effects on GitHub, each only when something changed: the sticky status comment, fundbot's
state labels, the durable tick at the next deadline, the acknowledgement of the comment that caused
it, the public badge and page, and the README sync request."""

from __future__ import annotations

import hashlib
import json
import logging

import gidgethub

from bot.core import campaign as ledger
from bot.core import history, markdown, status
from bot.github import repo_ops, status_of
from bot.services import campaign_notices, campaign_pages, campaign_payee, status_merge, sync_requests
from bot.services.campaign_base import (
    TICK_KIND,
    Record,
    Setup,
    _key,
    forget_repo_labels,
    repo_labels,
    save,
)
from bot.services.command_acks import acknowledge, react  # noqa: F401  (re-exported)
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
        links = await campaign_payee.campaign_links(repo, s, c, stale_ok=reached)  # the payee's or the project's
    elif c.state == "open" and (c.payee or not s.config.funding):
        await campaign_payee.campaign_links(repo, s, c, stale_ok=False)  # kept fresh: reaching the goal reads none
    badge_at = repo.ctx.settings.public_url if s.config.bounties.badge and not repository.get("private", True) else None
    body = status.status_comment(c, repo=repository["full_name"], issue=number, links=links,
                                 rewards=s.config.bounties.rewards, now=repo.now(), public_url=badge_at)
    digest = visible_digest(body) + "|" + hidden_digest(c)
    if digest == record.rendered and record.status_comment is not None:
        return  # what it shows is unchanged: no edit, even if the hidden marker would say more (see below)
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


def visible_digest(body: str) -> str:
    """The digest of what a status comment shows: its text without the hidden marker. The comment is edited
    only when that changes (GitHub shows an edit as "edited" and keeps every revision); a marker left behind
    lags until the next visible change. That is safe: the store holds the whole campaign, and a refold from
    GitHub (a lost database, ``rebuild``) re-reads every command from the comments themselves; what it cannot
    re-read - the permission verdict and the rule of a refused command, which changes nothing shown - is in
    fundbot's reply to that comment (:func:`bot.core.comments.command_reply`)."""
    start = "<!-- " + markdown.MARKER_PREFIX + status.STATUS_MARKER
    shown = body.rpartition(start)[0] if start in body else body
    return "v:" + hashlib.sha256(shown.encode()).hexdigest()


def hidden_digest(c: ledger.Campaign) -> str:
    """The digest of what the marker must hold that neither a refold nor fundbot's replies recover: the
    accepted permission verdicts, label goals, edited revisions' rules, claims, and which rules judged
    comments (each run's first comment and rule; a run growing by one more comment judged by the same rule
    is what a refold with that rule, today's, re-judges alike). A refused command's verdict and rule are in
    its reply."""
    d = history.decisions_of(c)
    key = [sorted((cid, dg) for cid, (dg, ok) in d.verdicts.items() if ok), [[t, n, str(g)] for t, n, g in d.goals],
           sorted((cid, dg, repr(r)) for cid, (dg, r) in d.edited.items()), d.claims,
           sorted((first, repr(rule)) for first, _last, rule in d.runs)]
    return hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()[:16]


async def _labels(repo: Repo, issue: dict, c: ledger.Campaign, s: Setup) -> None:
    b = s.config.bounties
    managed = {b.label, b.funded_label, b.delivered_label}
    repo_name = {name: (s.names.get(name) or name) for name in managed}
    wanted = {repo_name[name] for name in c.labels_wanted if name in repo_name}
    have = {lb["name"] for lb in issue.get("labels") or [] if isinstance(lb, dict)}
    managed_names = {v.lower() for v in repo_name.values()}
    if c.state == "cancelled" and c.end_reason == "command":  # /bounty cancel: every bounty label goes too
        managed_names |= {name.lower() for name in s.label_goals} | {s.generic_label.lower()}
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
