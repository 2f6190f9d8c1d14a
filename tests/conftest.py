"""Shared fixtures. Fixture modules: sandbox (GitHub emulator), store (both backends), bot (the app under test)."""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives import serialization


def _parse_each_key_once() -> None:
    """Parsing a 2048-bit RSA PEM costs about 80 ms of CPU (cryptography checks the key); every sandbox and
    every bot parses the same few keys (the sandbox caches them per seed), hundreds of times a run. Within
    the test process a key parsed once is reused: key objects are immutable. A PEM never seen before (a
    broken key in a test) goes to cryptography as always and fails the same way; failures are not cached."""
    real = serialization.load_pem_private_key
    if getattr(real, "parsed_once", False):
        return
    parsed: dict[tuple[bytes, bytes | None], object] = {}

    @functools.wraps(real)
    def load_pem_private_key(data, password=None, *args, **kwargs):
        if args or kwargs:
            return real(data, password, *args, **kwargs)
        key = (bytes(data), password)
        if key not in parsed:
            parsed[key] = real(data, password)
        return parsed[key]

    load_pem_private_key.parsed_once = True  # type: ignore[attr-defined]
    serialization.load_pem_private_key = load_pem_private_key


_parse_each_key_once()


def _property_test_depth() -> None:
    """Hypothesis's default of 100 examples for a test that names none, scaled like the others
    (tests/fixtures/depth.py: FUNDBOT_TEST_DEPTH, half by default, full in .ci/run's second pass)."""
    from hypothesis import settings

    from tests.fixtures.depth import examples

    settings.register_profile("fundbot", max_examples=examples(100))
    settings.load_profile("fundbot")


_property_test_depth()

from tests.fixtures.bot_fixtures import *  # noqa: E402,F403
from tests.fixtures.sandbox_fixtures import *  # noqa: E402,F403
from tests.fixtures.store_fixtures import *  # noqa: E402,F403
