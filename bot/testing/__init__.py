"""``bot.testing``: test a ``fundbot.yml`` - or fundbot itself - against an in-memory GitHub.

A *world* is a GitHub sandbox (``bot.sandbox.Sandbox``), one repository with the App installed, and the real
fundbot (web endpoint, SQLite inbox, job runner) running against it on a clock the test moves::

    from pathlib import Path
    from bot.testing import fundbot_world

    async def test_a_bounty_label_opens_a_campaign():
        async with fundbot_world(config=Path(".github/fundbot.yml")) as world:
            issue = await world.as_user("alice").open_issue("Dark mode")
            await world.maintainer.label(issue, "bounty: S")
            await world.settle()
            [status] = world.bot_comments(issue, marker="campaign")
            assert "💰 bounty" in world.labels(issue)

With pytest, ``pytest_plugins = ["bot.testing.pytest_plugin"]`` in a ``conftest.py`` gives the ``fundbot``
fixture: ``world = await fundbot(config=...)``, closed at the end of the test.

Stable: the names in ``__all__`` and their documented parameters stay; later versions add, never remove or
rename. Everything else (``bot.testing.harness`` internals, the sandbox's private state) may change.
"""

from .harness import FAST_POLICY, BotUnderTest, FakeClock, bot_settings, running_bot, settle, webhook_headers
from .world import BOT_LOGIN, DEFAULT_FILES, DEFAULT_MAINTAINER, DEFAULT_REPO, Actor, World, fundbot_world

__all__ = [
    "BOT_LOGIN",
    "DEFAULT_FILES",
    "DEFAULT_MAINTAINER",
    "DEFAULT_REPO",
    "FAST_POLICY",
    "Actor",
    "BotUnderTest",
    "FakeClock",
    "World",
    "bot_settings",
    "fundbot_world",
    "running_bot",
    "settle",
    "webhook_headers",
]
