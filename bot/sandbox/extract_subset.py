"""Add operations of GitHub's REST description to the sandbox's subset (``data/rest-api-subset.json``), and
refresh the verbatim reference copy of the operations fundbot uses (``--from``), printing the drift.

The full description is GitHub's ``descriptions/api.github.com/api.github.com.json``; the copy used here
ships in the npm package ``@octokit/openapi`` (``cd /tmp && npm pack @octokit/openapi``, then
``package/generated/api.github.com.json``). An operation is copied with every component it references,
transitively, and cleaned the way the rest of the subset is: Octokit's ``x-octokit`` keys are removed and
media-type ``examples`` (which point at ``components/examples``, not kept) are dropped.

Operations already in the subset are left as they are (some carry GitHub's own text where Octokit's copy
differs; see ``bot/sandbox/data/README.md``), and so are components already there.

Refresh (``--from``, a tarball from ``npm pack @octokit/openapi`` or its ``api.github.com.json``): every
operation of the sandbox's subset (the sandbox serves nothing else, so these are all the operations fundbot
can use) is copied verbatim from the package, with the components it references and Octokit's ``x-octokit``
keys and ``examples`` left out, into ``tests/data/github/openapi/rest-api-reference.json`` (with the
package's license beside it); then the drift from the copy it replaces is printed per operation
(parameters, request body schema, responses). The tests check every request fundbot makes in a scenario
against that copy; they never download.

    python -m bot.sandbox.extract_subset --from octokit-openapi-23.0.2.tgz
    python -m bot.sandbox.extract_subset /tmp/package/generated/api.github.com.json checks/list-for-ref
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

from . import openapi_drift

SUBSET = Path(__file__).with_name("data") / "rest-api-subset.json"
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "github" / "openapi"
REFERENCE = REFERENCE_DIR / "rest-api-reference.json"
MEMBER = "package/generated/api.github.com.json"
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


def read_package(path: Path) -> tuple[dict, dict, bytes | None]:
    """(full description, source record, license text) from an ``npm pack`` tarball or a bare JSON file."""
    raw = path.read_bytes()
    if not path.name.endswith((".tgz", ".tar.gz")):
        return json.loads(raw), {"file": path.name, "sha256": hashlib.sha256(raw).hexdigest()}, None
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        def member(name: str) -> bytes:
            f = tar.extractfile(name)
            if f is None:
                raise KeyError(f"{name} is not a file in {path.name}")
            return f.read()
        package = json.loads(member("package/package.json"))
        full = json.loads(member(MEMBER))
        license_text = member("package/LICENSE")
    source = {"package": package.get("name"), "version": package.get("version"), "license": package.get("license"),
              "file": MEMBER, "tarball": path.name, "tarball_sha256": hashlib.sha256(raw).hexdigest(),
              "upstream": "https://github.com/github/rest-api-description (descriptions/api.github.com/"
                          "api.github.com.json), as shipped in the npm package"}
    return full, source, license_text


def operation_ids(spec: dict) -> list[str]:
    return sorted(op["operationId"] for item in spec["paths"].values() for method, op in item.items()
                  if method in METHODS and isinstance(op, dict) and "operationId" in op)


def build_reference(full: dict, ids: list[str], source: dict) -> tuple[dict, list[str]]:
    """The operations ``ids`` of ``full`` verbatim (``x-octokit`` and examples left out) with the components
    they reference; and the ids ``full`` does not have."""
    ref = {"openapi": full.get("openapi"), "info": full.get("info"), "servers": full.get("servers"),
           "x-fundbot-source": source, "paths": {}, "components": {}}
    missing = []
    for operation_id in ids:
        try:
            find_operation(full, operation_id)
        except KeyError:
            missing.append(operation_id)
            continue
        add_operations(ref, full, [operation_id])
    ref["components"] = {k: dict(sorted(v.items())) for k, v in sorted(ref["components"].items())}
    return ref, missing


def refresh(path: Path) -> int:
    """``--from``: rewrite the reference from a newer package and print the drift of the operations used."""
    full, source, license_text = read_package(path)
    ids = operation_ids(json.loads(SUBSET.read_text("utf-8")))
    new, missing = build_reference(full, ids, source)
    old = json.loads(REFERENCE.read_text("utf-8")) if REFERENCE.exists() else None
    lines = [f"{source.get('package') or source['file']} {source.get('version') or ''}: "
             f"{len(ids) - len(missing)} of the {len(ids)} operations fundbot uses".strip()]
    lines += [f"MISSING {operation_id}: no longer in the description" for operation_id in missing]
    if old is None:
        lines.append("no earlier reference: nothing to compare")
    else:
        was = old.get("x-fundbot-source", {})
        lines.append(f"drift from {was.get('package') or was.get('file')} {was.get('version') or ''}:".replace(" :", ":"))
        lines += openapi_drift.drift(old, new, ids) or ["  none"]
    lines.append("sandbox subset against it:")
    lines += openapi_drift.drift(json.loads(SUBSET.read_text("utf-8")), new, ids) or ["  none"]
    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_text(json.dumps(new, indent=1, ensure_ascii=False) + "\n", "utf-8")
    if license_text is not None:
        (REFERENCE_DIR / "LICENSE-octokit-openapi.txt").write_bytes(license_text)
    print("\n".join(lines))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--from":
        return refresh(Path(argv[1]))
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    full = read_package(Path(argv[0]))[0]
    subset = json.loads(SUBSET.read_text("utf-8"))
    before = copy.deepcopy(subset)
    added = add_operations(subset, full, argv[1:])
    if subset != before:
        SUBSET.write_text(json.dumps(subset, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print("\n".join(added) or "nothing to add")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
