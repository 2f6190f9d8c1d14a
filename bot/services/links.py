"""Payment links of a repository: ``funding:`` from config, else its FUNDING.yml; then ``links:``."""

from __future__ import annotations

from typing import Any

from bot.core import funding as funding_rules
from bot.core.links import PaymentLink, payment_links
from bot.github import repo_ops
from bot.services.repo import Repo


async def links_for(repo: Repo, config: Any) -> list[PaymentLink]:
    """Payment links: ``funding:`` from config, else the repository's FUNDING.yml; then ``links:``."""
    repo_funding = None
    if not config.funding:
        found = await repo_ops.read_file(repo.gh, repo.repository, funding_rules.FUNDING_PATH)
        if found is not None:
            repo_funding, _problems = funding_rules.parse(found[0])
    return payment_links(config.funding, repo_funding, config.links)
