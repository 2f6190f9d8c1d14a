"""Pytest fixtures for the GitHub sandbox (``bot.sandbox``).

* ``sandbox`` - a started :class:`bot.sandbox.Sandbox` on 127.0.0.1 (random port), ``validate=True``.
  Teardown asserts that no OpenAPI/protocol violation was seen (clear ``sandbox.violations`` in a test
  that provokes one on purpose).
* ``sandbox_session`` - an ``aiohttp.ClientSession``.
* ``sandbox_repo`` - ``"octo-org/widgets"`` (an organization repository, README + FUNDING.yml) with an
  installation covering it; ``sandbox_installation_id`` is that installation's id.
* ``sandbox_gh`` - a ``gidgethub.aiohttp.GitHubAPI`` authenticated with an installation token for it.
* ``sandbox_app_gh`` - a ``GitHubAPI`` for the app itself (call with ``jwt=sandbox_jwt()``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from gidgethub import apps
from gidgethub.aiohttp import GitHubAPI

from bot.sandbox import Sandbox

SANDBOX_REPO = "octo-org/widgets"
SANDBOX_FILES = {
    "README.md": "# widgets\n\nWidgets for everyone.\n",
    ".github/FUNDING.yml": "github: [octocat]\n",
}


@contextlib.asynccontextmanager
async def started_sandbox(**options) -> AsyncIterator[Sandbox]:
    """A validating sandbox on a free local port (``options`` go to :class:`Sandbox`, e.g. ``clock=``); on a
    normal exit it asserts that no OpenAPI/protocol violation was seen."""
    sb = Sandbox(validate=True, **options)
    await sb.start("127.0.0.1", 0)
    try:
        yield sb
    finally:
        await sb.stop()
    assert sb.violations == [], "GitHub sandbox saw protocol violations:\n" + "\n".join(sb.violations)


@pytest.fixture
async def sandbox():
    async with started_sandbox() as sb:
        yield sb


@pytest.fixture
async def sandbox_session():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def sandbox_repo(sandbox) -> str:
    sandbox.add_user("octo-org", type="Organization")
    sandbox.add_repo(SANDBOX_REPO, files=SANDBOX_FILES, owner_type="Organization")
    sandbox.add_user("octocat")
    sandbox.set_permission(SANDBOX_REPO, "octocat", "admin")
    return SANDBOX_REPO


@pytest.fixture
def sandbox_installation_id(sandbox, sandbox_repo) -> int:
    return sandbox.add_installation("octo-org", repos=[sandbox_repo])["id"]


@pytest.fixture
async def sandbox_gh(sandbox, sandbox_session, sandbox_installation_id) -> GitHubAPI:
    app = GitHubAPI(sandbox_session, "fundbot-tests", base_url=sandbox.base_url)
    token = await apps.get_installation_access_token(
        app, installation_id=str(sandbox_installation_id), app_id=str(sandbox.app_id),
        private_key=sandbox.private_key_pem.decode())
    return GitHubAPI(sandbox_session, "fundbot-tests", oauth_token=token["token"], base_url=sandbox.base_url)


@pytest.fixture
def sandbox_jwt(sandbox):
    def make() -> str:
        return apps.get_jwt(app_id=str(sandbox.app_id), private_key=sandbox.private_key_pem.decode())

    return make


@pytest.fixture
def sandbox_app_gh(sandbox, sandbox_session) -> GitHubAPI:
    return GitHubAPI(sandbox_session, "fundbot-tests", base_url=sandbox.base_url)
