"""Shared fixtures. Fixture modules: sandbox (GitHub emulator), store (both backends), bot (the app under test)."""

from tests.bot_fixtures import *  # noqa: E402,F403
from tests.sandbox_fixtures import *  # noqa: F403
from tests.store_fixtures import *  # noqa: F403
