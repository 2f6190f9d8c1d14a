"""Test helpers: the shared GitHub reference data (copied from ../shared/github, MIT; see tests/data/github/README.md
and LICENSES/) and webhook signing exactly as GitHub does it."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core import signing
from bot.testing import webhook_headers

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


github_headers = webhook_headers  # the headers GitHub sends with a delivery (one home: bot.testing)
