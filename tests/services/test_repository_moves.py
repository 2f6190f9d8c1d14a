"""Issue 13.4: renames and transfers never break scheduled work (bot.services.repositories), through the sandbox,
which moves repositories as GitHub does (301/307 from the old name, ``/repositories/ID``, ``repository``
webhooks)."""

from __future__ import annotations

from bot.core import markdown
from bot.services import campaigns as shell
from bot.testing import fundbot_world

README_SYNC = "readme:\n  update: commit\n  debounce_seconds: 600\n  sponsors:\n    - name: ACME\n"


def campaign_state(world, issue) -> str:
    [status] = world.bot_comments(issue, marker="campaign")
    [(_, _, data)] = [m for m in markdown.find_markers(status["body"]) if m[0] == "campaign"]
    return shell.ledger.Campaign.from_snapshot(data).state


async def pending(world, kind: str) -> list:
    return [j for j in await world.jobs("pending") if j.kind == kind]


async def test_a_deadline_on_a_renamed_repository_ticks_and_edits_its_status_comment():
    async with fundbot_world() as world:
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.comment(issue, "/bounty 100 in 3 days")
        await world.settle()
        assert campaign_state(world, issue) == "open" and await pending(world, "campaign.tick")
        await world.rename("gadgets")
        await world.settle()
        await world.advance(days=4)
        assert world.repo == "octo-org/gadgets" and campaign_state(world, issue) == "expired"
        assert await world.jobs("failed") == [] and await pending(world, "campaign.tick") == []
        # the webhook told where it went: the tick used the new name, not the redirect
        assert not [c for c in world.sandbox.calls if c.status in (301, 307)]


async def test_a_deadline_runs_when_the_rename_webhook_never_came():
    async with fundbot_world() as world:
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.comment(issue, "/bounty 100 in 3 days")
        await world.settle()
        world.sandbox.installation(world.installation_id).events.remove("repository")  # the delivery is missed
        await world.rename("gadgets")
        await world.advance(days=4)
        assert campaign_state(world, issue) == "expired" and await world.jobs("failed") == []
        assert [c for c in world.sandbox.calls if c.status == 301]  # GitHub's redirect, followed


async def test_a_readme_sync_pending_during_a_transfer_runs_on_the_new_installation():
    async with fundbot_world() as world:
        old_installation = world.installation_id
        await world.maintainer.push({".github/fundbot.yml": README_SYNC})
        await world.settle()
        assert await pending(world, "files.sync")  # waiting for its debounce window
        await world.transfer("new-org")
        assert world.repo == "new-org/widgets" and world.installation_id != old_installation
        await world.settle()
        await world.advance(minutes=11)
        assert "ACME" in (world.file("README.md") or "")
        writes = [c for c in world.sandbox.calls
                  if c.method in ("POST", "PUT", "PATCH") and ("/git/" in c.path or "/contents/" in c.path)]
        assert writes and {c.installation_id for c in writes} == {world.installation_id}
        assert await world.jobs("failed") == []


async def test_a_sync_whose_transfer_webhook_never_came_finds_the_new_installation():
    async with fundbot_world() as world:
        await world.maintainer.push({".github/fundbot.yml": README_SYNC})
        await world.settle()
        world.sandbox.add_user("new-org", type="Organization")
        old_installation = world.installation_id
        new_installation = world.sandbox.add_installation("new-org", events=["issues"])["id"]  # no repository events
        await world.transfer("new-org")
        assert world.installation_id == new_installation
        await world.advance(minutes=11)
        assert "ACME" in (world.file("README.md") or "") and await world.jobs("failed") == []
        rid = world.sandbox.repo(world.repo).id
        by_id = [(c.installation_id, c.status) for c in world.sandbox.calls if c.path == f"/repositories/{rid}"]
        assert by_id == [(old_installation, 404), (new_installation, 200)]  # asked by id, then found
        assert [c.status for c in world.sandbox.calls if c.path == "/repos/octo-org/widgets/installation"] == [301]


async def test_a_deleted_repository_drops_its_jobs():
    async with fundbot_world(config=README_SYNC) as world:
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.comment(issue, "/bounty 100 in 3 days")
        await world.maintainer.push({".github/fundbot.yml": README_SYNC + "# changed\n"})
        await world.settle()
        assert await pending(world, "campaign.tick") and await pending(world, "files.sync")
        await world.delete_repository()
        await world.settle()
        assert [j for j in await world.jobs("pending") if j.kind != "webhook"] == []
        await world.advance(days=4)
        assert await world.jobs("failed") == []


async def test_an_archived_repository_parks_nothing():
    async with fundbot_world(config=README_SYNC) as world:
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.comment(issue, "/bounty 100 in 3 days")
        await world.maintainer.push({".github/fundbot.yml": README_SYNC + "# changed\n"})
        await world.settle()
        await world.archive()
        await world.settle()
        assert await pending(world, "files.sync") == []
        await world.advance(days=4)
        assert await world.jobs("failed") == []
        assert campaign_state(world, issue) == "open"  # nothing written to a read-only repository


async def test_a_sync_that_meets_an_archive_it_was_not_told_about_ends_quietly():
    async with fundbot_world(config=README_SYNC) as world:
        await world.maintainer.push({".github/fundbot.yml": README_SYNC + "# changed\n"})
        await world.settle()
        world.sandbox.installation(world.installation_id).events.remove("repository")
        await world.archive()
        await world.advance(minutes=11)
        assert await world.jobs("failed") == [] and "ACME" not in (world.file("README.md") or "")
        assert [c for c in world.sandbox.calls if c.status == 403]  # GitHub's "archived so is read-only"
