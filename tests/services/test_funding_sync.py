"""Issue 4: FUNDING.yml kept equal to the rendering of `funding:` — by commit or by the rolling PR."""

from __future__ import annotations

import asyncio
import time

from bot.core import funding as rules
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"
FUNDING = "funding:\n  github: [octocat, hubot]\n  custom: [\"https://example.org/donate\"]\n"


async def wait_for(condition, *, timeout: float, interval: float = 0.02) -> None:
    """Wait until the async ``condition()`` is true, at most ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


async def syncs_quiet(bot, within: float = 10.0) -> bool:
    """No files.sync job running or due within ``within`` seconds (a retry after its backoff, a debounce window)."""
    soon = time.time() + within
    return not [j for j in await bot.store.list_jobs(None) if j.kind == "files.sync"
                and (j.status == "running" or (j.status == "pending" and j.run_at <= soon))]


def pulls(sandbox):
    return [p for p in sandbox.calls_to("POST", f"/repos/{REPO}/pulls") if p.status == 201]


def sync_runs(sandbox):
    return [r for r in sandbox.repo(REPO).check_runs.values() if r.name == "fundbot/sync"]


EXPECTED = rules.render({"github": ["octocat", "hubot"], "custom": ["https://example.org/donate"]}).encode()


async def test_pull_request_mode_proposes_the_rendered_file(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": FUNDING + "readme:\n  update: off\n  debounce_seconds: 0\n"})
    await settle(sandbox, bot, within=10)
    assert sandbox.file(REPO, ".github/FUNDING.yml") == b"github: [octocat]\n"  # default branch untouched
    assert sandbox.file(REPO, ".github/FUNDING.yml", ref="fundbot/update") == EXPECTED
    assert len(pulls(sandbox)) == 1
    [run] = sync_runs(sandbox)
    assert "pull request #" in run.output["title"]


async def test_commit_mode_commits_once_and_then_stays_quiet(sandbox, sandbox_repo, sandbox_installation_id, bot):
    config = FUNDING + "funding_file: commit\nreadme:\n  update: off\n  debounce_seconds: 0\n"
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": config})
    await settle(sandbox, bot, within=10)
    assert sandbox.file(REPO, ".github/FUNDING.yml") == EXPECTED
    head = sandbox.repo(REPO).head
    commits = len(sandbox.calls_to("POST", f"/repos/{REPO}/git/commits"))
    # a config change that does not change the rendering writes nothing
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": config + "issues:\n  comment: false\n"})
    await settle(sandbox, bot, within=10)
    assert len(sandbox.calls_to("POST", f"/repos/{REPO}/git/commits")) == commits
    assert sandbox.repo(REPO).head != head  # (only the human's push moved it)
    assert pulls(sandbox) == []
    # a human edit of the generated file is put back
    await sandbox.push_files(REPO, "octocat", {".github/FUNDING.yml": "github: [someone-else]\n"})
    await settle(sandbox, bot, within=10)
    assert sandbox.file(REPO, ".github/FUNDING.yml") == EXPECTED


async def test_without_funding_in_config_a_human_file_is_left_alone(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "readme:\n  update: off\n  debounce_seconds: 0\n",
                                               ".github/FUNDING.yml": "patreon: widgets\n"})
    await settle(sandbox, bot, within=10)
    assert sandbox.file(REPO, ".github/FUNDING.yml") == b"patreon: widgets\n"
    assert pulls(sandbox) == [] and sync_runs(sandbox) == []
    assert [r.name for r in sandbox.repo(REPO).check_runs.values()].count("fundbot/funding") == 1  # linted


async def test_branch_protection_falls_back_to_the_pull_request(sandbox, sandbox_repo, sandbox_installation_id, bot):
    sandbox.faults.add(method="PATCH", path=r"/git/refs/heads/main$", status=422, times=None,
                       body={"message": "Changes must be made through a pull request.",
                             "documentation_url": "https://docs.github.com/rest/git/refs#update-a-reference"})
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": FUNDING + "funding_file: commit\nreadme:\n  update: off\n  debounce_seconds: 0\n"})
    await settle(sandbox, bot, within=10)
    assert sandbox.file(REPO, ".github/FUNDING.yml", ref="fundbot/update") == EXPECTED
    [run] = sync_runs(sandbox)
    assert "refused" in run.output["summary"] and "pull request" in run.output["summary"]


async def test_triggers_within_the_debounce_window_write_once(sandbox, sandbox_repo, sandbox_installation_id, bot):
    base = FUNDING + "funding_file: commit\nreadme:\n  update: off\n  debounce_seconds: 3\n"
    loop = asyncio.get_running_loop()
    started = loop.time()
    for i in range(3):
        await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": base + f"# edit {i}\n"})
        await settle(sandbox, bot, within=0)  # the debounce window stays open
    assert loop.time() - started < 3
    assert sandbox.file(REPO, ".github/FUNDING.yml") == b"github: [octocat]\n"  # not yet: the window is open
    await wait_for(lambda: syncs_quiet(bot), timeout=20.0)
    await settle(sandbox, bot, within=10)
    assert loop.time() - started >= 3  # written only when the window closed
    assert sandbox.file(REPO, ".github/FUNDING.yml") == EXPECTED
    assert len(sandbox.calls_to("POST", f"/repos/{REPO}/git/commits")) == 1


async def test_invalid_config_writes_nothing(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": FUNDING + "funding_file: commit\nreadme:\n  update: off\n  debounce_seconds: 0\nbounties:\n  min_pledge: -1\n"})
    await settle(sandbox, bot, within=10)
    assert sandbox.file(REPO, ".github/FUNDING.yml") == b"github: [octocat]\n"


async def test_a_branch_that_keeps_moving_is_reported_then_retried(sandbox, sandbox_repo, sandbox_installation_id, bot):
    # every ref update is answered "not a fast forward" three times: the writer re-reads and re-renders each
    # time, then gives up; the sync reports it and the job is retried later
    rule = sandbox.faults.add(method="PATCH", path=r"/git/refs/heads/main$", status=422, times=3,
                              body={"message": "Update is not a fast forward",
                                    "documentation_url": "https://docs.github.com/rest/git/refs#update-a-reference"})
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": FUNDING + "funding_file: commit\nreadme:\n  update: off\n  debounce_seconds: 0\n"})
    await settle(sandbox, bot, within=10)

    async def sync_done() -> bool:  # the retry comes back after a short backoff, not necessarily within settle()
        jobs = [j for j in await bot.store.list_jobs(None) if j.kind == "files.sync"]
        return bool(jobs) and all(j.status == "done" for j in jobs)

    await wait_for(sync_done, timeout=20.0)
    await settle(sandbox, bot, within=10)
    assert rule.hits == 3
    first, second = sorted(sync_runs(sandbox), key=lambda r: r.id)
    assert first.conclusion == "neutral" and "changed during every attempt" in first.output["summary"]
    # the job layer retried it (the bot fixture makes retries come back in milliseconds) and it went through
    assert second.conclusion == "success" and "committed" in second.output["summary"]
    assert sandbox.file(REPO, ".github/FUNDING.yml") == EXPECTED
    [job] = [j for j in await bot.store.list_jobs(None) if j.kind == "files.sync"]
    assert job.status == "done" and job.attempts == 2


async def test_installing_on_a_configured_repository_syncs_funding(sandbox, bot):
    sandbox.add_user("octo-org", type="Organization")
    sandbox.add_repo("octo-org/tools", owner_type="Organization", files={
        ".github/fundbot.yml": "funding:\n  liberapay: tools\nfunding_file: commit\nreadme:\n  update: off\n  debounce_seconds: 0\n",
        ".github/FUNDING.yml": "patreon: old\n"})
    await sandbox.install("octo-org", ["octo-org/tools"])
    await settle(sandbox, bot, within=10)
    assert sandbox.file("octo-org/tools", ".github/FUNDING.yml") == rules.render({"liberapay": "tools"}).encode()
