"""Issue 10, points 4, 5 and 7 (status comment): campaign history is immutable, claims come only from this
repository, and a re-created status comment is not posted twice after a lost answer.

Driven through the real endpoint, the inbox, the workers and the sandbox. The sandbox's clock is frozen
(``Frozen``), so every event of a test happens in the same second - GitHub's timestamps have one-second
resolution, and the order of such events must come from delivery order (live) and GitHub's timeline and
ids (refold, ``rebuild``)."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal

import pytest

from bot.core import history, markdown
from bot.services import campaigns as shell
from bot.services.repo import Repo
from tests.fixtures.bot_fixtures import settle
from tests.fixtures.sandbox_fixtures import started_sandbox
from tests.reliability.test_differential_faults import Interceptor
from tests.services.test_campaigns import status_comments

REPO = "octo-org/widgets"  # FUNDING.yml: github: [octocat]; octocat is an admin


class Frozen:
    """The sandbox's clock: stands still (same-second events) until a test moves it."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def sandbox():  # overrides the conftest fixture: the same sandbox, with a frozen clock
    async with started_sandbox(clock=Frozen()) as sb:
        yield sb


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    for login in ("alice", "bob", "carol", "dave", "maria"):
        sandbox.add_user(login)
    sandbox.set_permission(REPO, "maria", "maintain")
    return sandbox_repo




def marker_data(comment) -> dict:
    [data] = [d for name, _, d in markdown.find_markers(comment["body"]) if name == "campaign"]
    return data


def shown(sandbox, number) -> shell.ledger.Campaign:
    """The campaign as fundbot's status comment records it."""
    [comment] = status_comments(sandbox, number)
    return shell.ledger.Campaign.from_snapshot(marker_data(comment))


def reactions(sandbox, comment_id):
    return [r.content for r in sandbox.repo(REPO).comments[comment_id].reactions]


async def world(bot, sandbox):
    gh = await bot.service.github.installation(next(iter(sandbox._installations)))
    repository = {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"}
    return gh, repository


def forget_permissions(bot) -> None:
    bot.service.ctx.memo("permissions", ttl=shell.PERMISSION_TTL, maxsize=10_000).clear()


async def rebuilt(bot, sandbox, number) -> shell.ledger.Campaign:
    """The database is lost: the campaign refolded from GitHub alone (what ``rebuild`` does per issue)."""
    gh, repository = await world(bot, sandbox)
    ctx = bot.service.ctx
    await ctx.store.cache_delete(shell.NS, shell._key(repository, number))
    s = await shell.setup(Repo(gh, ctx, repository))
    record = await shell.current(Repo(gh, ctx, repository), number, s)
    assert record.rebuilt
    return record.campaign


async def rebuild_repository(bot, sandbox) -> dict[int, shell.ledger.Campaign]:
    gh, repository = await world(bot, sandbox)
    return dict(await shell.rebuild_repository(Repo(gh, bot.service.ctx, repository)))


def pledges(c) -> dict[str, str]:
    return {p.backer: str(p.amount) for p in c.pledges}


# ============================================================================ point 4: decisions stay


async def test_a_demoted_maintainers_campaign_survives_refolds_rebuild_and_a_who_can_manage_change(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "maria", "/bounty 100")
    await sandbox.comment(REPO, n, "bob", "/pledge 40")
    await settle(sandbox, bot)
    assert shown(sandbox, n).state == "open"

    sandbox.set_permission(REPO, "maria", "read")  # maria is no maintainer any more
    forget_permissions(bot)
    late = await sandbox.comment(REPO, n, "maria", "/bounty 500")  # a new command: checked now, refused
    await sandbox.comment(REPO, n, "carol", "/pledge 60")  # funded: a state change refolds from GitHub
    await settle(sandbox, bot)
    assert reactions(sandbox, late["id"]) == ["confused"]
    live = shown(sandbox, n)
    assert (live.state, live.goal, pledges(live)) == ("funded", 100, {"bob": "40.00", "carol": "60.00"})

    for c in (await rebuilt(bot, sandbox, n), (await rebuild_repository(bot, sandbox))[n]):
        assert (c.state, c.goal, pledges(c)) == ("funded", 100, {"bob": "40.00", "carol": "60.00"})

    # only admins may manage from now on; the history made under the old rule stays
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "bounties:\n  who_can_manage: [admin]\n"},
                             message="Only admins manage campaigns")
    await settle(sandbox, bot)
    forget_permissions(bot)
    c = (await rebuild_repository(bot, sandbox))[n]
    assert (c.state, c.goal, pledges(c)) == ("funded", 100, {"bob": "40.00", "carol": "60.00"})
    assert shown(sandbox, n).state == "funded" and len(status_comments(sandbox, n)) == 1


