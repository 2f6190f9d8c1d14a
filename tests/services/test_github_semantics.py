"""GitHub's real event semantics (issue 13, point 3), enforced by the sandbox so the bot cannot get them wrong.

* The close reason is the timeline's: its ``closed`` items carry ``state_reason`` (``state-change-issue-event``
  in GitHub's REST description); ``/issues/{n}/events`` does not document it, so the sandbox leaves it out
  there. An issue closed as not planned is never delivered: live, after a refold, after a rebuild, and when
  a merged pull request claims it afterwards.
* Which pull request fixes an issue: ``closingIssuesReferences`` (GraphQL), as GitHub computes it (keywords in
  the description or in a commit message of a default-branch pull request, Development-sidebar links; never
  the title); ``/claim`` in the description still claims. One GraphQL request per merge.
"""

from __future__ import annotations

import pytest

from bot.core import markdown
from bot.sandbox.openapi import schema_errors
from bot.services import campaigns as shell
from bot.services.repo import Repo
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"  # octocat is an admin

CLOSING = """query($owner: String!, $name: String!, $number: Int!, $only: Boolean) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      closingIssuesReferences(first: 10, userLinkedOnly: $only) {
        totalCount nodes { number stateReason repository { nameWithOwner } }
      }
    }
  }
}"""


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    for login in ("alice", "bob", "dave"):
        sandbox.add_user(login)
    return sandbox_repo


def snapshot(sandbox, number) -> shell.ledger.Campaign:
    [comment] = [c for c in sandbox.comments(REPO, number)
                 if c["user"]["login"] == "fundbot[bot]" and markdown.has_marker(c["body"], "campaign")]
    [(_, _, data)] = [m for m in markdown.find_markers(comment["body"]) if m[0] == "campaign"]
    return shell.ledger.Campaign.from_snapshot(data)


async def funded_issue(sandbox, bot, *, label: bool = False) -> int:
    """A funded campaign: opened by ``/bounty 100``, or by the ``bounty: S`` label (which stays on the issue,
    so a rebuild finds it after the campaign ended)."""
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    if label:
        await sandbox.label_issue(REPO, n, "octocat", "bounty: S")
    else:
        await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await sandbox.comment(REPO, n, "bob", "/pledge 100")
    await settle(sandbox, bot)
    assert snapshot(sandbox, n).state == "funded"
    return n


async def pull_with_commit(sandbox, title: str, body: str, message: str, *, head: str, base: str | None = None):
    """A pull request by dave whose one commit says ``message``."""
    await sandbox.push_files(REPO, "dave", {f"{head}.txt": head}, message=message, branch=head)
    return await sandbox.open_pull(REPO, "dave", title, body, head=head, base=base)


async def closing_refs(gh, number: int, *, only: bool = False) -> list[tuple[int, str | None]]:
    owner, name = REPO.split("/")
    variables = {"owner": owner, "name": name, "number": number, "only": only}
    answer = await gh.post("/graphql", data={"query": CLOSING, "variables": variables})  # graphql() ignores base_url
    nodes = answer["data"]["repository"]["pullRequest"]["closingIssuesReferences"]["nodes"]
    return [(n["number"], n["stateReason"]) for n in nodes]


