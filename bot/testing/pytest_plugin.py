"""The ``fundbot`` pytest fixture. Enable it in a ``conftest.py``::

    pytest_plugins = ["bot.testing.pytest_plugin"]

then, in a test (pytest-asyncio; ``asyncio_mode = "auto"`` or ``@pytest.mark.asyncio``)::

    async def test_my_config(fundbot):
        world = await fundbot(config=Path(".github/fundbot.yml"))
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.settle()
        assert world.bot_comments(issue, marker="funding-links")

``await fundbot(**options)`` takes ``bot.testing.fundbot_world``'s options and returns its ``World``; every
world made in a test is closed when the test ends, and one made with ``sandbox=`` shares that sandbox.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest_asyncio

from .world import World, fundbot_world

__all__ = ["fundbot"]


@pytest_asyncio.fixture
async def fundbot(tmp_path) -> AsyncIterator[Callable[..., Awaitable[World]]]:
    """``await fundbot(config=..., **options)``: a started ``World`` (see ``fundbot_world``), its database
    under the test's ``tmp_path``, closed at teardown."""
    async with contextlib.AsyncExitStack() as stack:
        made = 0

        async def make(config=None, **options) -> World:
            nonlocal made
            made += 1
            where = tmp_path / f"fundbot-{made}"
            where.mkdir(exist_ok=True)
            options.setdefault("database_dir", where)
            return await stack.enter_async_context(fundbot_world(config, **options))

        yield make
