"""Missed deliveries: the recovery job asks GitHub to redeliver what never reached the inbox, once."""

from __future__ import annotations

from bot.core import markdown
from bot.jobs import recovery
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"



def greeted(sandbox, number) -> int:
    return sum(markdown.has_marker(c["body"], "funding-links") for c in sandbox.comments(REPO, number))


async def run_recovery(bot) -> None:
    await bot.store.schedule(recovery.KIND, recovery.KEY, run_at=0, payload=b"{}")
    bot.service.notify()


async def test_failed_deliveries_are_redelivered_once(sandbox, sandbox_repo, sandbox_installation_id, bot):
    reachable = sandbox.webhook_url
    delivered = await sandbox.open_issue(REPO, "hubot", "this one reached fundbot")
    await settle(sandbox, bot)
    sandbox.webhook_url = "http://127.0.0.1:9/api/github/webhooks"  # fundbot is down
    missed = [await sandbox.open_issue(REPO, "hubot", f"missed {i}") for i in range(3)]
    await sandbox.drain()
    failed = [d for d in sandbox.deliveries if d["event"] == "issues" and d["status_code"] != 202]
    assert len(failed) == 3
    sandbox.webhook_url = reachable  # back up: the recovery job runs
    await run_recovery(bot)
    await settle(sandbox, bot)
    assert [greeted(sandbox, i["number"]) for i in [delivered, *missed]] == [1, 1, 1, 1]
    attempts = [c for c in sandbox.calls if c.method == "POST" and c.path.endswith("/attempts")]
    assert len(attempts) == 3 and all(c.auth == "jwt" for c in attempts)
    # the next pass finds nothing to do: the GUIDs are in the inbox now
    await run_recovery(bot)
    await settle(sandbox, bot)
    assert len([c for c in sandbox.calls if c.method == "POST" and c.path.endswith("/attempts")]) == 3
    # and the job keeps itself scheduled
    job = await bot.store.get_job_by_key(recovery.KEY)
    assert job is not None and job.status == "pending" and job.run_at > 0
