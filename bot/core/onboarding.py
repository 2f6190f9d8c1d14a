"""The onboarding pull request (SPEC section 2): its branch, title, body, and when not to open one. Pure.

Decisions (where the SPEC is silent):

* **Archived repositories** are skipped entirely (no labels, no pull request): GitHub makes them read-only.
* **Forks** are skipped entirely when the installation covers *all* of the account's repositories: a fork
  is usually a working copy of somebody else's project, and a pull request (or labels) there is noise.
  A fork picked explicitly (installation on *selected* repositories) is onboarded like any repository.
  (Renovate treats forks the same way.)
* **Empty repositories** (no commit on the default branch) get their labels but no pull request: there is
  no branch to propose it against. The log says so.
* **The owner's ``.github`` repository** gets its labels but no pull request: a ``.github/fundbot.yml``
  there configures every repository of the owner that has none, which fundbot does not propose unasked.
* One onboarding pull request per repository, ever: any pull request from ``fundbot/onboarding`` (open,
  closed or merged) means the repository was onboarded. Closing it unmerged is how a maintainer says
  "no thanks"; fundbot then works with the defaults.
* **Another bounty bot** (Algora, Opire: :data:`OTHER_BOUNTY_BOTS`) is noticed by its labels in the
  repository (the label listing fundbot does anyway) or, failing that, by its comments among the
  repository's 100 newest (one listing). Their ``/bounty`` and ``/claim`` are fundbot's words too, so the
  proposed file then sets ``commands.bare: false`` (only ``/fundbot pledge 50`` and ``@SLUG pledge 50``
  count) and the pull request says why. A label is matched by its exact name (case-insensitive), never
  one of fundbot's own; a login exactly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core import markdown
from bot.core.config import CONFIG_PATH
from bot.core.funding import FUNDING_PATH

__all__ = ["BRANCH", "COMMIT_MESSAGE", "MARKER", "OTHER_BOUNTY_BOTS", "PERMISSIONS", "TITLE", "BountyBot",
           "Permission", "bare_off", "other_bounty_bots", "pull_request_body", "pull_request_skip_reason",
           "skip_reason"]

BRANCH = "fundbot/onboarding"
TITLE = "Configure fundbot"
COMMIT_MESSAGE = "Add .github/fundbot.yml (fundbot configuration, defaults commented out)"
MARKER = "onboarding"
ORG_REPO = ".github"


@dataclasses.dataclass(frozen=True)
class Permission:
    name: str  # as in app.yml's default_permissions
    title: str
    access: str  # "read" | "write"
    why: str


# The permissions of app.yml (a test checks they are the same), each with the reason fundbot needs it.
PERMISSIONS: tuple[Permission, ...] = (
    Permission("issues", "Issues", "write",
               "post the funding-links comment on new issues, answer commands (`/fund`, `/bounty`, `/pledge`, ...) "
               "with replies and reactions, keep one status comment per campaign, and create and apply the bounty labels."),
    Permission("pull_requests", "Pull requests", "write",
               "open this pull request, and the rolling `fundbot/update` pull request that keeps "
               "`.github/FUNDING.yml` and the README sponsor section in sync (only if you choose `pull_request` mode); "
               "read merged pull requests to credit whoever solved a funded issue."),
    Permission("contents", "Contents", "write",
               "read `.github/fundbot.yml` and `.github/FUNDING.yml`; write `.github/FUNDING.yml`, the README sponsor "
               "section (on the `fundbot/update` branch, or by commit if you choose `commit` mode) and the funding "
               "footer of release notes."),
    Permission("checks", "Checks", "write",
               "report whether `.github/fundbot.yml` and `.github/FUNDING.yml` are valid, as a check run on the "
               "commit that changed them, with the errors on their lines."),
    Permission("metadata", "Metadata", "read",
               "mandatory for every GitHub App: the repository's name and default branch, and a collaborator's "
               "permission (only maintainers may run `/bounty`)."),
)


@dataclasses.dataclass(frozen=True)
class BountyBot:
    name: str
    logins: frozenset[str]  # lower-case, as they comment
    labels: frozenset[str]  # lower-case label names it applies


# Researched in public repositories (2026): Algora's GitHub App comments as ``algora-pbc[bot]`` (its user
# account ``algora-pbc`` on repositories without the App) and labels "💎 Bounty", "💰 Rewarded" (plus one
# "$N" label per bounty, too generic to match); Opire's bot comments as ``opire-bot`` (also seen as
# ``opire-bot[bot]``, ``opire[bot]``) and labels "💰 Reward". Both read ``/bounty`` or ``/claim``.
OTHER_BOUNTY_BOTS: tuple[BountyBot, ...] = (
    BountyBot("Algora", frozenset({"algora-pbc[bot]", "algora-pbc"}), frozenset({"💎 bounty", "💰 rewarded"})),
    BountyBot("Opire", frozenset({"opire-bot", "opire-bot[bot]", "opire[bot]"}), frozenset({"💰 reward", "opire"})),
)


def other_bounty_bots(*, labels: Sequence[Any] = (), commenters: Sequence[str] = (),
                      own_labels: Sequence[str] = ()) -> list[str]:
    """The names of the other bounty bots these repository labels (names or label objects) or comment
    authors' logins show, in :data:`OTHER_BOUNTY_BOTS` order. ``own_labels``: fundbot's own, never matched."""
    own = {str(name).lower() for name in own_labels}
    names = {str(lb.get("name") if isinstance(lb, Mapping) else lb or "").strip().lower() for lb in labels} - own
    logins = {str(login).lower() for login in commenters}
    return [bot.name for bot in OTHER_BOUNTY_BOTS if bot.labels & names or bot.logins & logins]


def bare_off(template: str) -> str:
    """The onboarding template with ``commands.bare: false`` written out (its other lines untouched)."""
    out = []
    for line in template.split("\n"):
        if line.startswith("# commands:"):
            line = "commands:  " + line[len("# commands:"):]
        elif line.startswith("#   bare: true"):
            line = "  bare: false  " + line[len("#   bare: true"):].removeprefix(" ")
        out.append(line)
    return "\n".join(out)


def skip_reason(repository: Mapping[str, Any], *, repository_selection: str | None = None) -> str | None:
    """Why this repository is not onboarded at all (no labels, no pull request), or None.

    ``repository`` is the full object of ``GET /repos/{owner}/{repo}``; ``repository_selection`` the
    installation's (``all`` or ``selected``)."""
    if repository.get("archived"):
        return "archived repository (read-only)"
    if repository.get("disabled"):
        return "disabled repository"
    if repository.get("fork") and repository_selection != "selected":
        return "fork in an installation on all repositories (pick it explicitly to onboard it)"
    return None


