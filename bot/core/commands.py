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
* Limits: only the first :data:`MAX_BODY` characters are read; at most :data:`MAX_COMMANDS` results
  (commands and Invalids together) are returned per comment - further commands are ignored; a command
  line longer than :data:`MAX_LINE` characters is an Invalid ("too long"), an unknown one is nothing.
"""

from __future__ import annotations

import contextvars
import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.core.command_lines import candidates, split_lines

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
    "is_command_line",
    "is_valid_login",
    "parse_amount",
    "parse_commands",
    "split_lines",
]

MAX_COMMANDS = 20
MAX_LINE = 1000
MAX_BODY = 1_048_576
MAX_DAYS = 3650
MAX_DIGITS = 12
_MAX_AMOUNT_TEXT = 40
_CENT = Decimal("0.01")
_LIMIT = Decimal(10) ** MAX_DIGITS

#: Canonical command names, as they appear in :attr:`Command.name`.
NAMES = (
    "fund",
    "bounty",
    "bounty cancel",
    "bounty extend",
    "bounty accept",
    "pledge",
    "unpledge",
    "offer",
    "claim",
    "campaign",
    "sponsors refresh",
    "fundbot help",
)

# --------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Amount:
    value: Decimal  # positive, exactly 2 decimal places
    currency: str | None = None  # ISO 4217 code, None when not written

    def __str__(self) -> str:
        return f"{self.value:,.2f}" + (f" {self.currency}" if self.currency else "")


@dataclass(frozen=True)
class AmountError:
    text: str  # the text that was given (stripped)
    reason: str  # what was wrong and what would have worked


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
    issue: int | None = None  # for "/claim #12"
    repo: str | None = None  # for "/claim owner/repo#12" or an issue URL


@dataclass(frozen=True)
class Invalid:
    name: str | None  # the command it looks like, if any
    line: int
    raw: str
    reason: str  # what was wrong AND what would have worked (user text and examples quoted “like this”)
    suggestion: str | None = None  # a corrected command line; always itself a valid command


# ---------------------------------------------------------------------------------------- currency

_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}
_OTHER_SYMBOLS = "¥₹₽₩₺₪₫₱₦₴₸฿¢₿"
_CURRENCY_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "buck": "USD",
    "bucks": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
}
_CRYPTO = {"btc", "xbt", "eth", "sat", "sats", "usdt", "usdc", "ltc", "doge", "xmr", "sol", "bnb", "dai"}
# Active ISO 4217 codes (2024/25), without precious metals, funds-of-account and test codes.
_ISO4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
    MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB
    RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD
    TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    ZWL
    """.split()
)
# Lower-case codes that are everyday words: "/pledge 50 all in" is not Albanian lek.
_ENGLISH_CODES = frozenset(
    "all bam bob cop cup gel mad mop pen sos top try php ron nad ern mur lak kes".split()
)


def _currency_code(tok: str) -> str | None:
    """The ISO code for a three-letter token, or None."""
    if len(tok) != 3 or not tok.isascii() or not tok.isalpha():
        return None
    up = tok.upper()
    if up not in _ISO4217:
        return None
    if tok != up and tok.lower() in _ENGLISH_CODES:
        return None
    return up


def _currency_of_token(tok: str) -> str | None:
    """A currency written as a separate token: symbol, ISO code or currency word."""
    if tok in _SYMBOLS:
        return _SYMBOLS[tok]
    return _currency_code(tok) or _CURRENCY_WORDS.get(tok.lower())


# ------------------------------------------------------------------------------------------ amounts

_NUM_RE = re.compile(r"([0-9][0-9,]*)(?:\.([0-9]*))?([kK])?")
_GROUPED_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")
_EXPONENT_RE = re.compile(r"[0-9.][eE][+-]?[0-9]")
_TRAIL_WORD_RE = re.compile(r"[A-Za-z]+$")
_LEAD_WORD_RE = re.compile(r"[A-Za-z]+")
_EXAMPLES = "such as “25”, “$25”, “25 USD”, “1,250.50” or “2.5k”"
# Set while a suggestion is being checked (by parsing it): the reasons of that parse are thrown away, so
# they need no checked examples of their own (and checking cannot recurse).
_CHECKING: contextvars.ContextVar[bool] = contextvars.ContextVar("fundbot_checking_suggestion", default=False)


