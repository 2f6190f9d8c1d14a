"""Issue 13.6: ``Link`` headers as GitHub writes them (a repository's lists linked by id) and ``Last-Modified`` with
conditional GETs (``If-Modified-Since``/``If-None-Match`` -> 304, not counted), and fundbot's client through them."""

from __future__ import annotations

import aiohttp
from multidict import CIMultiDict

from bot.sandbox import Sandbox
from bot.sandbox.conditional import http_date, link_path
from bot.testing import fundbot_world

REPO = "octo-org/widgets"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def get(session, url: str, token: str, **headers: str) -> tuple[int, dict, object]:
    h = {"Authorization": f"token {token}", "Accept": "application/vnd.github+json", **headers}
    async with session.get(url, headers=h) as resp:
        body = await resp.json() if resp.status == 200 else None
        return resp.status, CIMultiDict(resp.headers), body


def test_link_path_names_a_repository_by_id():
    assert link_path("/repos/o/r/issues/1/comments", 42) == "/repositories/42/issues/1/comments"
    assert link_path("/repos/o/r", 42) == "/repositories/42"
    assert link_path("/installation/repositories", None) == "/installation/repositories"
    assert link_path("/repositories/42/issues", 42) == "/repositories/42/issues"


async def test_last_modified_and_conditional_gets():
    clock = Clock()
    async with Sandbox(clock=clock) as sb, aiohttp.ClientSession() as session:
        sb.add_repo(REPO, files={"README.md": "# w\n"}, owner_type="Organization")
        iid = sb.add_installation("octo-org", repos=[REPO])["id"]
        token = sb.token_for(iid)
        await sb.open_issue(REPO, "octocat", "An issue")
        first = await sb.comment(REPO, 1, "octocat", "first")
        clock.now += 10
        await sb.comment(REPO, 1, "octocat", "newest")
        issue_url = f"{sb.base_url}/repos/{REPO}/issues/1"
        status, headers, body = await get(session, issue_url, token)
        assert status == 200 and headers["Last-Modified"] == http_date(clock.now)  # the issue's updated_at
        used = sb.rate_limit_remaining(iid)
        status, headers, _ = await get(session, issue_url, token, **{"If-Modified-Since": http_date(clock.now)})
        assert status == 304 and headers["Last-Modified"] == http_date(clock.now)
        assert sb.rate_limit_remaining(iid) == used  # a 304 is not counted
        assert (await get(session, issue_url, token, **{"If-Modified-Since": http_date(clock.now - 1)}))[0] == 200
        assert (await get(session, issue_url, token, **{"If-Modified-Since": "yesterday"}))[0] == 200  # ignored
        comments_url = issue_url + "/comments"
        status, headers, body = await get(session, comments_url, token)
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert modified == http_date(clock.now) and len(body) == 2  # the newest comment's updated_at
        both = {"If-Modified-Since": modified, "If-None-Match": etag}
        assert (await get(session, comments_url, token, **both))[0] == 304
        assert (await get(session, comments_url, token, **{**both, "If-None-Match": '"other"'}))[0] == 200
        await sb.delete_comment(REPO, first["id"], "octocat")  # the newest item is unchanged
        assert (await get(session, comments_url, token, **{"If-Modified-Since": modified}))[0] == 304  # as GitHub
        status, _, body = await get(session, comments_url, token, **both)  # the ETag changed: both must hold
        assert status == 200 and [c["body"] for c in body] == ["newest"]
        assert sb.violations == []


async def test_fundbots_client_follows_links_by_id_and_its_cache_sees_every_change():
    async with fundbot_world() as world:
        sb = world.sandbox
        await sb.open_issue(world.repo, "octocat", "Busy issue")
        r = sb.repo(world.repo)
        for i in range(250):
            sb._new_comment(r, 1, sb._user("octocat"), f"comment {i}")
        gh = await world.bot.service.github.installation(world.installation_id)  # the bot's client, with its cache

        async def bodies() -> list[str]:
            return [c["body"] async for c in gh.getiter(f"/repos/{world.repo}/issues/1/comments?per_page=100")]

        assert await bodies() == [f"comment {i}" for i in range(250)]
        pages = [c for c in sb.calls_to("GET", "/issues/1/comments")]
        assert [c.path for c in pages[1:]] == [f"/repositories/{r.id}/issues/1/comments"] * 2  # rel="next" by id
        assert [c.query.get("page") for c in pages] == [None, "2", "3"]
        before = len(sb.calls)
        assert await bodies() == [f"comment {i}" for i in range(250)]
        again = sb.calls[before:]
        assert [c.status for c in again] == [304, 304, 304]  # the cache sent If-None-Match and If-Modified-Since
        assert all("If-Modified-Since" in c.headers and "If-None-Match" in c.headers for c in again)
        doomed = next(c for c in r.comments.values() if c.body == "comment 7")
        await sb.delete_comment(world.repo, doomed.id, "octocat")
        assert "comment 7" not in await bodies() and len(await bodies()) == 249
