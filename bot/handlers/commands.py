"""Commands in issue comments (SPEC section 3): parse the comment, answer each command from the table
``COMMANDS`` (name -> ``bot.services.replies`` answer) after the campaign ledger took its own, then one
acknowledgement.

Every comment by a human is parsed (``bot.core.commands``): the bare forms (``/pledge 50``) unless
``commands.bare`` is false, and always the addressed ones (``/fundbot pledge 50``, ``@SLUG pledge 50``, SLUG
being the App's); comments by bots, fundbot included, are ignored. An accepted command gets a 👍 reaction; refused ones get 😕 and one reply that says what was
wrong and what would have worked. Replies are recorded per comment, so a redelivered or edited comment
is not answered twice.
"""

from __future__ import annotations

import datetime
from typing import Any

from gidgethub.routing import Router

from bot.core import commands as parser
from bot.services import campaigns, replies
from bot.services.campaign_base import command_handle, ignored_bare
from bot.services.repo import Repo

router = Router()

ANSWERED = "answered"  # store cache namespace: (comment id) -> names of commands already answered

# Answered commands, by name. Ledger commands (/pledge, /bounty...) are folded into the issue's campaign
# first (``_ledger``); /claim belongs to pull requests (``bot.handlers.campaigns``).
COMMANDS: dict[str, replies.Answer] = {
    "fund": replies.fund,
    "fundbot help": replies.help_reply,
    "campaign": replies.campaign_link,
    "sponsors refresh": replies.sponsors_refresh,
}
ONCE = frozenset({"sponsors refresh"})  # carried out once per comment; the others only answer (again on an edit)


@router.register("issue_comment", action="created")
@router.register("issue_comment", action="edited")
async def on_comment(event, repo: Repo) -> None:
    parsed = await _parse(event, repo)
    if parsed is None:
        return
    answered = await _Answered.of(repo, event.data["comment"]["id"])
    said = replies.Said(repo, event.data["issue"], event.data["comment"], await repo.config())
    invalid = [(item.raw, item.reason) for item in parsed if isinstance(item, parser.Invalid)]
    outcomes, campaign = await _ledger(event, said)
    done: list[str] = []
    for command in (item for item in parsed if isinstance(item, parser.Command)):
        answer = COMMANDS.get(command.name)
        if answer is None:
            continue
        if command.name in ONCE and command.name in answered.names:
            done.append(command.raw)  # carried out already (a redelivery, an edit)
            continue
        refused = await answer(said, command)
        if refused is not None:
            invalid.append((command.raw, refused))
            continue
        if command.name in ONCE:
            await answered.add(command.name)
            done.append(command.raw)
    lines = {item.line: item.raw for item in parsed if isinstance(item, parser.Command)}
    await campaigns.acknowledge(repo, said.number, said.id, outcomes, invalid, answered=answered, parts=said.parts,
                                lines=lines, done=done, campaign=campaign)


async def _parse(event, repo: Repo) -> list | None:
    """The comment's commands (and refused lines); None when there is nothing to do. The configuration is
    read only for a comment that holds something that looks like a command."""
    comment, issue = event.data.get("comment") or {}, event.data.get("issue") or {}
    if not comment.get("id") or not issue.get("number") or not repo.full_name or repo.ctx.is_bot(comment.get("user")):
        return None
    today = datetime.datetime.fromtimestamp(repo.now(), datetime.UTC).date()
    handle = command_handle(repo)
    parsed = parser.parse_commands(comment.get("body"), today=today, handle=handle)
    if not parsed and event.data.get("action") != "edited":
        return None  # (an edit that removed every command may still withdraw a pledge: go on)
    if parsed and not (await repo.config()).config.commands.bare:
        # only /fundbot CMD and @SLUG CMD: a bare /bounty or /claim may be another bounty bot's (no 😕, no reply)
        parsed = parser.parse_commands(comment.get("body"), today=today, bare=False, handle=handle)
    return parsed


async def _ledger(event, said: replies.Said) -> tuple[list, Any]:
    """Campaign commands, through the ledger: per command, accepted or refused and why; and the campaign."""
    if said.issue.get("pull_request"):
        return [], None
    repo, comment = said.repo, said.comment
    s = await campaigns.setup(repo, said.loaded.config)
    known = await campaigns.load(repo, said.number, s) is not None
    edited = event.data.get("action") == "edited"
    if not (campaigns.needs_campaign(s, body=comment.get("body"))
            or (known and (edited or ignored_bare(s, body=comment.get("body"))))):
        return [], None  # (bare forms ignored on a campaign's issue are logged: the refold then ignores them too)
    edited_from = ((event.data.get("changes") or {}).get("body") or {}).get("from")
    record = await campaigns.on_event(repo, said.issue, await campaigns.comment_event(repo, comment, s), s,
                                      edited_from=edited_from if isinstance(edited_from, str) else None)
    return (record.campaign.outcomes_for(comment["id"]) if s.config.bounties.enabled else []), record.campaign


class _Answered:
    """What fundbot already answered on a comment, kept in the store so a redelivered or edited comment is
    not answered twice."""

    def __init__(self, repo: Repo, key: str, names: set[str]) -> None:
        self.repo, self.key, self.names = repo, key, names

    @classmethod
    async def of(cls, repo: Repo, comment_id: int) -> _Answered:
        key = f"{repo.id}:{comment_id}"
        return cls(repo, key, set(await repo.ctx.store.cache_get(ANSWERED, key) or []))

    async def add(self, name: str) -> None:
        if name not in self.names:
            self.names.add(name)
            await self._write()

    async def discard(self, *names: str) -> None:
        if self.names & set(names):
            self.names -= set(names)
            await self._write()

    async def _write(self) -> None:
        await self.repo.ctx.store.cache_set(ANSWERED, self.key, sorted(self.names), ttl=90 * 86400,
                                            installation_id=self.repo.installation_id)
