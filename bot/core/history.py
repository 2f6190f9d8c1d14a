"""Campaign history (issue 10): what fundbot decided stays decided, and events keep their real order.

Pure helpers around :mod:`bot.core.campaign` for the shell (``bot.campaigns``).

Decisions
---------
A refold from GitHub (``rebuild``, the check at every state change) must not rewrite history: a
``/bounty`` fundbot accepted from a maintainer who is later demoted (or after ``bounties.who_can_manage``
changed) stays accepted, one it refused stays refused, and a bounty label keeps the goal it applied even
if ``bounties.labels`` changed since. The only facts of the past fundbot cannot read back from GitHub
are those: a permission check and a configuration value at the time. :class:`Decisions` records them:

* ``verdicts``: comment id -> (revision digest, permitted) for every live comment holding a
  maintainer-only command (``/bounty``, ``/bounty cancel|extend|accept``): the permission verdict fundbot
  gave that *revision* of the comment. An edit is a new revision: it is checked when it is made.
* ``goals``: (time, label, goal) of every bounty-label addition: the goal it applied.

:func:`decisions_of` derives the record from a campaign's log (the log keeps both facts), so it needs no
state of its own; the shell writes it into the status comment's hidden marker (both the full snapshot and
the partial summary carry it) and reads it back - only from a comment written by fundbot's own login, so
a human pasting a marker changes nothing. A refold reuses a recorded verdict when the comment's current
body is the recorded revision, and checks permissions only for commands not yet decided.

Bounds: at most :data:`MAX_VERDICTS` verdicts (accepted ones first, newest first) and :data:`MAX_GOALS`
label goals (newest first), about 10 KB of JSON at most: beyond that, the oldest refusals are checked
again on a refold (a refused ``/bounty`` cannot remove anything).

Order
-----
GitHub's timestamps have one-second resolution, so events of the same second must keep their real order
some other way. The ledger sorts by ``(at, seq)``; the shell chooses ``seq``:

* live, in delivery order: :func:`next_seq` puts an event after every record of its second;
* refolded from the issue timeline (which lists comments and events chronologically):
  :func:`timeline_seqs` gives each item its timeline position, and within one second puts comments in
  comment-id order among the comment positions and events in event-id order among the event positions
  (GitHub's ids increase with time within each kind);
* merged pull requests (claims) sort last in their second on both paths (:data:`CLAIM_SEQ`).

A redelivered label or state event is recognised by :func:`held_duplicate` (the latest record of the same
label, or the latest state change, is the same event within a few seconds) and re-uses the held record,
so the ledger folds it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.core.campaign import Campaign, body_digest

__all__ = [
    "CLAIM_SEQ",
    "DECISIONS_VERSION",
    "MAINTAINER_COMMANDS",
    "MAX_GOALS",
    "MAX_VERDICTS",
    "Decisions",
    "decisions_of",
    "held_duplicate",
    "next_seq",
    "timeline_seqs",
]

MAINTAINER_COMMANDS = frozenset({"bounty", "bounty cancel", "bounty extend", "bounty accept"})
CLAIM_SEQ = 2**53  # claims sort after everything else of their second, live and refolded
MAX_VERDICTS = 300
MAX_GOALS = 100
DECISIONS_VERSION = 1
DIGEST_CHARS = 12
SLACK = 5.0  # seconds: a webhook's time (issue.updated_at) and the timeline event's created_at may differ


# ============================================================================================ decisions


@dataclass(frozen=True)
class Decisions:
    verdicts: Mapping[int, tuple[str, bool]] = field(default_factory=dict)  # comment id -> (digest, permitted)
    goals: tuple[tuple[float, str, Decimal], ...] = ()  # (at, label lower-case, goal) of bounty-label additions

    def verdict(self, comment_id: int, body: str | None) -> bool | None:
        """The recorded permission verdict for this revision of a comment, or None (not decided yet)."""
        held = self.verdicts.get(int(comment_id))
        if held is None or not body_digest(body or "").startswith(held[0]):
            return None
        return held[1]

    def goal(self, at: float, label: str) -> Decimal | None:
        """The goal a bounty label's addition at ``at`` applied, or None."""
        low = label.lower()
        near = [(abs(t - at), g) for t, name, g in self.goals if name == low and abs(t - at) <= SLACK]
        return min(near, key=lambda x: x[0])[1] if near else None

    def merged(self, newer: Decisions) -> Decisions:
        """Both records; ``newer`` wins where they disagree."""
        goals = {(t, name): g for t, name, g in self.goals}
        goals.update({(t, name): g for t, name, g in newer.goals})
        return _bounded({**self.verdicts, **newer.verdicts}, [(t, n, g) for (t, n), g in goals.items()])

    def to_json(self) -> dict[str, Any]:
        return {
            "v": DECISIONS_VERSION,
            "m": [[cid, digest, 1 if ok else 0] for cid, (digest, ok) in sorted(self.verdicts.items())],
            "g": [[t, name, str(g)] for t, name, g in sorted(self.goals, key=lambda x: (x[0], x[1]))],
        }

    @classmethod
    def from_json(cls, data: Any) -> Decisions:
        """Parse :meth:`to_json` output; raises ``ValueError`` on anything else."""
        if not isinstance(data, Mapping) or data.get("v") != DECISIONS_VERSION:
            raise ValueError("not a decision record")
        verdicts: dict[int, tuple[str, bool]] = {}
        goals: list[tuple[float, str, Decimal]] = []
        try:
            for cid, digest, ok in data.get("m") or []:
                if (isinstance(cid, bool) or not isinstance(cid, int) or not isinstance(digest, str)
                        or len(digest) != DIGEST_CHARS or ok not in (0, 1) or isinstance(ok, bool)):
                    raise ValueError("bad verdict")
                verdicts[cid] = (digest, ok == 1)
            for t, name, goal in data.get("g") or []:
                if isinstance(t, bool) or not isinstance(t, int | float) or not isinstance(name, str):
                    raise ValueError("bad goal")
                amount = Decimal(str(goal))
                if not amount.is_finite() or amount <= 0:
                    raise ValueError("bad goal")
                goals.append((float(t), name.lower(), amount))
        except (TypeError, InvalidOperation) as exc:
            raise ValueError(f"not a decision record ({type(exc).__name__})") from None
        return _bounded(verdicts, goals)


