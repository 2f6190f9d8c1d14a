"""Test helpers: the shared GitHub reference data (copied from ../shared/github, MIT; see tests/data/github/README.md
and LICENSES/) and webhook signing exactly as GitHub does it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from bot.core import signing

DATA = Path(__file__).parent / "data" / "github"
WEBHOOKS = DATA / "webhooks"


def payload_files() -> list[tuple[str, Path]]:
    """(event, path) of every webhook example, event = folder name = X-GitHub-Event."""
    return sorted((p.parent.name, p) for p in WEBHOOKS.glob("*/*.json"))


def payload_bytes(event: str, name: str) -> bytes:
    return (WEBHOOKS / event / f"{name}.payload.json").read_bytes()


def payload(event: str, name: str) -> dict:
    return json.loads(payload_bytes(event, name))


sign = signing.signature_256  # the X-Hub-Signature-256 value of a body


def github_headers(event: str, body: bytes, secret: str | None, *, delivery: str | None = None) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/test",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "1",
    }
    if secret is not None:
        headers.update(signing.signature_headers(body, secret))
    return headers