def pull_request_skip_reason(repository: Mapping[str, Any]) -> str | None:
    """Why this repository gets its labels but no onboarding pull request, or None."""
    if repository.get("name") == ORG_REPO:
        return f"the owner's {ORG_REPO} repository (its fundbot.yml would configure every repository of the owner)"
    if not repository.get("default_branch"):
        return "no default branch"
    return None


def pull_request_body(*, full_name: str, default_branch: str, funding: Mapping[str, Any] | None = None,
                      labels: Sequence[str] = (), bounty_bots: Sequence[str] = (), handle: str = "fundbot") -> str:
    """The onboarding pull request's description.

    ``funding``: the FUNDING.yml mapping the proposed file was pre-filled with (None or empty: none);
    ``labels``: names of the bounty labels now in the repository; ``bounty_bots``: the other bounty bots
    noticed (:func:`other_bounty_bots`; the proposed file then sets ``commands.bare: false``); ``handle``:
    the App's slug."""
    owner = full_name.split("/", 1)[0]
    out = _introduction(markdown.text(full_name), default_branch, funding)
    out += _what_merging_changes(owner, funding, bare_off=bool(bounty_bots))
    if bounty_bots:
        out += _beside_other_bots(bounty_bots, handle)
    out += _permissions_table()
    if labels:
        out += _labels_section(labels)
    out += _how_to_opt_out()
    return "\n".join(out) + "\n"


