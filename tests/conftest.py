"""Shared fixtures. Fixture modules: sandbox (GitHub emulator), store (both backends), bot (the app under test)."""

try:
    from tests.sandbox_fixtures import *  # noqa: F403
except ImportError:  # pragma: no cover - while the sandbox module is being written
    pass
try:
    from tests.store_fixtures import *  # noqa: F403
except ImportError:  # pragma: no cover
    pass
try:
    from tests.bot_fixtures import *  # noqa: F403
except ImportError:  # pragma: no cover - while handlers are being written
    pass
