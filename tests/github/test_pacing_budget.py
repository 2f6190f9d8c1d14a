"""The client paces content-creating requests from the store's budget (bot.core.pacing), shared by every process
using the store: reads and GraphQL queries go at once, a burst goes at once, the request beyond the budget
sleeps until its slot (or hands its job back when that is over a minute away), and a 403 with ``retry-after``
holds back every process's next mutation of that installation."""

from __future__ import annotations

import aiohttp
import pytest

from bot.core import pacing
from bot.github import GitHubApp, RetryLater
from bot.store import open_store
from tests.github.test_github_client import FakeClock

REPO = "octo-org/widgets"
SMALL = pacing.Budget(per_minute=3, per_hour=100, margin=0.0)


@pytest.fixture
async def shared_store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'pacing.db'}")
    await store.connect()
    await store.migrate()
    yield store
    await store.close()


def app_for(session, sandbox, clock, store, budget=SMALL) -> GitHubApp:
    return GitHubApp(session, app_id=str(sandbox.app_id), private_key=sandbox.private_key_pem.decode(),
                     base_url=sandbox.base_url, clock=clock, pacing_budget=budget, pacing_store=store)


async def test_a_burst_goes_at_once_reads_and_graphql_are_never_paced(sandbox, sandbox_repo, sandbox_installation_id,
                                                                      shared_store):
    clock = FakeClock()
    async with aiohttp.ClientSession() as session:
        gh = await app_for(session, sandbox, clock, shared_store).installation(sandbox_installation_id)
        issue = await sandbox.open_issue(REPO, "octocat", "x")
        for i in range(3):
            await gh.post(f"/repos/{REPO}/issues/{issue['number']}/comments", data={"body": f"c{i}"})
        for _ in range(5):
            await gh.getitem(f"/repos/{REPO}")
            await gh.graphql("query { viewer { login } }")
        assert clock.sleeps == []  # three at once (the budget), and reads cost nothing
        started = clock.now
        await gh.post(f"/repos/{REPO}/issues/{issue['number']}/comments", data={"body": "c3"})
        assert clock.sleeps == [pytest.approx(60.0)]  # the fourth waits for the first one's minute to pass
        calls = [c for c in sandbox.calls if c.method == "POST" and c.path.endswith("/comments")]
        assert len(calls) == 4 and clock.now == pytest.approx(started + 60.0)


async def test_two_processes_share_one_budget(sandbox, sandbox_repo, sandbox_installation_id, shared_store):
    """Two GitHubApps (two processes: own clients, own clocks) on one store."""
    first_clock, second_clock = FakeClock(), FakeClock()
    second_clock.now = first_clock.now
    async with aiohttp.ClientSession() as session:
        first = await app_for(session, sandbox, first_clock, shared_store).installation(sandbox_installation_id)
        second = await app_for(session, sandbox, second_clock, shared_store).installation(sandbox_installation_id)
        issue = await sandbox.open_issue(REPO, "octocat", "x")
        for gh in (first, second, first):
            await gh.post(f"/repos/{REPO}/issues/{issue['number']}/comments", data={"body": "c"})
        assert first_clock.sleeps == second_clock.sleeps == []
        await second.post(f"/repos/{REPO}/issues/{issue['number']}/comments", data={"body": "c"})
        assert second_clock.sleeps == [pytest.approx(60.0, abs=0.5)]  # the first process spent part of it


async def test_a_slot_over_a_minute_away_hands_the_job_back(sandbox, sandbox_repo, sandbox_installation_id,
                                                            shared_store):
    clock = FakeClock()
    async with aiohttp.ClientSession() as session:
        budget = pacing.Budget(per_minute=1, per_hour=100, margin=5.0)
        gh = await app_for(session, sandbox, clock, shared_store, budget).installation(sandbox_installation_id)
        issue = await sandbox.open_issue(REPO, "octocat", "x")
        await gh.post(f"/repos/{REPO}/issues/{issue['number']}/comments", data={"body": "c"})
        with pytest.raises(RetryLater) as exc:
            await gh.post(f"/repos/{REPO}/issues/{issue['number']}/comments", data={"body": "c"})
        assert exc.value.at == pytest.approx(clock.now + 65.0)
        assert clock.sleeps == [] and len(sandbox.comments(REPO, issue["number"])) == 1


async def test_a_secondary_limit_answer_holds_back_every_process(sandbox, sandbox_repo, sandbox_installation_id,
                                                                 shared_store):
    first_clock, second_clock = FakeClock(), FakeClock()
    second_clock.now = first_clock.now
    async with aiohttp.ClientSession() as session:
        budget = pacing.Budget()  # GitHub's: 80 a minute, nothing here comes near it
        first = await app_for(session, sandbox, first_clock, shared_store, budget).installation(sandbox_installation_id)
        second = await app_for(session, sandbox, second_clock, shared_store, budget).installation(sandbox_installation_id)
        issue = await sandbox.open_issue(REPO, "octocat", "x")
        sandbox.faults.add(method="POST", path="/comments$", secondary=True, retry_after=7)
        await first.post(f"/repos/{REPO}/issues/{issue['number']}/comments", data={"body": "c"})
        assert first_clock.sleeps[0] == 7.0  # GitHub said so: waited, then sent again
        await second.post(f"/repos/{REPO}/issues/{issue['number']}/comments", data={"body": "c"})
        assert second_clock.sleeps == [pytest.approx(7.0, abs=0.5)]  # told by the store, not by GitHub
        assert len(sandbox.comments(REPO, issue["number"])) == 2
