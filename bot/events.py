"""Pure helpers on webhook payloads, shared by the edge (no handler imports here: the edge stays light)."""

from __future__ import annotations

from typing import Any


def ordering_key(event: str, payload: dict) -> str | None:
    """Jobs with the same key run one at a time, in arrival order: one issue/PR, else one repository."""
    repo = payload.get("repository") if isinstance(payload, dict) else None
    repo_id = repo.get("id") if isinstance(repo, dict) else None
    for field in ("issue", "pull_request"):
        item = payload.get(field) if isinstance(payload, dict) else None
        if isinstance(item, dict) and repo_id is not None and item.get("number") is not None:
            return f"{repo_id}#{item['number']}"
    if repo_id is not None:
        return str(repo_id)
    installation = payload.get("installation") if isinstance(payload, dict) else None
    if isinstance(installation, dict) and installation.get("id") is not None:
        return f"installation:{installation['id']}"
    return None


def installation_id_of(payload: Any) -> int | None:
    installation = payload.get("installation") if isinstance(payload, dict) else None
    value = installation.get("id") if isinstance(installation, dict) else None
    return value if isinstance(value, int) else None
