"""Claims before the merge, the shell (issue 14.5; the rules are in :mod:`bot.core.campaign.claims`): a claim or
its withdrawal applied to the issue's campaign, and the claims a refold from GitHub credits.

A claim is not on the issue's timeline (a pull request comment, a description that may be edited later), so a
refold credits the claims fundbot recorded when it saw them: the decision record's ``intents``
(:class:`bot.core.history.Decisions`), carried in the status comment's marker
(:func:`bot.services.campaign_timeline.recorded_intents`). Intents sort after everything else of their second
but before merges (:data:`bot.core.history.INTENT_SEQ`), live and refolded alike.
"""

from __future__ import annotations

import logging

import gidgethub

from bot.core import campaign as ledger
from bot.core import history
from bot.github import status_of
from bot.services import campaigns
from bot.services.repo import Repo

log = logging.getLogger(__name__)


async def on_intent(repo: Repo, number: int, pull: int, user: str, action: str, association: str | None,
                    at: float) -> None:
    """Apply a claim (``action`` "claim") or its withdrawal ("drop") to issue ``number``'s campaign, if it has one."""
    s = await campaigns.setup(repo)
    try:
        issue = await repo.gh.getitem("/repos/{owner}/{repo}/issues/{issue_number}", {**repo.vars, "issue_number": number})
    except gidgethub.BadRequest as exc:
        if status_of(exc) in (404, 410):
            return
        raise
    if issue.get("pull_request"):
        return
    if await campaigns.load(repo, number, s) is None:
        names = {n.lower() for n in [*s.label_goals, s.generic_label]}
        if not any((lb.get("name") or "").lower() in names for lb in issue.get("labels") or [] if isinstance(lb, dict)):
            return  # no campaign: a claim alone opens none
    event = ledger.IntentEvent(at, history.INTENT_SEQ, pull, user, "drop" if action == "drop" else "claim", association)
    await campaigns.on_event(repo, issue, event, s)
