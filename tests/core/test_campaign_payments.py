"""Issue 14.2/14.3 in the pure ledger: whom backers pay (/offer AMOUNT LINK, bounties.pay_to) and what was said
about payments (/paid, /bounty received) - folded like every other command, so a refold equals live handling."""

from __future__ import annotations

import dataclasses
import json

from bot.core.campaign import Campaign, apply, fold
from bot.core.config import Config
from tests.core.test_campaign_ledger import C, M, h

CONFIG = Config.defaults().bounties
MAINTAINER = dataclasses.replace(CONFIG, pay_to="maintainer")


def story() -> list:
    return [
        C(1, "dev", "/offer 100 https://ko-fi.com/dev."),
        M(2, "/bounty accept @dev"),
        C(3, "alice", "/pledge 60"),
        C(4, "alice", "/paid"),  # too early: open
        C(5, "bob", "/pledge 40"),  # funded
        C(6, "alice", "/paid via Ko-fi"),
        C(7, "carol", "/paid"),  # no pledge
        C(8, "mallory", "/bounty received @alice"),  # neither maintainer nor payee
        C(9, "dev", "/bounty received @alice, @bob"),
    ]


def refused(c: Campaign) -> list[tuple[str, str]]:
    by_id = {r.comment_id: r.author for r in c.log if r.kind == "c"}
    return [(by_id[o.comment_id], o.command) for o in c.outcomes if not o.accepted]


def test_the_accepted_implementer_is_paid_through_the_link_they_gave():
    c = fold(story(), config=CONFIG, now=h(10))
    assert c.state == "funded" and c.payee == "dev"
    assert c.payee_offer().link == "https://ko-fi.com/dev"
    assert refused(c) == [("alice", "paid"), ("carol", "paid"), ("mallory", "bounty received")]
    assert c.payment("alice").state == "confirmed" and c.payment("alice").said_at == h(6)
    assert c.payment("bob").state == "confirmed" and c.payment("bob").confirmed_by == "dev"


def test_pay_to_maintainer_pays_the_project_and_only_maintainers_confirm():
    c = fold(story(), config=MAINTAINER, now=h(10))
    assert c.payee is None
    assert ("dev", "bounty received") in refused(c)
    assert c.payment("alice").state == "says paid" and c.payment("bob").state == "pledged"
    c2 = fold([*story(), M(11, "/bounty received @bob")], config=MAINTAINER, now=h(12))
    assert c2.payment("bob").state == "confirmed"


def test_a_received_naming_someone_without_a_pledge_records_nothing():
    c = fold([*story()[:5], M(6, "/bounty received @alice @zed")], config=CONFIG, now=h(7))
    assert c.payment("alice").state == "pledged"
    assert refused(c)[-1] == ("maint", "bounty received")


def test_a_changed_pledge_starts_again_and_the_same_amount_keeps_its_state():
    base = story()
    c = fold([*base, C(10, "alice", "/pledge 60"), C(11, "bob", "/pledge 45")], config=CONFIG, now=h(12))
    assert c.payment("alice").state == "confirmed"
    assert c.payment("bob").state == "pledged"


def test_live_equals_refold_and_the_snapshot_round_trips():
    events = [*story(), C(10, "bob", "/unpledge"), C(11, "bob", "/pledge 40")]
    live = Campaign()
    for e in events:
        live = apply(live, e, config=CONFIG, now=e.at)
    folded = fold(reversed(events), config=CONFIG, now=h(11))
    assert live == folded
    snap = json.loads(json.dumps(folded.to_snapshot()))
    assert Campaign.from_snapshot(snap) == folded
    assert snap["offers"][0][4] == "https://ko-fi.com/dev" and snap["payments"]
    maint = fold(events, config=MAINTAINER, now=h(11))
    assert Campaign.from_snapshot(json.loads(json.dumps(maint.to_snapshot()))) == maint


def test_nothing_to_pay_after_a_lapse_and_a_new_campaign_forgets_payments():
    events = [M(1, "/bounty 50 in 1 days"), C(2, "alice", "/pledge 50"), C(3, "alice", "/paid"),
              M(4, "/bounty cancel"), C(5, "alice", "/paid"), M(6, "/bounty 50"), C(7, "alice", "/pledge 50")]
    c = fold(events, config=CONFIG, now=h(8))
    assert refused(c) == [("alice", "paid")]
    assert c.state == "funded" and c.payment("alice").state == "pledged"
