"""Runtime settings from the environment (Probot's names) and an optional ``.env`` file.

Only this module reads ``os.environ``; everything else receives a ``Settings``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from bot.core import pacing

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_WEBHOOK_PATH = "/api/github/webhooks"
DEFAULT_SPONSORSHIP_WEBHOOK_PATH = "/api/github/sponsors-webhooks"  # GitHub Sponsors' own webhook (bot.edge.sponsorship)
MAX_WEBHOOK_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting is present but unusable; the message says which and why."""


class _BadLines(logging.Filter):
    """Collects python-dotenv's "could not parse statement starting at line N" (and keeps it off stderr)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[object] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if "could not parse" in str(record.msg):
            self.lines.append(record.args[0] if isinstance(record.args, tuple) and record.args else "?")
            return False
        return True


def read_dotenv(path: Path) -> dict[str, str]:
    """The ``KEY=VALUE`` pairs of a ``.env`` file, read by python-dotenv (``export``, quotes, ``#`` comments,
    multi-line double-quoted values such as a PEM key, ``\\n`` escapes). No ``${VAR}`` expansion: a secret
    with ``$`` in it stays as written. A missing file is empty; a line python-dotenv cannot parse is a
    ``SettingsError`` naming the line (python-dotenv itself would only log a warning and skip it)."""
    bad = _BadLines()
    import dotenv  # here, not at the top: `python -m bot --help` needs none of fundbot's dependencies

    logger = logging.getLogger("dotenv.main")
    logger.addFilter(bad)
    try:
        values = dotenv.dotenv_values(path, interpolate=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise SettingsError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise SettingsError(f"{path} cannot be read: {exc.strerror}") from None
    finally:
        logger.removeFilter(bad)
    if bad.lines:
        raise SettingsError(f"{path} line {bad.lines[0]} cannot be parsed: write KEY=VALUE, and close every quote "
                            "(a value with spaces or # in it goes in quotes)")
    return {key: value for key, value in values.items() if value is not None}


def check_metrics_ports(metrics_port: int, worker_processes: int, port: int) -> None:
    """``worker`` listens on METRICS_PORT, ``serve``'s worker processes on the WORKER_PROCESSES ports after it."""
    if metrics_port + worker_processes > 65535:
        raise SettingsError(f"METRICS_PORT={metrics_port} leaves no port for worker process {65536 - metrics_port} of "
                            f"{worker_processes} (they use METRICS_PORT+1, +2, ...); set METRICS_PORT to "
                            f"{65535 - worker_processes} or less")
    if port and metrics_port <= port <= metrics_port + worker_processes:
        used = f"METRICS_PORT to METRICS_PORT+{worker_processes}" if worker_processes else "METRICS_PORT"
        raise SettingsError(f"METRICS_PORT={metrics_port} overlaps PORT={port} (metrics listen on {used}); "
                            "pick a METRICS_PORT away from PORT")