def _show(s: str, limit: int = 30) -> str:
    """User text (or an example) quoted for a reason: one line, at most ``limit`` characters, between “ and ”
    (which the text itself then cannot hold, so a reply can show every quoted part as inert code)."""
    s = " ".join(s.replace("“", '"').replace("”", '"').split())
    return "“" + (s if len(s) <= limit else s[: limit - 1] + "…") + "”"


def _amount_example(candidate: str, fallback: str = "25") -> str:
    """``candidate`` quoted if it is itself a valid amount, else ``fallback`` (a suggestion must work)."""
    if not _CHECKING.get() and len(candidate) <= _MAX_AMOUNT_TEXT:
        token = _CHECKING.set(True)
        try:
            if isinstance(_parse_amount(candidate), Amount):
                return _show(candidate, _MAX_AMOUNT_TEXT)
        except Exception:  # pragma: no cover - defensive
            pass
        finally:
            _CHECKING.reset(token)
    return _show(fallback)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def parse_amount(text: str) -> Amount | AmountError:
    """Parse an AMOUNT (``500``, ``$500``, ``500 USD``, ``USD 500``, ``500usd``, ``1,250.50``, ``2k``,
    ``2.5k``, ``€50``, ``50 EUR``, ``50 dollars``). Returns the amount with 2 decimal places, or an
    :class:`AmountError` whose reason says what was wrong and what would have worked. Never raises."""
    try:
        return _parse_amount(text if isinstance(text, str) else str(text))
    except Exception as exc:  # pragma: no cover - defensive: the parser must stay total
        return AmountError(str(text)[:_MAX_AMOUNT_TEXT], f"could not read the amount ({type(exc).__name__}).")


def _err(s: str, reason: str) -> AmountError:
    return AmountError(s, reason)


