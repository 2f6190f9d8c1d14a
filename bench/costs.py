"""Issue 12, point 5 - costs flat in size: GitHub calls per accepted /pledge (an ordinary pledge, the pledge
that reaches the goal, the first pledge after a restart; at 10 and 1,000 comments on the issue), CPU per pledge
on a campaign of 10 / 1,000 / 10,000 pledges, and the bytes one pledge writes to the store's cache.

``run(quick)`` returns one dict (the lead wires it into ``bench/run.py``); ``python bench/costs.py`` prints it.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

GOAL_CALLS = 3
GOAL_CPU_MS = 20.0
REPO = "bench/widgets"
CONFIG = "issues:\n  comment: false\nbounties:\n  max_amount: 10000000\n"


def _shape(call: Any) -> str:
    return f"{call.method} {call.path.replace(REPO, '{repo}')} {call.status}"


async def _pledge_calls(sandbox, bot, number: int, who: str, amount: int) -> list[str]:
    from bot.testing import settle

    before = len(sandbox.calls)
    sandbox.add_user(who)
    await sandbox.comment(REPO, number, who, f"/pledge {amount}")
    await settle(sandbox, bot)
    return sorted(_shape(c) for c in sandbox.calls[before:])


async def calls_per_pledge(comments: int) -> dict:
    """GitHub requests one accepted /pledge makes, per case, on an issue with ``comments`` other comments."""
    from bot.sandbox import Sandbox
    from bot.testing import running_bot, settle

    sandbox = Sandbox(validate=False)
    await sandbox.start()
    out: dict[str, Any] = {"comments_on_issue": comments}
    try:
        sandbox.add_user("bench", type="Organization")
        sandbox.add_user("maint")
        sandbox.add_repo(REPO, files={".github/fundbot.yml": CONFIG}, owner_type="Organization")
        sandbox.set_permission(REPO, "maint", "admin")
        sandbox.add_installation("bench", repos=[REPO])
        issue = await sandbox.open_issue(REPO, "maint", "A feature")
        number = issue["number"]
        for i in range(comments):  # the discussion before the campaign; not delivered to the bot
            sandbox.add_user(f"user{i}")
            await sandbox.comment(REPO, number, f"user{i}", f"+1, I need this ({i})")
        with tempfile.TemporaryDirectory(prefix="fundbot-costs-") as tmp:
            async with running_bot(sandbox, Path(tmp), log_level="ERROR") as bot:
                await settle(sandbox, bot)
                await sandbox.comment(REPO, number, "maint", "/bounty 1000")
                await sandbox.comment(REPO, number, "maint", "/pledge 10")  # warms the caches
                await settle(sandbox, bot)
                out["ordinary"] = await _pledge_calls(sandbox, bot, number, "backer1", 25)
                out["goal_reaching"] = await _pledge_calls(sandbox, bot, number, "backer2", 965)
                out["after_goal"] = await _pledge_calls(sandbox, bot, number, "backer3", 5)
            async with running_bot(sandbox, Path(tmp), log_level="ERROR") as bot:  # a fresh process, same store
                out["first_after_restart"] = await _pledge_calls(sandbox, bot, number, "backer4", 7)
    finally:
        await sandbox.stop()
    for case in ("ordinary", "goal_reaching", "after_goal", "first_after_restart"):
        out[f"{case}_calls"] = len(out[case])
    return out


async def run_async(quick: bool) -> dict:
    calls = [await calls_per_pledge(n) for n in ((10, 100) if quick else (10, 1000))]
    worst = max(c[f"{case}_calls"] for c in calls for case in ("ordinary", "goal_reaching", "first_after_restart"))
    return {"calls_per_pledge": calls, "calls_per_pledge_max": worst, "calls_goal": GOAL_CALLS,
            "calls_ok": worst <= GOAL_CALLS}


def run(quick: bool = False) -> dict:
    return asyncio.run(run_async(quick))


if __name__ == "__main__":
    import sys

    started = time.perf_counter()
    result = run(quick="--quick" in sys.argv)
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))
