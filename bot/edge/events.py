"""Pure helpers on webhook payloads, shared by the edge (no handler imports here: the edge stays light)."""

from __future__ import annotations

import re
from typing import Any

MAX_ID = 2**63 - 1  # GitHub ids are signed 64-bit; anything else is not an id


def _id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID else None


def ordering_key(event: str, payload: dict) -> str | None:
    """Jobs with the same key run one at a time, in arrival order: one issue/PR, else one repository."""
    repo = payload.get("repository") if isinstance(payload, dict) else None
    repo_id = _id(repo.get("id")) if isinstance(repo, dict) else None
    for field in ("issue", "pull_request"):
        item = payload.get(field) if isinstance(payload, dict) else None
        number = _id(item.get("number")) if isinstance(item, dict) else None
        if repo_id is not None and number is not None:
            return f"{repo_id}#{number}"
    if repo_id is not None:
        return str(repo_id)
    installation = payload.get("installation") if isinstance(payload, dict) else None
    installation_id = _id(installation.get("id")) if isinstance(installation, dict) else None
    if installation_id is not None:
        return f"installation:{installation_id}"
    return None


def installation_id_of(payload: Any) -> int | None:
    installation = payload.get("installation") if isinstance(payload, dict) else None
    return _id(installation.get("id")) if isinstance(installation, dict) else None


_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")


def valid_full_name(value: Any) -> bool:
    """``owner/repo`` as GitHub allows them: nothing that could make a request path other than the API's."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None and value.split("/")[1] not in (".", "..")
