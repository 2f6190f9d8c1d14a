"""Pacing figures (issue 12, point 4), under the default settings, against the sandbox on the real clock (which
enforces GitHub's secondary limits: 80 content-creating requests a minute, 500 an hour, per installation):

* ``thumbs_up_ms``: p50/p99 from a ``/pledge`` comment's webhook to the 👍 reaching GitHub, at light load (one
  pledge at a time); goal p99 < 200 ms;
* ``burst``: 50 pledges on 10 issues of one repository sent at once: seconds until every 👍 is there and the
  README is written with no further write scheduled (``seconds``; goal: the debounce window, 60 s, + 10 s), and
  until the last 👍 (``acks_seconds``); with the README commits, the content-creating requests and the
  secondary-limit refusals (goal 0).

``run(quick)`` returns the figures as a dict (bench/run.py calls it); ``python bench/pacing.py`` prints them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from bot.app import Service
from bot.sandbox import Sandbox
from bot.settings import Settings

LIGHT = 10  # the light-load pledges go round-robin to this many repositories, one installation each
BURST_REPO = "burst/gadgets"  # the burst: another installation, so it starts with the whole budget
CONFIG = ".github/fundbot.yml"
README = "readme:\n  update: commit\n"  # the default debounce window (60 s)
CONTENT_METHODS = ("POST", "PATCH", "PUT", "DELETE")


def light_repo(i: int) -> str:
    return f"bench{i}/widgets"


@contextlib.asynccontextmanager
async def running(tmp: Path) -> AsyncIterator[tuple[Sandbox, Service, int]]:
    sandbox = Sandbox(validate=False)
    await sandbox.start()
    defaults = Settings()
    settings = defaults.for_sandbox(sandbox, database_url=f"sqlite:///{tmp / 'pacing.db'}", log_level="ERROR",
                                    mutation_interval=defaults.mutation_interval)  # pacing as deployed
    service = Service(settings)
    await service.open()
    assert service.github is not None
    service.github.share_pacing(service.store, settings.pacing_budget)  # as bot/app.py does once wired
    try:
        sandbox.add_user("maint")
        for i in range(LIGHT):
            sandbox.add_user(f"bench{i}", type="Organization")
            sandbox.add_repo(light_repo(i), files={CONFIG: README, "README.md": "# widgets\n"}, owner_type="Organization")
            sandbox.set_permission(light_repo(i), "maint", "admin")
            sandbox.add_installation(f"bench{i}", repos=[light_repo(i)])
        sandbox.add_user("burst", type="Organization")
        sandbox.add_repo(BURST_REPO, files={CONFIG: README, "README.md": "# gadgets\n"}, owner_type="Organization")
        sandbox.set_permission(BURST_REPO, "maint", "admin")
        installation = sandbox.add_installation("burst", repos=[BURST_REPO])["id"]
        port = await service.start_web(host="127.0.0.1", port=0)
        service.start_workers()
        sandbox.webhook_url = f"http://127.0.0.1:{port}{settings.webhook_path}"
        yield sandbox, service, installation
    finally:
        await service.close(grace=2)
        await sandbox.stop()


async def until(condition, timeout: float, step: float = 0.005) -> float:
    """Wait for ``condition()`` (bounded); the time.time() it first held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not finish in time")
        await asyncio.sleep(step)
    return time.time()


def reaction_at(sandbox: Sandbox, comment_id: int, repo: str) -> float | None:
    path = f"/repos/{repo}/issues/comments/{comment_id}/reactions"
    calls = [c for c in sandbox.calls if c.method == "POST" and c.path == path and c.status == 201]
    return calls[0].ts if calls else None


async def campaign(sandbox: Sandbox, title: str, repo: str) -> int:
    issue = await sandbox.open_issue(repo, "maint", title)
    await sandbox.comment(repo, issue["number"], "maint", "/bounty 1000")
    return issue["number"]


