"""Reusable store fixtures: ``store`` is a connected, migrated store for each backend.

* ``sqlite``: a file in ``tmp_path``.
* ``postgres`` (marked ``postgres``): ``TEST_DATABASE_URL`` (default
  ``postgresql://postgres@127.0.0.1:5432/test``) with a unique ``?schema=fundbot_test_<random>``, dropped
  at teardown. Skipped when the server is unreachable, unless ``FUNDBOT_REQUIRE_POSTGRES=1`` (CI), which
  turns that into a failure.

``store_url`` alone gives the URL (not connected, nothing created yet except cleanup registration), for
tests that open several stores on one database: ``open_store(store.url)`` reaches the same data.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from bot.store import Store, open_store

__all__ = ["postgres_base_url", "store", "store_url", "with_query"]

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"

_pg_unreachable: str | None = None  # reason, once a connection attempt failed
_pg_checked = False


def postgres_base_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _check_postgres(url: str) -> None:
    """Skip (or fail, with FUNDBOT_REQUIRE_POSTGRES=1) when PostgreSQL cannot be reached."""
    global _pg_checked, _pg_unreachable
    if not _pg_checked:
        import asyncpg

        _pg_checked = True
        try:
            conn = await asyncpg.connect(url, timeout=5)
        except Exception as exc:  # refused, timeout, auth, unknown database…
            shown = re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", url)  # no password in the report
            _pg_unreachable = f"PostgreSQL not reachable at {shown}: {type(exc).__name__}: {exc}"
        else:
            await conn.close()
    if _pg_unreachable:
        if os.environ.get("FUNDBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(_pg_unreachable + " (FUNDBOT_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(_pg_unreachable)


async def _drop_schema(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
async def store_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fundbot-test.db'}"
        return
    base = postgres_base_url()
    await _check_postgres(base)
    schema = f"fundbot_test_{secrets.token_hex(6)}"
    try:
        yield with_query(base, schema=schema)
    finally:
        await _drop_schema(base, schema)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    s = open_store(store_url)
    await s.connect()
    try:
        await s.migrate()
        yield s
    finally:
        await s.close()
