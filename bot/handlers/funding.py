"""Funding links where users meet the project (SPEC section 2): new issues and release notes.

* ``issues.opened``: the funding-links comment when ``issues:`` in config says so (labels filter, skip
  authors; bots and maintainers are skipped). ``issues.labeled``: an issue that gets a matching label
  later is greeted then. At most once per issue (hidden marker on fundbot's own comment, plus a note in
  the store so a comment a human deleted is not posted again).
* ``release.published`` / ``release.edited``: the funding footer between the release markers; the
  maintainer's text stays byte-identical. Drafts and pre-releases follow ``releases:``.
"""

from __future__ import annotations

import logging
from typing import Any

from gidgethub.routing import Router

from bot.core import comments, release, status, timestamps
from bot.core.campaign import rewards
from bot.core.links import skip_greeting
from bot.github import repo_ops
from bot.services import campaigns, sync_requests
from bot.services.links import links_for
from bot.services.repo import Repo

log = logging.getLogger(__name__)
router = Router()

GREETED = "greeted"  # store cache namespace: issues that already got the funding comment


async def _greet(event, repo: Repo, *, label_added: str | None = None) -> None:
    issue = event.data.get("issue") or {}
    gh, ctx, repository = repo.gh, repo.ctx, repo.repository
    if not issue.get("number") or not repository.get("full_name") or issue.get("pull_request"):
        return
    if issue.get("state") == "closed":
        return
    loaded = await repo.config()
    reason = skip_greeting(loaded.config.issues, issue, label_added=label_added)
    if reason:
        log.info("no funding comment on #%s: %s", issue["number"], reason)
        return
    key = f"{repository.get('id')}#{issue['number']}"
    if await ctx.store.cache_get(GREETED, key) is not None:
        log.info("funding links were posted on #%s before: not posting them again", issue["number"])
        return
    links = await links_for(repo, loaded.config)
    body = comments.funding_comment(
        author=(issue.get("user") or {}).get("login", ""), repo=repository["full_name"], links=links,
        template=loaded.config.issues.message,
    )
    if body is None:
        log.info("no usable funding links: no comment on #%s", issue["number"])
        return
    if await repo_ops.find_own_comment(gh, repository, issue["number"], comments.FUNDING_MARKER, bot_login=ctx.bot_login):
        log.info("funding comment already on #%s", issue["number"])
    else:
        await repo_ops.create_comment(gh, repository, issue["number"], body)
        log.info("posted funding links on #%s", issue["number"])
    await ctx.store.cache_set(GREETED, key, True, installation_id=repo.installation_id)


@router.register("issues", action="opened")
async def post_funding_links(event, repo: Repo) -> None:
    await _greet(event, repo)


@router.register("issues", action="labeled")
async def post_funding_links_on_label(event, repo: Repo) -> None:
    label = (event.data.get("label") or {}).get("name")
    if label:
        await _greet(event, repo, label_added=label)


@router.register("release", action="created")
@router.register("release", action="published")
@router.register("release", action="edited")
async def release_footer(event, repo: Repo) -> None:
    """The funding footer on a release. GitHub sends ``created`` for every release (a draft gets nothing
    else until it is published) and ``published`` when one is published: a draft's footer comes from
    ``created`` (``releases.drafts``), a published release's from ``published``."""
    rel = event.data.get("release") or {}
    gh, repository = repo.gh, repo.repository
    if not rel.get("id") or not repository.get("full_name") or repo.ctx.is_self(event.data.get("sender")):
        return  # our own edit comes back as release.edited: nothing to do
    if event.data.get("action") == "created" and not rel.get("draft"):
        return  # published at once: its ``published`` event follows
    loaded = await repo.config()
    cfg = loaded.config.releases
    if event.data.get("action") == "published":
        await sync_requests.request(repo, loaded.config, reason="release")
    if not cfg.footer or (rel.get("draft") and not cfg.drafts) or (rel.get("prerelease") and not cfg.prereleases):
        return
    if event.data.get("action") == "edited" and release.START not in (rel.get("body") or ""):
        return  # only keep an existing footer current on edits; a maintainer who removed it meant it
    links = await links_for(repo, loaded.config)
    thanks = ""
    if cfg.thank_backers and loaded.config.bounties.enabled:
        delivered = await delivered_since_previous_release(repo, rel, loaded.config)  # as rewards say (14.4):
        thanks = status.backers_thanks(rewards.thanked(delivered, all_backers=loaded.config.bounties.list_all_backers))
    if not links and not thanks:
        return
    variables = {**repo_ops.repo_vars(repository), "release_id": rel["id"]}
    current = await gh.getitem("/repos/{owner}/{repo}/releases/{release_id}", variables)
    try:
        body = release.splice(current.get("body"), release.footer_text(links, repo=repository["full_name"], thanks=thanks))
        if len(body) > release.MAX_BODY and thanks:  # GitHub would refuse it (422): drop the thanks first
            body = release.splice(current.get("body"), release.footer_text(links, repo=repository["full_name"]))
    except release.MarkerError as exc:
        log.warning("release %s: %s; footer not written", rel.get("tag_name"), exc)
        return
    if len(body) > release.MAX_BODY:
        log.warning("release %s: the notes with the footer would exceed GitHub's %s characters; footer not written",
                    rel.get("tag_name"), f"{release.MAX_BODY:,}")
        return
    if body == (current.get("body") or ""):
        return
    await gh.patch("/repos/{owner}/{repo}/releases/{release_id}", variables, data={"body": body})
    log.info("funding footer written on release %s", rel.get("tag_name"))


async def delivered_since_previous_release(repo: Repo, rel: dict, config: Any) -> list:
    """Campaigns of this repository delivered after the release published before ``rel``."""
    this = timestamps.parse(rel.get("published_at") or rel.get("created_at"), repo.now())
    since = 0.0
    async for other in repo.gh.getiter("/repos/{owner}/{repo}/releases{?per_page}", {**repo.vars, "per_page": 100}):
        published = timestamps.parse(other.get("published_at"), 0.0)
        if other.get("id") != rel.get("id") and not other.get("draft") and published and published < this:
            since = max(since, published)
    s = await campaigns.setup(repo, config)
    label = s.names.get(config.bounties.delivered_label) or config.bounties.delivered_label
    found = []
    url = "/repos/{owner}/{repo}/issues{?state,labels,per_page}"
    async for issue in repo.gh.getiter(url, {**repo.vars, "state": "all", "labels": label, "per_page": 100}):
        if issue.get("pull_request"):
            continue
        record = await campaigns.current(repo, issue["number"], s)
        delivered_at = record.campaign.delivered_at
        if delivered_at is not None and since < delivered_at <= this + 60:
            found.append(record.campaign)
        if len(found) >= 200:
            break
    return found
