"""The GitHub client: app JWT, cached installation tokens, ETag caches, rate limits and retries.

* ``GitHubApp`` owns the one shared ``aiohttp.ClientSession``; it hands out one ``GitHubAPI`` client per
  installation (``await app.installation(id)``). The app client (``app.app_client()``) authenticates
  with the app JWT via gidgethub's ``app_id``/``private_key`` - it never carries an oauth token.
* Installation tokens live in a ``cachetools.TTLCache`` and are refreshed 5 minutes before
  ``expires_at``; concurrent jobs of one installation share one token request.
* Each installation has its own bounded ETag cache (``JsonLRU``): conditional GETs answered 304 cost no
  rate limit. Cached bodies are stored as JSON text and decoded on every read, so a caller that mutates
  a result can never corrupt the cache (gidgethub returns cached objects by reference otherwise).
* ``handle_rate_limit_error`` honours ``retry-after`` (secondary limits), ``x-ratelimit-reset`` (primary
  limit) and retries 5xx on idempotent methods; transport errors and timeouts on idempotent methods are
  retried in ``_request``. A wait longer than ``RetryPolicy.max_inline_wait`` raises ``RetryLater`` so
  the job goes back to the inbox instead of holding a worker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import math
import random
import time
from collections.abc import Mapping
from typing import Any, Protocol

import aiohttp
import cachetools
import gidgethub
import gidgethub.aiohttp
import gidgethub.apps

from bot.core import pacing, timestamps
from bot.settings import DEFAULT_API_URL

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
USER_AGENT = "fundbot (+https://github.com/apps/fundbot)"


class Clock(Protocol):
    def time(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class RetryLater(Exception):
    """Stop this job now and run it again at ``at`` (epoch seconds): a long rate-limit wait."""

    def __init__(self, at: float, reason: str):
        super().__init__(reason)
        self.at = at
        self.reason = reason


class TransientError(Exception):
    """A network failure or timeout that may succeed later (the job is retried)."""


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    request_timeout: float = 30.0
    max_transport_retries: int = 2  # extra tries of an idempotent request after a timeout/connection error
    max_5xx_retries: int = 3  # extra tries of an idempotent request answered 5xx
    max_rate_limit_retries: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    max_inline_wait: float = 60.0  # longer waits hand the job back to the inbox (RetryLater)
    secondary_default_wait: float = 60.0  # GitHub: wait at least a minute when no retry-after is given

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with full jitter, attempt starting at 1."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        return rng.uniform(ceiling / 2, ceiling)


class PaceBook(Protocol):
    """Where the budgets live: the store (``bot.store.Store.pace``, shared by every process) or this process."""

    async def pace(self, installation_id: int, budget: pacing.Budget, *, max_wait: float = ...,
                   now: float | None = None) -> tuple[bool, float]: ...

    async def pace_block(self, installation_id: int, until: float, *, now: float | None = None) -> None: ...


class LocalPaceBook:
    """Budgets kept in this process only (no store given: ``doctor``, tools, some tests)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._states: cachetools.LRUCache[int, pacing.State] = cachetools.LRUCache(maxsize=10_000)

    async def pace(self, installation_id: int, budget: pacing.Budget, *, max_wait: float = math.inf,
                   now: float | None = None) -> tuple[bool, float]:
        now = self.clock.time() if now is None else now
        taken = pacing.take(self._states.get(installation_id, pacing.State()), budget, now, max_wait)
        self._states[installation_id] = taken.state
        return taken.granted, taken.at

    async def pace_block(self, installation_id: int, until: float, *, now: float | None = None) -> None:
        self._states[installation_id] = pacing.block(self._states.get(installation_id, pacing.State()), until)


