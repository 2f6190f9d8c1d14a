"""``python -m bot doctor``: is this deployment set up right? One line per check, and the fix for each problem.

The checks are pure functions from what was read (settings, GitHub's answers, the store's numbers) to
``Row``s; ``run`` does the reading (each step bounded in time, every failure a row, never a traceback) and
``format_rows`` prints them. Statuses: ``ok`` (✓), ``fail`` (✗, exit 1), ``warn`` (!, worth a look, exit
unchanged) and ``skip`` (-, could not be checked because an earlier check failed or a setting is unset).

Exit codes (``exit_code``): 0 when no ✗, 1 when any ✗, 2 when the settings cannot be parsed (as for every
command: a configuration error; nothing else can be checked then).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import sqlite3
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
import asyncpg
import gidgethub
import gidgethub.apps

from bot.github import GitHubApp, RetryLater, RetryPolicy, TransientError
from bot.settings import Settings, SettingsError
from bot.store import open_store
from bot.store.postgres import MIGRATIONS as POSTGRES_MIGRATIONS
from bot.store.postgres import PostgresStore
from bot.store.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from bot.store.sqlite import SQLiteStore

OK, FAIL, WARN, SKIP = "ok", "fail", "warn", "skip"
SYMBOLS = {OK: "✓", FAIL: "✗", WARN: "!", SKIP: "-"}
ASCII_SYMBOLS = {OK: "+", FAIL: "x", WARN: "!", SKIP: "-"}
# GitHub sends these to every App without a subscription and never lists them in GET /app's `events`.
IMPLICIT_EVENTS = frozenset({"installation", "installation_repositories"})
ACCESS = {"read": 1, "write": 2, "admin": 3}
MAX_INSTALLATIONS = 20  # installations whose repositories are listed (one token each)
MAX_LISTED = 1000  # installations counted
INSTALLATIONS_TIMEOUT = 30.0  # seconds for listing the repositories of every installation
SHOW_NAMES = 3
DELIVERIES_EXAMINED = 100
GITHUB_TIMEOUT = 10.0
DATABASE_TIMEOUT = 10.0
PUBLIC_URL_TIMEOUT = 5.0
MANIFEST = Path(__file__).resolve().parent.parent / "app.yml"


@dataclasses.dataclass(frozen=True)
class Row:
    status: str
    check: str
    message: str
    fix: str | None = None


def _fmt_list(names: Sequence[str], total: int | None = None) -> str:
    total = len(names) if total is None else total
    shown = ", ".join(names[:SHOW_NAMES])
    return shown + (f" and {total - SHOW_NAMES} more" if total > SHOW_NAMES else "")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


# --- settings -----------------------------------------------------------------------------------------

def check_settings(env: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> tuple[list[Row], Settings | None]:
    try:
        settings = Settings.from_env(env, dotenv=dotenv)
    except SettingsError as exc:
        return [Row(FAIL, "settings", str(exc), "correct that variable in the environment or .env (see README.md, Settings)")], None
    return [Row(OK, "settings", "environment and .env parse")], settings


def check_secret(settings: Settings) -> Row:
    if not settings.webhook_secret:
        return Row(FAIL, "webhook secret", "WEBHOOK_SECRET is not set: every delivery would be refused",
                   "set WEBHOOK_SECRET to the webhook secret entered in the App's settings (same value on both sides)")
    return Row(OK, "webhook secret", "WEBHOOK_SECRET is set")


def check_credentials_present(settings: Settings) -> Row | None:
    missing = [name for name, value in (("APP_ID", settings.app_id), ("PRIVATE_KEY", settings.private_key)) if not value]
    if not missing:
        return None
    return Row(FAIL, "App credentials", " and ".join(missing) + " not set",
               "register the App from app.yml (`python -m bot serve` without credentials shows how), then set "
               "APP_ID and PRIVATE_KEY_PATH (or PRIVATE_KEY)")


# --- the App ------------------------------------------------------------------------------------------

def load_manifest(path: Path = MANIFEST) -> tuple[dict[str, str], list[str]] | None:
    """``default_permissions`` and ``default_events`` of app.yml, or None when it cannot be read."""
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    permissions = data.get("default_permissions") or {}
    events = data.get("default_events") or []
    if not isinstance(permissions, dict) or not isinstance(events, list):
        return None
    return {str(k): str(v) for k, v in permissions.items()}, [str(e) for e in events]


def settings_page(app: Mapping[str, Any], page: str = "") -> str:
    """The App's settings page on GitHub (``page``: "permissions", "advanced", "" for General)."""
    slug = str(app.get("slug") or "SLUG")
    html_url = str(app.get("html_url") or "")
    web = html_url.split("/apps/", 1)[0] if "/apps/" in html_url else "https://github.com"
    owner = app.get("owner") if isinstance(app.get("owner"), dict) else {}
    if owner.get("type") == "Organization" and owner.get("login"):
        base = f"{web}/organizations/{owner['login']}/settings/apps/{slug}"
    else:
        base = f"{web}/settings/apps/{slug}"
    return f"{base}/{page}" if page else base


