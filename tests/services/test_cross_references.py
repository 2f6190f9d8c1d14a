"""Cross-references in an issue's timeline (``cross-referenced`` events, ``source.issue.repository``): only a
merged pull request of this repository can claim the issue. The sandbox cross-references mentions from issue
bodies, comments and pull requests of any repository, once per source, as GitHub does; the same number in
two repositories is told apart only by ``repository``. This documents what fundbot does today (the reading is
``bot.services.campaigns.events_from_github``)."""

from __future__ import annotations

from bot.services import campaigns as shell
from bot.services.repo import Repo
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"
OTHER = "octo-org/gadgets"


async def test_only_a_merged_pull_request_of_this_repository_claims_from_the_timeline(
        sandbox, sandbox_repo, sandbox_installation_id, bot):
    sandbox.add_repo(OTHER, files={"README.md": "# gadgets\n"}, owner_type="Organization")
    await sandbox.add_repos_to_installation(sandbox_installation_id, [OTHER])
    await settle(sandbox, bot)  # onboarding opens its pull request there first
    n = (await sandbox.open_issue(REPO, "alice", "Dark mode"))["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await sandbox.comment(REPO, n, "bob", "/pledge 100")
    # an issue here that says "Fixes #n" (issues close nothing), and a merged pull request of another
    # repository with that issue's number, claiming this issue
    here = await sandbox.open_issue(REPO, "dave", "Related", f"Fixes #{n}")
    while sandbox.repo(OTHER).next_number < here["number"]:
        await sandbox.open_issue(OTHER, "dave", "Padding")
    there = await sandbox.open_pull(OTHER, "dave", "Dark mode", f"Fixes {REPO}#{n}\n/claim {REPO}#{n}", head="dm")
    assert there["number"] == here["number"]
    await sandbox.merge_pull(OTHER, there["number"], "octocat")
    await settle(sandbox, bot)
    timeline = sandbox.repo(REPO).issues[n].events
    assert {(e.source_repo, e.source_number) for e in timeline if e.event == "cross-referenced"} == {
        (None, here["number"]), (OTHER, there["number"])}

    gh = await bot.service.github.installation(sandbox_installation_id)
    repository = {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"}
    repo = Repo(gh, bot.service.ctx, repository)
    s = await shell.setup(repo)
    events, _status = await shell.events_from_github(repo, n, s)
    assert [e for e in events if isinstance(e, shell.ledger.ClaimEvent)] == []

    # a merged pull request of this repository does claim, from the timeline alone
    pull = await sandbox.open_pull(REPO, "dave", "Dark mode", f"Fixes #{n}", head="dark-mode")
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await settle(sandbox, bot)
    events, _status = await shell.events_from_github(repo, n, s, decisions=shell.history.Decisions())
    claims = [e for e in events if isinstance(e, shell.ledger.ClaimEvent)]
    assert [(c.pull, c.solver) for c in claims] == [(pull["number"], "dave")]
    assert sandbox.violations == []
