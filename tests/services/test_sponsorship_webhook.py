"""Issue 13.2: the account-level GitHub Sponsors ``sponsorship`` webhook (its own path, its own secret) refreshes the
README when a sponsorship is created, cancelled or changes tier; through the sandbox and the real edge."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from bot.core import readme
from bot.core.signing import signature_headers
from bot.edge.sponsorship import summary
from bot.services import sponsorship_refresh
from bot.settings import DEFAULT_SPONSORSHIP_WEBHOOK_PATH, Settings, SettingsError
from bot.testing import fundbot_world

DATA = Path(__file__).parents[1] / "data" / "github" / "webhooks"
COMMIT_README = "readme:\n  update: commit\n  debounce_seconds: 0\n"


def section(world) -> str:
    return readme.extract(world.file("README.md").encode()) or ""


def commits(world) -> int:
    return len(world.sandbox.calls_to("POST", f"/repos/{world.repo}/git/commits"))


async def post(world, url: str, event: str, body: bytes, secret: str | None, *, delivery: str | None = None):
    headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
               "X-GitHub-Delivery": delivery or str(uuid.uuid4()), "X-GitHub-Hook-ID": "7"}
    if secret is not None:
        headers.update(signature_headers(body, secret))
    async with world.bot.session.post(url, data=body, headers=headers) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if resp.content_type == "application/json" else text


async def test_created_tier_changed_and_cancelled_refresh_the_readme():
    async with fundbot_world(COMMIT_README) as world:
        await world.bot.connect_sponsors("octo-org", owner="octocat")
        await world.settle()
        assert await world.sponsor("dana", monthly_usd=5) == 202
        await world.settle()
        assert "dana" in section(world)
        written = commits(world)
        assert await world.change_sponsorship_tier("dana", monthly_usd=500) == 202
        await world.settle()
        assert "dana" in section(world) and commits(world) == written + 1  # the tier moved dana up the section
        assert await world.cancel_sponsorship("dana", pending=True) == 202
        assert await world.change_sponsorship_tier("dana", monthly_usd=5, pending=True) == 202
        await world.settle()
        assert commits(world) == written + 1  # pending changes show nothing new yet
        assert await world.cancel_sponsorship("dana") == 202
        await world.settle()
        assert "dana" not in section(world)
        assert await world.jobs("failed") == []
        deliveries = world.sandbox.sponsors_deliveries
        assert [d.action for d in deliveries] == ["created", "tier_changed", "pending_cancellation",
                                                  "pending_tier_change", "cancelled"]
        assert all(d.request_headers["X-GitHub-Hook-Installation-Target-Type"] == "sponsors_listing" for d in deliveries)
        assert not any(d["event"] == "sponsorship" for d in world.sandbox.deliveries)  # never an App delivery


async def test_only_the_sponsored_accounts_repositories_that_list_github_sponsors_are_synced():
    async with fundbot_world(COMMIT_README) as world:
        sb = world.sandbox
        sb.add_repo("octo-org/static", files={"README.md": "# s\n", ".github/fundbot.yml":
                                               COMMIT_README + "  sources: [config]\n"}, owner_type="Organization")
        await sb.add_repos_to_installation(world.installation_id, ["octo-org/static"])
        sb.add_user("someone-else")
        sb.add_repo("someone-else/tool", files={"README.md": "# t\n", ".github/fundbot.yml": COMMIT_README})
        sb.add_installation("someone-else", repos=["someone-else/tool"])
        await world.settle()
        names = await sponsorship_refresh.refresh_account(world.bot.service.ctx, "OCTO-ORG", reason="test")
        assert names == ["octo-org/widgets"]


async def test_signatures_never_cross_between_the_app_and_the_sponsors_webhook():
    async with fundbot_world() as world:
        sb, bot = world.sandbox, world.bot
        body = (DATA / "sponsorship" / "created.payload.json").read_bytes()  # octokit/webhooks' real example
        app_secret, sponsors_secret = bot.service.settings.webhook_secret, bot.service.settings.sponsorship_webhook_secret
        assert app_secret != sponsors_secret
        assert (await post(world, bot.sponsorship_url, "sponsorship", body, app_secret))[0] == 401
        assert (await post(world, bot.sponsorship_url, "sponsorship", body, None))[0] == 401
        assert (await post(world, bot.url, "sponsorship", body, sponsors_secret))[0] == 401
        assert (await post(world, bot.sponsorship_url, "sponsorship", body, "sandbox-secret-sponsorz"))[0] == 401
        guid = str(uuid.uuid4())
        assert await post(world, bot.sponsorship_url, "sponsorship", body, sponsors_secret, delivery=guid) == \
            (202, {"ok": True, "delivery": guid, "duplicate": False})
        assert (await post(world, bot.sponsorship_url, "sponsorship", body, sponsors_secret, delivery=guid))[1]["duplicate"]
        job = await bot.store.get_job_by_key(f"sponsorship:{guid}")
        assert job.kind == "sponsorship" and json.loads(job.payload) == {
            "action": "created", "sponsorable": {"login": "octocat", "id": 5, "type": "User"}}  # no sponsor stored
        assert await sb.deliver_sponsorship("octo-org", body, secret=app_secret) == 401  # the sandbox's control
        assert await sb.deliver_sponsorship("octo-org", body) == 202


@pytest.mark.parametrize(("event", "body", "status"), [
    ("ping", b'{"zen": "Keep it logically awesome.", "hook_id": 7}', 200),
    ("issues", b'{"action": "opened"}', 400),
    ("sponsorship", b'{"action": "created"', 400),
    ("sponsorship", b'[1, 2]', 400),
    ("sponsorship", b'{"action": "downgraded", "sponsorship": {"sponsorable": {"login": "octocat"}}}', 400),
    ("sponsorship", b'{"action": "created", "sponsorship": {"sponsorable": {"login": "../../x"}}}', 400),
])
async def test_what_the_sponsors_endpoint_refuses_is_a_4xx(event, body, status):
    async with fundbot_world() as world:
        secret = world.bot.service.settings.sponsorship_webhook_secret
        assert (await post(world, world.bot.sponsorship_url, event, body, secret))[0] == status
        assert await world.jobs("pending", "done", "failed") == []


async def test_an_unconfigured_sponsors_path_is_404():
    async with fundbot_world(sponsorship_webhook_secret=None) as world:
        assert world.bot.sponsorship_url is None
        url = world.bot.url.replace(world.bot.service.settings.webhook_path, DEFAULT_SPONSORSHIP_WEBHOOK_PATH)
        assert (await post(world, url, "sponsorship", b"{}", "anything"))[0] == 404


def test_the_sandbox_sends_what_octokits_schema_describes_and_the_edge_reads_it():
    from bot.sandbox import Sandbox

    sb = Sandbox()
    sb.add_sponsorship("octo-org", "dana", monthly_usd=5, sponsor_type="User")
    s, hooks = sb._sponsorships[0], sb.sponsors_hooks
    schema = json.loads((DATA / "schema.json").read_text())
    tier = {"tier": {"from": hooks.tier(s)}}
    payloads = [hooks.payload(s, "created"), hooks.payload(s, "cancelled"),
                hooks.payload(s, "edited", changes={"privacy_level": {"from": "private"}}),
                hooks.payload(s, "tier_changed", changes=tier),
                hooks.payload(s, "pending_tier_change", changes=tier, effective_date=sb.clock()),
                hooks.payload(s, "pending_cancellation", effective_date=sb.clock())]
    for p in payloads:
        v = Draft7Validator({"definitions": schema["definitions"], "$ref": f"#/definitions/sponsorship${p['action']}"})
        assert [e.message for e in v.iter_errors(p)] == [], p["action"]
        assert summary(p)["sponsorable"]["login"] == "octo-org"
    current = {"action": "created", "sponsorship": {"maintainer": {"login": "octo-org", "id": 3, "type": "Organization"}}}
    assert summary(current) == {"action": "created", "sponsorable": {"login": "octo-org", "id": 3, "type": "Organization"}}


@pytest.mark.parametrize(("env", "message"), [
    ({"SPONSORSHIP_WEBHOOK_PATH": "/sponsors"}, "SPONSORSHIP_WEBHOOK_SECRET is not"),
    ({"SPONSORSHIP_WEBHOOK_SECRET": "s", "SPONSORSHIP_WEBHOOK_PATH": "/api/github/webhooks"}, "is taken"),
    ({"SPONSORSHIP_WEBHOOK_SECRET": "s", "SPONSORSHIP_WEBHOOK_PATH": "sponsors?x=1"}, "must be a path"),
    ({"SPONSORSHIP_WEBHOOK_SECRET": "same", "WEBHOOK_SECRET": "same"}, "must differ from WEBHOOK_SECRET"),
])
def test_bad_sponsorship_settings_are_one_clear_line(env, message):
    with pytest.raises(SettingsError, match=message) as caught:
        Settings.from_env(env, dotenv=None)
    assert "\n" not in str(caught.value)


def test_sponsorship_settings():
    assert Settings.from_env({}, dotenv=None).sponsorship_webhook_secret is None
    s = Settings.from_env({"SPONSORSHIP_WEBHOOK_SECRET": "x" * 20, "SPONSORSHIP_WEBHOOK_PATH": "/hooks/sponsors"},
                          dotenv=None)
    assert (s.sponsorship_webhook_path, s.sponsorship_webhook_secret) == ("/hooks/sponsors", "x" * 20)
    assert Settings.from_env({"SPONSORSHIP_WEBHOOK_SECRET": "y"}, dotenv=None).sponsorship_webhook_path == \
        DEFAULT_SPONSORSHIP_WEBHOOK_PATH
