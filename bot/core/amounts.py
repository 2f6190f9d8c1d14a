"""Amounts and currencies in fundbot commands (SPEC section 3): :func:`parse_amount` and :func:`check_amount`.

Pure, total and deterministic: :func:`parse_amount` never raises on any string, does no I/O and returns
``decimal.Decimal`` values (never float). The rules (currency symbols, words and ISO 4217 codes, ``k``,
grouping commas, two decimals, the limits) are listed in :mod:`bot.core.commands`' docstring; the command
grammar lives there, and every name here is importable from :mod:`bot.core.commands` too.
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["MAX_DIGITS", "Amount", "AmountError", "check_amount", "parse_amount"]

MAX_DIGITS = 12
_MAX_AMOUNT_TEXT = 40
_CENT = Decimal("0.01")
_LIMIT = Decimal(10) ** MAX_DIGITS

# --------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Amount:
    value: Decimal  # positive, exactly 2 decimal places
    currency: str | None = None  # ISO 4217 code, None when not written


@dataclass(frozen=True)
class AmountError:
    text: str  # the text that was given (stripped)
    reason: str  # what was wrong and what would have worked


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


class _Refused(Exception):
    """Raised inside :func:`_parse_amount` with the reason the text is not an amount."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _other_symbol(shown: str) -> str:
    return (f"{shown}: fundbot understands $, € and £; for other currencies write the three-letter code, "
            "e.g. “500 JPY”.")


def _crypto(shown: str) -> str:
    return (f"{shown}: fundbot records amounts in ordinary currencies (ISO 4217 codes such as USD or EUR), "
            "not crypto-currencies.")


def _unknown_code(word: str) -> str:
    return (f"{_show(word)} is not a currency code fundbot knows: use a three-letter ISO 4217 code such as "
            "USD, EUR or GBP, e.g. “500 USD”.")


def _parse_amount(text: str) -> Amount | AmountError:
    s = orig = text.strip()
    try:
        _check_surface(s)
        shown = _show(s)
        pre, s = _leading_currency(s, shown)
        if s and s[0] in "-−–":
            raise _Refused(f"{shown} is negative: amounts must be positive, e.g. “25”.")
        post, s = _trailing_currency(s, shown)
        if pre and post and pre != post:
            raise _Refused(f"{shown} names two currencies ({pre} and {post}): write one, e.g. "
                           f"{_show('500 ' + pre)}.")
        currency = pre or post
        if not s:
            raise _Refused(f"{shown} has no number: write e.g. {_show('25 ' + (currency or 'USD'))}.")
        return Amount(_read_number(s, shown), currency)
    except _Refused as refused:
        return _err(orig, refused.reason)


def _check_surface(s: str) -> None:
    """Refuse what is not an amount at first sight: empty, too long, NaN/infinity, a sign."""
    if not s:
        raise _Refused(f"no amount given: write a number {_EXAMPLES}.")
    if len(s) > _MAX_AMOUNT_TEXT:
        raise _Refused(f"{_show(s)} is too long to be an amount: write a number {_EXAMPLES}.")
    shown = _show(s)
    low = s.lower()
    if "nan" in low or "inf" in low:
        raise _Refused(f"{shown} is not a number: write an amount {_EXAMPLES}.")
    if s[0] in "-−–":
        raise _Refused(f"{shown} is negative: amounts must be positive, e.g. {_amount_example(s[1:].strip())}.")
    if s[0] == "+":
        raise _Refused(f"{shown} is not an amount: leave out the plus sign, e.g. {_amount_example(s[1:].strip())}.")


def _leading_currency(s: str, shown: str) -> tuple[str | None, str]:
    """A currency before the number - a symbol or a code ("$500", "USD 500", "usd500") - and the rest."""
    if s[0] in _SYMBOLS:
        return _SYMBOLS[s[0]], s[1:].lstrip()
    if s[0] in _OTHER_SYMBOLS:
        raise _Refused(_other_symbol(shown))
    if s.isascii() and s.isalpha():
        if _currency_of_token(s) or s.lower() in _CRYPTO:
            raise _Refused(f"{shown} has no number: write e.g. {_show('25 ' + (_currency_of_token(s) or 'USD'))}.")
        raise _Refused(f"{shown} is not an amount: write a number {_EXAMPLES}.")
    m = _LEAD_WORD_RE.match(s)
    if not (m and m.end() < len(s)):
        return None, s
    word = m.group()
    if word.lower() in _CRYPTO:
        raise _Refused(_crypto(shown))
    code = _currency_code(word) if len(word) == 3 else None
    if code is None:
        if len(word) == 3:
            raise _Refused(_unknown_code(word))
        raise _Refused(f"{shown} is not an amount: write a number {_EXAMPLES}.")
    return code, s[3:].lstrip()


