"""What changed for an operation between two copies of GitHub's REST description (for the refresh command of
``extract_subset``): parameters, the request body's schema and the responses, compared with every ``$ref``
resolved, so a change inside a shared component shows on each operation it reaches."""

from __future__ import annotations

from typing import Any

METHODS = ("get", "put", "post", "delete", "patch")
MAX_PLACES = 4  # differing places shown per operation part
PROSE = ("description", "summary", "title")  # text for people, not the contract (when its value is a string)


def operations(spec: dict) -> dict[str, tuple[str, str, dict]]:
    """operationId -> (METHOD, path template, operation)."""
    out = {}
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method in METHODS and isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = (method.upper(), path, op)
    return out


def deref(spec: dict, node: Any, stack: tuple[str, ...] = ()) -> Any:
    """``node`` with every ``#/components/...`` reference replaced by its target (a cycle stays a reference);
    ``x-octokit``, examples and prose left out (documentation, not the contract)."""
    if isinstance(node, list):
        return [deref(spec, v, stack) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        if ref in stack:
            return {"$ref": ref}
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        return deref(spec, target, (*stack, ref))
    return {k: deref(spec, v, stack) for k, v in node.items()
            if k not in ("x-octokit", "examples", "example") and not (k in PROSE and isinstance(v, str))}


def differences(a: Any, b: Any, where: str = "") -> list[str]:
    """JSON pointers where ``a`` and ``b`` differ (``+`` added in b, ``-`` removed, ``~`` changed)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            p = f"{where}/{k}"
            if k not in a:
                out.append(f"+{p}")
            elif k not in b:
                out.append(f"-{p}")
            else:
                out += differences(a[k], b[k], p)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{where}/{i}")]
    return [] if a == b else [f"~{where or '/'}"]


def _params(spec: dict, op: dict) -> dict[str, Any]:
    return {f"{p.get('in')}:{p.get('name')}": p for p in (deref(spec, x) for x in op.get("parameters", []))}


def _parts(spec: dict, op: dict) -> dict[str, Any]:
    body = deref(spec, op.get("requestBody", {}))
    return {
        "parameters": _params(spec, op),
        "request body": body.get("content", {}).get("application/json", {}).get("schema"),
        "request body required": bool(body.get("required")),
        "responses": {code: deref(spec, r).get("content", {}).get("application/json", {}).get("schema")
                      for code, r in op.get("responses", {}).items()},
        "deprecated": bool(op.get("deprecated")),
    }


def drift(old: dict, new: dict, ids: list[str]) -> list[str]:
    """One line per operation part that differs between ``old`` and ``new`` (indented, for printing)."""
    before, after = operations(old), operations(new)
    lines = []
    for operation_id in ids:
        if operation_id not in after:
            if operation_id in before:
                lines.append(f"  {operation_id}: removed")
            continue
        if operation_id not in before:
            lines.append(f"  {operation_id}: new")
            continue
        (m1, p1, o1), (m2, p2, o2) = before[operation_id], after[operation_id]
        if (m1, p1) != (m2, p2):
            lines.append(f"  {operation_id}: moved from {m1} {p1} to {m2} {p2}")
        a, b = _parts(old, o1), _parts(new, o2)
        for part in a:
            found = differences(a[part], b[part])
            if found:
                more = f" (+{len(found) - MAX_PLACES} more)" if len(found) > MAX_PLACES else ""
                lines.append(f"  {operation_id}: {part}: {', '.join(found[:MAX_PLACES])}{more}")
    return lines
