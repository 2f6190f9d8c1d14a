"""GitHub's size limits, end to end through the sandbox (which enforces them as GitHub does): label names and
descriptions, release notes of 125,000 characters, files over 1 MB that the contents API leaves out."""

from __future__ import annotations

import gidgethub
import pytest

from bot.sandbox.routes.contents import MAX_CONTENT
from bot.services.labels import sendable
from bot.testing import fundbot_world

PAD_LINE = "# " + "padding " * 12 + "\n"  # a YAML comment


def padded(text: str, size: int = MAX_CONTENT + 4096) -> str:
    """``text`` followed by comment lines up to ``size`` bytes: over the contents API's 1 MB."""
    return text + PAD_LINE * (size // len(PAD_LINE) + 1)


async def failed_jobs(world) -> list:
    return await world.jobs("failed")


# --- labels -------------------------------------------------------------------------------------------
async def test_the_longest_labels_the_config_accepts_are_created_on_github():
    name = "b" * 49 + "💰"  # 50 characters (GitHub counts characters)
    config = (f'bounties:\n  label: "{"c" * 50}"\n  funded_label: "{"f" * 50}"\n  delivered_label: "{"d" * 50}"\n'
              f'  max_amount: 100000000\n  labels:\n    "{name}": 99999999.99\n')
    async with fundbot_world(config) as world:
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.label(issue, name)
        await world.settle()
        assert len(world.bot_comments(issue, marker="campaign")) == 1
        made = world.sandbox.repo(world.repo).labels
        assert {"c" * 50, name} <= {lb.name for lb in made.values()}
        assert all(len(lb.description or "") <= 100 for lb in made.values())
        assert world.sandbox.violations == [] and await failed_jobs(world) == []


async def test_a_configured_label_over_50_characters_is_a_config_error_never_sent():
    async with fundbot_world() as world:
        await world.maintainer.push({".github/fundbot.yml": f'bounties:\n  label: "{"x" * 51}"\n'})
        await world.settle()
        [run] = world.check_runs(name="fundbot/config")
        assert run["conclusion"] == "failure"
        assert any("bounties.label" in (a.get("message", "") + a.get("title", "")) for a in world.annotations(run))
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.comment(issue, "/bounty 100")
        await world.settle()
        sent = [c.body for c in world.sandbox.calls if c.method in ("POST", "PATCH", "PUT")
                and isinstance(c.body, dict) and isinstance(c.body.get("name"), str)]
        assert all(len(n) <= 50 for n in (b["name"] for b in sent))
        assert not any("x" * 51 in str(c.body) for c in world.sandbox.calls)
        assert await failed_jobs(world) == []


# --- release notes: 125,000 characters ------------------------------------------------------------------
async def test_notes_near_githubs_limit_get_no_footer_and_the_job_is_done():
    async with fundbot_world() as world:
        long = "n" * 124_900
        rel = await world.maintainer.publish_release("v1.0", long)
        await world.settle()
        assert world.release(rel)["body"] == long  # the footer would not fit: left out, nothing refused
        assert not [c for c in world.sandbox.calls if c.method == "PATCH" and "/releases/" in c.path and c.status >= 400]
        assert await failed_jobs(world) == []
        short = await world.maintainer.publish_release("v1.1", "fine")
        await world.settle()
        assert "fundbot:release:start" in world.release(short)["body"]


async def test_the_sandbox_refuses_release_notes_over_125000_characters_as_github_does(sandbox, sandbox_gh):
    rel = await sandbox.publish_release("octo-org/widgets", "octocat", "v1", "x")
    url = f"/repos/octo-org/widgets/releases/{rel['id']}"
    with pytest.raises(gidgethub.BadRequest) as exc:
        await sandbox_gh.patch(url, data={"body": "y" * 125_001})
    assert exc.value.status_code == 422  # scikit-build/github-release PR 65 recorded GitHub's answer:
    assert exc.value.errors == [{"resource": "Release", "code": "custom", "field": "body",
                                 "message": "body is too long (maximum is 125000 characters)"}]
    assert (await sandbox_gh.patch(url, data={"body": "y" * 125_000}))["body"] == "y" * 125_000


# --- files over 1 MB -----------------------------------------------------------------------------------
async def test_a_funding_yml_over_1_mb_is_read_not_taken_for_empty():
    big = padded("github: [octocat]\ncustom: [\"https://example.org/big-file-donate\"]\n")
    async with fundbot_world(files={".github/FUNDING.yml": big}) as world:
        issue = await world.as_user("alice").open_issue("Crash")
        await world.settle()
        [greeting] = world.bot_comments(issue, marker="funding-links")
        assert "https://example.org/big-file-donate" in greeting["body"]
        assert [c for c in world.sandbox.calls if "/git/blobs/" in c.path and c.method == "GET"]


async def test_a_fundbot_yml_over_1_mb_is_read_and_reported_as_too_large():
    async with fundbot_world() as world:
        await world.maintainer.push({".github/fundbot.yml": padded("issues:\n  comment: false\n")})
        await world.settle()
        [run] = world.check_runs(name="fundbot/config")
        assert run["conclusion"] == "failure"  # not an empty, valid file
        assert "bytes" in run["output"]["summary"] + "".join(a["message"] for a in world.annotations(run))


async def test_a_readme_over_1_mb_gets_its_sponsor_section():
    readme = padded("# widgets\n\n<!-- fundbot:sponsors:start -->\n<!-- fundbot:sponsors:end -->\n\n").replace("# ", "> ")
    config = "readme:\n  update: commit\n  sponsors:\n    - name: Generous Person\n"
    async with fundbot_world(config, files={"README.md": readme}) as world:
        await world.as_user("octocat").comment(await world.as_user("alice").open_issue("x"), "/sponsors refresh")
        await world.settle()
        await world.advance(seconds=120)
        after = world.file("README.md")
        assert after is not None and len(after) > MAX_CONTENT
        assert "Generous Person" in after and after.endswith(readme[-5000:])  # the rest kept byte for byte
        assert await failed_jobs(world) == []


def test_the_label_service_never_sends_a_label_github_refuses():

    assert sendable({"name": "💰" * 50, "description": "d" * 100})
    assert not sendable({"name": "x" * 51, "description": ""})
    assert not sendable({"name": "ok", "description": "d" * 101})
    assert not sendable({"name": "", "description": ""})