class Pacer:
    """Paces the content-creating requests (POST, PATCH, PUT, DELETE) of each installation within GitHub's
    secondary limits - "no more than 80 content-generating requests per minute and no more than 500 [...] per
    hour" (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits)
    - with the rolling-window budget of ``bot.core.pacing``, kept in ``book`` (the store: one budget for all
    processes). A burst goes out at once; beyond the budget each request sleeps exactly until its reserved
    slot, and one more than ``max_wait`` away hands the job back (``RetryLater``). Reads are never paced.
    ``budget`` may be a number, the old spacing in seconds (``pacing.budget_for``)."""

    def __init__(self, budget: pacing.Budget | float, clock: Clock, book: PaceBook | None = None,
                 *, max_wait: float = 60.0):
        self.budget = budget if isinstance(budget, pacing.Budget) else pacing.budget_for(float(budget))
        self.clock = clock
        self.book: PaceBook = book if book is not None else LocalPaceBook(clock)
        self.max_wait = max_wait
        self._fallback = LocalPaceBook(clock)  # when the store cannot answer, still pace this process

    async def wait(self, installation_id: int | None) -> float:
        """Wait for this installation's slot; returns how long it waited."""
        if not self.budget.enabled or installation_id is None:
            return 0.0
        now = self.clock.time()
        try:
            granted, at = await self.book.pace(installation_id, self.budget, max_wait=self.max_wait, now=now)
        except Exception as exc:  # noqa: BLE001  (the database is away: pace this process alone)
            log.warning("pacing budget unavailable (%s: %s); pacing this process alone", type(exc).__name__, exc)
            granted, at = await self._fallback.pace(installation_id, self.budget, max_wait=self.max_wait, now=now)
        if not granted:
            raise RetryLater(at, f"installation {installation_id} spent its budget of content-creating requests "
                                 f"(GitHub's secondary limits); next slot in {at - now:.0f}s")
        waited = max(0.0, at - now)
        if waited:
            await self.clock.sleep(waited)
        return waited

    async def block(self, installation_id: int | None, until: float) -> None:
        """GitHub said to wait: no process sends this installation's next content-creating request before
        ``until``."""
        if not self.budget.enabled or installation_id is None:
            return
        await self._fallback.pace_block(installation_id, until)
        try:
            await self.book.pace_block(installation_id, until, now=self.clock.time())
        except Exception as exc:  # noqa: BLE001
            log.warning("could not share a rate-limit wait (%s: %s)", type(exc).__name__, exc)


MUTATING = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class JsonLRU(cachetools.LRUCache):
    """gidgethub's ETag cache that keeps bodies as JSON text: every hit decodes a fresh object."""

    def __setitem__(self, key: str, value: tuple) -> None:
        etag, last_modified, data, more = value
        super().__setitem__(key, (etag, last_modified, json.dumps(data, separators=(",", ":")), more))

    def __getitem__(self, key: str) -> tuple:
        etag, last_modified, raw, more = super().__getitem__(key)
        return etag, last_modified, json.loads(raw), more

    @staticmethod
    def getsizeof(value: tuple) -> int:
        return 1


@dataclasses.dataclass
class CallStats:
    """Counters a benchmark or /metrics can read: calls by status, and the last known rate limit."""

    by_status: dict[int, int] = dataclasses.field(default_factory=dict)
    rate_limit_remaining: dict[int | None, int] = dataclasses.field(default_factory=dict)
    calls: int = 0

    def record(self, installation_id: int | None, status: int, headers: Mapping[str, str]) -> None:
        self.calls += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.isdigit():
            if installation_id not in self.rate_limit_remaining and len(self.rate_limit_remaining) > 10_000:
                self.rate_limit_remaining.pop(next(iter(self.rate_limit_remaining)))
            self.rate_limit_remaining[installation_id] = int(remaining)


API_VERSION = "2022-11-28"  # the REST API version fundbot is written against (X-GitHub-Api-Version)
ACCEPT = "application/vnd.github+json"  # GitHub's current media type; gidgethub still sends the v3 one
_V3_ACCEPT = "application/vnd.github.v3+json"


