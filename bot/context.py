"""What every handler receives besides the event and the installation client."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

    def is_self(self, user: dict | None) -> bool:
        """True for fundbot's own account (its comments, its labels)."""
        return bool(user) and self.bot_login is not None and user.get("login") == self.bot_login

    @staticmethod
    def is_bot(user: dict | None) -> bool:
        return bool(user) and (user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]"))