def commits(sandbox: Sandbox, repo: str) -> list[float]:
    return [c.ts for c in sandbox.calls_to("POST", f"/repos/{repo}/git/commits") if c.status == 201]


async def thumbs_up(sandbox: Sandbox, pledges: int) -> dict:
    """Light load: one pledge at a time, 0.3 s apart, round-robin over LIGHT installations (each one sends
    about 13 content-creating requests a minute, far inside its budget)."""
    numbers = [await campaign(sandbox, "light load", light_repo(i)) for i in range(LIGHT)]
    await asyncio.sleep(1.0)  # the /bounty comments are handled
    latencies = []
    for i in range(pledges):
        sandbox.add_user(f"light{i}")
        repo = light_repo(i % LIGHT)
        sent = time.time()
        comment = await sandbox.comment(repo, numbers[i % LIGHT], f"light{i}", f"/pledge {5 + i}")
        done = await until(lambda c=comment, r=repo: reaction_at(sandbox, c["id"], r) is not None, 10)
        latencies.append((reaction_at(sandbox, comment["id"], repo) or done) - sent)
        await asyncio.sleep(0.3)
    ms = sorted(x * 1000 for x in latencies)
    return {"pledges": pledges, "p50": round(statistics.median(ms), 1),
            "p99": round(ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))], 1), "max": round(ms[-1], 1),
            "goal_p99_ms": 200}


async def burst_setup(sandbox: Sandbox) -> list[int]:
    """Ten campaigns on the burst repository; their README commit comes one debounce window later."""
    numbers = [await campaign(sandbox, f"feature {i}", BURST_REPO) for i in range(10)]
    for who in range(5):
        sandbox.add_user(f"backer{who}")
    return numbers


async def burst(sandbox: Sandbox, service: Service, numbers: list[int]) -> dict:
    await until(lambda: len(commits(sandbox, BURST_REPO)) >= 1, 120, step=0.1)  # the campaigns' own README write
    await asyncio.sleep(3.0)  # and its budget is back: the burst starts on an idle installation
    refused_before = len(sandbox.http.limits.refused)
    first_call = len(sandbox.calls)
    started = time.time()
    comments = [await sandbox.comment(BURST_REPO, n, f"backer{who}", f"/pledge {10 + who}")
                for n in numbers for who in range(5)]

    def acked() -> bool:
        return all(reaction_at(sandbox, c["id"], BURST_REPO) is not None for c in comments)

    sync_key = f"sync:{sandbox.repo(BURST_REPO).id}"
    acks_done = await until(acked, 200, step=0.05)
    while True:  # settled: every 👍 and the README written with no further write scheduled
        job = await service.store.get_job_by_key(sync_key)
        wrote = [ts for ts in commits(sandbox, BURST_REPO) if ts > started]
        if wrote and job is not None and job.status == "done":
            done = wrote[-1]
            break
        if time.time() - started > 300:
            raise TimeoutError("the README was not written")
        await asyncio.sleep(0.1)
    made = sandbox.calls[first_call:]
    return {"pledges": len(comments), "issues": len(numbers), "seconds": round(done - started, 1),
            "goal_seconds": 70, "acks_seconds": round(acks_done - started, 1),
            "readme_commits": sum(1 for ts in commits(sandbox, BURST_REPO) if ts > started),
            "content_requests": sum(1 for c in made if c.method in CONTENT_METHODS),
            "secondary_limit_403": len(sandbox.http.limits.refused) - refused_before}


async def run_async(quick: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="fundbot-pacing-") as tmp:
        async with running(Path(tmp)) as (sandbox, service, _installation):
            numbers = await burst_setup(sandbox)
            light = await thumbs_up(sandbox, 20 if quick else 100)
            heavy = await burst(sandbox, service, numbers)
    return {"thumbs_up_ms": light, "burst": heavy}


def run(quick: bool = False) -> dict:
    return asyncio.run(run_async(quick))


if __name__ == "__main__":
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
