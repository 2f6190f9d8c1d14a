"""Issue 14.2/14.3 through the sandbox: the right person is paid (an accepted offer's links: the link given, the
GitHub Sponsors profile, the offerer's own FUNDING.yml) and payments are tracked without custody (/paid,
/bounty received) - the seed story up to the payments."""

from __future__ import annotations

import re

import pytest

from bot.core import markdown
from bot.services import campaign_payee
from bot.services import campaigns as shell
from bot.services.repo import Repo
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"  # FUNDING.yml: github: [octocat]; octocat is an admin
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9-]*)")


def bot_comments(sandbox, number, marker):
    return [c for c in sandbox.comments(REPO, number)
            if c["user"]["login"] == "fundbot[bot]" and markdown.has_marker(c["body"], marker)]


def status(sandbox, number) -> str:
    [comment] = bot_comments(sandbox, number, "campaign")
    return comment["body"]


def row(body: str, login: str) -> str:
    return next(line for line in body.splitlines() if line.startswith(f"| [@\u200b{login}]"))


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    for login in ("alice", "bob", "carol"):
        sandbox.add_user(login)
    sandbox.add_user("devon")  # an outside developer: no permission on the repository
    sandbox._ensure_user("devon").sponsors_listing = True
    sandbox.add_repo("devon/.github", files={"FUNDING.yml": "ko_fi: devon\ncustom: ['https://devon.dev/pay']\n"})
    return sandbox_repo


async def handle(sandbox, bot) -> Repo:
    gh = await bot.service.github.installation(next(iter(sandbox._installations)))
    return Repo(gh, bot.service.ctx, {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"})


async def test_seed_story_offer_accept_pledge_notice_paid_received(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "carol", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "devon", "I can build this.\n/offer 100 https://liberapay.com/devon")
    await sandbox.comment(REPO, n, "octocat", "/bounty accept @devon")
    await settle(sandbox, bot)
    body = status(sandbox, n)
    assert "**Backers pay:** [@\u200bdevon](https://github.com/devon), the accepted implementer" in body
    await sandbox.comment(REPO, n, "alice", "/pledge 60")
    await sandbox.comment(REPO, n, "bob", "/pledge 40")
    await settle(sandbox, bot)
    [notice] = bot_comments(sandbox, n, "notice")
    text = notice["body"]
    assert sorted(MENTION.findall(text)) == ["alice", "bob", "devon"]
    assert "@alice: please pay **60.00 USD**" in text and "@bob: please pay **40.00 USD**" in text
    assert "directly to @\u200bdevon, whose offer the maintainers accepted" in text
    for url in ("https://liberapay.com/devon", "https://github.com/sponsors/devon", "https://ko-fi.com/devon",
                "https://devon.dev/pay"):
        assert f"({url})" in text, url
    assert "sponsors/octocat" not in text  # not the project's links
    body = status(sandbox, n)
    assert "(https://liberapay.com/devon)" in body and "sponsors/octocat" not in body
    assert row(body, "alice").endswith("| ⬜ not paid yet |")

    await sandbox.comment(REPO, n, "alice", "/paid")
    await sandbox.comment(REPO, n, "carol", "/paid")  # no pledge: refused
    await settle(sandbox, bot)
    body = status(sandbox, n)
    assert row(body, "alice").endswith("| 🕓 says paid |") and row(body, "bob").endswith("| ⬜ not paid yet |")
    await sandbox.comment(REPO, n, "devon", "Thanks! /bounty received needs a line of its own:\n"
                                            "/bounty received @alice @bob")
    await settle(sandbox, bot)
    body = status(sandbox, n)
    assert row(body, "alice").endswith("| ✅ received |") and row(body, "bob").endswith("| ✅ received |")
    assert "received: 2 backers, 100.00 USD" in body
    assert len(bot_comments(sandbox, n, "notice")) == 1  # payments post no notice

    # a rebuild from GitHub alone folds the same payments
    r = await handle(sandbox, bot)
    s = await shell.setup(r)
    live = (await shell.load(r, n, s)).campaign
    await shell.forget(r, n)
    assert [num for num, _ in await shell.rebuild_repository(r)] == [n]
    await settle(sandbox, bot)
    again = (await shell.load(r, n, s)).campaign
    assert [(p.backer, p.state) for p in again.payments] == [(p.backer, p.state) for p in live.payments]
    assert again.payee == "devon"


async def test_pay_to_maintainer_keeps_the_project_links(sandbox, repo, bot):
    sandbox.repo(REPO)  # the config file lives in the repository: turn pay_to to maintainer
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "bounties:\n  pay_to: maintainer\n"},
                             message="pay the project")
    await settle(sandbox, bot)
    issue = await sandbox.open_issue(REPO, "carol", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "devon", "/offer 50 https://liberapay.com/devon")
    await sandbox.comment(REPO, n, "octocat", "/bounty accept @devon")
    await sandbox.comment(REPO, n, "alice", "/pledge 50")
    await settle(sandbox, bot)
    [notice] = bot_comments(sandbox, n, "notice")
    assert "(https://github.com/sponsors/octocat)" in notice["body"] and "liberapay" not in notice["body"]
    await sandbox.comment(REPO, n, "devon", "/bounty received @alice")  # not the payee: refused
    await settle(sandbox, bot)
    assert row(status(sandbox, n), "alice").endswith("| ⬜ not paid yet |")
    await sandbox.comment(REPO, n, "octocat", "/bounty received @alice")  # a maintainer: recorded
    await settle(sandbox, bot)
    assert row(status(sandbox, n), "alice").endswith("| ✅ received |")
    r = await handle(sandbox, bot)
    await shell.forget(r, n)  # a refold keeps the maintainer's verdict
    assert [num for num, _ in await shell.rebuild_repository(r)] == [n]
    assert (await shell.load(r, n, await shell.setup(r))).campaign.payment("alice").state == "confirmed"


async def test_payee_links_without_a_profile_or_a_readable_file(sandbox, repo, bot):
    sandbox.add_user("erin")
    sandbox.add_repo("erin/.github", private=True, files={"FUNDING.yml": "ko_fi: erin\n"})
    r = await handle(sandbox, bot)
    assert await campaign_payee.read_payee_links(r, "erin", None) == []  # private: 404, nothing
    got = await campaign_payee.read_payee_links(r, "erin", "https://erin.dev/pay")
    assert [x.url for x in got] == ["https://erin.dev/pay"]
    got = await campaign_payee.read_payee_links(r, "devon", None)
    assert [x.url for x in got] == ["https://github.com/sponsors/devon", "https://ko-fi.com/devon",
                                    "https://devon.dev/pay"]
