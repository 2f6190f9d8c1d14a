"""Issue 5: campaigns end to end, through the real endpoint, the inbox, the workers and the sandbox."""

from __future__ import annotations

import pytest

from bot.core import markdown
from bot.services import campaigns as shell
from bot.services.repo import Repo
from bot.testing import fundbot_world
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"  # FUNDING.yml: github: [octocat]; octocat is an admin



def status_comments(sandbox, number):
    return [c for c in sandbox.comments(REPO, number)
            if c["user"]["login"] == "fundbot[bot]" and markdown.has_marker(c["body"], "campaign")]


def snapshot(sandbox, number) -> shell.ledger.Campaign:
    """The campaign as the status comment's hidden snapshot marker records it."""
    [comment] = status_comments(sandbox, number)
    [(_, _, data)] = [m for m in markdown.find_markers(comment["body"]) if m[0] == "campaign"]
    return shell.ledger.Campaign.from_snapshot(data)


def reactions(sandbox, comment_id):
    return [r.content for r in sandbox.repo(REPO).comments[comment_id].reactions]


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    for login in ("alice", "bob", "carol", "dave"):
        sandbox.add_user(login)
    return sandbox_repo


async def test_a_bounty_label_opens_a_campaign():
    """Through the public testing API (``bot.testing``): the default bounty labels, a maintainer labels."""
    async with fundbot_world() as world:
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.label(issue, "bounty: M")
        await world.settle()
        [status] = world.bot_comments(issue, marker="campaign")
        assert "fundbot campaign" in status["body"] and "500" in status["body"]
        assert snapshot(world.sandbox, issue["number"]).state == "open"
        assert "💰 bounty" in world.labels(issue)


