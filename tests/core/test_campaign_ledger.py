"""The campaign ledger: a pure fold over an issue's events (bot.core.campaign)."""

from __future__ import annotations

import dataclasses
import datetime
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import campaign as cm
from bot.core.campaign import (
    DAY,
    Campaign,
    ClaimEvent,
    CommentEvent,
    LabelEvent,
    StateEvent,
    apply,
    day_end,
    fold,
    next_deadline,
    tick,
)
from bot.core.config import Config
from tests.fixtures.depth import examples

CONFIG = Config.defaults().bounties
GENERIC, FUNDED, DELIVERED = CONFIG.label, CONFIG.funded_label, CONFIG.delivered_label
T0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC).timestamp()


def h(hours: float) -> float:
    return T0 + hours * 3600


def end_of(y: int, m: int, d: int) -> float:
    return day_end(datetime.date(y, m, d))


_ids = iter(range(1000, 10**9))


def C(hours, author, body, *, m=False, cid=None, deleted=False, edited=None) -> CommentEvent:
    cid = next(_ids) if cid is None else cid
    return CommentEvent(h(hours), cid, cid, author, body, m, deleted, None if edited is None else h(edited))


def M(hours, body, **kw) -> CommentEvent:
    return C(hours, "maint", body, m=True, **kw)


def L(hours, label, added=True, actor="maint") -> LabelEvent:
    return LabelEvent(h(hours), next(_ids), label, added, actor)


def S(hours, kind, reason=None) -> StateEvent:
    return StateEvent(h(hours), next(_ids), kind, reason)


def P(hours, pull, solver) -> ClaimEvent:
    return ClaimEvent(h(hours), next(_ids), pull, solver)


def run(events, now_hours=1000, config=CONFIG, **kw) -> Campaign:
    return fold(events, config=config, now=h(now_hours), **kw)


def refused(c: Campaign) -> list[tuple[str, str]]:
    return [(o.command, o.reason or "") for o in c.outcomes if not o.accepted]


def amounts(c: Campaign) -> dict[str, Decimal]:
    return {p.backer: p.amount for p in c.pledges}


D = Decimal

# ------------------------------------------------------------------------------------- scenarios
#
# (id, events, now in hours, expected attributes, expected refusals as (command, reason substring))