def _parse_amount(text: str) -> Amount | AmountError:
    s = orig = text.strip()
    if not s:
        return _err(orig, f"no amount given: write a number {_EXAMPLES}.")
    if len(s) > _MAX_AMOUNT_TEXT:
        return _err(orig, f"{_show(s)} is too long to be an amount: write a number {_EXAMPLES}.")
    shown = _show(s)
    low = s.lower()
    if "nan" in low or "inf" in low:
        return _err(orig, f"{shown} is not a number: write an amount {_EXAMPLES}.")
    if s[0] in "-−–":
        return _err(orig, f"{shown} is negative: amounts must be positive, e.g. {_amount_example(s[1:].strip())}.")
    if s[0] == "+":
        return _err(orig, f"{shown} is not an amount: leave out the plus sign, e.g. {_amount_example(s[1:].strip())}.")

    pre = post = None
    # Currency before the number: a symbol or a code ("$500", "USD 500", "usd500").
    if s[0] in _SYMBOLS:
        pre = _SYMBOLS[s[0]]
        s = s[1:].lstrip()
    elif s[0] in _OTHER_SYMBOLS:
        return _err(orig, f"{shown}: fundbot understands $, € and £; for other currencies write the "
                       "three-letter code, e.g. “500 JPY”.")
    elif s.isascii() and s.isalpha():
        if _currency_of_token(s) or s.lower() in _CRYPTO:
            return _err(orig, f"{shown} has no number: write e.g. {_show('25 ' + (_currency_of_token(s) or 'USD'))}.")
        return _err(orig, f"{shown} is not an amount: write a number {_EXAMPLES}.")
    else:
        m = _LEAD_WORD_RE.match(s)
        if m and m.end() < len(s):
            word = m.group()
            if word.lower() in _CRYPTO:
                return _err(orig, f"{shown}: fundbot records amounts in ordinary currencies (ISO 4217 codes "
                               "such as USD or EUR), not crypto-currencies.")
            code = _currency_code(word) if len(word) == 3 else None
            if code is None:
                if len(word) == 3:
                    return _err(orig, f"{_show(word)} is not a currency code fundbot knows: use a three-letter "
                                   "ISO 4217 code such as USD, EUR or GBP, e.g. “500 USD”.")
                return _err(orig, f"{shown} is not an amount: write a number {_EXAMPLES}.")
            pre = code
            s = s[3:].lstrip()
    if s and s[0] in "-−–":
        return _err(orig, f"{shown} is negative: amounts must be positive, e.g. “25”.")
    # Currency after the number: a symbol, a code or a word ("500 USD", "500usd", "2kEUR", "50€").
    if s and s[-1] in _SYMBOLS:
        post = _SYMBOLS[s[-1]]
        s = s[:-1].rstrip()
    elif s and s[-1] in _OTHER_SYMBOLS:
        return _err(orig, f"{shown}: fundbot understands $, € and £; for other currencies write the "
                       "three-letter code, e.g. “500 JPY”.")
    else:
        m = _TRAIL_WORD_RE.search(s)
        if m and m.start() > 0:
            word, head = m.group(), s[: m.start()]
            if len(word) >= 4 and word[0] in "kK" and (head[-1:].isdigit() or head.endswith(".")):
                # "2kusd": the k belongs to the number
                if _currency_code(word[1:]) or word[1:].lower() in _CURRENCY_WORDS:
                    word, head = word[1:], head + word[0]
            wl = word.lower()
            if wl in ("k",):
                pass
            elif wl in _CRYPTO:
                return _err(orig, f"{shown}: fundbot records amounts in ordinary currencies (ISO 4217 "
                                          "codes such as USD or EUR), not crypto-currencies.")
            elif wl in _CURRENCY_WORDS:
                post = _CURRENCY_WORDS[wl]
                s = head.rstrip()
            elif len(word) == 3:
                code = _currency_code(word)
                if code is None:
                    return _err(orig, f"{_show(word)} is not a currency code fundbot knows: use a "
                                              "three-letter ISO 4217 code such as USD, EUR or GBP, e.g. "
                                              "“500 USD”.")
                post = code
                s = head.rstrip()
    if pre and post and pre != post:
        return _err(orig, f"{shown} names two currencies ({pre} and {post}): write one, e.g. {_show('500 ' + pre)}.")
    currency = pre or post

    if not s:
        return _err(orig, f"{shown} has no number: write e.g. {_show('25 ' + (currency or 'USD'))}.")
    m = _NUM_RE.fullmatch(s)
    if m is None:
        return _err(orig, _number_problem(s, shown))
    int_part, frac, k = m.group(1), m.group(2), m.group(3)
    if "," in int_part and not _GROUPED_RE.fullmatch(int_part):
        return _err(orig, _comma_problem(int_part, frac, k, shown))
    if frac == "":
        whole = int_part + (k or "")
        if _amount_example(whole, "") == _show(""):
            return _err(orig, f"{shown} ends with a decimal point: write a number {_EXAMPLES}.")
        return _err(orig, f"{shown} ends with a decimal point: write {_show(whole)} or {_show(int_part + '.00' + (k or ''))}.")
    digits = int_part.replace(",", "")
    if len(digits.lstrip("0")) > MAX_DIGITS:
        return _err(orig, f"{shown} is too large: an amount has at most {MAX_DIGITS} digits before the "
                            "decimal point.")
    try:
        value = Decimal(digits + "." + (frac or "0"))
        if k:
            value *= 1000
    except (InvalidOperation, ValueError):  # pragma: no cover - the regex admits only digits
        return _err(orig, f"{shown} is not an amount: write a number {_EXAMPLES}.")
    if value <= 0:
        return _err(orig, f"{shown} is zero: amounts must be positive, e.g. “25”.")
    if value >= _LIMIT:
        return _err(orig, f"{shown} is too large: an amount is below {_money(_LIMIT)}.")
    if value != value.quantize(_CENT) or (not k and frac is not None and len(frac) > 2):
        near = value.quantize(_CENT, rounding=ROUND_HALF_UP)
        if near <= 0:
            return _err(orig, f"{shown} has more than two decimals: the smallest amount is 0.01.")
        fix = _amount_example(f"{near:,f}", "")
        if fix == _show(""):
            return _err(orig, f"{shown} has more than two decimals: round it to cents, e.g. “25.50”.")
        if not k and frac is not None and len(frac) == 3 and "," not in int_part:
            grouped = _amount_example(f"{int(int_part + frac):,}", "")
            if grouped != _show(""):
                return _err(orig, f"{shown} has more than two decimals: write {fix}, or {grouped} if the point "
                                  "separates thousands.")
        return _err(orig, f"{shown} has more than two decimals: write {fix}.")
    return Amount(value.quantize(_CENT), currency)


