"""The JSON Schema (draft 2020-12) of ``.github/fundbot.yml``, generated from ``SCHEMA``.

Editors that speak the YAML language server read it from the onboarding file's first line
(``# yaml-language-server: $schema=SCHEMA_URL``) to complete keys and flag mistakes as you type; the
committed copy is ``schema/fundbot.schema.json`` (a test keeps it equal to :func:`json_schema`).

What it says is what the validator accepts *without a warning*: types, ranges, lengths, the words of a
choice, list sizes, and unknown keys (``additionalProperties: false``), so an editor flags what fundbot
would warn about too. What JSON Schema cannot say stays the validator's alone: the checks across keys
(currency of an amount, ``min_pledge`` ≤ ``max_amount``, distinct labels and tiers, a sponsor's tier),
the amount grammar of ``parse_amount`` (approximated by a pattern), README path rules, the FUNDING.yml
rules of ``check-funding`` beyond each key's type, and duplicate keys (gone once YAML is read as JSON).
tests/core/test_config_json_schema.py lists each difference with its reason.

Only keywords that mean the same in draft-07 are used (no ``$ref``, ``$defs``, ``prefixItems`` or
``unevaluated*``): the YAML language server validates with a draft-07 validator.
"""

from __future__ import annotations

from typing import Any

from bot.core import funding as _funding
from bot.core import names
from bot.core.config.delivers import AUTOMATIC, Delivers
from bot.core.config.model import CONFIG_PATH
from bot.core.config.rules import Amount, Bool, Choice, Extends, Int, Text, Url, ValueType
from bot.core.config.schema import SCHEMA
from bot.core.config.shapes import FundingKeys, Key, LabelGoals, ListOf, Section

SCHEMA_URL = "https://raw.githubusercontent.com/fundbot/fundbot/main/schema/fundbot.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

_NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
_TEMPLATE_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # newlines and tabs allowed
_LABEL = r"^\S(.*\S)?$"  # GitHub trims the spaces around a label name
_LOGIN = rf"^{names.LOGIN}(\[bot\])?$"  # bot.core.names.is_login_or_bot
_CURRENCY = r"^\s*[A-Za-z]{3}\s*$"
_HTTPS = r"^\s*https://[^\s/?#]+\.[^\s]*\s*$"  # bot.core.markdown.url, plus a dot in the host
_AMOUNT = r"^\s*[$€£]?\s*\d[\d,]*(\.\d+)?\s*[kKmM]?\s*([A-Za-z]{3})?\s*$"  # what parse_amount reads
_EXTENDS = rf"^\s*({names.LOGIN}/)?{names.REPO_NAME}(\s*:\s*\S+\.ya?ml)?\s*$"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the file: a pure function of ``SCHEMA``."""
    root = _section(SCHEMA)
    root["type"] = ["object", "null"]  # an empty file means the defaults
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_URL,
        "title": f"fundbot configuration ({CONFIG_PATH})",
        "description": "Every key is optional. Generated from fundbot's config schema (python -m bot schema).",
        **root,
    }


def _section(section: Section) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object" if any(k.required for k in section.keys.values()) else ["object", "null"],
        "properties": {name: _key(key) for name, key in section.keys.items()},
        "additionalProperties": False,
    }
    required = [name for name, key in section.keys.items() if key.required]
    if required:
        out["required"] = required
    return out


def _key(key: Key) -> dict[str, Any]:
    out = _value(key.type)
    if key.nullable:
        out = {"anyOf": [out, {"type": "null"}]}
    if key.description:
        out["description"] = key.description
    if key.default is not None and not key.required:
        out["default"] = key.default
    return out


def _value(typ: ValueType) -> dict[str, Any]:
    if isinstance(typ, Section):
        return _section(typ)
    if isinstance(typ, ListOf):
        out: dict[str, Any] = {"type": "array", "items": _value(typ.item), "maxItems": typ.max_items}
        if typ.min_items:
            out["minItems"] = typ.min_items
        if typ.unique:
            out["uniqueItems"] = True
        return out
    if isinstance(typ, LabelGoals):
        return {"type": "object", "maxProperties": typ.max_items, "propertyNames": _text(typ.key),
                "additionalProperties": _amount(typ.value)}
    if isinstance(typ, FundingKeys):
        return _funding_keys()
    return _scalar(typ)


def _scalar(typ: ValueType) -> dict[str, Any]:
    if isinstance(typ, Bool):
        return {"type": "boolean"}
    if isinstance(typ, Int):
        return {"type": "integer", "minimum": typ.lo, "maximum": typ.hi}
    if isinstance(typ, Amount):
        return _amount(typ)
    if isinstance(typ, Delivers):  # one word, a list of what fundbot delivers, or [none]
        return {"anyOf": [{"enum": list(typ.values)},
                          {"type": "array", "items": {"enum": list(AUTOMATIC)}, "uniqueItems": True},
                          {"type": "array", "items": {"const": "none"}, "maxItems": 1}]}
    if isinstance(typ, Choice):
        return {"enum": list(typ.values)}
    if isinstance(typ, Text):
        return _text(typ)
    if isinstance(typ, Url):
        return {"type": "string", "pattern": _HTTPS, "maxLength": 2000}
    if isinstance(typ, Extends):
        return {"type": "string", "pattern": _EXTENDS}
    raise TypeError(f"no JSON Schema for {type(typ).__name__}")  # a new value type needs a rule here


def _amount(typ: Amount) -> dict[str, Any]:
    number: dict[str, Any] = {"type": "number", "minimum": 0} if typ.zero else {"type": "number", "exclusiveMinimum": 0}
    return {"anyOf": [number, {"type": "string", "pattern": _AMOUNT}]}


def _text(typ: Text) -> dict[str, Any]:
    patterns = [_TEMPLATE_CONTROL if typ.kind == "template" else _NO_CONTROL]
    patterns += {"label": [_LABEL], "login": [_LOGIN], "currency": [_CURRENCY]}.get(typ.kind, [])
    if typ.lo and typ.kind not in ("label", "login", "currency"):
        patterns.append(r"\S")  # the validator strips before it counts
    out: dict[str, Any] = {"type": "string", "maxLength": typ.hi}
    if len(patterns) == 1:
        out["pattern"] = patterns[0]
    else:
        out["allOf"] = [{"pattern": p} for p in patterns]
    return out


def _funding_keys() -> dict[str, Any]:
    """FUNDING.yml keys with the type of each value (``check-funding`` decides the rest)."""
    text_or_empty = {"type": ["string", "null"]}
    props: dict[str, Any] = {}
    for key in _funding.KEYS:
        limit = _funding.LIST_KEYS.get(key)
        if limit is None:
            props[key] = text_or_empty
        else:
            props[key] = {"anyOf": [text_or_empty, {"type": "array", "items": {"type": "string"}, "maxItems": limit}]}
    return {"type": ["object", "null"], "properties": props, "additionalProperties": False}
