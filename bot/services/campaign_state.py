"""A campaign's cached state in the store, written incrementally (issue 12, point 5).

The store's cache (namespace ``campaign``, only ``cache_get``/``cache_set``/``cache_delete``) holds per issue:

* the **head**, under the issue's key: a small JSON object - the format, a version token, the status
  comment's id and the digest of what it last said, the time the campaign was computed at, a check of its
  totals (state, goal, raised, backers, deadline), the names of the sealed chunks (a few *epochs*: runs of
  chunk indexes written together) and the **tail**: the log records after the last sealed chunk (fewer than
  :data:`CHUNK`);
* the **chunks**: the log's records in sealed, immutable groups of exactly :data:`CHUNK`, under
  ``KEY/EPOCH.INDEX``.

A pledge appends one record: the head is rewritten with its tail (under :data:`CHUNK` records, a few KB),
and once every :data:`CHUNK` pledges the full tail is sealed as a new chunk - bytes written per pledge are
bounded whatever the campaign's size. A change inside the log (an edited or deleted old comment, a record
placed before others) rewrites the chunks from the first one it touches, under a new epoch, so the chunks
the previous head names are never overwritten: the head, written last, is the commit point, and a crash
between the writes leaves the previous state whole. Superseded chunks are deleted after the head.

Reading: the head, then - unless this process holds the campaign of the same version (a memo of the last
campaigns it loaded or wrote) - every chunk, and the log is replayed through the ledger
(:func:`bot.core.campaign.replay`, equal to the fold of the same events). A missing or unreadable chunk,
or a replay whose totals disagree with the head's check, reads as "no cached state": the shell then
refolds from GitHub, which stays the source of truth. An entry in the older whole-snapshot format is read
as before and rewritten in this one at the next save.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from typing import Any

from bot.core import campaign as ledger

log = logging.getLogger(__name__)

NS = "campaign"
FORMAT = 2
CHUNK = 64  # records per sealed chunk; the head's tail holds fewer
MEMO = "campaign-state"
MEMO_SIZE = 64  # campaigns per process
MEMO_TTL = 3600.0


@dataclasses.dataclass(frozen=True)
class Stored:
    """What the store holds of one campaign, as this process last read or wrote it."""

    version: str
    epochs: tuple[tuple[int, str], ...]  # (first chunk index, epoch) runs, ascending
    log: tuple[ledger.Record, ...]  # the log the chunks and the tail hold

    @property
    def sealed(self) -> int:
        return len(self.log) // CHUNK

    def chunk_key(self, key: str, index: int) -> str:
        return chunk_key(key, self.epochs, index)


@dataclasses.dataclass
class Loaded:
    campaign: ledger.Campaign
    status_comment: int | None
    rendered: str | None
    stored: Stored | None  # None: the older format (rewritten whole at the next save)


def chunk_key(key: str, epochs: tuple[tuple[int, str], ...], index: int) -> str:
    epoch = next(e for first, e in reversed(epochs) if first <= index)
    return f"{key}/{epoch}.{index}"


def _check(c: ledger.Campaign) -> list:
    return [c.state, None if c.goal is None else str(c.goal), str(c.raised()), c.backers(), c.deadline,
            c.deadline_passed]


def _memo(ctx: Any):
    return ctx.memo(MEMO, ttl=MEMO_TTL, maxsize=MEMO_SIZE)


# --- reading ---------------------------------------------------------------------------------------------

async def load(ctx: Any, key: str, kwargs: dict) -> Loaded | None:
    """The cached campaign under ``key`` (``kwargs``: the ledger's configuration arguments), or None when
    there is none or it cannot be trusted (the caller refolds from GitHub)."""
    head = await ctx.store.cache_get(NS, key)
    if not isinstance(head, dict):
        return None
    if "snapshot" in head:  # the older format: one whole snapshot
        try:
            return Loaded(ledger.Campaign.from_snapshot(head["snapshot"]), head.get("status_comment"),
                          head.get("rendered"), None)
        except (ValueError, KeyError, TypeError):
            log.warning("cached campaign %s unreadable: refolding from GitHub", key)
            return None
    try:
        return await _load_chunked(ctx, key, head, kwargs)
    except (ValueError, KeyError, TypeError, StopIteration) as exc:
        log.warning("cached campaign %s unreadable (%s): refolding from GitHub", key, exc)
        return None


async def _load_chunked(ctx: Any, key: str, head: dict, kwargs: dict) -> Loaded | None:
    if head.get("f") != FORMAT:
        raise ValueError(f"unknown format {head.get('f')!r}")
    version = str(head["ver"])
    comment, rendered = head.get("status_comment"), head.get("rendered")
    if comment is not None and (not isinstance(comment, int) or isinstance(comment, bool)):
        raise ValueError("bad status comment id")
    memo = _memo(ctx)
    held = memo.get(key)
    if held is not None and held[0].version == version:
        return Loaded(held[1], comment, rendered, held[0])
    epochs = tuple((int(first), str(epoch)) for first, epoch in head["epochs"])
    if not epochs or epochs[0][0] != 0 or list(epochs) != sorted(epochs):
        raise ValueError("bad epochs")
    records: list[ledger.Record] = []
    for index in range(int(head["sealed"])):
        chunk = await ctx.store.cache_get(NS, chunk_key(key, epochs, index))
        part = ledger.log_from_json(chunk)
        if len(part) != CHUNK:
            raise ValueError(f"chunk {index} is missing or incomplete")
        records.extend(part)
    records.extend(ledger.log_from_json(head["tail"]))
    campaign = ledger.replay(records, now=float(head["at"]), **kwargs)
    if _check(campaign) != head["check"]:
        log.warning("cached campaign %s: the log replays to %s, the head says %s; refolding from GitHub", key,
                    _check(campaign), head["check"])
        return None
    stored = Stored(version, epochs, campaign.log)
    memo[key] = (stored, campaign)
    return Loaded(campaign, comment, rendered, stored)


# --- writing ---------------------------------------------------------------------------------------------

def _common_prefix(old: tuple, new: tuple) -> int:
    """How many leading records the two logs share (C-speed comparisons: usually the same objects)."""
    n = min(len(old), len(new))
    if old[:n] == new[:n]:
        return n
    lo, hi = 0, n  # old[:lo] == new[:lo], old[:hi] != new[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if old[lo:mid] == new[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


async def save(ctx: Any, key: str, campaign: ledger.Campaign, stored: Stored | None, *,
               status_comment: int | None, rendered: str | None, now: float,
               installation_id: int | None) -> Stored:
    """Write the campaign (``stored``: what the store holds, as loaded; None: write it all). Returns what
    the store holds now."""
    new_log = campaign.log
    sealed = len(new_log) // CHUNK
    if stored is None:
        first, epochs, gone = 0, ((0, secrets.token_hex(4)),), []
    else:
        common = _common_prefix(stored.log, new_log)
        first = common // CHUNK  # chunks before it are unchanged
        epochs, gone = stored.epochs, []
        if first < stored.sealed:  # a sealed chunk changes: rewrite from it under a new epoch
            gone = [stored.chunk_key(key, i) for i in range(first, stored.sealed)]
            epochs = (*[(f, e) for f, e in stored.epochs if f < first], (first, secrets.token_hex(4)))
        else:
            first = stored.sealed  # only the tail changed: seal what is full
    for index in range(first, sealed):
        part = ledger.log_to_json(new_log[index * CHUNK:(index + 1) * CHUNK])
        await ctx.store.cache_set(NS, chunk_key(key, epochs, index), part, installation_id=installation_id)
    version = secrets.token_hex(6)
    head = {
        "f": FORMAT, "ver": version, "status_comment": status_comment, "rendered": rendered, "at": now,
        "check": _check(campaign), "epochs": [list(e) for e in epochs], "sealed": sealed,
        "tail": ledger.log_to_json(new_log[sealed * CHUNK:]),
    }
    await ctx.store.cache_set(NS, key, head, installation_id=installation_id)
    for old in gone:  # the new epoch names other keys
        await ctx.store.cache_delete(NS, old)
    result = Stored(version, epochs, new_log)
    _memo(ctx)[key] = (result, campaign)
    return result


async def forget(ctx: Any, key: str) -> None:
    """Delete the campaign's head and chunks (an issue deleted or transferred, a rebuild)."""
    head = await ctx.store.cache_get(NS, key)
    _memo(ctx).pop(key, None)
    if isinstance(head, dict) and head.get("f") == FORMAT:
        try:
            epochs = tuple((int(first), str(epoch)) for first, epoch in head["epochs"])
            for index in range(int(head["sealed"])):
                await ctx.store.cache_delete(NS, chunk_key(key, epochs, index))
        except (ValueError, KeyError, TypeError, StopIteration):
            log.warning("cached campaign %s: unreadable head, its chunks are left", key)
    await ctx.store.cache_delete(NS, key)
