"""The bot under test, as pytest fixtures. The implementation is ``bot.testing`` (one home): these names are
re-exported from there so the suite keeps its imports.

* ``running_bot(sandbox, tmp_path, **settings)`` - the one factory (an async context manager): a started
  Service wired to ``sandbox`` (``sandbox.webhook_url`` points at it), fast retries, 4 workers; with
  ``workers=False`` nothing runs jobs until the test (or ``settle``) turns the crank.
* ``make_bot(**settings)`` - the fixture form: ``await make_bot(max_attempts=3)``, closed at teardown.
* ``bot`` - ``make_bot()`` with the defaults.
* ``settle(sandbox, bot)`` - the one wait: until the sandbox and the inbox are quiet twice in a row.
"""

from __future__ import annotations

import contextlib

import pytest

from bot.testing import FAST_POLICY, BotUnderTest, bot_settings, running_bot, settle

__all__ = ["BotUnderTest", "FAST_POLICY", "bot", "bot_settings", "make_bot", "running_bot", "settle"]


@pytest.fixture
async def make_bot(sandbox, tmp_path):
    """``await make_bot(**settings)``: a started bot (see ``running_bot``), closed at teardown. Each call gets
    its own database file, so a test may run two bots side by side."""
    async with contextlib.AsyncExitStack() as stack:
        made = 0

        async def make(**settings) -> BotUnderTest:
            nonlocal made
            made += 1
            where = tmp_path if made == 1 else tmp_path / f"bot-{made}"
            where.mkdir(exist_ok=True)
            return await stack.enter_async_context(running_bot(sandbox, where, **settings))

        yield make


@pytest.fixture
async def bot(make_bot) -> BotUnderTest:
    return await make_bot()
