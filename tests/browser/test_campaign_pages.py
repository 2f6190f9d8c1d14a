"""The campaigns page and the badge in Chromium: what a visitor sees (content, layout, no blocked resource)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from aiohttp import web

from bot import web as pages
from bot.core.campaign_page import PublicCampaign
from bot.services import campaign_pages
from bot.store import open_store


def _campaign(number, state, raised, title):
    return PublicCampaign(owner="octo-org", repo="widgets", number=number, title=title,
                          url=f"https://github.com/octo-org/widgets/issues/{number}", state=state, raised=raised,
                          goal="200", currency="USD", backers=2, deadline=1_900_000_000.0, paid_to="@alice",
                          rewards=("Name in the README", "Logo in the README"), updated_at=float(number))


@pytest.fixture
def site(tmp_path):
    """fundbot's pages on a real port (own loop in a thread), with two campaigns recorded."""
    ready, holder = threading.Event(), {}

    async def main(stop: asyncio.Event):
        store = open_store(f"sqlite:///{tmp_path / 'f.db'}")
        await store.connect()
        await store.migrate()
        await campaign_pages.record(store, _campaign(3, "delivered", "240", "Export to CSV"), public=True)
        await campaign_pages.record(store, _campaign(7, "open", "150", "Dark mode <b>now</b>"), public=True)
        app = web.Application()
        pages.add_routes(app, store)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        holder["url"] = f"http://127.0.0.1:{runner.addresses[0][1]}"
        ready.set()
        await stop.wait()
        await runner.cleanup()
        await store.close()

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(main(stop),), daemon=True)
    thread.start()
    assert ready.wait(10), "the pages did not start"
    yield holder["url"]
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)


def test_a_visitor_sees_the_campaigns(chrome, site, screenshot):
    from selenium.webdriver.common.by import By

    chrome.get(site + "/campaigns/octo-org/widgets")
    assert chrome.title == "Campaigns of octo-org/widgets · fundbot"
    rows = chrome.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, "a").text for r in rows] == ["#7", "#3"]  # open first
    first = rows[0].text
    assert "Dark mode <b>now</b>" in first  # the title's markup shown as text, not applied
    assert "$150 of $200" in first and "75%" in first and "paid to @alice" in first
    assert rows[0].find_element(By.TAG_NAME, "progress").get_attribute("value") == "75"
    table = chrome.find_element(By.TAG_NAME, "table")
    assert table.size["width"] <= chrome.execute_script("return window.innerWidth")  # no horizontal overflow
    assert chrome.find_element(By.TAG_NAME, "h1").value_of_css_property("font-family").startswith("system-ui")  # CSP let the style in
    shot = screenshot("campaigns-page")
    assert shot.stat().st_size > 5_000


def test_the_badge_renders_as_an_image(chrome, site, screenshot):
    chrome.get(site + "/badges/octo-org/widgets/7.svg")
    svg = chrome.find_element("css selector", "svg")
    assert svg.get_attribute("aria-label") == "bounty: $150 of $200 (75% funded)"
    assert 100 < svg.size["width"] < 300 and svg.size["height"] == 20
    screenshot("badge")