async def test_a_refused_bounty_stays_refused_after_its_author_is_promoted(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    attempt = await sandbox.comment(REPO, n, "bob", "/bounty 1000")
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await settle(sandbox, bot)
    assert reactions(sandbox, attempt["id"]) == ["confused"] and shown(sandbox, n).goal == 100
    sandbox.set_permission(REPO, "bob", "admin")
    forget_permissions(bot)
    c = await rebuilt(bot, sandbox, n)
    assert (c.state, c.goal) == ("open", 100)
    [bob] = [o for o in c.outcomes if o.comment_id == attempt["id"]]
    assert not bob.accepted


async def test_the_decision_record_is_compact_and_names_each_command_revision(sandbox, repo, bot):
    sandbox.http.limits.enabled = False  # more than GitHub's 80 writes a minute with pacing off (fast test); the limit: tests/sandbox/test_secondary_limits.py
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    opener = await sandbox.comment(REPO, n, "maria", "/bounty 100")
    refused = await sandbox.comment(REPO, n, "bob", "/bounty 5")
    for i in range(30):
        await sandbox.comment(REPO, n, f"backer{i}", f"/pledge {i + 1}")  # pledges need no verdict
    await sandbox.label_issue(REPO, n, "octocat", "bounty: M")
    await settle(sandbox, bot)
    [comment] = status_comments(sandbox, n)
    record = history.Decisions.from_json(marker_data(comment)["decisions"])
    digest = shell.ledger.body_digest
    assert record.verdicts == {opener["id"]: (digest("/bounty 100")[:12], True),
                               refused["id"]: (digest("/bounty 5")[:12], False)}
    assert [(name, str(goal)) for _, name, goal in record.goals] == [("bounty: m", "500.00")]
    assert [(first, last) for first, last, _ in record.runs] == [(opener["id"], max(record.runs[0][:2]))]  # one run
    assert len(json.dumps(marker_data(comment)["decisions"])) < 300  # whatever the number of pledges


async def test_a_label_keeps_the_goal_it_applied_when_the_configuration_changes(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.label_issue(REPO, n, "octocat", "bounty: M")
    await settle(sandbox, bot)
    assert shown(sandbox, n).goal == 500
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": 'bounties:\n  labels: {"bounty: M": 900}\n'},
                             message="Dearer M")
    await settle(sandbox, bot)
    c = (await rebuild_repository(bot, sandbox))[n]
    assert (c.state, c.goal) == ("open", 500)
    # a label added from now on applies the new goal
    other = (await sandbox.open_issue(REPO, "alice", "Light mode"))["number"]
    await sandbox.label_issue(REPO, other, "octocat", "bounty: M")
    await settle(sandbox, bot)
    assert shown(sandbox, other).goal == 900


@pytest.mark.parametrize("forger", ["carol", "evil[bot]"])
async def test_a_pasted_decision_record_changes_nothing(sandbox, repo, bot, forger):
    if forger.endswith("[bot]"):
        sandbox.add_user(forger, type="Bot")
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    attempt = await sandbox.comment(REPO, n, "bob", "/bounty 1000")
    await settle(sandbox, bot)
    [status] = status_comments(sandbox, n)
    data = marker_data(status)
    # the forger copies fundbot's marker, flips bob's verdict to "permitted", and deletes... cannot delete
    # fundbot's comment, so a maintainer deleted it: the forged record is the only one left
    data["decisions"]["m"] = [[cid, d, 1] for cid, d, _ in data["decisions"]["m"]]
    forged = markdown.marker("campaign", data)
    await sandbox.delete_comment(REPO, status["id"], "octocat")
    await sandbox.comment(REPO, n, forger, f"{forged}\n")
    await settle(sandbox, bot)
    c = await rebuilt(bot, sandbox, n)
    assert (c.state, c.goal) == ("open", 100)
    assert [o.accepted for o in c.outcomes if o.comment_id == attempt["id"]] == [False]


# ============================================================================ point 4: rules that judged


async def test_raising_min_pledge_later_does_not_remove_accepted_pledges(sandbox, repo, bot):
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "maria", "/bounty 100")
    await sandbox.comment(REPO, n, "bob", "/pledge 5")
    small = await sandbox.comment(REPO, n, "dave", "/pledge 0.50")  # below min_pledge 1: refused
    await settle(sandbox, bot)
    assert reactions(sandbox, small["id"]) == ["confused"]
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "bounties:\n  min_pledge: 50\n"})
    await settle(sandbox, bot)
    late = await sandbox.comment(REPO, n, "carol", "/pledge 10")  # judged now, by today's rule: refused
    await settle(sandbox, bot)
    assert reactions(sandbox, late["id"]) == ["confused"] and pledges(shown(sandbox, n)) == {"bob": "5.00"}
    for c in (await rebuilt(bot, sandbox, n), (await rebuild_repository(bot, sandbox))[n]):
        assert (c.state, c.goal, pledges(c)) == ("open", 100, {"bob": "5.00"})
        assert [o.accepted for o in c.outcomes if o.comment_id in (small["id"], late["id"])] == [False, False]
    # lowering it again later does not accept what was refused either
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "bounties:\n  min_pledge: 0.10\n"})
    await settle(sandbox, bot)
    c = (await rebuild_repository(bot, sandbox))[n]
    assert pledges(c) == {"bob": "5.00"} and pledges(shown(sandbox, n)) == {"bob": "5.00"}


