"""Issue 4: funding links on new issues (config-driven), /fund and /fundbot help, release footers."""

from __future__ import annotations

import pytest

from bot.core import markdown, release
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"  # FUNDING.yml: github: [octocat]; octocat is an admin (a maintainer)



def bot_comments(sandbox, number, repo=REPO):
    return [c for c in sandbox.comments(repo, number) if c["user"]["login"] == "fundbot[bot]"]


async def configure(sandbox, bot, text: str) -> None:
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": text})
    await settle(sandbox, bot)


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    sandbox.add_user("hubot")
    sandbox.add_user("newbie")
    return sandbox_repo


async def test_maintainers_and_skipped_authors_are_not_greeted(sandbox, repo, bot):
    await configure(sandbox, bot, "issues:\n  skip_authors: [Newbie]\n")
    by_admin = await sandbox.open_issue(REPO, "octocat", "maintainer's own issue")
    skipped = await sandbox.open_issue(REPO, "newbie", "skipped author")
    greeted = await sandbox.open_issue(REPO, "hubot", "outsider")
    await settle(sandbox, bot)
    assert bot_comments(sandbox, by_admin["number"]) == []
    assert bot_comments(sandbox, skipped["number"]) == []
    assert len(bot_comments(sandbox, greeted["number"])) == 1


async def test_labels_filter_and_a_late_label(sandbox, repo, bot):
    await configure(sandbox, bot, "issues:\n  labels: [help wanted]\n")
    issue = await sandbox.open_issue(REPO, "hubot", "no label yet")
    await settle(sandbox, bot)
    assert bot_comments(sandbox, issue["number"]) == []
    await sandbox.label_issue(REPO, issue["number"], "octocat", "bug")
    await settle(sandbox, bot)
    assert bot_comments(sandbox, issue["number"]) == []
    await sandbox.label_issue(REPO, issue["number"], "octocat", "Help Wanted")
    await settle(sandbox, bot)
    assert len(bot_comments(sandbox, issue["number"])) == 1
    labelled_at_birth = await sandbox.open_issue(REPO, "hubot", "born labelled", labels=["help wanted"])
    await settle(sandbox, bot)
    assert len(bot_comments(sandbox, labelled_at_birth["number"])) == 1


async def test_a_comment_deleted_by_a_human_is_not_posted_again(sandbox, repo, bot):
    await configure(sandbox, bot, "issues:\n  labels: [help wanted, good first issue]\n")
    issue = await sandbox.open_issue(REPO, "hubot", "x", labels=["help wanted"])
    await settle(sandbox, bot)
    [comment] = bot_comments(sandbox, issue["number"])
    await sandbox.delete_comment(REPO, comment["id"], "octocat")
    await sandbox.label_issue(REPO, issue["number"], "octocat", "good first issue")
    await settle(sandbox, bot)
    assert bot_comments(sandbox, issue["number"]) == []


async def test_template_config_links_and_funding_from_config(sandbox, repo, bot):
    await configure(sandbox, bot, (
        "funding:\n  open_collective: widgets\n"
        "links:\n  - title: Paid support\n    url: https://example.org/support\n"
        "issues:\n  message: \"Hi {author}, {repo} runs on donations. {links} [{unknown}]\"\n"
    ))
    issue = await sandbox.open_issue(REPO, "hubot", "x")
    await settle(sandbox, bot)
    [comment] = bot_comments(sandbox, issue["number"])
    body = comment["body"]
    assert body.startswith("Hi @hubot, octo-org/widgets runs on donations.")
    assert "https://opencollective.com/widgets" in body and "https://example.org/support" in body
    assert "github.com/sponsors/octocat" not in body  # config's funding: wins over the repo's FUNDING.yml
    assert "[{unknown}]" in body  # unknown placeholders stay as written


async def test_issues_comment_off(sandbox, repo, bot):
    await configure(sandbox, bot, "issues:\n  comment: false\n")
    issue = await sandbox.open_issue(REPO, "hubot", "x")
    await settle(sandbox, bot)
    assert bot_comments(sandbox, issue["number"]) == []


async def test_fund_command_replies_once_with_a_reaction(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "octocat", "x")
    comment = await sandbox.comment(REPO, issue["number"], "hubot", "How can I help?\n/fund\n```\n/fund\n```")
    await settle(sandbox, bot)
    replies = [c for c in bot_comments(sandbox, issue["number"]) if markdown.has_marker(c["body"], "reply")]
    assert len(replies) == 1 and "https://github.com/sponsors/octocat" in replies[0]["body"]
    assert [r.content for r in sandbox.repo(REPO).comments[comment["id"]].reactions] == ["+1"]
    # an edit of the same comment, and a redelivery, answer nothing new
    await sandbox.edit_comment(REPO, comment["id"], "hubot", "/fund\n/fund please")
    [delivery] = [d for d in sandbox.deliveries if d["event"] == "issue_comment" and d["action"] == "created"
                  and d["payload"]["comment"]["id"] == comment["id"]]
    await bot.send("issue_comment", delivery["body"])
    await settle(sandbox, bot)
    assert len([c for c in bot_comments(sandbox, issue["number"]) if markdown.has_marker(c["body"], "reply")]) == 1


