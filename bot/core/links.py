"""Which payment links fundbot shows, and whom it greets (pure)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from bot.core import funding

MAINTAINER_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


@dataclasses.dataclass(frozen=True)
class PaymentLink:
    title: str
    url: str
    platform: str  # a FUNDING.yml key, or "link" for config `links:`


def payment_links(config_funding: Mapping[str, Any], repo_funding: Mapping[str, Any] | None,
                  extra: Iterable[Any] = ()) -> list[PaymentLink]:
    """``funding:`` from config, else the repository's own FUNDING.yml; then ``links:``. Stable order,
    duplicates (same URL) removed, https only."""
    source = config_funding if config_funding else (repo_funding or {})
    out: list[PaymentLink] = []
    seen: set[str] = set()
    for link in funding.links(source):
        if link.url.startswith("https://") and link.url.lower().rstrip("/") not in seen:
            seen.add(link.url.lower().rstrip("/"))
            out.append(PaymentLink(link.title, link.url, link.platform))
    for link in extra:
        url = getattr(link, "url", None)
        if url and url.startswith("https://") and url.lower().rstrip("/") not in seen:
            seen.add(url.lower().rstrip("/"))
            out.append(PaymentLink(getattr(link, "title", url) or url, url, "link"))
    return out


def skip_greeting(issues_config: Any, issue: Mapping[str, Any], *, label_added: str | None = None) -> str | None:
    """None when the new-issue comment should be posted, else why not (for the log)."""
    if not issues_config.comment:
        return "issues.comment is off"
    user = issue.get("user") or {}
    login = str(user.get("login") or "")
    if user.get("type") == "Bot" or login.endswith("[bot]"):
        return "the author is a bot"
    if str(issue.get("author_association") or "").upper() in MAINTAINER_ASSOCIATIONS:
        return "the author is a maintainer"
    if login.lower() in {a.lower() for a in issues_config.skip_authors}:
        return "the author is in issues.skip_authors"
    if issues_config.labels:
        wanted = {label.lower() for label in issues_config.labels}
        if label_added is not None:
            if label_added.lower() not in wanted:
                return "the added label is not in issues.labels"
        else:
            names = {str((lb or {}).get("name", "")).lower() for lb in issue.get("labels") or []}
            if not names & wanted:
                return "the issue has none of issues.labels"
    return None
