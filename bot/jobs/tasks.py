"""Every scheduled job kind and the ``async def run(job, ctx)`` that runs it: one explicit table.

Webhook jobs go through ``bot.jobs.routing``; everything the store holds under another kind is here. A
kind missing from this table is a job the worker cannot run (it parks it), so a new scheduled task is
added here, next to the others, not registered as a side effect of importing its module."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.handlers import campaigns as campaign_routes
from bot.handlers import claims as claim_routes
from bot.jobs import recovery
from bot.services import campaigns, sponsorship_refresh, status_merge, sync, sync_requests

Task = Callable[[Any, Any], Awaitable[None]]

TASKS: dict[str, Task] = {
    sync_requests.TASK_KIND: sync.run,  # files.sync: write the generated files of one repository
    sync_requests.DAILY_KIND: sync.run_daily,  # sponsors.daily: the README sponsor section's daily refresh
    campaigns.TICK_KIND: campaigns.run_tick,  # campaign.tick: a campaign deadline passed
    status_merge.STATUS_KIND: campaigns.run_status,  # campaign.status: a status comment whose edit was merged
    campaign_routes.CLAIM_KIND: campaign_routes.run_claim,  # campaign.claim: a merged pull request claims an issue
    claim_routes.INTENT_KIND: claim_routes.run_intent,  # campaign.intent: a claim before the merge, or its withdrawal
    recovery.KIND: recovery.run,  # deliveries.recover: ask GitHub to redeliver what we missed
    sponsorship_refresh.KIND: sponsorship_refresh.run,  # sponsorship: a GitHub Sponsors delivery (bot.edge.sponsorship)
}
