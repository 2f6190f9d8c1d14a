"""``SCHEMA``: every key of ``.github/fundbot.yml`` once - its type, default, constraints and a one-line
description. The validator walks it, the defaults are its defaults run through the validator, the
onboarding template, the README reference table and the JSON Schema are rendered from it, and
:class:`bot.core.config.Config` is built from it (a test checks that the dataclass fields and the schema
keys are the same)."""

from __future__ import annotations

import functools

from bot.core import funding as _funding
from bot.core.config.delivers import Delivers
from bot.core.config.model import (
    BountiesConfig,
    CommandsConfig,
    FundingGoal,
    IssuesConfig,
    Link,
    ReadmeConfig,
    ReleasesConfig,
    Reward,
    Sponsor,
    Tier,
)
from bot.core.config.rules import Amount, Bool, Choice, Extends, Int, Text, Url
from bot.core.config.shapes import FundingKeys, Key, LabelGoals, ListOf, Section, all_paths

DEFAULT_MESSAGE = (
    "Thank you for opening this issue, {author}! If {repo} is useful to you, please consider "
    "supporting its maintainers: {links}"
)

LABEL = Text(1, 50, "label")

SCHEMA = Section(
    [
        Key(
            "_extends",
            Extends(),
            None,
            "Inherit from another fundbot config (.yml/.yaml): REPO, OWNER/REPO or OWNER/REPO:PATH; this file's "
            "keys win. A public repository extends only files of public repositories.",
            nullable=True,
            example=".github",
        ),
        Key(
            "funding",
            FundingKeys(),
            {},
            "GitHub's FUNDING.yml keys (github, patreon, open_collective, ko_fi, liberapay, polar, "
            "custom, ...); fundbot writes them to .github/FUNDING.yml.",
            example="{github: [octocat], custom: [\"https://example.org/donate\"]}",
        ),
        Key(
            "funding_file",
            Choice(("pull_request", "commit", "off"), false_means="off"),
            "pull_request",
            "How .github/FUNDING.yml is kept in sync with `funding:`: rolling pull request, direct commit, or off.",
        ),
        Key(
            "links",
            ListOf(
                Section(
                    [
                        Key("title", Text(1, 100), description="Link text.", required=True),
                        Key("url", Url(), description="https:// address.", required=True),
                    ],
                    cls=Link,
                    what="a mapping `{title: ..., url: https://...}`",
                ),
                max_items=20,
                what="`{title, url}`",
            ),
            [],
            "Extra links shown in fundbot's comments, beyond FUNDING.yml.",
            example='[{title: Paid support, url: "https://example.org/support"}]',
        ),
        Key(
            "issues",
            Section(
                [
                    Key("comment", Bool(), True, "Post the funding-links comment on new issues."),
                    Key(
                        "labels",
                        ListOf(LABEL, max_items=100, unique=True, what="label names"),
                        [],
                        "Only greet issues carrying one of these labels ([] = every issue).",
                    ),
                    Key(
                        "skip_authors",
                        ListOf(Text(1, 45, "login"), max_items=200, unique=True, what="GitHub logins"),
                        [],
                        "Logins never greeted (bots and maintainers are always skipped).",
                    ),
                    Key(
                        "message",
                        Text(1, 4000, "template"),
                        DEFAULT_MESSAGE,
                        "Comment template; placeholders {author}, {links} and {repo}.",
                    ),
                ],
                cls=IssuesConfig,
            ),
            description="The funding-links comment on new issues.",
        ),
        Key(
            "releases",
            Section(
                [
                    Key("footer", Bool(), True, "Append the funding footer to published release notes."),
                    Key(
                        "thank_backers",
                        Bool(),
                        True,
                        "Thank the backers of campaigns delivered since the previous release.",
                    ),
                    Key("drafts", Bool(), False, "Also add the footer to draft releases."),
                    Key("prereleases", Bool(), True, "Also add the footer to pre-releases."),
                ],
                cls=ReleasesConfig,
            ),
            description="The funding footer on releases.",
        ),
        Key(
            "bounties",
            Section(
                [
                    Key("enabled", Bool(), True, "Turn issues into crowdfunding campaigns (/bounty, /pledge, bounty labels)."),
                    Key("label", LABEL, "💰 bounty", "Label on every issue with an open campaign."),
                    Key(
                        "labels",
                        LabelGoals(max_items=20),
                        {"bounty: S": 100, "bounty: M": 500, "bounty: L": 2000},
                        "Bounty labels and their goals: labelling an issue opens a campaign with that goal.",
                    ),
                    Key("currency", Text(3, 3, "currency"), "USD", "ISO 4217 code of every amount (USD, EUR, ...)."),
                    Key("deadline_days", Int(1, 3650, "days"), 30, "Default campaign deadline, in days."),
                    Key("min_pledge", Amount(), 1, "Smallest pledge accepted."),
                    Key("max_amount", Amount(), 100000, "Largest pledge or goal accepted."),
                    Key(
                        "who_can_manage",
                        ListOf(
                            Choice(("admin", "maintain", "write", "triage", "read")),
                            max_items=5,
                            min_items=1,
                            unique=True,
                            what="repository permissions",
                        ),
                        ["admin", "maintain", "write"],
                        "Repository permissions allowed to run /bounty, /bounty cancel|extend|accept and /sponsors refresh.",
                    ),
                    Key(
                        "rewards",
                        ListOf(
                            Section(
                                [
                                    Key("min", Amount(), description="Smallest pledge that earns the reward.", required=True),
                                    Key("reward", Text(1, 200), description="What the backer gets.", required=True),
                                    Key("delivers", Delivers(), None,
                                        "What fundbot delivers: a README name or logo, a release-notes mention; `none`: "
                                        "a human reward, owed until `/bounty reward done @user`. Unset: inferred.",
                                        nullable=True),
                                ],
                                cls=Reward,
                                what="a mapping `{min: AMOUNT, reward: TEXT, delivers: WHAT}`",
                            ),
                            max_items=20,
                            what="`{min, reward, delivers}`",
                        ),
                        [
                            {"min": 25, "reward": "Your name in the README thank-you section", "delivers": "readme_name"},
                            {"min": 100, "reward": "Your logo in the README", "delivers": "readme_logo"},
                        ],
                        "Rewards promised to backers who pledge at least `min`, lowest first (a backer earns each one reached).",
                    ),
                    Key("funded_label", LABEL, "💸 funded", "Label on an issue whose campaign reached its goal."),
                    Key("delivered_label", LABEL, "✅ delivered", "Label on an issue whose campaign was delivered."),
                    Key(
                        "notify",
                        Bool(),
                        True,
                        "Post one new comment mentioning the backers when a campaign is funded, delivered, expires or is cancelled.",
                    ),
                    Key(
                        "badge",
                        Bool(),
                        False,
                        "Show the campaign's progress badge in its status comment (public repositories, needs PUBLIC_URL).",
                    ),
                    Key(
                        "pay_to",
                        Choice(("implementer", "maintainer")),
                        "implementer",
                        "Who backers pay once an offer was accepted: the implementer's links, or the project's.",
                    ),
                    Key("remind_days", Int(0, 365, "days"), 7,
                        "Days between the (at most two) reminders to backers who have not paid; 0 turns them off."),
                    Key("claims", Choice(("anyone", "offer", "contributors")), "anyone",
                        "Who may claim an issue (/claim): anyone, those who offered (/offer), or contributors of the repository."),
                    Key("max_claims", Int(0, 100, "claims"), 0, "Open claims that count on one issue at most; 0: no cap."),
                    Key("list_all_backers", Bool(), False,
                        "List every backer in the README and release notes, not only those whose reward delivers it."),
                ],
                cls=BountiesConfig,
            ),
            description="Crowdfunded bounties on issues.",
        ),
        Key(
            "commands",
            Section(
                [
                    Key(
                        "bare",
                        Bool(),
                        True,
                        "Also accept the bare commands (/pledge 50); false: only `/fundbot pledge 50` and `@fundbot pledge 50`.",
                    ),
                ],
                cls=CommandsConfig,
            ),
            description="How commands in comments are recognised (beside other bounty bots).",
        ),
        Key(
            "funding_goal",
            Section(
                [
                    Key("title", Text(0, 100), "", "Name of the project-wide goal."),
                    Key("amount", Amount(zero=True), 0, "Target amount (0 = no project-wide goal)."),
                ],
                cls=FundingGoal,
            ),
            description="Optional project-wide goal shown in the README.",
        ),
        Key(
            "readme",
            Section(
                [
                    Key("path", Text(1, 255, "path"), "README.md",
                          "README file that holds the sponsor section (not under .github/, not a FUNDING.yml)."),
                    Key(
                        "update",
                        Choice(("pull_request", "commit", "off"), false_means="off"),
                        "pull_request",
                        "How the README sponsor section is written: rolling pull request, direct commit, or off.",
                    ),
                    Key(
                        "sources",
                        ListOf(
                            Choice(("github_sponsors", "backers", "config")),
                            max_items=3,
                            unique=True,
                            what="sponsor sources",
                        ),
                        ["github_sponsors", "backers", "config"],
                        "Where sponsors come from: GitHub Sponsors, backers of delivered campaigns, readme.sponsors.",
                    ),
                    Key(
                        "sponsors",
                        ListOf(
                            Section(
                                [
                                    Key("name", Text(1, 100), description="Sponsor name.", required=True),
                                    Key("url", Url(), None, "Link to the sponsor (https://).", nullable=True),
                                    Key("avatar", Url(), None, "Logo or avatar image (https://).", nullable=True),
                                    Key("tier", Text(1, 50), None, "Name of one of readme.tiers.", nullable=True),
                                ],
                                cls=Sponsor,
                                what="a mapping `{name, url, avatar, tier}`",
                            ),
                            max_items=200,
                            what="`{name, url, avatar, tier}`",
                        ),
                        [],
                        "Static sponsors fundbot cannot query.",
                        example='[{name: ACME, url: "https://acme.example", tier: Gold}]',
                    ),
                    Key(
                        "tiers",
                        ListOf(
                            Section(
                                [
                                    Key("name", Text(1, 50), description="Tier heading.", required=True),
                                    Key("min", Amount(zero=True), description="Smallest amount for this tier.", required=True),
                                ],
                                cls=Tier,
                                what="a mapping `{name: TEXT, min: AMOUNT}`",
                            ),
                            max_items=10,
                            min_items=1,
                            what="`{name, min}`",
                        ),
                        [{"name": "Gold", "min": 500}, {"name": "Silver", "min": 100}, {"name": "Backers", "min": 0}],
                        "Sponsor tiers, highest first: a sponsor is listed under the first tier whose `min` they reach.",
                    ),
                    Key(
                        "debounce_seconds",
                        Int(0, 86400, "seconds"),
                        60,
                        "Changes within this many seconds are written as one commit.",
                    ),
                ],
                cls=ReadmeConfig,
            ),
            description="The README sponsor section.",
        ),
    ],
    cls=None,  # Config: it validates (Config.from_dict), so it lives with the validator (checker.py)
    what="a mapping of keys such as `bounties:`",
)

@functools.cache
def schema_paths() -> dict[str, list[tuple[str, ...]]]:
    return all_paths(SCHEMA)


@functools.cache
def known_keys() -> frozenset[str]:
    """Every dotted key path of the schema (``readme.sponsors.name``) and ``funding.KEY``: the key texts
    that are fundbot's own, never a file's."""
    names = {".".join(p) for paths in schema_paths().values() for p in paths}
    return frozenset(names | {f"funding.{k}" for k in _funding.KEYS})
