"""Payment links of a repository: ``funding:`` from config, else its FUNDING.yml; then ``links:``."""

from __future__ import annotations

from typing import Any

from bot.core import funding as funding_rules
from bot.core.links import PaymentLink, payment_links
from bot.github import repo_ops
from bot.services.repo import Repo


async def links_for(repo: Repo, config: Any) -> list[PaymentLink]:
    """Payment links: ``funding:`` from config, else the repository's FUNDING.yml; then ``links:``."""
    return payment_links(config.funding, await _repo_funding(repo, config), config.links)


async def file_links(repo: Repo, config: Any) -> list[PaymentLink]:
    """The links of the repository's own FUNDING.yml when ``funding:`` is empty (it is then the source)."""
    repo_funding = await _repo_funding(repo, config)
    return payment_links(None, repo_funding, []) if repo_funding else []


async def _repo_funding(repo: Repo, config: Any) -> Any:
    if config.funding:
        return None
    found = await repo_ops.read_file(repo.gh, repo.repository, funding_rules.FUNDING_PATH)
    return funding_rules.parse(found[0])[0] if found is not None else None
