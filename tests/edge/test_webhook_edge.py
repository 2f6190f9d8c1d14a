"""The webhook edge through the real HTTP endpoint, with the shared payload examples signed like GitHub."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.app import Service
from bot.settings import Settings
from tests.fixtures.helpers import WEBHOOKS, github_headers, payload_bytes, payload_files

SECRET = "edge-secret"


@pytest.fixture
async def edge(tmp_path):
    """The web endpoint alone, in setup mode (no App credentials): deliveries are stored, not processed."""
    settings = Settings(webhook_secret=SECRET, database_url=f"sqlite:///{tmp_path / 'edge.db'}", host="127.0.0.1", port=0)
    service = Service(settings)
    await service.open()
    port = await service.start_web()
    async with aiohttp.ClientSession() as session:
        yield service, session, f"http://127.0.0.1:{port}"
    await service.close(grace=1)


async def post(session, url, event, body, *, secret=SECRET, delivery=None, headers=None):
    h = github_headers(event, body, secret, delivery=delivery)
    h.update(headers or {})
    async with session.post(url + "/api/github/webhooks", data=body, headers={k: v for k, v in h.items() if v is not None}) as r:
        return r.status, await r.json()


async def total_jobs(service) -> int:
    return sum((await service.store.counts()).values())


@pytest.mark.parametrize(("event", "path"), payload_files(), ids=lambda v: getattr(v, "name", v))
async def test_every_payload_example_is_accepted(edge, event, path):
    service, session, url = edge
    status, answer = await post(session, url, event, path.read_bytes())
    assert status == (200 if event == "ping" else 202), answer
    assert await total_jobs(service) == (0 if event == "ping" else 1)


async def test_stored_delivery_keeps_the_exact_bytes_and_headers(edge):
    service, session, url = edge
    body = payload_bytes("issues", "opened")
    status, answer = await post(session, url, "issues", body, delivery="guid-1")
    assert status == 202 and answer == {"ok": True, "delivery": "guid-1", "duplicate": False}
    [job] = await service.store.list_jobs(None)
    assert (job.kind, job.key, job.event, job.payload, job.status) == ("webhook", "guid-1", "issues", body, "pending")
    data = json.loads(body)
    assert job.ordering_key == f"{data['repository']['id']}#{data['issue']['number']}"


async def test_same_delivery_twice_is_stored_once(edge):
    service, session, url = edge
    body = payload_bytes("issue_comment", "created")
    first = await post(session, url, "issue_comment", body, delivery="dup")
    second = await post(session, url, "issue_comment", body, delivery="dup")
    assert first == (202, {"ok": True, "delivery": "dup", "duplicate": False})
    assert second == (202, {"ok": True, "delivery": "dup", "duplicate": True})
    assert await total_jobs(service) == 1


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "sha1=" + "0" * 40, "md5=abc", "sha256=zz"],
    ids=["missing", "empty", "wrong", "sha1-only", "unknown-algo", "garbage"],
)
async def test_bad_or_missing_signature_is_401_and_nothing_is_stored(edge, signature):
    service, session, url = edge
    body = payload_bytes("issues", "opened")
    headers = github_headers("issues", body, None)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    async with session.post(url + "/api/github/webhooks", data=body, headers=headers) as r:
        assert r.status == 401
    assert await total_jobs(service) == 0


async def test_signature_with_another_secret_is_401(edge):
    service, session, url = edge
    status, _ = await post(session, url, "issues", payload_bytes("issues", "opened"), secret="not-the-secret")
    assert status == 401
    assert await total_jobs(service) == 0


async def test_body_changed_after_signing_is_401(edge):
    service, session, url = edge
    body = payload_bytes("issues", "opened")
    headers = github_headers("issues", body, SECRET)
    async with session.post(url + "/api/github/webhooks", data=body.replace(b"Codertocat", b"Codertocaz"), headers=headers) as r:
        assert r.status == 401
    assert await total_jobs(service) == 0


@pytest.mark.parametrize("missing", ["X-GitHub-Event", "X-GitHub-Delivery"])
async def test_missing_github_header_is_400(edge, missing):
    service, session, url = edge
    body = payload_bytes("issues", "opened")
    headers = github_headers("issues", body, SECRET)
    del headers[missing]
    async with session.post(url + "/api/github/webhooks", data=body, headers=headers) as r:
        assert r.status == 400
        assert "X-GitHub" in (await r.json())["error"]
    assert await total_jobs(service) == 0


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b""], ids=["text", "binary", "array", "string", "empty"])
async def test_body_that_is_not_a_json_object_is_400(edge, body):
    service, session, url = edge
    status, answer = await post(session, url, "issues", body)
    assert status == 400, answer
    assert await total_jobs(service) == 0


async def test_over_25_mb_is_413(edge):
    service, session, url = edge
    body = b'{"x": "' + b"a" * (25 * 1024 * 1024) + b'"}'
    headers = github_headers("issues", body, SECRET)
    async with session.post(url + "/api/github/webhooks", data=body, headers=headers) as r:
        assert r.status == 413
    assert await total_jobs(service) == 0


async def test_ping_is_200_and_stores_nothing(edge):
    service, session, url = edge
    status, answer = await post(session, url, "ping", (WEBHOOKS / "ping" / "payload.json").read_bytes())
    assert status == 200 and answer["ok"] is True and answer["zen"]
    assert await total_jobs(service) == 0


async def test_healthz_checks_the_database(edge):
    service, session, url = edge
    async with session.get(url + "/healthz") as r:
        assert r.status == 200
        assert (await r.json())["database"] == "ok"
    await service.store.close()  # the database goes away
    async with session.get(url + "/healthz") as r:
        assert r.status == 503
    await service.store.connect()


async def test_a_locked_database_is_503_with_retry_after_and_logged_once(tmp_path, caplog):
    """Another process holds the SQLite write lock past busy_timeout: each delivery gets 503 + Retry-After
    (GitHub may send it again; never a 500), the outage is logged once, and deliveries are stored again (202)
    as soon as the lock is released."""
    import sqlite3

    db = tmp_path / "edge.db"
    settings = Settings(webhook_secret=SECRET, database_url=f"sqlite:///{db}?busy_timeout=0.2", host="127.0.0.1", port=0)
    service = Service(settings)
    await service.open()
    port = await service.start_web()
    url = f"http://127.0.0.1:{port}"
    body = (WEBHOOKS / "issues" / "opened.payload.json").read_bytes()
    other = sqlite3.connect(db, isolation_level=None)
    try:
        async with aiohttp.ClientSession() as session:
            other.execute("BEGIN IMMEDIATE")
            with caplog.at_level("WARNING", logger="bot.edge.web"):
                for n in range(3):
                    h = github_headers("issues", body, SECRET, delivery=f"locked-{n}")
                    async with session.post(url + "/api/github/webhooks", data=body, headers=h) as r:
                        assert r.status == 503, await r.text()
                        assert r.headers["Retry-After"].isdigit()
                        assert "retry later" in (await r.json())["error"]
                other.execute("ROLLBACK")
                status, answer = await post(session, url, "issues", body, delivery="after-the-lock")
            assert status == 202 and answer["duplicate"] is False
        errors = [r for r in caplog.records if r.name == "bot.edge.web" and r.levelname == "ERROR"]
        assert len(errors) == 1 and "locked" in errors[0].getMessage(), [r.getMessage() for r in errors]
        assert any("after 3 answered 503" in r.getMessage() for r in caplog.records)
        assert await total_jobs(service) == 1
    finally:
        other.close()
        await service.close(grace=1)


async def test_a_closed_store_is_503_not_500(edge):
    service, session, url = edge
    await service.store.close()
    try:
        body = (WEBHOOKS / "issues" / "opened.payload.json").read_bytes()
        status, answer = await post(session, url, "issues", body)
        assert status == 503 and "retry later" in answer["error"]
    finally:
        await service.store.connect()


async def test_index_in_setup_mode_explains_registration(edge):
    service, session, url = edge
    async with session.get(url + "/") as r:
        page = await r.text()
    assert r.status == 200
    assert "app.yml" in page and "APP_ID" in page and "WEBHOOK_SECRET" in page and "Setup mode" in page


def test_the_app_refuses_to_start_without_a_secret(tmp_path):
    from bot.edge.web import make_app
    from bot.store import open_store

    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        make_app(Settings(webhook_secret=None, app_id="1", private_key="k"), open_store(f"sqlite:///{tmp_path / 'x.db'}"))


async def test_before_registration_every_webhook_is_refused(tmp_path):
    """Setup mode with no App and no secret (the one-click registration has not run): nothing can be
    verified, so nothing is stored: 503, and the page says how to register."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.edge.web import make_app
    from bot.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    await store.connect()
    await store.migrate()
    async with TestClient(TestServer(make_app(Settings(webhook_secret=None), store))) as client:
        r = await client.post("/api/github/webhooks", data=b"{}", headers={
            "X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": "sha256=" + "0" * 64})
        assert r.status == 503 and "not registered yet" in await r.text()
        assert "Register fundbot on GitHub" in await (await client.get("/")).text()
    assert (await store.counts())["pending"] == 0
    await store.close()


async def test_json_that_orjson_refuses_but_json_allows_is_still_accepted(edge):
    service, session, url = edge
    body = b'{"action": "opened", "big": 123456789012345678901234567890}'
    status, _ = await post(session, url, "issues", body)
    assert status == 202
    assert await total_jobs(service) == 1
