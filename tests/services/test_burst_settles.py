"""Issue 12.4: a burst settles within the debounce window. The README sync keeps its first trigger's deadline
(also overdue, or handed back to wait for the pacing budget), and a burst on one issue edits its status
comment once (``bot.services.status_merge``). Counted on a controllable clock, not timed."""

from __future__ import annotations

from bot.services.context import Context
from bot.services.repo import Repo
from bot.services.sync_requests import schedule
from bot.settings import Settings
from bot.store import open_store
from bot.testing import FakeClock, running_bot, settle

REPO = "octo-org/widgets"
T = 1_700_000_000.0
BACKERS = ("alice", "bob", "carol", "dave", "erin")


async def test_a_pending_sync_runs_at_its_deadline_never_later(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'sync.db'}")
    await store.connect()
    await store.migrate()
    clock = FakeClock(T)
    repo = Repo(None, Context(store=store, clock=clock, settings=Settings(), github=None),
                {"id": 7, "full_name": "o/r", "default_branch": "main"})
    try:
        assert await schedule(repo, debounce=60, reason="pledge") == T + 60
        clock.advance(30)
        assert await schedule(repo, debounce=60, reason="pledge") == T + 60  # the first trigger's deadline
        clock.advance(31)  # overdue: the workers were busy
        assert await schedule(repo, debounce=60, reason="pledge") == T + 60  # kept due, not pushed to T + 121
        [job] = await store.claim("w", lease=60, now=clock.time())
        assert job.key == "sync:7" and job.run_at == T + 60
        # the run is handed back until the pacing budget has room (RetryLater at T + 65)
        assert await store.retry_later(job.id, "w", run_at=T + 65, error="paced", now=clock.time())
        clock.advance(1)
        assert await schedule(repo, debounce=60, reason="pledge") == T + 65  # not T + 122
        clock.now = T + 65
        [job] = await store.claim("w", lease=60, now=clock.time())
        clock.advance(1)  # a trigger while it runs (it may have read the README already): a new window
        assert await schedule(repo, debounce=60, reason="pledge") == T + 126
        assert await store.complete(job.id, "w", now=clock.time())
        again = await store.get_job_by_key("sync:7")
        assert again is not None and again.status == "pending" and again.run_at == T + 126
        assert await schedule(repo, debounce=0, reason="/sponsors refresh") == T + 66  # sooner is allowed
    finally:
        await store.close()


async def test_fifty_pledges_on_ten_issues_edit_each_status_comment_once(sandbox, sandbox_repo, sandbox_installation_id,
                                                                         tmp_path):
    clock = FakeClock()  # no worker tasks: settle() runs the due jobs, the whole burst stored first
    sandbox.http.limits.enabled = False  # the bot's clock is fake, the sandbox's real: pacing cannot apply
    async with running_bot(sandbox, tmp_path, workers=False, clock=clock, backoff=None) as bot:
        await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "readme:\n  update: commit\n  debounce_seconds: 60\n"})
        for login in BACKERS:
            sandbox.add_user(login)
        numbers = []
        for i in range(10):
            numbers.append((await sandbox.open_issue(REPO, "octocat", f"feature {i}"))["number"])
            await sandbox.comment(REPO, numbers[-1], "octocat", "/bounty 1000")
        await settle(sandbox, bot)  # ten campaigns, each with its status comment
        edits_before = len(sandbox.calls_to("PATCH", r"/issues/comments/\d+$"))
        started = clock.time()
        pledges = [await sandbox.comment(REPO, n, who, f"/pledge {10 + j}") for n in numbers for j, who in enumerate(BACKERS)]
        await settle(sandbox, bot)
        assert len(sandbox.calls_to("PATCH", r"/issues/comments/\d+$")) - edits_before == 10  # one per issue, not 50
        r = sandbox.repo(REPO)
        assert all([x.content for x in r.comments[c["id"]].reactions] == ["+1"] for c in pledges)
        for n in numbers:  # each status comment shows the whole burst: 10 + 11 + 12 + 13 + 14
            [status] = [c for c in r.comments.values() if c.issue_number == n and "fundbot campaign" in c.body]
            assert "**60.00 USD** pledged" in status.body and "**5 backers**" in status.body, status.body
        sync = await bot.store.get_job_by_key(f"sync:{r.id}")
        assert sync is not None and sync.status == "pending" and sync.run_at <= started + 60
        commits = len(sandbox.calls_to("POST", f"/repos/{REPO}/git/commits"))
        clock.now = sync.run_at
        await settle(sandbox, bot)
        assert len(sandbox.calls_to("POST", f"/repos/{REPO}/git/commits")) == commits + 1  # at the deadline, once
        assert await bot.store.counts() == {**await bot.store.counts(), "failed": 0}
