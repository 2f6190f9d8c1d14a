"""``/admin/sponsors`` (bot.web.sponsors_admin): connect, list and disconnect a GitHub Sponsors token from the
operator's page, through fundbot's real web app against the sandbox's GraphQL (which refuses an installation
token and a token without read:user, as GitHub does)."""

from __future__ import annotations

import contextlib
import re

import aiohttp
import pytest

from bot.app import Service
from bot.services.sponsor_tokens import SponsorTokens
from bot.settings import Settings

ADMIN = "an-admin-token-for-the-test"
KEY = "k" * 40


@contextlib.asynccontextmanager
async def signed_in(sandbox, tmp_path, **settings):
    """fundbot's web app against the sandbox, an operator signed in: (session, base URL, CSRF token, service)."""
    service = Service(Settings().for_sandbox(sandbox, database_url=f"sqlite:///{tmp_path / 'f.db'}", admin_token=ADMIN,
                                             **settings))
    await service.open()
    port = await service.start_web(host="127.0.0.1", port=0)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            signed = await http.post(f"{base}/admin/login", data={"token": ADMIN}, allow_redirects=False)
            assert signed.status == 303
            page = await (await http.get(f"{base}/admin/sponsors")).text()
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
            yield http, base, csrf, service
    finally:
        await service.close(grace=1)


@pytest.fixture
async def admin(sandbox, tmp_path):
    async with signed_in(sandbox, tmp_path, secret_key=KEY) as signed:
        yield signed


async def test_connect_list_and_disconnect_from_the_page(sandbox, admin):
    http, base, csrf, service = admin
    sandbox.add_sponsorship("octocat", "a-sponsor", monthly_usd=5)
    good, bare = sandbox.add_user_token("octocat", ("read:user",)), sandbox.add_user_token("octocat", ())

    refused = await http.post(f"{base}/admin/sponsors/connect", data={"csrf": csrf, "account": "octocat", "token": bare})
    text = await refused.text()
    assert refused.status == 400 and "needs read:user" in text and bare not in text
    assert await SponsorTokens(service.store, KEY).list() == []  # GitHub refused it: nothing stored

    done = await http.post(f"{base}/admin/sponsors/connect", data={"csrf": csrf, "account": "octocat", "token": good})
    text = await done.text()
    assert done.status == 200 and "octocat: connected (token …" in text and good not in text
    assert f"…{good[-4:]}" in text and "read:user" in text  # listed by its last four characters
    assert await SponsorTokens(service.store, KEY).token_for("octocat") == good

    gone = await http.post(f"{base}/admin/sponsors/disconnect", data={"csrf": csrf, "account": "octocat"})
    assert "octocat: disconnected" in await gone.text()
    assert await SponsorTokens(service.store, KEY).list() == []


async def test_forged_and_bad_forms_are_refused(sandbox, admin):
    http, base, csrf, service = admin
    good = sandbox.add_user_token("octocat", ("read:user",))
    forged = await http.post(f"{base}/admin/sponsors/connect", data={"csrf": "0" * 32, "account": "octocat",
                                                                      "token": good})
    assert forged.status == 403 and await SponsorTokens(service.store, KEY).list() == []
    for account, token, says in [("-bad-", good, "account"), ("octocat", "", "token"),
                                 ("octocat", "x" * 5000, "token")]:
        r = await http.post(f"{base}/admin/sponsors/connect", data={"csrf": csrf, "account": account, "token": token})
        assert r.status == 400 and says in (await r.text()).lower(), (account, r.status)
    async with aiohttp.ClientSession() as stranger:  # not signed in: sent to sign in, nothing changes
        r = await stranger.post(f"{base}/admin/sponsors/connect", data={"csrf": csrf, "account": "octocat",
                                                                        "token": good})
        assert r.status == 403
        r = await stranger.get(f"{base}/admin/sponsors", allow_redirects=False)
        assert r.status == 303 and r.headers["Location"] == "/admin"
    assert await SponsorTokens(service.store, KEY).list() == []


async def test_without_secret_key_nothing_is_checked_or_stored(sandbox, tmp_path):
    async with signed_in(sandbox, tmp_path, secret_key=None) as (http, base, csrf, _service):
        before = len(sandbox.calls)
        r = await http.post(f"{base}/admin/sponsors/connect",
                            data={"csrf": csrf, "account": "octocat", "token": sandbox.add_user_token("octocat")})
        assert r.status == 400 and "SECRET_KEY must be set" in await r.text()
        assert len(sandbox.calls) == before  # no check with GitHub for a token that could not be kept
