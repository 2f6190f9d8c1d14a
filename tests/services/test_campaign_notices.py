"""Issue 14.1: backers are told, once per moment that matters - through the real endpoint, the inbox, the
workers and the sandbox."""

from __future__ import annotations

import re

import pytest

from bot.core import markdown
from bot.services import campaign_notices
from bot.services import campaigns as shell
from bot.services.repo import Repo
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"  # FUNDING.yml: github: [octocat]; octocat is an admin
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9-]*)")  # a live mention (a defused one has a ZWSP)


def bot_comments(sandbox, number, marker=None):
    return [c for c in sandbox.comments(REPO, number) if c["user"]["login"] == "fundbot[bot]"
            and (marker is None or markdown.has_marker(c["body"], marker))]


def notices(sandbox, number):
    return bot_comments(sandbox, number, "notice")


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    for login in ("alice", "bob", "carol", "dave"):
        sandbox.add_user(login)
    return sandbox_repo


async def handle(sandbox, bot) -> Repo:
    gh = await bot.service.github.installation(next(iter(sandbox._installations)))
    return Repo(gh, bot.service.ctx, {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"})


async def fund(sandbox, bot, pledges=(("alice", 60), ("bob", 40)), goal=100) -> tuple[int, list[dict]]:
    issue = await sandbox.open_issue(REPO, "carol", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", f"/bounty {goal} in 10 days")
    made = [await sandbox.comment(REPO, n, who, f"/pledge {amount}") for who, amount in pledges]
    await settle(sandbox, bot)
    return n, made


async def test_funded_notice_mentions_backers_with_amounts_and_links_once(sandbox, repo, bot):
    n, pledges = await fund(sandbox, bot)
    [notice] = notices(sandbox, n)
    body = notice["body"]
    assert sorted(MENTION.findall(body)) == ["alice", "bob"]
    assert "@alice: please pay **60.00 USD**" in body and "@bob: please pay **40.00 USD**" in body
    assert "(https://github.com/sponsors/octocat)" in body  # the status comment's payment links
    # redelivery of the pledge that reached the goal (same GUID, then a replay under a new one)
    [delivery] = [d for d in sandbox.deliveries if d["event"] == "issue_comment"
                  and d["payload"]["comment"]["id"] == pledges[-1]["id"]]
    await bot.send("issue_comment", delivery["body"], delivery=delivery["guid"])
    await bot.send("issue_comment", delivery["body"])
    await settle(sandbox, bot)
    # a rebuild from GitHub alone, after the cache and the notice record are lost (a new database)
    r = await handle(sandbox, bot)
    await bot.service.ctx.store.cache_delete(shell.NS, f"notices:{shell._key(r.repository, n)}")
    assert [num for num, _ in await shell.rebuild_repository(r)] == [n]
    await settle(sandbox, bot)
    assert len(notices(sandbox, n)) == 1
    # a pledge withdrawn (back to open) and made again (funded again): the same moment, no second notice
    undo = await sandbox.comment(REPO, n, "bob", "/unpledge")
    await settle(sandbox, bot)
    await sandbox.edit_comment(REPO, undo["id"], "bob", "/pledge 45")
    await settle(sandbox, bot)
    assert (await shell.load(r, n, await shell.setup(r))).campaign.state == "funded"
    assert len(notices(sandbox, n)) == 1


async def test_a_notice_whose_answer_was_lost_is_not_posted_twice(sandbox, repo, bot):
    """GitHub applies the POST of the notice and answers 502: the job is retried, the notice found."""
    handle_ = sandbox._handle
    lost = []

    async def lose_first_notice(request, call, body, body_error):
        response = await handle_(request, call, body, body_error)
        if (request.method == "POST" and not lost and isinstance(body, dict)
                and "fundbot:notice" in str(body.get("body"))):
            lost.append(call)
            call.faulted = True
            return sandbox._json_response(502, {"message": "Bad Gateway"})
        return response

    sandbox._handle = lose_first_notice
    try:
        n, _ = await fund(sandbox, bot)
    finally:
        sandbox.__dict__.pop("_handle", None)
    assert len(lost) == 1
    assert len(notices(sandbox, n)) == 1
    assert len([c for c in sandbox.calls_to("POST", f"/repos/{REPO}/issues/{n}/comments")
                if "fundbot:notice" in c.body["body"]]) == 1


async def test_more_than_ten_backers_are_mentioned_at_most_ten_per_comment(sandbox, repo, bot):
    backers = [f"backer{i:02d}" for i in range(23)]
    for login in backers:
        sandbox.add_user(login)
    n, _ = await fund(sandbox, bot, pledges=[(b, 1) for b in backers], goal=23)
    parts = notices(sandbox, n)
    counts = [len(MENTION.findall(c["body"])) for c in parts]
    assert counts == [10, 10, 3]
    assert sorted(x for c in parts for x in MENTION.findall(c["body"])) == backers


async def test_expired_says_nothing_to_pay_even_across_a_restart(sandbox, repo, tmp_path):
    from bot.github import RetryPolicy
    from bot.testing import FakeClock, running_bot

    clock = FakeClock()

    def start():
        return running_bot(sandbox, tmp_path, workers=False, clock=clock, policy=RetryPolicy(request_timeout=5.0),
                           backoff=None)

    async with start() as bot:
        issue = await sandbox.open_issue(REPO, "carol", "Dark mode")
        n = issue["number"]
        await sandbox.comment(REPO, n, "octocat", "/bounty 100 in 3 days")
        await sandbox.comment(REPO, n, "bob", "/pledge 40")
        await settle(sandbox, bot)
        [tick] = [j for j in await bot.store.list_jobs(["pending"]) if j.kind == "campaign.tick"]
    clock.now = tick.run_at + 1
    async with start() as bot:
        await settle(sandbox, bot)
        [notice] = notices(sandbox, n)
        assert "⌛" in notice["body"] and "@bob: your pledge of **40.00 USD** lapsed, nothing to pay" in notice["body"]
        assert "sponsors/octocat" not in notice["body"]
    async with start() as bot:  # another restart: the same moment is not announced again
        r = await handle(sandbox, bot)
        await shell.rebuild_repository(r)
        await settle(sandbox, bot)
        assert len(notices(sandbox, n)) == 1
        # the notice deleted and the store lost, days later: a rebuild does not announce an old moment
        await sandbox.delete_comment(REPO, notice["id"], "octocat")
        await bot.service.ctx.store.cache_delete(shell.NS, f"notices:{shell._key(r.repository, n)}")
        clock.now += campaign_notices.NOTICE_WINDOW + 1
        await shell.rebuild_repository(r)
        await settle(sandbox, bot)
        assert notices(sandbox, n) == []


async def test_cancelled_says_nothing_to_pay_and_notify_false_posts_none(sandbox, repo, bot):
    n, _ = await fund(sandbox, bot, pledges=(("alice", 30),))
    await sandbox.comment(REPO, n, "octocat", "/bounty cancel")
    await settle(sandbox, bot)
    [notice] = notices(sandbox, n)
    assert "🚫" in notice["body"] and "@alice: your pledge of **30.00 USD** lapsed, nothing to pay" in notice["body"]
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "bounties:\n  notify: false\n"})
    await settle(sandbox, bot)
    quiet, _ = await fund(sandbox, bot)
    assert (await shell.load(await handle(sandbox, bot), quiet, await shell.setup(await handle(sandbox, bot)))
            ).campaign.state == "funded"
    assert notices(sandbox, quiet) == []


async def test_a_full_campaign_counts_its_comments(sandbox, repo, bot):
    """Offer, accept, pledges (one refused), funded, merged and delivered: greeting + status + 2 notices + 1 reply."""
    issue = await sandbox.open_issue(REPO, "carol", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "dave", "I can build this.\n/offer 200")
    await settle(sandbox, bot)
    await sandbox.comment(REPO, n, "octocat", "/bounty accept @dave")
    await sandbox.comment(REPO, n, "bob", "/pledge lots")  # refused: one reply
    await sandbox.comment(REPO, n, "alice", "/pledge 150")
    await sandbox.comment(REPO, n, "bob", "/pledge 50")
    await settle(sandbox, bot)
    [funded] = notices(sandbox, n)
    assert sorted(MENTION.findall(funded["body"])) == ["alice", "bob", "dave"]
    assert "@dave: your offer was accepted" in funded["body"]
    pull = await sandbox.open_pull(REPO, "dave", "Add dark mode", f"Fixes #{n}", head="dark-mode")
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await settle(sandbox, bot)
    [_, delivered] = notices(sandbox, n)
    assert "✅" in delivered["body"] and "@dave: thank you for delivering this!" in delivered["body"]
    assert "If you have not paid yet" in delivered["body"] and "@alice: please pay **150.00 USD**" in delivered["body"]
    kinds = [next(name for name, _, _ in markdown.find_markers(c["body"])) for c in bot_comments(sandbox, n)]
    assert kinds == ["funding-links", "campaign", "reply", "notice", "notice"], kinds
