"""The public record of a campaign that the badge and the campaign page read (``bot.web``).

Kept only for public repositories: when a repository is private, or becomes so, its records are removed,
so the pages answer 404 for it. Written by the worker when it publishes a campaign; nothing here calls
GitHub.
"""

from __future__ import annotations

from bot.core.campaign_page import MAX_LISTED, NAMESPACE, PublicCampaign, campaign_key, repo_key
from bot.core.sponsors import money


async def record(store, campaign: PublicCampaign, *, public: bool, installation_id: int | None = None) -> None:
    """Store (or, for a private repository, remove) the public record of one campaign and list it in its
    repository's index (newest first, at most :data:`MAX_LISTED`)."""
    key, index_key = campaign_key(campaign.owner, campaign.repo, campaign.number), repo_key(campaign.owner, campaign.repo)
    if not public:
        await forget_repository(store, campaign.owner, campaign.repo)
        return
    await store.cache_set(NAMESPACE, key, campaign.to_json(), installation_id=installation_id)
    index = await store.cache_get(NAMESPACE, index_key)
    numbers = [n for n in (index or {}).get("numbers") or [] if n != campaign.number]
    numbers = [campaign.number, *numbers][:MAX_LISTED]
    await store.cache_set(NAMESPACE, index_key, {"owner": campaign.owner, "repo": campaign.repo, "numbers": numbers},
                          installation_id=installation_id)


async def forget_repository(store, owner: str, repo: str) -> None:
    """Remove every public record of a repository (it became private, was deleted or uninstalled)."""
    index = await store.cache_get(NAMESPACE, repo_key(owner, repo))
    for number in (index or {}).get("numbers") or []:
        await store.cache_delete(NAMESPACE, campaign_key(owner, repo, int(number)))
    await store.cache_delete(NAMESPACE, repo_key(owner, repo))


async def publish_public(repo, issue: dict, campaign, rewards=()) -> None:
    """The public record of ``campaign`` (a ``bot.core.campaign.Campaign``) on ``issue`` of ``repo`` (a
    ``bot.services.repo.Repo``), called when the worker publishes the campaign: only for public repositories."""
    repository = repo.repository
    owner, _, name = str(repository.get("full_name") or "").partition("/")
    if not owner or not name or campaign.state == "none":
        return
    record_ = PublicCampaign(
        owner=owner, repo=name, number=int(issue["number"]), title=str(issue.get("title") or "")[:256],
        url=str(issue.get("html_url") or f"https://github.com/{owner}/{name}/issues/{issue['number']}"),
        state=campaign.state, raised=str(campaign.raised()), goal=str(campaign.goal) if campaign.goal else None,
        currency=campaign.currency, backers=len(campaign.pledges), deadline=campaign.deadline,
        paid_to=f"@{campaign.implementer}" if campaign.implementer else "the maintainers",
        rewards=tuple(f"{money(r.min, campaign.currency)}+: {r.reward}"[:120] for r in rewards)[:10],
        updated_at=float(repo.now()))
    await record(repo.ctx.store, record_, public=not repository.get("private", True),
                 installation_id=repo.installation_id)
