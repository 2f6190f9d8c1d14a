"""Webhook signatures as GitHub computes them (pure): HMAC of the exact body bytes with the webhook secret.

``X-Hub-Signature-256: sha256=<hex>`` (HMAC-SHA256) is the one fundbot checks; GitHub also sends the
legacy ``X-Hub-Signature: sha1=<hex>``. The sandbox signs its deliveries with these, and so do the tests
and the benchmarks; the edge verifies by streaming the same HMAC over the body as it arrives.
"""

from __future__ import annotations

import hashlib
import hmac


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def signature_256(body: bytes, secret: str | bytes) -> str:
    """The ``X-Hub-Signature-256`` value of ``body``: ``sha256=`` and 64 lowercase hex digits."""
    return "sha256=" + hmac.new(_key(secret), body, hashlib.sha256).hexdigest()


def signature_1(body: bytes, secret: str | bytes) -> str:
    """The legacy ``X-Hub-Signature`` value of ``body``: ``sha1=`` and 40 lowercase hex digits."""
    return "sha1=" + hmac.new(_key(secret), body, hashlib.sha1).hexdigest()


def signature_headers(body: bytes, secret: str | bytes) -> dict[str, str]:
    """Both signature headers GitHub sends with a delivery of ``body``."""
    return {"X-Hub-Signature": signature_1(body, secret), "X-Hub-Signature-256": signature_256(body, secret)}
