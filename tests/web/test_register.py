"""The manifest flow (bot.web.register) against the sandbox's conversion endpoint: state checked, .env and
key written 0600, an existing App kept unless replacing was asked, the server told to switch to running."""

from __future__ import annotations

import html
import json
import re
import stat

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.sandbox import Sandbox
from bot.web.register import Registration, add_routes, manifest, web_url, write_env


@pytest.fixture
async def flow(tmp_path):
    async with Sandbox(validate=True) as sb, aiohttp.ClientSession() as session:
        registered: list[dict] = []
        configured = {"app": False}

        async def on_registered(values):
            registered.append(values)
            configured["app"] = True

        reg = Registration(api_url=sb.base_url, github_url="https://github.example", public_url="https://bot.example",
                           webhook_path="/api/github/webhooks", env_path=tmp_path / ".env",
                           has_app=lambda: configured["app"], on_registered=on_registered, session=lambda: session)
        app = web.Application()
        add_routes(app, reg)
        async with TestClient(TestServer(app)) as client:
            yield client, sb, registered, tmp_path, configured


def _state(page: str) -> tuple[str, dict]:
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    data = json.loads(html.unescape(re.search(r'name="manifest" value="([^"]+)"', page).group(1)))
    assert action.startswith("https://github.example/settings/apps/new?state=")
    return action.rsplit("=", 1)[1], data


async def github_code(sb, state: str, sent: dict) -> str:
    """What a person does on (the sandbox's) GitHub: post the manifest, name the App, get redirected."""
    async with aiohttp.ClientSession() as web_client:
        async with web_client.post(f"{sb.base_url}/settings/apps/new?state={state}",
                                   data={"manifest": json.dumps(sent)}) as r:
            assert r.status == 200 and "Create GitHub App" in await r.text()
        async with web_client.post(f"{sb.base_url}/settings/apps/new/confirm", allow_redirects=False,
                                   data={"manifest": json.dumps(sent), "state": state, "name": "fundbot"}) as r:
            assert r.status == 302
            location = r.headers["Location"]
    assert location.startswith("https://bot.example/setup/callback?") and f"state={state}" in location
    return re.search(r"code=([0-9a-f]+)", location).group(1)


async def test_register_on_my_account(flow):
    client, sb, registered, tmp, _ = flow
    page = await (await client.get("/setup")).text()
    state, sent = _state(page)
    assert sent["hook_attributes"]["url"] == "https://bot.example/api/github/webhooks"
    assert sent["redirect_url"] == "https://bot.example/setup/callback"
    assert "installation" not in sent["default_events"] and sent["default_permissions"]["issues"] == "write"
    code = await github_code(sb, state, sent)
    done = await client.get(f"/setup/callback?code={code}&state={state}")
    text = await done.text()
    assert done.status == 200 and "Install it on repositories" in text
    env = (tmp / ".env").read_text()
    assert f'APP_ID="{sb.app_id}"' in env and f'WEBHOOK_SECRET="{sb.webhook_secret}"' in env
    assert sb.webhook_secret != "sandbox-secret" and sb.webhook_url == "https://bot.example/api/github/webhooks"
    key = tmp / f"{registered[0]['BOT_LOGIN'].removesuffix('[bot]')}.private-key.pem"
    assert key.read_text() == sb.private_key_pem.decode()
    for path in (tmp / ".env", key):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert registered[0]["APP_ID"] == str(sb.app_id)
    again = await client.get(f"/setup/callback?code={code}&state={state}")  # a state is good once
    assert again.status == 400


async def test_a_code_github_did_not_issue_is_refused(flow):
    client, sb, registered, tmp, _ = flow
    state, _sent = _state(await (await client.get("/setup")).text())
    r = await client.get(f"/setup/callback?code=0123456789abcdef0123&state={state}")
    assert r.status == 502 and "GitHub refused the code: 404" in await r.text()
    assert registered == [] and not (tmp / ".env").exists()


async def test_github_refuses_a_manifest_with_default_events_it_sends_anyway(flow):
    _client, sb, *_ = flow
    bad = {"url": "https://x", "redirect_url": "https://x/cb", "hook_attributes": {"url": "https://x/h"},
           "default_events": ["issues", "installation"]}
    async with aiohttp.ClientSession() as web_client, web_client.post(
            f"{sb.base_url}/settings/apps/new", data={"manifest": json.dumps(bad)}) as r:
        assert r.status == 422 and "Default events unsupported: installation" in await r.text()


async def test_an_unknown_state_changes_nothing(flow):
    client, _sb, registered, tmp, _ = flow
    r = await client.get("/setup/callback?code=c0de&state=forged")
    assert r.status == 400 and "not one this server started" in await r.text()
    assert not (tmp / ".env").exists() and registered == []


async def test_an_existing_app_is_replaced_only_when_asked(flow):
    client, _sb, registered, tmp, configured = flow
    configured["app"] = True
    (tmp / ".env").write_text('APP_ID="999"\nLOG_LEVEL=DEBUG\n')
    assert "already configured" in await (await client.get("/setup")).text()
    state, sent = _state(await (await client.get("/setup?replace=1")).text())
    r = await client.get(f"/setup/callback?code={await github_code(_sb, state, sent)}&state={state}")
    assert r.status == 200
    env = (tmp / ".env").read_text()
    assert 'APP_ID="999"' not in env and "LOG_LEVEL=DEBUG" in env  # other settings kept


async def test_an_organization_form_and_a_bad_name(flow):
    client, *_ = flow
    page = await (await client.get("/setup?org=octo-org")).text()
    assert 'action="https://github.example/organizations/octo-org/settings/apps/new?state=' in page
    assert (await client.get("/setup?org=not%20an%20org")).status == 400


def test_helpers(tmp_path):
    assert web_url("https://api.github.com") == "https://github.com"
    assert web_url("https://ghes.example/api/v3/") == "https://ghes.example"
    write_env(tmp_path / ".env", {"A": 'x "y"'})
    assert (tmp_path / ".env").read_text() == 'A="x \\"y\\""\n'
    m = manifest(__import__("bot.web.register", fromlist=["APP_YML"]).APP_YML, "https://h/", "/hook")
    assert m["hook_attributes"] == {"url": "https://h/hook", "active": True}