def _trailing_currency(s: str, shown: str) -> tuple[str | None, str]:
    """A currency after the number - a symbol, a code or a word ("500 USD", "500usd", "2kEUR", "50€") -
    and the rest."""
    if s and s[-1] in _SYMBOLS:
        return _SYMBOLS[s[-1]], s[:-1].rstrip()
    if s and s[-1] in _OTHER_SYMBOLS:
        raise _Refused(_other_symbol(shown))
    m = _TRAIL_WORD_RE.search(s)
    if not (m and m.start() > 0):
        return None, s
    word, head = m.group(), s[: m.start()]
    if len(word) >= 4 and word[0] in "kK" and (head[-1:].isdigit() or head.endswith(".")):
        # "2kusd": the k belongs to the number
        if _currency_code(word[1:]) or word[1:].lower() in _CURRENCY_WORDS:
            word, head = word[1:], head + word[0]
    wl = word.lower()
    if wl == "k":
        return None, s
    if wl in _CRYPTO:
        raise _Refused(_crypto(shown))
    if wl in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[wl], head.rstrip()
    if len(word) == 3:
        code = _currency_code(word)
        if code is None:
            raise _Refused(_unknown_code(word))
        return code, head.rstrip()
    return None, s


def _read_number(s: str, shown: str) -> Decimal:
    """The value of the number text ``s`` (currency already taken off), with exactly two decimals."""
    m = _NUM_RE.fullmatch(s)
    if m is None:
        raise _Refused(_number_problem(s, shown))
    int_part, frac, k = m.group(1), m.group(2), m.group(3)
    if "," in int_part and not _GROUPED_RE.fullmatch(int_part):
        raise _Refused(_comma_problem(int_part, frac, k, shown))
    if frac == "":
        whole = int_part + (k or "")
        if _amount_example(whole, "") == _show(""):
            raise _Refused(f"{shown} ends with a decimal point: write a number {_EXAMPLES}.")
        raise _Refused(f"{shown} ends with a decimal point: write {_show(whole)} or "
                       f"{_show(int_part + '.00' + (k or ''))}.")
    digits = int_part.replace(",", "")
    if len(digits.lstrip("0")) > MAX_DIGITS:
        raise _Refused(f"{shown} is too large: an amount has at most {MAX_DIGITS} digits before the "
                       "decimal point.")
    try:
        value = Decimal(digits + "." + (frac or "0"))
        if k:
            value *= 1000
    except (InvalidOperation, ValueError):  # pragma: no cover - the regex admits only digits
        raise _Refused(f"{shown} is not an amount: write a number {_EXAMPLES}.") from None
    if value <= 0:
        raise _Refused(f"{shown} is zero: amounts must be positive, e.g. “25”.")
    if value >= _LIMIT:
        raise _Refused(f"{shown} is too large: an amount is below {_money(_LIMIT)}.")
    if value != value.quantize(_CENT) or (not k and frac is not None and len(frac) > 2):
        raise _Refused(_decimals_problem(value, int_part, frac, k, shown))
    return value.quantize(_CENT)


def _decimals_problem(value: Decimal, int_part: str, frac: str | None, k: str | None, shown: str) -> str:
    """Why an amount with more than two decimals is refused, with the rounded amount to write instead."""
    near = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if near <= 0:
        return f"{shown} has more than two decimals: the smallest amount is 0.01."
    fix = _amount_example(f"{near:,f}", "")
    if fix == _show(""):
        return f"{shown} has more than two decimals: round it to cents, e.g. “25.50”."
    if not k and frac is not None and len(frac) == 3 and "," not in int_part:
        grouped = _amount_example(f"{int(int_part + frac):,}", "")
        if grouped != _show(""):
            return (f"{shown} has more than two decimals: write {fix}, or {grouped} if the point separates "
                    "thousands.")
    return f"{shown} has more than two decimals: write {fix}."


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