async def test_shortening_deadline_days_later_does_not_expire_a_running_campaign(sandbox, repo, bot):
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "maria", "/bounty 100")
    await sandbox.comment(REPO, n, "bob", "/pledge 40")
    labelled = (await sandbox.open_issue(REPO, "alice", "Light mode"))["number"]
    await sandbox.label_issue(REPO, labelled, "octocat", "bounty: M")  # a label opens a campaign too
    await settle(sandbox, bot)
    deadlines = {k: (await rebuilt(bot, sandbox, k)).deadline for k in (n, labelled)}
    assert deadlines[n] == deadlines[labelled] == shown(sandbox, n).deadline
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "bounties:\n  deadline_days: 1\n"})
    await settle(sandbox, bot)
    for k in (n, labelled):
        for c in (await rebuilt(bot, sandbox, k), (await rebuild_repository(bot, sandbox))[k]):
            assert (c.state, c.deadline) == ("open", deadlines[k])
    assert pledges(shown(sandbox, n)) == {"bob": "40.00"} and shown(sandbox, n).deadline == deadlines[n]
    # a campaign opened from now on gets today's default
    other = (await sandbox.open_issue(REPO, "alice", "Sepia"))["number"]
    await sandbox.comment(REPO, other, "maria", "/bounty 100")
    await settle(sandbox, bot)
    assert shown(sandbox, other).deadline == deadlines[n] - 29 * 86400


