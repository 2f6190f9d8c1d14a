"""Issue 14.4 through the sandbox: rewards are delivered, not only listed. A delivered campaign puts a 25 backer's
name and a 100 backer's logo in the README, thanks in the release notes whoever's reward says so, and shows a
human reward (``delivers: none``) as owed in the status comment until ``/bounty reward done @user``."""

from __future__ import annotations

import pytest

from bot.core import markdown, readme
from bot.services import campaigns as shell
from bot.services.repo import Repo
from bot.testing import FakeClock
from tests.fixtures.bot_fixtures import settle
from tests.fixtures.sandbox_fixtures import started_sandbox

REPO = "octo-org/widgets"  # octocat is an admin
CONFIG = """\
readme:
  update: commit
  debounce_seconds: 0
  sources: [backers]
  tiers: [{name: Backers, min: 0}]
bounties:
  rewards:
    - {min: 10, reward: "A thank-you in the release notes", delivers: release_notes}
    - {min: 25, reward: "Your name in the README thank-you section", delivers: readme_name}
    - {min: 100, reward: "Your logo in the README", delivers: readme_logo}
    - {min: 250, reward: "A live coding session with the maintainers", delivers: none}
"""
LOGO = '<a href="https://github.com/{0}"><img src="https://github.com/{0}.png'
NAME = "[{0}](https://github.com/{0})"


@pytest.fixture
async def sandbox():
    """GitHub's times have whole seconds: a command written in the second of the merge would come before the
    delivery. This sandbox's clock moves only when the test moves it (``sandbox.clock_now.now += 2``)."""
    clock = FakeClock()
    async with started_sandbox(clock=clock.time) as sb:
        sb.clock_now = clock
        yield sb


def status(sandbox, number) -> str:
    [comment] = [c for c in sandbox.comments(REPO, number)
                 if c["user"]["login"] == "fundbot[bot]" and markdown.has_marker(c["body"], "campaign")]
    return comment["body"]


def owed_row(body: str, login: str) -> str:
    part = body.split("#### Rewards to give", 1)[1]
    return next(line for line in part.splitlines() if line.startswith(f"| [@\u200b{login}]"))


async def delivered_campaign(sandbox, bot, config: str = CONFIG) -> int:
    for login in ("alice", "bob", "carol", "erin", "dev"):
        sandbox.add_user(login)
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": config}, message="rewards")
    await settle(sandbox, bot)
    n = (await sandbox.open_issue(REPO, "carol", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 400")
    for who, amount in (("erin", 5), ("alice", 25), ("bob", 100), ("carol", 300)):
        await sandbox.comment(REPO, n, who, f"/pledge {amount}")
    await settle(sandbox, bot)
    pull = await sandbox.open_pull(REPO, "dev", "Add dark mode", f"Fixes #{n}", head="dark-mode")
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await settle(sandbox, bot)
    sandbox.clock_now.now += 2  # later commands come after the delivery
    return n


async def test_readme_release_notes_and_a_human_reward_follow_the_rewards(sandbox, sandbox_repo,
                                                                          sandbox_installation_id, bot):
    n = await delivered_campaign(sandbox, bot)
    body = status(sandbox, n)
    assert "✅ delivered" in body
    assert owed_row(body, "carol").endswith("| A live coding session with the maintainers | ⬜ owed |")
    assert "**1 of 1 owed.**" in body

    section = readme.extract(sandbox.file(REPO, "README.md")) or ""
    assert NAME.format("alice") in section and LOGO.format("alice") not in section  # 25: a name
    assert LOGO.format("bob") in section and LOGO.format("carol") in section  # 100 and more: a logo
    assert "erin" not in section  # 5: no reward, not listed

    rel = await sandbox.publish_release(REPO, "octocat", "v2.0.0", "Dark mode!")
    await settle(sandbox, bot)
    notes = sandbox.repo(REPO).releases[rel["id"]].body
    thanks = notes.split("Thank you, backers", 1)[1]
    assert all(f"@\u200b{who}" in thanks for who in ("alice", "bob", "carol")) and "erin" not in thanks

    await sandbox.comment(REPO, n, "carol", "/bounty reward done @carol")  # not a maintainer: refused
    await settle(sandbox, bot)
    assert owed_row(status(sandbox, n), "carol").endswith("| ⬜ owed |")
    await sandbox.comment(REPO, n, "octocat", "Had a great session!\n/bounty reward done @carol")
    await settle(sandbox, bot)
    body = status(sandbox, n)
    assert "| ✅ done " in owed_row(body, "carol") and "octocat" in owed_row(body, "carol")
    assert "**All given.**" in body

    # a rebuild from GitHub alone folds the same
    gh = await bot.service.github.installation(next(iter(sandbox._installations)))
    r = Repo(gh, bot.service.ctx, {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"})
    s = await shell.setup(r)
    live = (await shell.load(r, n, s)).campaign
    await shell.forget(r, n)
    assert [num for num, _ in await shell.rebuild_repository(r)] == [n]
    await settle(sandbox, bot)
    assert (await shell.load(r, n, s)).campaign.rewards_done == live.rewards_done != ()


async def test_list_all_backers_lists_everyone(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await delivered_campaign(sandbox, bot, CONFIG + "  list_all_backers: true\n")
    section = readme.extract(sandbox.file(REPO, "README.md")) or ""
    assert "erin" in section and NAME.format("alice") in section and LOGO.format("bob") in section
