"""Every REST request names the pinned API version and GitHub's current media type (issue 13.3), and the
sandbox answers an unknown version with 400, as GitHub does ("API Versions": a request with an unsupported
``X-GitHub-Api-Version`` gets 400; without the header GitHub assumes 2022-11-28)."""

from __future__ import annotations

import aiohttp

from bot.settings import Settings, SettingsError
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"


async def test_every_rest_request_of_the_bot_names_the_version_and_the_current_media_type(
        sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.push_files(REPO, "octocat", {".github/FUNDING.yml": "ko_fi: widgets\n"})
    issue = await sandbox.open_issue(REPO, "hubot", "a question")
    await sandbox.comment(REPO, issue["number"], "hubot", "/fundbot help")
    await settle(sandbox, bot)
    rest = [c for c in sandbox.calls if c.path != "/graphql" and c.auth in ("token", "jwt")]
    assert len(rest) >= 5
    for call in rest:
        headers = {k.lower(): v for k, v in call.headers.items()}
        assert headers.get("x-github-api-version") == "2022-11-28", (call.method, call.path)
        assert headers.get("accept") in ("application/vnd.github+json", "application/vnd.github.raw",
                                         "application/vnd.github.raw+json"), (call.path, headers.get("accept"))


async def test_the_sandbox_refuses_an_unknown_api_version_as_github_does(sandbox):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{sandbox.base_url}/rate_limit",
                               headers={"X-GitHub-Api-Version": "2019-01-01"}) as resp:
            assert resp.status == 400
            assert "Unsupported 'X-GitHub-Api-Version'" in (await resp.json())["message"]
        for supported in ("2022-11-28", "2026-03-10"):
            async with session.get(f"{sandbox.base_url}/rate_limit",
                                   headers={"X-GitHub-Api-Version": supported}) as resp:
                assert resp.status == 200, supported


def test_the_version_is_a_setting_with_a_clear_error():
    assert Settings.from_env({}, dotenv=None).github_api_version == "2022-11-28"
    assert Settings.from_env({"GITHUB_API_VERSION": "2026-03-10"}, dotenv=None).github_api_version == "2026-03-10"
    try:
        Settings.from_env({"GITHUB_API_VERSION": "v3"}, dotenv=None)
    except SettingsError as exc:
        assert "GITHUB_API_VERSION must be a REST API version date" in str(exc)
    else:
        raise AssertionError("a malformed version was accepted")