class GitHubAPI(gidgethub.aiohttp.GitHubAPI):
    """gidgethub's aiohttp client plus fundbot's timeouts, retries and rate-limit handling."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        clock: Clock,
        policy: RetryPolicy,
        stats: CallStats | None = None,
        installation_id: int | None = None,
        graphql_url: str | None = None,
        rng: random.Random | None = None,
        pacer: Pacer | None = None,
        api_version: str = API_VERSION,
        **kwargs: Any,
    ):
        super().__init__(session, USER_AGENT, base_url=base_url, **kwargs)
        self.api_version = api_version
        self.pacer = pacer
        self.clock = clock
        self.policy = policy
        self.stats = stats
        self.installation_id = installation_id
        self.graphql_url = graphql_url or base_url.rstrip("/") + "/graphql"
        self._rng = rng or random.Random()

    async def sleep(self, seconds: float) -> None:
        await self.clock.sleep(seconds)

    def _versioned(self, url: str, headers: Mapping[str, str]) -> dict[str, str]:
        """Every REST request names the pinned API version and GitHub's current media type (a request asking
        for another media type, such as raw file contents, keeps it). GraphQL has no versions."""
        out = dict(headers)
        if url == self.graphql_url:
            return out
        out["x-github-api-version"] = self.api_version
        if out.get("accept") == _V3_ACCEPT:
            out["accept"] = ACCEPT
        return out

    async def _request(self, method: str, url: str, headers: Mapping[str, str], body: bytes = b"") -> tuple[int, Mapping[str, str], bytes]:
        headers = self._versioned(url, headers)
        paced = self.pacer is not None and method in MUTATING and self.installation_id is not None \
            and url != self.graphql_url  # a GraphQL query creates nothing
        attempt = 0
        while True:
            attempt += 1
            if paced:
                assert self.pacer is not None
                await self.pacer.wait(self.installation_id)  # every send counts, a retried one too
            try:
                async with asyncio.timeout(self.policy.request_timeout):
                    status, response_headers, data = await super()._request(method, url, headers, body)
            except (TimeoutError, aiohttp.ClientError) as exc:
                reason = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
                if method not in IDEMPOTENT or attempt > self.policy.max_transport_retries:
                    raise TransientError(f"{method} {url}: {reason}") from exc
                wait = self.policy.backoff(attempt, self._rng)
                log.warning("%s %s %s; retrying in %.1fs", method, url, reason, wait)
                await self.sleep(wait)
                continue
            if self.stats is not None:
                self.stats.record(self.installation_id, status, response_headers)
            return status, response_headers, data

    async def handle_rate_limit_error(self, *, method: str, url: str, exception: gidgethub.HTTPException, attempt: int) -> bool:
        status = int(exception.status_code)
        headers = {k.lower(): v for k, v in (exception.headers or {}).items()}
        now = self.clock.time()
        message = str(exception.args[0]) if exception.args else ""
        if status in (403, 429):
            wait = _retry_after(headers)
            if wait is None:
                if headers.get("x-ratelimit-remaining") == "0" or isinstance(exception, gidgethub.RateLimitExceeded):
                    reset = _float(headers.get("x-ratelimit-reset"))
                    wait = max(1.0, (reset - now) + 1.0) if reset is not None else self.policy.secondary_default_wait
                elif "secondary rate limit" in message.lower() or "abuse" in message.lower() or status == 429:
                    wait = self.policy.secondary_default_wait * (2 ** (attempt - 1))
                else:
                    return False  # a plain 403: permission denied, not a rate limit
            if self.pacer is not None:  # every process holds back this installation's mutations as long
                await self.pacer.block(self.installation_id, now + wait)
            if attempt > self.policy.max_rate_limit_retries:
                return False
            if wait > self.policy.max_inline_wait:
                raise RetryLater(now + wait, f"rate limited on {method} {url}; retry in {wait:.0f}s") from exception
            log.warning("rate limited (%s) on %s %s; waiting %.1fs", status, method, url, wait)
            await self.sleep(wait)
            return True
        if status >= 500 and method in IDEMPOTENT and attempt <= self.policy.max_5xx_retries:
            wait = _retry_after(headers) or self.policy.backoff(attempt, self._rng)
            log.warning("GitHub answered %s on %s %s; retry %d in %.1fs", status, method, url, attempt, wait)
            await self.sleep(wait)
            return True
        return False

    async def graphql(self, query: str, *, endpoint: str | None = None, **variables: Any) -> Any:
        """gidgethub's graphql() ignores base_url (we always pass our endpoint) and bypasses
        ``handle_rate_limit_error``: rate limits and 5xx are handled here the same way."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await super().graphql(query, endpoint=endpoint or self.graphql_url, **variables)
            except gidgethub.BadGraphQLRequest as exc:
                limited = int(exc.status_code) in (403, 429) and "rate limit" in json.dumps(exc.response).lower()
                if not limited:
                    raise
                wait = self.policy.secondary_default_wait * (2 ** (attempt - 1))
                if self.pacer is not None:
                    await self.pacer.block(self.installation_id, self.clock.time() + wait)
                if attempt > self.policy.max_rate_limit_retries or wait > self.policy.max_inline_wait:
                    raise RetryLater(self.clock.time() + max(wait, 1.0), "GraphQL rate limited") from exc
                log.warning("GraphQL rate limited; waiting %.1fs", wait)
                await self.sleep(wait)
            except gidgethub.GitHubBroken:
                if attempt > self.policy.max_5xx_retries:
                    raise
                await self.sleep(self.policy.backoff(attempt, self._rng))


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = _float(headers.get("retry-after"))
    return max(0.0, value) if value is not None else None


