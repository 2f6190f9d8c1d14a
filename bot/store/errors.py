"""What can go wrong before the first query, said so that an operator knows what to do.

``open_store`` raises ``DatabaseURLError`` for a URL it cannot use; ``connect()`` raises ``StoreUnavailable``
(``NoDatabase`` when it was told not to create a missing SQLite file). Messages never hold a password.
"""

from __future__ import annotations

import re
from pathlib import Path

CONNECT_TIMEOUT = 10.0  # seconds to reach a database server


class DatabaseURLError(ValueError):
    """The database URL is of an unknown kind or malformed; the message says what would work."""


class StoreUnavailable(RuntimeError):
    """``connect()`` could not open or reach the database; the message says which database, why, and what to do."""


class NoDatabase(StoreUnavailable):
    """``connect()`` was told not to create a database and there is none (no SQLite file): nothing was created."""


def redact_url(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", url)


def connect_reason(exc: BaseException) -> str:
    """Why a connection failed, in words (not ``ConnectionRefusedError: [Errno 111] Connect call failed …``)."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (nothing listens on that host and port)"
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT:g} s"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def postgres_unavailable(url: str, exc: BaseException) -> StoreUnavailable:
    return StoreUnavailable(f"cannot reach PostgreSQL at {redact_url(url)}: {connect_reason(exc)}; check that the "
                            "server runs and DATABASE_URL (host, port, user, password, database) is right")


def sqlite_unavailable(path: str, url: str, exc: BaseException | None, *, create: bool) -> StoreUnavailable:
    where = Path(path).resolve()
    if not create and not where.exists():
        return NoDatabase(f"no database at {where} (DATABASE_URL={redact_url(url)}): run `python -m bot migrate` "
                          "to create it, or set DATABASE_URL to fundbot's database")
    if not where.parent.is_dir():
        return StoreUnavailable(f"cannot open the SQLite database {where}: the directory {where.parent} does not "
                                "exist; create it, or set DATABASE_URL to a file in an existing directory")
    reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
    return StoreUnavailable(f"cannot open the SQLite database {where}: {reason}; check the file and its permissions, "
                            "or set DATABASE_URL to another file")