def _number_problem(s: str, shown: str) -> str:
    if _EXPONENT_RE.search(s):
        return f"{shown} is not an amount: write the number in full, e.g. “1000” or “1k” instead of 1e3."
    if s.startswith("."):
        return f"{shown} is not an amount: write it with a leading zero, e.g. {_amount_example('0' + s, '0.50')}."
    if "." in s and "," in s and s.rfind(",") > s.rfind("."):
        fixed = s.replace(".", "\0").replace(",", ".").replace("\0", ",")
        return (f"{shown} is not an amount: use commas between thousands and a point for decimals, e.g. "
                f"{_amount_example(fixed, '1,250.50')}.")
    if " " in s or "_" in s or "'" in s:
        joined = s.replace(" ", "").replace("_", "").replace("'", "")
        return (f"{shown} is not an amount: write it without spaces (or with commas, as in 1,000), e.g. "
                f"{_amount_example(joined, '1,000')}.")
    if s.count(".") > 1:
        return f"{shown} is not an amount: use one decimal point, e.g. “1250.50” or “1,250.50”."
    if any(c.isdigit() and not c.isascii() for c in s):
        return f"{shown} is not an amount: write it with the digits 0-9."
    if re.search(r"[0-9][mMbB]$", s):
        return f"{shown} is not an amount: only k (thousands) is understood; write the number in full."
    return f"{shown} is not an amount: write a number {_EXAMPLES}."


def _comma_problem(int_part: str, frac: str | None, k: str | None, shown: str) -> str:
    parts = int_part.split(",")
    plain = "".join(parts)
    suffix = k or ""
    if frac is None and len(parts) == 2 and 1 <= len(parts[1]) <= 2 and parts[0]:
        written = parts[0] + "." + parts[1]
        as_decimal = _amount_example((written if k else f"{Decimal(written).quantize(_CENT)}") + suffix, "2.50")
        return (f"{shown} is not an amount: write {as_decimal} (with a decimal point) or "
                f"{_amount_example(plain + suffix, '250')} (no comma); commas only separate groups of three "
                "digits, as in 1,250.")
    return (f"{shown} is not an amount: commas must separate groups of three digits, as in 1,250; "
            f"or write {_amount_example(plain + ('.' + frac if frac else '') + suffix, '1250')} without commas.")


def check_amount(amount: Amount, *, currency: str, minimum: Decimal, maximum: Decimal) -> str | None:
    """None when ``amount`` is acceptable for a campaign in ``currency`` with these limits, else the
    reason (saying what would have worked). An amount written without a currency is in ``currency``."""
    try:
        cur = (currency or "").strip().upper()
        lo, hi = Decimal(str(minimum)), Decimal(str(maximum))
        unit = f" {cur}" if cur else ""
        if amount.currency is not None and cur and amount.currency != cur:
            return (f"this campaign is in {cur}, not {amount.currency}: write the amount in {cur}, "
                    f"e.g. {_show(_money(amount.value) + ' ' + cur, 40)}.")
        if amount.value < lo:
            return f"{_money(amount.value)}{unit} is below the minimum of {_money(lo)}{unit}."
        if amount.value > hi:
            return f"{_money(amount.value)}{unit} is above the maximum of {_money(hi)}{unit}."
        return None
    except Exception as exc:  # pragma: no cover - defensive
        return f"the amount could not be checked ({type(exc).__name__})."


# ---------------------------------------------------------------------------------- logins, issues

_LOGIN_RE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_ISSUE_URL_RE = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?/([A-Za-z0-9-]{1,39})/([A-Za-z0-9._-]{1,100})/issues/([0-9]{1,10})"
    r"(?:[/?#][^\s]*)?"
)
_REPO_REF_RE = re.compile(r"(?:([A-Za-z0-9-]{1,39})/([A-Za-z0-9._-]{1,100}))?#([0-9]{1,10})")
_MAX_ISSUE = 2**31 - 1


