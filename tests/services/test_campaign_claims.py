"""Issue 14.5 through the sandbox: claims that hold - /claim in a pull request's description or comment,
bounties.claims: contributors against drive-by pull requests, a merge by someone who may not claim waits for
the maintainer's /bounty deliver, /bounty split with each solver's share; a rebuild folds the same."""

from __future__ import annotations

import re

import pytest

from bot.services import campaigns as shell
from bot.services.repo import Repo
from bot.testing import fundbot_world
from bot.testing.harness import FakeClock
from tests.fixtures.bot_fixtures import settle
from tests.fixtures.sandbox_fixtures import started_sandbox
from tests.services.test_campaign_payments import REPO, bot_comments, status

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9-]*)")


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    for login in ("alice", "bob", "carol", "swarm", "old", "ann", "ben"):
        sandbox.add_user(login)
    return sandbox_repo


async def funded_issue(sandbox, bot, config: str | None = None) -> int:
    if config:
        await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": config}, message="config")
    issue = await sandbox.open_issue(REPO, "carol", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await sandbox.comment(REPO, n, "alice", "/pledge 60")
    await sandbox.comment(REPO, n, "bob", "/pledge 40")
    await settle(sandbox, bot)
    return n


async def test_contributors_claim_a_drive_by_merge_waits_for_the_maintainer():
    config = "bounties:\n  claims: contributors\n  max_claims: 2\n"
    clock = FakeClock()
    async with started_sandbox(clock=clock.time) as sb, fundbot_world(config=config, clock=clock, sandbox=sb) as world:
        # GitHub and fundbot on one fake clock: each step a few seconds later
        maint, old, swarm = world.maintainer, world.as_user("old"), world.as_user("swarm")
        await old.push({"docs/old.md": "an earlier fix\n"}, message="earlier fix")  # a contributor now
        issue = await world.as_user("carol").open_issue("Dark mode")
        n = issue["number"]
        await maint.comment(n, "/bounty 100")
        await world.as_user("alice").comment(n, "/pledge 60")
        await world.as_user("bob").comment(n, "/pledge 40")
        await world.advance(seconds=5)
        drive_by = await swarm.open_pull("Dark mode", f"Fixes #{n}\n\n/claim", head="swarm")
        mine = await old.open_pull("Dark mode, properly", f"Closes #{n}", head="old")
        await old.comment(mine, "/claim")
        await world.advance(seconds=5)
        [status_comment] = world.bot_comments(n, marker="campaign")
        body = status_comment["body"]
        assert f"**Claimed by:** [@\u200bold](https://github.com/old) in #{mine['number']}" in body
        assert "**Claims that do not count:** [@\u200bswarm](https://github.com/swarm)" in body
        assert "bounties.claims: contributors" in body

        await maint.merge(drive_by)  # closes the issue as completed
        await world.advance(seconds=5)
        body = world.bot_comments(n, marker="campaign")[0]["body"]
        assert body.startswith("### 💰 fundbot campaign · 🎉 funded")
        assert (f"**⏳ Awaiting maintainer:** [@\u200bswarm](https://github.com/swarm) merged #{drive_by['number']}, "
                "they may not claim it (bounties.claims)") in body
        assert len(world.bot_comments(n, marker="notice")) == 1  # the funded notice only: no silent delivery

        await maint.comment(n, f"/bounty deliver #{mine['number']}")
        await world.advance(seconds=5)
        body = world.bot_comments(n, marker="campaign")[0]["body"]
        assert "✅ delivered" in body and f"by [@\u200bold](https://github.com/old) in #{mine['number']}" in body
        assert "@old: thank you for delivering this" in world.bot_comments(n, marker="notice")[-1]["body"]

        gh = await world.bot.service.github.installation(world.installation_id)
        r = Repo(gh, world.bot.service.ctx, {"id": world.sandbox.repo(world.repo).id, "full_name": world.repo,
                                             "default_branch": "main"})
        s = await shell.setup(r)
        live = (await shell.load(r, n, s)).campaign
        await shell.forget(r, n)  # a rebuild from GitHub folds the same claims and the same decision
        assert [num for num, _ in await shell.rebuild_repository(r)] == [n]
        await world.settle()
        again = (await shell.load(r, n, s)).campaign
        assert (again.state, again.solver, again.pull, again.claims) == (live.state, live.solver, live.pull, live.claims)
        assert len(world.bot_comments(n, marker="notice")) == 2  # none on rebuild


async def test_split_shows_each_solver_share_and_a_pull_closed_unmerged_withdraws(sandbox, repo, bot):
    n = await funded_issue(sandbox, bot)
    pull = await sandbox.open_pull(REPO, "ann", "Dark mode", f"Fixes #{n}\n/claim", head="ann")
    await settle(sandbox, bot)
    assert f"**Claimed by:** [@\u200bann](https://github.com/ann) in #{pull['number']}" in status(sandbox, n)
    await sandbox.comment(REPO, n, "octocat", "/bounty split @ann 60 @ben 40")
    await settle(sandbox, bot)
    body = status(sandbox, n)
    assert "✅ delivered" in body
    assert ("**Solvers:** [@\u200bann](https://github.com/ann) 60 % (60.00 USD), "
            "[@\u200bben](https://github.com/ben) 40 % (40.00 USD)") in body
    notice = bot_comments(sandbox, n, "notice")[-1]["body"]
    assert {"ann", "ben", "alice", "bob"} <= set(MENTION.findall(notice))
    # no offer was accepted and pay_to is implementer: the split makes backers pay the solvers directly
    assert "each their share of your pledge (@\u200bann 60 %, @\u200bben 40 %)" in notice
    await sandbox.comment(REPO, n, "ben", "/bounty received @bob")  # a solver confirms
    await settle(sandbox, bot)
    assert "received: 1 backer, 40.00 USD" in status(sandbox, n)


async def test_a_pull_request_closed_without_merge_withdraws_its_claim(sandbox, repo, bot):
    n = await funded_issue(sandbox, bot)
    pull = await sandbox.open_pull(REPO, "ann", "Dark mode", f"Fixes #{n}\n/claim", head="ann")
    await settle(sandbox, bot)
    assert "**Claimed by:**" in status(sandbox, n)
    await sandbox.close_issue(REPO, pull["number"], "ann")  # a pull request closed without a merge
    await settle(sandbox, bot)
    assert "**Claimed by:**" not in status(sandbox, n)
    # a pull request that claimed nothing closes without a GitHub request from fundbot
    other = await sandbox.open_pull(REPO, "ben", "Typo", f"Fixes #{n}", head="ben")
    await settle(sandbox, bot)
    before = len(sandbox.calls)
    await sandbox.close_issue(REPO, other["number"], "ben")
    await settle(sandbox, bot)
    assert [f"{c.method} {c.path}" for c in sandbox.calls[before:]] == []
