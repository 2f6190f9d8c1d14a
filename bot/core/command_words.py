"""The words of a fundbot command line: trailing punctuation, near-miss names (did-you-mean), and the amount
at the start of a command's arguments (:func:`take_amount`, read with :func:`bot.core.amounts.parse_amount`).

Pure helpers of :mod:`bot.core.commands` (which has the grammar and the rules in its docstring).
"""

from __future__ import annotations

from bot.core.amounts import (
    _CRYPTO,
    _OTHER_SYMBOLS,
    _SYMBOLS,
    Amount,
    AmountError,
    _crypto,
    _currency_code,
    _currency_of_token,
    _show,
    parse_amount,
)

#: The command words, as typed after "/".
_TOP = ("fund", "bounty", "pledge", "unpledge", "offer", "paid", "claim", "campaign", "sponsors", "fundbot")
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
_SUBCOMMANDS = ("cancel", "extend", "accept", "received", "reward", "deliver", "split")
_PUNCT = ".!?;:,)"


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
    elif name in ("fund", "unpledge", "campaign", "paid"):
        ok = not toks
    elif name == "claim":
        ok = not toks or toks[0].startswith(("#", "http://", "https://"))
    elif name == "sponsors":
        ok = first == "refresh"
    else:  # fundbot
        ok = first == "help" or not toks
    return name if ok else None


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
        return _crypto(shown)
    if _currency_of_token(t) or t in _OTHER_SYMBOLS:
        return f"{shown} is a second currency: write the amount once, e.g. “/{cmd} 25 USD”."
    if len(t) == 3 and t.isascii() and t.isalpha() and t.isupper():
        return (f"{shown} is not a currency code fundbot knows: use a three-letter ISO 4217 code such "
                f"as USD, EUR or GBP, e.g. “/{cmd} 25 USD”.")
    if _amountish(t):
        hint = " For a deadline write e.g. “/bounty 500 in 30 days”." if cmd == "bounty" else ""
        return f"unexpected {shown} after the amount: write one amount, e.g. “/{cmd} 25”.{hint}"
    return None
