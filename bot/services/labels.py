"""The configuration's bounty labels in a repository: created when missing, resolved to the repository's names."""

from __future__ import annotations

import logging

import gidgethub

from bot.core import config as core_config
from bot.core import labels as label_rules
from bot.github import status_of
from bot.services.repo import Repo

log = logging.getLogger(__name__)
MAX_NAME = 50  # GitHub refuses longer label names: 422 "name is too long (maximum is 50 characters)"


def sendable(body: dict) -> bool:
    """Within GitHub's label limits (name 1-50 characters, description at most 100). The config validator
    refuses longer names (a config error, reported by the fundbot/config check run), so this only guards a
    configuration built some other way: such a label is skipped, never sent to be refused."""
    name, description = body.get("name") or "", body.get("description") or ""
    return 0 < len(name) <= MAX_NAME and len(description) <= label_rules.MAX_DESCRIPTION


def label_exists(exc: BaseException) -> bool:
    """GitHub's 422 for a label that is already there (a concurrent attempt created it)."""
    errors = getattr(exc, "errors", None) or []
    return status_of(exc) == 422 and any(isinstance(e, dict) and e.get("code") == "already_exists" for e in errors)


async def ensure_labels(repo: Repo, config: core_config.Config, *, listed: list | None = None) -> list[str]:
    """Create the config's missing bounty labels; return the names of the labels standing for its entries.
    ``listed``, when given, receives the repository's labels as listed (before any was created)."""
    gh, variables = repo.gh, repo.vars
    existing = [lb async for lb in gh.getiter("/repos/{owner}/{repo}/labels{?per_page}", {**variables, "per_page": 100})]
    if listed is not None:
        listed.extend(existing)
    for body in label_rules.missing(config, existing):
        if not sendable(body):
            log.warning("label %r in %s is outside GitHub's limits; not created", body.get("name"), repo.full_name)
            continue
        try:
            created = await gh.post("/repos/{owner}/{repo}/labels", variables, data=body)
        except gidgethub.BadRequest as exc:
            if label_exists(exc):
                log.info("label %r appeared meanwhile in %s", body["name"], repo.full_name)
                continue
            if status_of(exc) == 422:  # e.g. a name GitHub refuses: the config check run reports it
                log.warning("GitHub refused the label %r in %s: %s", body["name"], repo.full_name, exc)
                continue
            raise
        existing.append(created if isinstance(created, dict) else body)
        log.info("created label %r in %s", body["name"], repo.full_name)
    return [name for name in label_rules.resolve(config, existing).values() if name]
