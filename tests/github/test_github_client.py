"""The GitHub client against the sandbox, with a fake clock: rate limits, 5xx, timeouts, tokens, ETags."""

from __future__ import annotations

import time

import aiohttp
import gidgethub
import pytest

from bot.github import GitHubApp, RetryLater, RetryPolicy, TransientError

REPO_PATH = "/repos/octo-org/widgets"


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
async def clock():
    return FakeClock()


@pytest.fixture
async def app(sandbox, sandbox_repo, clock):
    async with aiohttp.ClientSession() as session:
        yield GitHubApp(
            session, app_id=str(sandbox.app_id), private_key=sandbox.private_key_pem.decode(),
            base_url=sandbox.base_url, clock=clock, policy=RetryPolicy(request_timeout=0.5),
        )


def statuses(sandbox, method: str, path: str) -> list[int]:
    return [c.status for c in sandbox.calls_to(method, path)]


async def test_secondary_limit_with_retry_after_is_waited_out(sandbox, sandbox_installation_id, app, clock):
    gh = await app.installation(sandbox_installation_id)
    sandbox.faults.add(method="GET", path=f"^{REPO_PATH}$", secondary=True, retry_after=30)
    repo = await gh.getitem(REPO_PATH)
    assert repo["full_name"] == "octo-org/widgets"
    assert clock.sleeps == [30.0]
    assert statuses(sandbox, "GET", REPO_PATH) == [403, 200]


async def test_secondary_limit_without_retry_after_waits_a_minute(sandbox, sandbox_installation_id, app, clock):
    gh = await app.installation(sandbox_installation_id)
    sandbox.faults.add(method="GET", path=f"^{REPO_PATH}$", secondary=True)
    await gh.getitem(REPO_PATH)
    assert clock.sleeps == [60.0]


async def test_exhausted_primary_limit_waits_for_the_reset(sandbox, sandbox_installation_id, app, clock):
    gh = await app.installation(sandbox_installation_id)
    sandbox.faults.add(method="GET", path=f"^{REPO_PATH}$", primary=True, retry_after=45)
    await gh.getitem(REPO_PATH)
    [waited] = clock.sleeps
    assert 44.0 <= waited <= 48.0  # reset is 45 s ahead (rounded up to the second) plus 1 s of margin
    assert statuses(sandbox, "GET", REPO_PATH) == [403, 200]


async def test_a_long_rate_limit_wait_hands_the_job_back(sandbox, sandbox_installation_id, app, clock):
    gh = await app.installation(sandbox_installation_id)
    sandbox.faults.add(method="GET", path=f"^{REPO_PATH}$", primary=True, retry_after=3600)
    with pytest.raises(RetryLater) as caught:
        await gh.getitem(REPO_PATH)
    assert 3600 <= caught.value.at - clock.now <= 3603
    assert clock.sleeps == []  # no worker is held for an hour


async def test_5xx_on_a_read_is_retried(sandbox, sandbox_installation_id, app, clock):
    gh = await app.installation(sandbox_installation_id)
    sandbox.faults.add(method="GET", path=f"^{REPO_PATH}$", status=502, times=2)
    await gh.getitem(REPO_PATH)
    assert statuses(sandbox, "GET", REPO_PATH) == [502, 502, 200]
    assert len(clock.sleeps) == 2 and clock.sleeps[1] >= clock.sleeps[0] / 2


async def test_5xx_storm_gives_up_after_a_bounded_number_of_tries(sandbox, sandbox_installation_id, app, clock):
    gh = await app.installation(sandbox_installation_id)
    sandbox.faults.add(method="GET", path=f"^{REPO_PATH}$", status=503, times=None)
    with pytest.raises(gidgethub.GitHubBroken):
        await gh.getitem(REPO_PATH)
    assert statuses(sandbox, "GET", REPO_PATH) == [503] * (1 + app.policy.max_5xx_retries)


async def test_5xx_on_a_post_is_not_retried_in_the_client(sandbox, sandbox_installation_id, app, clock):
    issue = await sandbox.open_issue("octo-org/widgets", "octocat", "x")
    gh = await app.installation(sandbox_installation_id)
    path = f"{REPO_PATH}/issues/{issue['number']}/comments"
    sandbox.faults.add(method="POST", path=path, status=502)
    with pytest.raises(gidgethub.GitHubBroken):
        await gh.post(path, data={"body": "hi"})
    assert statuses(sandbox, "POST", path) == [502]  # the job retries, after re-checking its markers


async def test_a_timed_out_read_is_retried_and_a_timed_out_post_is_not(sandbox, sandbox_installation_id, app, clock):
    gh = await app.installation(sandbox_installation_id)
    sandbox.faults.add(method="GET", path=f"^{REPO_PATH}$", timeout=True)
    assert (await gh.getitem(REPO_PATH))["name"] == "widgets"
    assert len(clock.sleeps) == 1
    issue = await sandbox.open_issue("octo-org/widgets", "octocat", "x")
    path = f"{REPO_PATH}/issues/{issue['number']}/comments"
    sandbox.faults.add(method="POST", path=path, timeout=True)
    with pytest.raises(TransientError):
        await gh.post(path, data={"body": "hi"})
    assert sandbox.comments("octo-org/widgets", issue["number"]) == []


async def test_installation_tokens_are_cached_until_shortly_before_expiry(sandbox, sandbox_installation_id, app, clock):
    for _ in range(3):
        await app.installation(sandbox_installation_id)
    token_path = f"/app/installations/{sandbox_installation_id}/access_tokens"
    assert len(sandbox.calls_to("POST", token_path)) == 1
    clock.now += 54 * 60  # 6 minutes left: still used
    await app.installation(sandbox_installation_id)
    assert len(sandbox.calls_to("POST", token_path)) == 1
    clock.now += 2 * 60  # 4 minutes left: refreshed
    await app.installation(sandbox_installation_id)
    assert len(sandbox.calls_to("POST", token_path)) == 2
    # the app's own calls used the JWT, never a token
    assert all(c.auth == "jwt" for c in sandbox.calls_to("POST", token_path))


async def test_conditional_requests_cost_no_rate_limit_and_cache_is_not_aliased(sandbox, sandbox_installation_id, app):
    gh = await app.installation(sandbox_installation_id)
    first = await gh.getitem(REPO_PATH)
    remaining = sandbox.rate_limit_remaining(sandbox_installation_id)
    first["name"] = "mutated by a careless handler"
    second = await gh.getitem(REPO_PATH)
    assert statuses(sandbox, "GET", REPO_PATH) == [200, 304]
    assert sandbox.rate_limit_remaining(sandbox_installation_id) == remaining
    assert second["name"] == "widgets"
    gh2 = await app.installation(sandbox_installation_id)  # a new client shares the installation's cache
    await gh2.getitem(REPO_PATH)
    assert statuses(sandbox, "GET", REPO_PATH) == [200, 304, 304]


async def test_plain_403_is_not_mistaken_for_a_rate_limit(sandbox, sandbox_installation_id, app, clock):
    gh = await app.installation(sandbox_installation_id)
    sandbox.faults.add(method="GET", path=f"^{REPO_PATH}$", status=403, body={"message": "Resource not accessible by integration"})
    with pytest.raises(gidgethub.BadRequest):
        await gh.getitem(REPO_PATH)
    assert clock.sleeps == []
