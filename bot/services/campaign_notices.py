"""Campaign notices, the shell: when a campaign reaches a moment that matters (funded, delivered, expired,
cancelled), one new comment - in parts of at most ten mentions - that tells the people concerned what to do
next (the texts and the decisions are in :mod:`bot.core.notices`). ``bounties.notify: false`` turns it off.

Exactly once per (issue, transition, occurrence), across redelivery, retries, restarts and rebuilds:

* The store (namespace ``campaign``, key ``notices:REPO#N``) records each moment's notice as ``pending``
  before the first POST and ``sent`` after the last. ``sent``: nothing to do, no request.
* With no record and a known transition (the cached campaign was in another state), nothing was attempted:
  the parts are posted without reading the issue's comments, so the pledge that reaches the goal costs one
  request more (the notice itself), none other.
* ``pending`` (a POST GitHub applied but answered 5xx, a crash between the parts), or no trustworthy cache
  (``before is None``: a rebuild, a lost database): the issue's comments are read and the parts fundbot
  already wrote (its own account, the ``notice`` marker of this moment) are not posted again.
* Without a known transition (``before is None``) a notice is posted only for a moment less than
  :data:`NOTICE_WINDOW` old: ``rebuild`` does not announce a campaign that expired last year.
"""

from __future__ import annotations

import logging

from bot.core import campaign as ledger
from bot.core import markdown, notices
from bot.github import repo_ops
from bot.services import campaign_payee
from bot.services.campaign_base import NS, Record, Setup, _key
from bot.services.repo import Repo

log = logging.getLogger(__name__)

NOTICE_WINDOW = 2 * ledger.DAY
KEEP = 20  # moments remembered per issue (a few per campaign occurrence)


async def announce(repo: Repo, number: int, record: Record, s: Setup, *, before: ledger.Campaign | None) -> int:
    """Post the notice of the campaign's current moment if it is due. Returns how many comments were posted."""
    c = record.campaign
    if not s.config.bounties.notify or (before is not None and before.state == c.state):
        return 0
    m = notices.moment(c)
    if m is None:
        return 0
    if before is None and (m.at is None or repo.now() - m.at > NOTICE_WINDOW):
        return 0
    key = f"notices:{_key(repo.repository, number)}"
    held = await repo.ctx.store.cache_get(NS, key)
    held = held if isinstance(held, dict) else {}
    if held.get(m.token) == "sent":
        return 0
    links = await campaign_payee.campaign_links(repo, s, c, stale_ok=True) if m.kind in ("funded", "delivered") else []
    bodies = notices.render(c, m, repo=repo.full_name, issue=number, links=links)
    done = await _posted_parts(repo, number, m) if before is None or held.get(m.token) == "pending" else set()
    todo = [(i, body) for i, body in enumerate(bodies, 1) if i not in done]
    if todo:
        await _remember(repo, key, held, m.token, "pending")
    for _, body in todo:
        await repo_ops.create_comment(repo.gh, repo.repository, number, body)
    await _remember(repo, key, held, m.token, "sent")
    if todo:
        log.info("campaign on #%s: %s notice posted (%d comment(s))", number, m.kind, len(todo))
    return len(todo)


async def _posted_parts(repo: Repo, number: int, m: notices.Moment) -> set[int]:
    """The parts of moment ``m``'s notice fundbot's own account already wrote on the issue."""
    url = "/repos/{owner}/{repo}/issues/{issue_number}/comments{?per_page}"
    found: set[int] = set()
    async for comment in repo.gh.getiter(url, {**repo.vars, "issue_number": number, "per_page": 100}):
        if not repo_ops.is_own(comment, repo.bot_login):
            continue
        for name, _version, data in markdown.find_markers(comment.get("body")):
            part = notices.same_moment(data, m) if name == notices.NOTICE_MARKER else None
            if part is not None:
                found.add(part)
    return found


async def _remember(repo: Repo, key: str, held: dict, token: str, state: str) -> None:
    held.pop(token, None)
    held[token] = state  # the newest last: the oldest are dropped beyond KEEP
    for old in list(held)[:-KEEP]:
        held.pop(old)
    await repo.ctx.store.cache_set(NS, key, held, installation_id=repo.installation_id)
