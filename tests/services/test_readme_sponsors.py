"""Issue 6: the README sponsor section, written by the coalesced sync, through the sandbox."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.core import readme
from tests.fixtures import cli
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"
COMMIT_README = "readme:\n  update: commit\n  debounce_seconds: 0\n"



def section(sandbox) -> str:
    return readme.extract(sandbox.file(REPO, "README.md")) or ""


async def test_graphql_pagination_over_250_sponsors(sandbox, sandbox_repo, sandbox_installation_id, bot):
    for i in range(250):
        sandbox.add_sponsorship("octo-org", f"sponsor-{i:03d}", monthly_usd=[5, 150, 600][i % 3], sponsor_type="User")
    sandbox.add_sponsorship("octo-org", "secret-sponsor", monthly_usd=1000, privacy="PRIVATE")
    await bot.connect_sponsors("octo-org", owner="octocat")
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": COMMIT_README})
    await settle(sandbox, bot)
    text = section(sandbox)
    assert all(f"sponsor-{i:03d}" in text for i in range(250))
    assert "secret-sponsor" not in text  # private sponsorships are never shown
    graphql = [c for c in sandbox.calls if c.path == "/graphql"]
    assert len(graphql) == 3  # 100 + 100 + 50
    original = b"# widgets\n\nWidgets for everyone.\n"
    assert sandbox.file(REPO, "README.md").startswith(original)  # the maintainer's text is kept


async def test_a_forbidden_source_is_skipped_and_the_rest_renders(sandbox, sandbox_repo, sandbox_installation_id, bot):
    sandbox.add_sponsorship("octo-org", "visible-sponsor", monthly_usd=100)
    await bot.connect_sponsors("octo-org", owner="octocat")
    sandbox.forbid_graphql("*")
    config = COMMIT_README + "  sponsors:\n    - {name: Static Sponsor, url: \"https://static.example\", tier: Gold}\n"
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": config})
    await settle(sandbox, bot)
    text = section(sandbox)
    assert "Static Sponsor" in text and "visible-sponsor" not in text
    [run] = [r for r in sandbox.repo(REPO).check_runs.values() if r.name == "fundbot/sync"]
    assert "Skipped sources" in run.output["summary"] and "connected token was refused" in run.output["summary"]
    counts = await bot.store.counts()
    assert counts["failed"] == 0


async def test_unchanged_data_writes_nothing(sandbox, sandbox_repo, sandbox_installation_id, bot):
    sandbox.add_sponsorship("octo-org", "steady", monthly_usd=50)
    await bot.connect_sponsors("octo-org", owner="octocat")
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": COMMIT_README})
    await settle(sandbox, bot)
    commits = len(sandbox.calls_to("POST", f"/repos/{REPO}/git/commits"))
    assert commits == 1
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": COMMIT_README + "# same data\n"})
    await settle(sandbox, bot)
    assert len(sandbox.calls_to("POST", f"/repos/{REPO}/git/commits")) == commits


async def test_fifty_pledges_on_ten_issues_within_the_window_make_one_commit(sandbox, sandbox_repo, sandbox_installation_id, tmp_path):
    """Fake clock: the debounce window only ends when the test says so."""
    from bot.github import RetryPolicy
    from tests.fixtures.bot_fixtures import running_bot
    from tests.github.test_github_client import FakeClock

    clock = FakeClock()  # no worker tasks: settle() runs the due jobs at the fake clock's time
    sandbox.http.limits.enabled = False  # the bot's clock is fake, the sandbox's real: pacing cannot apply
    async with running_bot(sandbox, tmp_path, workers=False, clock=clock, policy=RetryPolicy(request_timeout=5.0),
                           backoff=None) as bot:
        await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "readme:\n  update: commit\n  debounce_seconds: 60\n"})
        for login in ("alice", "bob", "carol", "dave", "erin"):
            sandbox.add_user(login)
        for i in range(10):
            issue = await sandbox.open_issue(REPO, "octocat", f"feature {i}")
            await sandbox.comment(REPO, issue["number"], "octocat", "/bounty 1000")
            for j, who in enumerate(("alice", "bob", "carol", "dave", "erin")):
                await sandbox.comment(REPO, issue["number"], who, f"/pledge {10 + i + j}")
        await settle(sandbox, bot)
        assert len(sandbox.calls_to("POST", f"/repos/{REPO}/git/commits")) == 0  # the window is still open
        clock.now += 61
        await settle(sandbox, bot)
        assert len(sandbox.calls_to("POST", f"/repos/{REPO}/git/commits")) == 1
        text = section(sandbox)
        assert text.count("feature ") == 10  # the open-campaigns table lists the 10 campaigns


async def test_a_human_commit_during_the_write_is_kept(sandbox, sandbox_repo, sandbox_installation_id, bot, monkeypatch):
    sandbox.add_sponsorship("octo-org", "late-sponsor", monthly_usd=50)
    await bot.connect_sponsors("octo-org", owner="octocat")
    real_splice, pushes = readme.splice, []

    def splice_then_a_human_commits(current, inner, **kwargs):
        # the first time fundbot renders, a maintainer pushes a README edit while fundbot's write is in flight
        if not pushes:
            pushes.append(asyncio.get_running_loop().create_task(sandbox.push_files(
                REPO, "octocat", {"README.md": "# widgets\n\nEdited by a human while fundbot wrote.\n"}, message="human edit")))
        return real_splice(current, inner, **kwargs)

    monkeypatch.setattr(readme, "splice", splice_then_a_human_commits)
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": COMMIT_README})
    await settle(sandbox, bot)
    await asyncio.gather(*pushes)
    await settle(sandbox, bot)
    content = sandbox.file(REPO, "README.md")
    assert content.startswith(b"# widgets\n\nEdited by a human while fundbot wrote.\n")
    assert b"late-sponsor" in content
    # the first ref update was refused as not a fast forward: fundbot re-read, re-spliced and wrote again
    statuses = [c.status for c in sandbox.calls_to("PATCH", f"/repos/{REPO}/git/refs/heads/main")]
    assert statuses[0] == 422 and statuses[-1] == 200, statuses


def test_preview_prints_and_writes_offline(tmp_path):
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "fundbot.yml").write_text(
        "funding:\n  github: [lena-dev]\nreadme:\n  sponsors:\n    - {name: \"ACME <Corp>\", url: \"https://acme.example\", tier: Gold}\n")
    original = b"\xef\xbb\xbf# Project\r\n\r\nHello\r\n"
    (tmp_path / "README.md").write_bytes(original)
    root = Path(__file__).resolve().parents[2]
    shown = cli.run(["preview", "--repo-dir", str(tmp_path)], env=dict(os.environ), cwd=root)
    assert shown.returncode == 0 and "ACME &lt;Corp&gt;" in shown.stdout and "github: [lena-dev]" in shown.stdout
    assert (tmp_path / "README.md").read_bytes() == original  # printing writes nothing
    written = cli.run(["preview", "--repo-dir", str(tmp_path), "--write"], env=dict(os.environ), cwd=root)
    assert written.returncode == 0
    result = (tmp_path / "README.md").read_bytes()
    assert result.startswith(original) and b"\r\n## Sponsors\r\n" in result  # BOM and CRLF kept
    again = cli.run(["preview", "--repo-dir", str(tmp_path), "--write"], env=dict(os.environ), cwd=root)
    assert "unchanged" in again.stdout and (tmp_path / "README.md").read_bytes() == result


async def test_sponsors_refresh_for_maintainers_and_broken_markers_reported(sandbox, sandbox_repo, sandbox_installation_id, bot):
    sandbox.add_user("hubot")
    broken = b"# widgets\n\n<!-- fundbot:sponsors:start -->\nold\n<!-- fundbot:sponsors:start -->\n"
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "readme:\n  update: commit\n  debounce_seconds: 3600\n",
                                               "README.md": broken})
    await settle(sandbox, bot)
    issue = await sandbox.open_issue(REPO, "octocat", "sponsors")
    refused = await sandbox.comment(REPO, issue["number"], "hubot", "/sponsors refresh")
    await settle(sandbox, bot)
    assert [r.content for r in sandbox.repo(REPO).comments[refused["id"]].reactions] == ["confused"]
    assert [r for r in sandbox.repo(REPO).check_runs.values() if r.name == "fundbot/sync"] == []  # nothing ran
    accepted = await sandbox.comment(REPO, issue["number"], "octocat", "/sponsors refresh")
    await settle(sandbox, bot)
    assert [r.content for r in sandbox.repo(REPO).comments[accepted["id"]].reactions] == ["+1"]
    # the README has unbalanced markers: nothing is written, and a check run says why
    assert sandbox.file(REPO, "README.md") == broken
    [run] = [r for r in sandbox.repo(REPO).check_runs.values() if r.name == "fundbot/sync"]
    assert run.conclusion == "failure" and "markers" in run.output["summary"]
    assert run.head_sha == sandbox.repo(REPO).head
    # a daily refresh is scheduled, durable in the store
    assert [j.kind for j in await bot.store.list_jobs(["pending"]) if j.kind == "sponsors.daily"] == ["sponsors.daily"]


async def test_config_sponsors_keep_their_config_order_after_the_paying_sponsors_of_their_tier(
        sandbox, sandbox_repo, sandbox_installation_id, bot):
    """Issue 11.3: the README is built by bot.core.sponsors; ``readme.sponsors`` keep their config order (not
    sorted by name) and come after the paying sponsors of their tier; backers of a funded campaign are listed."""
    sandbox.add_sponsorship("octo-org", "big-sponsor", monthly_usd=600)
    sandbox.add_sponsorship("octo-org", "small-sponsor", monthly_usd=5)
    await bot.connect_sponsors("octo-org", owner="octocat")
    sandbox.add_user("alice")
    config = COMMIT_README + (
        "  sponsors:\n"
        "    - {name: Zeta Corp, url: \"https://zeta.example\", tier: Gold}\n"
        "    - {name: Acme, url: \"https://acme.example\", tier: gold}\n"
        "    - {name: Mid Inc, tier: Gold}\n"
        "    - {name: Yak Shavers, url: \"https://yak.example\", tier: Backers}\n"
        "    - {name: Bee Keepers, tier: Backers}\n")
    # The config first: a campaign handled before the push would ask for a README sync under the defaults
    # (a pull request, 60 s debounce), which settle does not wait for (a race between the two lanes).
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": config})
    await settle(sandbox, bot)
    issue = await sandbox.open_issue(REPO, "octocat", "feature")
    await sandbox.comment(REPO, issue["number"], "octocat", "/bounty 100")
    await sandbox.comment(REPO, issue["number"], "alice", "/pledge 150")
    await settle(sandbox, bot)
    text = section(sandbox)

    def order(tier: str, names: list[str]) -> list[str]:
        block = text.split(f"### {tier}\n", 1)[1].split("###", 1)[0]
        assert all(n in block for n in names), (tier, block)
        return sorted(names, key=block.index)

    assert order("Gold", ["big-sponsor", "Acme", "Mid Inc", "Zeta Corp"]) == ["big-sponsor", "Zeta Corp", "Acme", "Mid Inc"]
    assert order("Backers", ["small-sponsor", "Bee Keepers", "Yak Shavers"]) == ["small-sponsor", "Yak Shavers", "Bee Keepers"]
    assert order("Silver", ["alice"]) == ["alice"]  # the funded campaign's backer, by pledge total


async def test_without_a_connected_token_sponsors_are_counted_not_named(sandbox, sandbox_repo, sandbox_installation_id,
                                                                        bot):
    """Issue 13.2: an installation token may not see who sponsors an account (GitHub answers INSUFFICIENT_SCOPES
    for the identities); fundbot thanks the counted sponsors, names none, and says in the check run how to
    connect a token."""
    sandbox.add_sponsorship("octo-org", "hidden-name", monthly_usd=50)
    sandbox.add_sponsorship("octo-org", "other-name", monthly_usd=5)
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": COMMIT_README})
    await settle(sandbox, bot)
    text = section(sandbox)
    assert "hidden-name" not in text and "2 sponsors of [@octo-org on GitHub Sponsors]" in text
    [run] = [r for r in sandbox.repo(REPO).check_runs.values() if r.name == "fundbot/sync"]
    assert "python -m bot sponsors connect octo-org" in run.output["summary"]
    assert await bot.store.counts() and (await bot.store.counts())["failed"] == 0


async def test_the_sandbox_refuses_what_an_installation_token_may_not_read(sandbox, sandbox_repo,
                                                                          sandbox_installation_id, bot):
    """The sandbox answers as GitHub does: an installation token gets INSUFFICIENT_SCOPES for sponsorship
    identities (and the count), a person's token without the scope too, and one of someone else FORBIDDEN."""
    sandbox.add_sponsorship("octocat", "a-sponsor", monthly_usd=5)
    gh = await bot.service.github.installation(sandbox_installation_id)
    query = "query { user(login: \"octocat\") { sponsorshipsAsMaintainer(first: 5) { totalCount nodes { createdAt } } } }"
    import gidgethub
    try:
        await gh.graphql(query)
        raise AssertionError("an installation token read sponsorships")
    except gidgethub.GraphQLException as exc:
        assert "INSUFFICIENT_SCOPES" in repr(exc.response) or "required scopes" in str(exc)
    count = await gh.graphql("query { user(login: \"octocat\") { sponsors { totalCount } } }")
    assert count["user"]["sponsors"]["totalCount"] == 1
    mine = bot.service.github.user_client(sandbox.add_user_token("octocat", ("read:user",)))
    assert (await mine.graphql(query))["user"]["sponsorshipsAsMaintainer"]["nodes"][0]["createdAt"]
    theirs = bot.service.github.user_client(sandbox.add_user_token("mallory", ("read:user",)))
    try:
        await theirs.graphql(query)
        raise AssertionError("another account's token read octocat's sponsorships")
    except gidgethub.GraphQLException as exc:
        assert "FORBIDDEN" in repr(exc.response)
