"""Issue 10, point 6: fundbot's voice can't be borrowed.

Through the real endpoint and the GitHub sandbox: hostile comments get replies in which nothing the user
wrote is live (rendered with cmark-gfm, GitHub's own renderer, then GitHub's reference patterns applied to
the text outside code: no link, no mention, no cross-reference, no image, no emphasis); every reply stays
under GitHub's 65,536-character limit, however many warnings or commands there are; and every correction
fundbot suggests is itself a valid command.
"""

from __future__ import annotations

import re

import pytest

from bot.core import markdown
from bot.core.commands import Command, parse_commands
from tests.fixtures import gfm
from tests.fixtures.bot_fixtures import settle
from tests.reliability.test_hostile_input import REPO, replies

HOSTILE_TAIL = ("@everyone @octo-org/admins #1 GH-2 octo-org/widgets#3 deadbeef1234 octo-org/widgets@deadbeef1 "
                "https://evil.example www.evil.example a@b.co **bold** _em_ <img src=x> <details><summary>s "
                "&#64;x [l](https://e.example) | a | ``")
HOSTILE_COMMANDS = [
    f"/pledge -0 {HOSTILE_TAIL}",
    f"/pldge 10 {HOSTILE_TAIL}",
    f"/pledge <img src=x> {HOSTILE_TAIL}",
    f"/pledge @everyone {HOSTILE_TAIL}",
    f"/bounty accept everyone {HOSTILE_TAIL}",
    f"/fund 5 {HOSTILE_TAIL}",
    f"/pledge 1,2345 {HOSTILE_TAIL}",
    f"/bounty extnd https://evil.example {HOSTILE_TAIL}",
    "/pledge `` ` `` @everyone ``` #1",
]


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    for login in ("alice", "bob", "carol", "dave", "mallory"):
        sandbox.add_user(login)
    return sandbox_repo


def assert_nothing_live(body: str) -> None:
    rendered = gfm.render(body)
    outside = gfm.outside_code(rendered)
    for tag in ("<a ", "<img", "<details", "<em>", "<h1", "<blockquote"):
        assert tag not in outside, (tag, body)
    assert "<strong>bold</strong>" not in outside, body
    assert gfm.live_references(body) == [], (gfm.live_references(body), body)


def reply_to(sandbox, n, comment_id) -> str:
    [body] = [r["body"] for r in replies(sandbox, n) if re.search(rf'"to":{comment_id}[,}}]', r["body"])]
    return body


async def test_hostile_commands_get_replies_in_which_nothing_is_live(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    posted = {line: await sandbox.comment(REPO, n, "mallory", line) for line in HOSTILE_COMMANDS}
    await settle(sandbox, bot)
    for line, comment in posted.items():
        body = reply_to(sandbox, n, comment["id"])
        assert body.startswith("I could not act on this"), body
        assert_nothing_live(body)
        # the command is shown as typed (up to 200 characters) in a code span
        shown = markdown.defuse(" ".join(line.split()))
        assert any(shown.startswith(s.removesuffix("…")) and len(s) >= min(len(shown), 199)
                   for s in gfm.code_spans(body)), (line, body)
        assert len(markdown.find_markers(body)) == 1
        # whatever the reply offers to type is itself a valid command
        for span in gfm.code_spans(body):
            if span.startswith("/") and not shown.startswith(span.removesuffix("…")):
                got = parse_commands(span)
                assert len(got) == 1 and isinstance(got[0], Command), (span, body)
    assert len(replies(sandbox, n)) == len(HOSTILE_COMMANDS)  # one reply each, all checked above


async def test_a_negative_zero_is_never_answered_with_zero(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    c = await sandbox.comment(REPO, n, "bob", "/pledge -0")
    await settle(sandbox, bot)
    body = reply_to(sandbox, n, c["id"])
    spans = gfm.code_spans(body)
    assert "0" not in spans and "25" in spans, body


async def test_help_with_hundreds_of_warnings_stays_under_the_limit_and_counts_the_rest(sandbox, repo, bot):
    config = "".join(f"{section}:\n" + "".join(
        f"  unknown_setting_with_a_long_name_number_{i:04d}: '@everyone #1 https://evil.example'\n" for i in range(190))
        for section in ("bounties", "readme", "issues", "releases"))  # 760 unknown keys, each a warning
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": config})
    await settle(sandbox, bot)
    issue = await sandbox.open_issue(REPO, "alice", "Help please")
    ask = await sandbox.comment(REPO, issue["number"], "alice", "/fundbot help")
    await settle(sandbox, bot)
    body = reply_to(sandbox, issue["number"], ask["id"])
    assert len(body) < 65_536, len(body)
    shown = body.count("unknown_setting_with_a_long_name_number_")
    m = re.search(r"([0-9,]+) warnings more are not listed|… and ([0-9,]+) more problems", body)
    assert m and shown >= 50, body[-800:]
    assert shown + int((m.group(1) or m.group(2)).replace(",", "")) >= 760, (shown, m.group(0))  # all counted
    assert_nothing_live(body)


def test_help_reply_cuts_any_number_of_problems_with_a_count():
    """The reply's own guard, whatever the configuration check lets through."""
    from bot.core import comments

    for n in (10, 500, 3_000, 50_000):
        problems = "\n".join(f".github/fundbot.yml:{i}:1: warning: key `x{i}` @everyone #{i} ``` [unknown-key]"
                             for i in range(n))
        body = comments.help_reply(summary="**fundbot settings**", problems=problems, fallback=None,
                                   comment_id=1, has_errors=False)
        assert len(body) < 65_536, (n, len(body))
        shown = body.count("warning: key")
        m = re.search(r"… and ([0-9,]+) more problems", body)
        assert shown + (int(m.group(1).replace(",", "")) if m else 0) == n, (n, shown)
        assert (m is None) == (shown == n)
        assert_nothing_live(body)
    reasons = [(f"/pledge -{i} @everyone #{i}", f"“-{i}” is negative: e.g. “{i}”.") for i in range(5_000)]
    body = comments.refused_reply(reasons=reasons, comment_id=2)
    m = re.search(r"… and ([0-9,]+) more refused commands", body)
    assert len(body) < 65_536 and m and body.count("\n- ") + int(m.group(1).replace(",", "")) == 5_000
    assert_nothing_live(body)


async def test_a_comment_with_hundreds_of_commands_gets_one_bounded_reply(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    body = "\n".join(f"/pledge -{i} @everyone #{i} https://evil.example/{i} **b{i}**" for i in range(900))
    assert len(body) < 65_536
    c = await sandbox.comment(REPO, n, "mallory", body)
    await settle(sandbox, bot)
    reply = reply_to(sandbox, n, c["id"])
    assert len(reply) < 65_536
    assert reply.count("\n- ") >= 10  # the commands read are each answered
    assert_nothing_live(reply)


async def test_the_sandbox_refuses_a_comment_over_githubs_limit(sandbox, repo):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    with pytest.raises(ValueError, match="maximum is 65536 characters"):
        await sandbox.comment(REPO, issue["number"], "alice", "x" * 65_537)
    ok = await sandbox.comment(REPO, issue["number"], "alice", "x" * 65_536)
    with pytest.raises(ValueError, match="maximum is 65536 characters"):
        await sandbox.edit_comment(REPO, ok["id"], "alice", "y" * 65_537)
