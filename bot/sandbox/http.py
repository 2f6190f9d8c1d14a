"""The HTTP side of the sandbox: dispatch, auth, rate limits, conditional requests, pagination, faults."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import http
import json
import math
import traceback
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization

from . import conditional
from .faults import SECONDARY_DOCS, SECONDARY_MESSAGE, FaultRule
from .limits import ContentLimits
from .moves import ARCHIVED_MESSAGE, by_id_path, redirect, refuses_write
from .openapi import Operation, Router, coerce_param
from .state import Call, RateBucket, RepoState, Token
from .world import World

DOCS = "https://docs.github.com/rest"
RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
_router: Router | None = None

# The REST API versions GitHub's public API supports (docs.github.com, "API Versions": 2022-11-28, and 2026-03-10
# released on Tue, 10 Mar 2026; a version stays supported at least 24 months after its successor ships).
API_VERSIONS = ("2022-11-28", "2026-03-10")


def router() -> Router:
    global _router
    if _router is None:
        _router = Router()
    return _router


class ApiError(Exception):
    """An error answer in GitHub's format."""

    def __init__(self, status: int, message: str, *, errors: list[dict] | None = None, doc: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.doc = doc
        self.headers = headers or {}


def not_found(doc: str | None = None) -> ApiError:
    return ApiError(404, "Not Found", doc=doc)


def validation_failed(errors: list[dict], doc: str | None = None, message: str = "Validation Failed") -> ApiError:
    return ApiError(422, message, errors=errors, doc=doc)


@dataclasses.dataclass
class Resp:
    status: int
    data: Any = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    raw: bytes | None = None  # a non-JSON body (e.g. the raw media type of the contents API)
    raw_type: str = "application/vnd.github.raw"


@dataclasses.dataclass
class AuthInfo:
    kind: str | None  # "jwt" | "token" (installation) | "user" (a personal access token) | None
    installation_id: int | None = None
    token: Token | None = None
    error: str | None = None
    user: tuple[str, tuple[str, ...]] | None = None  # a personal access token's (login, OAuth scopes)


@dataclasses.dataclass
class Req:
    sb: World
    request: web.Request
    op: Operation
    params: dict[str, Any]
    query: dict[str, Any]
    body: Any
    auth: AuthInfo
    base: str
    repo: RepoState | None = None

    @property
    def doc(self) -> str:
        return self.op.doc_url

    def q(self, name: str, default: Any = None) -> Any:
        return self.query.get(name, default)

    @property
    def by_app(self) -> bool:
        return self.auth.kind in ("token", "jwt")

    def paginate(self, items: list, *, default: int = 30) -> tuple[list, dict[str, str]]:
        per_page = self.query.get("per_page", default)
        per_page = default if not isinstance(per_page, int) or per_page <= 0 else min(per_page, 100)
        page = self.query.get("page", 1)
        page = page if isinstance(page, int) and page > 0 else 1
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        raw = [(k, v) for k, v in self.request.rel_url.query.items() if k != "page"]
        path = conditional.link_path(self.request.rel_url.raw_path, self.repo.id if self.repo is not None else None)

        def url(p: int) -> str:  # as GitHub links a repository's lists: /repositories/ID/... (conditional.py)
            return f"{self.base}{path}?{urlencode([*raw, ('page', str(p))])}"

        links = []
        if page > 1:
            links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
        if page < last:
            links.append(f'<{url(page + 1)}>; rel="next"')
            links.append(f'<{url(last)}>; rel="last"')
        if page > 1:
            links.append(f'<{url(1)}>; rel="first"')
        return chunk, ({"Link": ", ".join(links)} if links else {})


# which installation permission a mutating operation needs
WRITE_PERMISSION = {
    "issues/update": "issues", "issues/create-comment": "issues", "issues/update-comment": "issues",
    "issues/delete-comment": "issues", "reactions/create-for-issue": "issues",
    "reactions/create-for-issue-comment": "issues", "issues/create-label": "issues",
    "issues/update-label": "issues", "issues/delete-label": "issues", "issues/add-labels": "issues",
    "issues/set-labels": "issues", "issues/remove-label": "issues",
    "repos/create-or-update-file-contents": "contents", "git/create-blob": "contents",
    "git/create-tree": "contents", "git/create-commit": "contents", "git/create-ref": "contents",
    "git/update-ref": "contents", "git/delete-ref": "contents", "repos/update-release": "contents",
    "pulls/create": "pull_requests", "pulls/update": "pull_requests",
    "checks/create": "checks", "checks/update": "checks",
}
NO_RATE_COUNT = {"rate-limit/get"}
JWT_OPERATIONS = {"apps/get-repo-installation"}


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


class HttpFront:
    """The sandbox's HTTP side (``sandbox.http``): every request to the aiohttp app goes through
    :meth:`dispatch`; the REST operations run ``handlers`` (by operationId), ``POST /graphql`` runs ``graphql``."""

    def __init__(self, sb: World, handlers: Mapping[str, Callable[[Req], Awaitable[Resp]]],
                 graphql: Callable[[World, AuthInfo, Any, str | None], Awaitable[tuple[int, Any]]]) -> None:
        self.sb = sb
        self._handlers = handlers  # the REST operations, by operationId (bot.sandbox.routes)
        self._graphql = graphql  # POST /graphql (bot.sandbox.graphql_api)
        key = serialization.load_pem_private_key(sb.private_key_pem, password=None)
        self._public_key = key.public_key()
        self._request_counter = 0
        self.limits = ContentLimits(sb.clock)  # GitHub's secondary limits on content creation (limits.py)
    # --- helpers ---------------------------------------------------------------------------------
    def rate_headers(self, b: RateBucket, resource: str = "core") -> dict[str, str]:
        return {"x-ratelimit-limit": str(b.limit), "x-ratelimit-remaining": str(b.remaining),
                "x-ratelimit-reset": str(int(math.ceil(b.reset))), "x-ratelimit-used": str(min(b.used, b.limit)),
                "x-ratelimit-resource": resource}

    def _request_id(self) -> str:
        self._request_counter += 1
        return f"5A3C:{self._request_counter:05X}:{self._request_counter * 7919:07X}:0000000:00000000"

    def error_response(self, status: int, message: str, *, doc: str | None = None, errors: list | None = None,
                       headers: dict[str, str] | None = None) -> web.Response:
        data: dict[str, Any] = {"message": message, "documentation_url": doc or DOCS}
        if errors is not None:
            data["errors"] = errors
        data["status"] = str(status)
        return self.json_response(status, data, headers)

    def json_response(self, status: int, data: Any, headers: dict[str, str] | None = None,
                      encoded: bytes | None = None) -> web.Response:
        h = {"X-GitHub-Media-Type": "github.v3; format=json", "X-GitHub-Api-Version-Selected": "2022-11-28",
             "Server": "github.com", "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
             "X-GitHub-Request-Id": self._request_id()}
        h.update(headers or {})
        if status in (204, 304) or data is None and status != 200:
            return web.Response(status=status, headers=h)
        h["Content-Type"] = "application/json; charset=utf-8"
        return web.Response(status=status, body=encoded if encoded is not None else json_bytes(data), headers=h)

    # --- authentication ---------------------------------------------------------------------------
    def _authenticate(self, request: web.Request) -> AuthInfo:
        header = request.headers.get("Authorization", "").strip()
        if not header:
            return AuthInfo(None)
        scheme, _, cred = header.partition(" ")
        cred = cred.strip()
        if scheme.lower() not in ("token", "bearer") or not cred:
            return AuthInfo(None, error="Bad credentials")
        tok = self.sb._tokens.get(cred)
        if tok is not None:
            if tok.expires_at <= self.sb.clock():
                return AuthInfo("token", tok.installation_id, tok, error="Bad credentials")
            inst = self.sb._installations.get(tok.installation_id)
            if inst is None:
                return AuthInfo("token", tok.installation_id, tok, error="Bad credentials")
            return AuthInfo("token", tok.installation_id, tok)
        user = self.sb._user_tokens.get(cred)
        if user is not None:
            return AuthInfo("user", user=user)
        if cred.count(".") == 2:
            return AuthInfo("jwt", error=self._check_jwt(cred))
        return AuthInfo("token", error="Bad credentials")

    def _check_jwt(self, token: str) -> str | None:
        try:
            claims = jwt.decode(token, self._public_key, algorithms=["RS256"],
                                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                         "verify_iss": False, "verify_aud": False})
        except jwt.PyJWTError:
            return "A JSON web token could not be decoded"
        now = self.sb.clock()
        iat, exp, iss = claims.get("iat"), claims.get("exp"), claims.get("iss")
        if not isinstance(iat, int | float) or iat > now + 60:
            return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
        if not isinstance(exp, int | float) or exp <= now:
            return ("'Expiration time' claim ('exp') must be a numeric value representing the future time at which "
                    "the assertion expires")
        if exp - iat > 600:
            return "'Expiration time' claim ('exp') is too far in the future"
        try:
            iss_int = int(iss)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return "'Issuer' claim ('iss') must be an Integer"
        if iss_int != self.sb.app_id:
            return "Integration not found"
        return None

    # --- dispatch -----------------------------------------------------------------------------------
    async def dispatch(self, request: web.Request,
                       handle: Callable[[web.Request, Call, Any, str | None], Awaitable[web.Response]] | None = None,
                       ) -> web.StreamResponse:
        """Record the call, answer it (``handle``, default :meth:`handle`), turn an ApiError into GitHub's error
        answer and a sandbox bug into a 500 and a violation."""
        raw_body = await request.read()
        body: Any = None
        body_error = None
        if raw_body.strip():
            try:
                body = json.loads(raw_body)
            except ValueError:
                body_error = "Problems parsing JSON"
        call = Call(method=request.method, path=request.path, query=dict(request.rel_url.query), status=0,
                    body=body, installation_id=None, auth=None, ts=self.sb.clock(), headers=dict(request.headers))
        self.sb.calls.append(call)
        try:
            resp = await (handle or self.handle)(request, call, body, body_error)
        except ApiError as e:
            resp = self.error_response(e.status, e.message, doc=e.doc, errors=e.errors, headers=e.headers)
        except Exception as e:  # a sandbox bug: answer 500 and report it
            self.sb._violation(f"sandbox internal error on {request.method} {request.path}: {e!r}\n"
                               + traceback.format_exc(limit=6))
            resp = self.error_response(500, "Server Error")
        call.status = resp.status
        return resp

    async def handle(self, request: web.Request, call: Call, body: Any,
                     body_error: str | None) -> web.Response:
        method = request.method.upper()
        raw_path = request.rel_url.raw_path
        raw_path = by_id_path(self.sb, raw_path) or raw_path  # /repositories/ID/... is /repos/OWNER/NAME/...
        if self.sb.latency:
            await asyncio.sleep(self.sb.latency)
        is_graphql = raw_path == "/graphql"
        op, path_params, _known = (None, {}, True) if is_graphql else router().match(method, raw_path)
        call.operation_id = "graphql" if is_graphql else (op.operation_id if op else None)
        auth = self._authenticate(request)
        call.auth = auth.kind if auth.error is None else None
        call.installation_id = auth.installation_id if auth.kind == "token" else None
        bucket_key: tuple = (("inst", auth.installation_id) if auth.kind == "token" and auth.error is None
                             else ("app",) if auth.kind == "jwt" and auth.error is None else ("anon",))
        if auth.kind == "user" and auth.user is not None:
            bucket_key = ("user", auth.user[0].lower())
        if is_graphql and bucket_key[0] == "inst":
            bucket_key = ("graphql", auth.installation_id)
        resource = "graphql" if is_graphql else "core"

        # faults first: they model failures in front of the API
        rule = self.sb.faults.pick(method, request.path)
        if rule is not None:
            if rule.delay:
                await asyncio.sleep(rule.delay)
            if not rule.delay_only:
                call.faulted = True
                return await self._fault_response(request, call, rule, bucket_key, resource)

        if is_graphql and method != "POST":
            return self.error_response(404, "Not Found")
        version = request.headers.get("X-GitHub-Api-Version")
        if not is_graphql and version is not None and version not in API_VERSIONS:
            # what GitHub answers (docs.github.com, "API Versions"): 400 for a version it does not know
            return self.error_response(400, f"Unsupported 'X-GitHub-Api-Version' header: {version}. "
                                       f"Supported versions are: {', '.join(API_VERSIONS)}")
        refusal = self._auth_refusal(request.path, op, auth)
        if refusal is not None:
            return refusal

        bucket = self.sb._bucket(bucket_key)
        if bucket.remaining <= 0 and not (op and op.operation_id in NO_RATE_COUNT):
            return self._rate_limited(bucket, auth, resource)
        if bucket_key[0] == "inst" and auth.installation_id is not None:
            retry_after = self.limits.admit(auth.installation_id, method, request.path)
            if retry_after is not None:
                return self.secondary_limited(bucket, retry_after)

        if is_graphql:
            status, data = await self._graphql(self.sb, auth, body, body_error)
            bucket.used += 1
            headers = self.rate_headers(bucket, "graphql")
            if auth.kind == "user" and auth.user is not None:
                headers["X-OAuth-Scopes"] = ", ".join(auth.user[1])
            return self.json_response(status, data, headers)
        if auth.kind == "user":  # fundbot sends a person's token to GraphQL only (GitHub Sponsors)
            self.sb._violation(f"{method} {request.path}: a personal access token used on the REST API")
            return self.error_response(403, "Resource not accessible by personal access token")

        if op is None:
            self.sb._violation(f"{method} {request.path}: no such operation in GitHub's REST description")
            return self._count(bucket, self.error_response(404, "Not Found"))
        checked = self._check_request(request, op, path_params, body, body_error)
        if isinstance(checked, web.Response):
            return self._count(bucket, checked)
        params, query = checked
        moved = redirect(self.sb, method, raw_path, request.rel_url.raw_query_string, f"{request.scheme}://{request.host}",
                         kind=auth.kind, installation_id=auth.installation_id)
        if moved is not None:  # an old name of a renamed or transferred repository (moves.py)
            return self._count(bucket, self.json_response(*moved))
        req = Req(self.sb, request, op, params, query, body, auth, f"{request.scheme}://{request.host}")
        try:
            result = await self._run_handler(req, op, params, auth)
        except ApiError as e:
            resp = self.error_response(e.status, e.message, doc=e.doc or op.doc_url, errors=e.errors, headers=e.headers)
            return self._count(bucket, resp)
        return self._respond(request, op, result, bucket)

    def _auth_refusal(self, path: str, op: Operation | None,
                      auth: AuthInfo) -> web.Response | None:
        """The 401/403 for a request whose credentials do not fit the endpoint, or None."""
        needs = ("none" if path.startswith("/app-manifests/") else "any" if path == "/rate_limit"
                 else "jwt" if path == "/app" or path.startswith("/app/")
                 or (op is not None and op.operation_id in JWT_OPERATIONS) else "token")
        if auth.error and needs != "none":
            return self.error_response(401, auth.error, headers=self.rate_headers(self.sb._bucket(("anon",))))
        if needs == "jwt" and auth.kind != "jwt":
            msg = ("A JSON web token could not be decoded" if auth.kind else
                   "You must authenticate with a JSON web token (JWT) to access this endpoint.")
            return self.error_response(401, msg, headers=self.rate_headers(self.sb._bucket(("anon",))))
        if needs == "token" and auth.kind is None:
            return self.error_response(401, "Requires authentication",
                                       headers=self.rate_headers(self.sb._bucket(("anon",))))
        if needs == "token" and auth.kind == "jwt":
            return self.error_response(403, "Resource not accessible by integration",
                                       headers=self.rate_headers(self.sb._bucket(("app",))))
        return None

    def _check_request(self, request: web.Request, op: Operation,
                       path_params: dict[str, str], body: Any, body_error: str | None,
                       ) -> tuple[dict[str, Any], dict[str, Any]] | web.Response:
        """The coerced path and query parameters, or the error response (violations are recorded)."""
        method = request.method.upper()
        doc = op.doc_url
        params: dict[str, Any] = {}
        query: dict[str, Any] = {}
        problems: list[str] = []
        path_problem = False
        for name, value in path_params.items():
            p = op.params.get(name)
            if p is None:
                params[name] = value
                continue
            v, err = coerce_param(p, value)
            params[name] = v
            if err:
                problems.append(err)
                path_problem = True
        qparams = op.query_params
        for name, value in request.rel_url.query.items():
            p = qparams.get(name)
            if p is None:
                problems.append(f"unknown query parameter {name!r}")
                query[name] = value
                continue
            v, err = coerce_param(p, value)
            if err:
                problems.append(err)
            else:
                query[name] = v
        bad_query = [e for e in problems if e.startswith("query parameter")]
        body_problem = self._body_problem(op, body, body_error, problems)
        if self.sb.validate:
            for p in problems:
                self.sb._violation(f"{method} {op.template}: {p}")
            if body_problem:
                self.sb._violation(f"{method} {op.template}: body: {body_problem}")
        if path_problem:
            return self.error_response(404, "Not Found", doc=doc)
        if body_error:
            return self.error_response(400, "Problems parsing JSON", doc=doc)
        if body_problem and self.sb.validate:
            return self.error_response(422, f"Invalid request.\n\n{body_problem}", doc=doc)
        if bad_query and self.sb.validate:
            return self.error_response(422, f"Invalid request.\n\n{bad_query[0]}", doc=doc)
        return params, query

    @staticmethod
    def _body_problem(op: Operation, body: Any, body_error: str | None, problems: list[str]) -> str | None:
        """What is wrong with the request body for ``op`` (a body where none is taken goes to ``problems``)."""
        if body_error:
            return body_error
        if body is None and op.body_required:
            return "a request body is required"
        if body is not None and op.body_pointer is None:
            problems.append("this operation takes no request body")
        elif body is not None:
            errs = op.body_errors(body)
            if errs:
                return errs[0]
        return None

    async def _run_handler(self, req: Req, op: Operation,
                           params: dict[str, Any], auth: AuthInfo) -> Resp:
        """Scope the repository, check the token's permission, run the operation's handler."""
        doc = op.doc_url
        if "owner" in params and "repo" in params:
            req.repo = self._scoped_repo(auth, params["owner"], params["repo"], op)
            if refuses_write(req.repo, req.request.method.upper()):
                raise ApiError(403, ARCHIVED_MESSAGE, doc=doc)
        perm = WRITE_PERMISSION.get(op.operation_id)
        if perm and auth.token is not None:
            granted = auth.token.permissions
            ok = granted.get(perm) == "write" or (perm == "issues" and granted.get("pull_requests") == "write")
            if not ok:
                raise ApiError(403, "Resource not accessible by integration", doc=doc)
        handler = self._handlers.get(op.operation_id)
        if handler is None:
            raise ApiError(501, f"{op.operation_id} is not implemented by the sandbox", doc=doc)
        return await handler(req)

    def _respond(self, request: web.Request, op: Operation, result: Resp,
                 bucket: RateBucket) -> web.Response:
        """The HTTP response for a handler's result: ETag, 304 for a matching If-None-Match, rate headers."""
        method = request.method.upper()
        if self.sb.validate_responses and result.data is not None:
            for err in op.response_errors(result.status, result.data):
                self.sb._violation(f"response {result.status} of {method} {op.template}: {err}")
        headers = dict(result.headers)
        encoded = json_bytes(result.data) if result.data is not None and result.raw is None else None
        if result.status < 300 and (result.data is not None or result.raw is not None):
            payload = result.raw if result.raw is not None else encoded
            assert payload is not None
            etag = f'W/"{hashlib.sha256(payload).hexdigest()[:40]}"'
            headers["ETag"] = etag
            if method == "GET":
                headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
                modified = conditional.last_modified(result.data) if result.status == 200 else None
                if modified is not None:
                    headers["Last-Modified"] = conditional.http_date(modified)
                if result.status == 200 and conditional.fresh(request.headers, etag, modified, _etag_matches):
                    h = {k: v for k, v in headers.items() if k != "Link"}
                    h.update(self.rate_headers(bucket))
                    return self.json_response(304, None, h)
        if result.raw is not None:
            headers.setdefault("Content-Type", f"{result.raw_type}; charset=utf-8")
            headers["X-GitHub-Media-Type"] = "github.v3; param=raw"
            resp = web.Response(status=result.status, body=result.raw, headers=headers)
        else:
            resp = self.json_response(result.status, result.data, headers, encoded)
        if op.operation_id in NO_RATE_COUNT:
            resp.headers.update(self.rate_headers(bucket))
            return resp
        return self._count(bucket, resp)

    def _count(self, bucket: RateBucket, resp: web.Response) -> web.Response:
        bucket.used += 1
        resp.headers.update(self.rate_headers(bucket))
        return resp

    def _rate_limited(self, bucket: RateBucket, auth: AuthInfo, resource: str = "core") -> web.Response:
        who = (f"installation ID {auth.installation_id}" if auth.kind == "token"
               else "the app" if auth.kind == "jwt" else "127.0.0.1")
        msg = f"API rate limit exceeded for {who}."
        if auth.kind is None:
            msg += " (But here's the good news: Authenticated requests get a higher rate limit.)"
        return self.error_response(403, msg, doc=RATE_DOCS, headers=self.rate_headers(bucket, resource))

    def secondary_limited(self, bucket: RateBucket, retry_after: int | None, resource: str = "core") -> web.Response:
        """GitHub's answer for a secondary rate limit: 403, its message, ``retry-after`` when it says."""
        headers = self.rate_headers(bucket, resource)
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        return self.error_response(403, SECONDARY_MESSAGE, doc=SECONDARY_DOCS, headers=headers)

    def _scoped_repo(self, auth: AuthInfo, owner: str, name: str, op: Operation) -> RepoState:
        r = self.sb._find_repo(owner, name)
        if r is None:
            raise not_found(op.doc_url)
        if auth.kind == "token":
            inst = self.sb._installations.get(auth.installation_id or -1)
            covered = inst is not None and r in self.sb._installation_repos(inst)
            if not covered and inst is not None and not r.private and op.operation_id == "repos/get-content":
                return r  # public files: installation tokens read public repositories (backstage PR 32099, perceval PR 899)
            if not covered or (auth.token and auth.token.repo_ids is not None and r.id not in auth.token.repo_ids):
                raise not_found(op.doc_url)
        return r

    async def _fault_response(self, request: web.Request, call: Call, rule: FaultRule,
                              bucket_key: tuple, resource: str) -> web.Response:
        bucket = self.sb._bucket(bucket_key)
        if rule.timeout:
            call.status = 0
            await self._hang(request)
            raise asyncio.CancelledError
        if rule.secondary:
            return self.secondary_limited(bucket, rule.retry_after, resource)
        if rule.primary:
            reset = self.sb.clock() + (rule.retry_after if rule.retry_after is not None else 60)
            headers = {"x-ratelimit-limit": str(bucket.limit), "x-ratelimit-remaining": "0",
                       "x-ratelimit-reset": str(int(math.ceil(reset))), "x-ratelimit-used": str(bucket.limit),
                       "x-ratelimit-resource": resource}
            who = bucket_key[1] if len(bucket_key) > 1 else "the app"
            msg = (f"API rate limit exceeded for installation ID {who}." if bucket_key[0] in ("inst", "graphql")
                   else "API rate limit exceeded.")
            return self.error_response(403, msg, doc=RATE_DOCS, headers=headers)
        status = rule.effective_status
        if rule.body is not None:
            if isinstance(rule.body, bytes | str):
                raw = rule.body.encode() if isinstance(rule.body, str) else rule.body
                return web.Response(status=status, body=raw, content_type="text/plain")
            return self.json_response(status, rule.body)
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        if status >= 500:
            return self.json_response(status, {"message": phrase if status != 500 else "Server Error"})
        return self.error_response(status, phrase)

    async def _hang(self, request: web.Request) -> None:
        """Sleep until the client gives up (handler cancelled or transport closed), at most 10 minutes."""
        for _ in range(6000):
            transport = request.transport
            if transport is None or transport.is_closing():
                return
            await asyncio.sleep(0.1)



def _etag_matches(header: str, etag: str) -> bool:
    def norm(t: str) -> str:
        t = t.strip()
        return t[2:] if t.startswith("W/") else t

    if header.strip() == "*":
        return True
    return any(norm(part) == norm(etag) for part in header.split(","))
