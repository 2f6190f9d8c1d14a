"""The ledger's functions: fold, apply, tick, next_deadline, and what the shell asks of a campaign's log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from bot.core.campaign.days import _finite
from bot.core.campaign.events import DAY, MAX_LOG, PAYMENT_WINDOW_DAYS, CommentEvent, Event
from bot.core.campaign.machine import _M, _Ctx
from bot.core.campaign.model import DERIVED, Campaign
from bot.core.campaign.records import (
    CommentRecord,
    Record,
    _canonical,
    _claim_key,
    _comment_head,
    _comment_vkey,
    _digest,
    _finish_comment,
    _handle,
    _record,
    _sort_key,
)
from bot.core.config import BountiesConfig


def _ctx(config: Any, label_goals: Mapping[str, Decimal] | None, generic_label: str | None) -> _Ctx:
    bounties = getattr(config, "bounties", config)  # a Config is accepted too
    return _Ctx(bounties, label_goals, generic_label)


def _replay(log: Sequence[Record], ctx: _Ctx, now: float) -> Campaign:
    m = _M(ctx)
    for rec in log:
        m.advance(rec.at)
        m.step(rec)
    m.advance(now)
    return m.freeze(log)


def _resorted(log: Sequence[Record], index: int, rec: Record) -> list[Record]:
    """``log`` with the record at ``index`` replaced by ``rec``, in log order."""
    new = list(log)
    new[index] = rec
    new.sort(key=_sort_key)
    return new[:MAX_LOG]


def fold(events: Iterable[Event], *, config: BountiesConfig, now: float,
         label_goals: Mapping[str, Decimal] | None = None, generic_label: str | None = None) -> Campaign:
    """The campaign that ``events`` (in any order, duplicates allowed) describe at time ``now``."""
    ctx = _ctx(config, label_goals, generic_label)
    return _replay(_canonical(events), ctx, _finite(now, "now"))


def replay(log: Sequence[Record], *, config: BountiesConfig, now: float,
           label_goals: Mapping[str, Decimal] | None = None, generic_label: str | None = None) -> Campaign:
    """The campaign a canonical log (a campaign's :attr:`~Campaign.log`, as stored) gives at ``now``: equal
    to folding the events it came from."""
    ctx = _ctx(config, label_goals, generic_label)
    return _replay(tuple(log), ctx, _finite(now, "now"))


def apply(campaign: Campaign, event: Event, *, config: BountiesConfig, now: float,
          label_goals: Mapping[str, Decimal] | None = None, generic_label: str | None = None) -> Campaign:
    """``campaign`` with one more event; equal to folding the campaign's events plus ``event``."""
    ctx = _ctx(config, label_goals, generic_label)
    now = _finite(now, "now")
    log = campaign.log
    if isinstance(event, CommentEvent):
        head, body = _comment_head(event)
        index = campaign.comment_index().get(head.comment_id)
        if index is not None:
            if _comment_vkey(head) <= _comment_vkey(log[index]):
                return _replay(log, ctx, now)  # an older or the same version: nothing changes
            return _replay(_resorted(log, index, _finish_comment(head, body, _handle(event))), ctx, now)
        rec: Record = _finish_comment(head, body, _handle(event))
    else:
        rec = _record(event)
        if rec.kind == "p":
            index = next((i for i, r in enumerate(log) if r.kind == "p" and r.pull == rec.pull), None)
            if index is not None:
                if _claim_key(rec) < _claim_key(log[index]):
                    return _replay(_resorted(log, index, rec), ctx, now)
                return _replay(log, ctx, now)
        elif rec in log:
            return _replay(log, ctx, now)
    at = rec.at
    fast = (
        (not log or _sort_key(rec) > _sort_key(log[-1]))
        and len(log) < MAX_LOG
        and not (campaign.ended_at is not None and campaign.ended_at > at)
        and not (campaign.deadline_passed and campaign.deadline is not None and campaign.deadline > at)
        and campaign.currency == ctx.currency
        and campaign.rewards == ctx.rewards
        and campaign.pay_to == ctx.pay_to
        and campaign.claim_rule == (ctx.claims, ctx.max_claims)
    )
    if fast:
        m = _M.of(campaign, ctx)
        m.advance(at)
        m.step(rec)
        m.advance(now)
        return _appended(campaign, m.freeze((*log, rec), base=campaign), rec)
    new = [*log, rec]
    new.sort(key=_sort_key)
    return _replay(new[:MAX_LOG], ctx, now)


def _appended(base: Campaign, new: Campaign, rec: Record) -> Campaign:
    """``new`` (``base`` with ``rec`` appended to its log) with ``base``'s derived indexes handed on."""
    held = base.__dict__
    if "_by_comment" in held:
        index = dict(held["_by_comment"])
        if rec.kind == "c":
            index[rec.comment_id] = len(base.log)
        new.__dict__["_by_comment"] = index
    derived = held.get("_derived")
    if derived:
        out = {}
        for name, value in derived.items():
            update = DERIVED.get(name)
            after = update(value, rec) if update is not None else None
            if after is not None:
                out[name] = after
        new.__dict__["_derived"] = out
    if rec.kind == "c":
        new.__dict__["_appended"] = (rec.comment_id, len(base.outcomes))
    return new


def tick(campaign: Campaign, *, config: BountiesConfig, now: float,
         label_goals: Mapping[str, Decimal] | None = None, generic_label: str | None = None) -> Campaign:
    """Let time pass until ``now`` (deadline -> expired, funding final, payment window -> closed)."""
    ctx = _ctx(config, label_goals, generic_label)
    m = _M.of(campaign, ctx)
    m.advance(_finite(now, "now"))
    return m.freeze(campaign.log)


def next_deadline(campaign: Campaign) -> float | None:
    """When the state changes by itself next (the shell schedules a :func:`tick` then), or None."""
    if campaign.state == "open" or (campaign.state == "funded" and not campaign.deadline_passed):
        return campaign.deadline
    if campaign.state == "delivered" and campaign.delivered_at is not None:
        return campaign.delivered_at + PAYMENT_WINDOW_DAYS * DAY
    return None


def comment_version(campaign: Campaign, comment_id: int) -> tuple[float, str] | None:
    """(version time, body digest) of the version of a comment the campaign's log holds, or None."""
    rec = comment_record(campaign, comment_id)
    return None if rec is None else (rec.version, rec.digest)


def comment_record(campaign: Campaign, comment_id: int) -> CommentRecord | None:
    """The record the campaign's log holds of a comment, or None."""
    index = campaign.comment_index().get(comment_id)
    return None if index is None else campaign.log[index]


def body_digest(body: str) -> str:
    """The digest the log keeps of a comment body (compare with :func:`comment_version`)."""
    return _digest(body)
