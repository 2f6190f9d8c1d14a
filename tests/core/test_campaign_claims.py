"""Claims that hold (issue 14.5), the ledger: claims before a merge, who may claim, /bounty deliver and
/bounty split, a merge by someone else than the accepted implementer; always apply == fold."""

from __future__ import annotations

import dataclasses
import datetime
import json

from bot.core import history
from bot.core.campaign import ClaimEvent, CommentEvent, IntentEvent, StateEvent, apply, fold, tick
from bot.core.campaign.model import Campaign
from bot.core.config import Config

CONFIG = Config.defaults().bounties
T0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC).timestamp()


def h(hours: float) -> float:
    return T0 + hours * 3600


_ids = iter(range(1000, 10**6))


def C(hours, author, body, m=False) -> CommentEvent:
    cid = next(_ids)
    return CommentEvent(h(hours), cid, cid, author, body, m)


def claim(hours, pull, user, assoc=None, action="claim") -> IntentEvent:
    return IntentEvent(h(hours), history.INTENT_SEQ, pull, user, action, assoc)


def merge(hours, pull, user, assoc=None) -> ClaimEvent:
    return ClaimEvent(h(hours), history.CLAIM_SEQ, pull, user, assoc)


def run(events, config=CONFIG, now=None) -> Campaign:
    """The fold of ``events``, checked equal to applying them one by one and to its snapshot."""
    now = now if now is not None else h(100)
    folded = fold(events, config=config, now=now)
    live = fold([], config=config, now=h(0))
    for e in events:  # in time order: live, one event after the other
        live = apply(live, e, config=config, now=max(e.at, h(0)))
    assert tick(live, config=config, now=now) == folded
    assert Campaign.from_snapshot(json.loads(json.dumps(folded.to_snapshot()))) == folded
    return folded


FUNDED = [C(0, "maint", "/bounty 100", True), C(1, "alice", "/pledge 60"), C(1, "bob", "/pledge 40")]
CLOSED = StateEvent(h(9), 1, "closed", "completed")


def test_a_claim_is_listed_and_its_merge_delivers():
    c = run([*FUNDED, claim(2, 7, "dev", "NONE")])
    assert [(x.pull, x.user, x.refused) for x in c.claims] == [(7, "dev", None)]
    c = run([*FUNDED, claim(2, 7, "dev", "NONE"), merge(8, 7, "dev", "NONE"), CLOSED])
    assert (c.state, c.solver, c.pull, c.claims) == ("delivered", "dev", 7, ())


def test_a_pull_request_closed_unmerged_withdraws_its_claim():
    c = run([*FUNDED, claim(2, 7, "dev"), claim(3, 7, "dev", action="drop")])
    assert c.claims == ()


def test_claims_contributors_refuses_first_timers_and_their_merge_waits_for_the_maintainer():
    config = dataclasses.replace(CONFIG, claims="contributors")
    c = run([*FUNDED, claim(2, 7, "bot-swarm", "FIRST_TIME_CONTRIBUTOR"), claim(2, 8, "old", "CONTRIBUTOR")], config)
    assert [(x.user, x.refused is None) for x in c.claims] == [("bot-swarm", False), ("old", True)]
    assert "contributors" in c.claims[0].refused
    c = run([*FUNDED, claim(2, 7, "new", "NONE"), merge(8, 7, "new", "NONE"), CLOSED], config)
    assert (c.state, c.solver, c.awaiting) == ("funded", None, (7, "new"))
    c = run([*FUNDED, claim(2, 7, "new", "NONE"), merge(8, 7, "new", "NONE"), CLOSED,
             C(10, "maint", "/bounty deliver #7", True)], config)
    assert (c.state, c.solver, c.pull, c.awaiting) == ("delivered", "new", 7, None)


def test_claims_offer_and_max_claims():
    config = dataclasses.replace(CONFIG, claims="offer", max_claims=1)
    c = run([*FUNDED, C(2, "dev", "/offer 100"), claim(3, 7, "drive-by", "NONE"), claim(3, 8, "dev", "NONE"),
             C(4, "dev2", "/offer 90"), claim(5, 9, "dev2", "NONE")], config)
    assert [(x.user, x.refused is None) for x in c.claims] == [("drive-by", False), ("dev", True), ("dev2", False)]
    assert "offered" in c.claims[0].refused and "max_claims" in c.claims[2].refused


def test_a_merge_by_someone_else_than_the_accepted_implementer_is_never_a_silent_switch():
    events = [C(0, "dev", "/offer 100"), C(0, "maint", "/bounty accept @dev", True), C(1, "alice", "/pledge 100"),
              merge(5, 12, "zoe"), CLOSED]
    c = run(events)
    assert (c.state, c.solver, c.awaiting, c.payee) == ("funded", None, (12, "zoe"), "dev")
    c = run([*events, C(10, "maint", "/bounty deliver @dev", True)])
    assert (c.state, c.solver, c.payee) == ("delivered", "dev", "dev")
    c = run([*events, C(10, "maint", "/bounty deliver", True)])  # bare: the waiting merge
    assert (c.state, c.solver, c.pull, c.payee) == ("delivered", "zoe", 12, "zoe")
    c = run([*events, C(10, "zoe", "/bounty deliver", False)])
    assert c.state == "funded" and not c.outcomes[-1].accepted


def test_deliver_without_a_claiming_pull_request_and_undoing_it():
    c = run([*FUNDED, C(3, "maint", "/bounty deliver @fixer", True)])
    assert (c.state, c.solver, c.pull, c.decided_by) == ("delivered", "fixer", None, "maint")
    c = run([*FUNDED, C(3, "maint", "/bounty deliver", True)])  # nobody to name
    assert c.state == "funded" and "name who did the work" in c.outcomes[-1].reason
    c = run([C(0, "maint", "/bounty 100", True), C(1, "maint", "/bounty deliver @fixer", True),
             C(2, "alice", "/pledge 100")])  # decided while open: delivered the moment it is funded
    assert (c.state, c.solver) == ("delivered", "fixer")
    c = run([*FUNDED, C(3, "maint", "/bounty deliver @fixer", True), StateEvent(h(4), 1, "closed", "completed"),
             StateEvent(h(5), 2, "reopened")])
    assert (c.state, c.decided_by) == ("funded", None)


def test_split_pays_each_solver_their_share():
    events = [*FUNDED, C(3, "maint", "/bounty split @ann 60 @ben 40", True)]
    c = run(events)
    assert (c.state, c.solver, c.shares, c.payees) == ("delivered", "ann", (("ann", 60), ("ben", 40)),
                                                       (("ann", 60), ("ben", 40)))
    c = run([*events, C(4, "ben", "/bounty received @alice")])  # any solver may confirm
    assert c.payment("alice").state == "confirmed"
    c = run([*events, C(4, "maint", "/bounty split @ann 50 @ben 50", True)])  # corrected after delivery
    assert c.shares == (("ann", 50), ("ben", 50))
    pay_project = dataclasses.replace(CONFIG, pay_to="maintainer")
    assert run(events, pay_project).payees == ()


def test_recorded_intents_round_trip_through_the_decision_record():
    c = run([*FUNDED, claim(2, 7, "dev", "NONE"), claim(3, 8, "eve"), merge(8, 7, "dev", "NONE")])
    d = history.decisions_of(c)
    assert (7, "dev", h(2), "claim", "NONE") in d.intents and (7, "dev", h(8), "merge", "NONE") in d.intents
    assert history.Decisions.from_json(json.loads(json.dumps(d.to_json()))).intents == d.intents