async def test_a_merged_pull_request_edited_afterwards_does_not_claim(sandbox, repo, bot):
    n = await funded_and_closed(sandbox, bot)
    # dave's unrelated pull request mentions the issue (a cross-reference, not a claim) and is merged
    pull = await sandbox.open_pull(REPO, "dave", "Typo fix", f"Related to #{n}", head="typo")
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await settle(sandbox, bot)
    assert (shown(sandbox, n).state, shown(sandbox, n).solver) == ("funded", None)
    await sandbox.edit_issue(REPO, pull["number"], "dave", body=f"Fixes #{n}")  # after the merge
    await settle(sandbox, bot)
    assert (shown(sandbox, n).state, shown(sandbox, n).solver) == ("funded", None)  # live: unchanged
    for c in (await rebuilt(bot, sandbox, n), (await rebuild_repository(bot, sandbox))[n]):
        assert (c.state, c.solver, c.pull) == ("funded", None, None)
    # carol's pull request does fix it; editing its body afterwards does not take her claim away
    fix = await sandbox.open_pull(REPO, "carol", "Dark mode", f"Fixes #{n}", head="dark")
    await sandbox.merge_pull(REPO, fix["number"], "octocat")
    await settle(sandbox, bot)
    assert (shown(sandbox, n).state, shown(sandbox, n).solver) == ("delivered", "carol")
    assert history.Decisions.from_json(marker_data(status_comments(sandbox, n)[0])["decisions"]).claims == (
        (fix["number"], "carol", shown(sandbox, n).log[-1][1]),)
    await sandbox.edit_issue(REPO, fix["number"], "carol", body="Dark mode")
    await settle(sandbox, bot)
    for c in (await rebuilt(bot, sandbox, n), (await rebuild_repository(bot, sandbox))[n]):
        assert (c.state, c.solver, c.pull) == ("delivered", "carol", fix["number"])


def old_format(comment) -> None:
    """Rewrite fundbot's status comment as a version without rules and claims wrote it."""
    data = marker_data(comment)
    data["decisions"] = {"v": 1, "m": data["decisions"]["m"], "g": [g[:3] for g in data["decisions"]["g"]]}
    data["log"] = [rec[:10] if rec[0] == "c" else rec[:7] if rec[0] == "l" else rec for rec in data["log"]]
    comment["body"] = markdown.marker("campaign", data) + "\n"


async def test_a_record_written_before_rules_and_claims_still_rebuilds(sandbox, repo, bot):
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "maria", "/bounty 100")
    await sandbox.comment(REPO, n, "bob", "/pledge 60")
    labelled = (await sandbox.open_issue(REPO, "alice", "Light mode"))["number"]
    await sandbox.label_issue(REPO, labelled, "octocat", "bounty: M")
    await sandbox.comment(REPO, n, "carol", "/pledge 40")
    await sandbox.close_issue(REPO, n, "octocat")
    pull = await sandbox.open_pull(REPO, "dave", "Dark mode", f"Fixes #{n}", head="dark")
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await settle(sandbox, bot)
    assert (shown(sandbox, n).state, shown(sandbox, n).solver) == ("delivered", "dave")
    for k in (n, labelled):
        [status] = [c for c in sandbox.repo(REPO).comments.values() if c.issue_number == k and "fundbot:campaign" in c.body]
        entry = {"body": status.body}
        old_format(entry)
        status.body = entry["body"]
        assert history.Decisions.from_json(marker_data(entry)["decisions"]).claims is None
    sandbox.set_permission(REPO, "maria", "read")  # her recorded verdict still counts
    forget_permissions(bot)
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": 'bounties:\n  labels: {"bounty: M": 900}\n'})
    await settle(sandbox, bot)
    assert (await rebuilt(bot, sandbox, labelled)).goal == 500
    everything = await rebuild_repository(bot, sandbox)
    for c in (await rebuilt(bot, sandbox, n), everything[n]):
        assert (c.state, c.goal, pledges(c), c.solver) == ("delivered", 100, {"bob": "60.00", "carol": "40.00"}, "dave")
    assert (everything[labelled].goal, shown(sandbox, labelled).goal) == (500, 500)
    # the rebuild wrote the record again, rules and claims included
    record = history.Decisions.from_json(marker_data(status_comments(sandbox, n)[0])["decisions"])
    assert record.claims == ((pull["number"], "dave", shown(sandbox, n).log[-1][1]),) and record.runs


