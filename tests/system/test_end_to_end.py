"""Issue 2's first behaviour, end to end: signed deliveries → real endpoint → inbox → workers → sandbox."""

from __future__ import annotations

import json

import pytest

from bot.core import markdown
from bot.testing import BOT_LOGIN, fundbot_world
from tests.fixtures.bot_fixtures import settle
from tests.fixtures.helpers import payload_bytes, payload_files

FUNDING = "github: [octocat]\nko_fi: widgets\n"



def funding_comments(sandbox, repo: str, number: int) -> list[dict]:
    return [c for c in sandbox.comments(repo, number) if markdown.has_marker(c["body"], "funding-links")]


async def test_new_issue_gets_one_funding_comment():
    """Through the public testing API (``bot.testing``), as a maintainer's own test would be written."""
    async with fundbot_world() as world:
        issue = await world.as_user("hubot").open_issue("It crashes", "steps...")
        counts = await world.settle()
        [comment] = world.comments(issue)
        assert comment["user"]["login"] == BOT_LOGIN and comment["user"]["type"] == "Bot"
        assert "https://github.com/sponsors/octocat" in comment["body"]
        assert world.bot_comments(issue, marker="funding-links") == [comment]
        assert "@hubot" in comment["body"]
        assert counts["failed"] == 0 and counts["pending"] == 0


async def test_duplicate_and_replayed_deliveries_post_nothing_new(sandbox, sandbox_repo, sandbox_installation_id, bot):
    issue = await sandbox.open_issue(sandbox_repo, "hubot", "It crashes")
    await settle(sandbox, bot)
    [delivery] = [d for d in sandbox.deliveries if d["event"] == "issues" and d["action"] == "opened"]
    # the same GUID again (what a manual "Redeliver" in GitHub's UI does): stored once
    response = await bot.send("issues", delivery["body"], delivery=delivery["guid"])
    assert response.status == 202
    # the same event under a new GUID (a replay): processed, but the marker stops a second comment
    response = await bot.send("issues", delivery["body"])
    assert response.status == 202
    # and GitHub's own redelivery endpoint
    await sandbox.redeliver(delivery["id"])
    await settle(sandbox, bot)
    assert len(sandbox.comments(sandbox_repo, issue["number"])) == 1
    creates = sandbox.calls_to("POST", f"/repos/{sandbox_repo}/issues/{issue['number']}/comments")
    assert len(creates) == 1


async def test_real_payload_example_is_processed(sandbox, bot):
    body = payload_bytes("issues", "opened")
    data = json.loads(body)
    repo = data["repository"]["full_name"]
    sandbox.add_repo(repo, id=data["repository"]["id"], files={".github/FUNDING.yml": FUNDING})
    sandbox.seed_from_payload("issues", data)
    response = await bot.send("issues", body)
    assert response.status == 202
    await settle(sandbox, bot)
    # the example has no `installation`: the bot asked GitHub which installation covers the repository
    assert sandbox.calls_to("GET", f"/repos/{repo}/installation")
    # Codertocat is the repository's OWNER: maintainers are not greeted on their own issues
    assert funding_comments(sandbox, repo, data["issue"]["number"]) == []
    assert (await bot.store.counts())["done"] >= 1

    # the same example from an outside contributor (schema-valid: only the author fields differ)
    data["issue"]["number"] = 2
    data["issue"]["author_association"] = "NONE"
    data["issue"]["user"] = {**data["issue"]["user"], "login": "newcomer", "id": 4242}
    sandbox.seed_from_payload("issues", data)
    assert (await bot.send("issues", json.dumps(data).encode())).status == 202
    await settle(sandbox, bot)
    [comment] = funding_comments(sandbox, repo, 2)
    assert "https://ko-fi.com/widgets" in comment["body"] and "@newcomer" in comment["body"]


@pytest.mark.parametrize(
    ("funding", "why"),
    [(None, "no FUNDING.yml"), ("# nothing yet\ngithub: []\n", "no links"), ("github: [unclosed\n", "unparsable")],
)
async def test_no_links_no_comment(funding, why):
    async with fundbot_world(repo="octo-org/plain", files={"README.md": "hi\n", ".github/FUNDING.yml": funding}) as world:
        issue = await world.as_user("hubot").open_issue("Question")
        counts = await world.settle()
        assert world.comments(issue) == [], why
        assert counts["failed"] == 0


async def test_issues_opened_by_bots_are_ignored():
    async with fundbot_world() as world:
        issue = await world.as_user("dependabot[bot]", bot=True).open_issue("Bump lodash")
        await world.settle()
        assert world.comments(issue) == []
        assert world.bot_comments(await world.as_user("hubot").open_issue("A human")) == []  # not yet settled
        await world.settle()
        assert len(world.comments(2)) == 1  # the human's issue is greeted: the bot did run


async def test_every_payload_example_is_processed_without_failure(sandbox, bot):
    for event, path in payload_files():
        sandbox.seed_from_payload(event, json.loads(path.read_bytes()))
    for event, path in payload_files():
        response = await bot.send(event, path.read_bytes())
        assert response.status in (200, 202), (event, path.name, response.status)
    await settle(sandbox, bot)
    unfinished = [j for j in await bot.store.list_jobs(["failed", "pending"])
                  if j.status == "failed" or j.kind == "webhook"]  # (debounced syncs and deadlines wait by design)
    assert unfinished == [], [(j.event, j.last_error) for j in unfinished]
