"""What every handler receives besides the event and the installation client."""

from __future__ import annotations

import dataclasses

import cachetools

from bot.github import Clock, GitHubApp
from bot.settings import Settings
from bot.store import Store


@dataclasses.dataclass
class Context:
    store: Store
    clock: Clock
    settings: Settings
    github: GitHubApp | None
    bot_login: str | None = None  # "<slug>[bot]"
    _memos: dict = dataclasses.field(default_factory=dict, repr=False)

    def memo(self, name: str, *, ttl: float, maxsize: int = 4096) -> cachetools.TTLCache:
        """A per-process, per-service TTL cache (timed by the service's clock)."""
        cache = self._memos.get(name)
        if cache is None:
            cache = self._memos[name] = cachetools.TTLCache(maxsize=maxsize, ttl=ttl, timer=self.clock.time)
        return cache

    def is_self(self, user: dict | None) -> bool:
        """True for fundbot's own account (its comments, its labels)."""
        return bool(user) and self.bot_login is not None and user.get("login") == self.bot_login

    @staticmethod
    def is_bot(user: dict | None) -> bool:
        return bool(user) and (user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]"))
