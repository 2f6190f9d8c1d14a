"""The ``pacing`` table of both backends: one row per installation holding ``bot.core.pacing.State`` (the send
times of the last hour, ascending, and ``blocked_until``).

* SQLite: the take runs ``bot.core.pacing.take`` on the single writer thread inside ``BEGIN IMMEDIATE`` (which
  also holds off every other process using the file): read the row, compute, write it - one short transaction.
* PostgreSQL: the take is one auto-committed statement, an upsert whose ``ON CONFLICT DO UPDATE`` locks the
  installation's row and computes the same arithmetic in SQL (:data:`PG_TAKE`, checked against the Python
  function by ``tests/store/test_pacing_store.py``); the rare take that would wait longer than ``max_wait``
  updates nothing and a second statement reads when the slot would be.
"""

from __future__ import annotations

import array
import sqlite3
import sys
from collections.abc import Sequence

from bot.core import pacing

IDLE = pacing.HOUR + 600.0  # prune: a row untouched this long limits nothing any more

# -- SQLite ----------------------------------------------------------------------------------------------------
SQLITE_TABLE = """
CREATE TABLE IF NOT EXISTS pacing (
    installation_id INTEGER PRIMARY KEY,
    sent            BLOB NOT NULL DEFAULT x'',  -- little-endian doubles
    blocked_until   REAL NOT NULL DEFAULT 0,
    updated_at      REAL NOT NULL
)
"""
SQLITE_PRUNE = "DELETE FROM pacing WHERE updated_at < ? AND blocked_until < ?"
_SQLITE_PUT = (
    "INSERT INTO pacing (installation_id, sent, blocked_until, updated_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (installation_id) DO UPDATE SET sent = excluded.sent, updated_at = excluded.updated_at"
)
_SQLITE_BLOCK = (
    "INSERT INTO pacing (installation_id, sent, blocked_until, updated_at) VALUES (?, x'', ?, ?) "
    "ON CONFLICT (installation_id) DO UPDATE SET blocked_until = MAX(pacing.blocked_until, excluded.blocked_until)"
)


def pack(sent: Sequence[float]) -> bytes:
    packed = array.array("d", sent)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def unpack(raw: bytes) -> tuple[float, ...]:
    values = array.array("d")
    values.frombytes(bytes(raw)[: len(raw) // 8 * 8])
    if sys.byteorder != "little":
        values.byteswap()
    return tuple(values)


def sqlite_take(conn: sqlite3.Connection, *, installation_id: int, budget: pacing.Budget, now: float,
                max_wait: float) -> tuple[bool, float]:
    """Inside the writer's transaction: take a slot (see ``Store.pace``)."""
    row = conn.execute("SELECT sent, blocked_until FROM pacing WHERE installation_id = ?", (installation_id,)).fetchone()
    state = pacing.State() if row is None else pacing.State(unpack(row[0]), float(row[1]))
    taken = pacing.take(state, budget, now, max_wait)
    if taken.granted:
        conn.execute(_SQLITE_PUT, (installation_id, pack(taken.state.sent), state.blocked_until, now))
    return taken.granted, taken.at


def sqlite_block(conn: sqlite3.Connection, *, installation_id: int, until: float, now: float) -> None:
    conn.execute(_SQLITE_BLOCK, (installation_id, until, now))


# -- PostgreSQL ------------------------------------------------------------------------------------------------
PG_TABLE = """
CREATE TABLE IF NOT EXISTS pacing (
    installation_id BIGINT             PRIMARY KEY,
    sent            DOUBLE PRECISION[] NOT NULL DEFAULT '{}',
    blocked_until   DOUBLE PRECISION   NOT NULL DEFAULT 0,
    updated_at      DOUBLE PRECISION   NOT NULL
)
"""
PG_PRUNE = "DELETE FROM pacing WHERE updated_at < $1 AND blocked_until < $2"

# Parameters: $1 installation, $2 now, $3 per_minute, $4 per_hour, $5 gap, $6 minute window, $7 hour window,
# $8 max_wait. ``_AT`` is bot.core.pacing.next_slot over the existing row ``p`` (GREATEST skips NULLs: an empty
# list has no last send; a short one limits nothing); ``_KEPT`` is pacing.trim, in order, plus the new slot.
_N = "cardinality(p.sent)"
_AT = (
    f"GREATEST($2::float8, p.blocked_until, p.sent[{_N}] + $5::float8,"
    f" CASE WHEN {_N} >= $3::int THEN p.sent[{_N} - $3::int + 1] + $6::float8 END,"
    f" CASE WHEN {_N} >= $4::int THEN p.sent[{_N} - $4::int + 1] + $7::float8 END)"
)
_KEPT = f"ARRAY(SELECT t FROM unnest(p.sent) WITH ORDINALITY AS u(t, i) WHERE t > {_AT} - $7::float8 ORDER BY i)"
PG_TAKE = f"""
INSERT INTO pacing AS p (installation_id, sent, blocked_until, updated_at)
VALUES ($1::bigint, ARRAY[$2::float8], 0, $2::float8)
ON CONFLICT (installation_id) DO UPDATE SET sent = {_KEPT} || {_AT}, updated_at = $2::float8
WHERE {_AT} - $2::float8 <= $8::float8
RETURNING p.sent[cardinality(p.sent)] AS at
"""
PG_SLOT = f"SELECT {_AT} FROM pacing AS p WHERE installation_id = $1::bigint"
PG_BLOCK = (
    "INSERT INTO pacing AS p (installation_id, sent, blocked_until, updated_at) VALUES ($1, '{}', $2, $3) "
    "ON CONFLICT (installation_id) DO UPDATE SET blocked_until = GREATEST(p.blocked_until, excluded.blocked_until)"
)


def pg_take_args(installation_id: int, budget: pacing.Budget, now: float, max_wait: float) -> tuple:
    return (installation_id, now, budget.per_minute, budget.per_hour, float(budget.gap), budget.minute_window,
            budget.hour_window, float(max_wait))
