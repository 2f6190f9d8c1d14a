"""The JSON Schema (bot.core.config.json_schema) agrees with the validator on every config in the tests.

The configs: every string constant in tests/**/*.py that the validator reads as a YAML mapping with at
least one fundbot key, every real-world FUNDING.yml of tests/data embedded under ``funding:`` (as
tests/core/test_config_realworld_funding.py does), and the onboarding template (commented and uncommented).
Each is read as YAML (the validator's ``raw``) and checked against the schema with ``jsonschema``.

* the validator reports nothing (no error, no warning)        -> the schema accepts it;
* the validator reports an issue the schema expresses          -> the schema refuses it;
* every other issue is a known difference, listed below with the reason JSON Schema cannot say it.

The schema is as strict as the validator *without warnings* (an editor should flag what fundbot warns
about), so the warnings it expresses (unknown keys, a string where a boolean goes, an empty value) are
refusals of the schema.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema

from bot.core import config as cfg
from bot.core.config.json_schema import SCHEMA_URL, json_schema
from bot.core.config.render import MODELINE
from tests.core.test_config_realworld_funding import DATA, embed

TESTS = Path(__file__).parents[1]
COMMITTED = TESTS.parent / "schema" / "fundbot.schema.json"

# Issues the schema expresses: where the validator reports one, the schema must refuse the file.
EXPRESSED = {
    "wrong-type", "bad-enum", "too-many", "too-few", "missing-key", "not-a-mapping", "too-long", "bad-text",
    "bad-label", "not-https", "unknown-key", "bool-as-string", "empty-value",
}
_INT_KEYS = {"bounties.deadline_days", "readme.debounce_seconds"}  # out-of-range of a whole number: expressed

# Known differences: the validator reports these, the schema may accept the file. Code -> why.
KNOWN_DIFFERENCES = {
    "currency-mismatch": "a check across keys (the currency of an amount vs bounties.currency)",
    "min-above-max": "a check across keys (min_pledge vs max_amount)",
    "out-of-range": "across keys for goals and rewards (vs max_amount / min_pledge); expressed for whole numbers",
    "duplicate-label": "a check across keys, case-insensitive (label, funded_label, delivered_label, labels)",
    "duplicate-tier": "a check across list entries (names case-insensitive, equal mins)",
    "unknown-tier": "a check across keys (a sponsor's tier vs readme.tiers)",
    "unsorted": "an order by value; JSON Schema has no ordering keyword",
    "broad-permission": "a warning about one value of a list (read); the schema allows every permission",
    "goal-without-amount": "a check across keys (title set, amount 0)",
    "duplicate-value": "uniqueItems compares exactly; the validator compares case-insensitively",
    "duplicate-key": "a YAML matter: read as JSON, the last value is all that is left",
    "bad-amount": "parse_amount's grammar (limits, decimals, suffixes) is only approximated by a pattern",
    "bad-currency": "the pattern checks three letters; the ISO 4217 list is the validator's",
    "bad-login": "the pattern checks the characters; the 39-character limit of the name is the validator's",
    "bad-url": "bot.core.markdown.url's rules are only approximated by a pattern",
    "bad-extends": "the pattern approximates OWNER/REPO:PATH; path rules (bot.core.paths) are the validator's",
    "unknown-placeholder": "a warning about text inside a template",
    "too-many-issues": "a count of the other issues",
    "multiple-documents": "a YAML matter: the editor checks each document",
}
# README path rules (bot.core.paths.readme_problem) and FUNDING.yml rules (check-funding, keys
# ``funding.*``) are the validator's alone, whatever their code.
_PATH_KEY = "readme.path"


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema())


def _json(value: Any) -> Any:
    """The YAML values as a JSON document (keys are text, as an editor reads them)."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def _strings() -> list[tuple[str, str]]:
    out = []
    for py in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes) and ":" in str(node.value):
                value = node.value if isinstance(node.value, str) else node.value.decode("utf-8", "replace")
                out.append((f"{py.relative_to(TESTS)}:{node.lineno}", value))
    return out


# a cheap first look (validating all ~1,500 strings of the tests took seconds of every run's collection): a
# configuration names one of the schema's top-level keys, at the start of a line or in a flow mapping
_KEYS = "|".join(re.escape(str(k)) for k in sorted(cfg.SCHEMA.keys))
_TOP_KEY = re.compile(rf"(?:^[ \t]*|[{{,][ \t]*)[\"']?(?:{_KEYS})[\"']?[ \t]*:", re.MULTILINE)


