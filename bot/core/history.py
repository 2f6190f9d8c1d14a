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
* ``runs``/``edited``/``label_rules``: the *rule* that judged each command and label addition - the
  configuration values a fold reads, ``(currency, min_pledge, max_amount, deadline_days, bare)``
  (:func:`rule_of`): a pledge accepted under ``min_pledge: 1`` stays accepted once it is raised to 50, a
  campaign keeps the deadline ``deadline_days`` gave it when it opened, and a comment is parsed with the
  ``commands.bare`` of its revision (a ``/bounty 100`` written for another bounty bot while bare forms were
  off never opens a campaign on a refold after they were turned on; see :mod:`bot.core.campaign.records`). Unedited comments are kept as runs of comment ids
  judged by one rule (compact: a rule rarely changes); an edited comment by id and revision digest, like a
  verdict. A comment edited after the record was written (GitHub's ``updated_at`` later than its
  ``created_at``, and no recorded revision) is judged again, with today's configuration.
* ``claims``: (pull request, solver, time) of every merged pull request fundbot credited live, from the
  webhook's payload - the body as it stood at the merge. A refold credits exactly these: a body edited
  after the merge (``Related to #3`` made ``Fixes #3``) never claims. A record without the field (written
  before it existed) or no record at all: merged pull requests of this repository are read from the
  timeline, but one updated after its merge (:data:`SLACK`) is not trusted.

:func:`decisions_of` derives the record from a campaign's log (the log keeps both facts), so it needs no
state of its own; the shell writes it into the status comment's hidden marker (both the full snapshot and
the partial summary carry it) and reads it back - only from a comment written by fundbot's own login, so
a human pasting a marker changes nothing. A refold reuses a recorded verdict when the comment's current
body is the recorded revision, and checks permissions only for commands not yet decided.

Bounds: at most :data:`MAX_VERDICTS` verdicts (accepted ones first, newest first), :data:`MAX_GOALS`
label goals, :data:`MAX_RUNS` runs, :data:`MAX_EDITED` edited revisions and :data:`MAX_CLAIMS` claims
(newest first), a few KB of JSON in practice: beyond that, the oldest refusals are checked again on a
refold (a refused ``/bounty`` cannot remove anything), and the oldest commands are judged with today's
configuration.

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

import bisect
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.core.campaign import DERIVED, Campaign, Record, body_digest

__all__ = [
    "CLAIM_SEQ",
    "MAX_CLAIMS",
    "MAX_EDITED",
    "MAX_RUNS",
    "DECISIONS_VERSION",
    "MAINTAINER_COMMANDS",
    "MAX_GOALS",
    "MAX_VERDICTS",
    "Decisions",
    "Rule",
    "decisions_of",
    "held_duplicate",
    "next_seq",
    "rule_of",
    "bare_of",
    "comment_decisions",
    "timeline_seqs",
]

MAINTAINER_COMMANDS = frozenset({"bounty", "bounty cancel", "bounty extend", "bounty accept", "bounty received",
                                 "bounty reward done", "bounty deliver", "bounty split"})
CLAIM_SEQ = 2**53  # claims sort after everything else of their second, live and refolded
INTENT_SEQ = CLAIM_SEQ - 1  # claims before a merge (IntentEvent): after the rest of their second, before merges
MAX_VERDICTS = 300
MAX_GOALS = 100
MAX_RUNS = 200
MAX_EDITED = 300
MAX_CLAIMS = 50
DECISIONS_VERSION = 1
DIGEST_CHARS = 12
SLACK = 5.0  # seconds: a webhook's time (issue.updated_at) and the timeline event's created_at may differ


# ============================================================================================ decisions


# (currency, min_pledge, max_amount, deadline_days, bare); read from JSON without ``bare`` when it is true
Rule = tuple[str, Decimal, Decimal, int, bool] | tuple[str, Decimal, Decimal, int]


