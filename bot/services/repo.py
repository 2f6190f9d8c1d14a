"""``Repo``: what every handler and service receives for one delivery (or one scheduled job).

One handle instead of the ``gh, ctx, repository`` triple: the installation client (``gh``), the process
context (``ctx``: store, clock, settings, App), the payload's repository, and what is derived from them
(installation id, ``owner``/``name``, the URL variables, the configuration memoised for the delivery, a
logger that names the delivery, installation and repository). ``bot.jobs.routing`` builds one per delivery
and hands it to every handler; scheduled jobs build theirs with :meth:`Repo.installed` from what they stored.

A delivery about an installation rather than a repository (``installation.created``...) gets a handle whose
``repository`` is empty; :meth:`Repo.at` gives the handle of one of its repositories (same client, same
delivery).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.github import repo_ops
from bot.services import config_loader
from bot.services.config_loader import LoadedConfig

_log = logging.getLogger("bot.repo")


class Repo:
    __slots__ = ("gh", "ctx", "repository", "delivery", "_config", "_log")

    def __init__(self, gh: Any, ctx: Any, repository: dict | None, *, delivery: str | None = None) -> None:
        self.gh = gh
        self.ctx = ctx
        self.repository: dict = repository if isinstance(repository, dict) else {}
        self.delivery = delivery
        self._config: LoadedConfig | None = None
        self._log: logging.LoggerAdapter | None = None

    @classmethod
    async def installed(cls, ctx: Any, installation_id: int, repository: dict, *, delivery: str | None = None) -> Repo:
        """The handle of a scheduled job: an installation client for ``installation_id``."""
        return cls(await ctx.github.installation(installation_id), ctx, repository, delivery=delivery)

    def at(self, repository: dict) -> Repo:
        """The handle of another repository of the same installation, for the same delivery."""
        return Repo(self.gh, self.ctx, repository, delivery=self.delivery)

    def __repr__(self) -> str:
        return f"Repo({self.full_name or '-'}, installation={self.installation_id}, delivery={self.delivery})"

    # -- who and where -----------------------------------------------------------------------------------
    @property
    def installation_id(self) -> int | None:
        return getattr(self.gh, "installation_id", None)

    @property
    def full_name(self) -> str:
        name = self.repository.get("full_name")
        return name if isinstance(name, str) else ""

    @property
    def owner(self) -> str:
        return self.full_name.partition("/")[0]

    @property
    def name(self) -> str:
        return self.full_name.partition("/")[2]

    @property
    def id(self) -> Any:
        return self.repository.get("id")

    @property
    def vars(self) -> dict[str, str]:
        """``{"owner", "repo"}`` for the REST URL templates."""
        return repo_ops.repo_vars(self.repository)

    @property
    def bot_login(self) -> str | None:
        return self.ctx.bot_login

    def now(self) -> float:
        return self.ctx.clock.time()

    # -- configuration -----------------------------------------------------------------------------------
    async def config(self) -> LoadedConfig:
        """The configuration fundbot acts on here (``config_loader.load``), read once per delivery."""
        if self._config is None:
            self._config = await config_loader.load(self.gh, self.ctx, self.repository)
        return self._config

    def forget_config(self, *, everywhere: bool = False) -> None:
        """The configuration changed: forget it for this delivery and in the process memo (every
        repository's with ``everywhere``, for a change to the organisation's shared file)."""
        self._config = None
        config_loader.invalidate(self.ctx, None if everywhere else self.repository)

    # -- logging -----------------------------------------------------------------------------------------
    @property
    def log(self) -> logging.LoggerAdapter:
        """A logger whose lines carry this delivery, installation and repository (also in scheduled jobs,
        where the worker's log context knows no repository)."""
        if self._log is None:
            extra = {"delivery": self.delivery, "installation": self.installation_id, "repo": self.full_name or None}
            self._log = logging.LoggerAdapter(_log, extra)
        return self._log
