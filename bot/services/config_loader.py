"""Loading a repository's effective ``.github/fundbot.yml`` from GitHub (the shell over ``bot.core.config``).

* Read from the default branch only. If the repository has no file, ``OWNER/.github``'s
  ``.github/fundbot.yml`` applies. ``_extends`` chains are followed through the same API.
* Every read is a conditional request (the installation client's ETag cache): an unchanged file costs
  no rate limit.
* What may be shown of a file and what may be inherited depends on the repository it is in
  (``bot.core.disclosure``): visibility is read from ``GET /repos/{owner}/{repo}`` (``private`` /
  ``visibility``), only when the chain leaves the configured repository. A public repository never inherits
  from a repository that is not public (nor from a private ``OWNER/.github``): its content is not read.
* An invalid configuration never crashes a handler: the last valid configuration of the repository
  (kept in the store's cache, keyed by repository *id*) or the defaults are used instead, and the
  result says so (``LoadedConfig.fallback``), for check runs and ``/fundbot help``.
* Values inherited from a file that is not public (a private ``_extends`` target or ``OWNER/.github``, allowed
  for a non-public repository) are marked (``LoadedConfig.public_only``, and in the stored last valid
  record). Such a record or memo is used only while the repository is still not public (looked up again, a
  conditional request): a repository made public never falls back to values of a private file; it gets the
  defaults and ``LoadedConfig.note`` says why.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import cachetools
import gidgethub

from bot.core import config as core
from bot.core import disclosure, paths
from bot.github import repo_ops, status_of

log = logging.getLogger(__name__)

CACHE_NAMESPACE = "config:last-valid"
ORG_REPO = ".github"


@dataclasses.dataclass(frozen=True)
class LoadedConfig:
    config: core.Config  # what fundbot acts on
    result: core.ConfigResult | None  # the validation of what is in GitHub now (None: no file anywhere)
    source: str  # "repository", "organization" or "defaults"
    fallback: str | None = None  # "last valid" or "defaults" when the file in GitHub is invalid
    public_only: bool = True  # no value comes from a file of another repository that is not public
    note: str | None = None  # why the fallback is what it is, when that is not obvious

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
    try:
        found = await repo_ops.read_file(gh, {"full_name": f"{owner}/{repo}"}, path)
    except paths.UnsafePath as exc:  # the validator refuses such a path first; never sent
        log.warning("not reading a file of %s/%s: %s", owner, repo, exc.problem.code)
        return None
    if found is None:
        return None
    return found[0].decode("utf-8", errors="replace")


def is_public(repo: dict) -> bool:
    """A repository object of the REST API is public when ``private`` is false and ``visibility`` (when
    present) is ``public``; ``internal`` (enterprise members only) is not public."""
    return repo.get("private") is False and repo.get("visibility", "public") == "public"


class Visibility:
    """``GET /repos/{owner}/{repo}`` per repository, once per load: True public, False not public, None when
    this installation cannot see it (GitHub answers 404 for a private repository it does not cover)."""

    def __init__(self, gh: Any) -> None:
        self.gh = gh
        self.known: dict[str, bool | None] = {}

    async def public(self, owner: str, repo: str) -> bool | None:
        key = f"{owner}/{repo}".lower()
        if key not in self.known:
            try:
                data = await self.gh.getitem("/repos/{owner}/{repo}", {"owner": owner, "repo": repo})
            except gidgethub.BadRequest as exc:
                if status_of(exc) != 404:
                    raise
                self.known[key] = None
            else:
                self.known[key] = is_public(data) if isinstance(data, dict) else False
        return self.known[key]


@dataclasses.dataclass(frozen=True)
class ConfigFile:
    text: str
    where: str  # "owner/repo:path"
    source: str  # "repository" or "organization"
    public: bool  # its repository is public (or it is the configured repository's own file)


async def find_config_text(gh: Any, repository: dict, visibility: Visibility | None = None) -> ConfigFile | None:
    """The file that configures this repository, or None. The organization's file applies to a public
    repository only when ``OWNER/.github`` is public too (it is not even read otherwise)."""
    owner, name = _owner_repo(repository)
    text = await _read_text(gh, owner, name, core.CONFIG_PATH)
    if text is not None:
        return ConfigFile(text, f"{owner}/{name}:{core.CONFIG_PATH}", "repository", True)
    if name == ORG_REPO:
        return None
    visibility = visibility or Visibility(gh)
    org_public = await visibility.public(owner, ORG_REPO)
    if org_public is None:
        return None
    if not org_public and await visibility.public(owner, name) is not False:
        log.info("%s is public and %s/%s is not: the organization's fundbot.yml does not apply to it",
                 repository["full_name"], owner, ORG_REPO)
        return None
    text = await _read_text(gh, owner, ORG_REPO, core.CONFIG_PATH)
    if text is None:
        return None
    return ConfigFile(text, f"{owner}/{ORG_REPO}:{core.CONFIG_PATH}", "organization", org_public)


@dataclasses.dataclass(frozen=True)
class Resolution:
    result: core.ConfigResult | None  # None: no file anywhere
    source: str  # "repository", "organization" or "defaults"
    non_public: tuple[str, ...] = ()  # files read from other repositories that are not public


async def resolve_sources(gh: Any, repository: dict, visibility: Visibility | None = None) -> Resolution:
    """Validate what GitHub holds now, following ``_extends``: the result (None when there is no file), its
    source, and which files read are in another repository that is not public."""
    home_owner, home_name = _owner_repo(repository)
    visibility = visibility or Visibility(gh)
    found = await find_config_text(gh, repository, visibility)
    if found is None:
        return Resolution(None, "defaults")
    non_public: list[str] = [] if found.public else [found.where]
    file_owner, _, rest = found.where.partition("/")
    file_repo = rest.split(":", 1)[0]

    async def load(target: core.ExtendsTarget) -> core.Fetched:
        if (target.owner.lower(), target.repo.lower()) == (home_owner.lower(), home_name.lower()):
            return core.Fetched(await _read_text(gh, target.owner, target.repo, target.path))
        public = await visibility.public(target.owner, target.repo)
        if public is None:
            return core.Fetched(None)
        home_public = await visibility.public(home_owner, home_name)
        if not disclosure.may_inherit(same_repository=False, target_public=public, home_public=home_public):
            return core.Fetched(None, public=False, home_public=home_public)  # not read at all
        text = await _read_text(gh, target.owner, target.repo, target.path)
        if text is not None and not public:
            non_public.append(str(target))
        return core.Fetched(text, public=public, home_public=home_public)

    result = await core.resolve_chain_async(load, found.text, owner=file_owner, repo=file_repo, path=found.where,
                                            home=(home_owner, home_name), start_public=found.public)
    return Resolution(result, found.source, tuple(non_public))


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


async def _not_public(gh: Any, repository: dict, visibility: Visibility | None = None) -> bool:
    """Whether the repository is (still) not public: from a webhook payload's repository object, which GitHub
    sends as it is now (``private``/``visibility``), else one conditional ``GET /repos/{owner}/{repo}`` (a
    scheduled job stores only the id and the name)."""
    if "private" in repository:
        return not is_public(repository)
    return await (visibility or Visibility(gh)).public(*_owner_repo(repository)) is False


async def load(gh: Any, ctx: Any, repository: dict) -> LoadedConfig:
    """The configuration fundbot acts on for this repository. Never raises for bad content."""
    memo, memo_key = _memo(ctx), repository.get("id") or repository.get("full_name")
    if memo_key in memo:
        loaded = memo[memo_key]
        # values of a private file stay memoised only while the repository is still not public
        if loaded.public_only or await _not_public(gh, repository):
            return loaded
        memo.pop(memo_key, None)
    loaded = await _load(gh, ctx, repository)
    memo[memo_key] = loaded
    return loaded


# The stored last valid configuration: {"v": 2, "config": Config.to_dict(), "public_only": bool}. A record
# of the first format (the bare config dict) does not say where its values came from: it is treated as
# holding values of a file that is not public.
RECORD_VERSION = 2
NOT_PUBLIC_NOTE = ("The last valid configuration is not used: it holds values inherited from a file of a repository "
                   "that is not public, and this repository is public now.")


def _record(config: core.Config, public_only: bool) -> dict:
    return {"v": RECORD_VERSION, "config": config.to_dict(), "public_only": public_only}


def _from_record(cached: Any) -> tuple[core.Config | None, bool]:
    """(config or None when unusable, public_only) of a stored record."""
    versioned = isinstance(cached, dict) and cached.get("v") == RECORD_VERSION
    data = cached.get("config") if versioned else cached
    if not isinstance(data, dict):
        return None, False
    try:
        config = core.Config.from_dict(data)
    except (ValueError, TypeError, KeyError):
        return None, False
    return config, versioned and cached.get("public_only") is True


async def _cached_record(ctx: Any, repository: dict) -> Any:
    try:
        return await ctx.store.cache_get(CACHE_NAMESPACE, _repo_key(repository))
    except Exception:
        log.warning("could not read the cached config of %s", repository.get("full_name"), exc_info=True)
        return None


def _repo_key(repository: dict) -> str:
    return str(repository.get("id") or repository.get("full_name"))


async def forget_if_not_public(ctx: Any, repository: dict) -> bool:
    """Drop the stored last valid configuration of ``repository`` when it holds values of a file that is not
    public (the repository was made public). True when one was dropped."""
    cached = await _cached_record(ctx, repository)
    if cached is None or _from_record(cached)[1]:
        return False
    await ctx.store.cache_delete(CACHE_NAMESPACE, _repo_key(repository))
    log.info("%s was made public: its last valid config held values of a file that is not public; dropped",
             repository.get("full_name"))
    return True


async def _load(gh: Any, ctx: Any, repository: dict) -> LoadedConfig:
    visibility = Visibility(gh)
    found = await resolve_sources(gh, repository, visibility)
    result, source, public_only = found.result, found.source, not found.non_public
    if result is None:
        return LoadedConfig(core.Config.defaults(), None, "defaults")
    if result.ok and result.config is not None:
        try:
            await ctx.store.cache_set(CACHE_NAMESPACE, _repo_key(repository), _record(result.config, public_only),
                                      installation_id=getattr(gh, "installation_id", None))
        except Exception:  # the cache is an optimisation; never fail the handler for it
            log.warning("could not cache the valid config of %s", repository.get("full_name"), exc_info=True)
        return LoadedConfig(result.config, result, source, public_only=public_only)
    name, errors = repository.get("full_name"), len(result.errors)
    config, cached_public_only = _from_record(await _cached_record(ctx, repository))
    if config is not None:
        if cached_public_only or await _not_public(gh, repository, visibility):
            log.warning("%s has an invalid fundbot.yml (%d errors); using the last valid one", name, errors)
            return LoadedConfig(config, result, source, fallback="last valid", public_only=cached_public_only)
        log.warning("%s has an invalid fundbot.yml (%d errors); its last valid one holds values of a file that is "
                    "not public and %s is public: using the defaults", name, errors, name)
        return LoadedConfig(core.Config.defaults(), result, source, fallback="defaults", note=NOT_PUBLIC_NOTE)
    log.warning("%s has an invalid fundbot.yml (%d errors); using the defaults", name, errors)
    return LoadedConfig(core.Config.defaults(), result, source, fallback="defaults")