def check_app(app: Mapping[str, Any], settings: Settings) -> Row:
    slug = app.get("slug", "?")
    return Row(OK, "App credentials", f"APP_ID {settings.app_id} authenticates as {slug} ({app.get('html_url', '')})")


def check_app_error(status: int | None, message: str, settings: Settings) -> Row:
    if status is None:
        return Row(FAIL, "App credentials", f"cannot reach GitHub at {settings.github_api_url}: {message}",
                   "check GITHUB_API_URL and this machine's network access to it")
    return Row(FAIL, "App credentials", f"GET /app answered {status}: {message}",
               "APP_ID must be the App ID shown on the App's settings page and PRIVATE_KEY(_PATH) a private key "
               "generated there for that App (generate a new one if unsure)")


def check_permissions(app: Mapping[str, Any], manifest: tuple[dict[str, str], list[str]] | None) -> list[Row]:
    if manifest is None:
        return [Row(WARN, "App permissions", f"{MANIFEST} not readable: permissions and events not compared")]
    wanted_perms, wanted_events = manifest
    have_perms = app.get("permissions") if isinstance(app.get("permissions"), dict) else {}
    have_events = set(app.get("events") or [])
    rows = []
    missing = [f"{k}: {v} (has {have_perms.get(k) or 'none'})" for k, v in sorted(wanted_perms.items())
               if ACCESS.get(str(have_perms.get(k)), 0) < ACCESS.get(v, 1)]
    extra = sorted(k for k in have_perms if k not in wanted_perms)
    if missing:
        rows.append(Row(FAIL, "App permissions", "missing what app.yml asks: " + ", ".join(missing),
                        f"change it at {settings_page(app, 'permissions')} (each installation then accepts the new "
                        "permissions)"))
    else:
        rows.append(Row(OK, "App permissions", ", ".join(f"{k}: {v}" for k, v in sorted(wanted_perms.items()))
                        + " as app.yml asks"))
    if extra:
        rows.append(Row(WARN, "App permissions", "more than app.yml asks: " + ", ".join(f"{k}: {have_perms[k]}" for k in extra),
                        f"remove them at {settings_page(app, 'permissions')}"))
    wanted = [e for e in wanted_events if e not in IMPLICIT_EVENTS]
    missing_events = [e for e in wanted if e not in have_events]
    if missing_events:
        rows.append(Row(FAIL, "App events", "not subscribed to " + ", ".join(missing_events),
                        f"change it at {settings_page(app, 'permissions')} (Subscribe to events)"))
    else:
        rows.append(Row(OK, "App events", ", ".join(wanted) + " as app.yml asks"))
    extra_events = sorted(have_events - set(wanted_events) - IMPLICIT_EVENTS)
    if extra_events:
        rows.append(Row(WARN, "App events", "subscribed to more than app.yml asks: " + ", ".join(extra_events),
                        f"unsubscribe at {settings_page(app, 'permissions')}; fundbot ignores them"))
    return rows


@dataclasses.dataclass
class InstallationReport:
    account: str
    id: int
    suspended: bool = False
    repositories: int | None = None  # None: could not be listed
    names: list[str] = dataclasses.field(default_factory=list)
    error: str | None = None


