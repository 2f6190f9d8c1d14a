"""The sandbox enforces GitHub's secondary limits on content creation (bot/sandbox/limits.py): per installation
token, more than 80 POST/PATCH/PUT/DELETE in a rolling minute or 500 in an hour get 403, GitHub's message and
``retry-after``; reads, GraphQL and other installations are not held back."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from bot.sandbox.faults import SECONDARY_MESSAGE
from tests.fixtures.sandbox_fixtures import started_sandbox

REPO = "octo-org/widgets"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def world():
    clock = Clock()
    async with started_sandbox(clock=clock) as sb, aiohttp.ClientSession() as session:
        sb.add_user("octo-org", type="Organization")
        sb.add_user("other-org", type="Organization")
        sb.add_user("octocat")
        sb.add_repo(REPO, owner_type="Organization")
        sb.add_repo("other-org/gadgets", owner_type="Organization")
        first = sb.add_installation("octo-org", repos=[REPO])["id"]
        second = sb.add_installation("other-org", repos=["other-org/gadgets"])["id"]
        yield sb, session, clock, sb.token_for(first), sb.token_for(second)


async def post_comment(sb, session, token: str, repo: str, number: int, i: int) -> aiohttp.ClientResponse:
    async with session.post(f"{sb.base_url}/repos/{repo}/issues/{number}/comments", json={"body": f"c{i}"},
                            headers={"Authorization": f"token {token}", "Accept": "application/vnd.github+json"}) as r:
        await r.read()
        return r


async def test_the_81st_content_creating_request_in_a_minute_is_refused_as_github_does(world):
    sb, session, clock, token, other_token = world
    issue = await sb.open_issue(REPO, "octocat", "x")
    for i in range(80):
        assert (await post_comment(sb, session, token, REPO, issue["number"], i)).status == 201
        clock.now += 0.5  # 80 requests over 40 s
    async with session.post(f"{sb.base_url}/repos/{REPO}/issues/{issue['number']}/comments", json={"body": "81"},
                            headers={"Authorization": f"token {token}"}) as refused:
        body = json.loads(await refused.read())
        assert refused.status == 403
        assert body["message"] == SECONDARY_MESSAGE
        assert body["message"].startswith("You have exceeded a secondary rate limit")
        assert "secondary-rate-limits" in body["documentation_url"]
        assert refused.headers["retry-after"] == "20"  # the first one leaves the minute 60 s after it was sent
        assert refused.headers["x-ratelimit-remaining"].isdigit()
    assert len(sb.comments(REPO, issue["number"])) == 80  # nothing was created
    async with session.get(f"{sb.base_url}/repos/{REPO}/issues/{issue['number']}",
                           headers={"Authorization": f"token {token}"}) as read:
        assert read.status == 200  # reads are not content creation
    other = await sb.open_issue("other-org/gadgets", "octocat", "y")
    assert (await post_comment(sb, session, other_token, "other-org/gadgets", other["number"], 0)).status == 201
    clock.now += 20
    assert (await post_comment(sb, session, token, REPO, issue["number"], 81)).status == 201
    assert [(r.method, r.retry_after) for r in sb.http.limits.refused] == [("POST", 20)]


async def test_500_an_hour_even_when_each_minute_stays_under_80(world):
    sb, session, clock, token, _ = world
    issue = await sb.open_issue(REPO, "octocat", "x")
    sb.http.limits.per_hour = 10  # the same rule, met sooner
    for i in range(10):
        assert (await post_comment(sb, session, token, REPO, issue["number"], i)).status == 201
        clock.now += 61  # never two in one minute
    refused = await post_comment(sb, session, token, REPO, issue["number"], 10)
    assert refused.status == 403
    assert int(refused.headers["retry-after"]) == 3600 - 610
    assert [r.retry_after for r in sb.http.limits.refused] == [2990]


async def test_limits_can_be_turned_off_for_a_test_that_hammers(world):
    sb, session, _, token, _ = world
    issue = await sb.open_issue(REPO, "octocat", "x")
    sb.http.limits.enabled = False
    for i in range(90):
        assert (await post_comment(sb, session, token, REPO, issue["number"], i)).status == 201
    assert sb.http.limits.refused == []
