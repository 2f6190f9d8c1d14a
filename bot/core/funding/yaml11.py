"""How YAML 1.1 (GitHub's Psych) and 1.2 (ruamel) read a plain scalar, and writing one every reader reads as text."""

from __future__ import annotations

import functools
import re

from bot.core.funding.tables import _PSYCH_BOOL_RE, _PSYCH_INT_RE, _PSYCH_NULL_RE, _TAG_KINDS


@functools.lru_cache(maxsize=4096)
def _resolve(text: str, version: tuple[int, int]) -> str:
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    tag = VersionedResolver(version=version).resolve(ScalarNode, text, (True, False))
    return _TAG_KINDS.get(str(tag), "other")


def _reading_11(text: str) -> str:
    """What a YAML 1.1 reader (GitHub's Psych, PyYAML) makes of an unquoted, untagged scalar."""
    kind = _resolve(text, (1, 1))
    if kind != "str":
        return kind
    if _PSYCH_BOOL_RE.fullmatch(text):
        return "bool"
    if _PSYCH_NULL_RE.fullmatch(text):
        return "null"
    if _PSYCH_INT_RE.fullmatch(text):
        return "int"
    return "str"


def _describe(kind: str, text: str, yaml11: bool) -> str:
    if kind == "bool":
        return "the boolean " + ("true" if text.lower() in ("yes", "true", "on", "y") else "false")
    if kind == "null":
        return "null (no value)"
    if kind == "timestamp":
        return "a date" if len(text) <= 10 else "a timestamp"
    if kind == "int":
        n = _int_value(text, yaml11)
        return f"the number {n}" if n is not None else "a number"
    if kind == "float":
        try:
            return f"the number {float(text.replace('_', ''))!r}"
        except ValueError:
            return "a number"
    return "a value that is not text"


def _int_value(text: str, yaml11: bool) -> int | None:
    t = text.replace("_", "")
    if yaml11:
        t = t.replace(",", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    try:
        if t.startswith(("0b", "0B")):
            return sign * int(t[2:], 2)
        if t.startswith(("0x", "0X")):
            return sign * int(t[2:], 16)
        if t.startswith(("0o", "0O")):
            return sign * int(t[2:], 8)
        if ":" in t:
            n = 0
            for part in t.split(":"):
                n = n * 60 + int(part)
            return sign * n
        if yaml11 and len(t) > 1 and t.startswith("0"):
            return sign * int(t, 8)
        return sign * int(t, 10)
    except ValueError:
        return None


_SAFE_PLAIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/@+~-]*")


def _yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar every reader (1.1 and 1.2, block and flow) reads as this string."""
    if _SAFE_PLAIN_RE.fullmatch(value) and _resolve(value, (1, 2)) == "str" and _reading_11(value) == "str":
        return value
    return _double_quoted(value)


def _double_quoted(value: str) -> str:
    out = ['"']
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
    for ch in value:
        if ch in escapes:
            out.append(escapes[ch])
        elif ch.isprintable() and ch not in "\x85\u2028\u2029\ufeff" and not 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)
