"""Routing and validation against GitHub's OpenAPI description (``data/rest-api-subset.json``).

The sandbox routes every REST request through this table, so an operation that is not in the
description cannot be served, and a request that does not match its operation is reported.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
from importlib import resources
from typing import Any
from urllib.parse import unquote

from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_URN = "urn:gh"


def _drop_discriminators(o: Any) -> None:
    if isinstance(o, dict):
        o.pop("discriminator", None)
        for v in o.values():
            _drop_discriminators(v)
    elif isinstance(o, list):
        for v in o:
            _drop_discriminators(v)


def _allow_null_in_nullable_enums(o: Any) -> None:
    # GitHub's description marks some enums nullable without listing null (e.g. issue.state_reason)
    if isinstance(o, dict):
        if o.get("nullable") and isinstance(o.get("enum"), list) and None not in o["enum"]:
            o["enum"] = [*o["enum"], None]
        for v in o.values():
            _allow_null_in_nullable_enums(v)
    elif isinstance(o, list):
        for v in o:
            _allow_null_in_nullable_enums(v)


def prepare(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` made fit for jsonschema: discriminators dropped, null allowed in nullable enums (in place)."""
    _drop_discriminators(spec)
    _allow_null_in_nullable_enums(spec)
    return spec


class Description:
    """One OpenAPI description with its schema validators: the sandbox's subset (:func:`subset`), or any
    other copy of GitHub's description (the vendored reference the tests check requests against)."""

    def __init__(self, spec: dict[str, Any], urn: str = SPEC_URN) -> None:
        self.spec = prepare(spec)
        self.urn = urn
        self.registry = Registry().with_resource(urn, Resource.from_contents(self.spec, default_specification=DRAFT4))
        self._validators: dict[str, OAS30Validator] = {}

    def validator(self, pointer: str) -> OAS30Validator:
        v = self._validators.get(pointer)
        if v is None:
            v = self._validators[pointer] = OAS30Validator({"$ref": f"{self.urn}#{pointer}"}, registry=self.registry)
        return v

    def resolve(self, obj: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in obj:
            node: Any = self.spec
            for part in obj["$ref"].lstrip("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            obj = node
        return obj


@functools.cache
def subset() -> Description:
    """The sandbox's description (``data/rest-api-subset.json``), loaded once."""
    text = resources.files("bot.sandbox").joinpath("data/rest-api-subset.json").read_text("utf-8")
    return Description(json.loads(text))


def load_spec() -> dict[str, Any]:
    return subset().spec


def _validator(pointer: str) -> OAS30Validator:
    return subset().validator(pointer)


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def schema_errors(name: str, instance: Any) -> list[str]:
    """Errors of ``instance`` against ``#/components/schemas/<name>`` (for tests)."""
    v = _validator(_pointer("components", "schemas", name))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(instance)]


def _github_wording(err: Any) -> str | None:
    """GitHub's own text for a size limit of its JSON schema (after "Invalid request.\\n\\n"), e.g. 51 check-run
    annotations: "No more than 50 items are allowed; 51 were supplied."; a 70,000-character check-run summary:
    "Only 65535 characters are allowed; 70000 were supplied." (not the whole value, as jsonschema says it)."""
    if err.validator == "maxItems" and isinstance(err.instance, list):
        return f"No more than {err.validator_value} items are allowed; {len(err.instance)} were supplied."
    if err.validator == "maxLength" and isinstance(err.instance, str):
        return f"Only {err.validator_value} characters are allowed; {len(err.instance)} were supplied."
    return None


@dataclasses.dataclass(frozen=True)
class Param:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    multi: bool


@dataclasses.dataclass(frozen=True)
class Operation:
    method: str
    template: str
    operation_id: str
    params: dict[str, Param]
    body_required: bool
    body_pointer: str | None
    responses: dict[str, str | None]  # status -> schema pointer
    doc_url: str = "https://docs.github.com/rest"
    description: Description | None = dataclasses.field(default=None, compare=False, repr=False)

    def _validator(self, pointer: str) -> OAS30Validator:
        return (self.description or subset()).validator(pointer)

    @property
    def query_params(self) -> dict[str, Param]:
        return {n: p for n, p in self.params.items() if p.location == "query"}

    def body_errors(self, body: Any) -> list[str]:
        if self.body_pointer is None:
            return []
        v = self._validator(self.body_pointer)
        err = best_match(v.iter_errors(body))
        if err is None:
            return []
        github = _github_wording(err)
        if github is not None:
            return [github]
        where = "/".join(map(str, err.absolute_path)) or "(root)"
        return [f"{where}: {err.message}"]

    def response_errors(self, status: int, body: Any) -> list[str]:
        pointer = self.responses.get(str(status))
        if pointer is None:
            return []
        v = self._validator(pointer)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in v.iter_errors(body)][:5]


