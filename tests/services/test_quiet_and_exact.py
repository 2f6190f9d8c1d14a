"""Issue 14, point 7 ("Quiet and exact"), through the sandbox: the status comment is edited only when what it
shows changes, one reply per comment says what was recorded and what was refused, an edit that fixes a
command clears its 😕, /bounty cancel removes every bounty label, funding_goal shows progress, draft
releases get their footer, /fundbot help counts FUNDING.yml's links, and the README and FUNDING.yml are
written each as its own setting says."""

from __future__ import annotations

import pytest

from bot.core import markdown, readme
from bot.services import campaigns as shell
from bot.services.repo import Repo
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"  # FUNDING.yml: github: [octocat]; octocat is an admin


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    for login in ("alice", "bob", "carol"):
        sandbox.add_user(login)
    return sandbox_repo


def own(sandbox, number, marker):
    return [c for c in sandbox.comments(REPO, number)
            if c["user"]["login"] == "fundbot[bot]" and markdown.has_marker(c["body"], marker)]


def reactions(sandbox, comment_id):
    return sorted(r.content for r in sandbox.repo(REPO).comments[comment_id].reactions)


def status_edits(sandbox, status_id):
    return len(sandbox.calls_to("PATCH", f"/repos/{REPO}/issues/comments/{status_id}"))


