"""What the public campaign pages and badges show of a campaign, and the page itself (pure).

The worker keeps a small public record of each campaign of a **public** repository in the store when it
publishes the campaign (``bot.services.campaign_pages``); the web pages read only those records, so a
page view never calls GitHub and a private or unknown repository has no record: 404, never a hint. The
page is server-rendered HTML with no script and no external resource; every user string is escaped; its
one style sheet is inline and allowed by hash in the Content-Security-Policy (:data:`CSP`).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.core import names
from bot.core.badge import BadgeFigures, fraction, value_text

NAMESPACE = "campaign_page"  # store cache namespace
MAX_LISTED = 100  # campaigns kept per repository index (newest first)
_REPO_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


@dataclass(frozen=True)
class PublicCampaign:
    """One campaign as the public pages show it."""

    owner: str
    repo: str
    number: int
    title: str
    url: str
    state: str
    raised: str  # Decimal as text (JSON-safe)
    goal: str | None
    currency: str
    backers: int
    deadline: float | None  # epoch seconds: the moment the campaign ends
    paid_to: str  # "the maintainers" or "@login"
    rewards: tuple[str, ...] = ()
    updated_at: float = 0.0

    def figures(self) -> BadgeFigures:
        return BadgeFigures(self.state, _decimal(self.raised), _decimal(self.goal) if self.goal else None,
                            self.currency)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["rewards"] = list(self.rewards)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublicCampaign | None:
        try:
            return cls(**{**data, "rewards": tuple(data.get("rewards") or ())})
        except TypeError:
            return None


def _decimal(text: str | None) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return Decimal(0)


def valid_path(owner: str, repo: str, number: str | None = None) -> bool:
    """Whether URL parts can name a GitHub repository (and issue); anything else is a 404 at once."""
    if not names.is_login(owner) or not _REPO_NAME.fullmatch(repo) or repo in (".", ".."):
        return False
    return number is None or (number.isascii() and number.isdigit() and 0 < len(number) <= 9 and int(number) > 0)


def repo_key(owner: str, repo: str) -> str:
    return f"{owner.lower()}/{repo.lower()}"


def campaign_key(owner: str, repo: str, number: int) -> str:
    return f"{repo_key(owner, repo)}#{int(number)}"


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5;"
    "color:#1f2328}h1{font-size:1.6rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;"
    "padding:.4rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}progress{width:8rem}"
    ".state{font-weight:600}.muted{color:#59636e}"
)
CSP = ("default-src 'none'; img-src 'self'; style-src 'sha256-"
       + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
       + "'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _deadline(ts: float | None) -> str:
    if ts is None:
        return "no deadline"
    day = datetime.datetime.fromtimestamp(ts - 1, datetime.UTC).date()
    return f"until {day.isoformat()}"


def _row(c: PublicCampaign) -> str:
    f = c.figures()
    pct = int(fraction(f) * 100)
    progress = (f'<progress max="100" value="{pct}" aria-label="{pct}% funded">{pct}%</progress> {pct}%'
                if c.goal and c.state == "open" else "")
    rewards = "".join(f"<li>{_e(r)}</li>" for r in c.rewards[:10])
    how = (f'<a href="{_e(c.url)}">Pledge on the issue</a>: comment <code>/pledge AMOUNT</code>'
           if c.state == "open" else "")
    return (
        f'<tr><td><a href="{_e(c.url)}">#{c.number}</a> {_e(c.title)}</td>'
        f'<td><span class="state">{_e(c.state)}</span><br>{_e(value_text(f).removeprefix(c.state + " · "))} {progress}</td>'
        f"<td>{_e(c.backers)} backer{'s' if c.backers != 1 else ''}<br>"
        f'<span class="muted">{_e(_deadline(c.deadline)) if c.state == "open" else ""}</span></td>'
        f"<td>paid to {_e(c.paid_to)}{f'<ul>{rewards}</ul>' if rewards else ''}</td><td>{how}</td></tr>"
    )


def render_page(owner: str, repo: str, campaigns: Iterable[PublicCampaign]) -> str:
    """The HTML page of a repository's campaigns: open ones first (soonest deadline first), then recent."""
    items = sorted(campaigns, key=lambda c: (c.state != "open", c.deadline is None, c.deadline or 0,
                                            -c.updated_at, c.number))
    name = f"{owner}/{repo}"
    body = (f"<table><thead><tr><th>Issue</th><th>Progress</th><th>Backers</th><th>Paid to · rewards</th>"
            f"<th>How to pledge</th></tr></thead><tbody>{''.join(_row(c) for c in items)}</tbody></table>"
            if items else "<p>No campaigns yet.</p>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Campaigns of {_e(name)} · fundbot</title><style>{STYLE}</style></head><body>"
        f'<h1>Campaigns of <a href="https://github.com/{_e(name)}">{_e(name)}</a></h1>'
        "<p>All-or-nothing crowdfunding on GitHub issues: backers pledge in a comment and pay only when the goal "
        "is reached. fundbot never holds money.</p>"
        f"{body}</body></html>"
    )
