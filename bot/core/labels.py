"""The bounty labels fundbot keeps in a repository (SPEC section 4): names, fixed colours, descriptions.

Pure: no I/O. The onboarding handler creates the labels :func:`missing` returns; the campaigns feature
uses :func:`specs` and :func:`resolve` to find the label that stands for a config entry.

Config entries and their labels (only when ``bounties.enabled``), with the description fundbot writes:

* ``bounties.label`` (kind ``campaign``): ``fundbot: on every open campaign [campaign: 💰 bounty]``
* each key of ``bounties.labels`` (kind ``goal``): ``fundbot: opens a 500 USD campaign [goal: bounty: M]``
* ``bounties.funded_label`` (kind ``funded``): ``fundbot: campaign reached its goal [funded: 💸 funded]``
* ``bounties.delivered_label`` (kind ``delivered``): ``fundbot: campaign delivered [delivered: ✅ delivered]``

Colours are fixed per kind (:data:`COLORS`).

Identity (a renamed label is not recreated). The ``[kind: name]`` at the end of the description is the
entry's **tag**: the kind and the name *as written in the config*. A repository label stands for an entry
when its name is the entry's name (case-insensitively, as GitHub compares label names) or, failing that,
when its description carries the entry's tag - whatever the label is called now. So a maintainer who
renames ``bounty: M`` to ``medium`` in GitHub's UI keeps one label, and fundbot never brings the old name
back. The tag holds the configured name and not the goal, so changing a goal keeps the label, while
renaming an entry in the config is a new entry (a new label; the old one is left alone).

Descriptions are at most 100 characters (GitHub's limit): a long one drops its prose first, then
shortens the name inside the tag, always the same way, so the tag still matches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["COLORS", "DESCRIPTION_PREFIX", "MAX_DESCRIPTION", "LabelSpec", "find", "missing", "resolve", "specs", "tag"]

# One palette for every repository (6 hex digits, no "#", as GitHub's API wants them).
COLORS: dict[str, str] = {
    "campaign": "fbca04",  # gold: money is being raised here
    "goal": "fef2c0",  # pale gold: the size labels that open a campaign
    "funded": "0e8a16",  # green: the goal was reached
    "delivered": "5319e7",  # purple: done and paid for
}
DESCRIPTION_PREFIX = "fundbot: "
MAX_DESCRIPTION = 100  # GitHub rejects longer label descriptions

_PROSE = {
    "campaign": "on every open campaign",
    "funded": "campaign reached its goal",
    "delivered": "campaign delivered",
}


@dataclasses.dataclass(frozen=True)
class LabelSpec:
    """The label one config entry stands for."""

    kind: str  # "campaign" | "goal" | "funded" | "delivered"
    key: str  # the config key: "bounties.label", "bounties.labels.bounty: M", ...
    name: str  # the name in the config
    color: str
    description: str
    goal: Decimal | None = None  # for "goal" labels

    @property
    def tag(self) -> str:
        return tag(self.kind, self.name)

    def body(self) -> dict[str, str]:
        """The body of ``POST /repos/{owner}/{repo}/labels``."""
        return {"name": self.name, "color": self.color, "description": self.description}


def _amount(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def tag(kind: str, name: str) -> str:
    """``[kind: name]``, shortened (deterministically) so that ``fundbot: [kind: name]`` fits GitHub's limit."""
    room = MAX_DESCRIPTION - len(DESCRIPTION_PREFIX) - len(f"[{kind}: ]")
    if len(name) > room:
        name = name[: room - 1] + "…"
    return f"[{kind}: {name}]"


def _description(kind: str, name: str, prose: str) -> str:
    t = tag(kind, name)
    full = f"{DESCRIPTION_PREFIX}{prose} {t}"
    return full if len(full) <= MAX_DESCRIPTION else f"{DESCRIPTION_PREFIX}{t}"


def _spec(kind: str, key: str, name: str, prose: str, goal: Decimal | None = None) -> LabelSpec:
    return LabelSpec(kind, key, name, COLORS[kind], _description(kind, name, prose), goal)


def specs(config: Any) -> list[LabelSpec]:
    """The labels of ``config`` (a :class:`bot.core.config.Config`), in a stable order; [] when bounties are off."""
    b = config.bounties
    if not b.enabled:
        return []
    out = [_spec("campaign", "bounties.label", b.label, _PROSE["campaign"])]
    for name, goal in b.labels.items():
        out.append(_spec("goal", f"bounties.labels.{name}", name, f"opens a {_amount(goal)} {b.currency} campaign", goal))
    out.append(_spec("funded", "bounties.funded_label", b.funded_label, _PROSE["funded"]))
    out.append(_spec("delivered", "bounties.delivered_label", b.delivered_label, _PROSE["delivered"]))
    seen: set[str] = set()
    unique = []
    for spec in out:  # the config validator refuses duplicates; stay safe if one slips through
        if spec.name.lower() not in seen:
            seen.add(spec.name.lower())
            unique.append(spec)
    return unique


def _name(label: Mapping[str, Any]) -> str:
    return str(label.get("name") or "")


def find(spec: LabelSpec, existing: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The repository label that stands for ``spec``: same name first, else one whose description has its tag."""
    labels = [x for x in existing if isinstance(x, Mapping)]
    wanted = spec.name.lower()
    for label in labels:
        if _name(label).lower() == wanted:
            return label
    t = spec.tag
    for label in labels:
        if t in str(label.get("description") or ""):
            return label
    return None


def resolve(config: Any, existing: Iterable[Mapping[str, Any]]) -> dict[str, str | None]:
    """Config name -> the name of the repository label standing for it now (None when there is none)."""
    labels = list(existing)
    out: dict[str, str | None] = {}
    for spec in specs(config):
        found = find(spec, labels)
        out[spec.name] = _name(found) if found is not None else None
    return out


def missing(config: Any, existing: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Bodies of the labels to create: the config's labels that no repository label stands for."""
    labels = list(existing)
    return [spec.body() for spec in specs(config) if find(spec, labels) is None]