@dataclasses.dataclass(frozen=True)
class Settings:
    app_id: str | None = None
    private_key: str | None = None
    webhook_secret: str | None = None
    port: int = 3000
    host: str = "0.0.0.0"
    webhook_path: str = DEFAULT_WEBHOOK_PATH
    github_api_url: str = DEFAULT_API_URL
    database_url: str | None = None
    log_level: str = "INFO"
    log_format: str = "text"
    worker_concurrency: int = 8
    lease_seconds: float = 60.0
    max_attempts: int = 8
    shutdown_grace: float = 20.0
    worker_processes: int = 1  # `serve` runs its workers in this many child processes; 0: in the web process
    web_processes: int = 1  # `serve` answers webhooks in this many processes sharing PORT (SO_REUSEPORT)
    bot_login: str | None = None  # "<slug>[bot]"; learned from GET /app when unset
    # Pacing of content-creating GitHub requests (POST/PATCH/PUT/DELETE) per installation, one budget in the store
    # for every process (bot.core.pacing): the shortest gap between two of them (0: no pacing at all), and how
    # many may go in any minute and in any hour (GitHub's secondary limits: 80 and 500).
    mutation_interval: float = 0.02
    mutations_per_minute: int = 80
    mutations_per_hour: int = 500
    installation_concurrency: int = 4  # jobs of one installation running at once in this process
    max_inflight_body_bytes: int = 64 * 1024 * 1024  # request bodies being read at once, all connections together
    max_chunked_body_bytes: int = 1024 * 1024  # a body without Content-Length (GitHub always sends one)
    header_timeout: float = 10.0  # seconds from connect until the request line and headers are complete
    body_timeout: float = 30.0  # seconds to receive a whole body (GitHub Enterprise Server waits 30 s at most)
    keepalive_timeout: float = 15.0  # seconds an idle connection stays open after a response
    public_url: str | None = None  # where GitHub reaches this server, e.g. https://fundbot.example.org (doctor)
    github_url: str | None = None  # GitHub's web host (registration); unset: derived from github_api_url
    admin_token: str | None = None  # enables /admin (the operator's health page) for whoever types it
    secret_key: str | None = None  # encrypts connected GitHub Sponsors tokens in the store (32+ characters)
    github_api_version: str = "2022-11-28"  # X-GitHub-Api-Version sent on every REST request (bot.github.API_VERSION)
    metrics_port: int | None = None  # `worker` serves its own /metrics here; serve's worker processes: +1, +2, ...
    # The sponsored account's own `sponsorship` webhook (GitHub Sponsors dashboard, not the App): served only
    # when its secret is set (bot.edge.sponsorship); never the App's secret, never the App's path.
    sponsorship_webhook_path: str = DEFAULT_SPONSORSHIP_WEBHOOK_PATH
    sponsorship_webhook_secret: str | None = None

    @property
    def has_app_credentials(self) -> bool:
        return bool(self.app_id and self.private_key)

    @property
    def pacing_budget(self) -> pacing.Budget:
        """The pacing budget of one installation these settings name (``bot.core.pacing``)."""
        return pacing.budget_for(self.mutation_interval, self.mutations_per_minute, self.mutations_per_hour)

    @property
    def graphql_url(self) -> str:
        base = self.github_api_url.rstrip("/")
        if base.endswith("/api/v3"):  # GitHub Enterprise Server
            return base[: -len("/v3")] + "/graphql"
        return base + "/graphql"

    def for_sandbox(self, sandbox, **overrides) -> Settings:
        """These settings pointed at a GitHub sandbox (its app id, key, secret and API), listening on a free
        local port, without mutation pacing (``mutation_interval=0``: the sandbox enforces GitHub's secondary limits,
        so a test sending more than 80 content-creating requests a minute for one installation turns it on);
        ``overrides`` win."""
        values = dict(
            app_id=str(sandbox.app_id),
            private_key=sandbox.private_key_pem.decode(),
            webhook_secret=sandbox.webhook_secret,
            github_api_url=sandbox.base_url,
            host="127.0.0.1",
            port=0,
            mutation_interval=0.0,
            secret_key="sandbox-secret-key-for-sponsors-tokens",  # encrypts connected Sponsors tokens in tests
            sponsorship_webhook_secret=getattr(sandbox, "sponsors_webhook_secret", None),  # the Sponsors hook's own
        )
        values.update(overrides)
        return dataclasses.replace(self, **values)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> Settings:
        """The settings the environment (over ``dotenv``) names; an unset one keeps its default above, the only
        place a default is written (the CLI, the worker and the doctor read them from this class)."""
        merged: dict[str, str] = {}
        if dotenv is not None:
            merged.update(read_dotenv(dotenv))
        merged.update(os.environ if env is None else env)
        e = _Env(merged)
        private_key = _private_key(e)
        app_id = _app_id(e)
        log_level = _log_level(e)
        api_url = _api_url(e)
        api_version = _api_version(e)
        log_format = _log_format(e)
        webhook_path = _webhook_path(e)
        sponsorship_path, sponsorship_secret = _sponsorship_webhook(e, webhook_path)
        public_url = _public_url(e)
        worker_processes = e.integer("WORKER_PROCESSES", cls.worker_processes, minimum=0)
        port = e.integer("PORT", cls.port, minimum=0, maximum=65535)
        metrics_port = e.integer("METRICS_PORT", 0, minimum=1, maximum=65535) or None
        if metrics_port is not None:
            check_metrics_ports(metrics_port, worker_processes, port)
        return cls(
            app_id=app_id,
            private_key=private_key,
            webhook_secret=e.get("WEBHOOK_SECRET"),
            port=port,
            host=e.get("HOST") or cls.host,
            webhook_path=webhook_path,
            github_api_url=api_url,
            github_api_version=api_version,
            database_url=e.get("DATABASE_URL"),
            log_level=log_level,
            log_format=log_format,
            worker_concurrency=e.integer("WORKER_CONCURRENCY", cls.worker_concurrency),
            lease_seconds=e.number("JOB_LEASE_SECONDS", cls.lease_seconds, minimum=1.0),
            max_attempts=e.integer("JOB_MAX_ATTEMPTS", cls.max_attempts),
            shutdown_grace=e.number("SHUTDOWN_GRACE_SECONDS", cls.shutdown_grace),
            worker_processes=worker_processes,
            web_processes=e.integer("WEB_PROCESSES", cls.web_processes, minimum=1, maximum=64),
            bot_login=e.get("BOT_LOGIN"),
            mutation_interval=e.number("MUTATION_INTERVAL_SECONDS", cls.mutation_interval),
            mutations_per_minute=e.integer("MUTATIONS_PER_MINUTE", cls.mutations_per_minute),
            mutations_per_hour=e.integer("MUTATIONS_PER_HOUR", cls.mutations_per_hour),
            installation_concurrency=e.integer("INSTALLATION_CONCURRENCY", cls.installation_concurrency),
            max_inflight_body_bytes=e.integer("MAX_INFLIGHT_BODY_BYTES", cls.max_inflight_body_bytes),
            max_chunked_body_bytes=e.integer("MAX_CHUNKED_BODY_BYTES", cls.max_chunked_body_bytes),
            header_timeout=e.number("HEADER_TIMEOUT_SECONDS", cls.header_timeout),
            body_timeout=e.number("BODY_TIMEOUT_SECONDS", cls.body_timeout),
            keepalive_timeout=e.number("KEEPALIVE_TIMEOUT_SECONDS", cls.keepalive_timeout),
            public_url=public_url,
            github_url=_web_url(e, "GITHUB_URL"),
            admin_token=_secret(e, "ADMIN_TOKEN", 16),
            secret_key=_secret(e, "SECRET_KEY", 32),
            metrics_port=metrics_port,
            sponsorship_webhook_path=sponsorship_path,
            sponsorship_webhook_secret=sponsorship_secret,
        )


