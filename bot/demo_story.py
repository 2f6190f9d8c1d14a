"""The seed story of ``python -m bot demo`` (issue 14): an outside developer is funded to build a feature of a
project they don't own. Each typed command is printed (who typed what, where) before fundbot's answer: its
reactions, its reply, the status comment's summary, any notice, and the labels that changed.

The sandbox's clock moves only when the story moves it (:class:`bot.testing.harness.FakeClock`): GitHub's times
have whole seconds, and a command written in the second of the merge would come before the delivery.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.core import markdown, readme

REPO = "octo-org/hello-fundbot"
DEV = "devon"  # the outside developer: no permission on the repository
MAINTAINER = "lena-dev"
BACKERS = (("alice", 440), ("bob", 250), ("carol", 100), ("erin", 10))
#: The rewards of the campaign (GOOD_CONFIG of bot.demo), what each delivers.
REWARDS = """\
  rewards:
    - {min: 10, reward: "A thank-you in the release notes", delivers: release_notes}
    - {min: 50, reward: "Your name in the README", delivers: readme_name}
    - {min: 200, reward: "Your logo in the README", delivers: readme_logo}
    - {min: 400, reward: "A live coding session with the developer", delivers: none}
"""
WIDTH = 100
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_LOGO = re.compile(r'<a href="[^"]*"><img [^>]*alt="([^"]*)"[^>]*></a>')
_CODE = re.compile(r"(`+) ?(.*?) ?\1")
_ZWSP = "\u200b"


def _link(m: re.Match) -> str:
    text, url = m.group(1), m.group(2)
    shown = text.startswith(("@", "#")) or url.rstrip("/").lower().endswith("/" + text.lower())
    return text if shown else f"{text} <{url}>"


def plain(text: str) -> str:
    """Markdown made short for a terminal: mentions and issue links as their text, other links as text <url>,
    a README logo as [logo NAME], no bold or code marks, no defusing zero-width spaces."""
    text = _LOGO.sub(r"[logo \1]", text.replace(_ZWSP, ""))
    return _CODE.sub(r"\2", _LINK.sub(_link, text)).replace("**", "")


def cut(line: str, width: int = WIDTH) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def quote(text: str, limit: int | None = None, indent: str = "   | ") -> str:
    lines = [cut(plain(x)) for x in text.rstrip().splitlines() if not x.startswith("<!-- fundbot:")]
    while lines and not lines[-1].strip():
        lines.pop()
    if limit is not None and len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more lines)"]
    return textwrap.indent("\n".join(lines), indent, predicate=lambda _line: True)


def kind(body: str) -> str | None:
    """Which of fundbot's comments this is: campaign (the status comment), notice, reply, funding-links."""
    return next((name for name, _, _ in markdown.find_markers(body or "")), None)