SCENARIOS = [
    ("maintainer opens", [M(0, "/bounty 500")], 1,
     dict(state="open", goal=D(500), deadline=end_of(2025, 1, 31), opened_by="maint", labels_wanted={GENERIC}), []),
    ("open with a deadline in N days", [M(0, "/bounty 500 in 10 days")], 1,
     dict(state="open", deadline=end_of(2025, 1, 11)), []),
    ("open with a deadline date", [M(0, "/bounty 500 by 2025-02-15")], 1,
     dict(state="open", deadline=end_of(2025, 2, 15)), []),
    ("non-maintainer /bounty", [C(0, "eve", "/bounty 500")], 1,
     dict(state="none", goal=None, labels_wanted=set()), [("bounty", "only maintainers")]),
    ("non-maintainer cancel", [M(0, "/bounty 500"), C(1, "eve", "/bounty cancel")], 2,
     dict(state="open"), [("bounty cancel", "only maintainers")]),
    ("non-maintainer extend", [M(0, "/bounty 500"), C(1, "eve", "/bounty extend 3 days")], 2,
     dict(state="open", deadline=end_of(2025, 1, 31)), [("bounty extend", "only maintainers")]),
    ("non-maintainer accept", [C(0, "bob", "/offer 300"), C(1, "eve", "/bounty accept @bob")], 2,
     dict(state="none"), [("bounty accept", "only maintainers")]),
    ("pledge on no campaign", [C(0, "alice", "/pledge 50")], 1,
     dict(state="none", pledges=()), [("pledge", "no campaign")]),
    ("pledge below the minimum", [M(0, "/bounty 500"), C(1, "alice", "/pledge 0.50")], 2,
     dict(pledges=()), [("pledge", "below the minimum")]),
    ("pledge above the maximum", [M(0, "/bounty 500"), C(1, "alice", "/pledge 200k")], 2,
     dict(pledges=()), [("pledge", "above the maximum")]),
    ("pledge in another currency", [M(0, "/bounty 500"), C(1, "alice", "/pledge 50 EUR")], 2,
     dict(pledges=()), [("pledge", "in USD, not EUR")]),
    ("goal in another currency", [M(0, "/bounty €500")], 1, dict(state="none"), [("bounty", "in USD, not EUR")]),
    ("pledges add up", [M(0, "/bounty 500"), C(1, "alice", "/pledge 50"), C(2, "bob", "/pledge $25.50")], 3,
     dict(state="open", raised=D("75.50"), backers=2), []),
    ("a later pledge replaces the earlier one",
     [M(0, "/bounty 500"), C(1, "alice", "/pledge 50"), C(2, "alice", "/pledge 30")], 3,
     dict(raised=D(30), backers=1), []),
    ("backers are case-insensitive", [M(0, "/bounty 500"), C(1, "Alice", "/pledge 50"), C(2, "alice", "/pledge 70")],
     3, dict(raised=D(70), backers=1), []),
    ("funded when the goal is reached",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 60"), C(2, "bob", "/pledge 40")], 3,
     dict(state="funded", funded_at=h(2), labels_wanted={GENERIC, FUNDED}), []),
    ("over-funding is allowed",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), C(2, "bob", "/pledge 40")], 3,
     dict(state="funded", raised=D(140), funded_at=h(1)), []),
    ("/unpledge before the deadline drops back to open",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), C(2, "alice", "/unpledge")], 3,
     dict(state="open", raised=D(0), funded_at=None), []),
    ("/unpledge without a pledge", [M(0, "/bounty 100"), C(1, "alice", "/unpledge")], 2,
     dict(state="open"), [("unpledge", "no pledge")]),
    ("cancel", [M(0, "/bounty 100"), C(1, "alice", "/pledge 30"), M(2, "/bounty cancel")], 3,
     dict(state="cancelled", end_reason="command", ended_by="maint", ended_at=h(2), labels_wanted=set()), []),
    ("pledge after cancel", [M(0, "/bounty 100"), M(2, "/bounty cancel"), C(3, "alice", "/pledge 30")], 4,
     dict(state="cancelled", pledges=()), [("pledge", "cancelled")]),
    ("cancel without a campaign", [M(0, "/bounty cancel")], 1, dict(state="none"), [("bounty cancel", "no campaign")]),
    ("cancel twice", [M(0, "/bounty 100"), M(1, "/bounty cancel"), M(2, "/bounty cancel")], 3,
     dict(state="cancelled", ended_at=h(1)), [("bounty cancel", "already cancelled")]),
    ("a new campaign after cancel starts fresh",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 30"), M(2, "/bounty cancel"), M(3, "/bounty 200")], 4,
     dict(state="open", goal=D(200), pledges=(), opened_at=h(3), ended_at=None, end_reason=None), []),
    ("extend by N days", [M(0, "/bounty 100 in 3 days"), M(1, "/bounty extend 2 weeks")], 2,
     dict(state="open", deadline=end_of(2025, 1, 18)), []),
    ("extend to a date", [M(0, "/bounty 100 in 3 days"), M(1, "/bounty extend to 2025-03-01")], 2,
     dict(deadline=end_of(2025, 3, 1)), []),
    ("extend to an earlier date", [M(0, "/bounty 100 in 30 days"), M(1, "/bounty extend to 2025-01-10")], 2,
     dict(deadline=end_of(2025, 1, 31)), [("bounty extend", "not after the current deadline")]),
    ("extend without a campaign", [M(0, "/bounty extend 3 days")], 1, dict(state="none"),
     [("bounty extend", "no campaign")]),
    ("extend a cancelled campaign", [M(0, "/bounty 100"), M(1, "/bounty cancel"), M(2, "/bounty extend 3 days")], 3,
     dict(state="cancelled"), [("bounty extend", "cancelled")]),
    ("expires at the deadline", [M(0, "/bounty 100 in 1 day"), C(1, "alice", "/pledge 30")],
     (end_of(2025, 1, 2) - T0) / 3600,
     dict(state="expired", ended_at=end_of(2025, 1, 2), end_reason="deadline", labels_wanted=set(), raised=D(30)),
     []),
    ("still open a second before the deadline", [M(0, "/bounty 100 in 1 day")],
     (end_of(2025, 1, 2) - 1 - T0) / 3600, dict(state="open"), []),
    ("a pledge in the last second counts",
     [M(0, "/bounty 100 in 1 day"), C((end_of(2025, 1, 2) - 1 - T0) / 3600, "alice", "/pledge 100")], 100,
     dict(state="funded", raised=D(100), deadline_passed=True), []),
    ("pledges after a funded deadline still count (over-funding)",
     [M(0, "/bounty 100 in 1 day"), C(1, "alice", "/pledge 100"), C(48, "bob", "/pledge 5")], 100,
     dict(state="funded", raised=D(105)), []),
    ("pledge on an expired campaign", [M(0, "/bounty 100 in 1 day"), C(60, "alice", "/pledge 30")], 70,
     dict(state="expired", pledges=()), [("pledge", "expired on 2025-01-02")]),
    ("funding is final once the deadline passed",
     [M(0, "/bounty 100 in 1 day"), C(1, "alice", "/pledge 100"), C(60, "alice", "/unpledge")], 70,
     dict(state="funded", raised=D(0), deadline_passed=True, funded_at=h(1)), []),
    ("extend after expiry reopens with the pledges",
     [M(0, "/bounty 100 in 1 day"), C(1, "alice", "/pledge 30"), M(72, "/bounty extend 5 days")], 80,
     dict(state="open", deadline=end_of(2025, 1, 9), raised=D(30), ended_at=None), []),
    ("extend after expiry, then funded",
     [M(0, "/bounty 100 in 1 day"), C(1, "alice", "/pledge 30"), M(72, "/bounty extend 5 days"),
      C(73, "bob", "/pledge 70")], 80, dict(state="funded", funded_at=h(73)), []),
    ("label opens a campaign with its goal", [L(0, "bounty: M", actor="tri")], 1,
     dict(state="open", goal=D(500), opened_by="tri", goal_source="label:bounty: m", bounty_labels=("bounty: M",),
          deadline=end_of(2025, 1, 31)), []),
    ("label names are case-insensitive", [L(0, "BOUNTY: s")], 1, dict(state="open", goal=D(100)), []),
    ("a label change re-targets the goal", [L(0, "bounty: M"), L(1, "bounty: L")], 2,
     dict(state="open", goal=D(2000), opened_at=h(0)), []),
    ("re-target keeps pledges and can fund", [L(0, "bounty: M"), C(1, "alice", "/pledge 150"), L(2, "bounty: S")], 3,
     dict(state="funded", goal=D(100), raised=D(150), funded_at=h(2), bounty_labels=("bounty: M", "bounty: S")), []),
    ("a bounty label on a cancelled campaign starts a new one",
     [L(0, "bounty: M"), C(1, "alice", "/pledge 150"), L(2, "bounty: M", added=False), L(3, "bounty: S")], 4,
     dict(state="open", goal=D(100), pledges=(), opened_at=h(3)), []),
    ("removing the goal's label re-targets to the one left",
     [L(0, "bounty: M"), L(1, "bounty: L"), L(2, "bounty: L", added=False)], 3,
     dict(state="open", goal=D(500), bounty_labels=("bounty: M",)), []),
    ("removing the last bounty label cancels",
     [L(0, "bounty: M"), C(1, "alice", "/pledge 50"), L(2, "bounty: M", added=False, actor="tri")], 3,
     dict(state="cancelled", end_reason="label", ended_by="tri", bounty_labels=()), []),
    ("removing a label the goal did not come from changes nothing",
     [L(0, "bounty: S"), M(1, "/bounty 750"), L(2, "bounty: S", added=False)], 3,
     dict(state="open", goal=D(750), goal_source="command"), []),
    ("removing the generic label by hand cancels", [M(0, "/bounty 100"), L(1, GENERIC, added=False)], 2,
     dict(state="cancelled", end_reason="label"), []),
    ("fundbot's own label changes are ignored", [M(0, "/bounty 100"), L(1, GENERIC, added=False, actor="fundbot[bot]")],
     2, dict(state="open"), []),
    ("the generic label with a bounty label left does not cancel",
     [L(0, "bounty: S"), L(1, GENERIC, added=False)], 2, dict(state="open", goal=D(100)), []),
    ("adding the generic label opens nothing", [L(0, GENERIC)], 1, dict(state="none"), []),
    ("closed as not planned cancels", [M(0, "/bounty 100"), C(1, "alice", "/pledge 30"), S(2, "closed", "not_planned")],
     3, dict(state="cancelled", end_reason="not_planned", issue_state="not_planned", raised=D(30)), []),
    ("a delivered campaign closed again as not planned was not delivered: cancelled",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), P(2, 7, "sol"), S(2, "closed", "completed"),
      S(3, "closed", "not_planned")], 4,
     dict(state="cancelled", end_reason="not_planned", issue_state="not_planned", delivered_at=None), []),
    ("closed as duplicate cancels", [M(0, "/bounty 100"), S(2, "closed", "duplicate")], 3,
     dict(state="cancelled", end_reason="not_planned"), []),
    ("reopening restores a campaign cancelled by closing",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 30"), S(2, "closed", "not_planned"), S(3, "reopened")], 4,
     dict(state="open", raised=D(30), ended_at=None, issue_state="open"), []),
    ("reopening after the deadline: expired",
     [M(0, "/bounty 100 in 1 day"), S(2, "closed", "not_planned"), S(100, "reopened")], 101,
     dict(state="expired", ended_at=end_of(2025, 1, 2)), []),
    ("reopening does not undo /bounty cancel", [M(0, "/bounty 100"), M(1, "/bounty cancel"), S(2, "closed"),
                                                S(3, "reopened")], 4, dict(state="cancelled"), []),
    ("closed as completed without a merged PR stays funded",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), S(2, "closed", "completed")], 3,
     dict(state="funded", issue_state="completed", solver=None), []),
    ("closed as completed with a claim: delivered",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), P(2, 7, "sol"), S(2, "closed", "completed")], 3,
     dict(state="delivered", solver="sol", pull=7, delivered_at=h(2), labels_wanted={DELIVERED}), []),
    ("claim after the close: delivered",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), S(2, "closed"), P(3, 7, "sol")], 4,
     dict(state="delivered", delivered_at=h(3)), []),
    ("closed and claimed while under the goal: delivered once funded",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 50"), S(2, "closed", "completed"), P(2, 7, "sol"),
      C(3, "bob", "/pledge 50")], 4, dict(state="delivered", funded_at=h(3), delivered_at=h(3)), []),
    ("the solver is fixed at delivery",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), P(2, 7, "sol"), S(2, "closed"), P(3, 8, "late")], 4,
     dict(state="delivered", solver="sol", pull=7), []),
    ("reopening a delivered issue: funded again",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), P(2, 7, "sol"), S(2, "closed"), S(5, "reopened")], 6,
     dict(state="funded", delivered_at=None, solver="sol"), []),
    ("closed after the payment window",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), P(2, 7, "sol"), S(2, "closed")], 2 + 24 * 30,
     dict(state="closed", ended_at=h(2) + 30 * DAY, end_reason="payment_window", labels_wanted={DELIVERED}), []),
    ("pledge on a delivered campaign",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), P(2, 7, "sol"), S(2, "closed"), C(3, "bob", "/pledge 9")],
     4, dict(state="delivered", backers=1), [("pledge", "already delivered")]),
    ("/bounty on a delivered campaign",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), P(2, 7, "sol"), S(2, "closed"), M(3, "/bounty 900")], 4,
     dict(state="delivered", goal=D(100)), [("bounty", "already delivered")]),
    ("raising the goal of a funded campaign reopens it",
     [M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), M(2, "/bounty 300")], 3,
     dict(state="open", goal=D(300), funded_at=None, opened_at=h(0)), []),
    ("lowering the goal can fund",
     [M(0, "/bounty 300"), C(1, "alice", "/pledge 100"), M(2, "/bounty 100 in 3 days")], 3,
     dict(state="funded", goal=D(100), deadline=end_of(2025, 1, 4)), []),
    ("the goal is final after a funded deadline",
     [M(0, "/bounty 100 in 1 day"), C(1, "alice", "/pledge 100"), M(60, "/bounty 900")], 61,
     dict(state="funded", goal=D(100)), [("bounty", "goal is final")]),
    ("extending a funded campaign after its deadline un-finalises it",
     [M(0, "/bounty 100 in 1 day"), C(1, "alice", "/pledge 100"), M(60, "/bounty extend 5 days"),
      C(61, "alice", "/unpledge")], 62, dict(state="open", deadline_passed=False), []),
    ("offer then accept", [C(0, "bob", "/offer 400"), M(1, "/bounty accept @bob")], 2,
     dict(state="open", goal=D(400), implementer="bob", goal_source="offer", opened_by="maint"), []),
    ("accept without an offer", [C(0, "bob", "/offer 400"), M(1, "/bounty accept @carol")], 2,
     dict(state="none", implementer=None), [("bounty accept", "has not offered")]),
    ("accept on an open campaign re-targets",
     [M(0, "/bounty 100"), C(1, "bob", "/offer 250"), M(2, "/bounty accept @Bob")], 3,
     dict(state="open", goal=D(250), implementer="bob", opened_at=h(0)), []),
    ("the latest offer counts", [C(0, "bob", "/offer 400"), C(1, "bob", "/offer 300"), M(2, "/bounty accept @bob")],
     3, dict(goal=D(300), offers=(cm.Offer("bob", D(300), 0, 0),)), []),
    ("offer below the minimum", [C(0, "bob", "/offer 0.10")], 1, dict(offers=()), [("offer", "below the minimum")]),
    ("the implementer may pledge", [C(0, "bob", "/offer 100"), M(1, "/bounty accept @bob"), C(2, "bob", "/pledge 10")],
     3, dict(raised=D(10)), []),
    ("several commands in one comment", [M(0, "/bounty 100\n/pledge 20\n/pledge 0\n/offer 90")], 1,
     dict(state="open", raised=D(20)), []),
    ("bot comments are ignored", [M(0, "/bounty 100"), C(1, "ci[bot]", "/pledge 50")], 2,
     dict(pledges=(), outcomes_n=1), []),
    ("non-ledger commands are not outcomes", [C(0, "alice", "/fund\n/campaign\n/claim #3")], 1,
     dict(outcomes_n=0), []),
]