@dataclasses.dataclass
class _Token:
    token: str
    expires_at: float


def _load_key(pem: str) -> Any:
    """The parsed key, once: PyJWT would parse the PEM for every JWT, about 40 ms of CPU holding the GIL
    (stalling the store's writer thread mid-transaction). An unreadable key is kept as text, so it fails
    where it always did, at the first App request, with PyJWT's message."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        return load_pem_private_key(pem.encode(), password=None)
    except Exception:  # noqa: BLE001  (any unreadable key: PyJWT reports it as before)
        return pem


class GitHubApp:
    """Everything fundbot needs to talk to GitHub as the App and as its installations."""

    TOKEN_REFRESH_MARGIN = 300.0  # refresh installation tokens 5 minutes before they expire

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        app_id: str,
        private_key: str,
        base_url: str = DEFAULT_API_URL,
        graphql_url: str | None = None,
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        etag_entries_per_installation: int = 512,
        installations_cached: int = 1024,
        bot_login: str | None = None,
        mutation_interval: float = 1.0,
        api_version: str = API_VERSION,
        pacing_budget: pacing.Budget | None = None,
        pacing_store: PaceBook | None = None,
    ):
        self.session = session
        self.api_version = api_version
        self.app_id = str(app_id)
        self.private_key = private_key
        self._signing_key = _load_key(private_key)
        self.base_url = base_url.rstrip("/")
        self.graphql_url = graphql_url or self.base_url + "/graphql"
        self.clock = clock or RealClock()
        self.policy = policy or RetryPolicy()
        self.stats = CallStats()
        self.bot_login = bot_login
        self._rng = random.Random()
        self.pacer = Pacer(pacing_budget or pacing.budget_for(mutation_interval), self.clock, pacing_store,
                           max_wait=self.policy.max_inline_wait)
        # Tokens last an hour; the TTL bounds how long one is kept, expires_at decides when it is renewed.
        self._tokens: cachetools.TTLCache[int, _Token] = cachetools.TTLCache(
            maxsize=installations_cached, ttl=3600, timer=self.clock.time
        )
        self._token_locks: cachetools.LRUCache[int, asyncio.Lock] = cachetools.LRUCache(maxsize=installations_cached)
        self._etags: cachetools.LRUCache[int, JsonLRU] = cachetools.LRUCache(maxsize=installations_cached)
        self._etag_entries = etag_entries_per_installation

    def share_pacing(self, store: PaceBook, budget: pacing.Budget | None = None) -> None:
        """Keep the pacing budgets in ``store`` (shared by every process using it) from now on."""
        self.pacer = Pacer(budget or self.pacer.budget, self.clock, store, max_wait=self.policy.max_inline_wait)

    def _client(self, **kwargs: Any) -> GitHubAPI:
        return GitHubAPI(
            self.session,
            base_url=self.base_url,
            clock=self.clock,
            policy=self.policy,
            stats=self.stats,
            graphql_url=self.graphql_url,
            rng=self._rng,
            pacer=self.pacer,
            api_version=self.api_version,
            **kwargs,
        )

    def app_client(self) -> GitHubAPI:
        """A client authenticated as the App (JWT): /app, /app/installations, hook deliveries."""
        return self._client(app_id=self.app_id, private_key=self._signing_key)

    def user_client(self, token: str) -> GitHubAPI:
        """A client authenticated with a token a person connected for their account (GitHub Sponsors, see
        ``bot.services.sponsor_tokens``): not the App's, not paced by an installation's budget."""
        return self._client(oauth_token=token)

    async def installation_token(self, installation_id: int) -> str:
        now = self.clock.time()
        cached = self._tokens.get(installation_id)
        if cached is not None and cached.expires_at - now > self.TOKEN_REFRESH_MARGIN:
            return cached.token
        lock = self._token_locks.get(installation_id)
        if lock is None:
            lock = self._token_locks[installation_id] = asyncio.Lock()
        async with lock:
            now = self.clock.time()
            cached = self._tokens.get(installation_id)
            if cached is not None and cached.expires_at - now > self.TOKEN_REFRESH_MARGIN:
                return cached.token
            response = await self.app_client().post(
                "/app/installations/{installation_id}/access_tokens",
                {"installation_id": installation_id},
                data=b"",
            )
            token = _Token(response["token"], timestamps.parse(response.get("expires_at")) or now + 3600)
            self._tokens[installation_id] = token
            return token.token

    def forget_installation(self, installation_id: int) -> None:
        self._tokens.pop(installation_id, None)
        self._etags.pop(installation_id, None)

    async def installation(self, installation_id: int) -> GitHubAPI:
        """A client for one installation, sharing the session, its cached token and its ETag cache."""
        token = await self.installation_token(installation_id)
        cache = self._etags.get(installation_id)
        if cache is None:
            cache = self._etags[installation_id] = JsonLRU(maxsize=self._etag_entries)
        return self._client(oauth_token=token, cache=cache, installation_id=installation_id)

    async def get_bot_login(self) -> str:
        """``<slug>[bot]``, the login under which the App's comments appear (from GET /app, cached)."""
        if self.bot_login is None:
            info = await self.app_client().getitem("/app")
            self.bot_login = f"{info['slug']}[bot]"
        return self.bot_login


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of a gidgethub error, else None."""
    if isinstance(exc, gidgethub.HTTPException):
        return int(exc.status_code)
    return None


def is_permanent(exc: BaseException) -> bool:
    """True for errors that retrying cannot fix: 4xx other than rate limits, 408, 409 and 429."""
    status = status_of(exc)
    if status is None:
        return False
    if isinstance(exc, gidgethub.RateLimitExceeded):
        return False
    headers = {k.lower() for k in getattr(exc, "headers", {}) or {}}
    message = str(exc.args[0]).lower() if getattr(exc, "args", None) else ""
    if status == 403 and ("retry-after" in headers or "rate limit" in message):
        return False  # a secondary limit that outlasted our inline retries: try the job again later
    return 400 <= status < 500 and status not in (408, 409, 429)

