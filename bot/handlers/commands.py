"""Commands in issue comments (SPEC section 3): parsing, acknowledgement, and the commands of this module.

Every comment by a human is parsed (``bot.core.commands``); comments by bots, fundbot included, are
ignored. An accepted command gets a 👍 reaction; refused ones get 😕 and one reply that says what was
wrong and what would have worked. Replies are recorded per comment, so a redelivered or edited comment
is not answered twice.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from gidgethub.routing import Router

from bot.core import commands as parser
from bot.core import comments, status
from bot.core import config as core
from bot.github import repo_ops
from bot.services import campaigns, config_loader, sync_requests
from bot.services.links import links_for

log = logging.getLogger(__name__)
router = Router()

ANSWERED = "answered"  # store cache namespace: (comment id) -> names of commands already answered


async def react(gh: Any, repository: dict, comment_id: int, content: str) -> None:
    """Add a reaction; GitHub answers 200 instead of 201 when it exists, so this is idempotent."""
    await gh.post("/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
                  {**repo_ops.repo_vars(repository), "comment_id": comment_id}, data={"content": content})


@router.register("issue_comment", action="created")
@router.register("issue_comment", action="edited")
async def on_comment(event, gh, ctx, *args, **kwargs) -> None:
    comment = event.data.get("comment") or {}
    issue = event.data.get("issue") or {}
    repository = event.data.get("repository") or {}
    if not comment.get("id") or not issue.get("number") or not repository.get("full_name"):
        return
    if ctx.is_bot(comment.get("user")):
        return
    today = datetime.datetime.fromtimestamp(ctx.clock.time(), datetime.UTC).date()
    parsed = parser.parse_commands(comment.get("body"), today=today)
    if not parsed and event.data.get("action") != "edited":
        return  # (an edit that removed every command may still withdraw a pledge: go on)
    key = f"{repository.get('id')}:{comment['id']}"
    answered = set(await ctx.store.cache_get(ANSWERED, key) or [])
    installation_id = getattr(gh, "installation_id", None)

    async def remember(name: str) -> None:
        answered.add(name)
        await ctx.store.cache_set(ANSWERED, key, sorted(answered), ttl=90 * 86400, installation_id=installation_id)

    loaded = await config_loader.load(gh, ctx, repository)
    invalid = [(item.raw, item.reason) for item in parsed if isinstance(item, parser.Invalid)]
    accepted = [item for item in parsed if isinstance(item, parser.Command)]
    number = issue["number"]

    # Campaign commands: through the ledger (which says, per command, accepted or refused and why).
    outcomes = []
    if not issue.get("pull_request"):
        s = await campaigns.setup(gh, ctx, repository, loaded.config)
        known = await campaigns.load(gh, ctx, repository, number, s) is not None
        if campaigns.needs_campaign(s, body=comment.get("body")) or (known and event.data.get("action") == "edited"):
            edited_from = ((event.data.get("changes") or {}).get("body") or {}).get("from")
            record = await campaigns.on_event(gh, ctx, repository, issue, await campaigns.comment_event(gh, ctx, repository, comment, s), s,
                                              edited_from=edited_from if isinstance(edited_from, str) else None)
            outcomes = record.campaign.outcomes_for(comment["id"])
            if not s.config.bounties.enabled:
                outcomes = []

    others_accepted = False
    for command in accepted:
        if command.name in answered:
            others_accepted = True
            continue
        if command.name == "fund":
            links = await links_for(gh, repository, loaded.config)
            await repo_ops.reply_once(gh, repository, number, comments.fund_reply(links=links, comment_id=comment["id"]),
                                      to=comment["id"], what="fund", bot_login=ctx.bot_login)
        elif command.name == "fundbot help":
            problems = core.format_issues(loaded.errors + loaded.warnings)
            body = comments.help_reply(summary=core.summary(loaded.config), problems=problems,
                                       fallback=loaded.fallback, comment_id=comment["id"], has_errors=bool(loaded.errors))
            await repo_ops.reply_once(gh, repository, number, body, to=comment["id"], what="help", bot_login=ctx.bot_login)
        elif command.name == "campaign":
            record = await campaigns.load(gh, ctx, repository, number, await campaigns.setup(gh, ctx, repository, loaded.config))
            url = None
            if record is not None and record.status_comment:
                url = f"{issue.get('html_url') or ''}#issuecomment-{record.status_comment}"
            await repo_ops.reply_once(gh, repository, number, status.campaign_link_reply(url, comment_id=comment["id"]),
                                      to=comment["id"], what="campaign", bot_login=ctx.bot_login)
        elif command.name == "sponsors refresh":
            s_ = await campaigns.setup(gh, ctx, repository, loaded.config)
            if not await campaigns.is_maintainer(gh, ctx, repository, (comment.get("user") or {}).get("login", ""), s_.config):
                invalid.append((command.raw, "only maintainers can refresh the README sponsor section."))
                continue
            if loaded.config.readme.update == "off":
                invalid.append((command.raw, "the README sponsor section is off here (readme.update: off)."))
                continue
            await sync_requests.request(ctx, gh, repository, loaded.config, reason="/sponsors refresh", debounce=0)
        else:
            continue  # ledger commands were handled above; /claim belongs to pull requests
        others_accepted = True
        await remember(command.name)

    acked = await campaigns.acknowledge(gh, repository, number, comment["id"], outcomes, invalid, answered=answered,
                                        bot_login=ctx.bot_login)
    for name in acked:
        await remember(name)
    if not acked and others_accepted and not outcomes and not invalid and "accepted" not in answered:
        await react(gh, repository, comment["id"], "+1")
        await remember("accepted")