def check_installations(app: Mapping[str, Any], found: Sequence[InstallationReport], total: int) -> list[Row]:
    if total == 0:
        slug = app.get("slug") or "SLUG"
        web = settings_page(app).split("/settings/", 1)[0].split("/organizations/", 1)[0]
        return [Row(FAIL, "installations", "the App is installed nowhere",
                    f"install it on an account or repositories at {web}/apps/{slug}/installations/new")]
    rows = []
    names = [r.account + ("" if r.repositories is None else f" ({_plural(r.repositories, 'repository', 'repositories')})")
             for r in found]
    checked = f", the first {len(found)} checked" if len(found) < total else ""
    rows.append(Row(OK, "installations", f"{total}{checked}: " + _fmt_list(names, len(names))))
    repos = sum(r.repositories or 0 for r in found)
    shown = [n for r in found for n in r.names]
    rows.append(Row(OK if repos else WARN, "repositories", f"{repos} reachable" + (": " + _fmt_list(shown, repos) if repos else ""),
                    None if repos else "select repositories in the installation's settings on GitHub"))
    for r in found:
        if r.suspended:
            rows.append(Row(WARN, "installations", f"{r.account} (id {r.id}) is suspended: fundbot does nothing there",
                            "unsuspend it in that account's installation settings on GitHub"))
        elif r.error is not None:
            rows.append(Row(FAIL, "installations", f"{r.account} (id {r.id}): {r.error}",
                            "check that the installation still exists and has accepted the App's permissions"))
    return rows


# --- database -----------------------------------------------------------------------------------------

def check_schema(version: int, latest: int, url: str) -> Row:
    if version == 0:
        return Row(FAIL, "database schema", f"{url} has no fundbot tables", "run `python -m bot migrate`")
    if version < latest:
        return Row(FAIL, "database schema", f"version {version}, this fundbot needs {latest}", "run `python -m bot migrate`")
    if version > latest:
        return Row(FAIL, "database schema", f"version {version} is newer than this fundbot knows ({latest})",
                   "upgrade fundbot here to the version that migrated the database")
    return Row(OK, "database schema", f"version {version} (current)")


def check_counts(counts: Mapping[str, int]) -> list[Row]:
    pending, running, failed = counts.get("pending", 0), counts.get("running", 0), counts.get("failed", 0)
    rows = [Row(OK, "inbox", f"{pending} pending, {running} running")]
    if failed:
        rows.append(Row(WARN, "failed jobs", f"{failed} parked after their last try",
                        "see them with `python -m bot jobs`, re-queue one with `python -m bot jobs retry ID`"))
    else:
        rows.append(Row(OK, "failed jobs", "none"))
    return rows


# --- the webhook ---------------------------------------------------------------------------------------

def expected_hook_url(settings: Settings) -> str | None:
    return settings.public_url + settings.webhook_path if settings.public_url else None


def check_hook(config: Mapping[str, Any], settings: Settings, app: Mapping[str, Any]) -> list[Row]:
    url = str(config.get("url") or "")
    page = settings_page(app)
    if not url:
        target = expected_hook_url(settings) or f"https://YOUR-HOST{settings.webhook_path}"
        return [Row(FAIL, "webhook URL", "GitHub has no webhook URL for the App: nothing is delivered",
                    f"set Webhook URL to {target} (and tick Active) at {page}")]
    rows = []
    expected = expected_hook_url(settings)
    path = urlsplit(url).path or "/"
    if expected is not None and url.rstrip("/") != expected.rstrip("/"):
        rows.append(Row(FAIL, "webhook URL", f"GitHub delivers to {url}, not to PUBLIC_URL + WEBHOOK_PATH ({expected})",
                        f"set Webhook URL to {expected} at {page}, or correct PUBLIC_URL"))
    elif path.rstrip("/") != settings.webhook_path.rstrip("/"):
        rows.append(Row(FAIL, "webhook URL", f"GitHub delivers to {url}, whose path is not WEBHOOK_PATH ({settings.webhook_path})",
                        f"set Webhook URL to end in {settings.webhook_path} at {page}, or set WEBHOOK_PATH={path}"))
    else:
        rows.append(Row(OK, "webhook URL", f"GitHub delivers to {url}" + (" = PUBLIC_URL + WEBHOOK_PATH" if expected else "")))
    if str(config.get("insecure_ssl", "0")) not in ("0", "0.0"):
        rows.append(Row(WARN, "webhook URL", "SSL verification is off for the webhook", f"turn it on at {page}"))
    return rows


