"""Add operations of GitHub's REST description to the sandbox's subset (``data/rest-api-subset.json``).

The full description is GitHub's ``descriptions/api.github.com/api.github.com.json``; the copy used here
ships in the npm package ``@octokit/openapi`` (``cd /tmp && npm pack @octokit/openapi``, then
``package/generated/api.github.com.json``). An operation is copied with every component it references,
transitively, and cleaned the way the rest of the subset is: Octokit's ``x-octokit`` keys are removed and
media-type ``examples`` (which point at ``components/examples``, not kept) are dropped.

Operations already in the subset are left as they are (some carry GitHub's own text where Octokit's copy
differs; see ``bot/sandbox/data/README.md``), and so are components already there.

    python -m bot.sandbox.extract_subset /tmp/package/generated/api.github.com.json checks/list-for-ref
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

SUBSET = Path(__file__).with_name("data") / "rest-api-subset.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def clean(node: Any) -> Any:
    """A copy without ``x-octokit`` keys and without media-type ``examples``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "x-octokit":
                continue
            if key == "examples" and isinstance(value, dict) and all(
                    isinstance(v, dict) and set(v) == {"$ref"} for v in value.values()):
                continue  # {"default": {"$ref": "#/components/examples/..."}}
            out[key] = clean(value)
        return out
    if isinstance(node, list):
        return [clean(v) for v in node]
    return node


def references(node: Any) -> set[tuple[str, str]]:
    """(section, name) of every ``#/components/<section>/<name>`` reference in ``node``."""
    found: set[tuple[str, str]] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                parts = ref.split("/")
                if len(parts) != 4 or parts[:2] != ["#", "components"]:
                    raise ValueError(f"unsupported reference {ref!r}")
                found.add((parts[2], parts[3].replace("~1", "/").replace("~0", "~")))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def find_operation(full: dict, operation_id: str) -> tuple[str, str, dict]:
    for path, item in full["paths"].items():
        for method, op in item.items():
            if method in METHODS and isinstance(op, dict) and op.get("operationId") == operation_id:
                return path, method, op
    raise KeyError(f"no operation {operation_id!r} in the description")


def add_operations(subset: dict, full: dict, operation_ids: list[str]) -> list[str]:
    """Copy ``operation_ids`` from ``full`` into ``subset`` (in place); the names of what was added."""
    added: list[str] = []
    pending: set[tuple[str, str]] = set()
    for operation_id in operation_ids:
        path, method, op = find_operation(full, operation_id)
        item = subset["paths"].setdefault(path, {})
        if method in item:
            continue
        item[method] = clean(op)
        added.append(f"{method.upper()} {path} ({operation_id})")
        pending |= references(item[method])
    components = subset.setdefault("components", {})
    while pending:
        section, name = min(pending)  # a fixed order, so a refresh gives the same file
        pending.discard((section, name))
        have = components.setdefault(section, {})
        if name in have:
            continue
        have[name] = clean(full["components"][section][name])
        added.append(f"components/{section}/{name}")
        pending |= references(have[name])
    subset["paths"] = dict(sorted(subset["paths"].items()))
    return added


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    full = json.loads(Path(argv[0]).read_text("utf-8"))
    subset = json.loads(SUBSET.read_text("utf-8"))
    before = copy.deepcopy(subset)
    added = add_operations(subset, full, argv[1:])
    if subset != before:
        SUBSET.write_text(json.dumps(subset, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print("\n".join(added) or "nothing to add")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