def rule_of(bounties: Any, *, bare: bool = True) -> Rule:
    """The rule ``bounties`` (a ``BountiesConfig``) and ``commands.bare`` judge commands by today (as the
    ledger reads it)."""
    return (str(bounties.currency or "").upper(), Decimal(str(bounties.min_pledge)),
            Decimal(str(bounties.max_amount)), int(bounties.deadline_days), bool(bare))


def bare_of(rule: Sequence[Any] | None) -> bool:
    """Whether a rule (of either length: older ones have no ``bare``) lets the bare command forms count."""
    return rule is None or len(rule) < 5 or bool(rule[4])


@dataclass(frozen=True)
class Decisions:
    verdicts: Mapping[int, tuple[str, bool]] = field(default_factory=dict)  # comment id -> (digest, permitted)
    goals: tuple[tuple[float, str, Decimal], ...] = ()  # (at, label lower-case, goal) of bounty-label additions
    runs: tuple[tuple[int, int, Rule], ...] = ()  # (first, last comment id, rule) of unedited comments; first wins
    edited: Mapping[int, tuple[str, Rule]] = field(default_factory=dict)  # comment id -> (digest, rule)
    label_rules: Mapping[tuple[float, str], Rule] = field(default_factory=dict)  # (at, label lower-case) -> rule
    claims: tuple[tuple[int, str, float], ...] | None = None  # (pull, solver, at); None: the record predates them
    # (pull, user, at, action, association) of claims before a merge ("claim"/"drop") and the association of a
    # credited merge ("merge"): bot.core.campaign.claims; what no refold reads back from the timeline
    intents: tuple[tuple[int, str, float, str, str | None], ...] = ()

    def verdict(self, comment_id: int, body: str | None) -> bool | None:
        """The recorded permission verdict for this revision of a comment, or None (not decided yet)."""
        held = self.verdicts.get(int(comment_id))
        if held is None or not body_digest(body or "").startswith(held[0]):
            return None
        return held[1]

    def rule(self, comment_id: int, body: str | None, *, edited: bool) -> Rule | None:
        """The rule that judged this revision of a comment, or None (not judged yet). ``edited``: GitHub says
        the comment changed after it was created."""
        held = self.edited.get(int(comment_id))
        if held is not None and body_digest(body or "").startswith(held[0]):
            return held[1]
        if edited:
            return None
        return next((rule for first, last, rule in self.runs if first <= comment_id <= last), None)

    def goal(self, at: float, label: str) -> Decimal | None:
        """The goal a bounty label's addition at ``at`` applied, or None."""
        low = label.lower()
        near = [(abs(t - at), g) for t, name, g in self.goals if name == low and abs(t - at) <= SLACK]
        return min(near, key=lambda x: x[0])[1] if near else None

    def label_rule(self, at: float, label: str) -> Rule | None:
        """The rule a bounty label's addition at ``at`` was judged by, or None."""
        low = label.lower()
        near = [(abs(t - at), r) for (t, name), r in self.label_rules.items() if name == low and abs(t - at) <= SLACK]
        return min(near, key=lambda x: x[0])[1] if near else None

    def merged(self, newer: Decisions) -> Decisions:
        """Both records; ``newer`` wins where they disagree."""
        goals = {(t, name): g for t, name, g in self.goals}
        goals.update({(t, name): g for t, name, g in newer.goals})
        claims = None if self.claims is None and newer.claims is None else \
            tuple({pull: (pull, solver, at) for pull, solver, at in [*(self.claims or ()), *(newer.claims or ())]}.values())
        out = _bounded({**self.verdicts, **newer.verdicts}, [(t, n, g) for (t, n), g in goals.items()],
                       (*newer.runs, *self.runs), {**self.edited, **newer.edited},
                       {**self.label_rules, **newer.label_rules}, claims)
        intents = tuple(dict.fromkeys((*self.intents, *newer.intents)))[-MAX_CLAIMS:]
        return dataclasses.replace(out, intents=intents) if intents else out

    def shrunk(self) -> Decisions:
        """About half of this record, the oldest left out (refusals before acceptances), for a status comment
        that would not fit GitHub's limit otherwise. Claims are halved only once nothing else is left (a
        refold credits only recorded claims)."""
        verdicts = sorted(self.verdicts.items(), key=lambda kv: (not kv[1][1], -kv[0]))
        goals = sorted(self.goals, key=lambda x: (-x[0], x[1]))[:len(self.goals) // 2]
        kept = {(t, name) for t, name, _ in goals}
        edited = sorted(self.edited.items(), key=lambda kv: -kv[0])[:len(self.edited) // 2]
        runs = set(sorted(range(len(self.runs)), key=lambda i: -self.runs[i][1])[:len(self.runs) // 2])
        claims = self.claims
        if claims and not (verdicts or goals or edited or runs):
            claims = tuple(sorted(claims, key=lambda x: (-x[2], x[0]))[:len(claims) // 2])
        return Decisions(dict(sorted(verdicts[:len(verdicts) // 2])), tuple(sorted(goals, key=lambda x: (x[0], x[1]))),
                         tuple(run for i, run in enumerate(self.runs) if i in runs), dict(sorted(edited)),
                         {k: r for k, r in self.label_rules.items() if k in kept}, claims, self.intents)

    def to_json(self) -> dict[str, Any]:
        rules: dict[Rule, int] = {}

        def ref(rule: Rule) -> int:
            return rules.setdefault(rule, len(rules))

        goals = []
        for t, name, g in sorted(self.goals, key=lambda x: (x[0], x[1])):
            rule = self.label_rules.get((t, name))
            goals.append([t, name, str(g)] if rule is None else [t, name, str(g), ref(rule)])
        out: dict[str, Any] = {
            "v": DECISIONS_VERSION,
            "m": [[cid, digest, 1 if ok else 0] for cid, (digest, ok) in sorted(self.verdicts.items())],
            "g": goals,
            "a": [[first, last, ref(rule)] for first, last, rule in self.runs],
        }
        if self.edited:
            out["e"] = [[cid, digest, ref(rule)] for cid, (digest, rule) in sorted(self.edited.items())]
        if self.claims is not None:
            out["p"] = [[pull, solver, at] for pull, solver, at in self.claims]
        if self.intents:
            out["k"] = [list(x) for x in self.intents]
        out["r"] = [[cur, str(lo), str(hi), days, *([] if bare_of(rule) else [0])]
                    for rule in rules for cur, lo, hi, days in [rule[:4]]]
        return out

    @classmethod
    def from_json(cls, data: Any) -> Decisions:
        """Parse :meth:`to_json` output (or an older record without rules and claims); raises ``ValueError``
        on anything else."""
        if not isinstance(data, Mapping) or data.get("v") != DECISIONS_VERSION:
            raise ValueError("not a decision record")
        try:
            return _parse(data)
        except (TypeError, InvalidOperation) as exc:
            raise ValueError(f"not a decision record ({type(exc).__name__})") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _amount(value: Any) -> Decimal:
    amount = Decimal(str(value)) if isinstance(value, str) else Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise ValueError("bad amount")
    return amount


def _parse(data: Mapping[str, Any]) -> Decisions:
    verdicts: dict[int, tuple[str, bool]] = {}
    for cid, digest, ok in data.get("m") or []:
        if (not _is_int(cid) or not isinstance(digest, str) or len(digest) != DIGEST_CHARS
                or ok not in (0, 1) or isinstance(ok, bool)):
            raise ValueError("bad verdict")
        verdicts[cid] = (digest, ok == 1)
    rules: list[Rule] = []
    for item in data.get("r") or []:
        cur, lo, hi, days, *rest = item
        if not isinstance(cur, str) or not _is_int(days) or len(rest) > 1 or (rest and rest[0] not in (0, 1)):
            raise ValueError("bad rule")
        rule = (cur.upper(), _amount(lo), _amount(hi), days)
        rules.append(rule if not rest or rest[0] == 1 else (*rule, False))  # four: the bare forms counted

    def rule_at(index: Any) -> Rule:
        if not _is_int(index) or not 0 <= index < len(rules):
            raise ValueError("bad rule reference")
        return rules[index]

    goals: list[tuple[float, str, Decimal]] = []
    label_rules: dict[tuple[float, str], Rule] = {}
    for item in data.get("g") or []:
        t, name, goal = item[:3]
        if isinstance(t, bool) or not isinstance(t, int | float) or not isinstance(name, str) or len(item) > 4:
            raise ValueError("bad goal")
        amount = Decimal(str(goal))
        if not amount.is_finite() or amount <= 0:
            raise ValueError("bad goal")
        goals.append((float(t), name.lower(), amount))
        if len(item) == 4:
            label_rules[(float(t), name.lower())] = rule_at(item[3])
    runs = []
    for first, last, index in data.get("a") or []:
        if not _is_int(first) or not _is_int(last) or first > last:
            raise ValueError("bad run")
        runs.append((first, last, rule_at(index)))
    edited: dict[int, tuple[str, Rule]] = {}
    for cid, digest, index in data.get("e") or []:
        if not _is_int(cid) or not isinstance(digest, str) or len(digest) != DIGEST_CHARS:
            raise ValueError("bad edited revision")
        edited[cid] = (digest, rule_at(index))
    claims = None
    if "p" in data:
        claims = []
        for pull, solver, at in data["p"] or []:
            if not _is_int(pull) or not isinstance(solver, str) or isinstance(at, bool) or not isinstance(at, int | float):
                raise ValueError("bad claim")
            claims.append((pull, solver, float(at)))
    intents = []
    for pull, user, at, action, assoc in data.get("k") or []:
        if (not _is_int(pull) or not isinstance(user, str) or isinstance(at, bool) or not isinstance(at, int | float)
                or action not in ("claim", "drop", "merge") or not (assoc is None or isinstance(assoc, str))):
            raise ValueError("bad claim intent")
        intents.append((pull, user, float(at), action, assoc))
    out = _bounded(verdicts, goals, runs, edited, label_rules, claims)
    return dataclasses.replace(out, intents=tuple(intents[-MAX_CLAIMS:])) if intents else out


def _bounded(verdicts: Mapping[int, tuple[str, bool]], goals: Iterable[tuple[float, str, Decimal]],
             runs: Sequence[tuple[int, int, Rule]] = (), edited: Mapping[int, tuple[str, Rule]] | None = None,
             label_rules: Mapping[tuple[float, str], Rule] | None = None,
             claims: Iterable[tuple[int, str, float]] | None = None) -> Decisions:
    keep = sorted(verdicts.items(), key=lambda kv: (not kv[1][1], -kv[0]))[:MAX_VERDICTS]  # accepted, newest first
    newest = sorted(goals, key=lambda x: (-x[0], x[1]))[:MAX_GOALS]
    kept_goals = {(t, name) for t, name, _ in newest}
    edits = sorted((edited or {}).items(), key=lambda kv: -kv[0])[:MAX_EDITED]
    return Decisions(dict(sorted(keep)), tuple(sorted(newest, key=lambda x: (x[0], x[1]))),
                     _newest_runs(runs), dict(sorted(edits)),
                     {k: r for k, r in (label_rules or {}).items() if k in kept_goals},
                     None if claims is None else tuple(sorted(claims, key=lambda x: (-x[2], x[0]))[:MAX_CLAIMS]))


def _newest_runs(runs: Sequence[tuple[int, int, Rule]]) -> tuple[tuple[int, int, Rule], ...]:
    """At most MAX_RUNS runs, keeping the precedence order: those covering the newest comments first."""
    if len(runs) <= MAX_RUNS:
        return tuple(runs)
    chosen = set(sorted(range(len(runs)), key=lambda i: -runs[i][1])[:MAX_RUNS])
    return tuple(run for i, run in enumerate(runs) if i in chosen)


@dataclass(frozen=True)
class _Raw:
    """What :func:`decisions_of` gathers from a log before bounding it; kept with the campaign
    (:data:`bot.core.campaign.DERIVED`) and updated record by record as :func:`~bot.core.campaign.apply`
    appends, so a pledge on a long campaign does not walk its whole log again."""

    verdicts: dict[int, tuple[str, bool]]
    goals: tuple[tuple[float, str, Decimal], ...]
    runs: tuple[tuple[int, int, Rule], ...]  # (first, last, rule) of unedited comments, ascending ids
    edited: dict[int, tuple[str, Rule]]
    label_rules: dict[tuple[float, str], Rule]
    claims: tuple[tuple[int, str, float], ...]
    intents: tuple[tuple[int, str, float, str, str | None], ...] = ()

    def decisions(self) -> Decisions:
        out = _bounded(self.verdicts, self.goals, tuple(reversed(self.runs)), self.edited, self.label_rules,
                       self.claims)
        return dataclasses.replace(out, intents=self.intents[-MAX_CLAIMS:]) if self.intents else out


def _raw_of(log: Sequence[Record]) -> _Raw:
    verdicts: dict[int, tuple[str, bool]] = {}
    goals: list[tuple[float, str, Decimal]] = []
    unedited: list[tuple[int, Rule]] = []
    edited: dict[int, tuple[str, Rule]] = {}
    label_rules: dict[tuple[float, str], Rule] = {}
    claims: list[tuple[int, str, float]] = []
    intents: list = []
    for rec in log:
        if rec.kind == "c":
            if not rec.deleted and any(cmd.name in MAINTAINER_COMMANDS for cmd in rec.commands):
                verdicts[rec.comment_id] = (rec.digest[:DIGEST_CHARS], bool(rec.maintainer))
            if rec.rule is not None:
                if rec.version == rec.at:
                    unedited.append((rec.comment_id, rec.rule))
                else:
                    edited[rec.comment_id] = (rec.digest[:DIGEST_CHARS], rec.rule)
        elif rec.kind == "l" and rec.added and rec.goal is not None:
            goals.append((rec.at, rec.label.lower(), Decimal(rec.goal)))
            if rec.rule is not None:
                label_rules[(rec.at, rec.label.lower())] = rec.rule
        elif rec.kind == "p":
            claims.append((rec.pull, rec.solver, rec.at))
            if rec.association:
                intents.append((rec.pull, rec.solver, rec.at, "merge", rec.association))
        elif rec.kind == "k":
            intents.append((rec.pull, rec.user, rec.at, rec.action, rec.association))
    runs: list[tuple[int, int, Rule]] = []
    for cid, rule in sorted(unedited, key=lambda x: x[0]):
        runs = _extend_runs(runs, cid, rule)
    return _Raw(verdicts, tuple(goals), tuple(runs), edited, label_rules, tuple(claims), tuple(intents))


def _extend_runs(runs: list, cid: int, rule: Rule) -> list:
    """``runs`` (in place) with comment ``cid`` (above every id in them) judged by ``rule``."""
    if runs and runs[-1][2] == rule:
        runs[-1] = (runs[-1][0], cid, rule)
    else:
        runs.append((cid, cid, rule))
    return runs


def _raw_after(raw: _Raw, rec: Record) -> _Raw | None:
    """``raw`` with one record appended to the log, or None when it must be gathered again."""
    if rec.kind == "c":
        verdicts, edited, runs = raw.verdicts, raw.edited, raw.runs
        if rec.comment_id in verdicts or rec.comment_id in edited:
            return None
        if not rec.deleted and any(cmd.name in MAINTAINER_COMMANDS for cmd in rec.commands):
            verdicts = {**verdicts, rec.comment_id: (rec.digest[:DIGEST_CHARS], bool(rec.maintainer))}
        if rec.rule is not None:
            if rec.version != rec.at:
                edited = {**edited, rec.comment_id: (rec.digest[:DIGEST_CHARS], rec.rule)}
            elif runs and rec.comment_id <= runs[-1][1]:
                return None  # an older comment id: the runs are rebuilt in id order
            elif runs and runs[-1][2] == rec.rule:
                runs = (*runs[:-1], (runs[-1][0], rec.comment_id, rec.rule))
            else:
                runs = (*runs, (rec.comment_id, rec.comment_id, rec.rule))
        return _Raw(verdicts, raw.goals, runs, edited, raw.label_rules, raw.claims, raw.intents)
    if rec.kind == "l" and rec.added and rec.goal is not None:
        rules = raw.label_rules if rec.rule is None else {**raw.label_rules, (rec.at, rec.label.lower()): rec.rule}
        return _Raw(raw.verdicts, (*raw.goals, (rec.at, rec.label.lower(), Decimal(rec.goal))), raw.runs, raw.edited,
                    rules, raw.claims, raw.intents)
    if rec.kind == "p":
        merge = ((rec.pull, rec.solver, rec.at, "merge", rec.association),) if rec.association else ()
        return _Raw(raw.verdicts, raw.goals, raw.runs, raw.edited, raw.label_rules,
                    (*raw.claims, (rec.pull, rec.solver, rec.at)), (*raw.intents, *merge))
    if rec.kind == "k":
        return _Raw(raw.verdicts, raw.goals, raw.runs, raw.edited, raw.label_rules, raw.claims,
                    (*raw.intents, (rec.pull, rec.user, rec.at, rec.action, rec.association)))
    return raw


DERIVED["decisions"] = _raw_after


def decisions_of(campaign: Campaign) -> Decisions:
    """The decisions a campaign's log holds (see the module docstring)."""
    held = campaign.__dict__.get("_decisions")
    if held is None:
        derived = campaign.derived()
        raw = derived.get("decisions")
        if raw is None:
            raw = derived["decisions"] = _raw_of(campaign.log)
        held = campaign.__dict__["_decisions"] = raw.decisions()
    return held


def comment_decisions(campaign: Campaign, comment_id: int) -> Decisions:
    """The decisions about one comment's current revision (its verdict, its rule): what fundbot's reply to
    that comment carries, so a refold recovers them although the status comment - edited only when what
    it shows changes - may not hold them yet."""
    return _raw_of([rec for rec in campaign.log if rec.kind == "c" and rec.comment_id == comment_id]).decisions()


# ============================================================================================ order


def next_seq(campaign: Campaign, at: float) -> int:
    """``seq`` for an event delivered now whose time is ``at``: after every record of that second."""
    log = campaign.log  # in (at, seq, ...) order: the records of that second are together
    first = bisect.bisect_left(log, at, key=_at)
    last = bisect.bisect_right(log, at, lo=first, key=_at)
    seqs = [rec.seq for rec in log[first:last] if rec.seq < INTENT_SEQ]
    return max(seqs) + 1 if seqs else 0


def _at(rec: Record) -> float:
    return rec.at


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
                   reason: str | None = None) -> Record | None:
    """The held record a label (``rec_kind`` ``"l"``) or state (``"s"``) event redelivers, or None.

    It is the same event when the latest record about the same label (or the latest state change) has the
    same content and a time within a few seconds: GitHub never adds a label twice, nor closes twice, without
    the opposite event in between."""
    low = (label or "").lower()
    for rec in reversed(campaign.log):
        if rec.kind != rec_kind:
            continue
        if rec.kind == "l":
            if rec.label.lower() != low:
                continue
            same = rec.added == added and rec.actor == (actor or "")
        else:
            same = rec.action == state and rec.reason == (reason or "")
        return rec if same and abs(rec.at - at) <= SLACK else None
    return None
