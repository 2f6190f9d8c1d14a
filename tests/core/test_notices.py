"""Campaign notices, the pure texts (bot.core.notices): who is mentioned, at most ten per comment, what to do."""

from __future__ import annotations

import re

from bot.core import campaign as ledger
from bot.core import history, markdown, notices
from bot.core.config import Config
from bot.core.links import PaymentLink

T0 = 1_800_000_000.0
CONFIG = Config.defaults()
RULE = history.rule_of(CONFIG.bounties)
LINKS = [PaymentLink("GitHub Sponsors", "https://github.com/sponsors/octocat", "github")]
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9-]*)")


def campaign(backers: list[tuple[str, int]], *, goal: int = 100, extra: list | None = None) -> ledger.Campaign:
    events = [ledger.CommentEvent(T0, 1, 1, "maint", f"/bounty {goal}", True, rule=RULE)]
    events += [ledger.CommentEvent(T0 + 1 + i, 10 + i, 10 + i, who, f"/pledge {amount}", False, rule=RULE)
               for i, (who, amount) in enumerate(backers)]
    events += extra or []
    return ledger.fold(events, config=CONFIG.bounties, now=T0 + 10_000)


def test_funded_mentions_each_backer_once_with_the_amount_and_the_links():
    c = campaign([("alice", 60), ("bob", 40)])
    m = notices.moment(c)
    assert (m.kind, m.occurrence) == ("funded", int(T0))
    [body] = notices.render(c, m, repo="o/r", issue=7, links=LINKS)
    assert sorted(MENTION.findall(body)) == ["alice", "bob"]
    assert "@alice: please pay **60.00 USD**" in body and "@bob: please pay **40.00 USD**" in body
    assert "(https://github.com/sponsors/octocat)" in body and "Pay now" in body
    [(name, _, data)] = markdown.find_markers(body)
    assert name == "notice" and data == {"t": "funded", "o": int(T0), "p": 1, "n": 1}
    assert notices.same_moment(data, m) == 1
    assert notices.same_moment({**data, "t": "expired"}, m) is None
    assert notices.same_moment({**data, "o": int(T0) + 3600}, m) is None


def test_more_than_ten_people_are_split_into_parts_of_ten_and_the_rest_is_listed_unmentioned():
    backers = [(f"b{i:02d}", 1) for i in range(35)]
    c = campaign(backers, goal=35)
    bodies = notices.render(c, notices.moment(c), repo="o/r", issue=7, links=LINKS)
    assert len(bodies) == notices.MAX_PARTS == 3
    mentioned = [MENTION.findall(b) for b in bodies]
    assert [len(x) for x in mentioned] == [10, 10, 10]
    assert len({x for part in mentioned for x in part}) == 30
    assert bodies[2].count("\u200b") >= 5 and "5 more, not mentioned" in bodies[2]
    assert [markdown.find_markers(b)[0][2]["p"] for b in bodies] == [1, 2, 3]


def test_expired_and_cancelled_say_nothing_to_pay():
    c = campaign([("alice", 10)])
    expired = ledger.tick(c, now=c.deadline + 1, config=CONFIG.bounties)
    [body] = notices.render(expired, notices.moment(expired), repo="o/r", issue=7, links=LINKS)
    assert "@alice: your pledge of **10.00 USD** lapsed, nothing to pay" in body and "Nothing to pay" in body
    assert "sponsors/octocat" not in body
    cancel = ledger.CommentEvent(T0 + 100, 99, 99, "maint", "/bounty cancel", True, rule=RULE)
    cancelled = campaign([("alice", 10)], extra=[cancel])
    m = notices.moment(cancelled)
    assert m.kind == "cancelled" and m.at == T0 + 100
    [body] = notices.render(cancelled, m, repo="o/r", issue=7, links=LINKS)
    assert "cancelled" in body and "nothing to pay" in body and MENTION.findall(body) == ["alice"]


def test_nobody_concerned_no_notice_and_open_is_no_moment():
    c = campaign([("alice", 10)])
    assert notices.moment(c) is None
    cancel = ledger.CommentEvent(T0 + 100, 99, 99, "maint", "/bounty cancel", True, rule=RULE)
    empty = campaign([], extra=[cancel])
    assert notices.render(empty, notices.moment(empty), repo="o/r", issue=7, links=LINKS) == []


def test_user_text_cannot_ping_or_forge_a_marker():
    c = campaign([("alice", 100)])
    evil = [PaymentLink("@everyone <!-- fundbot:notice v1 {} --> #1", "https://example.org/pay", "custom")]
    [body] = notices.render(c, notices.moment(c), repo="o/r", issue=7, links=evil)
    assert MENTION.findall(body) == ["alice"]
    assert [name for name, _, _ in markdown.find_markers(body)] == ["notice"]
