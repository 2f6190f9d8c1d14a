"""Campaign log records are named tuples (issue 11.2): read by field name, yet equal to the plain tuples they
replace, so a snapshot written before the change (status marker, store cache) loads and writes back byte for
byte, and the decision record derived from it is the same. Also: every name other modules import from
``bot.core.campaign`` / ``bot.core.funding`` is still there after the split into packages."""

import json
from decimal import Decimal as D

import pytest

from bot.core import campaign as cm
from bot.core import funding, history
from bot.core.campaign import (
    Campaign,
    ClaimEvent,
    ClaimRecord,
    CommentEvent,
    CommentRecord,
    LabelEvent,
    LabelRecord,
    LoggedCommand,
    Rule,
    StateEvent,
    StateRecord,
    fold,
)
from bot.core.config import Config

CONFIG = Config.defaults().bounties
T = 1_700_000_000.0
RULE = ("USD", D("1"), D("10000"), 30)
EVENTS = [
    CommentEvent(T, 1, 101, "maint", "/bounty 100 in 10 days", True, rule=RULE),
    CommentEvent(T + 60, 2, 102, "alice", "/pledge 60\n/offer 80", False, edited_at=T + 90, rule=RULE),
    CommentEvent(T + 120, 3, 103, "bob", "/pledge 50", False),
    CommentEvent(T + 130, 4, 104, "gone", "/pledge 5", False, deleted=True),
    CommentEvent(T + 140, 5, 105, "maint", "/bounty accept @alice", True),
    CommentEvent(T + 145, 10, 106, "maint", "/bounty extend to 2024-01-31", True),
    LabelEvent(T + 150, 6, "bounty: S", True, "maint", goal=D("80"), rule=RULE),
    LabelEvent(T + 160, 7, "other", False, "carol"),
    StateEvent(T + 200, 8, "closed", "completed"),
    ClaimEvent(T + 210, 2**53, 7, "alice"),
]
NOW = T + 300

# Written by the ledger before records were named tuples (commit dc63ef6): to_snapshot() of fold(EVENTS) as
# json.dumps(sort_keys=True, separators=(",", ":")), and history.decisions_of(...).to_json() likewise.
OLD_SNAPSHOT = (
    '{"bounty_goals":["80"],"bounty_labels":["bounty: S"],"currency":"USD","deadline":1706745600.0,'
    '"deadline_passed":false,"delivered_at":1700000210.0,"end_reason":null,"ended_at":null,"ended_by":null,'
    '"funded_at":1700000120.0,"goal":"80","goal_source":"label:bounty: s","implementer":"alice",'
    '"issue_state":"completed","labels_wanted":["\\u2705 delivered"],"log":['
    '["c",1700000000.0,1,101,"maint",true,false,1700000000.0,"f0282ff0b226e2e0",'
    '[[1,"bounty","100.00",null,10,null,null]],["USD","1","10000",30]],'
    '["c",1700000060.0,2,102,"alice",false,false,1700000090.0,"5c001da2873be1a8",'
    '[[1,"pledge","60.00",null,null,null,null],[2,"offer","80.00",null,null,null,null]],["USD","1","10000",30]],'
    '["c",1700000120.0,3,103,"bob",false,false,1700000120.0,"ad422c41653fd414",'
    '[[1,"pledge","50.00",null,null,null,null]]],'
    '["c",1700000130.0,4,104,"gone",false,true,1700000130.0,"da39a3ee5e6b4b0d",[]],'
    '["c",1700000140.0,5,105,"maint",true,false,1700000140.0,"0006d3044d36949b",'
    '[[1,"bounty accept",null,null,null,null,"alice"]]],'
    '["c",1700000145.0,10,106,"maint",true,false,1700000145.0,"4c50fcf2cd58b0ca",'
    '[[1,"bounty extend",null,null,null,"2024-01-31",null]]],'
    '["l",1700000150.0,6,"bounty: S",true,"maint","80",["USD","1","10000",30]],'
    '["l",1700000160.0,7,"other",false,"carol",null],'
    '["s",1700000200.0,8,"closed","completed"],'
    '["p",1700000210.0,9007199254740992,7,"alice"]],'
    '"offers":[["alice","80.00",102,1700000060.0]],"opened_at":1700000000.0,"opened_by":"maint",'
    '"outcomes":[[101,1,"bounty",true,null],[102,1,"pledge",true,null],[102,2,"offer",true,null],'
    '[103,1,"pledge",true,null],[105,1,"bounty accept",true,null],[106,1,"bounty extend",true,null]],'
    '"pledges":[["alice","60.00",102,1700000060.0],["bob","50.00",103,1700000120.0]],"pull":7,'
    '"rewards":[["25.00","Your name in the README thank-you section"],["100.00","Your logo in the README"]],'
    '"solver":"alice","state":"delivered","v":1}'
)
OLD_DECISIONS = (
    '{"a":[[101,101,0]],"e":[[102,"5c001da2873b",0]],"g":[[1700000150.0,"bounty: s","80",0]],'
    '"m":[[101,"f0282ff0b226",1],[105,"0006d3044d36",1],[106,"4c50fcf2cd58",1]],'
    '"p":[[7,"alice",1700000210.0]],"r":[["USD","1","10000",30]],"v":1}'
)