def _bounded(verdicts: Mapping[int, tuple[str, bool]], goals: Iterable[tuple[float, str, Decimal]]) -> Decisions:
    keep = sorted(verdicts.items(), key=lambda kv: (not kv[1][1], -kv[0]))[:MAX_VERDICTS]  # accepted, newest first
    newest = sorted(goals, key=lambda x: (-x[0], x[1]))[:MAX_GOALS]
    return Decisions(dict(sorted(keep)), tuple(sorted(newest, key=lambda x: (x[0], x[1]))))


def decisions_of(campaign: Campaign) -> Decisions:
    """The decisions a campaign's log holds (see the module docstring)."""
    verdicts: dict[int, tuple[str, bool]] = {}
    goals: list[tuple[float, str, Decimal]] = []
    for rec in campaign.log:
        if rec[0] == "c":
            if not rec[6] and any(cmd[1] in MAINTAINER_COMMANDS for cmd in rec[9]):
                verdicts[rec[3]] = (rec[8][:DIGEST_CHARS], bool(rec[5]))
        elif rec[0] == "l" and rec[4] and rec[6] is not None:
            goals.append((rec[1], rec[3].lower(), Decimal(rec[6])))
    return _bounded(verdicts, goals)


# ============================================================================================ order


def next_seq(campaign: Campaign, at: float) -> int:
    """``seq`` for an event delivered now whose time is ``at``: after every record of that second."""
    seqs = [rec[2] for rec in campaign.log if rec[1] == at and rec[2] < CLAIM_SEQ]
    return max(seqs) + 1 if seqs else 0


def timeline_seqs(items: Sequence[tuple[float, str, int]]) -> dict[tuple[str, int], int]:
    """``seq`` of each timeline item, given as ``(at, kind, id)`` in GitHub's order (kind ``"c"``: a
    comment, ``"e"``: an issue event). Items keep their position; within one second, the comment
    positions hold the comments by id and the event positions the events by id."""
    order = sorted(range(len(items)), key=lambda i: items[i][0])  # stable: GitHub's order within a second
    out: dict[tuple[str, int], int] = {}
    start = 0
    while start < len(order):
        end = start
        while end < len(order) and items[order[end]][0] == items[order[start]][0]:
            end += 1
        group = order[start:end]
        for kind in ("c", "e"):
            slots = [pos for pos in range(start, end) if items[group[pos - start]][1] == kind]
            ids = sorted(items[i][2] for i in group if items[i][1] == kind)
            for pos, ident in zip(slots, ids, strict=True):
                out[(kind, ident)] = pos
        start = end
    return out


def held_duplicate(campaign: Campaign, rec_kind: str, at: float, *, label: str | None = None,
                   added: bool | None = None, actor: str | None = None, state: str | None = None,
                   reason: str | None = None) -> tuple | None:
    """The held record a label (``rec_kind`` ``"l"``) or state (``"s"``) event redelivers, or None.

    It is the same event when the latest record about the same label (or the latest state change) has the
    same content and a time within a few seconds: GitHub never adds a label twice, nor closes twice, without
    the opposite event in between."""
    low = (label or "").lower()
    for rec in reversed(campaign.log):
        if rec[0] != rec_kind:
            continue
        if rec_kind == "l":
            if rec[3].lower() != low:
                continue
            same = rec[4] == added and rec[5] == (actor or "")
        else:
            same = rec[3] == state and rec[4] == (reason or "")
        return rec if same and abs(rec[1] - at) <= SLACK else None
    return None