def check_deliveries(items: Sequence[Mapping[str, Any]], app: Mapping[str, Any]) -> Row:
    """``items``: GET /app/hook/deliveries, newest first."""
    if not items:
        return Row(OK, "recent deliveries", "none yet")
    ok_guids = {d.get("guid") for d in items if 200 <= int(d.get("status_code") or 0) < 300}
    failed = [d for d in items if not 200 <= int(d.get("status_code") or 0) < 300]
    open_failures = [d for d in failed if d.get("guid") not in ok_guids]
    summary = f"{len(failed)} of the last {len(items)} failed"
    if not failed:
        return Row(OK, "recent deliveries", f"{len(items)} examined, all answered 2xx")
    if not open_failures:
        return Row(WARN, "recent deliveries", summary + ", each since redelivered")
    last = open_failures[0]
    code = int(last.get("status_code") or 0)
    what = f"{last.get('event')}" + (f".{last['action']}" if last.get("action") else "")
    status_text = str(last.get("status") or "")
    reason = (status_text if str(code) in status_text else f"{code} {status_text}".strip()) if code else (
        status_text or "no answer")
    hint = {401: "fundbot refused the signature: WEBHOOK_SECRET differs from the App's webhook secret",
            404: "nothing answers that path: WEBHOOK_PATH or the webhook URL is wrong"}.get(code)
    if hint is None:
        hint = ("GitHub could not reach the webhook URL: is `python -m bot serve` running and reachable from the internet?"
                if code == 0 else "see the delivery's response at " + settings_page(app, "advanced"))
    return Row(FAIL, "recent deliveries",
               f"{summary}, {len(open_failures)} never redelivered; last {what} at {last.get('delivered_at')}: {reason}",
               hint + "; the worker asks GitHub to redeliver failures every 10 minutes once the cause is fixed")


def check_public_url(settings: Settings, status: int | None, detail: str, elapsed_ms: float) -> Row:
    url = f"{settings.public_url}/healthz"
    if status == 200:
        return Row(OK, "public URL", f"{url} answered 200 in {elapsed_ms:.0f} ms")
    if status == 503:
        return Row(FAIL, "public URL", f"{url} answered 503: that server cannot reach its database",
                   "check DATABASE_URL where `python -m bot serve` runs")
    if status is not None:
        return Row(FAIL, "public URL", f"{url} answered {status}, not fundbot's 200",
                   "PUBLIC_URL must lead to `python -m bot serve` (check the proxy or platform routing)")
    return Row(FAIL, "public URL", f"{url} not reachable from this machine: {detail}",
               "start `python -m bot serve` there, or correct PUBLIC_URL (the address GitHub uses)")


# --- output ---------------------------------------------------------------------------------------------

def exit_code(rows: Sequence[Row], *, settings_ok: bool = True) -> int:
    if not settings_ok:
        return 2
    return 1 if any(r.status == FAIL for r in rows) else 0


def format_rows(rows: Sequence[Row], *, encoding: str | None = "utf-8") -> str:
    symbols = SYMBOLS
    try:
        "".join(SYMBOLS.values()).encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        symbols = ASCII_SYMBOLS
    lines = []
    for r in rows:
        lines.append(f"{symbols[r.status]} {r.check}: {r.message}")
        if r.fix and r.status in (FAIL, WARN):
            lines.append(f"    fix: {r.fix}")
    problems = sum(r.status == FAIL for r in rows)
    warnings = sum(r.status == WARN for r in rows)
    lines.append(f"{_plural(problems, 'problem')}, {_plural(warnings, 'warning')}")
    return "\n".join(lines)


# --- the runner -----------------------------------------------------------------------------------------

def _error_text(exc: BaseException) -> tuple[int | None, str]:
    """(HTTP status or None, a one-line reason) for whatever a GitHub call raised."""
    if isinstance(exc, gidgethub.HTTPException):
        message = str(exc.args[0]) if exc.args and exc.args[0] else exc.status_code.phrase
        return int(exc.status_code), message
    if isinstance(exc, RetryLater):
        return 429, exc.reason
    if isinstance(exc, TransientError | TimeoutError | aiohttp.ClientError):
        return None, str(exc) or type(exc).__name__
    return None, f"{type(exc).__name__}: {exc}"