def status_summary(body: str) -> list[str]:
    """The lines of the status comment that say where the campaign stands: its state, the money, who is paid,
    each backer's payment and the rewards still to give."""
    out: list[str] = []
    section = ""
    for raw in body.splitlines():
        line = plain(raw).strip()
        if raw.startswith("### "):
            out.append(line.lstrip("# "))
        elif raw.startswith("#### "):
            section = line.lstrip("# ")
        elif " pledged of " in line or line.startswith(("- Backers pay:", "🎉", "✅ Delivered", "Payments")):
            out.append(line)
        elif section == "Backers" and raw.startswith("| [@"):
            who, pledged, tier, state = ([c.strip() for c in line.strip("|").split("|")] + ["", "", ""])[:4]
            out.append(f"  backer {who} {pledged}" + (f" (reward tier {tier})" if tier else "") + f": {state}")
        elif section == "Rewards to give" and raw.startswith("| [@"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            out.append(f"  reward for {cells[0]}: " + " · ".join(c for c in cells[1:] if c))
        elif section == "Rewards to give" and line.startswith(("All given", "1 of", "2 of")):
            out.append(line)
    return [cut(x) for x in out]


@dataclass
class Story:
    sandbox: object
    settle: Callable[[], Awaitable[None]]
    issue: int = 0
    counts: dict = field(default_factory=dict)

    def bot_comments(self) -> dict[int, tuple[int, str]]:
        """fundbot's comments in the repository: id -> (issue number, body)."""
        return {c.id: (c.issue_number, c.body) for c in self.sandbox.repo(REPO).comments.values()
                if c.user.login.endswith("[bot]")}

    def labels(self) -> set[str]:
        return set(self.sandbox.labels(REPO, self.issue)) if self.issue else set()

    async def say(self, who: str, where: int, body: str) -> dict:
        """``who`` comments ``body`` on #``where``; prints it, then what fundbot answered."""
        before, labels = self.bot_comments(), self.labels()
        lines = body.strip().splitlines()
        print(f"\n> {who} on #{where}: {lines[0]}")
        for line in lines[1:]:
            print(f"> {' ' * (len(who) + len(str(where)) + 6)}{line}")
        typed = await self.sandbox.comment(REPO, where, who, body)
        await self.settle()
        reactions = [r.content for r in self.sandbox.repo(REPO).comments[typed["id"]].reactions]
        print(f"  fundbot reacts: {' '.join(reactions) or '(nothing)'}")
        self.show_changes(before, labels)
        return typed

    def show_changes(self, before: dict[int, tuple[int, str]], labels: set[str]) -> None:
        """What fundbot wrote since ``before``: new comments in full (short), the status comment's summary."""
        for cid, (number, body) in sorted(self.bot_comments().items()):
            what = kind(body)
            if cid in before and before[cid][1] == body:
                continue
            if what == "campaign":
                old = status_summary(before[cid][1]) if cid in before else []
                new = status_summary(body)
                shown = new[:1] + [x for x in new[1:] if x not in old]
                verb = "edits the status comment (changed lines)" if cid in before else "posts the status comment"
                print(f"  fundbot {verb} on #{number}:")
                print(textwrap.indent("\n".join(shown), "   | "))
            else:
                verb = "edits its" if cid in before else "posts a"
                print(f"  fundbot {verb} {what or 'comment'} on #{number}:")
                print(quote(body, limit=None if what == "notice" else 8))
        now = self.labels()
        if now != labels:
            change = [f"+{x}" for x in sorted(now - labels)] + [f"-{x}" for x in sorted(labels - now)]
            print(f"  labels on #{self.issue}: {', '.join(change)}")

    def comment_counts(self, number: int) -> dict[str, int]:
        out: dict[str, int] = {}
        for n, body in self.bot_comments().values():
            if n == number:
                out[kind(body) or "other"] = out.get(kind(body) or "other", 0) + 1
        return out


def act(title: str) -> None:
    print()
    print(f"== {title} " + "=" * max(0, 72 - len(title)))


async def seed_story(story: Story, clock) -> None:
    """Acts 7-11: the offer, its acceptance, the pledges and the funded notice, the payments, the delivery."""
    sandbox, settle = story.sandbox, story.settle
    for login in (DEV, *(b for b, _ in BACKERS)):
        sandbox.add_user(login)
    sandbox._ensure_user(DEV).sponsors_listing = True  # devon has a GitHub Sponsors profile
    sandbox.add_repo(f"{DEV}/.github", files={"FUNDING.yml": f"ko_fi: {DEV}\n"})
    act("7. carol asks for a feature; devon, an outside developer, offers to build it")
    story.issue = (await sandbox.open_issue(REPO, "carol", "Export reports as CSV", "It would save us hours."))["number"]
    await settle()
    n = story.issue
    greeted = " (fundbot greets her with the funding links)" if story.comment_counts(n).get("funding-links") else ""
    print(f"> carol opens issue #{n} \"Export reports as CSV\"{greeted}")
    await story.say(DEV, n, f"I can build this in two weeks.\n/offer 800 https://liberapay.com/{DEV}")
    act("8. The maintainer accepts the offer: backers will pay devon")
    await story.say(MAINTAINER, n, f"/bounty accept @{DEV}")
    act("9. Backers pledge; the goal is reached and everyone is told")
    await story.say("bob", n, "/bounty 5000")  # not a maintainer: refused
    for who, amount in BACKERS[:-1]:
        await story.say(who, n, f"/pledge {amount}" if who != "bob" else f"@fundbot pledge {amount}")
    await story.say(BACKERS[-1][0], n, f"/pledge {BACKERS[-1][1]}")
    clock.advance(minutes=5)
    act("10. Backers pay devon directly; devon confirms (fundbot never holds money)")
    for who, _ in BACKERS[:-1]:
        await story.say(who, n, "Done, thanks devon!\n/paid")
    await story.say(DEV, n, "Got them, thank you!\n/bounty received @alice @bob @carol")
    clock.advance(minutes=5)
    act("11. devon's pull request is merged: the campaign is delivered")
    before, labels = story.bot_comments(), story.labels()
    pull = await sandbox.open_pull(REPO, DEV, "Export reports as CSV", f"Fixes #{n}", head="csv-export")
    print(f"\n> {DEV} opens pull request #{pull['number']} \"Export reports as CSV\" with \"Fixes #{n}\"")
    await sandbox.merge_pull(REPO, pull["number"], MAINTAINER)
    print(f"> {MAINTAINER} merges #{pull['number']}")
    await settle()
    story.show_changes(before, labels)
    clock.advance(2)


async def rewards(story: Story, clock) -> None:
    """Acts 12-14: the release notes and the README honour the rewards; the human reward is owed, then done."""
    sandbox, n = story.sandbox, story.issue
    act("12. A release is published: the release notes thank the backers")
    sandbox.add_sponsorship("octo-org", "megacorp", monthly_usd=500, sponsor_type="Organization")
    sandbox.add_sponsorship("octo-org", "dana", monthly_usd=5)
    print(f"\n> {MAINTAINER} publishes release v1.0.0")
    rel = await sandbox.publish_release(REPO, MAINTAINER, "v1.0.0", "## What's new\n\n* Export reports as CSV\n")
    await story.settle()
    print(quote(sandbox.repo(REPO).releases[rel["id"]].body or ""))
    act("13. The README: logos and names as the rewards say (rolling pull request fundbot/update)")
    proposed = sandbox.file(REPO, "README.md", ref="fundbot/update") or b""
    print(quote(readme.extract(proposed) or "(no section yet)"))
    act("14. The human reward: owed until the maintainers say it was given")
    clock.advance(minutes=5)
    await story.say(MAINTAINER, n, "What a session, thank you alice!\n/bounty reward done @alice")
