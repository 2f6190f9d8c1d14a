"""One pacing budget per installation for every worker (issue 12 point 4, issue 13 point 5): four workers, each
with its own connection to one PostgreSQL database, onboard 50 repositories of one installation (200 labels,
one job) and greet 30 new issues (30 comments, jobs in parallel) - 230 content-creating requests, nearly three
minutes' worth of GitHub's 80 - and the sandbox, which enforces GitHub's secondary limits on the real clock,
never answers a secondary-limit 403. Without the shared budget each worker would allow itself 80 a minute."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from bot.app import Service
from bot.settings import Settings
from tests.fixtures.sandbox_fixtures import started_sandbox
from tests.fixtures.store_fixtures import fresh_postgres_schema

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ORG = "octo-org"
REPOS = [f"{ORG}/repo-{i}" for i in range(50)]
ISSUES = 30
CONFIG = 'bounties:\n  labels: {"bounty: S": 100}\n'  # in the org's .github: no onboarding pull requests
CONTENT = ("POST", "PATCH", "PUT", "DELETE")


async def open_worker(sandbox, url: str, *, web: bool) -> Service:
    settings = Settings().for_sandbox(sandbox, database_url=url, log_level="WARNING", worker_concurrency=2,
                                      mutation_interval=Settings.mutation_interval)  # pacing as deployed
    service = Service(settings, poll_interval=0.05)
    await service.open()
    assert service.github is not None
    if service.github.pacer.book is not service.store:  # until bot/app.py hands the store to the client itself
        service.github.share_pacing(service.store, settings.pacing_budget)
    if web:
        port = await service.start_web(host="127.0.0.1", port=0)
        sandbox.webhook_url = f"http://127.0.0.1:{port}{settings.webhook_path}"
    service.start_workers()
    return service


async def test_four_workers_stay_inside_githubs_secondary_limits(tmp_path):
    async with started_sandbox() as sandbox, fresh_postgres_schema("fundbot_pacing") as url, \
            contextlib.AsyncExitStack() as stack:
        sandbox.add_user(ORG, type="Organization")
        sandbox.add_user("octocat")
        sandbox.add_repo(f"{ORG}/.github", files={".github/fundbot.yml": CONFIG}, owner_type="Organization")
        for repo in REPOS:
            sandbox.add_repo(repo, files={"README.md": "# r\n", ".github/FUNDING.yml": "github: [octocat]\n"},
                             owner_type="Organization")
        workers = [await open_worker(sandbox, url, web=i == 0) for i in range(4)]
        for service in workers:
            stack.push_async_callback(service.close, grace=2)
        started = time.time()
        installation = (await sandbox.install(ORG, repos=[*REPOS, f"{ORG}/.github"]))["id"]
        numbers = [(await sandbox.open_issue(REPOS[0], "octocat", f"issue {i}"))["number"] for i in range(ISSUES)]

        def done() -> bool:
            labelled = all(len(sandbox.labels(repo)) >= 4 for repo in REPOS)
            greeted = all(any(c["user"]["type"] == "Bot" for c in sandbox.comments(REPOS[0], n)) for n in numbers)
            return labelled and greeted

        while not done():
            labelled = sum(len(sandbox.labels(repo)) for repo in REPOS)
            greeted = sum(any(c["user"]["type"] == "Bot" for c in sandbox.comments(REPOS[0], n)) for n in numbers)
            assert time.time() - started < 300, (f"not finished: {labelled} labels, {greeted} issues greeted, "
                                                 f"{await workers[0].store.counts()}")
            await asyncio.sleep(0.5)
        sent = sorted(c.ts for c in sandbox.calls if c.method in CONTENT and c.installation_id == installation)
        assert sandbox.http.limits.refused == []  # never a secondary-limit 403
        assert len(sent) >= 230
        assert max(sum(1 for t in sent if end - 60 < t <= end) for end in sent) <= 80
        assert time.time() - started > 120  # it took the three minutes' windows it had to, not less
        assert (await workers[0].store.counts())["failed"] == 0