def test_a_decision_record_round_trips_and_a_malformed_one_is_refused():
    rule = ("USD", Decimal("1.00"), Decimal("100000.00"), 30)
    record = history.Decisions({5: ("0" * 12, True)}, ((10.0, "bounty: m", Decimal("500")),), ((5, 9, rule),),
                               {7: ("1" * 12, ("USD", Decimal("50"), Decimal("100000"), 1))},
                               {(10.0, "bounty: m"): rule}, ((3, "dave", 11.0),))
    again = history.Decisions.from_json(json.loads(json.dumps(record.to_json())))
    assert again == record
    assert again.rule(8, "/pledge 5", edited=False) == rule and again.rule(8, "/pledge 5", edited=True) is None
    assert history.Decisions.from_json({"v": 1, "m": [], "g": []}).claims is None  # an older record
    for bad in ({"a": [[5, 9, 3]]}, {"r": [["USD", "x", "1", 30]], "a": [[5, 9, 0]]}, {"p": [["3", "dave", 1.0]]},
                {"a": [[9, 5, 0]], "r": [["USD", "1", "2", 3]]}, {"e": [[7, "short", 0]]}):
        with pytest.raises(ValueError):
            history.Decisions.from_json({"v": 1, **bad})


# ============================================================================ point 4: same second


