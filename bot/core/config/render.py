"""Rendered from the schema and the effective configuration: the onboarding template (every key commented
out with its default), the README reference table, and the short settings summary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from bot.core import funding as _funding
from bot.core import markdown as _md
from bot.core.config.checker import Config
from bot.core.config.json_schema import SCHEMA_URL
from bot.core.config.report import flow_yaml
from bot.core.config.schema import SCHEMA
from bot.core.config.shapes import FundingKeys, Key, LabelGoals, ListOf, Section

_COMMENT_COLUMN = 44
MODELINE = f"# yaml-language-server: $schema={SCHEMA_URL}"  # editors complete and check the file


def _line(indent: int, body: str, description: str, *, commented: bool) -> str:
    prefix = "# " if commented else ""
    text = " " * indent + body
    pad = max(_COMMENT_COLUMN - len(prefix + text), 2)
    return f"{prefix}{text}{' ' * pad}# {description}" if description else prefix + text


def _template_key(key: Key, indent: int, out: list[str], funding_lines: list[str] | None) -> None:
    typ = key.type
    if isinstance(typ, Section):
        out.append(_line(indent, f"{key.name}:", key.description, commented=True))
        for child in typ.keys.values():
            _template_key(child, indent + 2, out, None)
        return
    if isinstance(typ, FundingKeys) and funding_lines:
        out.append(_line(indent, "funding:", key.description, commented=False))
        out.extend(" " * (indent + 2) + ln for ln in funding_lines)
        return
    default = key.default
    if isinstance(typ, LabelGoals) and default:
        out.append(_line(indent, f"{key.name}:", key.description, commented=True))
        out.extend(_line(indent + 2, f"{flow_yaml(k)}: {flow_yaml(v)}", "", commented=True) for k, v in default.items())
        return
    if isinstance(typ, ListOf) and default and isinstance(default[0], Mapping):
        out.append(_line(indent, f"{key.name}:", key.description, commented=True))
        out.extend(_line(indent + 2, f"- {flow_yaml(item)}", "", commented=True) for item in default)
        return
    body = f"{key.name}: {flow_yaml(default)}" if default is not None else f"{key.name}:"
    out.append(_line(indent, body, key.description, commented=True))


def onboarding_template(*, funding: Mapping[str, Any] | None = None) -> str:
    """A complete ``.github/fundbot.yml``: every key commented out with its default and description;
    ``funding:`` filled in (uncommented) from an existing FUNDING.yml mapping when one is given.

    The first line names the JSON Schema for editors (``# yaml-language-server: $schema=...``). After it,
    lines starting with ``##`` are prose and a line starting with ``# `` is a key: removing the ``# `` from
    every key line gives a file that means exactly the defaults."""
    funding_lines: list[str] | None = None
    if funding:
        rendered = _funding.render(_funding.normalise(funding))
        body = [ln for ln in rendered.splitlines() if ln and not ln.startswith("#")]
        funding_lines = body or None
    out = [
        MODELINE,
        "## fundbot configuration (.github/fundbot.yml); the README lists every key.",
        "## Every key is optional. Each line below shows a key with its default value: remove the",
        "## leading `# ` from a line to change it. An invalid file is reported in a check run and",
        "## fundbot keeps using the last valid configuration.",
        "",
    ]
    for key in SCHEMA.keys.values():
        _template_key(key, 0, out, funding_lines if key.name == "funding" else None)
        if isinstance(key.type, Section) or key.name == "_extends":
            out.append("")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _rows(section: Section, prefix: str) -> Iterable[tuple[str, str, str, str]]:
    for name, key in section.keys.items():
        path = f"{prefix}{name}"
        typ = key.type
        if isinstance(typ, Section):
            yield path, "mapping", "", key.description
            yield from _rows(typ, path + ".")
            continue
        if key.required:
            default = "required"
        elif key.default is None:
            default = "—"
        else:
            default = f"`{_code(flow_yaml(key.default))}`"
        desc = key.description
        if key.example:
            desc += " Example: `" + key.example.replace("`", "'") + "`."
        yield path, typ.doc(), default, desc
        if isinstance(typ, ListOf) and isinstance(typ.item, Section):
            yield from _rows(typ.item, path + "[].")


def _code(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def _cell(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|")


def reference_markdown() -> str:
    """A Markdown table of every key (key path, type, default, description), from the schema."""
    lines = ["| Key | Type | Default | Description |", "|---|---|---|---|"]
    for path, typ, default, desc in _rows(SCHEMA, ""):
        lines.append(f"| `{path}` | {typ} | {default} | {_cell(desc)} |")
    return "\n".join(lines) + "\n"


def _money(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def summary(config: Config, *, file_links: Sequence | None = None) -> str:
    """A short Markdown summary of the effective settings (check run output, ``/fundbot help``).
    ``file_links``: the links of the repository's own ``.github/FUNDING.yml``, used when ``funding:`` is empty."""
    t = _md.text
    cur = config.bounties.currency
    mode = {"pull_request": "through a pull request", "commit": "by direct commits", "off": "not written"}
    out = ["**fundbot settings**", ""]
    links = _funding.links(config.funding) if config.funding else []
    if links:
        out.append(
            "- **Funding links:** "
            + ", ".join(t(link.title) for link in links)
            + f"; `.github/FUNDING.yml` {mode[config.funding_file]}."
        )
    elif file_links:
        out.append("- **Funding links:** " + ", ".join(t(link.title) for link in file_links)
                   + " (from `.github/FUNDING.yml`; fundbot does not manage it: `funding:` is empty).")
    else:
        out.append("- **Funding links:** none configured in `funding:`.")
    if config.links:
        out.append("- **Extra links:** " + ", ".join(t(link.title) for link in config.links) + ".")
    if config.issues.comment:
        only = (
            " on issues labelled " + ", ".join(t(x) for x in config.issues.labels)
            if config.issues.labels
            else " on every new issue"
        )
        skip = f" (skipping {len(config.issues.skip_authors)} author(s))" if config.issues.skip_authors else ""
        out.append(f"- **New issues:** funding-links comment{only}{skip}.")
    else:
        out.append("- **New issues:** no funding-links comment.")
    rel = config.releases
    parts = ["funding footer" if rel.footer else "no footer"]
    if rel.thank_backers:
        parts.append("backers thanked")
    out.append("- **Releases:** " + ", ".join(parts) + ".")
    b = config.bounties
    if b.enabled:
        goals = ", ".join(f"{t(name)} = {_money(goal, cur)}" for name, goal in b.labels.items()) or "none"
        out.append(
            f"- **Bounties:** on; label {t(b.label)}; bounty labels: {goals}; deadline {b.deadline_days} "
            f"days; pledges {_money(b.min_pledge, cur)} to {_money(b.max_amount, cur)}; managed by "
            + ", ".join(b.who_can_manage)
            + "."
        )
        if b.rewards:
            out.append(
                "- **Rewards:** "
                + "; ".join(f"from {_money(r.min, cur)}: {t(r.reward)}" for r in b.rewards)
                + "."
            )
    else:
        out.append("- **Bounties:** off.")
    if config.funding_goal.amount > 0:
        title = t(config.funding_goal.title) if config.funding_goal.title else "project goal"
        out.append(f"- **Funding goal:** {title}, {_money(config.funding_goal.amount, cur)}.")
    rd = config.readme
    if rd.update == "off":
        out.append("- **README sponsors:** not written.")
    else:
        tiers = ", ".join(f"{t(x.name)} (from {_money(x.min, cur)})" for x in rd.tiers)
        out.append(f"- **README sponsors:** {t(rd.path)}, {mode[rd.update]}; tiers: {tiers}.")
    return "\n".join(out) + "\n"
