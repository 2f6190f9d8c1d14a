"""Issue 14.6: living beside other bounty bots (Algora, Opire). Every command also works addressed to fundbot
(``/fundbot pledge 50``, ``@fundbot pledge 50``); ``commands.bare: false`` turns the bare forms off; a refold
from GitHub parses each comment as the live fold did, also after the setting changed; onboarding notices
another bounty bot and proposes ``bare: false``. Through the real endpoint, inbox, workers and the sandbox."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest

from bot.core import campaign as ledger
from bot.core import comments as texts
from bot.core import config as core_config
from bot.core import history, markdown
from bot.core import onboarding as onboarding_rules
from bot.services import campaigns as shell
from bot.services.repo import Repo
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"  # octocat is an admin
BARE_OFF = {".github/fundbot.yml": "commands:\n  bare: false\n"}
T = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC).timestamp()


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    for login in ("alice", "bob", "carol", "dave"):
        sandbox.add_user(login)
    return sandbox_repo


def snapshot(sandbox, number) -> ledger.Campaign | None:
    found = [c for c in sandbox.comments(REPO, number)
             if c["user"]["login"] == "fundbot[bot]" and markdown.has_marker(c["body"], "campaign")]
    if not found:
        return None
    [(_, _, data)] = [m for m in markdown.find_markers(found[0]["body"]) if m[0] == "campaign"]
    return ledger.Campaign.from_snapshot(data)


def reactions(sandbox, comment_id):
    return [r.content for r in sandbox.repo(REPO).comments[comment_id].reactions]


def bot_replies(sandbox, number):
    return [c for c in sandbox.comments(REPO, number)
            if c["user"]["login"] == "fundbot[bot]" and markdown.has_marker(c["body"], "reply")]


async def refold(sandbox, bot, number) -> ledger.Campaign:
    """The campaign folded from GitHub alone (the timeline and the status comment's decision record)."""
    ctx = bot.service.ctx
    gh = await bot.service.github.installation(next(iter(sandbox._installations)))
    handle = Repo(gh, ctx, {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"})
    handle.forget_config()
    s = await shell.setup(handle)
    events, _status = await shell.events_from_github(handle, number, s)
    return ledger.fold(events, now=ctx.clock.time(), **s.kwargs())


async def cached(sandbox, bot, number) -> ledger.Campaign:
    """The campaign the store holds."""
    gh = await bot.service.github.installation(next(iter(sandbox._installations)))
    handle = Repo(gh, bot.service.ctx, {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"})
    record = await shell.load(handle, number, await shell.setup(handle))
    assert record is not None
    return record.campaign


def pledges(c: ledger.Campaign) -> dict[str, Decimal]:
    return {p.backer: p.amount for p in c.pledges}


async def test_addressed_forms_pledge_beside_the_bare_ones(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/fundbot bounty 100 in 10 days")
    addressed = [await sandbox.comment(REPO, n, "bob", "/fundbot pledge 50"),
                 await sandbox.comment(REPO, n, "carol", "@fundbot pledge 30"),
                 await sandbox.comment(REPO, n, "dave", "/pledge 10")]
    await sandbox.comment(REPO, n, "alice", "@fundbot thanks!\n@someone pledge 99")  # nothing for fundbot
    await settle(sandbox, bot)
    campaign = snapshot(sandbox, n)
    assert campaign.goal == 100 and pledges(campaign) == {"bob": 50, "carol": 30, "dave": 10}
    assert all(reactions(sandbox, c["id"]) == ["+1"] for c in addressed)
    assert pledges(await refold(sandbox, bot, n)) == pledges(campaign)


async def test_bare_false_ignores_bare_forms_and_a_refold_keeps_that_after_the_setting_changes(sandbox, repo, bot):
    await sandbox.push_files(REPO, "octocat", BARE_OFF)
    await settle(sandbox, bot)
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    algora = await sandbox.comment(REPO, n, "octocat", "/bounty 300")  # meant for Algora
    await settle(sandbox, bot)
    assert snapshot(sandbox, n) is None and reactions(sandbox, algora["id"]) == [] and bot_replies(sandbox, n) == []
    await sandbox.comment(REPO, n, "octocat", "@fundbot bounty 100")
    bare = await sandbox.comment(REPO, n, "bob", "/pledge 50\n/claim")  # Algora's words: left alone
    ok = await sandbox.comment(REPO, n, "carol", "/fundbot pledge 40")
    await settle(sandbox, bot)
    live = snapshot(sandbox, n)
    assert (live.goal, pledges(live)) == (100, {"carol": 40})
    assert reactions(sandbox, bare["id"]) == [] and reactions(sandbox, ok["id"]) == ["+1"]
    assert bot_replies(sandbox, n) == []
    assert (await refold(sandbox, bot, n)).pledges == live.pledges
    late = await sandbox.comment(REPO, n, "alice", "/pledge 70")  # the newest comment: no later run covers it
    await settle(sandbox, bot)
    # the store logs it; the status comment shows nothing new, so it is not edited (issue 14.7)
    [record] = [rec for rec in (await cached(sandbox, bot, n)).log if rec.kind == "c" and rec.comment_id == late["id"]]
    assert record.commands == () and record.rule.bare is False  # logged with the rule that ignored it
    assert reactions(sandbox, late["id"]) == [] and bot_replies(sandbox, n) == []
    # bare forms on again: the comments judged with them off stay ignored, a new bare pledge counts
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "commands:\n  bare: true\n"})
    await settle(sandbox, bot)
    await sandbox.comment(REPO, n, "dave", "/pledge 20")
    await settle(sandbox, bot)
    after = snapshot(sandbox, n)
    assert (after.goal, pledges(after)) == (100, {"carol": 40, "dave": 20})
    again = await refold(sandbox, bot, n)
    assert (again.goal, again.pledges, again.state) == (after.goal, after.pledges, after.state)


async def test_help_names_the_addressed_forms(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "How do I pledge?")
    asked = await sandbox.comment(REPO, issue["number"], "bob", "@fundbot help")
    await settle(sandbox, bot)
    [reply] = bot_replies(sandbox, issue["number"])
    assert f'"to":{asked["id"]}' in reply["body"].replace(" ", "")
    assert "`/fundbot pledge 50`" in reply["body"] and "`@fundbot pledge 50`" in reply["body"]
    assert "Here only these forms count" not in reply["body"]
    off = texts.addressed_forms(handle="fundbot-dev", bare=False)
    assert "`@fundbot-dev pledge 50`" in off and "commands.bare: false" in off


async def test_a_pull_request_claims_with_the_addressed_form_only_when_bare_is_off(sandbox, repo, bot):
    assert shell.referenced_issues("/claim #3\n/fundbot claim #4\n@fundbot claim #5", REPO, bare=False) == {4, 5}
    assert shell.referenced_issues("/claim #3", REPO) == {3}
    assert shell.referenced_issues("/claim #3\n@fundbot-dev claim #6", REPO, bare=False, handle="fundbot-dev") == {6}


# --- the ledger: the rule carries the bare choice ------------------------------------------------------------
def test_the_rule_records_bare_and_survives_json():
    config = core_config.Config.defaults().bounties
    off = history.rule_of(config, bare=False)

    def said(seq, who, body):
        return ledger.CommentEvent(T + seq, seq, 100 + seq, who, body, who == "maint", rule=off, handle="fundbot-dev")

    events = [said(1, "maint", "@fundbot-dev bounty 100"), said(2, "bob", "/pledge 50"),
              said(3, "carol", "@fundbot-dev pledge 30"), said(4, "dave", "@fundbot pledge 5"), said(5, "erin", "hi")]
    c = ledger.fold(events, config=config, now=T + 10)
    assert (c.goal, pledges(c)) == (100, {"carol": 30})
    rules = {rec.comment_id: rec.rule for rec in c.log}
    assert rules[102] == off and rules[102].bare is False  # ignored bare forms keep the rule that ignored them
    assert rules[104] is None and rules[105] is None  # someone else's handle, no command: nothing judged
    assert ledger.Campaign.from_snapshot(c.to_snapshot()).log == c.log
    again = history.Decisions.from_json(history.decisions_of(c).to_json())
    assert history.bare_of(again.rule(102, "/pledge 50", edited=False)) is False
    assert history.bare_of(("USD", Decimal(1), Decimal(2), 30)) is True  # an older rule: bare forms counted
    # the same comments judged with bare forms on
    on = [dataclasses.replace(e, rule=history.rule_of(config)) for e in events]
    assert pledges(ledger.fold(on, config=config, now=T + 10)) == {"bob": 50, "carol": 30}


# --- onboarding ------------------------------------------------------------------------------------------
ORG, APP = "octo-org", "octo-org/app"


async def onboard(sandbox, bot, *, labels=(), comments=()):
    sandbox.add_user(ORG, type="Organization")
    sandbox.add_user("octocat")
    sandbox.add_repo(APP, files={"README.md": "# app\n"}, owner_type="Organization")
    sandbox.set_permission(APP, "octocat", "admin")
    for name in labels:
        sandbox.add_label(APP, name)
    if comments:
        issue = await sandbox.open_issue(APP, "octocat", "Old feature request")
        for login, body in comments:
            sandbox.add_user(login, type="Bot" if login.endswith("[bot]") else "User")
            await sandbox.comment(APP, issue["number"], login, body)
    await sandbox.install(ORG, [APP])
    await settle(sandbox, bot, within=30)
    [pull] = [p for p in sandbox.repo(APP).pulls if p.pull.head_ref == onboarding_rules.BRANCH]
    text = sandbox.file(APP, core_config.CONFIG_PATH, ref=onboarding_rules.BRANCH)
    return pull, core_config.validate(text)


async def test_onboarding_with_an_algora_label_proposes_bare_false(sandbox, bot):
    pull, proposed = await onboard(sandbox, bot, labels=["💎 Bounty", "💰 Rewarded"])
    assert proposed.errors == [] and proposed.config.commands.bare is False
    assert "Another bounty bot is here" in pull.body and "Algora" in pull.body
    assert "`commands.bare: false`" in pull.body and "`@fundbot pledge 50`" in pull.body
    assert sandbox.calls_to("GET", f"/repos/{APP}/issues/comments") == []  # the labels said it: no extra listing


async def test_onboarding_notices_opire_by_its_comments(sandbox, bot):
    pull, proposed = await onboard(sandbox, bot, comments=[("opire-bot", "💵 A reward of $50 has been created")])
    assert proposed.config.commands.bare is False and "Opire" in pull.body
    assert len(sandbox.calls_to("GET", f"/repos/{APP}/issues/comments")) == 1


async def test_onboarding_without_another_bot_keeps_the_defaults(sandbox, bot):
    pull, proposed = await onboard(sandbox, bot, labels=["bug"], comments=[("alice", "/bounty would be nice")])
    assert proposed.config == core_config.Config.defaults()
    assert "Another bounty bot" not in pull.body and "Nothing in how fundbot behaves today" in pull.body
    assert len(sandbox.calls_to("GET", f"/repos/{APP}/issues/comments")) == 1


def test_other_bounty_bots_by_exact_names_never_fundbots_own():
    assert onboarding_rules.other_bounty_bots(labels=[{"name": "💎 bounty"}]) == ["Algora"]
    assert onboarding_rules.other_bounty_bots(labels=["💰 Reward"], own_labels=["💰 reward"]) == []
    assert onboarding_rules.other_bounty_bots(labels=["💰 bounty", "bounty", "$50"]) == []
    assert onboarding_rules.other_bounty_bots(commenters=["algora-pbc[bot]", "opire-bot"]) == ["Algora", "Opire"]
    assert onboarding_rules.other_bounty_bots(commenters=["algora-fan"]) == []