async def test_commands_in_code_quotes_or_by_bots_are_ignored(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "octocat", "x")
    sandbox.add_user("ci[bot]", type="Bot")
    await sandbox.comment(REPO, issue["number"], "hubot", "> /fund\n\n`/fund`\n\n    /fund\n")
    await sandbox.comment(REPO, issue["number"], "ci[bot]", "/fund")
    await settle(sandbox, bot)
    assert bot_comments(sandbox, issue["number"]) == []


async def test_refused_command_gets_confused_and_one_reply(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "octocat", "x")
    comment = await sandbox.comment(REPO, issue["number"], "hubot", "/pledge 1,25\n/pldge 5")
    await settle(sandbox, bot)
    [reply] = bot_comments(sandbox, issue["number"])
    assert "I could not act on this" in reply["body"] and "1,25" in reply["body"] and "Nothing was changed" in reply["body"]
    assert [r.content for r in sandbox.repo(REPO).comments[comment["id"]].reactions] == ["confused"]


async def test_fundbot_help_reports_config_errors(sandbox, repo, bot):
    await configure(sandbox, bot, "bounties:\n  deadline_days: zero\n")
    issue = await sandbox.open_issue(REPO, "octocat", "x")
    await sandbox.comment(REPO, issue["number"], "hubot", "/fundbot help")
    await settle(sandbox, bot)
    [reply] = bot_comments(sandbox, issue["number"])
    assert "/pledge AMOUNT" in reply["body"] and "fundbot settings" in reply["body"]
    assert "configuration has errors" in reply["body"] and ".github/fundbot.yml:2:" in reply["body"]


async def test_release_footer_is_appended_and_the_rest_kept_byte_for_byte(sandbox, repo, bot):
    notes = "## What's new\r\n\r\n* Faster widgets\r\n* Fewer bugs"
    rel = await sandbox.publish_release(REPO, "octocat", "v1.0.0", notes)
    await settle(sandbox, bot)
    body = sandbox.repo(REPO).releases[rel["id"]].body
    assert body.startswith(notes + "\r\n\r\n" + release.START)
    assert body.endswith(release.END) and "https://github.com/sponsors/octocat" in body
    assert "\r\n" in body.split(release.START)[1]  # the block uses the notes' own line endings
    assert len(sandbox.calls_to("PATCH", f"/repos/{REPO}/releases/{rel['id']}")) == 1  # our own edit is not re-processed


async def test_release_with_an_old_footer_gets_it_replaced(sandbox, repo, bot):
    before, after = "Notes before.\n\n", "\n\nNotes after the footer.\n"
    stale = before + release.START + "\nold footer\n" + release.END + after
    rel = await sandbox.publish_release(REPO, "octocat", "v2.0.0", stale)
    await settle(sandbox, bot)
    body = sandbox.repo(REPO).releases[rel["id"]].body
    assert body.startswith(before + release.START) and body.endswith(release.END + after)
    assert "old footer" not in body and "github.com/sponsors/octocat" in body


async def test_prereleases_follow_config_and_footer_can_be_off(sandbox, repo, bot):
    await configure(sandbox, bot, "releases:\n  prereleases: false\n")
    pre = await sandbox.publish_release(REPO, "octocat", "v3.0.0-rc1", "rc", prerelease=True)
    await settle(sandbox, bot)
    assert sandbox.repo(REPO).releases[pre["id"]].body == "rc"
    await configure(sandbox, bot, "releases:\n  footer: false\n")
    rel = await sandbox.publish_release(REPO, "octocat", "v3.0.0", "final")
    await settle(sandbox, bot)
    assert sandbox.repo(REPO).releases[rel["id"]].body == "final"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", release.START + "\nX\n" + release.END),
        ("notes", "notes\n\n" + release.START + "\nX\n" + release.END),
        ("notes\n", "notes\n\n" + release.START + "\nX\n" + release.END),
        ("a\r\nb", "a\r\nb\r\n\r\n" + release.START + "\r\nX\r\n" + release.END),
        ("a " + release.START + "old" + release.END + " z", "a " + release.START + "\nX\n" + release.END + " z"),
    ],
)
def test_splice_examples(body, expected):
    assert release.splice(body, "X") == expected
    assert release.splice(release.splice(body, "X"), "X") == expected  # idempotent


@pytest.mark.parametrize("body", [release.START + release.START + release.END, release.END + "x" + release.START, release.START])
def test_splice_refuses_bad_markers(body):
    with pytest.raises(release.MarkerError):
        release.splice(body, "X")