@pytest.mark.parametrize("name,events,now,expected,refusals", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenario(name, events, now, expected, refusals):
    c = run(events, now)
    for key, want in expected.items():
        if key == "raised":
            assert c.raised() == want
        elif key == "backers":
            assert c.backers() == want
        elif key == "outcomes_n":
            assert len(c.outcomes) == want
        elif key == "labels_wanted":
            assert c.labels_wanted == frozenset(want)
        elif key == "offers":
            assert [(o.user, o.amount) for o in c.offers] == [(o.user, o.amount) for o in want]
        else:
            assert getattr(c, key) == want, key
    got = refused(c)
    assert len(got) == len(refusals), got
    for (cmd, reason), (want_cmd, want_reason) in zip(got, refusals, strict=True):
        assert cmd == want_cmd and want_reason in reason, (cmd, reason)
    # every scenario: the fold is the same in reverse order, and incrementally
    assert run(list(reversed(events)), now) == c
    inc = run([], now)
    for e in events:
        inc = apply(inc, e, config=CONFIG, now=h(now))
    assert inc == c
    assert Campaign.from_snapshot(json.loads(json.dumps(c.to_snapshot()))) == c


def test_several_commands_in_one_comment_each_get_an_outcome():
    e = M(0, "/bounty 100\n/pledge 20\n/pledge 0.5\n/offer 90")
    c = run([e])
    assert [(o.line, o.command, o.accepted) for o in c.outcomes] == [
        (1, "bounty", True), (2, "pledge", True), (3, "pledge", False), (4, "offer", True)]
    assert all(o.comment_id == e.comment_id for o in c.outcomes)
    assert c.outcomes_for(e.comment_id) == list(c.outcomes)


def test_deleted_comment_withdraws_its_pledge_and_its_outcomes_vanish():
    pledge = C(1, "alice", "/pledge 50", cid=2)
    gone = C(1, "alice", "", cid=2, deleted=True, edited=5)
    c = run([M(0, "/bounty 100", cid=1), pledge, gone])
    assert c.pledges == () and c.outcomes_for(2) == []
    assert run([M(0, "/bounty 100", cid=1), gone, pledge]) == c  # a replayed old version cannot resurrect it


def test_deleting_the_latest_pledge_brings_back_the_visible_earlier_one():
    events = [M(0, "/bounty 100"), C(1, "alice", "/pledge 10"), C(2, "alice", "/pledge 20", cid=7),
              C(2, "alice", "", cid=7, deleted=True, edited=3)]
    assert amounts(run(events)) == {"alice": D(10)}


def test_edited_comment_reruns_at_its_original_position():
    first = C(1, "alice", "/pledge 50", cid=2)
    edited = C(1, "alice", "/pledge 80", cid=2, edited=10)
    c = run([M(0, "/bounty 100"), first, C(2, "alice", "/pledge 30"), edited])
    # the later comment (30) still wins: the edit stays at hour 1
    assert amounts(c) == {"alice": D(30)}
    opened = M(0, "/bounty 100")
    c = run([opened, first, edited])
    assert c.pledges[0].amount == D(80) and c.pledges[0].at == h(1)
    assert run([opened, edited, first]) == c


def test_edit_that_removes_the_command_withdraws():
    c = run([M(0, "/bounty 100"), C(1, "alice", "/pledge 50", cid=2), C(1, "alice", "never mind", cid=2, edited=4)])
    assert c.pledges == () and c.outcomes_for(2) == []


def test_pledge_written_before_the_campaign_stays_refused_when_edited_later():
    c = run([C(0, "alice", "/pledge 50", cid=2), M(1, "/bounty 100"), C(0, "alice", "/pledge 60", cid=2, edited=5)])
    assert c.pledges == ()
    assert [cmd for cmd, _ in refused(c)] == ["pledge"] and "no campaign" in refused(c)[0][1]


def test_duplicate_events_are_folded_once():
    events = [M(0, "/bounty 100"), C(1, "alice", "/pledge 50"), L(2, "bounty: S"), P(3, 4, "sol"), S(4, "closed")]
    assert run(events + events + events[::-1]) == run(events)


def test_pledges_are_sorted_by_amount_then_time_then_backer():
    c = run([M(0, "/bounty 1000"), C(1, "zed", "/pledge 10"), C(2, "amy", "/pledge 50"), C(3, "bob", "/pledge 10"),
             C(1, "abe", "/pledge 10")])
    assert [p.backer for p in c.pledges] == ["amy", "abe", "zed", "bob"]


def test_bounties_disabled_refuses_every_campaign_command():
    off = dataclasses.replace(CONFIG, enabled=False)
    c = run([M(0, "/bounty 100"), C(1, "alice", "/pledge 5"), L(2, "bounty: M")], config=off)
    assert c.state == "none" and c.labels_wanted == frozenset()
    assert [cmd for cmd, _ in refused(c)] == ["bounty", "pledge"]
    assert all("turned off" in reason for _, reason in refused(c))


def test_label_goals_from_the_shell_for_renamed_labels():
    c = run([L(0, "Medium")], 1, label_goals={"medium": D(500)})
    assert c.state == "open" and c.goal == D(500)
    assert run([L(0, "bounty: M")], 1, label_goals={"medium": D(500)}).state == "none"
    renamed = run([M(0, "/bounty 100"), L(1, "money", added=False)], 2, generic_label="money")
    assert renamed.state == "cancelled" and renamed.labels_wanted == frozenset()


def test_maximum_backers(monkeypatch):
    monkeypatch.setattr(cm.machine, "MAX_BACKERS", 2)  # the state machine enforces the bound
    c = run([M(0, "/bounty 1000"), C(1, "a", "/pledge 5"), C(2, "b", "/pledge 5"), C(3, "c", "/pledge 5"),
             C(4, "a", "/pledge 9")])
    assert amounts(c) == {"a": D(9), "b": D(5)}
    assert [reason for _, reason in refused(c)] == ["this campaign already has the maximum of 2 backers."]


def test_tick_and_next_deadline():
    events = [M(0, "/bounty 100 in 1 day"), C(1, "alice", "/pledge 30")]
    c = run(events, now_hours=2)
    assert c.state == "open" and next_deadline(c) == end_of(2025, 1, 2)
    later = tick(c, config=CONFIG, now=end_of(2025, 1, 2))
    assert later.state == "expired" and next_deadline(later) is None
    assert later == run(events, now_hours=48)
    funded = run([M(0, "/bounty 100 in 1 day"), C(1, "alice", "/pledge 100")], now_hours=2)
    assert next_deadline(funded) == end_of(2025, 1, 2)
    final = tick(funded, config=CONFIG, now=end_of(2025, 1, 2))
    assert final.state == "funded" and final.deadline_passed and next_deadline(final) is None
    done = run([M(0, "/bounty 100"), C(1, "alice", "/pledge 100"), P(2, 7, "sol"), S(2, "closed")], now_hours=3)
    assert next_deadline(done) == h(2) + cm.PAYMENT_WINDOW_DAYS * DAY
    assert tick(done, config=CONFIG, now=next_deadline(done)).state == "closed"
    assert next_deadline(run([])) is None


def test_snapshot_rejects_garbage_and_summaries():
    c = run([M(0, "/bounty 100"), C(1, "alice", "/pledge 30")])
    for bad in (None, [], {}, {"v": 2}, c.summary(), {**c.to_snapshot(), "state": "bogus"},
                {**c.to_snapshot(), "pledges": [["a", "x", 1, 2]]}, {**c.to_snapshot(), "log": [["c"]]},
                {**c.to_snapshot(), "deadline": "soon"}, {**c.to_snapshot(), "goal": "NaN"}):
        with pytest.raises(ValueError):
            Campaign.from_snapshot(bad)


def test_events_with_bad_times_are_rejected():
    with pytest.raises(ValueError):
        run([CommentEvent(float("nan"), 1, 1, "a", "/pledge 5", False)])


def test_ten_thousand_pledges():
    events = [M(0, "/bounty 100k")]
    events += [C(1 + i / 1000, f"backer{i}", f"/pledge {i % 50 + 1}", cid=10**8 + i) for i in range(10_000)]
    c = run(events, now_hours=20)
    assert c.backers() == 10_000 and c.raised() == D(sum(i % 50 + 1 for i in range(10_000)))
    assert c.state == "funded" and len(c.outcomes) == 10_001
    assert c.pledges[0].amount == D(50)
    late = C(19, "late", "/pledge 7")
    more = apply(c, late, config=CONFIG, now=h(20))  # the 10,001st backer is refused
    assert more.backers() == 10_000 and more.outcomes_for(late.comment_id)[0].accepted is False
    change = C(19.5, "backer0", "/pledge 8")
    more = apply(more, change, config=CONFIG, now=h(20))  # an existing backer may still change
    assert more.backers() == 10_000 and more.raised() == c.raised() + 7


# ------------------------------------------------------------------------------------- properties

SMALL = dataclasses.replace(CONFIG, deadline_days=4)
MAINTAINER_BODIES = ["/bounty 60", "/bounty 100 in 1 day", "/bounty 150 by 2025-01-20", "/bounty accept @bob",
                     "/bounty cancel", "/bounty extend 2 days", "/bounty extend to 2025-01-05",
                     "/bounty 60\n/pledge 20"]
BODIES = ["/pledge 30", "/pledge 80", "/pledge 45", "/pledge 80", "/pledge 60", "/pledge 5 EUR", "/pledge 0.5",
          "/unpledge", "/offer 60", "hello", "/pledge 40\n/offer 70", "/pledge 20\n/unpledge", "/bounty 70"]
AUTHORS = ["alice", "Alice", "bob", "carol", "dave", "bot[bot]"]
LABELS = ["bounty: S", "bounty: M", GENERIC, "bug"]

times = st.integers(min_value=0, max_value=24 * 8).map(lambda x: h(x / 2))


@st.composite
def comment_events(draw):
    cid = draw(st.integers(1, 12))
    at = draw(times)
    edited = draw(st.none() | st.none() | st.integers(0, 50).map(lambda x: at + x * 600))
    deleted = edited is not None and draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        author, body, maintainer = "maint", draw(st.sampled_from(MAINTAINER_BODIES)), True
    else:
        author, body = draw(st.sampled_from(AUTHORS)), draw(st.sampled_from(BODIES))
        maintainer = draw(st.integers(0, 9)) == 0
    return CommentEvent(at, cid, cid, author, body, maintainer, deleted, edited)


events_strategy = st.one_of(
    *[comment_events()] * 6,
    st.builds(LabelEvent, times, st.integers(0, 3), st.sampled_from(LABELS), st.booleans(),
              st.sampled_from(["maint", "fundbot[bot]"])),
    st.builds(StateEvent, times, st.integers(0, 3), st.sampled_from(["closed", "closed", "reopened"]),
              st.sampled_from([None, "completed", "completed", "not_planned"])),
    st.builds(ClaimEvent, times, st.integers(0, 3), st.integers(1, 3), st.sampled_from(["sol", "sol2"])),
)
OPENERS = [None, CommentEvent(h(0), 99, 99, "maint", "/bounty 100", True), LabelEvent(h(0), 99, "bounty: S", True, "m")]
event_lists = st.builds(lambda opener, rest: ([opener] if opener else []) + rest,
                        st.sampled_from(OPENERS), st.lists(events_strategy, max_size=30))
nows = st.integers(0, 24 * 12).map(lambda x: h(x / 2)) | st.just(h(24 * 40))
SETTINGS = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def with_distinct_positions(events):
    """Give every event its own seq (comments keep theirs per id only if the at also differs)."""
    out = []
    for i, e in enumerate(events):
        out.append(dataclasses.replace(e, seq=1000 + i))
    return out


@SETTINGS
@given(event_lists, nows, st.randoms(use_true_random=False))
def test_fold_is_order_stable(events, now, rnd):
    events = with_distinct_positions(events)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert fold(shuffled, config=SMALL, now=now) == fold(events, config=SMALL, now=now)


@SETTINGS
@given(event_lists, st.integers(0, 25), nows)
def test_replaying_a_prefix_twice_changes_nothing(events, k, now):
    prefix = events[:k]
    assert fold(prefix + prefix + events[k:], config=SMALL, now=now) == fold(events, config=SMALL, now=now)


@SETTINGS
@given(event_lists, nows)
def test_incremental_apply_equals_fold(events, now):
    c = fold([], config=SMALL, now=now)
    for e in events:
        c = apply(c, e, config=SMALL, now=now)
    assert c == fold(events, config=SMALL, now=now)


@SETTINGS
@given(event_lists, nows)
def test_incremental_apply_as_time_passes_equals_fold(events, now):
    """The shell applies events as they come, at their own time, and ticks at the end."""
    ordered = sorted(events, key=lambda e: (e.at, e.seq))
    c = fold([], config=SMALL, now=T0)
    for e in ordered:
        c = apply(c, e, config=SMALL, now=e.at)
    last = max([T0, *(e.at for e in ordered)])
    end = max(now, last)
    assert tick(c, config=SMALL, now=end) == fold(events, config=SMALL, now=end)


@SETTINGS
@given(event_lists, nows, st.integers(0, 24 * 40))
def test_tick_equals_refolding_later(events, now, later):
    c = fold(events, config=SMALL, now=now)
    assert tick(c, config=SMALL, now=now + later * 1800) == fold(events, config=SMALL, now=now + later * 1800)


@SETTINGS
@given(event_lists, nows)
def test_snapshot_round_trip(events, now):
    c = fold(events, config=SMALL, now=now)
    data = json.loads(json.dumps(c.to_snapshot(), allow_nan=False))
    assert Campaign.from_snapshot(data) == c


@SETTINGS
@given(event_lists, nows)
def test_invariants(events, now):
    c = fold(events, config=SMALL, now=now)
    assert len({p.backer.lower() for p in c.pledges}) == len(c.pledges)
    assert all(p.amount >= SMALL.min_pledge for p in c.pledges)
    assert list(c.pledges) == sorted(c.pledges, key=lambda p: (-p.amount, p.at, p.backer.lower(), p.backer))
    if c.state in ("open", "funded") and not c.deadline_passed:
        assert (c.state == "funded") == (c.raised() >= c.goal)
    if c.state != "none":
        assert c.goal is not None and c.deadline is not None
    if c.state == "delivered":
        assert c.solver and c.issue_state == "completed"
    assert all(not p.backer.endswith("[bot]") for p in c.pledges)


def test_a_recorded_label_goal_wins_over_the_configuration():
    """Issue 10: a bounty label keeps the goal it applied (the shell passes the recorded one)."""
    events = [LabelEvent(h(0), 1, "bounty: M", True, "maint", D(500)),
              LabelEvent(h(1), 1, "bounty: gone", True, "maint", D(70)),  # no longer in bounties.labels
              LabelEvent(h(2), 1, "bounty: gone", False, "maint")]
    c = run(events[:2], now_hours=3)
    assert (c.state, c.goal, c.bounty_labels, c.bounty_goals) == ("open", 70, ("bounty: M", "bounty: gone"), (500, 70))
    c = run(events, now_hours=3, config=dataclasses.replace(CONFIG, labels={"bounty: M": D(900)}))
    assert (c.state, c.goal, c.goal_source) == ("open", 500, "label:bounty: m")  # back to M's recorded goal
    assert Campaign.from_snapshot(json.loads(json.dumps(c.to_snapshot()))) == c