async def handle(bot, sandbox) -> Repo:
    gh = await bot.service.github.installation(next(iter(sandbox._installations)))
    return Repo(gh, bot.service.ctx, {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"})


async def rebuilt(bot, sandbox, number) -> shell.ledger.Campaign:
    """The database is lost: the campaign refolded from GitHub alone."""
    r = await handle(bot, sandbox)
    await bot.service.ctx.store.cache_delete(shell.NS, shell._key(r.repository, number))
    bot.service.ctx.memo("permissions", ttl=shell.PERMISSION_TTL, maxsize=10_000).clear()
    record = await shell.current(r, number, await shell.setup(r))
    assert record.rebuilt
    return record.campaign


async def test_a_refusal_does_not_edit_the_status_comment_and_a_rebuild_still_refuses_it(sandbox, repo, bot):
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await sandbox.comment(REPO, n, "carol", "/pledge 10")
    await settle(sandbox, bot)
    [status] = own(sandbox, n, "campaign")
    edits = status_edits(sandbox, status["id"])
    attempt = await sandbox.comment(REPO, n, "bob", "/bounty 1000")  # not a maintainer
    typo = await sandbox.comment(REPO, n, "bob", "/pledge 1,25")
    await settle(sandbox, bot)
    assert reactions(sandbox, attempt["id"]) == ["confused"] and reactions(sandbox, typo["id"]) == ["confused"]
    assert status_edits(sandbox, status["id"]) == edits  # nothing it shows changed: not edited
    # bob is promoted, then the database is lost: his refused /bounty stays refused (its reply keeps the verdict)
    sandbox.set_permission(REPO, "bob", "admin")
    c = await rebuilt(bot, sandbox, n)
    assert (c.state, c.goal, c.raised()) == ("open", 100, 10)
    [refused] = [o for o in c.outcomes if o.comment_id == attempt["id"]]
    assert not refused.accepted
    # the next visible change writes the whole record into the marker
    await sandbox.comment(REPO, n, "alice", "/pledge 20")
    await settle(sandbox, bot)
    assert status_edits(sandbox, status["id"]) > edits


async def test_one_reply_says_what_was_recorded_and_what_was_refused(sandbox, repo, bot):
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await settle(sandbox, bot)
    mixed = await sandbox.comment(REPO, n, "bob", "/pledge 50\n/bounty 1000\n/fund\n/pldge 5")
    await settle(sandbox, bot)
    [reply] = own(sandbox, n, "reply")
    body = reply["body"]
    assert "Recorded:" in body and "/pledge 50" in body and "I could not act on this" in body
    assert "/bounty 1000" in body and "/pldge 5" in body and "Nothing was changed" not in body
    assert "https://github.com/sponsors/octocat" in body  # /fund's answer, in the same reply
    assert reactions(sandbox, mixed["id"]) == ["+1", "confused"]
    assert shell.ledger.Campaign is not None and (await rebuilt(bot, sandbox, n)).raised() == 50


async def test_fixing_a_refused_command_clears_the_confused_reaction_and_updates_the_reply(sandbox, repo, bot):
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await settle(sandbox, bot)
    typo = await sandbox.comment(REPO, n, "bob", "/pledge 1,25")
    await settle(sandbox, bot)
    [reply] = own(sandbox, n, "reply")
    assert reactions(sandbox, typo["id"]) == ["confused"] and "Nothing was changed" in reply["body"]
    await sandbox.edit_comment(REPO, typo["id"], "bob", "/pledge 25")
    await settle(sandbox, bot)
    assert reactions(sandbox, typo["id"]) == ["+1"]  # fundbot's 😕 was deleted
    assert len(sandbox.calls_to("DELETE", f"/repos/{REPO}/issues/comments/{typo['id']}/reactions/")) <= 1
    [reply] = own(sandbox, n, "reply")  # the same reply, edited
    assert "/pledge 25" in reply["body"] and "could not act" not in reply["body"]
    patches = len(sandbox.calls_to("PATCH", f"/repos/{REPO}/issues/comments/{reply['id']}"))
    [*_, edit] = [d for d in sandbox.deliveries if d["event"] == "issue_comment" and d["action"] == "edited"]
    await bot.send("issue_comment", edit["body"])  # redelivered: changes nothing, nothing is sent
    await settle(sandbox, bot)
    assert len(sandbox.calls_to("PATCH", f"/repos/{REPO}/issues/comments/{reply['id']}")) == patches


async def test_bounty_cancel_removes_every_bounty_label(sandbox, repo, bot):
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.label_issue(REPO, n, "octocat", "bounty: S")
    await settle(sandbox, bot)
    assert "bounty: S" in sandbox.labels(REPO, n) and "💰 bounty" in sandbox.labels(REPO, n)
    await sandbox.comment(REPO, n, "octocat", "/bounty cancel")
    await settle(sandbox, bot)
    assert not [x for x in sandbox.labels(REPO, n) if "bounty" in x.lower()]
    c = await rebuilt(bot, sandbox, n)  # fundbot's own removals are not a human's: the refold agrees
    assert (c.state, c.end_reason) == ("cancelled", "command")


async def test_funding_goal_shows_progress_in_the_readme(sandbox, repo, bot):
    config = "readme:\n  update: commit\n  debounce_seconds: 0\nfunding_goal:\n  title: Full-time maintenance\n  amount: 1000\n"
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": config})
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 500")
    await sandbox.comment(REPO, n, "bob", "/pledge 150")
    await settle(sandbox, bot)
    section = readme.extract(sandbox.file(REPO, "README.md")) or ""
    assert "Full-time maintenance:** $150 of $1,000" in section and "15%" in section


async def test_draft_releases_get_the_footer_when_drafts_is_on(sandbox, repo, bot):
    draft = await sandbox.publish_release(REPO, "octocat", "v0.9.0", "draft notes", draft=True)
    await settle(sandbox, bot)
    assert sandbox.repo(REPO).releases[draft["id"]].body == "draft notes"  # releases.drafts is off by default
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "releases:\n  drafts: true\n"})
    await settle(sandbox, bot)
    other = await sandbox.publish_release(REPO, "octocat", "v1.0.0", "next notes", draft=True)
    await settle(sandbox, bot)
    assert "https://github.com/sponsors/octocat" in sandbox.repo(REPO).releases[other["id"]].body


async def test_help_counts_the_links_of_funding_yml(sandbox, repo, bot):
    n = (await sandbox.open_issue(REPO, "alice", "x"))["number"]
    await sandbox.comment(REPO, n, "bob", "/fundbot help")
    await settle(sandbox, bot)
    [reply] = own(sandbox, n, "reply")
    assert "from `.github/FUNDING.yml`" in reply["body"] and "none configured" not in reply["body"]


async def test_the_readme_is_committed_while_funding_yml_goes_through_a_pull_request(sandbox, repo, bot):
    config = ("funding:\n  github: [octocat, hubot]\nfunding_file: pull_request\n"
              "readme:\n  update: commit\n  debounce_seconds: 0\n")
    sandbox.add_user("hubot")
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": config})
    await settle(sandbox, bot)
    assert readme.extract(sandbox.file(REPO, "README.md")) is not None  # committed on the default branch
    assert sandbox.file(REPO, ".github/FUNDING.yml") == b"github: [octocat]\n"  # untouched there
    assert b"hubot" in (sandbox.file(REPO, ".github/FUNDING.yml", ref="fundbot/update") or b"")
