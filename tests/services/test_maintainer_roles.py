"""Who is a maintainer (``bounties.who_can_manage``) when organizations use custom repository roles.

GitHub's permission endpoint answers a custom role's *name* in ``role_name`` and its base level in
``permission`` (and the ``user.permissions`` flags); see ``bot.core.permissions``. The sandbox models custom
roles (``Sandbox.add_custom_role``), so reading ``role_name`` as a level fails here."""

from __future__ import annotations

from bot.testing import fundbot_world


async def open_bounty_as(role: str, base: str):
    async with fundbot_world() as world:
        world.sandbox.add_custom_role("octo-org", role, base)
        mia = world.as_user("mia", permission=role)
        issue = await world.as_user("alice").open_issue("Dark mode")
        await mia.comment(issue, "/bounty 100")
        await world.settle()
        return world.bot_comments(issue, marker="campaign")


async def test_a_custom_role_based_on_maintain_manages_bounties():
    assert len(await open_bounty_as("Bounty manager", "maintain")) == 1


async def test_a_custom_role_based_on_triage_does_not_manage_bounties():
    assert await open_bounty_as("Issue wrangler", "triage") == []
