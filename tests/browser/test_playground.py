"""The playground in Chromium: open an issue, a maintainer's /bounty 100, two pledges by two users, and the
status comment reaches funded - clicked and typed as a person would."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot import playground


@pytest.fixture
def site():
    ready, holder = threading.Event(), {}
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def started(line: str) -> None:
        holder["url"] = line.split()[2]
        ready.set()

    async def main():
        try:
            await playground.run(port=0, started=started, stop=stop)
        except BaseException as exc:  # surfaced by the fixture below
            holder["error"] = exc
            ready.set()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(60) and "error" not in holder, holder.get("error")
    yield holder["url"]
    loop.call_soon_threadsafe(stop.set)
    thread.join(30)


def _submit(chrome, legend: str, who: str | None = None, **fields: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    box = chrome.find_element(By.XPATH, f"//fieldset[legend='{legend}']")
    form = box.find_element(By.TAG_NAME, "form")
    if who is not None:
        Select(form.find_element(By.NAME, "as")).select_by_visible_text(who)
    for name, value in fields.items():
        element = form.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)
    chrome.execute_script("window.__fundbot_old_page = true")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_for_next_page(chrome)


def _wait_for_next_page(chrome) -> None:
    """Until the page the submit led to has replaced this one and finished loading: the flag set on the old
    page is gone from the new one's window. (Selenium's staleness_of is not enough: chromedriver may answer a
    node of the replaced document with "Node with given id does not belong to the document".)"""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def replaced(driver) -> bool:
        try:
            return bool(driver.execute_script(
                "return window.__fundbot_old_page !== true && document.readyState === 'complete'"))
        except WebDriverException:  # the navigation is in progress
            return False

    WebDriverWait(chrome, 60).until(replaced)


def test_a_campaign_is_funded_by_hand(chrome, site, screenshot):
    from selenium.webdriver.common.by import By

    chrome.get(site)
    assert "fundbot playground" in chrome.title
    _submit(chrome, "Open an issue", "alice", title="Dark mode", body="Please add a dark theme.")
    assert chrome.current_url.endswith("/issues/1")
    _submit(chrome, "Comment", "octocat", body="/bounty 100")
    _submit(chrome, "Comment", "alice", body="/pledge 60")
    _submit(chrome, "Comment", "bob", body="/pledge 40")
    comments = chrome.find_elements(By.CSS_SELECTOR, ".comment.bot .body")
    status = [c.text for c in comments if "100" in c.text and ("funded" in c.text.lower())]
    assert status, [c.text for c in comments]
    assert "bounty" in chrome.find_element(By.TAG_NAME, "p").text  # the label shows on the issue
    pledges = [c for c in chrome.find_elements(By.CSS_SELECTOR, ".comment") if "/pledge 40" in c.text]
    assert pledges and "+1" in pledges[0].find_element(By.TAG_NAME, "h4").text  # 👍 reaction recorded
    screenshot("playground-funded")
