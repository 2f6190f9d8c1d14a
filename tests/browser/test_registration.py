"""One-click registration end to end: serve in setup mode (no App, no secret), Chromium clicks "Register" on
fundbot's page and "Create GitHub App" on (the sandbox's) GitHub, fundbot writes .env and serves again as the
new App, and a webhook GitHub then sends - signed with the new secret - is accepted."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def github():
    """The sandbox on its own loop in a thread (the browser and serve talk to it over HTTP)."""
    loop, ready, holder = asyncio.new_event_loop(), threading.Event(), {}
    stop = asyncio.Event()

    async def main():
        async with Sandbox(validate=True) as sb:
            sb.add_repo("fundbot-dev/widgets")
            holder["sb"] = sb
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(20)
    yield holder["sb"], loop
    loop.call_soon_threadsafe(stop.set)
    thread.join(20)


def _wait(condition, what: str, timeout: float = 60.0):
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_register_in_one_click_then_receive_a_signed_webhook(chrome, github, tmp_path, screenshot):
    from selenium.webdriver.common.by import By

    sb, loop = github
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"))}
    env.update({"PUBLIC_URL": f"http://127.0.0.1:{port}", "GITHUB_API_URL": sb.base_url, "PORT": str(port),
                "HOST": "127.0.0.1", "WORKER_PROCESSES": "0", "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"})
    serve = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        def serve_shows(text: str):
            def shows():
                try:
                    chrome.get(f"http://127.0.0.1:{port}/")
                    return text in chrome.page_source
                except Exception:
                    return False
            return shows

        _wait(serve_shows("Register fundbot on GitHub"), "serve's setup page")
        chrome.find_element(By.LINK_TEXT, "Register fundbot on GitHub").click()
        _wait(lambda: chrome.find_elements(By.XPATH, "//button[text()='Register fundbot on my account']"), "/setup")
        chrome.find_element(By.XPATH, "//button[text()='Register fundbot on my account']").click()
        _wait(lambda: "Create GitHub App" in chrome.title, "(the sandbox's) GitHub's new-app page")
        chrome.find_element(By.XPATH, "//button[text()='Create GitHub App']").click()
        _wait(lambda: "fundbot is registered" in chrome.page_source, "the registration page")
        screenshot("registered")
        env_file = (tmp_path / ".env").read_text()
        assert f'WEBHOOK_SECRET="{sb.webhook_secret}"' in env_file and sb.webhook_secret != "sandbox-secret"
        assert oct((tmp_path / ".env").stat().st_mode & 0o777) == "0o600"

        _wait(serve_shows("Running as GitHub App id"), "serve in running mode")
        chrome.get(f"{sb.base_url}/apps/{sb.app_slug}/installations/new?account=fundbot-dev")
        chrome.find_element(By.XPATH, "//input[@value='fundbot-dev/widgets']").click()
        chrome.find_element(By.XPATH, "//button[text()='Install']").click()
        _wait(lambda: "Installed on fundbot-dev/widgets" in chrome.page_source, "the install answer")

        def delivered():
            return [d for d in sb._deliveries if d.event == "installation"]
        [delivery] = _wait(delivered, "the installation webhook")
        assert delivery.status_code == 202, (delivery.status_code, delivery.response_headers)
    finally:
        serve.terminate()
        try:
            serve.wait(20)
        except subprocess.TimeoutExpired:
            serve.kill()
