"""The scalar value types of the schema: boolean, whole number, amount, one of a few words, text (label,
login, path, currency, template), https:// URL and ``_extends`` target."""

from __future__ import annotations

import difflib
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from bot.core import markdown as _md
from bot.core import names
from bot.core import paths as _paths
from bot.core.commands import AmountError, parse_amount
from bot.core.config.extends import EXTENDS_FORMS, parse_extends
from bot.core.config.report import BAD, Context, KeyPath, brief, describe, named, short
from bot.core.yaml_tree import Node, safe_str

try:  # the ISO 4217 list of the command parser, so /pledge and the config agree
    from bot.core.commands import _ISO4217 as _CURRENCIES  # noqa: PLC2701
except ImportError:  # pragma: no cover
    _CURRENCIES = frozenset()


class ValueType:
    """A value type of the schema: ``check`` a node (adding issues to ``cx``) and return the clean value or
    ``BAD``; ``doc`` is its cell in the README table, ``expected`` how messages name it."""

    DOC = ""
    EXPECTED = ""

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        raise NotImplementedError

    def doc(self) -> str:
        return self.DOC

    def expected(self) -> str:
        return self.EXPECTED or self.doc()

    def refuse(self, n: Node, cx: Context, kp: KeyPath, code: str, why: str) -> Any:
        """An error "KEY must be EXPECTED, but WHY." on ``n``."""
        cx.add("error", n, kp, code, self.expected(), brief(n), f"{named(kp)} must be {self.expected()}, but {why}.")
        return BAD

    def read_as(self, n: Node, cx: Context, kp: KeyPath, value: Any, message: str) -> Any:
        """``value``, with a ``bool-as-string`` warning: ``n`` was written as another type."""
        cx.add("warning", n, kp, "bool-as-string", self.expected(), brief(n), message)
        return value

    def wrong(self, n: Node, cx: Context, kp: KeyPath, hint: str = "") -> Any:
        cx.add(
            "error",
            n,
            kp,
            "wrong-type",
            self.expected(),
            brief(n),
            f"{named(kp)} must be {self.expected()}, but is {describe(n)}{hint}.",
        )
        return BAD


_BOOL_WORDS = {"true": True, "yes": True, "on": True, "y": True, "false": False, "no": False, "off": False, "n": False}


class Bool(ValueType):
    DOC = "boolean"
    EXPECTED = "`true` or `false`"

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if n.kind == "scalar" and n.tag == "bool":
            return bool(n.value)
        if n.is_text and n.value.strip().lower() in _BOOL_WORDS:
            value = _BOOL_WORDS[n.value.strip().lower()]
            word = "true" if value else "false"
            return self.read_as(n, cx, kp, value, f"{named(kp)} is {describe(n)}, which fundbot reads as `{word}`; "
                                f"write `{word}` without quotes.")
        return self.wrong(n, cx, kp)


class Int(ValueType):
    def __init__(self, lo: int, hi: int, unit: str = "") -> None:
        self.lo, self.hi, self.unit = lo, hi, unit

    def doc(self) -> str:
        return f"integer, {self.lo}–{self.hi}"

    def expected(self) -> str:
        return f"a whole number from {self.lo} to {self.hi}{' ' + self.unit if self.unit else ''}"

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if n.kind == "scalar" and n.tag == "int" and isinstance(n.value, int) and not isinstance(n.value, bool):
            if not self.lo <= n.value <= self.hi:
                return self.refuse(n, cx, kp, "out-of-range", f"is {short(n.value)}")
            return n.value
        hint = ""
        if n.is_text and re.fullmatch(r"\s*\d{1,9}\s*", n.value):
            hint = f"; write `{n.value.strip()}` without quotes"
        return self.wrong(n, cx, kp, hint)


class Amount(ValueType):
    def __init__(self, *, zero: bool = False) -> None:
        self.zero = zero

    def doc(self) -> str:
        return "amount, ≥ 0" if self.zero else "amount, > 0"

    def expected(self) -> str:
        what = "zero or a positive amount" if self.zero else "a positive amount"
        return f"{what} such as 500, \"$500\" or \"2k\""

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if n.kind != "scalar" or n.tag not in ("int", "float", "str"):
            return self.wrong(n, cx, kp)
        text = n.value.strip() if n.tag == "str" else safe_str(n.value)
        if n.tag == "float" and isinstance(n.value, float) and n.value.is_integer() and abs(n.value) < 1e15:
            text = str(int(n.value))
        if self.zero and re.fullmatch(r"[$€£]?\s*0+(?:\.0*)?\s*(?:[A-Za-z]{3})?", text):
            return Decimal("0.00")
        parsed = parse_amount(text)
        if isinstance(parsed, AmountError):
            cx.add(
                "error",
                n,
                kp,
                "bad-amount",
                self.expected(),
                brief(n),
                f"{named(kp)} must be {self.expected()}: {parsed.reason}",
            )
            return BAD
        if parsed.currency is not None:
            cx.currencies.append((kp, n, parsed.currency))
        return parsed.value


