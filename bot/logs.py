"""Logging: text or JSON lines, with the delivery, installation and repository of the job in progress.

Context travels in ``contextvars`` so every log line written while a job runs carries it, without
threading a logger through every function. Secrets never reach a log line: ``Redactor`` masks tokens,
JWTs and PEM keys in messages and arguments.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
from collections.abc import Iterator

delivery_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("delivery", default=None)
installation_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("installation", default=None)
repo_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("repo", default=None)
_role: str | None = None  # this process's part when serve runs several ("web", "worker-1"); see setup()

_SECRET_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    re.compile(r"\b(gh[pousr]_[A-Za-z0-9_]{8,})"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWT
    re.compile(r"(?i)\b(token|bearer)\s+[A-Za-z0-9_.\-]{12,}"),
    re.compile(r"(?i)(sha256=)[0-9a-f]{64}"),
]


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.lastindex and m.group(1).endswith("=") else "") + "[redacted]", text)
    return text


@contextlib.contextmanager
def job_context(*, delivery: str | None = None, installation: int | None = None, repo: str | None = None) -> Iterator[None]:
    tokens = [delivery_var.set(delivery), installation_var.set(installation), repo_var.set(repo)]
    try:
        yield
    finally:
        for var, token in zip((delivery_var, installation_var, repo_var), tokens, strict=True):
            var.reset(token)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # a value the line brought itself (``Repo.log``'s extra) wins over the job's context
        record.delivery = getattr(record, "delivery", None) or delivery_var.get()
        record.installation = getattr(record, "installation", None) or installation_var.get()
        record.repo = getattr(record, "repo", None) or repo_var.get()
        record.role = _role
        # Render once, redact, and freeze so no handler formats the raw arguments again.
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for field in ("role", "delivery", "installation", "repo"):
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        extra = getattr(record, "data", None)
        if isinstance(extra, dict):
            line.update({k: v for k, v in extra.items() if k not in line})
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s%(ctx)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = [f"{k}={getattr(record, k)}" for k in ("role", "delivery", "installation", "repo") if getattr(record, k, None)]
        record.ctx = (" [" + " ".join(parts) + "]") if parts else ""
        text = super().format(record)
        return redact(text) if record.exc_info else text


def setup(level: str = "INFO", fmt: str = "text", stream=None, *, role: str | None = None) -> None:
    global _role
    _role = role
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