class _Env:
    """The merged environment, read as settings: an empty value counts as unset."""

    def __init__(self, merged: Mapping[str, str]) -> None:
        self._merged = merged

    def get(self, name: str) -> str | None:
        value = self._merged.get(name)
        return value if value not in (None, "") else None

    def integer(self, name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            allowed = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
            raise SettingsError(f"{name} must be {allowed}, got {value}")
        return value

    def number(self, name: str, default: float, minimum: float = 0.0) -> float:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
        if not minimum <= value < float("inf"):  # also refuses nan
            raise SettingsError(f"{name} must be a number of seconds, {minimum:g} or more, got {raw!r}")
        return value


def _private_key(e: _Env) -> str | None:
    """PRIVATE_KEY (``\\n`` escapes allowed), else the file PRIVATE_KEY_PATH names; it must look like PEM."""
    private_key = e.get("PRIVATE_KEY")
    key_path = e.get("PRIVATE_KEY_PATH")
    if private_key is None and key_path:
        try:
            private_key = Path(key_path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsError(f"PRIVATE_KEY_PATH={key_path!r} cannot be read: {exc.strerror}") from exc
    if private_key is not None:
        private_key = private_key.replace("\\n", "\n").strip() + "\n"
        if "PRIVATE KEY" not in private_key:
            raise SettingsError("PRIVATE_KEY does not look like a PEM private key (no 'PRIVATE KEY' header)")
    return private_key


def _app_id(e: _Env) -> str | None:
    app_id = e.get("APP_ID")
    if app_id is not None and not (app_id.isascii() and app_id.isdigit()):
        raise SettingsError(f"APP_ID must be the App's numeric ID (its settings page shows 'App ID: 123456'), got {app_id!r}")
    return app_id


def _log_level(e: _Env) -> str:
    log_level = (e.get("LOG_LEVEL") or Settings.log_level).upper()
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {e.get('LOG_LEVEL')!r}")
    return log_level


def _api_url(e: _Env) -> str:
    api_url = (e.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    if not api_url.lower().startswith(("http://", "https://")):
        raise SettingsError(f"GITHUB_API_URL must be an http:// or https:// address (e.g. {DEFAULT_API_URL}), got {api_url!r}")
    return api_url


def _api_version(e: _Env) -> str:
    version = e.get("GITHUB_API_VERSION") or Settings.github_api_version
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", version) is None:
        raise SettingsError(f"GITHUB_API_VERSION must be a REST API version date such as "
                            f"{Settings.github_api_version}, got {version!r}")
    return version


def _log_format(e: _Env) -> str:
    log_format = (e.get("LOG_FORMAT") or Settings.log_format).lower()
    if log_format not in ("text", "json"):
        raise SettingsError(f"LOG_FORMAT must be 'text' or 'json', got {log_format!r}")
    return log_format


def _webhook_path(e: _Env) -> str:
    webhook_path = e.get("WEBHOOK_PATH") or DEFAULT_WEBHOOK_PATH
    if not webhook_path.startswith("/"):
        webhook_path = "/" + webhook_path
    return webhook_path


def _sponsorship_webhook(e: _Env, webhook_path: str) -> tuple[str, str | None]:
    """SPONSORSHIP_WEBHOOK_PATH and SPONSORSHIP_WEBHOOK_SECRET: a path of its own and a secret of its own (a body
    signed for the App is never accepted there, nor one signed for Sponsors on the App's path)."""
    secret = e.get("SPONSORSHIP_WEBHOOK_SECRET")
    raw_path = e.get("SPONSORSHIP_WEBHOOK_PATH")
    path = raw_path or DEFAULT_SPONSORSHIP_WEBHOOK_PATH
    if raw_path is not None and secret is None:
        raise SettingsError("SPONSORSHIP_WEBHOOK_PATH is set but SPONSORSHIP_WEBHOOK_SECRET is not: set the secret "
                            "you typed on the GitHub Sponsors dashboard's webhook, or unset the path")
    if not path.startswith("/") or re.search(r"[\s?#]", path):
        raise SettingsError(f"SPONSORSHIP_WEBHOOK_PATH must be a path such as {DEFAULT_SPONSORSHIP_WEBHOOK_PATH} "
                            f"(starting with /, no spaces, query or #), got {path!r}")
    if path.rstrip("/") in ("", "/healthz", "/metrics", webhook_path.rstrip("/")):
        raise SettingsError(f"SPONSORSHIP_WEBHOOK_PATH={path} is taken (WEBHOOK_PATH, / , /healthz or /metrics): "
                            f"give the Sponsors webhook its own path, e.g. {DEFAULT_SPONSORSHIP_WEBHOOK_PATH}")
    if secret is not None and secret == e.get("WEBHOOK_SECRET"):
        raise SettingsError("SPONSORSHIP_WEBHOOK_SECRET must differ from WEBHOOK_SECRET: the Sponsors webhook has "
                            "its own secret, so neither endpoint accepts a body signed for the other")
    return path, secret


def _web_url(e: _Env, name: str) -> str | None:
    url = (e.get(name) or "").rstrip("/") or None
    if url is not None and (not url.lower().startswith(("http://", "https://")) or "?" in url or "#" in url):
        raise SettingsError(f"{name} must be an http:// or https:// address without query, got {url!r}")
    return url


def _secret(e: _Env, name: str, minimum: int) -> str | None:
    value = e.get(name) or None
    if value is not None and len(value) < minimum:
        raise SettingsError(f"{name} must be at least {minimum} characters (random ones: python -c "
                            f"'import secrets; print(secrets.token_urlsafe({minimum}))')")
    return value


def _public_url(e: _Env) -> str | None:
    public_url = (e.get("PUBLIC_URL") or "").rstrip("/") or None
    if public_url is not None and (not public_url.lower().startswith(("http://", "https://"))
                                   or "?" in public_url or "#" in public_url):
        raise SettingsError(f"PUBLIC_URL must be an http:// or https:// address without query, got {public_url!r}")
    return public_url