async def _github_rows(settings: Settings, session: aiohttp.ClientSession) -> list[Row]:
    policy = RetryPolicy(request_timeout=GITHUB_TIMEOUT, max_transport_retries=0, max_5xx_retries=1,
                         max_rate_limit_retries=0, max_inline_wait=0, backoff_base=0.2, backoff_cap=1.0)
    assert settings.app_id and settings.private_key
    try:
        gidgethub.apps.get_jwt(app_id=settings.app_id, private_key=settings.private_key)
        github = GitHubApp(session, app_id=settings.app_id, private_key=settings.private_key,
                           base_url=settings.github_api_url, graphql_url=settings.graphql_url, policy=policy,
                           mutation_interval=0.0)
        client = github.app_client()
    except Exception as exc:  # noqa: BLE001  (a PEM header around something that is not a key)
        return [Row(FAIL, "App credentials", f"the private key cannot sign a JWT: {type(exc).__name__}: {exc}",
                    "PRIVATE_KEY(_PATH) must be the .pem file GitHub generated for the App, unchanged"),
                Row(SKIP, "GitHub", "installations, webhook URL and deliveries not checked (GET /app not possible)")]
    try:
        app = await client.getitem("/app")
        if not isinstance(app, dict):
            raise ValueError("GET /app did not answer a JSON object")
    except Exception as exc:  # noqa: BLE001  (every failure is a row)
        status, message = _error_text(exc)
        return [check_app_error(status, message, settings),
                Row(SKIP, "GitHub", "installations, webhook URL and deliveries not checked (GET /app failed)")]
    rows = [check_app(app, settings), *check_permissions(app, load_manifest())]

    try:
        installations = []
        async for inst in client.getiter("/app/installations{?per_page}", {"per_page": 100}):
            installations.append(inst)
            if len(installations) >= MAX_LISTED:
                break
        total = len(installations)
        found = []
        deadline = time.monotonic() + INSTALLATIONS_TIMEOUT
        for inst in installations[:MAX_INSTALLATIONS]:
            if time.monotonic() > deadline:
                break  # a slow GitHub: report what was listed in time
            account = (inst.get("account") or {}).get("login") or "?"
            report = InstallationReport(account=account, id=int(inst["id"]), suspended=bool(inst.get("suspended_at")))
            found.append(report)
            if report.suspended:
                continue
            try:
                gh = await github.installation(report.id)
                page = await gh.getitem("/installation/repositories{?per_page}", {"per_page": 100})
                report.repositories = int(page.get("total_count") or 0)
                report.names = [r["full_name"] for r in page.get("repositories", [])[:SHOW_NAMES]]
            except Exception as exc:  # noqa: BLE001
                status, message = _error_text(exc)
                report.error = f"repositories not listed ({status or 'no answer'}: {message})"
        rows += check_installations(app, found, total)
    except Exception as exc:  # noqa: BLE001
        status, message = _error_text(exc)
        rows.append(Row(FAIL, "installations", f"GET /app/installations failed ({status or 'no answer'}: {message})",
                        "retry; if it persists, check GitHub's status page"))

    try:
        config = await client.getitem("/app/hook/config")
        rows += check_hook(config if isinstance(config, dict) else {}, settings, app)
    except Exception as exc:  # noqa: BLE001
        status, message = _error_text(exc)
        rows.append(Row(FAIL, "webhook URL", f"GET /app/hook/config failed ({status or 'no answer'}: {message})",
                        f"check the App's webhook at {settings_page(app)}"))
    try:
        data = await client.getitem("/app/hook/deliveries{?per_page}", {"per_page": DELIVERIES_EXAMINED})
        rows.append(check_deliveries(data if isinstance(data, list) else [], app))
    except Exception as exc:  # noqa: BLE001
        status, message = _error_text(exc)
        rows.append(Row(FAIL, "recent deliveries", f"GET /app/hook/deliveries failed ({status or 'no answer'}: {message})",
                        f"check the App's webhook at {settings_page(app)}"))
    return rows


def _sqlite_version(path: str) -> int:
    """The schema version of a SQLite file, read-only (0: no fundbot tables)."""
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=DATABASE_TIMEOUT)
    try:
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
        return int(row[0])
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    finally:
        conn.close()


