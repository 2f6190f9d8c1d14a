"""The campaign log: its records (named tuples), how events become records, and the records' JSON form.

Records are named tuples - cheap, hashable, equal to the plain tuples of the same values - one class per
event kind, each starting with its one-letter ``kind``:

* :class:`CommentRecord` ``("c", at, seq, comment_id, author, maintainer, deleted, version, digest, commands,
  rule)``: ``commands`` are the :class:`LoggedCommand` s parsed from the comment's latest body;
* :class:`LabelRecord` ``("l", at, seq, label, added, actor, goal, rule)``: ``goal`` is the recorded goal of
  an addition (a string, or None);
* :class:`StateRecord` ``("s", at, seq, action, reason)``: the issue ``closed`` or ``reopened``, with
  GitHub's ``state_reason`` (or "");
* :class:`ClaimRecord` ``("p", at, seq, pull, solver, association)``: a merged pull request (``association``,
  GitHub's ``author_association`` of its author, left out of the JSON form when None);
* :class:`IntentRecord` ``("k", at, seq, pull, user, action, association)``: a claim before any merge
  (``action`` "claim") or its withdrawal ("drop"), :mod:`bot.core.campaign.claims`.

``rule`` is the :class:`Rule` that judged the record when it was made (None: the configuration's). Its
``bare`` says whether the bare command forms (``/pledge 50``) counted (``commands.bare``) as well as the
addressed ones (``/fundbot pledge 50``, ``@HANDLE pledge 50``; ``HANDLE`` comes with the event, it is the
App's slug, not configuration): a comment is parsed with the rule of its revision, so a refold parses it as
the live fold did. A comment whose bare-form campaign commands were ignored (``bare`` off) keeps its rule
although it holds no command, so turning ``bare`` on later does not make a refold act on them.

The JSON form (the snapshot's ``log``) is each record as a list in field order, commands as lists, amounts
and rules' amounts as strings, and the ``rule`` left out when it is None (the older form, still read); a
rule is ``[currency, min, max, deadline_days]``, with a fifth element ``false`` when bare forms were off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from bot.core import commands as parser
from bot.core.campaign.days import _date_of, _finite
from bot.core.campaign.events import (
    LEDGER_COMMANDS,
    MAX_LOG,
    ClaimEvent,
    CommentEvent,
    Event,
    IntentEvent,
    LabelEvent,
    StateEvent,
)

__all__ = ["ClaimRecord", "CommentRecord", "IntentRecord", "LabelRecord", "LoggedCommand", "Record", "Rule",
           "StateRecord"]


class Rule(NamedTuple):
    """The configuration values a fold reads to judge a record."""

    currency: str
    minimum: Decimal
    maximum: Decimal
    deadline_days: int
    bare: bool = True  # the bare command forms counted (commands.bare)


class LoggedCommand(NamedTuple):
    """One campaign command of a comment, as the log keeps it."""

    line: int
    name: str  # a name from LEDGER_COMMANDS
    amount: Decimal | None
    currency: str | None
    days: int | None
    date: str | None  # YYYY-MM-DD
    user: str | None  # bounty accept's user; bounty received's users, space-separated; bounty deliver's user or
    # "#PR"; bounty split's "login:share" words, space-separated
    link: str | None = None  # offer's payment link (JSON: an 8th element, only when set)


class CommentRecord(NamedTuple):
    kind: str  # "c"
    at: float
    seq: int
    comment_id: int
    author: str
    maintainer: bool
    deleted: bool
    version: float  # edited_at (else at): which version of the comment this is
    digest: str  # of the body (of "" once deleted)
    commands: tuple[LoggedCommand, ...]
    rule: Rule | None


class LabelRecord(NamedTuple):
    kind: str  # "l"
    at: float
    seq: int
    label: str
    added: bool
    actor: str
    goal: str | None  # the recorded goal of an addition
    rule: Rule | None


class StateRecord(NamedTuple):
    kind: str  # "s"
    at: float
    seq: int
    action: str  # "closed" | "reopened"
    reason: str  # GitHub's state_reason, or ""


class ClaimRecord(NamedTuple):
    kind: str  # "p"
    at: float
    seq: int
    pull: int
    solver: str
    association: str | None = None


class IntentRecord(NamedTuple):
    kind: str  # "k"
    at: float
    seq: int
    pull: int
    user: str
    action: str  # "claim" | "drop"
    association: str | None


Record = CommentRecord | LabelRecord | StateRecord | ClaimRecord | IntentRecord

_RANK = {"l": 0, "c": 1, "s": 2, "k": 3, "p": 4}


def _sort_key(rec: Record) -> tuple:
    if rec.kind == "c":
        ident: tuple = (rec.comment_id,)
    elif rec.kind == "l":
        ident = (rec.label, rec.added, rec.actor, rec.goal or "")
    elif rec.kind == "s":
        ident = (rec.action, rec.reason)
    elif rec.kind == "k":
        ident = (rec.pull, rec.user, rec.action, rec.association or "")
    else:
        ident = (rec.pull, rec.solver)
    return (rec.at, rec.seq, _RANK[rec.kind], ident)


def _comment_vkey(rec: CommentRecord) -> tuple:
    """Which version of a comment wins: a deletion, then the newest edit; the rest makes it total."""
    return (rec.deleted, rec.version, rec.digest, rec.maintainer, rec.author, rec.at, rec.seq)


def _claim_key(rec: ClaimRecord) -> tuple:
    """Of two claims by one pull request, the one with the smaller key is kept."""
    return (rec.at, rec.seq, rec.solver)


def _digest(body: str) -> str:
    return hashlib.sha1(body.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()[:16]


def _parse(body: str, at: float, *, bare: bool = True, handle: str = "fundbot") -> tuple[LoggedCommand, ...]:
    out = []
    for item in parser.parse_commands(body, today=_date_of(at), bare=bare, handle=handle):
        if not isinstance(item, parser.Command) or item.name not in LEDGER_COMMANDS:
            continue
        amount = item.amount.value if item.amount is not None else None
        cur = item.amount.currency if item.amount is not None else None
        days = item.deadline.days if item.deadline is not None else None
        date = item.deadline.date.isoformat() if item.deadline is not None and item.deadline.date else None
        user = " ".join(item.users) if item.users else item.user
        if item.name == "bounty split":
            user = " ".join(f"{u}:{share}" for u, share in zip(item.users, item.shares, strict=True))
        elif item.name == "bounty deliver" and item.issue is not None:
            user = f"#{item.issue}"
        out.append(LoggedCommand(item.line, item.name, amount, cur, days, date, user, item.link))
    return tuple(out)


def _comment_head(e: CommentEvent) -> tuple[CommentRecord, str]:
    """The comment record without its parsed commands (parsing waits until the winner is known), and the body."""
    at = _finite(e.at, "CommentEvent.at")
    version = _finite(e.edited_at, "CommentEvent.edited_at") if e.edited_at is not None else at
    body = e.body if isinstance(e.body, str) else ("" if e.body is None else str(e.body))
    deleted = bool(e.deleted)
    head = CommentRecord("c", at, int(e.seq), int(e.comment_id), str(e.author or ""), bool(e.maintainer), deleted,
                         version, _digest("" if deleted else body), (), _rule(e.rule))
    return head, body


def _finish_comment(head: CommentRecord, body: str, handle: str = "fundbot") -> CommentRecord:
    """The record with its commands parsed (with the rule's ``bare`` and the App's ``handle``); the rule is
    kept when it judged something: a command, or bare-form commands it ignored (``bare`` off)."""
    if head.deleted or _is_bot(head.author):
        return head._replace(commands=(), rule=None)
    bare = head.rule is None or head.rule.bare
    cmds = _parse(body, head.at, bare=bare, handle=handle)
    judged = bool(cmds) or (not bare and bool(_parse(body, head.at, handle=handle)))
    return head._replace(commands=cmds, rule=head.rule if judged else None)


def _rule(rule: Any) -> Rule | None:
    """A judging rule as the log keeps it: (currency, min, max, deadline_days); ``ValueError`` otherwise."""
    if rule is None or (isinstance(rule, tuple) and rule in _RULES):
        return None if rule is None else _RULES[rule]
    cur, lo, hi, days, *rest = rule
    if len(rest) > 1:
        raise ValueError(f"bad rule {rule!r}")
    out = Rule(_str(cur).upper(), _dec(str(lo)), _dec(str(hi)), _int(days), _bool(rest[0]) if rest else True)
    return _RULES.setdefault(out, out) if len(_RULES) < 1_000 else out  # shared: a log holds few rules


_RULES: dict[tuple, Rule] = {}


def _handle(e: CommentEvent) -> str:
    """The App's slug a comment event's commands may address (``@HANDLE pledge 50``)."""
    handle = getattr(e, "handle", None)
    return handle if isinstance(handle, str) and handle else "fundbot"


def _is_bot(login: str) -> bool:
    return login.lower().endswith("[bot]")


def _record(e: Event) -> Record:
    """Non-comment events as records."""
    if isinstance(e, LabelEvent):
        goal = None if e.goal is None or not e.added else str(Decimal(str(e.goal)))
        return LabelRecord("l", _finite(e.at, "LabelEvent.at"), int(e.seq), str(e.label or ""), bool(e.added),
                           str(e.actor or ""), goal, _rule(e.rule) if e.added else None)
    if isinstance(e, StateEvent):
        return StateRecord("s", _finite(e.at, "StateEvent.at"), int(e.seq), str(e.kind), str(e.reason or ""))
    if isinstance(e, ClaimEvent):
        return ClaimRecord("p", _finite(e.at, "ClaimEvent.at"), int(e.seq), int(e.pull), str(e.solver or ""),
                           _association(e.association))
    if isinstance(e, IntentEvent):
        action = "drop" if e.action == "drop" else "claim"
        return IntentRecord("k", _finite(e.at, "IntentEvent.at"), int(e.seq), int(e.pull), str(e.user or ""), action,
                            _association(e.association))
    raise TypeError(f"not a campaign event: {type(e).__name__}")


def _association(value: object) -> str | None:
    return value.upper()[:40] if isinstance(value, str) and value else None


def _canonical(events: Iterable[Event]) -> list[Record]:
    comments: dict[int, tuple[CommentRecord, str, str]] = {}
    claims: dict[int, ClaimRecord] = {}
    others: set[Record] = set()
    for e in events:
        if isinstance(e, CommentEvent):
            head, body = _comment_head(e)
            old = comments.get(head.comment_id)
            if old is None or _comment_vkey(head) > _comment_vkey(old[0]):
                comments[head.comment_id] = (head, body, _handle(e))
            continue
        rec = _record(e)
        if rec.kind == "p":
            held = claims.get(rec.pull)
            if held is None or _claim_key(rec) < _claim_key(held):
                claims[rec.pull] = rec
        else:
            others.add(rec)
    log: list[Record] = [_finish_comment(head, body, handle) for head, body, handle in comments.values()]
    log.extend(claims.values())
    log.extend(others)
    log.sort(key=_sort_key)
    return log[:MAX_LOG]


# ============================================================================================ JSON form


def _dec_out(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _rec_out(rec: Record) -> list:
    """The record as JSON data: its fields in order, the rule left out when there is none."""
    if rec.kind == "c":
        cmds = [[c.line, c.name, _dec_out(c.amount), c.currency, c.days, c.date, c.user,
                 *([] if c.link is None else [c.link])] for c in rec.commands]
        out = [*rec[:-2], cmds]
    elif rec.kind == "p" and rec.association is None:
        return list(rec[:-1])  # the older form
    else:
        out = list(rec[:-1]) if rec.kind == "l" else list(rec)
    rule = rec.rule if rec.kind in ("c", "l") else None
    if rule is None:
        return out
    return [*out, [rule.currency, str(rule.minimum), str(rule.maximum), rule.deadline_days, *([] if rule.bare else [False])]]


def _expect(value: Any, types: type | tuple[type, ...], what: str) -> Any:
    """``value`` if it is of ``types`` (a boolean is not a number), else ``ValueError``."""
    if not isinstance(value, types) or (isinstance(value, bool) and types is not bool):
        raise ValueError(f"expected {what}, got {value!r}")
    return value


def _num(value: Any) -> float:
    return _finite(_expect(value, (int, float), "a number"), "time")


def _int(value: Any) -> int:
    return _expect(value, int, "an integer")


def _str(value: Any) -> str:
    return _expect(value, str, "a string")


def _bool(value: Any) -> bool:
    return _expect(value, bool, "a boolean")


def _opt_num(value: Any) -> float | None:
    return None if value is None else _num(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _dec(value: Any) -> Decimal:
    try:
        out = Decimal(_str(value))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not out.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return out


def _opt_amount(value: Any) -> str | None:
    return None if value is None else str(_dec(value))


def _command_in(item: Any) -> LoggedCommand:
    line, name, amount, cur, days, date, user, *link = item
    if name not in LEDGER_COMMANDS or len(link) > 1:
        raise ValueError(f"bad command {name!r}")
    return LoggedCommand(_int(line), name, None if amount is None else _dec(amount), _opt_str(cur), _opt_int(days),
                         _opt_str(date), _opt_str(user), _str(link[0]) if link else None)


def _commands_in(items: Any) -> tuple[LoggedCommand, ...]:
    return tuple(_command_in(c) for c in items)


def _action(value: Any) -> str:
    if value not in ("claim", "drop"):
        raise ValueError(f"bad claim action {value!r}")
    return value


# kind -> (record class, fewest fields the JSON form has (older forms lack the last ones), reader per field)
_READERS: dict[str, tuple[type, int, tuple[Callable[[Any], Any], ...]]] = {
    "c": (CommentRecord, 10, (str, _num, _int, _int, _str, _bool, _bool, _num, _str, _commands_in, _rule)),
    "l": (LabelRecord, 6, (str, _num, _int, _str, _bool, _str, _opt_amount, _rule)),
    "s": (StateRecord, 5, (str, _num, _int, _str, _str)),
    "p": (ClaimRecord, 5, (str, _num, _int, _int, _str, _opt_str)),
    "k": (IntentRecord, 7, (str, _num, _int, _int, _str, _action, _opt_str)),
}


def _rec_in(item: Any) -> Record:
    """A record from its JSON form; ``ValueError`` on anything else."""
    if not isinstance(item, list) or not item or not isinstance(item[0], str) or item[0] not in _READERS:
        raise ValueError("bad log record")
    cls, fewest, readers = _READERS[item[0]]
    if not fewest <= len(item) <= len(readers):
        raise ValueError("bad log record")
    values = [read(value) for read, value in zip(readers, item, strict=False)]
    return cls(*values, *[None] * (len(readers) - len(values)))


def log_to_json(log: Iterable[Record]) -> list[list]:
    """Records in their JSON form (as a snapshot's ``log`` holds them)."""
    return [_rec_out(r) for r in log]


def log_from_json(items: Any) -> tuple[Record, ...]:
    """Records from their JSON form; ``ValueError`` on anything else."""
    if not isinstance(items, list):
        raise ValueError("a log is a JSON list")
    try:
        return tuple(_rec_in(r) for r in items)
    except ValueError:
        raise
    except Exception as exc:  # malformed data of any shape
        raise ValueError(f"not a campaign log ({type(exc).__name__}: {exc})") from None