def _configs() -> list[tuple[str, str, cfg.ConfigResult]]:
    candidates = _strings()
    candidates += [(f"data/{p.name}", embed(p.read_bytes())[0]) for p in sorted(DATA.iterdir())]
    template = cfg.onboarding_template()
    uncommented = "\n".join([MODELINE, *(line.removeprefix("# ") for line in template.splitlines()[1:])]) + "\n"
    candidates += [("onboarding template", template), ("onboarding template, uncommented", uncommented)]
    out, seen = [], set()
    for where, text in candidates:
        if text in seen or not _TOP_KEY.search(text):
            continue
        seen.add(text)
        result = cfg.validate(text)
        if isinstance(result.raw, dict) and set(map(str, result.raw)) & set(cfg.SCHEMA.keys):
            out.append((where, text, result))
    return out


# Read when a test asks, not at collection (every xdist worker collects; one runs these tests).
CONFIGS = functools.cache(_configs)


def _expressed(issue: cfg.Issue) -> bool:
    if issue.key is not None and (issue.key.startswith("funding") or issue.key == _PATH_KEY):
        return False
    if issue.code == "out-of-range":
        return issue.key in _INT_KEYS
    return issue.code in EXPRESSED


def test_the_collection_covers_accepted_and_refused_configs() -> None:
    clean = [w for w, _, r in CONFIGS() if not r.issues]
    refused = [w for w, _, r in CONFIGS() if any(_expressed(i) for i in r.issues)]
    assert len(CONFIGS()) >= 150, len(CONFIGS())
    assert len(clean) >= 50 and len(refused) >= 30, (len(clean), len(refused))


def test_schema_agrees_with_the_validator() -> None:
    """Every configuration in the tests (CONFIGS), each judged by the JSON Schema and by the validator; every
    disagreement is listed."""
    validator = _validator()
    wrong: list[str] = []
    for where, _text, result in CONFIGS():
        problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(_json(result.raw))]
        expressed = [i for i in result.issues if _expressed(i)]
        if not result.issues and problems:
            wrong.append(f"{where}: valid without warnings, but the schema refuses it: {problems}")
        elif expressed and not problems:
            wrong.append(f"{where}: the validator reports {[(i.key, i.code) for i in expressed]}, the schema accepts it")
        for issue in result.issues:
            known = issue.code in KNOWN_DIFFERENCES or _expressed(issue)
            known = known or (issue.key or "").startswith("funding") or issue.key == _PATH_KEY
            if not known:
                wrong.append(f"{where}: {issue.code} at {issue.key} is neither expressed nor a listed difference")
    assert wrong == [], "\n".join(wrong)


def test_the_committed_schema_file_is_the_generated_one() -> None:
    # byte for byte what `python -m bot schema > schema/fundbot.schema.json` writes
    assert COMMITTED.read_text(encoding="utf-8") == json.dumps(json_schema(), indent=2) + "\n", (
        "regenerate it: python -m bot schema > schema/fundbot.schema.json")
    assert SCHEMA_URL.endswith("/" + COMMITTED.relative_to(TESTS.parent).as_posix())


def test_the_schema_is_valid_under_draft_2020_12_and_draft_07() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft7Validator.check_schema(schema)  # what the YAML language server validates with
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text and "prefixItems" not in text


def test_the_onboarding_file_names_the_schema_on_its_first_line() -> None:
    first = cfg.onboarding_template().splitlines()[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA_URL}"
    assert cfg.validate(cfg.onboarding_template()).issues == []


def test_every_key_of_the_schema_is_described() -> None:
    def walk(node: dict[str, Any], path: str) -> None:
        for name, prop in node.get("properties", {}).items():
            assert prop.get("description"), f"{path}{name}"
            inner = prop.get("items", prop) if "items" in prop else prop
            if "properties" in inner and not name == "funding":
                walk(inner, f"{path}{name}.")

    walk(json_schema(), "")


def test_the_schema_command_prints_the_committed_file():
    """`python -m bot schema` (the README's way to regenerate it) prints exactly schema/fundbot.schema.json."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-m", "bot", "schema"], cwd=root, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out == (root / "schema" / "fundbot.schema.json").read_text(encoding="utf-8")