async def test_three_backers_fund_it_and_see_the_payment_links(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    opener = await sandbox.comment(REPO, issue["number"], "octocat", "/bounty 100 in 10 days")
    pledges = [await sandbox.comment(REPO, issue["number"], who, f"/pledge {amount}")
               for who, amount in (("alice", 20), ("bob", "$30"), ("carol", "50 USD"))]
    await settle(sandbox, bot)
    data = snapshot(sandbox, issue["number"])
    assert data.state == "funded" and data.raised() == 100
    [status] = status_comments(sandbox, issue["number"])
    assert "https://github.com/sponsors/octocat" in status["body"]  # payment links once funded
    assert "💸 funded" in sandbox.labels(REPO, issue["number"])
    assert reactions(sandbox, opener["id"]) == ["+1"]
    assert all(reactions(sandbox, p["id"]) == ["+1"] for p in pledges)
    # exactly one status comment, edited in place
    assert len(status_comments(sandbox, issue["number"])) == 1
    posts = sandbox.calls_to("POST", f"/repos/{REPO}/issues/{issue['number']}/comments")
    assert len([c for c in posts if "fundbot:campaign" in c.body["body"]]) == 1


async def test_a_non_maintainer_bounty_is_refused_and_changes_nothing(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    attempt = await sandbox.comment(REPO, issue["number"], "bob", "/bounty 1000")
    await settle(sandbox, bot)
    assert status_comments(sandbox, issue["number"]) == []
    assert reactions(sandbox, attempt["id"]) == ["confused"]
    [reply] = [c for c in sandbox.comments(REPO, issue["number"])
               if c["user"]["login"] == "fundbot[bot]" and markdown.has_marker(c["body"], "reply")]
    assert "/bounty" in reply["body"] and "maintainer" in reply["body"].lower()
    assert sandbox.labels(REPO, issue["number"]) == []


async def test_bot_comments_are_ignored(sandbox, repo, bot):
    sandbox.add_user("helper[bot]", type="Bot")
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    await sandbox.comment(REPO, issue["number"], "octocat", "/bounty 100")
    await sandbox.comment(REPO, issue["number"], "helper[bot]", "/pledge 100")
    await settle(sandbox, bot)
    data = snapshot(sandbox, issue["number"])
    assert data.state == "open" and data.pledges == ()


async def test_edit_and_delete_keep_set_semantics(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    await sandbox.comment(REPO, issue["number"], "octocat", "/bounty 100")
    first = await sandbox.comment(REPO, issue["number"], "bob", "/pledge 10")
    await settle(sandbox, bot)
    await sandbox.edit_comment(REPO, first["id"], "bob", "/pledge 60")
    await settle(sandbox, bot)
    assert [str(p.amount) for p in snapshot(sandbox, issue["number"]).pledges] == ["60.00"]
    await sandbox.delete_comment(REPO, first["id"], "bob")
    await settle(sandbox, bot)
    assert snapshot(sandbox, issue["number"]).pledges == ()


async def test_offer_accept_merge_deliver_and_the_release_thanks_backers(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "dave", "I can build this.\n/offer 200")
    await settle(sandbox, bot)
    await sandbox.comment(REPO, n, "octocat", "/bounty accept @dave")
    await sandbox.comment(REPO, n, "alice", "/pledge 150")
    await sandbox.comment(REPO, n, "bob", "/pledge 50")
    await settle(sandbox, bot)
    data = snapshot(sandbox, n)
    assert data.state == "funded" and data.implementer == "dave"
    pull = await sandbox.open_pull(REPO, "dave", "Add dark mode", f"Fixes #{n}", head="dark-mode")
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await settle(sandbox, bot)
    data = snapshot(sandbox, n)
    assert data.state == "delivered" and data.solver == "dave"
    [status] = status_comments(sandbox, n)
    assert "dave" in status["body"]
    assert "✅ delivered" in sandbox.labels(REPO, n)
    rel = await sandbox.publish_release(REPO, "octocat", "v2.0.0", "Dark mode!")
    await settle(sandbox, bot)
    body = sandbox.repo(REPO).releases[rel["id"]].body
    assert "Thank you, backers" in body and "alice" in body and "bob" in body


async def test_rebuild_from_github_equals_the_incremental_state(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.label_issue(REPO, n, "octocat", "bounty: S")
    c1 = await sandbox.comment(REPO, n, "bob", "/pledge 40")
    await sandbox.comment(REPO, n, "carol", "/pledge 30")
    await settle(sandbox, bot)
    await sandbox.edit_comment(REPO, c1["id"], "bob", "/pledge 45")
    await settle(sandbox, bot)
    incremental = snapshot(sandbox, n)
    ctx = bot.service.ctx
    gh = await bot.service.github.installation(sandbox.repo(REPO) and next(iter(sandbox._installations)))
    repository = {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"}
    s = await shell.setup(Repo(gh, ctx, repository))
    events, status_id = await shell.events_from_github(Repo(gh, ctx, repository), n, s)
    rebuilt = shell.ledger.fold(events, now=ctx.clock.time(), **s.kwargs())
    assert status_id == status_comments(sandbox, n)[0]["id"]
    assert rebuilt.state == incremental.state == "open"
    assert rebuilt.pledges == incremental.pledges and rebuilt.goal == incremental.goal


async def test_the_deadline_expires_the_campaign_even_across_a_restart(sandbox, repo, tmp_path):
    """Fake clock: pledge, stop the service, start a new one on the same database, let the deadline pass."""
    from bot.github import RetryPolicy
    from bot.testing import FakeClock, running_bot

    clock = FakeClock()

    def start():  # no worker tasks: settle() runs the due jobs at the fake clock's time
        return running_bot(sandbox, tmp_path, workers=False, clock=clock, policy=RetryPolicy(request_timeout=5.0),
                           backoff=None)

    async with start() as bot:
        issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
        n = issue["number"]
        await sandbox.comment(REPO, n, "octocat", "/bounty 100 in 3 days")
        await sandbox.comment(REPO, n, "bob", "/pledge 40")
        await settle(sandbox, bot)
        assert snapshot(sandbox, n).state == "open"
        [tick] = [j for j in await bot.store.list_jobs(["pending"]) if j.kind == "campaign.tick"]
    # the process went away between the pledge and the deadline; a new one starts on the same database

    clock.now = tick.run_at - 60  # not yet
    async with start() as bot:
        await settle(sandbox, bot)
        assert snapshot(sandbox, n).state == "open"
        clock.now = tick.run_at + 1  # the deadline passed
        await settle(sandbox, bot)
        after = snapshot(sandbox, n)
        assert after.state == "expired" and after.raised() == 40
        [status] = status_comments(sandbox, n)
        assert "expired" in status["body"] and "💰 bounty" not in sandbox.labels(REPO, n)


async def test_rebuild_command_recovers_campaigns_after_the_database_is_lost(sandbox, repo, bot, tmp_path):
    import asyncio
    import os
    import subprocess
    import sys
    from pathlib import Path

    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.label_issue(REPO, n, "octocat", "bounty: S")  # a 100 USD goal
    for who, amount in (("bob", 60), ("carol", 50)):
        await sandbox.comment(REPO, n, who, f"/pledge {amount}")
    await settle(sandbox, bot)
    assert snapshot(sandbox, n).state == "funded"
    key = tmp_path / "app.pem"
    key.write_bytes(sandbox.private_key_pem)
    fresh_db = tmp_path / "fresh.db"  # the old database is gone
    env = {k: v for k, v in os.environ.items() if k not in ("APP_ID", "PRIVATE_KEY")}
    env.update(APP_ID=str(sandbox.app_id), PRIVATE_KEY_PATH=str(key), GITHUB_API_URL=sandbox.base_url,
               DATABASE_URL=f"sqlite:///{fresh_db}", WEBHOOK_SECRET="x", LOG_LEVEL="WARNING",
               MUTATION_INTERVAL_SECONDS="0")
    root = Path(__file__).resolve().parents[2]
    result = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", "rebuild", REPO], env=env,
                                     cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"#{n}: funded, raised 110.00 of 100.00 USD, 2 backer(s)" in result.stdout
    assert "1 campaign(s) rebuilt" in result.stdout
    assert len(status_comments(sandbox, n)) == 1  # the existing status comment was found, not duplicated


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_rebuild_equals_incremental_after_random_sequences(sandbox, repo, bot, seed):
    """Random pledge / edit / delete / unpledge / label events through the real bot; then the campaign
    refolded from GitHub alone equals the incremental state the bot keeps."""
    import random

    rng = random.Random(seed)
    issue = await sandbox.open_issue(REPO, "alice", f"Feature {seed}")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 150")
    mine: list[tuple[str, int]] = []  # (author, comment id) still present
    for _ in range(14):
        action = rng.choice(["pledge", "pledge", "edit", "delete", "unpledge", "label", "unlabel"])
        who = rng.choice(["alice", "bob", "carol", "dave"])
        if action == "pledge" or (action in ("edit", "delete") and not mine):
            c = await sandbox.comment(REPO, n, who, f"/pledge {rng.randint(1, 90)}")
            mine.append((who, c["id"]))
        elif action == "edit":
            author, cid = rng.choice(mine)
            await sandbox.edit_comment(REPO, cid, author, rng.choice([f"/pledge {rng.randint(1, 90)}", "changed my mind", "/unpledge"]))
        elif action == "delete":
            author, cid = mine.pop(rng.randrange(len(mine)))
            await sandbox.delete_comment(REPO, cid, author)
        elif action == "unpledge":
            c = await sandbox.comment(REPO, n, who, "/unpledge")
            mine.append((who, c["id"]))
        elif action == "label":
            await sandbox.label_issue(REPO, n, "octocat", rng.choice(["bounty: S", "bounty: M"]))
        else:
            labels = [x for x in sandbox.labels(REPO, n) if x.startswith("bounty:")]
            if labels:
                await sandbox.unlabel_issue(REPO, n, "octocat", rng.choice(labels))
        if rng.random() < 0.4:
            await settle(sandbox, bot)
    await settle(sandbox, bot)
    ctx = bot.service.ctx
    repository = {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"}
    gh = await bot.service.github.installation(next(iter(sandbox._installations)))
    cached = await shell.load(Repo(gh, ctx, repository), n, await shell.setup(Repo(gh, ctx, repository)))
    s = await shell.setup(Repo(gh, ctx, repository))
    events, _ = await shell.events_from_github(Repo(gh, ctx, repository), n, s)
    rebuilt = shell.ledger.fold(events, now=ctx.clock.time(), **s.kwargs())
    incremental = cached.campaign
    assert (rebuilt.state, rebuilt.goal, rebuilt.pledges) == (incremental.state, incremental.goal, incremental.pledges)
    assert snapshot(sandbox, n).pledges == incremental.pledges  # and the status comment shows it


async def test_deleted_status_comment_comes_back_and_redelivery_changes_nothing(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    pledge = await sandbox.comment(REPO, n, "bob", "/pledge 30")
    await settle(sandbox, bot)
    [status] = status_comments(sandbox, n)
    # a redelivered /pledge (same GUID, then a replay under a new one): no new reply, no state change
    [delivery] = [d for d in sandbox.deliveries if d["event"] == "issue_comment" and d["payload"]["comment"]["id"] == pledge["id"]]
    await bot.send("issue_comment", delivery["body"], delivery=delivery["guid"])
    await bot.send("issue_comment", delivery["body"])
    await settle(sandbox, bot)
    assert snapshot(sandbox, n).raised() == 30
    assert reactions(sandbox, pledge["id"]) == ["+1"]
    assert len([c for c in sandbox.comments(REPO, n) if c["user"]["login"] == "fundbot[bot]"]) == 2  # greeting + status
    # a human deletes the status comment while the campaign is open: the next change brings it back
    await sandbox.delete_comment(REPO, status["id"], "octocat")
    await sandbox.comment(REPO, n, "carol", "/pledge 20")
    await settle(sandbox, bot)
    [again] = status_comments(sandbox, n)
    assert again["id"] != status["id"] and snapshot(sandbox, n).raised() == 50
