"""Issue 14.4 in the pure ledger and config: what a reward delivers (bounties.rewards[].delivers), who earned
what, the human rewards owed once delivered and ``/bounty reward done @user`` - folded like every other
command, so a refold equals live handling and the snapshot round trips."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

from bot.core import commands
from bot.core.campaign import Campaign, apply, fold
from bot.core.campaign.rewards import listed, owed
from bot.core.config import Config, Reward
from bot.core.config.checker import validate
from tests.core.test_campaign_ledger import C, M, P, S, h

D = Decimal
REWARDS = (
    Reward(D(25), "Your name in the README thank-you section"),  # inferred: readme_name
    Reward(D(50), "Thanks in the release notes", ("release_notes",)),
    Reward(D(100), "Your logo in the README", ("readme_logo",)),
    Reward(D(250), "A live coding session with the maintainer", ("none",)),
)
CONFIG = dataclasses.replace(Config.defaults().bounties, rewards=REWARDS)


def story() -> list:
    return [
        M(1, "/bounty 400"),
        C(2, "alice", "/pledge 25"),
        C(3, "bob", "/pledge 100"),
        C(4, "carol", "/pledge 275"),
        M(5, "/bounty reward done @carol"),  # too early: not delivered
        P(6, 7, "dev"),
        S(7, "closed", "completed"),  # delivered
        M(8, "/bounty reward done @alice"),  # alice earned no human reward: refused
        C(9, "carol", "/bounty reward done @carol"),  # not a maintainer
    ]


def refused(c: Campaign) -> list[str]:
    by_id = {r.comment_id: r.author for r in c.log if r.kind == "c"}
    return [by_id[o.comment_id] for o in c.outcomes if not o.accepted and o.command == "bounty reward done"]


def test_delivers_is_one_word_or_a_list_and_old_configs_stay_valid():
    text = ("bounties:\n  rewards:\n    - {min: 25, reward: Your name in the README thank-you section}\n"
            "    - {min: 50, reward: Sticker}\n    - {min: 60, reward: Both, delivers: [readme_name, release_notes]}\n"
            "    - {min: 70, reward: Call, delivers: none}\n")
    got = validate(text)
    assert got.ok and not got.issues
    assert [r.gives for r in got.config.bounties.rewards] == [("readme_name",), (), ("readme_name", "release_notes"), ()]
    assert not validate("bounties:\n  rewards:\n    - {min: 5, reward: x, delivers: [none, readme_logo]}\n").ok
    assert not validate("bounties:\n  rewards:\n    - {min: 5, reward: x, delivers: logo}\n").ok
    assert [r.gives for r in Config.defaults().bounties.rewards] == [("readme_name",), ("readme_logo",)]
    assert Config.defaults().bounties.list_all_backers is False


def test_the_grammar():
    [cmd] = commands.parse_commands("/bounty reward done @alice, @bob")
    assert cmd.name == "bounty reward done" and cmd.users == ("alice", "bob")
    [bad] = commands.parse_commands("/bounty reward done alice")
    assert bad.suggestion == "/bounty reward done @alice"
    [bad] = commands.parse_commands("/bounty reward")
    assert bad.suggestion == "/bounty reward done @user"


def test_a_human_reward_is_owed_once_delivered_then_done():
    c = fold(story(), config=CONFIG, now=h(10))
    assert c.state == "delivered"
    assert refused(c) == ["maint", "maint", "carol"]
    [(pledge, rewards, done)] = owed(c)
    assert pledge.backer == "carol" and [r.reward for r in rewards] == ["A live coding session with the maintainer"]
    assert done is None
    c = fold([*story(), M(11, "/bounty reward done @carol")], config=CONFIG, now=h(12))
    [(_, _, done)] = owed(c)
    assert done.by == "maint" and done.at == h(11)
    assert owed(fold(story()[:5], config=CONFIG, now=h(6))) == []  # funded: nothing owed yet


def test_channels_follow_the_rewards_unless_every_backer_is_listed():
    c = fold(story(), config=CONFIG, now=h(10))
    assert listed(c, "readme") == {"alice": "name", "bob": "logo", "carol": "logo"}
    assert listed(c, "release_notes") == {"bob": "name", "carol": "name"}
    assert listed(c, "release_notes", all_backers=True) == {"alice": None, "bob": "name", "carol": "name"}
    plain = fold(story(), config=dataclasses.replace(CONFIG, rewards=(Reward(D(10), "Sticker"),)), now=h(10))
    assert listed(plain, "readme") == {"alice": None, "bob": None, "carol": None}  # no reward says: as before


def test_live_equals_refold_and_the_snapshot_round_trips():
    events = [*story(), M(11, "/bounty reward done @carol")]
    live = Campaign()
    for e in events:
        live = apply(live, e, config=CONFIG, now=e.at)
    folded = fold(reversed(events), config=CONFIG, now=h(12))
    assert live == folded and folded.rewards_done
    snap = json.loads(json.dumps(folded.to_snapshot()))
    assert Campaign.from_snapshot(snap) == folded
    assert snap["rewards"][0] == ["25", "Your name in the README thank-you section"]  # inferred: as before
    assert snap["rewards"][1][2] == ["release_notes"] and len(snap["rewards"][3]) == 2  # human: inferred


def test_a_new_campaign_owes_nothing_done():
    events = [*story(), M(11, "/bounty reward done @carol"), S(12, "reopened")]
    c = fold(events, config=CONFIG, now=h(13))
    assert c.state == "funded" and c.rewards_done  # reopened: kept
    c = fold([*events, M(14, "/bounty cancel"), M(15, "/bounty 300")], config=CONFIG, now=h(16))
    assert c.state == "open" and not c.rewards_done