class Choice(ValueType):
    def __init__(self, values: tuple[str, ...], *, false_means: str | None = None) -> None:
        self.values, self.false_means = values, false_means

    def doc(self) -> str:
        return " \\| ".join(f"`{v}`" for v in self.values)

    def expected(self) -> str:
        return "one of " + ", ".join(f"`{v}`" for v in self.values)

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if n.kind == "scalar" and n.tag == "bool" and n.value is False and self.false_means:
            return self.read_as(n, cx, kp, self.false_means, f"{named(kp)} is the boolean `false`, which fundbot "
                                f"reads as `{self.false_means}`; write `{self.false_means}`.")
        if not n.is_text:
            return self.wrong(n, cx, kp)
        if n.value in self.values:
            return n.value
        close = difflib.get_close_matches(n.value.strip().lower(), self.values, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else "."
        cx.add("error", n, kp, "bad-enum", self.expected(), brief(n),
               f"{named(kp)} must be {self.expected()}, but is `{short(n.value)}`{hint}")
        return BAD


PLACEHOLDER_RE = re.compile(r"\{([^{}\s]{0,40})\}")
PLACEHOLDERS = ("author", "links", "repo")


class Text(ValueType):
    """Text, with a ``kind`` for the special ones: label, login, path, currency, template."""

    def __init__(self, lo: int = 0, hi: int = 200, kind: str = "text") -> None:
        self.lo, self.hi, self.kind = lo, hi, kind

    def doc(self) -> str:
        return {
            "label": f"label name (≤ {self.hi} chars)",
            "login": "GitHub login",
            "path": "file path in the repository",
            "currency": "ISO 4217 code",
            "template": "text with placeholders",
        }.get(self.kind, f"text (≤ {self.hi} chars)")

    def expected(self) -> str:
        return {
            "label": f"a label name of 1 to {self.hi} characters",
            "login": "a GitHub login (letters, digits and single hyphens, up to 39 characters)",
            "path": "a relative file path such as `README.md` or `docs/README.md`, outside `.github/`",
            "currency": "a three-letter ISO 4217 currency code such as USD or EUR",
            "template": f"a text of 1 to {self.hi} characters",
        }.get(self.kind, f"a text of {self.lo} to {self.hi} characters" if self.lo else f"a text of at most {self.hi} characters")

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if not n.is_text:
            hint = ""
            if n.kind == "scalar" and n.tag in ("int", "float", "bool", "timestamp") and n.text:
                hint = f"; quote it to make it text: `\"{short(n.text)}\"`"
            return self.wrong(n, cx, kp, hint)
        value: str = n.value
        stripped = value.strip()

        if len(stripped) < self.lo:
            return self.refuse(n, cx, kp, "empty-value", "it is empty")
        if len(value) > self.hi:
            return self.refuse(n, cx, kp, "too-long", f"it has {len(value)} characters")
        allowed = "\n\r\t" if self.kind == "template" else ""
        if any((ord(c) < 32 and c not in allowed) or c == "\x7f" for c in value):
            return self.refuse(n, cx, kp, "bad-text", "it contains control characters")
        if self.kind == "label":
            if stripped != value:
                return self.refuse(n, cx, kp, "bad-label", f"`{short(value)}` starts or ends with spaces (GitHub trims them)")
        elif self.kind == "login":
            if not names.is_login_or_bot(value):
                return self.refuse(n, cx, kp, "bad-login", f"`{short(value)}` is not one")
        elif self.kind == "path":
            refused = _paths.readme_problem(value)
            if refused is not None:
                return self.refuse(n, cx, kp, refused.code, f"`{short(value)}` is refused: {refused.why}")
        elif self.kind == "currency":
            up = value.strip().upper()
            if not re.fullmatch(r"[A-Z]{3}", up) or (_CURRENCIES and up not in _CURRENCIES):
                return self.refuse(n, cx, kp, "bad-currency", f"`{short(value)}` is not one")
            return up
        elif self.kind == "template":
            self._placeholders(n, value, cx, kp)
        return value

    def _placeholders(self, n: Node, value: str, cx: Context, kp: KeyPath) -> None:
        for m in PLACEHOLDER_RE.finditer(value):
            name = m.group(1)
            if name in PLACEHOLDERS or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
                continue
            close = difflib.get_close_matches(name.lower(), PLACEHOLDERS, n=1, cutoff=0.6)
            hint = f" Did you mean `{{{close[0]}}}`?" if close else ""
            allowed = ", ".join(f"`{{{p}}}`" for p in PLACEHOLDERS)
            cx.add(
                "warning",
                n,
                kp,
                "unknown-placeholder",
                f"placeholders {allowed}",
                "{" + name + "}",
                f"{named(kp)} uses the unknown placeholder `{{{short(name, 40)}}}`, which is kept as "
                f"written; the placeholders are {allowed}.{hint}",
            )


class Url(ValueType):
    DOC = "https:// URL"
    EXPECTED = "an https:// link"

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if not n.is_text:
            return self.wrong(n, cx, kp)
        value = n.value.strip()
        if _md.url(value) is not None and len(value) <= 2000 and "." in (_hostname(value) or ""):
            return value
        if value.lower().startswith("http://"):
            code, why = "not-https", f"`{short(value)}` uses http://; write `https://{short(value[7:])}`"
        elif "://" not in value and re.fullmatch(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:/\S*)?", value):
            code, why = "not-https", f"`{short(value)}` has no scheme; write `https://{short(value)}`"
        else:
            code, why = "bad-url", f"`{short(value)}` is not one"
        return self.refuse(n, cx, kp, code, why)


def _hostname(value: str) -> str | None:
    try:
        return urlsplit(value).hostname
    except ValueError:
        return None


class Extends(ValueType):
    DOC = EXTENDS_FORMS

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if not n.is_text:
            return self.wrong(n, cx, kp)
        parsed = parse_extends(n.value, owner="owner", repo="repo")
        if isinstance(parsed, str):
            cx.add("error", n, kp, "bad-extends", self.expected(), brief(n), f"{named(kp)}: {parsed}")
            return BAD
        return n.value.strip()
