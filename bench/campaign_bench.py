"""Campaign figures: GitHub calls per accepted /pledge (10, 100, 1,000 comments on the issue; once the campaign
is cached) and the time to fold 10,000 pledge comments."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bot.core import campaign as ledger
from bot.core.config import Config


async def calls_per_pledge(comments: int) -> dict:
    from bot.app import Service, wait_until_idle
    from bot.sandbox import Sandbox
    from bot.settings import Settings

    sandbox = Sandbox(validate=False)
    await sandbox.start()
    with tempfile.TemporaryDirectory(prefix="fundbot-bench-") as tmp:
        settings = Settings().for_sandbox(sandbox, database_url=f"sqlite:///{Path(tmp) / 'b.db'}", log_level="ERROR")
        service = Service(settings, poll_interval=0.02)
        await service.open()
        try:
            repo = "bench/widgets"
            sandbox.add_user("bench", type="Organization")
            sandbox.add_user("maint")
            sandbox.add_repo(repo, files={".github/fundbot.yml": "issues:\n  comment: false\n"}, owner_type="Organization")
            sandbox.set_permission(repo, "maint", "admin")
            installation = sandbox.add_installation("bench", repos=[repo])
            issue = await sandbox.open_issue(repo, "maint", "A feature")
            for i in range(comments):  # the discussion before the campaign; not delivered to the bot
                sandbox.add_user(f"user{i}")
                await sandbox.comment(repo, issue["number"], f"user{i}", f"+1, I need this ({i})")
            port = await service.start_web()
            service.start_workers()
            sandbox.webhook_url = f"http://127.0.0.1:{port}{settings.webhook_path}"

            async def settle() -> None:
                for _ in range(3):
                    await sandbox.drain()
                    await wait_until_idle(service.store)

            await sandbox.comment(repo, issue["number"], "maint", "/bounty 1000")
            await sandbox.comment(repo, issue["number"], "user0", "/pledge 10")  # warms the caches
            await settle()
            before = len(sandbox.calls)
            remaining = sandbox.rate_limit_remaining(installation["id"])
            started = time.perf_counter()
            await sandbox.comment(repo, issue["number"], "user1", "/pledge 25")
            await settle()
            elapsed = time.perf_counter() - started
            made = sandbox.calls[before:]
            return {
                "comments_on_issue": comments + 3,
                "calls": len(made),
                "calls_counted_against_rate_limit": remaining - sandbox.rate_limit_remaining(installation["id"]),
                "requests": sorted(f"{c.method} {c.path.replace(repo, '{repo}')} {c.status}" for c in made),
                "seconds": round(elapsed, 3),
            }
        finally:
            await service.close(grace=1)
            await sandbox.stop()


def fold_time(n: int) -> dict:
    config = Config.defaults().bounties
    t0 = 1_800_000_000.0
    events = [ledger.CommentEvent(t0, 1, 1, "maint", "/bounty 100000", True)]
    events += [ledger.CommentEvent(t0 + 10 + i, i + 2, i + 2, f"backer{i}", f"/pledge {1 + i % 50}", False) for i in range(n)]
    started = time.perf_counter()
    campaign = ledger.fold(events, config=config, now=t0 + 10 + n)
    elapsed = time.perf_counter() - started
    assert campaign.backers() == n
    one = ledger.CommentEvent(t0 + 20 + n, n + 5, n + 5, "late", "/pledge 5", False)
    started = time.perf_counter()
    ledger.apply(campaign, one, config=config, now=t0 + 21 + n)
    apply_elapsed = time.perf_counter() - started
    return {"pledge_comments": n, "fold_ms": round(elapsed * 1000, 1), "apply_one_ms": round(apply_elapsed * 1000, 1)}


async def run_async(quick: bool) -> dict:
    sizes = (10, 100) if quick else (10, 100, 1000)
    return {
        "api_calls_per_pledge": [await calls_per_pledge(n) for n in sizes],
        "fold": fold_time(2000 if quick else 10000),
    }


def run(quick: bool) -> dict:
    return asyncio.run(run_async(quick))


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=False), indent=2))
