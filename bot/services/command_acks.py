"""The acknowledgement of a comment's commands (issue 14, point 7): reactions and the one reply.

* 👍 when something was recorded or answered, 😕 when something was refused (a mixed comment gets both);
* **one reply per comment**, however many commands it holds: the answers (``/fund``'s links, the help...),
  then exactly what was recorded and what was refused. A comment whose commands were all recorded and
  that asks for no answer gets no reply (the 👍 says it);
* an **edit** is acknowledged again: fixing the refused command clears fundbot's 😕 (the reaction is
  deleted) and the reply is edited to say what is recorded now; an edit that changes nothing sends
  nothing (the reply is edited only when its text changes);
* the reply's hidden marker carries fundbot's decisions about that revision of the comment
  (:func:`bot.core.history.comment_decisions`), which a refold reads back
  (:func:`bot.services.campaign_timeline.reply_decisions`).

What was done is kept per comment (``answered``: names in the store, see ``bot.handlers.commands``):
``accepted``/``refused`` for the reactions, ``reply=ID`` and ``said=DIGEST`` for the reply, so an
acknowledgement that changes nothing costs no request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

import gidgethub

from bot.core import campaign as ledger
from bot.core import comments, history, markdown
from bot.github import repo_ops, status_of
from bot.services.repo import Repo


class Answered(Protocol):
    names: set[str]

    async def add(self, name: str) -> None: ...

    async def discard(self, *names: str) -> None: ...


async def acknowledge(repo: Repo, number: int, comment_id: int, outcomes: list, invalid: list[tuple[str, str]], *,
                      answered: Answered, parts: Sequence[str] = (), lines: dict[int, str] | None = None,
                      done: Sequence[str] = (), campaign: ledger.Campaign | None = None) -> None:
    """React and reply for one comment. ``outcomes``: the ledger's, per command; ``invalid``: refused lines
    (``(line as written, reason)``); ``parts``: answers to include in the reply; ``lines``: the comment's
    command lines by line number; ``done``: lines of other commands that were carried out (/sponsors
    refresh); ``campaign``: the issue's campaign (for the decisions the reply carries)."""
    lines = lines or {}
    recorded = [lines.get(o.line) or f"/{o.command}" for o in outcomes if o.accepted] + list(done)
    refused = [(lines.get(o.line) or f"/{o.command}", o.reason or "refused") for o in outcomes if not o.accepted]
    refused += list(invalid)
    names = answered.names
    if refused and "refused" not in names:
        await react(repo, comment_id, "confused")
        await answered.add("refused")
    elif not refused and "refused" in names:
        await unreact(repo, comment_id, "confused")
        await answered.discard("refused")
    if (recorded or parts) and "accepted" not in names:
        await react(repo, comment_id, "+1")
        await answered.add("accepted")
    replied = next((n for n in names if n.startswith("reply=")), None)
    if not (refused or parts or replied or "refused" in names):
        return
    decisions = history.comment_decisions(campaign, comment_id).to_json() if campaign is not None else None
    body = comments.command_reply(comment_id=comment_id, parts=parts, recorded=recorded, refused=refused,
                                  decisions=decisions if decisions and (decisions["m"] or decisions["a"]
                                                                        or decisions.get("e")) else None)
    said = "said=" + hashlib.sha256(body.encode()).hexdigest()[:16]
    if said in names:
        return
    reply_id = int(replied.split("=", 1)[1]) if replied else None
    reply_id = await _write_reply(repo, number, comment_id, body, reply_id)
    await answered.discard(*[n for n in names if n.startswith(("reply=", "said="))])
    await answered.add(f"reply={reply_id}")
    await answered.add(said)


async def _write_reply(repo: Repo, number: int, comment_id: int, body: str, reply_id: int | None) -> int:
    """Edit fundbot's reply to the comment (found by its id, else by its marker), or post it."""
    if reply_id is None:
        found = await _find_reply(repo, number, comment_id)
        if found is not None:
            if found.get("body") == body:
                return found["id"]
            reply_id = found["id"]
    if reply_id is not None:
        try:
            await repo.gh.patch("/repos/{owner}/{repo}/issues/comments/{comment_id}",
                                {**repo.vars, "comment_id": reply_id}, data={"body": body})
            return reply_id
        except gidgethub.BadRequest as exc:
            if status_of(exc) != 404:
                raise  # (a reply a human deleted: post it again)
    created = await repo_ops.create_comment(repo.gh, repo.repository, number, body)
    return created["id"]


_REPLIES = ("refused", comments.COMMANDS_REPLY)  # this reply, and the refused-only one fundbot wrote before


async def _find_reply(repo: Repo, number: int, comment_id: int) -> dict | None:
    url = "/repos/{owner}/{repo}/issues/{issue_number}/comments{?per_page}"
    async for comment in repo.gh.getiter(url, {**repo.vars, "issue_number": number, "per_page": 100}):
        if not repo_ops.is_own(comment, repo.bot_login):
            continue
        for name, _version, data in markdown.find_markers(comment.get("body")):
            if name == comments.FUND_REPLY_MARKER and isinstance(data, dict) and data.get("to") == comment_id \
                    and data.get("for") in _REPLIES:
                return comment
    return None


async def react(repo: Repo, comment_id: int, content: str) -> None:
    """Add a reaction; GitHub answers 200 instead of 201 when it exists, so this is idempotent."""
    await repo.gh.post("/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
                       {**repo.vars, "comment_id": comment_id}, data={"content": content})


async def unreact(repo: Repo, comment_id: int, content: str) -> None:
    """Delete fundbot's own ``content`` reaction from a comment (none: nothing to do)."""
    variables = {**repo.vars, "comment_id": comment_id, "content": content, "per_page": 100}
    async for reaction in repo.gh.getiter("/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions{?content,per_page}",
                                          variables):
        if reaction.get("content") == content and repo_ops.is_own(reaction, repo.bot_login):
            try:
                await repo.gh.delete("/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions/{reaction_id}",
                                     {**repo.vars, "comment_id": comment_id, "reaction_id": reaction["id"]})
            except gidgethub.BadRequest as exc:
                if status_of(exc) != 404:
                    raise