async def bot_repo(sandbox, bot, installation_id) -> Repo:
    gh = await bot.service.github.installation(installation_id)
    return Repo(gh, bot.service.ctx, {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"})


async def test_the_close_reason_comes_from_the_timeline_and_not_planned_never_delivers(
        sandbox, repo, bot, sandbox_gh, sandbox_installation_id):
    n = await funded_issue(sandbox, bot, label=True)
    await sandbox.close_issue(REPO, n, "octocat", state_reason="not_planned")
    await settle(sandbox, bot)
    assert snapshot(sandbox, n).state == "cancelled"
    events_path = f"/repos/{REPO}/issues/{n}/events"
    assert sandbox.calls_to("GET", events_path) == []  # fundbot reads the reason from the timeline
    # GitHub's shapes: the timeline's closed item says why, /issues/{n}/events does not document it
    [closed] = [e for e in await sandbox_gh.getitem(f"/repos/{REPO}/issues/{n}/timeline") if e["event"] == "closed"]
    assert closed["state_reason"] == "not_planned" and not schema_errors("state-change-issue-event", closed)
    [listed] = [e for e in await sandbox_gh.getitem(events_path) if e["event"] == "closed"]
    assert "state_reason" not in listed

    # the database is lost, then a merged pull request claims it (description keyword and /claim): the
    # campaign is refolded from GitHub, and still not delivered
    r = await bot_repo(sandbox, bot, sandbox_installation_id)
    await shell.forget(r, n)
    pull = await pull_with_commit(sandbox, "Dark mode", f"Fixes #{n}\n/claim #{n}", "Add dark mode", head="dm")
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await settle(sandbox, bot)
    assert snapshot(sandbox, n).state == "cancelled" and sandbox.repo(REPO).issues[n].state_reason == "not_planned"

    # refolded from GitHub (with the decision record and without) and rebuilt: still not delivered
    s = await shell.setup(r)
    for decisions in (None, shell.history.Decisions()):
        events, _ = await shell.events_from_github(r, n, s, decisions=decisions)
        assert [e.reason for e in events if isinstance(e, shell.ledger.StateEvent)] == ["not_planned"]
        assert shell.ledger.fold(events, now=sandbox.clock(), **s.kwargs()).state != "delivered"
    rebuilt = dict(await shell.rebuild_repository(r))
    assert rebuilt[n].state == "cancelled" and snapshot(sandbox, n).state == "cancelled"
    assert "✅ delivered" not in sandbox.labels(REPO, n)
    assert len(sandbox.calls_to("GET", events_path)) == 1  # the test's own read, never fundbot's
    assert sandbox.violations == []


async def test_closing_issues_references_are_computed_as_github_does(sandbox, repo, sandbox_gh):
    n1, n2, n3, n4 = [(await sandbox.open_issue(REPO, "alice", f"Issue {i}"))["number"] for i in range(4)]
    body = await pull_with_commit(sandbox, "Body", f"Fixes #{n1}", "plain", head="body")
    commit = await pull_with_commit(sandbox, "Commit", "no keyword here", f"Tidy\n\nresolves #{n2}", head="commit")
    title = await pull_with_commit(sandbox, f"Fixes #{n3}", "see the title", "plain", head="title")
    other_base = await pull_with_commit(sandbox, "Dev", f"Closes #{n4}", "plain", head="dev-work", base="body")
    await sandbox.actions.link_issue(REPO, title["number"], n4)  # the Development sidebar
    assert await closing_refs(sandbox_gh, body["number"]) == [(n1, None)]
    assert await closing_refs(sandbox_gh, commit["number"]) == [(n2, None)]
    assert await closing_refs(sandbox_gh, title["number"]) == [(n4, None)]  # the title's keyword links nothing
    assert await closing_refs(sandbox_gh, title["number"], only=True) == [(n4, None)]
    assert await closing_refs(sandbox_gh, body["number"], only=True) == []
    assert await closing_refs(sandbox_gh, other_base["number"]) == []  # not the default branch: keywords ignored
    await sandbox.merge_pull(REPO, title["number"], "octocat")
    await sandbox.merge_pull(REPO, commit["number"], "octocat")
    issues = sandbox.repo(REPO).issues
    assert (issues[n2].state, issues[n3].state, issues[n4].state) == ("closed", "open", "closed")
    assert await closing_refs(sandbox_gh, commit["number"]) == [(n2, "COMPLETED")]  # still listed once merged
    assert sandbox.violations == []


@pytest.mark.parametrize("how", ["commit message", "sidebar", "title", "claim"])
async def test_a_merge_delivers_what_github_links_and_never_the_title(sandbox, repo, bot, how):
    n = await funded_issue(sandbox, bot)
    title, body, message = "Dark mode", "Adds dark mode", "Add dark mode"
    if how == "commit message":
        message = f"Add dark mode\n\nFixes #{n}"
    elif how == "title":
        title = f"Fixes #{n}: dark mode"
    elif how == "claim":
        body = f"/claim #{n}"
    pull = await pull_with_commit(sandbox, title, body, message, head="dm")
    if how == "sidebar":
        await sandbox.actions.link_issue(REPO, pull["number"], n)
    before = len(sandbox.calls_to("POST", "/graphql"))
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await settle(sandbox, bot)
    assert len(sandbox.calls_to("POST", "/graphql")) - before == 1  # one closingIssuesReferences per merge
    data = snapshot(sandbox, n)
    if how == "title":
        assert data.state == "funded" and data.solver is None and sandbox.repo(REPO).issues[n].state == "open"
    elif how == "claim":  # claimed, but nothing closed the issue: delivered once a maintainer closes it
        assert data.state == "funded" and sandbox.repo(REPO).issues[n].state == "open"
        await sandbox.close_issue(REPO, n, "octocat")
        await settle(sandbox, bot)
        assert snapshot(sandbox, n).state == "delivered" and snapshot(sandbox, n).solver == "dave"
    else:
        assert data.state == "delivered" and data.solver == "dave"
    assert sandbox.violations == []