def is_valid_login(login: str) -> bool:
    """GitHub login rules: 1-39 characters, ASCII letters/digits and single inner hyphens."""
    return isinstance(login, str) and 1 <= len(login) <= 39 and _LOGIN_RE.fullmatch(login) is not None


# ------------------------------------------------------------------------------------------- lines

# ---------------------------------------------------------------------------------------- commands

# Where a reason offers something to type: “...” right after one of these words.
_CUE_RE = re.compile(r"(?:e\.g\.|write|did you mean|such as|or) “([^“”]*)”")
# A valid example of each command, for suggestions when the user's own words cannot be mended.
_CANONICAL = {"fund": "/fund", "pledge": "/pledge 25", "offer": "/offer 250", "unpledge": "/unpledge",
              "campaign": "/campaign", "claim": "/claim", "bounty": "/bounty 500", "bounty cancel": "/bounty cancel",
              "bounty extend": "/bounty extend 14 days", "bounty accept": "/bounty accept @user",
              "sponsors": "/sponsors refresh", "sponsors refresh": "/sponsors refresh", "fundbot": "/fundbot help",
              "fundbot help": "/fundbot help"}
_TOP = ("fund", "bounty", "pledge", "unpledge", "offer", "claim", "campaign", "sponsors", "fundbot")
_ALIASES = {
    "bounties": "bounty",
    "pledges": "pledge",
    "pledged": "pledge",
    "unpledges": "unpledge",
    "offers": "offer",
    "claims": "claim",
    "campaigns": "campaign",
    "sponsor": "sponsors",
    "funds": "fund",
}
_SUBCOMMANDS = ("cancel", "extend", "accept")
_NAME_RE = re.compile(r"/([A-Za-z]+)")
_INT_RE = re.compile(r"[0-9]{1,6}")
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_PUNCT = ".!?;:,)"
_DAY_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7}


def _depunct(tok: str) -> str:
    """``tok`` without one trailing sentence punctuation mark ("50." -> "50")."""
    return tok[:-1] if len(tok) > 1 and tok[-1] in _PUNCT else tok


