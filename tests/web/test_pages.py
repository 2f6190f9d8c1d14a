"""Public campaign pages and badges (bot.web) against a real store, through aiohttp's test server."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import web as pages
from bot.core.campaign_page import CSP, PublicCampaign
from bot.services import campaign_pages
from bot.store import open_store


def campaign(number=7, state="open", raised="150", goal="200", title="Dark mode", **kw):
    return PublicCampaign(owner="Octo-Org", repo="widgets", number=number, title=title,
                          url=f"https://github.com/Octo-Org/widgets/issues/{number}", state=state, raised=raised,
                          goal=goal, currency="USD", backers=3, deadline=1_900_000_000.0, paid_to="@alice",
                          rewards=("Name in the README",), updated_at=float(number), **kw)


@pytest.fixture
async def client(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'f.db'}")
    await store.connect()
    await store.migrate()
    app = web.Application()
    pages.add_routes(app, store)
    async with TestClient(TestServer(app)) as c:
        c.store = store
        yield c
    await store.close()


async def test_badge_shows_the_campaign_and_revalidates(client):
    await campaign_pages.record(client.store, campaign(), public=True)
    r = await client.get("/badges/octo-org/Widgets/7.svg")  # names are case-insensitive, as on GitHub
    assert r.status == 200 and r.headers["Content-Type"] == "image/svg+xml"
    assert r.headers["Cache-Control"] == "no-cache" and r.headers["Content-Security-Policy"] == CSP
    svg = await r.text()
    assert ET.fromstring(svg).get("aria-label") == "bounty: $150 of $200 (75% funded)"
    again = await client.get("/badges/octo-org/Widgets/7.svg", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status == 304
    await campaign_pages.record(client.store, campaign(raised="200", state="funded"), public=True)
    changed = await client.get("/badges/octo-org/Widgets/7.svg", headers={"If-None-Match": r.headers["ETag"]})
    assert changed.status == 200 and "funded · $200" in await changed.text()


@pytest.mark.parametrize("path", [
    "/badges/octo-org/widgets/8.svg",  # no such campaign
    "/badges/octo-org/secret/7.svg",  # private: never recorded
    "/badges/-bad-/widgets/7.svg", "/badges/octo-org/widgets/0.svg", "/badges/octo-org/widgets/1234567890.svg",
    "/badges/octo-org/widgets/%E2%91%A0.svg", "/campaigns/octo-org/secret", "/campaigns/octo-org/a%20b",
    "/campaigns/" + "a" * 40 + "/x",
])
async def test_anything_else_is_a_plain_404(client, path):
    await campaign_pages.record(client.store, campaign(), public=True)
    await campaign_pages.record(client.store, campaign().__class__(**{**campaign().to_json(), "repo": "secret",
                                                                      "rewards": ()}), public=False)
    r = await client.get(path)
    assert r.status == 404 and await r.text() == "Not found\n"


async def test_a_repository_that_turns_private_disappears(client):
    await campaign_pages.record(client.store, campaign(), public=True)
    assert (await client.get("/campaigns/octo-org/widgets")).status == 200
    await campaign_pages.record(client.store, campaign(), public=False)
    assert (await client.get("/campaigns/octo-org/widgets")).status == 404
    assert (await client.get("/badges/octo-org/widgets/7.svg")).status == 404


async def test_the_campaigns_page_lists_open_first_and_escapes_titles(client):
    await campaign_pages.record(client.store, campaign(3, state="delivered", raised="500"), public=True)
    await campaign_pages.record(client.store, campaign(7, title="<script>alert(1)</script>"), public=True)
    r = await client.get("/campaigns/octo-org/widgets")
    page = await r.text()
    assert r.headers["Content-Security-Policy"] == CSP and "script-src" not in CSP
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.index("#7") < page.index("#3")  # open first
    assert "paid to @alice" in page and "Name in the README" in page and "/pledge AMOUNT" in page


async def test_the_worker_keeps_the_public_record_of_a_public_repository():
    """Through the sandbox: /bounty and a pledge on a public repository give a badge; a private one gives none."""
    from bot.testing import fundbot_world

    async with fundbot_world("bounties:\n  rewards:\n    - {min: 10, reward: Name in the README}\n") as world:
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.comment(issue, "/bounty 100")
        await world.as_user("bob").comment(issue, "/pledge 30")
        await world.settle()
        owner, repo = world.repo.split("/")
        data = await world.bot.store.cache_get("campaign_page", f"{owner}/{repo}#{issue['number']}")
        assert data["state"] == "open" and data["raised"] == "30.00" and data["goal"] == "100.00"
        assert data["rewards"] == ["$10+: Name in the README"]


async def test_the_status_comment_embeds_the_badge_when_asked():
    """``bounties.badge: true`` on a public repository: the status comment opens with the badge, linked to the
    campaign page, its alt text the figures, its URL changing with them (GitHub's image proxy caches by URL);
    the badge it names is the one the server answers. Off by default, and never on a private repository."""
    from bot.core import status
    from bot.testing import fundbot_world

    public = "https://fundbot.example.org"
    async with fundbot_world("bounties:\n  badge: true\n", public_url=public) as world:
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.comment(issue, "/bounty 100")
        await world.as_user("bob").comment(issue, "/pledge 30")
        await world.settle()
        owner, repo = world.repo.split("/")
        (comment,) = world.bot_comments(issue, marker=status.STATUS_MARKER)
        first = comment["body"].splitlines()[2]
        badge = f"{public}/badges/{owner}/{repo}/{issue['number']}.svg?v=open-30.00-100.00"
        assert first == f"[![bounty open: 30.00 USD of 100.00 USD]({badge})]({public}/campaigns/{owner}/{repo})", first
        await world.as_user("carol").comment(issue, "/pledge 70")
        await world.settle()
        (comment,) = world.bot_comments(issue, marker=status.STATUS_MARKER)
        assert "?v=funded-100.00-100.00)" in comment["body"] and "bounty funded: 100.00 USD of 100.00 USD" in comment["body"]
        app = web.Application()
        pages.add_routes(app, world.bot.store)
        async with TestClient(TestServer(app)) as c:
            r = await c.get(f"/badges/{owner}/{repo}/{issue['number']}.svg?v=funded-100.00-100.00")
            assert r.status == 200 and "$100" in await r.text()

    async with fundbot_world(public_url=public) as world:  # default: no badge
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.comment(issue, "/bounty 100")
        await world.settle()
        (comment,) = world.bot_comments(issue, marker=status.STATUS_MARKER)
        assert "/badges/" not in comment["body"]


async def test_a_private_repository_gets_no_badge():
    from bot.core import status
    from bot.testing import fundbot_world

    async with fundbot_world("bounties:\n  badge: true\n", public_url="https://fundbot.example.org") as world:
        world.sandbox.repo(world.repo).private = True
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.comment(issue, "/bounty 100")
        await world.settle()
        (comment,) = world.bot_comments(issue, marker=status.STATUS_MARKER)
        assert "/badges/" not in comment["body"] and "fundbot campaign" in comment["body"]