def _introduction(repo: str, default_branch: str, funding: Mapping[str, Any] | None) -> list[str]:
    """What fundbot is and does, and what this pull request adds."""
    out = [
        "## Welcome to fundbot",
        "",
        f"fundbot was installed on {repo}. It helps the maintainers get paid for their work, and it "
        "**never holds money**: it records pledges and sends backers to your own payment pages "
        "(GitHub Sponsors, Open Collective, Ko-fi, Polar, ...).",
        "",
        "### What fundbot does",
        "",
        "- Posts your funding links on new issues, and answers `/fund` in any issue.",
        "- Turns issues into all-or-nothing crowdfunding campaigns: a bounty label or `/bounty 500` opens one, "
        "backers `/pledge`, one status comment shows the progress.",
        "- Keeps `.github/FUNDING.yml` valid and in sync with its configuration.",
        "- Keeps a sponsor thank-you section in the README current, and adds a funding footer to release notes.",
        "",
        "### This pull request",
        "",
        f"It adds `{CONFIG_PATH}` to the default branch ({markdown.text(default_branch)}), with every setting written out at its "
        "default value and commented out, so you can see what you can change.",
    ]
    if funding:
        keys = ", ".join(f"`{k}`" for k in funding)
        out += [
            "",
            f"`funding:` is filled in from your existing `{FUNDING_PATH}` ({keys}).",
        ]
    return out


def _what_merging_changes(owner: str, funding: Mapping[str, Any] | None, *, bare_off: bool = False) -> list[str]:
    out = ["", "### What merging changes", ""]
    if bare_off:
        out.append("- One setting: `commands.bare: false` (see below). Every other line is commented out and "
                   "means the default, which fundbot already uses without the file.")
    else:
        out.append("- Nothing in how fundbot behaves today: with every line commented out the file means exactly "
                   "the defaults, which fundbot already uses without it.")
    if funding:
        out.append(
            f"- `funding:` becomes the source of `{FUNDING_PATH}`: from then on fundbot keeps that file in sync "
            "with it (through a pull request, `funding_file: pull_request`), so edit `funding:` rather than the file."
        )
    org_repo = markdown.text(f"{owner}/{ORG_REPO}")
    out += [
        "- Your settings live in the repository: uncomment and edit a line to change a setting. Every change to "
        "the file is checked, and a `fundbot/config` check run shows any error on its line; an invalid file never "
        "breaks fundbot (it keeps the last valid settings).",
        f"- A repository's own file wins over a shared one: to configure all of {markdown.text(owner)}'s "
        f"repositories at once, put a `{CONFIG_PATH}` in {org_repo} instead (this repository then needs none).",
    ]
    return out


def _beside_other_bots(bots: Sequence[str], handle: str) -> list[str]:
    shown = " and ".join(markdown.text(b) for b in bots)
    at = f"@{handle}"
    return [
        "",
        "### Another bounty bot is here",
        "",
        f"This repository also uses {shown} (its labels or comments say so). `/bounty` and `/claim` are its "
        "commands as well as fundbot's, so the proposed file sets `commands.bare: false`: fundbot then acts "
        f"only on commands addressed to it, `/fundbot pledge 50` or `{at} pledge 50` (`/fundbot bounty 500`, "
        f"`{at} claim #12`...), and leaves a bare `/bounty 500` to the other bot: no reaction, no reply. "
        "Remove the `commands:` lines before merging to keep the short forms as well.",
    ]


def _permissions_table() -> list[str]:
    return [
        "",
        "### Permissions fundbot was granted, and why",
        "",
        "| Permission | Access | Why |",
        "|---|---|---|",
        *(f"| {p.title} | {p.access} | {p.why} |" for p in PERMISSIONS),
    ]


def _labels_section(labels: Sequence[str]) -> list[str]:
    return [
        "",
        "### Labels",
        "",
        "fundbot created (or found) these bounty labels: " + ", ".join(f"**{markdown.text(name)}**" for name in labels) + ". "
        "Rename or recolour them as you like: fundbot recognises its labels by the tag at the end of their "
        "description and never re-creates a renamed one.",
    ]


def _how_to_opt_out() -> list[str]:
    return [
        "",
        "### How to opt out",
        "",
        "- **Close this pull request** without merging: fundbot keeps working with the default settings and "
        "never opens another onboarding pull request in this repository.",
        "- **Turn features off** one by one in the file (merge this pull request first): `bounties.enabled: false` (no campaigns, no bounty "
        "labels), `issues.comment: false` (no comment on new issues), `funding_file: off` (never touch "
        f"`{FUNDING_PATH}`), `readme.update: off` (never touch the README), `releases.footer: false` "
        "(leave release notes alone).",
        "- **Stop fundbot entirely** on this repository: remove it from the App's repository access "
        "(Settings → GitHub Apps → fundbot → Configure), or uninstall the App. fundbot then drops what it "
        "cached about the repository; everything it wrote stays in GitHub, yours to keep or delete.",
        "",
        markdown.marker(MARKER),
    ]
