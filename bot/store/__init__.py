"""The durable store: ``open_store(DATABASE_URL)`` picks the backend (see ``base`` for the contract).

Accepted URLs:

* ``None`` / ``""`` - the SQLite file ``fundbot.db`` in the working directory;
* ``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``sqlite://:memory:`` (also ``sqlite://`` and
  ``sqlite:///:memory:``), or a plain file path - SQLite. Optional query parameters:
  ``synchronous=full|normal`` (default full), ``busy_timeout=SECONDS`` (default 10);
* ``postgres://…`` / ``postgresql://…`` - PostgreSQL (asyncpg). Optional query parameters consumed by
  fundbot: ``schema=NAME`` (created by ``migrate`` and selected with ``search_path``), ``pool_min`` /
  ``pool_max`` (connection pool size, default 1 / 10); any other parameter goes to asyncpg (``sslmode``…).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from .base import DONE, FAILED, PENDING, RUNNING, STATUSES, Job, Store, now_or
from .errors import DatabaseURLError, NoDatabase, StoreUnavailable, redact_url
from .postgres import PostgresStore
from .sqlite import SQLiteStore

__all__ = [
    "DatabaseURLError",
    "DONE",
    "FAILED",
    "PENDING",
    "RUNNING",
    "STATUSES",
    "Job",
    "NoDatabase",
    "Store",
    "StoreUnavailable",
    "now_or",
    "open_store",
]

DEFAULT_SQLITE_PATH = "fundbot.db"
_SCHEMA_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


_redact = redact_url


def _sqlite_from_url(url: str, read_only: bool, create: bool) -> Store:
    rest = url[len("sqlite://") :]
    location, _, query = rest.partition("?")
    if location in ("", ":memory:", "/:memory:"):
        path = ":memory:"
    elif location.startswith("/"):
        path = unquote(location[1:])  # sqlite:///rel.db -> rel.db, sqlite:////abs.db -> /abs.db
    else:
        raise DatabaseURLError(
            f"invalid SQLite URL {url!r}: use sqlite:///relative/path.db, sqlite:////absolute/path.db "
            "or sqlite://:memory:"
        )
    if not path:
        raise DatabaseURLError(f"invalid SQLite URL {url!r}: no file name")
    options: dict[str, object] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "synchronous":
            if value.lower() not in ("full", "normal"):
                raise DatabaseURLError(f"invalid SQLite URL {url!r}: synchronous must be 'full' or 'normal'")
            options["synchronous"] = value.upper()
        elif name == "busy_timeout":
            try:
                options["busy_timeout"] = float(value)
            except ValueError:
                raise DatabaseURLError(
                    f"invalid SQLite URL {url!r}: busy_timeout must be a number of seconds"
                ) from None
        else:
            raise DatabaseURLError(
                f"invalid SQLite URL {url!r}: unknown parameter {name!r} (known: synchronous, busy_timeout)"
            )
    return SQLiteStore(path, url=url, read_only=read_only, create=create, **options)  # type: ignore[arg-type]


def _postgres_from_url(url: str, read_only: bool) -> Store:
    parts = urlsplit(url)
    schema: str | None = None
    pool: dict[str, int] = {}
    passthrough: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name == "schema":
            if not _SCHEMA_RE.match(value):
                raise DatabaseURLError(
                    f"invalid PostgreSQL URL {_redact(url)!r}: schema must be a plain identifier "
                    "(letters, digits, underscore; at most 63 characters)"
                )
            schema = value
        elif name in ("pool_min", "pool_max"):
            try:
                pool[name] = int(value)
            except ValueError:
                raise DatabaseURLError(
                    f"invalid PostgreSQL URL {_redact(url)!r}: {name} must be an integer"
                ) from None
        else:
            passthrough.append((name, value))
    dsn = urlunsplit(parts._replace(query=urlencode(passthrough)))
    return PostgresStore(
        dsn,
        url=url,
        schema=schema,
        min_size=pool.get("pool_min", 1),
        max_size=pool.get("pool_max", 10),
        read_only=read_only,
    )


def open_store(url: str | None, *, read_only: bool = False, create: bool = True) -> Store:
    """A store for ``url`` (see the module docstring), not yet connected: call ``connect()`` then
    ``migrate()`` (or rely on ``python -m bot migrate``). ``read_only``: writes fail; ``read_only`` or ``create=False``:
    ``connect()`` creates nothing (a missing SQLite file raises ``NoDatabase``). A bad URL raises ``ValueError``; ``connect()`` raises
    ``StoreUnavailable`` when the database cannot be opened or reached."""
    if url is None or url == "":
            return SQLiteStore(DEFAULT_SQLITE_PATH, url=f"sqlite:///{DEFAULT_SQLITE_PATH}", read_only=read_only,
                           create=create)
    if not isinstance(url, str):
        raise TypeError(f"database URL must be a str, not {type(url).__name__}")
    url = url.strip()
    lowered = url.lower()
    if lowered.startswith("sqlite://"):
        return _sqlite_from_url(url, read_only, create)
    if lowered.startswith(("postgres://", "postgresql://")):
        return _postgres_from_url(url, read_only)
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise DatabaseURLError(
            f"unsupported database URL scheme {scheme!r} in {_redact(url)!r}: use sqlite:///PATH, a file path, "
            "or postgresql://USER@HOST/DB"
        )
    return SQLiteStore(url, url=url, read_only=read_only, create=create)