def dumps(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def test_an_old_snapshot_loads_and_writes_back_byte_for_byte():
    loaded = Campaign.from_snapshot(json.loads(OLD_SNAPSHOT))
    assert dumps(loaded.to_snapshot()) == OLD_SNAPSHOT
    assert loaded == fold(EVENTS, config=CONFIG, now=NOW)  # and a fresh fold writes the same
    assert dumps(fold(EVENTS, config=CONFIG, now=NOW).to_snapshot()) == OLD_SNAPSHOT
    assert dumps(history.decisions_of(loaded).to_json()) == OLD_DECISIONS


def test_records_have_named_fields_and_equal_plain_tuples():
    log = Campaign.from_snapshot(json.loads(OLD_SNAPSHOT)).log
    kinds = [type(r) for r in log]
    assert kinds == [CommentRecord] * 6 + [LabelRecord] * 2 + [StateRecord, ClaimRecord]
    first = log[0]
    assert (first.comment_id, first.author, first.maintainer, first.deleted) == (101, "maint", True, False)
    assert first.commands == (LoggedCommand(1, "bounty", D("100.00"), None, 10, None, None),)
    assert first.rule == Rule("USD", D("1"), D("10000"), 30) == (*RULE, True)
    assert log[1].version == T + 90 and log[1].rule.deadline_days == 30
    assert log[5].commands[0].date == "2024-01-31"
    assert (log[6].label, log[6].added, log[6].actor, log[6].goal) == ("bounty: S", True, "maint", "80")
    assert (log[8].action, log[8].reason) == ("closed", "completed")
    assert (log[9].pull, log[9].solver, log[9].seq) == (7, "alice", 2**53)
    for rec in log:  # still tuples: equality and hashing as before
        assert rec == tuple(rec) and hash(rec) == hash(tuple(rec)) and rec[0] == rec.kind


def test_history_reads_records_by_name():
    c = fold(EVENTS, config=CONFIG, now=NOW)
    held = history.held_duplicate(c, "l", T + 151, label="BOUNTY: s", added=True, actor="maint")
    assert held == ("l", T + 150, 6, "bounty: S", True, "maint", "80", (*RULE, True))
    assert history.held_duplicate(c, "s", T + 202, state="closed", reason="completed") == (
        "s", T + 200, 8, "closed", "completed")
    assert history.held_duplicate(c, "s", T + 202, state="closed", reason="not_planned") is None
    assert history.next_seq(c, T + 150) == 7
    assert cm.comment_version(c, 102) == (T + 90, "5c001da2873be1a8")


@pytest.mark.parametrize("record, expected", [
    # the oldest forms: a label record without goal and rule, a comment record without rule
    (["l", 5.0, 1, "x", False, "y"], ("l", 5.0, 1, "x", False, "y", None, None)),
    (["c", 5.0, 1, 9, "a", False, False, 5.0, "d", []], ("c", 5.0, 1, 9, "a", False, False, 5.0, "d", (), None)),
])
def test_older_record_forms_still_load(record, expected):
    snap = json.loads(OLD_SNAPSHOT)
    snap["log"] = [record]
    assert Campaign.from_snapshot(snap).log == (expected,)


@pytest.mark.parametrize("record", [
    ["l", 5.0, 1, "x", False], ["s", 5.0, 1, "closed", "", "extra"], ["q", 5.0, 1], [], "c", [["c"]],
    ["p", True, 1, 2, "a"], ["c", 5.0, 1, 9, "a", False, False, 5.0, "d", [[1, "fund", None, None, None, None, None]]],
])
def test_a_bad_record_is_a_clear_error(record):
    snap = json.loads(OLD_SNAPSHOT)
    snap["log"] = [record]
    with pytest.raises(ValueError):
        Campaign.from_snapshot(snap)


# every name bot/, tests/ and bench/ use from the two packages (grep "core.funding|core.campaign")
CAMPAIGN_NAMES = """DAY LEDGER_COMMANDS MAX_BACKERS MAX_LOG MAX_OFFERS PAYMENT_WINDOW_DAYS SNAPSHOT_VERSION STATES Campaign
ClaimEvent CommentEvent Event LabelEvent Offer Outcome Pledge State StateEvent apply body_digest comment_version
day_end deadline_date fold next_deadline tick""".split()
FUNDING_NAMES = """HEADER KEYS LIST_KEYS RETIRED_KEYS TIDELIFT_PLATFORMS FundingLink Problem check_mapping
format_problems lint links normalise parse render _yaml_scalar""".split()


def test_every_name_other_modules_use_is_still_importable():
    assert [n for n in CAMPAIGN_NAMES if not hasattr(cm, n)] == []
    assert [n for n in FUNDING_NAMES if not hasattr(funding, n)] == []
    assert funding.render({"github": "octocat"}) == funding.HEADER + "\ngithub: [octocat]\n"
