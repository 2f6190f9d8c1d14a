"""Funding links on new issues (SPEC section 2, ``issues.opened``)."""

from __future__ import annotations

import logging

from gidgethub.routing import Router

from bot import repo_ops
from bot.core import comments
from bot.core import funding as funding_rules

log = logging.getLogger(__name__)
router = Router()

FUNDING_PATH = ".github/FUNDING.yml"


@router.register("issues", action="opened")
async def post_funding_links(event, gh, ctx, *args, **kwargs) -> None:
    issue = event.data.get("issue") or {}
    repository = event.data.get("repository") or {}
    if not issue or not repository or ctx.is_bot(issue.get("user")):
        return
    found = await repo_ops.read_file(gh, repository, FUNDING_PATH)
    if found is None:
        log.info("no %s: no funding comment", FUNDING_PATH)
        return
    mapping, _problems = funding_rules.parse(found[0])
    links = funding_rules.links(mapping)
    body = comments.funding_comment(
        author=(issue.get("user") or {}).get("login", ""), repo=repository.get("full_name", ""), links=links
    )
    if body is None:
        log.info("%s has no usable links: no funding comment", FUNDING_PATH)
        return
    number = issue["number"]
    if await repo_ops.find_own_comment(gh, repository, number, comments.FUNDING_MARKER, bot_login=ctx.bot_login):
        log.info("funding comment already on #%s", number)
        return
    await repo_ops.create_comment(gh, repository, number, body)
    log.info("posted funding links on #%s", number)