async def _database_rows(settings: Settings) -> list[Row]:
    fix_url = "set DATABASE_URL to sqlite:///PATH or postgresql://USER@HOST/DB (see README.md)"
    try:
        store = open_store(settings.database_url)
    except (ValueError, TypeError) as exc:
        return [Row(FAIL, "database", str(exc), fix_url)]
    url = getattr(store, "url", settings.database_url or "")
    if isinstance(store, SQLiteStore):
        if store.memory:
            return [Row(WARN, "database", f"{url} is in memory: nothing outlives the process",
                        "set DATABASE_URL to a file (sqlite:///fundbot.db) or PostgreSQL")]
        if not os.path.isfile(store.path):
            where = Path(store.path).resolve()
            problem = "its directory does not exist" if not where.parent.is_dir() else "the file does not exist"
            return [Row(FAIL, "database", f"{url}: {problem} ({where})",
                        "create the directory if needed and run `python -m bot migrate`, or correct DATABASE_URL")]
    started = time.perf_counter()
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            await store.connect()
    except Exception as exc:  # noqa: BLE001
        with contextlib.suppress(Exception):
            await store.close()
        return [Row(FAIL, "database", f"{url} not reachable: {type(exc).__name__}: {exc}".rstrip(": "),
                    "check that the database server runs and DATABASE_URL (host, port, user, database) is right")]
    try:
        rows = [Row(OK, "database", f"{url} reachable ({(time.perf_counter() - started) * 1000:.0f} ms)")]
        async with asyncio.timeout(DATABASE_TIMEOUT):
            if isinstance(store, SQLiteStore):
                migrations = SQLITE_MIGRATIONS
                version = await asyncio.to_thread(_sqlite_version, store.path)
            elif isinstance(store, PostgresStore):
                migrations = POSTGRES_MIGRATIONS
                try:
                    version = int(await store.pool.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
                except asyncpg.UndefinedTableError:
                    version = 0
            else:  # pragma: no cover  (no other backend exists)
                return rows
            latest = max(v for v, _ in migrations)
            rows.append(check_schema(version, latest, url))
            if version == latest:
                rows += check_counts(await store.counts())
        return rows
    except Exception as exc:  # noqa: BLE001
        return [*rows, Row(FAIL, "database schema", f"cannot read it: {type(exc).__name__}: {exc}",
                           "run `python -m bot migrate`; if it fails too, check the database's permissions")]
    finally:
        with contextlib.suppress(Exception):
            await store.close()


async def _public_url_row(settings: Settings, session: aiohttp.ClientSession) -> Row:
    url = f"{settings.public_url}/healthz"
    started = time.perf_counter()
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=PUBLIC_URL_TIMEOUT), allow_redirects=False) as resp:
            status = resp.status
    except TimeoutError:
        return check_public_url(settings, None, f"no answer within {PUBLIC_URL_TIMEOUT:.0f} s", 0)
    except aiohttp.ClientConnectorError as exc:
        errno = exc.os_error.errno
        reason = os.strerror(errno) if errno else str(exc.os_error) or type(exc.os_error).__name__
        return check_public_url(settings, None, f"cannot connect to {exc.host}:{exc.port} ({reason})", 0)
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        return check_public_url(settings, None, str(exc) or type(exc).__name__, 0)
    return check_public_url(settings, status, "", (time.perf_counter() - started) * 1000)


async def run(env: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> tuple[list[Row], int]:
    """Every check, in order; returns the rows and the exit code."""
    rows, settings = check_settings(env, dotenv=dotenv)
    if settings is None:
        rows.append(Row(SKIP, "other checks", "not run until the settings parse"))
        return rows, exit_code(rows, settings_ok=False)
    rows.append(check_secret(settings))
    async with aiohttp.ClientSession() as session:
        missing = check_credentials_present(settings)
        if missing is not None:
            rows += [missing, Row(SKIP, "GitHub", "App, installations, webhook URL and deliveries not checked")]
        else:
            rows += await _github_rows(settings, session)
        rows += await _database_rows(settings)
        if settings.public_url:
            rows.append(await _public_url_row(settings, session))
        else:
            rows.append(Row(SKIP, "public URL", "PUBLIC_URL not set: reachability and the webhook URL's host not checked"))
    return rows, exit_code(rows)
