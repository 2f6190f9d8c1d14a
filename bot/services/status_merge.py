"""A burst on one issue edits its status comment once.

When the issue's next delivery is already waiting behind the job being handled (it runs right after it, see
``Store.queued_behind``), the status-comment edit is left to that delivery, and a ``campaign.status`` task
(``bot.services.campaigns.run_status``) is queued behind it for the case that delivery changes nothing: it finds
the comment current and sends nothing, or makes the edit. A state change (funded, delivered...) and the first
status comment are never merged. Fewer content-creating requests in a burst: 50 pledges on 10 issues send 50 👍
and about 10 edits, inside GitHub's 80 a minute, instead of 100 requests."""

from __future__ import annotations

import json

from bot.services.repo import Repo

STATUS_KIND = "campaign.status"


async def merged_later(repo: Repo, number: int, ordering_key: str) -> bool:
    """True when the edit is left to the issue's next delivery (the task that makes sure of it is queued)."""
    store = repo.ctx.store
    if repo.delivery is None or repo.delivery.startswith("status:") or not await store.queued_behind(repo.delivery):
        return False
    now = repo.now()
    payload = {"repository": {k: repo.repository.get(k) for k in ("id", "full_name", "default_branch")}, "number": number}
    await store.schedule(STATUS_KIND, f"status:{ordering_key}:{repo.delivery}", run_at=now,
                         payload=json.dumps(payload).encode(), installation_id=repo.installation_id,
                         ordering_key=ordering_key, now=now)
    return True