async def test_a_label_swap_within_one_second_ends_at_the_new_labels_goal(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.label_issue(REPO, n, "octocat", "bounty: M")  # 500
    await sandbox.label_issue(REPO, n, "octocat", "bounty: L")  # 2000 ...
    await sandbox.unlabel_issue(REPO, n, "octocat", "bounty: M")  # ... all in the same second
    await settle(sandbox, bot)
    assert (shown(sandbox, n).state, shown(sandbox, n).goal) == ("open", 2000)
    for c in (await rebuilt(bot, sandbox, n), (await rebuild_repository(bot, sandbox))[n]):
        assert (c.state, c.goal, c.bounty_labels) == ("open", 2000, ("bounty: L",))


async def test_a_bounty_then_a_close_as_not_planned_within_one_second_ends_cancelled(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await sandbox.close_issue(REPO, n, "octocat", state_reason="not_planned")  # the same second
    await settle(sandbox, bot)
    assert (shown(sandbox, n).state, shown(sandbox, n).end_reason) == ("cancelled", "not_planned")
    c = await rebuilt(bot, sandbox, n)
    assert (c.state, c.end_reason) == ("cancelled", "not_planned")


async def test_same_second_comments_keep_their_order_and_a_redelivered_label_counts_once(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.label_issue(REPO, n, "octocat", "bounty: S")  # 100
    await sandbox.comment(REPO, n, "bob", "/pledge 70")
    await sandbox.comment(REPO, n, "bob", "/pledge 20")  # the latest pledge wins, in the same second
    await sandbox.comment(REPO, n, "carol", "/pledge 90")
    await settle(sandbox, bot)
    [delivery] = [d for d in sandbox.deliveries if d["event"] == "issues" and d["payload"]["action"] == "labeled"
                  and d["payload"]["label"]["name"] == "bounty: S"]
    await bot.send("issues", delivery["body"])  # a replay under a new delivery id
    await settle(sandbox, bot)
    live = shown(sandbox, n)
    assert (live.state, pledges(live)) == ("funded", {"bob": "20.00", "carol": "90.00"})
    assert len([r for r in live.log if r[0] == "l"]) == 1
    c = await rebuilt(bot, sandbox, n)
    assert (c.state, pledges(c)) == ("funded", {"bob": "20.00", "carol": "90.00"})


def test_timeline_seqs_order_same_second_items_by_their_ids_within_each_kind():
    # GitHub's order, with two same-second comments listed out of id order
    items = [(10.0, "c", 7), (10.0, "e", 50), (10.0, "c", 5), (11.0, "e", 40), (9.0, "c", 9)]
    seqs = history.timeline_seqs(items)
    assert sorted(seqs, key=seqs.get) == [("c", 9), ("c", 5), ("e", 50), ("c", 7), ("e", 40)]


# ============================================================================ point 5: claims


async def funded_and_closed(sandbox, bot) -> int:
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await sandbox.comment(REPO, n, "bob", "/pledge 100")
    await sandbox.close_issue(REPO, n, "octocat")  # completed, but no merged pull request claims it yet
    await settle(sandbox, bot)
    assert shown(sandbox, n).state == "funded"
    return n


async def test_a_pull_request_merged_in_another_repository_never_claims(sandbox, repo, bot, sandbox_installation_id):
    n = await funded_and_closed(sandbox, bot)
    # a fork (fundbot not installed) and another repository of the same installation
    sandbox.add_repo("dave/widgets", files={"README.md": "# fork\n"})
    sandbox.add_repo("octo-org/gadgets", files={"README.md": "# gadgets\n"}, owner_type="Organization")
    sandbox.add_installation("dave", repos=["dave/widgets"])
    await sandbox.add_repos_to_installation(sandbox_installation_id, ["octo-org/gadgets"])
    for where, body in (("dave/widgets", f"Fixes {REPO}#{n}"), ("octo-org/gadgets", f"Fixes {REPO}#{n}"),
                        ("octo-org/gadgets", f"/claim {REPO}#{n}"), ("dave/widgets", f"Fixes #{n}")):
        pull = await sandbox.open_pull(where, "dave", "Dark mode", body, head=f"dark-{len(body)}")
        await sandbox.merge_pull(where, pull["number"], "dave")
    # in this repository: a pull request that fixes *another* repository's issue with the same number
    pull = await sandbox.open_pull(REPO, "dave", "Elsewhere", f"Fixes other/repo#{n}", head="elsewhere")
    await sandbox.merge_pull(REPO, pull["number"], "dave")
    await settle(sandbox, bot)
    timeline = sandbox.repo(REPO).issues[n].events
    assert [e.source_repo for e in timeline if e.event == "cross-referenced"].count("dave/widgets") == 1  # GitHub's view
    live = shown(sandbox, n)
    assert (live.state, live.solver) == ("funded", None)
    for c in (await rebuilt(bot, sandbox, n), (await rebuild_repository(bot, sandbox))[n]):
        assert (c.state, c.solver, c.pull) == ("funded", None, None)
    # a pull request of this repository still delivers it (from a fork's branch too: it lives here)
    pull = await sandbox.open_pull(REPO, "dave", "Dark mode", f"Fixes #{n}", head="dark-mode")
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await settle(sandbox, bot)
    assert (shown(sandbox, n).state, shown(sandbox, n).solver) == ("delivered", "dave")
    c = await rebuilt(bot, sandbox, n)
    assert (c.state, c.solver, c.pull) == ("delivered", "dave", pull["number"])


# ============================================================================ point 7: status comment


def status_post(method: str, path: str, body) -> bool:
    return (method == "POST" and re.search(r"/issues/\d+/comments$", path) is not None
            and "fundbot:campaign" in str((body or {}).get("body")))


async def test_a_recreated_status_comment_whose_answer_was_lost_is_not_posted_twice(sandbox, repo, bot):
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await settle(sandbox, bot)
    [status] = status_comments(sandbox, n)
    await sandbox.delete_comment(REPO, status["id"], "octocat")  # a human deletes it
    interceptor = Interceptor(sandbox)
    interceptor.add(status_post, lost=True, times=1)  # GitHub creates it again, the answer is lost (502)
    try:
        pledge = await sandbox.comment(REPO, n, "carol", "/pledge 20")
        await settle(sandbox, bot)
    finally:
        interceptor.remove()
    assert interceptor.rules[0]["times"] == 0  # the fault happened
    assert [c for c in sandbox.calls if getattr(c, "lost", False)], "no POST was applied-then-502"
    [again] = status_comments(sandbox, n)
    assert again["id"] != status["id"] and shown(sandbox, n).raised() == 20
    assert reactions(sandbox, pledge["id"]) == ["+1"]
    assert [j for j in await bot.store.list_jobs(["failed"])] == []