def _osa(a: str, b: str) -> int:
    """Optimal-string-alignment edit distance (insert, delete, substitute, swap neighbours)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        prev2, prev = prev, cur
    return prev[-1]


def _closest(word: str, names: tuple[str, ...]) -> str | None:
    """The unique name within distance 1 (names of up to 5 letters) or 2 (longer) of ``word``."""
    if not (4 <= len(word) <= 12) or not word.isalpha():
        return None
    best: list[tuple[int, str]] = []
    for name in names:
        d = _osa(word, name)
        if len(name) <= 5:
            # Short names: one letter added, dropped or swapped ("/fudn"), not replaced ("/find", "/order").
            if d != 1 or (len(word) == len(name) and sorted(word) != sorted(name)):
                continue
        elif not 0 < d <= 2:
            continue
        best.append((d, name))
    if not best:
        return None
    best.sort()
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return best[0][1]


def _amountish(tok: str) -> bool:
    """Could this token be (the start of) an amount?"""
    t = _depunct(tok)
    if not t:
        return False
    if t[0].isdigit() or t[0] in _SYMBOLS or t[0] in _OTHER_SYMBOLS:
        return True
    return t[0] in "-+−.," and len(t) > 1 and (t[1].isdigit() or t[1] in _SYMBOLS)


def _starts_with_amount(toks: list[str]) -> bool:
    if not toks:
        return False
    if _amountish(toks[0]):
        return True
    return len(toks) > 1 and _currency_code(toks[0]) is not None and _amountish(toks[1])


def _near_miss(word: str, toks: list[str]) -> str | None:
    """The command ``/word ARGS`` probably meant, or None (see the module docstring)."""
    name = _ALIASES.get(word) or _closest(word, _TOP)
    if name is None:
        return None
    first = _depunct(toks[0]).lower() if toks else ""
    if name in ("pledge", "offer"):
        ok = _starts_with_amount(toks)
    elif name == "bounty":
        ok = _starts_with_amount(toks) or first in _SUBCOMMANDS
    elif name in ("fund", "unpledge", "campaign"):
        ok = not toks
    elif name == "claim":
        ok = not toks or toks[0].startswith(("#", "http://", "https://"))
    elif name == "sponsors":
        ok = first == "refresh"
    else:  # fundbot
        ok = first == "help" or not toks
    return name if ok else None


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


def _take_amount(toks: list[str]) -> tuple[Amount | AmountError, int]:
    """Read an amount from the first one or two tokens; returns it and the number of tokens used."""
    t0 = toks[0]
    t1 = _depunct(toks[1]) if len(toks) > 1 else ""
    if len(toks) > 1 and _currency_of_token(t0) and t1[:1].isdigit():
        text, used = t0 + " " + t1, 2  # "USD 500", "$ 500"
    elif t1 and (_currency_of_token(t1) or t1 in _OTHER_SYMBOLS) and t0[-1:].isalnum():
        text, used = t0 + " " + t1, 2  # "500 USD", "$500 USD", "50 €", "50 dollars"
    else:
        text, used = t0, 1
    result = parse_amount(text)
    if isinstance(result, AmountError) and used == 1 and _depunct(t0) != t0:
        retry = parse_amount(_depunct(t0))  # "/pledge $50."
        if isinstance(retry, Amount):
            return retry, 1
    return result, used


def _junk_after_amount(toks: list[str], cmd: str) -> str | None:
    """Why the words after an amount cannot be ignored, or None if they can."""
    if not toks:
        return None
    t = _depunct(toks[0])
    shown = _show(t)
    if t in ("k", "K"):
        return f"write the k right after the number, without a space, e.g. “/{cmd} 2k”."
    if t.lower() in _CRYPTO:
        return (f"{shown}: fundbot records amounts in ordinary currencies (ISO 4217 codes such as USD or "
                "EUR), not crypto-currencies.")
    if _currency_of_token(t) or t in _OTHER_SYMBOLS:
        return f"{shown} is a second currency: write the amount once, e.g. “/{cmd} 25 USD”."
    if len(t) == 3 and t.isascii() and t.isalpha() and t.isupper():
        return (f"{shown} is not a currency code fundbot knows: use a three-letter ISO 4217 code such "
                f"as USD, EUR or GBP, e.g. “/{cmd} 25 USD”.")
    if _amountish(t):
        hint = " For a deadline write e.g. “/bounty 500 in 30 days”." if cmd == "bounty" else ""
        return f"unexpected {shown} after the amount: write one amount, e.g. “/{cmd} 25”.{hint}"
    return None


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
        if is_valid_login(tok):
            return ln.suggest(name, "mention the user", f"/bounty accept @{tok}")
        return ln.bad(name, f"{_show(tok)} is not a user: write e.g. “/bounty accept @user”.")
    login = tok[1:]
    if not is_valid_login(login):
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
        return _amount_command(ln, word, toks)
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


def parse_commands(body: str | None, *, today: datetime.date | None = None) -> list[Command | Invalid]:
    """All fundbot commands in a comment body, in order, each with its 1-based line number.

    Returns :class:`Command` for well-formed commands and :class:`Invalid` for lines that address
    fundbot but are malformed (the reason says what was wrong and what would have worked). Lines in code,
    quotes and HTML comments are skipped, unknown ``/words`` give nothing (see the module docstring).
    At most :data:`MAX_COMMANDS` results are returned; commands after that are ignored. Only the first
    :data:`MAX_BODY` characters are read. ``today`` is used to check ``by YYYY-MM-DD`` deadlines (after
    today, at most :data:`MAX_DAYS` ahead); without it only the calendar is checked. Never raises.
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
            try:
                result = _parse_line(lineno, stripped, visible, today)
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


def is_command_line(line: str) -> bool:
    """Whether this single line, read on its own (no surrounding code block or quote), is a fundbot
    command or a malformed attempt at one."""
    if not isinstance(line, str):
        return False
    one = split_lines(line)[0] if line else ""
    return bool(parse_commands(one))
