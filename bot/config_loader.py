"""Loading a repository's effective ``.github/fundbot.yml`` from GitHub (the shell over ``bot.core.config``).

* Read from the default branch only. If the repository has no file, ``OWNER/.github``'s
  ``.github/fundbot.yml`` applies. ``_extends`` chains are followed through the same API.
* Every read is a conditional request (the installation client's ETag cache): an unchanged file costs
  no rate limit.
* An invalid configuration never crashes a handler: the last valid configuration of the repository
  (kept in the store's cache, keyed by repository *id*) or the defaults are used instead, and the
  result says so (``LoadedConfig.fallback``), for check runs and ``/fundbot help``.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import cachetools

from bot import repo_ops
from bot.core import config as core

log = logging.getLogger(__name__)

CACHE_NAMESPACE = "config:last-valid"
ORG_REPO = ".github"


@dataclasses.dataclass(frozen=True)
class LoadedConfig:
    config: core.Config  # what fundbot acts on
    result: core.ConfigResult | None  # the validation of what is in GitHub now (None: no file anywhere)
    source: str  # "repository", "organization" or "defaults"
    fallback: str | None = None  # "last valid" or "defaults" when the file in GitHub is invalid

    @property
    def errors(self) -> list[core.Issue]:
        return list(self.result.errors) if self.result else []

    @property
    def warnings(self) -> list[core.Issue]:
        return list(self.result.warnings) if self.result else []


def _owner_repo(repository: dict) -> tuple[str, str]:
    owner, _, name = repository["full_name"].partition("/")
    return owner, name


async def _read_text(gh: Any, owner: str, repo: str, path: str) -> str | None:
    """A file on the default branch of OWNER/REPO as text; None when missing or not readable by this
    installation (404). Undecodable bytes are kept as replacement characters (the validator reports them)."""
    found = await repo_ops.read_file(gh, {"full_name": f"{owner}/{repo}"}, path)
    if found is None:
        return None
    return found[0].decode("utf-8", errors="replace")


async def find_config_text(gh: Any, repository: dict) -> tuple[str, str, str] | None:
    """(text, "owner/repo:path", source) of the file that configures this repository, or None."""
    owner, name = _owner_repo(repository)
    text = await _read_text(gh, owner, name, core.CONFIG_PATH)
    if text is not None:
        return text, f"{owner}/{name}:{core.CONFIG_PATH}", "repository"
    if name != ORG_REPO:
        text = await _read_text(gh, owner, ORG_REPO, core.CONFIG_PATH)
        if text is not None:
            return text, f"{owner}/{ORG_REPO}:{core.CONFIG_PATH}", "organization"
    return None


async def resolve(gh: Any, repository: dict) -> tuple[core.ConfigResult | None, str]:
    """Validate what GitHub holds now, following ``_extends``: (result or None when no file, source)."""
    found = await find_config_text(gh, repository)
    if found is None:
        return None, "defaults"
    text, where, source = found
    file_owner, _, rest = where.partition("/")
    file_repo = rest.split(":", 1)[0]

    async def load(target: core.ExtendsTarget) -> str | None:
        return await _read_text(gh, target.owner, target.repo, target.path)

    result = await core.resolve_chain_async(load, text, owner=file_owner, repo=file_repo, path=where)
    return result, source


# Loads are memoised per process for a minute: a burst of comments on one repository reads the config once
# (an absent file answers 404, which conditional requests cannot make free). A push that changes a config
# file invalidates it; other processes see the change within the minute.
MEMO_SECONDS = 60.0


def _memo(ctx: Any) -> cachetools.TTLCache:
    return ctx.memo("config", ttl=MEMO_SECONDS)


def invalidate(ctx: Any, repository: dict | None = None) -> None:
    """Forget memoised configs: one repository's, or all (a change to an organisation's shared file)."""
    if repository is None:
        _memo(ctx).clear()
    else:
        _memo(ctx).pop(repository.get("id") or repository.get("full_name"), None)


async def load(gh: Any, ctx: Any, repository: dict) -> LoadedConfig:
    """The configuration fundbot acts on for this repository. Never raises for bad content."""
    memo, memo_key = _memo(ctx), repository.get("id") or repository.get("full_name")
    if memo_key in memo:
        return memo[memo_key]
    loaded = await _load(gh, ctx, repository)
    memo[memo_key] = loaded
    return loaded


async def _load(gh: Any, ctx: Any, repository: dict) -> LoadedConfig:
    result, source = await resolve(gh, repository)
    repo_key = str(repository.get("id") or repository.get("full_name"))
    if result is None:
        return LoadedConfig(core.Config.defaults(), None, "defaults")
    if result.ok and result.config is not None:
        try:
            await ctx.store.cache_set(CACHE_NAMESPACE, repo_key, result.config.to_dict(),
                                      installation_id=getattr(gh, "installation_id", None))
        except Exception:  # the cache is an optimisation; never fail the handler for it
            log.warning("could not cache the valid config of %s", repository.get("full_name"), exc_info=True)
        return LoadedConfig(result.config, result, source)
    cached = None
    try:
        cached = await ctx.store.cache_get(CACHE_NAMESPACE, repo_key)
    except Exception:
        log.warning("could not read the cached config of %s", repository.get("full_name"), exc_info=True)
    if cached is not None:
        try:
            config = core.Config.from_dict(cached)
        except (ValueError, TypeError, KeyError):
            config = None
        if config is not None:
            log.warning("%s has an invalid fundbot.yml (%d errors); using the last valid one",
                        repository.get("full_name"), len(result.errors))
            return LoadedConfig(config, result, source, fallback="last valid")
    log.warning("%s has an invalid fundbot.yml (%d errors); using the defaults", repository.get("full_name"), len(result.errors))
    return LoadedConfig(core.Config.defaults(), result, source, fallback="defaults")
