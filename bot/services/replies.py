"""The comment commands that are answered rather than folded into a campaign: ``/fund``, ``/fundbot help``,
``/campaign`` and ``/sponsors refresh`` (SPEC section 3). Ledger commands (``/pledge``, ``/bounty``...) go
through ``bot.services.campaigns``.

Each answer is ``async def answer(said, command) -> str | None``: it does what the command asks and returns
None, or returns why the command is refused. An answer's text is not posted on its own: it is collected
(:meth:`Said.reply`) into the comment's one reply (:mod:`bot.services.command_acks`), with what was recorded
and what was refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import comments, status
from bot.core import config as core
from bot.services import campaigns, sync_requests
from bot.services.campaign_base import command_handle
from bot.services.config_loader import LoadedConfig
from bot.services.links import file_links, links_for
from bot.services.repo import Repo


@dataclasses.dataclass(frozen=True)
class Said:
    """One human comment on an issue or pull request, with the configuration it is answered under."""

    repo: Repo
    issue: dict
    comment: dict
    loaded: LoadedConfig
    parts: list[str] = dataclasses.field(default_factory=list)  # the answers, for the comment's one reply

    @property
    def number(self) -> int:
        return self.issue["number"]

    @property
    def id(self) -> int:
        return self.comment["id"]

    @property
    def author(self) -> str:
        return (self.comment.get("user") or {}).get("login", "")

    async def reply(self, body: str, *, what: str) -> None:
        """Add an answer to the comment's one reply (posted, or edited, once every command was handled)."""
        self.parts.append(body)


Answer = Callable[[Said, Any], Awaitable[str | None]]


async def fund(said: Said, command: Any) -> str | None:
    links = await links_for(said.repo, said.loaded.config)
    await said.reply(comments.fund_reply(links=links, comment_id=None), what="fund")
    return None


async def help_reply(said: Said, command: Any) -> str | None:
    loaded = said.loaded
    summary = core.summary(loaded.config, file_links=await file_links(said.repo, loaded.config))
    body = comments.help_reply(summary=summary, problems=core.format_issues(loaded.errors + loaded.warnings),
                               fallback=loaded.fallback, comment_id=None, has_errors=bool(loaded.errors),
                               handle=command_handle(said.repo), bare=loaded.config.commands.bare)
    await said.reply(body, what="help")
    return None


async def campaign_link(said: Said, command: Any) -> str | None:
    record = await campaigns.load(said.repo, said.number, await campaigns.setup(said.repo, said.loaded.config))
    url = None
    if record is not None and record.status_comment:
        url = f"{said.issue.get('html_url') or ''}#issuecomment-{record.status_comment}"
    await said.reply(status.campaign_link_reply(url), what="campaign")
    return None


async def sponsors_refresh(said: Said, command: Any) -> str | None:
    config = said.loaded.config
    s = await campaigns.setup(said.repo, config)
    if not await campaigns.is_maintainer(said.repo, said.author, s.config):
        return "only maintainers can refresh the README sponsor section."
    if config.readme.update == "off":
        return "the README sponsor section is off here (readme.update: off)."
    await sync_requests.request(said.repo, config, reason="/sponsors refresh", debounce=0)
    return None
