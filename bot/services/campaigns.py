"""Campaigns, the shell: GitHub events in, the pure ledger (``bot.core.campaign``) in the middle, effects out.

For one issue:

1. **State** comes from the store's cache (``campaign`` namespace, written incrementally by
   :mod:`bot.services.campaign_state`: a small head and sealed chunks of the canonical event log, plus the
   status comment's id and a hash of what it last said). Without a cache
   entry (new database, ``rebuild``) the campaign is refolded from GitHub alone: the issue's comments, its
   label and close/reopen events, and the merged pull requests in its timeline.
2. **One event** (a comment, a label, a close, a merged pull request, time passing) is applied with
   ``campaign.apply``/``tick``: the same result a full fold gives.
3. **Effects**, each only when something changed: the sticky status comment (edited in place, re-created
   if a human deleted it while the campaign is open), fundbot's state labels, the acknowledgement of the
   comment that caused it (👍, or 😕 and one reply), and the durable ``campaign.tick`` task at the next
   deadline.

API economy: once the campaign is cached, an accepted ``/pledge`` costs two requests (the reaction and
the status comment edit), three when it reaches the goal (the funded label), whatever the number of comments
on the issue: only transitions that end the campaign, deliver it or make funding final are refolded from
the timeline (:func:`verify_transition`); labels and payment links are kept in the store.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from decimal import Decimal
from typing import Any

from bot.core import campaign as ledger
from bot.core import history
from bot.services.campaign_base import (  # noqa: F401  (the campaign API, re-exported)
    LABELS_TTL,
    LINKS_REFRESH,
    MAINTAINER_ONLY,
    NS,
    PERMISSION_TTL,
    TICK_KIND,
    Record,
    Setup,
    _key,
    config_goal,
    forget,
    forget_repo_labels,
    is_maintainer,
    load,
    needs_campaign,
    payment_links,
    repo_labels,
    save,
    setup,
)
from bot.services.campaign_effects import _status_comment, acknowledge, publish, react  # noqa: F401
from bot.services.campaign_timeline import (  # noqa: F401
    comment_event,
    decisions_in,
    events_from_github,
    referenced_issues,
    timeline_claims,
)
from bot.services.repo import Repo

log = logging.getLogger(__name__)


async def current(repo: Repo, number: int, s: Setup) -> Record:
    record = await load(repo, number, s)
    if record is not None:
        return record
    events, status_comment = await events_from_github(repo, number, s)
    return Record(ledger.fold(events, now=repo.now(), **s.kwargs()), status_comment, rebuilt=True)


# --- entry points used by the handlers ------------------------------------------------------------------

async def on_event(repo: Repo, issue: dict, event: Any, s: Setup, *, edited_from: str | None = None) -> Record:
    """Apply one ledger event to the issue's campaign and publish the result.

    ``edited_from`` is the previous body of an edited comment (GitHub's ``changes.body.from``). GitHub's
    timestamps have one-second resolution, so an edit within the same second as the version we hold would
    not look newer; an edit whose previous body is the version we hold is newer by definition."""
    record = await current(repo, issue["number"], s)
    before = record.campaign
    event = in_order(before, event, s)
    if edited_from is not None and isinstance(event, ledger.CommentEvent):
        held = ledger.comment_version(before, event.comment_id)
        version = event.edited_at if event.edited_at is not None else event.at
        if held is not None and held[1] == ledger.body_digest(edited_from) and version <= held[0]:
            event = dataclasses.replace(event, edited_at=held[0] + 0.001)
    record.campaign = ledger.apply(before, event, now=repo.now(), **s.kwargs())
    await verify_transition(repo, issue["number"], record, s, before=before)
    # a campaign folded from GitHub just now already includes this event: for what changed, it is new
    await publish(repo, issue, record, s, before=None if record.rebuilt else before)
    return record


def in_order(campaign: ledger.Campaign, event: Any, s: Setup) -> Any:
    """A live event placed in delivery order (:mod:`bot.core.history`), with what was decided before.

    * a comment the log already holds keeps its position, and the permission verdict and rule recorded for
      the same revision (a demotion or promotion, a configuration change since changes nothing); a new
      comment goes after every record of its second;
    * a redelivered label or state event becomes the held record (the ledger folds it once); a new one goes
      after every record of its second, and a bounty label's addition applies today's configured goal and
      rule;
    * a claim sorts last in its second."""
    if isinstance(event, ledger.CommentEvent):
        held = ledger.comment_record(campaign, event.comment_id)
        if held is None:
            return dataclasses.replace(event, seq=history.next_seq(campaign, event.at))
        event = dataclasses.replace(event, at=held[1], seq=held[2])
        if not event.deleted and held[8] == ledger.body_digest(event.body):
            if any(cmd[1] in MAINTAINER_ONLY for cmd in held[9]):
                event = dataclasses.replace(event, maintainer=bool(held[5]))
            if held[10] is not None:
                event = dataclasses.replace(event, rule=held[10])
        return event
    if isinstance(event, ledger.LabelEvent):
        dup = history.held_duplicate(campaign, "l", event.at, label=event.label, added=event.added, actor=event.actor)
        if dup is not None:
            return ledger.LabelEvent(dup[1], dup[2], dup[3], dup[4], dup[5], None if dup[6] is None else Decimal(dup[6]),
                                     dup[7])
        goal = event.goal if event.goal is not None or not event.added else config_goal(s, event.label)
        rule = event.rule if event.rule is not None or not event.added else history.rule_of(s.config.bounties)
        return dataclasses.replace(event, seq=history.next_seq(campaign, event.at), goal=goal, rule=rule)
    if isinstance(event, ledger.StateEvent):
        dup = history.held_duplicate(campaign, "s", event.at, state=event.kind, reason=event.reason)
        if dup is not None:
            return ledger.StateEvent(dup[1], dup[2], dup[3], dup[4] or None)
        return dataclasses.replace(event, seq=history.next_seq(campaign, event.at))
    if isinstance(event, ledger.ClaimEvent):
        return dataclasses.replace(event, seq=history.CLAIM_SEQ)
    return event


#: States whose arrival is checked against GitHub (refolded from the timeline): those that end the campaign
#: or ask backers to pay. Open <-> funded is not (it is re-evaluated at every pledge until the deadline).
VERIFIED_STATES = frozenset({"delivered", "closed", "expired", "cancelled"})


async def verify_transition(repo: Repo, number: int, record: Record, s: Setup, *, before: ledger.Campaign) -> None:
    """The cache is not trusted over GitHub where it matters: when a campaign ends or is delivered, and when
    its funding becomes final at the deadline, it is refolded from GitHub and GitHub's fold wins a
    disagreement. The pledge that reaches the goal is not checked (that would read every comment page on
    every goal): the incremental state equals the fold of the same events, a lost delivery is recovered by
    redelivery, and the deadline check above catches what is still missing before funding is final."""
    after = record.campaign
    if before.state == after.state and before.deadline_passed == after.deadline_passed:
        return
    if after.state not in VERIFIED_STATES and before.deadline_passed == after.deadline_passed:
        return
    events, status_comment = await events_from_github(repo, number, s, decisions=history.decisions_of(record.campaign))
    refold = ledger.fold(events, now=repo.now(), **s.kwargs())
    if (refold.state, refold.goal, refold.pledges, refold.solver) != (
            record.campaign.state, record.campaign.goal, record.campaign.pledges, record.campaign.solver):
        log.warning("campaign on #%s: the cache said %s, GitHub says %s; using GitHub's", number,
                    record.campaign.state, refold.state)
        record.campaign = refold
    if record.status_comment is None:
        record.status_comment = status_comment


async def rebuild_repository(repo: Repo) -> list[tuple[int, ledger.Campaign]]:
    """Refold every campaign of a repository from GitHub alone (issues carrying a fundbot or bounty label),
    replace the cached state and bring the status comments and labels up to date."""
    s = await setup(repo)
    names = {n.lower() for n in [*s.label_goals, s.generic_label, s.names.get(s.config.bounties.funded_label) or s.config.bounties.funded_label,
                                 s.names.get(s.config.bounties.delivered_label) or s.config.bounties.delivered_label]}
    out = []
    variables = {**repo.vars, "state": "all", "per_page": 100}
    async for issue in repo.gh.getiter("/repos/{owner}/{repo}/issues{?state,per_page}", variables):
        if issue.get("pull_request"):
            continue
        if not any((lb.get("name") or "").lower() in names for lb in issue.get("labels") or []):
            continue
        number = issue["number"]
        await forget(repo, number)
        events, status_comment = await events_from_github(repo, number, s)
        record = Record(ledger.fold(events, now=repo.now(), **s.kwargs()), status_comment)
        await publish(repo, issue, record, s, before=None)
        out.append((number, record.campaign))
    return out


async def run_tick(job: Any, ctx: Any) -> None:
    data = json.loads(job.payload)
    repo, number = await Repo.installed(ctx, job.installation_id, data["repository"], delivery=job.key), data["number"]
    s = await setup(repo)
    record = await current(repo, number, s)
    before = record.campaign
    record.campaign = ledger.tick(before, now=repo.now(), **s.kwargs())
    if not record.rebuilt:
        await verify_transition(repo, number, record, s, before=before)
    issue = await repo.gh.getitem("/repos/{owner}/{repo}/issues/{issue_number}", {**repo.vars, "issue_number": number})
    await publish(repo, issue, record, s, before=before)


async def run_status(job: Any, ctx: Any) -> None:
    """``campaign.status`` (:mod:`bot.services.status_merge`): bring a status comment whose edit was merged
    up to date; nothing is sent when the delivery after it already did."""
    data = json.loads(job.payload)
    repo, number = await Repo.installed(ctx, job.installation_id, data["repository"], delivery=job.key), data["number"]
    s = await setup(repo)
    record = await load(repo, number, s)
    if record is None or record.status_comment is None:
        return  # nothing cached: the issue's next event refolds it and writes the comment
    said = (record.status_comment, record.rendered)
    await _status_comment(repo, number, record, s)
    if (record.status_comment, record.rendered) != said:
        await save(repo, number, record)
