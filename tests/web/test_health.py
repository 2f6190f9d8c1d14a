"""The operator's health page (bot.web.health): hidden without ADMIN_TOKEN, signed in by a form, CSRF-checked
retry of a failed job, the error shown escaped."""

from __future__ import annotations

import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.store import open_store
from bot.web.health import Health, add_routes


@pytest.fixture
async def env(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'f.db'}")
    await store.connect()
    await store.migrate()
    await store.enqueue("webhook", "delivery-1", payload=b"{}", event="issues")
    [job] = await store.claim("w", lease=60)
    await store.park(job.id, "w", error="<b>boom</b> 404 Not Found")
    made = {}

    async def client_with(token):
        app = web.Application()
        add_routes(app, Health(store, token, github_stats=lambda: ({}, {"installation 7": 4321})))
        made["c"] = TestClient(TestServer(app))
        await made["c"].start_server()
        return made["c"]

    yield store, job, client_with
    if "c" in made:
        await made["c"].close()
    await store.close()


async def test_no_admin_token_no_page(env):
    _store, _job, client_with = env
    client = await client_with(None)
    assert (await client.get("/admin")).status == 404
    assert (await client.post("/admin/login", data={"token": ""})).status == 404


async def test_sign_in_see_the_failure_and_retry_it(env):
    store, job, client_with = env
    client = await client_with("s3cret-token")
    assert "Admin token" in await (await client.get("/admin")).text()
    assert (await client.post("/admin/login", data={"token": "wrong"})).status == 403
    signed = await client.post("/admin/login", data={"token": "s3cret-token"}, allow_redirects=False)
    assert signed.status == 303 and "s3cret-token" not in signed.headers["Set-Cookie"]
    assert "HttpOnly" in signed.headers["Set-Cookie"] and "SameSite=Strict" in signed.headers["Set-Cookie"]
    page = await (await client.get("/admin")).text()
    assert "&lt;b&gt;boom&lt;/b&gt; 404 Not Found" in page and "installation 7" in page and "failed: 1" in page
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    refused = await client.post(f"/admin/jobs/{job.id}/retry", data={"csrf": "0" * 32})
    assert refused.status == 403 and (await store.get_job(job.id)).status == "failed"
    done = await client.post(f"/admin/jobs/{job.id}/retry", data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303 and (await store.get_job(job.id)).status == "pending"