class Router:
    """Matches (method, raw path) to an operation of the description."""

    def __init__(self, description: Description | None = None) -> None:
        description = description or subset()
        spec = description.spec
        _resolve = description.resolve
        routes: list[tuple[tuple[int, int], re.Pattern[str], list[str], str, dict[str, Operation]]] = []
        for template, item in spec["paths"].items():
            ops: dict[str, Operation] = {}
            names: list[str] = re.findall(r"\{(\w+)\}", template)
            multi: set[str] = set()
            for method, op in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                params: dict[str, Param] = {}
                for raw in op.get("parameters", []):
                    p = _resolve(raw)
                    params[p["name"]] = Param(p["name"], p["in"], bool(p.get("required")), p.get("schema", {}),
                                              bool(p.get("x-multi-segment")))
                    if p.get("x-multi-segment"):
                        multi.add(p["name"])
                rb = op.get("requestBody")
                body_pointer = None
                if rb and "application/json" in rb.get("content", {}):
                    body_pointer = _pointer("paths", template, method, "requestBody", "content",
                                            "application/json", "schema")
                responses: dict[str, str | None] = {}
                for code, resp in op.get("responses", {}).items():
                    r = _resolve(resp)
                    if "application/json" in r.get("content", {}) and "schema" in r["content"]["application/json"]:
                        if "$ref" in resp:
                            ptr = resp["$ref"].lstrip("#") + "/content/application~1json/schema"
                        else:
                            ptr = _pointer("paths", template, method, "responses", code, "content",
                                           "application/json", "schema")
                        responses[code] = ptr
                    else:
                        responses[code] = None
                ops[method.upper()] = Operation(method.upper(), template, op["operationId"], params,
                                                bool(rb and rb.get("required")), body_pointer, responses,
                                                op.get("externalDocs", {}).get("url", "https://docs.github.com/rest"),
                                                description)
            rx = ""
            for part in re.split(r"(\{\w+\})", template):
                m = re.fullmatch(r"\{(\w+)\}", part)
                if m:
                    rx += f"(?P<{m.group(1)}>.*)" if m.group(1) in multi else f"(?P<{m.group(1)}>[^/]+)"
                else:
                    rx += re.escape(part)
            literal = len(re.sub(r"\{\w+\}", "", template))
            routes.append(((len(names), -literal), re.compile(rx), names, template, ops))
        routes.sort(key=lambda r: r[0])
        self.routes = routes
        self.operations = {op.operation_id: op for *_x, ops in routes for op in ops.values()}

    def match(self, method: str, raw_path: str) -> tuple[Operation | None, dict[str, str], bool]:
        """(operation, decoded path params, path_known). path_known is True when only the method is wrong."""
        path_known = False
        for _key, rx, _names, _template, ops in self.routes:
            m = rx.fullmatch(raw_path)
            if not m:
                continue
            path_known = True
            op = ops.get(method)
            if op is None:
                continue
            return op, {k: unquote(v) for k, v in m.groupdict().items()}, True
        return None, {}, path_known


def coerce_param(p: Param, value: str) -> tuple[Any, str | None]:
    """Convert a path/query string to the parameter's type; (value, error)."""
    schema = p.schema
    t = schema.get("type")
    v: Any = value
    if t == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return value, f"{p.location} parameter {p.name!r}: {value!r} is not an integer"
        v = int(value)
    elif t == "boolean":
        if value not in ("true", "false"):
            return value, f"{p.location} parameter {p.name!r}: {value!r} is not a boolean"
        v = value == "true"
    if "enum" in schema and v not in schema["enum"]:
        return v, f"{p.location} parameter {p.name!r}: {value!r} is not one of {schema['enum']}"
    return v, None


def deepcopy_spec() -> dict[str, Any]:
    return copy.deepcopy(load_spec())


def request_problems(router: Router, method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
    """What is wrong with one request against ``router``'s description: an unknown method and path, a path or
    query parameter of the wrong type, an unknown query parameter, a required one missing, a body where none
    is taken, a missing required body, a body its schema refuses. Empty when the request is valid."""
    op, path_params, known = router.match(method.upper(), path)
    if op is None:
        return [f"{method} {path}: " + ("method not allowed" if known else "no such operation")]
    where = f"{method} {op.template} ({op.operation_id})"
    problems = []
    for name, value in path_params.items():
        p = op.params.get(name)
        if p is not None and (err := coerce_param(p, value)[1]):
            problems.append(err)
    qparams = op.query_params
    for name, value in query.items():
        p = qparams.get(name)
        if p is None:
            problems.append(f"unknown query parameter {name!r}")
        elif err := coerce_param(p, value)[1]:
            problems.append(err)
    problems += [f"required {p.location} parameter {n!r} missing" for n, p in op.params.items()
                 if p.required and p.location == "query" and n not in query]
    if body is None and op.body_required:
        problems.append("a request body is required")
    elif body is not None and op.body_pointer is None:
        problems.append("this operation takes no request body")
    elif body is not None:
        problems += op.body_errors(body)
    return [f"{where}: {p}" for p in problems]
