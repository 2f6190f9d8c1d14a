"""Issue 12.5 in the pure core: what apply() hands on (indexes, the decision record's gathering, the pledges
moved into place) always equals what a fold computes from scratch; the status comment stays within GitHub's
65,536 characters whatever the decision record holds; the snapshot size floor never exceeds the size."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest

from bot.core import campaign as ledger
from bot.core import history, markdown, status
from bot.core.config import Config, Reward

CONFIG = Config.defaults().bounties
T0 = 1_800_000_000.0
RULE = history.rule_of(CONFIG)


def _kw():
    return {"config": CONFIG}


def _random_events(seed: int, n: int) -> list:
    rng = random.Random(seed)
    events: list = [ledger.CommentEvent(T0, 1, 1, "maint", "/bounty 300", True, rule=RULE)]
    ids: list[tuple[int, str]] = []
    for i in range(n):
        at = T0 + 1 + i // 3  # several events per second
        cid = 100 + i
        roll = rng.random()
        who = f"user{rng.randrange(12)}"
        if roll < 0.55 or not ids:
            events.append(ledger.CommentEvent(at, cid, cid, who, f"/pledge {rng.randint(1, 60)}", False, rule=RULE))
            ids.append((cid, who))
        elif roll < 0.7:
            old, author = rng.choice(ids)
            events.append(ledger.CommentEvent(T0 + 1 + (old - 100) // 3, old, old, author,
                                              rng.choice(["/pledge 7", "/unpledge", "thanks"]), False,
                                              edited_at=at + 0.5, rule=RULE))
        elif roll < 0.78:
            old, author = rng.choice(ids)
            events.append(ledger.CommentEvent(T0 + 1 + (old - 100) // 3, old, old, author, "", False, deleted=True))
        elif roll < 0.86:
            events.append(ledger.CommentEvent(at, cid, cid, "maint", f"/bounty {rng.randint(50, 400)}", True, rule=RULE))
        elif roll < 0.93:
            events.append(ledger.LabelEvent(at, i, rng.choice(["bounty: S", "bounty: M"]), rng.random() < 0.7,
                                            "maint", None, RULE))
        else:
            events.append(ledger.CommentEvent(at, cid, cid, who, "/unpledge", False, rule=RULE))
    return events


@pytest.mark.parametrize("seed", range(6))
def test_applying_one_by_one_equals_folding_including_what_is_handed_on(seed):
    events = _random_events(seed, 120)
    c = ledger.fold(events[:1], now=T0, **_kw())
    for k, e in enumerate(events[1:], 2):
        now = T0 + 1 + k
        history.decisions_of(c)  # gathered, so apply hands it on
        c.comment_index()
        c = ledger.apply(c, e, now=now, **_kw())
        if k % 10 and k != len(events):
            continue
        fresh = ledger.fold(events[:k], now=now, **_kw())
        assert c == fresh
        assert c.pledges == fresh.pledges and c.raised() == fresh.raised()
        assert history.decisions_of(c).to_json() == history.decisions_of(fresh).to_json()
        assert c.comment_index() == fresh.comment_index()
        assert c.backer_index() == fresh.backer_index()
        for cid in {r.comment_id for r in c.log if r.kind == "c"}:
            assert c.outcomes_for(cid) == fresh.outcomes_for(cid)
            assert ledger.comment_record(c, cid) == ledger.comment_record(fresh, cid)
        assert ledger.replay(c.log, now=now, **_kw()) == c


def test_next_seq_follows_every_record_of_its_second():
    events = _random_events(9, 60)
    c = ledger.fold(events, now=T0 + 100, **_kw())
    for at in {r.at for r in c.log} | {T0 - 1, T0 + 99}:
        seqs = [r.seq for r in c.log if r.at == at and r.seq < history.CLAIM_SEQ]
        assert history.next_seq(c, at) == (max(seqs) + 1 if seqs else 0)


def _pathological() -> ledger.Campaign:
    """A campaign whose decision record alone is larger than a GitHub comment: hundreds of maintainer
    commands, each judged by its own rule, edited, and label goals with long names."""
    events: list = []
    for i in range(600):
        rule = ("USD", Decimal(i + 1), Decimal(100000 + i), 30 + i % 7)
        edited = T0 + 10 + i + 0.5 if i % 2 else None
        events.append(ledger.CommentEvent(T0 + i, 10_000 + i, 10_000 + i, "maint", f"/bounty {1000 + i}", True,
                                          edited_at=edited, rule=rule))
    for i in range(120):
        name = f"{'-' * 60}{i:03d}"  # each "-" is 6 characters in a marker (escaped)
        events.append(ledger.LabelEvent(T0 + 700 + i, 0, name, True, "maint", Decimal(2000 + i),
                                        ("USD", Decimal(i + 1), Decimal(900000 + i), 60)))
    return ledger.fold(events, now=T0 + 2000, **_kw())


def test_the_status_comment_fits_github_whatever_the_decision_record_holds():
    c = _pathological()
    full = history.decisions_of(c)
    assert len(markdown.marker("campaign", {"decisions": full.to_json()})) > status.MAX_COMMENT  # the case
    rewards = [Reward(Decimal(10 * i + 1), "r" * 100) for i in range(20)]
    body = status.status_comment(c, repo="octo-org/widgets", issue=1, links=[], rewards=rewards, now=T0 + 2000)
    assert len(body) <= status.MAX_COMMENT
    [(_, _, data)] = [m for m in markdown.find_markers(body) if m[0] == "campaign"]
    kept = history.Decisions.from_json(data["decisions"])
    assert kept.verdicts and len(kept.verdicts) < len(full.verdicts)
    newest = max(full.verdicts)
    assert kept.verdicts[newest] == full.verdicts[newest]  # the oldest are left out first


def test_a_shrunk_record_keeps_claims_until_nothing_else_is_left():
    d = history.Decisions({1: ("a" * 12, True)}, claims=((5, "solver", T0),))
    assert d.shrunk().claims == ((5, "solver", T0),) and d.shrunk().verdicts == {}
    assert history.Decisions(claims=((5, "s", T0), (6, "t", T0 + 1))).shrunk().claims == ((6, "t", T0 + 1),)


@pytest.mark.parametrize("seed", range(4))
def test_the_snapshot_floor_never_exceeds_the_snapshot(seed):
    for n in (0, 5, 60, 300):
        c = ledger.fold(_random_events(seed, n), now=T0 + 500, **_kw())
        encoded = markdown.marker("campaign", c.to_snapshot())
        assert status.snapshot_floor(c) <= len(encoded)


def test_a_small_campaign_still_embeds_its_whole_snapshot():
    c = ledger.fold(_random_events(3, 40), now=T0 + 100, **_kw())
    body = status.status_comment(c, repo="o/r", issue=1, links=[], rewards=[], now=T0 + 100)
    [(_, _, data)] = [m for m in markdown.find_markers(body) if m[0] == "campaign"]
    assert ledger.Campaign.from_snapshot(data) == c
    assert data["decisions"] == json.loads(json.dumps(history.decisions_of(c).to_json()))
