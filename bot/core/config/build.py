"""Clean values (what the validator returns) -> the frozen dataclasses, and the dataclasses -> plain
JSON values keyed like the YAML file (``Config.to_dict``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.core.config.rules import ValueType
from bot.core.config.shapes import FundingKeys, LabelGoals, ListOf, Section

FIELD_NAMES = {"_extends": "extends"}  # YAML key -> dataclass field, where they differ


def build(section: Section, clean: dict[str, Any], cls: type | None = None) -> Any:
    """The dataclass ``cls`` (default: the section's own) of a section's clean values."""
    kwargs: dict[str, Any] = {}
    for name, key in section.keys.items():
        kwargs[FIELD_NAMES.get(name, name)] = build_value(key.type, clean.get(name))
    cls = cls or section.cls
    assert cls is not None
    return cls(**kwargs)


def build_value(typ: ValueType, value: Any) -> Any:
    if isinstance(typ, Section) and typ.cls is not None:
        return build(typ, value)
    if isinstance(typ, ListOf):
        return tuple(build_value(typ.item, v) for v in value)
    if isinstance(typ, LabelGoals | FundingKeys):
        return dict(value)
    return value


def to_plain(section: Section, obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, key in section.keys.items():
        out[name] = _plain_value(key.type, getattr(obj, FIELD_NAMES.get(name, name)))
    return out


def _plain_value(typ: ValueType, value: Any) -> Any:
    if isinstance(typ, Section):
        return to_plain(typ, value)
    if isinstance(typ, ListOf):
        return [_plain_value(typ.item, v) for v in value]
    if isinstance(typ, LabelGoals):
        return {k: _money_str(v) for k, v in value.items()}
    if isinstance(typ, FundingKeys):
        return {k: list(v) if isinstance(v, list | tuple) else v for k, v in value.items()}
    if isinstance(value, Decimal):
        return _money_str(value)
    return value


def _money_str(value: Decimal) -> str:
    return f"{value:.2f}"
