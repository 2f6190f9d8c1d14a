"""The command parser: finds fundbot commands (SPEC section 3) in an issue-comment body.

Pure, total and deterministic: :func:`parse_commands` and :func:`parse_amount` never raise on any
string, do no I/O and never read the clock ("today" is passed in). Amounts are ``decimal.Decimal``,
never float. Range checks and the campaign currency are checked separately by :func:`check_amount`,
so the parser needs no configuration.

What is a command
-----------------
A line whose first non-blank text is ``/name`` (``name`` case-insensitive) followed by whitespace or the
end of the line, on a line GitHub renders as plain text: not in code, a quote (lazy continuation lines
included), an HTML comment or a raw HTML block that hides its text. Which lines those are is decided by
CommonMark's block structure as GitHub renders it (markdown-it-py; :mod:`bot.core.command_lines` says
exactly what counts). Lines are split on ``\\r\\n``, ``\\r`` or ``\\n`` (see :func:`split_lines`); line numbers
are 1-based in that split. A leading BOM is ignored. An HTML comment on a command line is cut from its
arguments; lines whose first text is anything else (inline code, list markers, ATX headings, HTML) are
never commands.

Decisions where the brief was open
----------------------------------
* Unknown ``/words`` (``/s``, ``/usr/bin``, ``/me``) give nothing. A *near miss* gives an :class:`Invalid`
  with a did-you-mean: the word has 4-12 letters and is within optimal-string-alignment distance 2 of
  one of the longer names, or one added/dropped/swapped letter away from ``fund``/``offer``/``claim``
  (``/fudn`` yes, ``/find`` and ``/order`` no), or is a listed plural such as ``bounties``; the closest
  name is unique; AND the rest of the line fits that command (an amount for ``/pledge``,
  ``/offer``, ``/bounty``, or a bounty sub-command; nothing for ``/fund``, ``/unpledge``, ``/campaign``;
  nothing/``#N``/URL for ``/claim``; ``refresh`` / ``help`` for ``/sponsors`` / ``/fundbot``).
* A known name glued to a digit or currency sign (``/pledge5``, ``/pledge$5``) is Invalid ("put a space");
  glued to anything else (``/fund!``, ``/fund/x``) it is nothing.
* ``/sponsors`` and ``/fundbot`` without (or with a wrong) sub-command are Invalid with the right form,
  since the line clearly addresses the bot.
* Trailing words are ignored - ``/pledge 50 because I love it`` pledges 50 - unless they look like part of
  an amount or a second amount (a digit, ``$``, ``k``, a currency code or crypto ticker, an all-caps
  three-letter word): ``/pledge 5 0``, ``/pledge 50 BTC``, ``/bounty 500 30 days`` are Invalid, since
  guessing there could record the wrong sum. Trailing sentence punctuation on the last token
  (``/pledge $50.``) is dropped. ``/bounty AMOUNT in ...``/``by ...`` must be a valid deadline.
* Argument-less commands (``/fund``, ``/unpledge``, ``/campaign``, ``/bounty cancel``,
  ``/sponsors refresh``, ``/fundbot help``) ignore trailing words, except that an amount after
  ``/fund``, ``/unpledge`` or ``/campaign`` is Invalid with a pointer to ``/pledge`` / ``/bounty``.
* Currency: ``$``->USD, ``€``->EUR, ``£``->GBP, the words dollar(s)/buck(s)/euro(s)/pound(s), and ISO 4217
  active codes (not metals/test codes) in any case - except that lower-case codes that are everyday
  English words (``all``, ``top``, ``try``, ...) are not taken as currencies. A symbol and a code may be
  combined if they agree (``$500 USD``). ``Amount.currency`` is None when none was written.
* Amounts: ASCII digits only; ``k``/``K`` multiplies by 1000 (so ``2.555k`` = 2555.00 is fine, while
  ``1.250`` is refused - it may be a European 1,250 - though its value has two decimals); at most
  12 digits before the decimal point (leading zeros aside) and a value below 10**12 after ``k``; at most
  2 decimals after expanding ``k``; leading zeros are accepted; ``50.`` (a bare point) is not; an
  AMOUNT text longer than 40 characters is rejected before any parsing.
* Deadlines: ``in N day(s)|week(s)`` (1..3650 days in total) and ``by YYYY-MM-DD`` (a real date, after
  ``today`` and at most 3650 days ahead; when ``today`` is None only the calendar check applies).
  ``Deadline`` holds either ``days`` or ``date`` as written; :meth:`Deadline.resolve` turns it into a date.
* ``/bounty extend``: ``N days``/``N weeks`` or ``by N days`` (``days`` = how far to move it) or
  ``by|to|until YYYY-MM-DD`` or a bare date (``date`` = the new deadline).
* ``/bounty accept`` needs an ``@mention`` (bare login -> Invalid with the right form); a second mention
  is Invalid (accept one offer at a time); ``[bot]`` accounts are not valid logins here.
* ``/claim`` takes nothing, ``#12``, ``owner/repo#12`` or an issue URL (``https://HOST/owner/repo/issues/12``,
  ``Command.repo`` is then ``owner/repo``); a bare ``12`` is Invalid ("write #12").
* Addressed forms (for living beside other bounty bots, whose ``/bounty`` and ``/claim`` are the same
  words): ``/fundbot COMMAND ...`` and ``@HANDLE COMMAND ...`` (``HANDLE`` is the App's slug, optionally
  with ``[bot]``) mean ``/COMMAND ...``; ``@HANDLE help`` is ``/fundbot help``. A mention of anyone else,
  or ``@HANDLE`` followed by words that are no command (``@fundbot thanks!``), is nothing. With
  ``bare=False`` only the addressed forms (and ``/fundbot help``) count. An Invalid's cues use the form
  the author wrote (``@fundbot pledge 25``).
* Limits: only the first :data:`MAX_BODY` characters are read; at most :data:`MAX_COMMANDS` results
  (commands and Invalids together) are returned per comment - further commands are ignored; a command
  line longer than :data:`MAX_LINE` characters is an Invalid ("too long"), an unknown one is nothing.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass

from bot.core import command_claims, command_pay, command_rewards, names
from bot.core.amounts import (
    _CHECKING,
    _ISO4217,  # noqa: F401 - re-exported: bot.core.config reads the currency table from here
    _SYMBOLS,
    MAX_DIGITS,  # noqa: F401 - re-exported
    Amount,
    AmountError,
    _currency_code,
    _currency_of_token,
    _show,
    check_amount,
    parse_amount,
)
from bot.core.command_lines import candidates, split_lines
from bot.core.command_words import (
    _SUBCOMMANDS,
    _TOP,
    _amountish,
    _closest,
    _depunct,
    _junk_after_amount,
    _near_miss,
    _starts_with_amount,
    _take_amount,
)

__all__ = [
    "MAX_BODY",
    "MAX_COMMANDS",
    "MAX_DAYS",
    "MAX_LINE",
    "NAMES",
    "Amount",
    "AmountError",
    "Command",
    "Deadline",
    "Invalid",
    "check_amount",
    "parse_amount",
    "parse_commands",
    "split_lines",
]

MAX_COMMANDS = 20
MAX_LINE = 1000
MAX_BODY = 1_048_576
MAX_DAYS = 3650

#: Canonical command names, as they appear in :attr:`Command.name`.
NAMES = (
    "fund",
    "bounty",
    "bounty cancel",
    "bounty extend",
    "bounty accept",
    "bounty received",
    "bounty deliver",
    "bounty split",
    "pledge",
    "unpledge",
    "offer",
    "paid",
    "claim",
    "campaign",
    "sponsors refresh",
    "fundbot help",
    "bounty reward done",
)

# --------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Deadline:
    days: int | None = None  # "in N days" / "extend N days"
    date: datetime.date | None = None  # "by YYYY-MM-DD"

    def resolve(self, start: datetime.date) -> datetime.date | None:
        """The deadline as a date, counting ``days`` from ``start`` (None if out of range)."""
        if self.date is not None:
            return self.date
        if self.days is None:
            return None
        try:
            return start + datetime.timedelta(days=self.days)
        except OverflowError:
            return None


@dataclass(frozen=True)
class Command:
    name: str  # one of NAMES
    line: int  # 1-based line in the comment
    raw: str  # the command line as written (stripped, at most MAX_LINE characters)
    amount: Amount | None = None
    deadline: Deadline | None = None
    user: str | None = None  # for "bounty accept"
    link: str | None = None  # for "offer AMOUNT LINK": the offerer's payment link (bot.core.command_pay)
    users: tuple[str, ...] = ()  # for "bounty received @a @b", "bounty split @a 60 @b 40"
    shares: tuple[int, ...] = ()  # for "bounty split": each user's share in percent
    issue: int | None = None  # for "/claim #12"
    repo: str | None = None  # for "/claim owner/repo#12" or an issue URL


@dataclass(frozen=True)
class Invalid:
    name: str | None  # the command it looks like, if any
    line: int
    raw: str
    reason: str  # what was wrong AND what would have worked (user text and examples quoted “like this”)
    suggestion: str | None = None  # a corrected command line; always itself a valid command


# ---------------------------------------------------------------------------------- logins, issues

_ISSUE_URL_RE = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?/([A-Za-z0-9-]{1,39})/([A-Za-z0-9._-]{1,100})/issues/([0-9]{1,10})"
    r"(?:[/?#][^\s]*)?"
)
_REPO_REF_RE = re.compile(r"(?:([A-Za-z0-9-]{1,39})/([A-Za-z0-9._-]{1,100}))?#([0-9]{1,10})")
_MAX_ISSUE = 2**31 - 1


# ---------------------------------------------------------------------------------------- commands

# Where a reason offers something to type: “...” right after one of these words.
_CUE_RE = re.compile(r"(?:e\.g\.|write|did you mean|such as|or) “([^“”]*)”")
# A valid example of each command, for suggestions when the user's own words cannot be mended.
_CANONICAL = {"fund": "/fund", "pledge": "/pledge 25", "offer": "/offer 250", "unpledge": "/unpledge",
              "campaign": "/campaign", "claim": "/claim", "bounty": "/bounty 500", "bounty cancel": "/bounty cancel",
              "bounty extend": "/bounty extend 14 days", "bounty accept": "/bounty accept @user",
              "bounty received": "/bounty received @user", "paid": "/paid",
              "bounty reward": "/bounty reward done @user", "bounty reward done": "/bounty reward done @user",
              "bounty deliver": "/bounty deliver", "bounty split": "/bounty split @alice 60 @bob 40",
              "sponsors": "/sponsors refresh", "sponsors refresh": "/sponsors refresh", "fundbot": "/fundbot help",
              "fundbot help": "/fundbot help"}
_NAME_RE = re.compile(r"/([A-Za-z]+)")
_INT_RE = re.compile(r"[0-9]{1,6}")
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DAY_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7}


class _Line:
    """One command line being parsed: builds the results."""

    __slots__ = ("lineno", "raw", "today")

    def __init__(self, lineno: int, raw: str, today: datetime.date | None) -> None:
        self.lineno, self.raw, self.today = lineno, raw[:MAX_LINE], today

    def ok(self, name: str, **fields) -> Command:
        return Command(name=name, line=self.lineno, raw=self.raw, **fields)

    def bad(self, name: str | None, reason: str, suggestion: str | None = None) -> Invalid:
        """An Invalid; its ``suggestion`` is ``suggestion`` or else the first example the reason offers
        (“/cmd ...”, or an amount for an amount command), kept only if it is itself a valid command."""
        if suggestion is None and not _CHECKING.get():
            m = _CUE_RE.search(reason)
            if m and m.group(1).startswith("/"):
                suggestion = m.group(1)
            elif m and name in ("pledge", "offer", "bounty"):
                suggestion = f"/{name} {m.group(1)}"
        return Invalid(name=name, line=self.lineno, raw=self.raw, reason=reason,
                       suggestion=self.fix(suggestion) if suggestion else None)

    def fix(self, *candidates: str) -> str | None:
        """The first candidate that is itself a valid command (parsed with the same ``today``), or None."""
        if _CHECKING.get():
            return None
        token = _CHECKING.set(True)
        try:
            for candidate in candidates:
                got = parse_commands(candidate, today=self.today)
                if len(got) == 1 and isinstance(got[0], Command) and split_lines(candidate)[0] == candidate:
                    return candidate
        finally:
            _CHECKING.reset(token)
        return None

    def suggest(self, name: str | None, why: str, *candidates: str) -> Invalid:
        """An Invalid whose reason ends with the first candidate that works (or the canonical example of
        ``name``): "did you mean “X”?" for the first candidate, "write e.g. “Y”" for a fallback."""
        fixed = self.fix(*candidates, *(_CANONICAL.get(name or "", ()),))
        if fixed is None:
            return self.bad(name, f"{why}.")
        cue = "did you mean" if candidates and fixed == candidates[0] else "write e.g."
        return Invalid(name=name, line=self.lineno, raw=self.raw, reason=f"{why}: {cue} {_show(fixed, 60)}"
                       + ("?" if cue == "did you mean" else "."), suggestion=fixed)

    def example_date(self) -> str:
        if self.today is None:
            return "2030-12-31"
        try:
            return (self.today + datetime.timedelta(days=30)).isoformat()
        except OverflowError:
            return "2030-12-31"


def _deadline_problem(ln: _Line, shown: str) -> str:
    return (f"{shown} is not a deadline: write e.g. “/bounty 500 in 30 days”, “/bounty 500 in 2 weeks” or "
            f"{_show('/bounty 500 by ' + ln.example_date())}.")


def _check_days(ln: _Line, n: int, shown: str) -> str | None:
    if n < 1:
        return f"{shown}: the deadline must be at least one day away, e.g. “/bounty 500 in 30 days”."
    if n > MAX_DAYS:
        return f"{shown} is too far away: at most {MAX_DAYS} days (about ten years)."
    return None


def _take_date(ln: _Line, tok: str, shown: str) -> tuple[datetime.date | None, str | None]:
    m = _DATE_RE.fullmatch(tok)
    if m is None:
        return None, _deadline_problem(ln, shown)
    try:
        when = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None, (f"{_show(tok)} is not a real date: write a date as YYYY-MM-DD, e.g. "
                      f"{_show('/bounty 500 by ' + ln.example_date())}.")
    if ln.today is not None:
        if when <= ln.today:
            return None, f"{_show(tok)} is not in the future: pick a date after {ln.today.isoformat()}."
        if (when - ln.today).days > MAX_DAYS:
            return None, f"{_show(tok)} is too far away: at most {MAX_DAYS} days (about ten years) ahead."
    return when, None


def _take_deadline(ln: _Line, toks: list[str]) -> tuple[Deadline | None, int, str | None]:
    """``in N days|weeks`` or ``by YYYY-MM-DD`` at the start of ``toks``."""
    kw = toks[0].lower()
    if kw == "by":
        shown = _show(" ".join(toks[:2]))
        if len(toks) < 2:
            return None, 1, _deadline_problem(ln, shown)
        when, err = _take_date(ln, _depunct(toks[1]), shown)
        return (Deadline(date=when), 2, None) if err is None else (None, 2, err)
    shown = _show(" ".join(toks[:3]))
    if len(toks) < 3 or not _INT_RE.fullmatch(toks[1]) or _depunct(toks[2]).lower() not in _DAY_UNITS:
        return None, 1, _deadline_problem(ln, shown)
    days = int(toks[1]) * _DAY_UNITS[_depunct(toks[2]).lower()]
    err = _check_days(ln, days, shown)
    return (Deadline(days=days), 3, None) if err is None else (None, 3, err)


def _amount_command(ln: _Line, name: str, toks: list[str]) -> Command | Invalid:
    if not toks:
        return ln.bad(name, f"/{name} needs an amount: write e.g. “/{name} 25” (or $25, 25 USD, 2.5k).",
                      f"/{name} 25")
    amount, used = _take_amount(toks)
    if isinstance(amount, AmountError):
        if not any(c.isdigit() for c in toks[0]) and _currency_of_token(toks[0]) is None:
            if name == "bounty":
                return ln.bad(name, f"{_show(toks[0])} is not an amount: write e.g. “/bounty 500”, "
                                    "“/bounty 500 in 30 days”, “/bounty cancel”, “/bounty extend 14 days” or "
                                    "“/bounty accept @user”.", "/bounty 500")
            return ln.bad(name, f"{_show(toks[0])} is not an amount: write e.g. “/{name} 25” (or $25, 25 USD, "
                                "2.5k).", f"/{name} 25")
        return ln.bad(name, amount.reason)
    rest = toks[used:]
    deadline = None
    if name == "bounty" and rest and rest[0].lower() in ("in", "by"):
        deadline, used, err = _take_deadline(ln, rest)
        if err is not None:
            return ln.bad(name, err)
        rest = rest[used:]
    problem = _junk_after_amount(rest, name)
    if problem is not None:
        return ln.bad(name, problem)
    return ln.ok(name, amount=amount, deadline=deadline)


def _bounty(ln: _Line, toks: list[str]) -> Command | Invalid:
    first = _depunct(toks[0]).lower() if toks else ""
    if first == "cancel":
        return ln.ok("bounty cancel")
    if first == "extend":
        return _extend(ln, toks[1:])
    if first == "accept":
        return _accept(ln, toks[1:])
    if first == "received":
        return command_pay.received(ln, toks[1:])
    if first in ("deliver", "split"):
        return (command_claims.deliver if first == "deliver" else command_claims.split)(ln, toks[1:])
    if first in ("reward", "rewards"):
        return command_rewards.reward_done(ln, toks[1:])
    if first and not _amountish(first) and _currency_code(first) is None:
        sub = _closest(first, _SUBCOMMANDS)
        if sub is not None:
            return ln.suggest(f"bounty {sub}", f"{_show(toks[0])} is not a /bounty sub-command",
                              " ".join(["/bounty", sub, *toks[1:4]]), f"/bounty {sub}")
    return _amount_command(ln, "bounty", toks)


def _extend(ln: _Line, toks: list[str]) -> Command | Invalid:
    name = "bounty extend"
    usage = f"write e.g. “/bounty extend 14 days” or {_show('/bounty extend to ' + ln.example_date(), 60)}."
    if not toks:
        return ln.bad(name, f"/bounty extend needs a duration or a date: {usage}")
    shown = _show(" ".join(toks[:3]))
    if toks[0].lower() in ("by", "to", "until"):
        toks = toks[1:]
        if not toks:
            return ln.bad(name, f"{shown} is not a duration or a date: {usage}")
    t0 = _depunct(toks[0])
    if _DATE_RE.fullmatch(t0):
        when, err = _take_date(ln, t0, shown)
        return ln.bad(name, err) if err else ln.ok(name, deadline=Deadline(date=when))
    if len(toks) >= 2 and _INT_RE.fullmatch(toks[0]) and _depunct(toks[1]).lower() in _DAY_UNITS:
        days = int(toks[0]) * _DAY_UNITS[_depunct(toks[1]).lower()]
        err = _check_days(ln, days, shown)
        return ln.bad(name, err) if err else ln.ok(name, deadline=Deadline(days=days))
    return ln.bad(name, f"{shown} is not a duration or a date: {usage}")


def _accept(ln: _Line, toks: list[str]) -> Command | Invalid:
    name = "bounty accept"
    if not toks:
        return ln.bad(name, "/bounty accept needs the user whose offer you accept: write e.g. "
                            "“/bounty accept @user”.")
    tok = _depunct(toks[0])
    if not tok.startswith("@"):
        if names.is_login(tok):
            return ln.suggest(name, "mention the user", f"/bounty accept @{tok}")
        return ln.bad(name, f"{_show(tok)} is not a user: write e.g. “/bounty accept @user”.")
    login = tok[1:]
    if not names.is_login(login):
        return ln.bad(name, f"{_show(tok)} is not a GitHub user name (1-39 letters, digits or single "
                            "hyphens, not at the start or end): write e.g. “/bounty accept @user”.")
    if len(toks) > 1 and toks[1].startswith("@"):
        return ln.bad(name, "accept one offer at a time: write “/bounty accept @user” once per user.")
    return ln.ok(name, user=login)


def _claim(ln: _Line, toks: list[str]) -> Command | Invalid:
    if not toks:
        return ln.ok("claim")
    tok = _depunct(toks[0])
    m = _ISSUE_URL_RE.fullmatch(tok)
    if m:
        number = int(m.group(3))
        repo = f"{m.group(1)}/{m.group(2)}"
    else:
        m = _REPO_REF_RE.fullmatch(tok)
        if m is None:
            if tok[:1].isdigit() and tok.isdigit():
                return ln.suggest("claim", "an issue is named with #", f"/claim #{tok[:10]}",
                                  "/claim #12")
            if tok.startswith(("#", "http://", "https://")):
                return ln.bad("claim", f"{_show(tok)} is not an issue: write “/claim”, “/claim #12” or /claim "
                                       "with the issue's URL.")
            return ln.ok("claim")  # trailing words
        number = int(m.group(3))
        repo = f"{m.group(1)}/{m.group(2)}" if m.group(1) else None
    if not 1 <= number <= _MAX_ISSUE:
        return ln.bad("claim", f"{_show('#' + str(number))} is not an issue number: write e.g. “/claim #12”.")
    return ln.ok("claim", issue=number, repo=repo)


def _no_args(ln: _Line, name: str, toks: list[str]) -> Command | Invalid:
    if toks and _starts_with_amount(toks):
        if name == "unpledge":
            return ln.bad(name, "/unpledge withdraws your whole pledge and takes no amount: write “/unpledge”, "
                                "or /pledge with the new amount to change it.", "/unpledge")
        other = "pledge" if name == "fund" else "bounty"
        amount = " ".join(toks[:2]) if len(toks) > 1 and _currency_of_token(_depunct(toks[1])) else toks[0]
        return ln.suggest(name, f"/{name} takes no amount", f"/{other} {_depunct(amount)[:30]}", _CANONICAL[other])
    return ln.ok(name)


def _sub_only(ln: _Line, word: str, sub: str, toks: list[str]) -> Command | Invalid:
    name = f"{word} {sub}"
    first = _depunct(toks[0]).lower() if toks else ""
    if first == sub:
        return ln.ok(name)
    if toks:
        return ln.bad(name, f"{_show(toks[0])} is not a /{word} sub-command: write “/{name}”.", f"/{name}")
    return ln.bad(name, f"write “/{name}”.", f"/{name}")


def _dispatch(ln: _Line, word: str, toks: list[str]) -> Command | Invalid:
    if word in ("pledge", "offer"):
        got = _amount_command(ln, word, toks)
        return command_pay.offer_link(ln, got, toks) if word == "offer" and isinstance(got, Command) else got
    if word == "paid":
        return ln.ok("paid")  # trailing words ("/paid via PayPal") are ignored
    if word == "bounty":
        return _bounty(ln, toks)
    if word == "claim":
        return _claim(ln, toks)
    if word == "sponsors":
        return _sub_only(ln, "sponsors", "refresh", toks)
    if word == "fundbot":
        return _sub_only(ln, "fundbot", "help", toks)
    return _no_args(ln, word, toks)  # fund, unpledge, campaign


def _parse_line(lineno: int, stripped: str, visible: str, today: datetime.date | None) -> Command | Invalid | None:
    """The result for one candidate line (stripped text starting with "/"), or None."""
    m = _NAME_RE.match(visible, 0, 40)
    if m is None:
        return None
    word = m.group(1).lower()
    after = visible[m.end() : m.end() + 1]
    ln = _Line(lineno, stripped, today)
    known = word in _TOP
    if after and not after.isspace():
        if known and (after.isdigit() or after in _SYMBOLS):
            return ln.suggest(word, f"put a space after /{word}", f"/{word} {visible[m.end():].split()[0][:20]}")
        return None
    if len(stripped) > MAX_LINE or len(visible) > MAX_LINE:
        if known:
            return ln.bad(word, f"the command line is too long ({len(stripped):,} characters): keep a command on "
                          f"one line of at most {MAX_LINE:,} characters.")
        return None
    toks = visible[m.end() :].split(None, 8)
    if known:
        return _dispatch(ln, word, toks)
    name = _near_miss(word, toks)
    if name is None:
        return None
    canonical = {"sponsors": "sponsors refresh", "fundbot": "fundbot help"}.get(name, name)
    return ln.suggest(canonical, f"{_show('/' + m.group(1))} is not a fundbot command",
                      f"/{name}" + (" " + " ".join(toks[:4])[:40] if toks else ""))


_MENTION_RE = re.compile(r"@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?:\[bot\])?(?=[ \t]|$)")
_ADDRESS_RE = re.compile(r"/fundbot[ \t]+([A-Za-z]+)(?=[ \t]|$)", re.IGNORECASE)


def _addressed(visible: str, handle: str) -> tuple[str, str] | None:
    """A line that addresses fundbot by name - ``/fundbot pledge 50`` or ``@HANDLE pledge 50`` (``HANDLE``
    is the App's slug) - as (the bare command it stands for, the prefix the author used); None otherwise.
    ``/fundbot help`` and ``@HANDLE help`` stand for ``/fundbot help``."""
    if visible.startswith("@"):
        m = _MENTION_RE.match(visible)
        if m is None or m.group(1).lower() != handle.lower():
            return None
        rest, prefix = visible[m.end():].strip(), f"@{m.group(1)} "
    else:
        m = _ADDRESS_RE.match(visible)
        if m is None or m.group(1).lower() in ("help", "fundbot"):
            return None
        rest, prefix = visible[len("/fundbot"):].strip(), "/fundbot "
    if not rest:
        return None
    word = rest.split(None, 1)[0]
    return ("/fundbot help" if word.lower() == "help" else "/" + rest), prefix


def _readdressed(result: Command | Invalid, prefix: str) -> Command | Invalid:
    """An Invalid's cues in the form the author used (``/fundbot pledge 50`` rather than ``/pledge 50``)."""
    if not isinstance(result, Invalid) or prefix == "/":
        return result

    def swap(text: str) -> str:
        return re.sub(r"“/(?!fundbot help)", "“" + prefix, text)

    suggestion = result.suggestion
    if suggestion and suggestion.startswith("/") and not suggestion.startswith("/fundbot help"):
        suggestion = prefix + suggestion[1:]
    return dataclasses.replace(result, reason=swap(result.reason), suggestion=suggestion)


def parse_commands(body: str | None, *, today: datetime.date | None = None, bare: bool = True,
                   handle: str = "fundbot") -> list[Command | Invalid]:
    """All fundbot commands in a comment body, in order, each with its 1-based line number.

    Returns :class:`Command` for well-formed commands and :class:`Invalid` for lines that address
    fundbot but are malformed (the reason says what was wrong and what would have worked). Lines in code,
    quotes and HTML comments are skipped, unknown ``/words`` give nothing (see the module docstring).
    At most :data:`MAX_COMMANDS` results are returned; commands after that are ignored. Only the first
    :data:`MAX_BODY` characters are read. ``today`` is used to check ``by YYYY-MM-DD`` deadlines (after
    today, at most :data:`MAX_DAYS` ahead); without it only the calendar is checked. ``bare`` and
    ``handle`` (the App's slug) decide which lines address fundbot (see the module docstring). Never raises.
    """
    if not isinstance(body, str) or not body:
        return []
    if isinstance(today, datetime.datetime):
        today = today.date()
    elif not isinstance(today, datetime.date):
        today = None
    text = body[:MAX_BODY]
    if text.startswith("\ufeff"):
        text = text[1:]
    results: list[Command | Invalid] = []
    try:
        for lineno, stripped, visible in candidates(split_lines(text)):
            addressed, original = _addressed(visible, handle), visible
            prefix = "/"
            if addressed is not None:
                visible, prefix = addressed
            elif visible.startswith("@"):
                continue  # a line mentioning someone else
            elif not bare and _NAME_RE.match(visible, 0, 40) and _NAME_RE.match(visible, 0, 40).group(1).lower() != "fundbot":
                continue  # bare commands are off: /bounty and /claim may be another bot's
            try:
                result = _parse_line(lineno, stripped, visible, today)
                if result is None and prefix == "/fundbot ":
                    result = _parse_line(lineno, stripped, original, today)  # "/fundbot halp": its own cue
                elif result is not None:
                    result = _readdressed(result, prefix)
            except Exception as exc:  # pragma: no cover - defensive: one bad line must not lose the rest
                reason = f"could not read this command ({type(exc).__name__})."
                result = Invalid(None, lineno, stripped[:MAX_LINE], reason)
            if result is not None:
                results.append(result)
                if len(results) >= MAX_COMMANDS:
                    break
    except Exception:  # pragma: no cover - defensive: the parser must stay total
        pass
    return results


