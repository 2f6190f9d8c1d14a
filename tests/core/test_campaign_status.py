"""The campaign's status comment and replies (bot.core.status): content per state, determinism, safety."""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import markdown, status
from bot.core.campaign import DAY, Campaign, ClaimEvent, CommentEvent, LabelEvent, StateEvent, fold
from bot.core.config import Config, Reward
from bot.core.links import PaymentLink
from tests.fixtures.depth import examples

CONFIG = Config.defaults().bounties
REWARDS = CONFIG.rewards
T0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC).timestamp()
LINKS = [PaymentLink("GitHub Sponsors", "https://github.com/sponsors/octo", "github"),
         PaymentLink("Open Collective", "https://opencollective.com/octo", "open_collective")]


def h(hours: float) -> float:
    return T0 + hours * 3600


def C(hours, author, body, cid, maintainer=False):
    return CommentEvent(h(hours), cid, cid, author, body, maintainer)


OPEN = [C(0, "maint", "/bounty 100", 1, True), C(1, "alice", "/pledge 60", 2), C(2, "bob", "/pledge 10", 3)]
FUNDED = OPEN + [C(3, "carol", "/pledge 40", 4)]
DELIVERED = FUNDED + [ClaimEvent(h(4), 5, 12, "solver"), StateEvent(h(4), 6, "closed", "completed")]
EXPIRED = [C(0, "maint", "/bounty 100 in 1 day", 1, True), C(1, "alice", "/pledge 60", 2)]
CANCELLED = OPEN + [C(3, "maint", "/bounty cancel", 7, True)]

STATES = {
    "open": (OPEN, 5),
    "funded": (FUNDED, 5),
    "delivered": (DELIVERED, 5),
    "closed": (DELIVERED, 24 * 40),
    "expired": (EXPIRED, 72),
    "cancelled": (CANCELLED, 5),
    "none": ([], 5),
}


def campaign_in(state: str) -> tuple[Campaign, float]:
    events, hours = STATES[state]
    c = fold(events, config=CONFIG, now=h(hours))
    assert c.state == state
    return c, h(hours)


def render(c: Campaign, now: float, links=LINKS, rewards=REWARDS) -> str:
    return status.status_comment(c, repo="octo/widgets", issue=42, links=links, rewards=rewards, now=now)


def visible(body: str) -> str:
    """The body without its final marker."""
    head, sep, _ = body.rpartition("<!-- fundbot:")
    assert sep
    return head


def bar_of(body: str) -> str:
    m = re.search(r"`([█░]+)`", body)
    assert m is not None
    return m.group(1)


# ---------------------------------------------------------------------------------------- states


@pytest.mark.parametrize("state", list(STATES))
def test_every_state_is_branded_and_ends_with_the_marker(state):
    c, now = campaign_in(state)
    body = render(c, now)
    assert body.startswith(status.HEADER + " · ")
    assert status.NOTE in body and "edited in place" in body
    assert body.endswith(" -->\n")
    markers = markdown.find_markers(body)
    assert [(name, version) for name, version, _ in markers] == [("campaign", 1)]
    assert Campaign.from_snapshot(markers[0][2]) == c
    assert "<" not in visible(body)


def test_open():
    c, now = campaign_in("open")
    body = render(c, now)
    assert "🟢 open" in body
    assert "**70.00 USD** pledged of the **100.00 USD** goal by **2 backers**" in body
    assert "`██████████████░░░░░░` 70%" in body
    assert "2025-01-31 (end of day UTC) · 30 days left" in body
    assert "`/pledge AMOUNT`" in body and "all-or-nothing" in body
    assert "| ✅ 1 | Your name in the README thank-you section | 25.00 USD or more | 1 |" in body
    assert "| ⬜ 2 | Your logo in the README | 100.00 USD or more | 0 |" in body
    assert "1 of 2 reward tiers reached." in body
    # backers and payment links only once funded
    assert "#### Backers" not in body and "sponsors/octo" not in body and "please pay" not in body


def test_funded_lists_backers_and_payment_links():
    c, now = campaign_in("funded")
    body = render(c, now)
    assert "🎉 funded" in body and "The goal was reached on 2025-01-01" in body
    assert "`████████████████████` 110%" in body
    assert "#### Backers" in body
    rows = [line for line in body.splitlines() if line.startswith("| [@")]
    assert rows == [
        "| [@\u200balice](https://github.com/alice) | 60.00 USD | 1 | ⬜ not paid yet |",
        "| [@\u200bcarol](https://github.com/carol) | 40.00 USD | 1 | ⬜ not paid yet |",
        "| [@\u200bbob](https://github.com/bob) | 10.00 USD | — | ⬜ not paid yet |",
    ]
    assert "**Backers, please pay the amount you pledged**" in body
    assert "- [GitHub Sponsors](https://github.com/sponsors/octo)" in body
    assert "- [Open Collective](https://opencollective.com/octo)" in body
    assert "`/pledge AMOUNT`" in body  # over-funding is welcome


def test_funded_without_payment_links_says_so():
    c, now = campaign_in("funded")
    body = render(c, now, links=[PaymentLink("Insecure", "http://example.com", "link")])
    assert "have not set up payment links" in body and "example.com" not in body


def test_delivered_thanks_the_solver_and_asks_to_pay():
    c, now = campaign_in("delivered")
    body = render(c, now)
    assert "✅ delivered" in body
    assert "Delivered on 2025-01-01 by [@\u200bsolver](https://github.com/solver) in #12" in body
    assert "Thank you, [@\u200bsolver](https://github.com/solver)!" in body
    assert "The work is delivered. **Backers, please pay" in body and "sponsors/octo" in body
    assert "`/pledge AMOUNT`" not in body


def test_delivered_also_thanks_an_implementer_who_is_not_the_solver():
    events = [C(0, "bob", "/offer 100", 1), C(1, "maint", "/bounty accept @bob", 2, True),
              C(2, "alice", "/pledge 100", 3),
              ClaimEvent(h(3), 4, 9, "zoe"), StateEvent(h(3), 5, "closed", None)]
    c = fold(events, config=CONFIG, now=h(4))  # zoe merged, bob was accepted: the maintainer decides (14.5)
    body = render(c, h(4))
    assert c.state == "funded" and "**⏳ Awaiting maintainer:** [@\u200bzoe](https://github.com/zoe) merged #9" in body
    assert "`/bounty deliver @zoe` or `@bob`" in body
    c = fold([*events, C(4, "maint", "/bounty deliver @zoe", 6, True)], config=CONFIG, now=h(5))
    body = render(c, h(5))
    assert "by [@\u200bzoe](https://github.com/zoe)" in body and "Thanks also to [@\u200bbob]" in body
    assert c.payee == "zoe" and "who delivered it (a maintainer's decision)" in body


def test_closed_thanks_without_asking():
    c, now = campaign_in("closed")
    body = render(c, now)
    assert "🏁 closed" in body and "This campaign is closed" in body and "#### Backers" in body
    assert "sponsors/octo" not in body and "please pay" not in body


def test_expired_says_pledges_lapsed():
    c, now = campaign_in("expired")
    body = render(c, now)
    assert "⌛ expired" in body and "The deadline (2025-01-02) passed with 60.00 USD of the 100.00 USD goal" in body
    assert "the pledges have lapsed" in body and "`/bounty extend N days`" in body
    assert "sponsors/octo" not in body and "#### Backers" not in body and "`/pledge AMOUNT`" not in body


@pytest.mark.parametrize("events,why", [
    (CANCELLED, "by [@\u200bmaint](https://github.com/maint)"),
    (OPEN + [StateEvent(h(3), 9, "closed", "not_planned")], "because the issue was closed as not planned"),
    ([LabelEvent(h(0), 1, "bounty: M", True, "m"), LabelEvent(h(1), 2, "bounty: M", False, "m")],
     "because its bounty label was removed"),
])
def test_cancelled_says_why_and_that_pledges_lapsed(events, why):
    c = fold(events, config=CONFIG, now=h(5))
    body = render(c, h(5))
    assert "🚫 cancelled" in body and why in body and "The pledges have lapsed" in body
    assert "sponsors/octo" not in body


def test_no_campaign():
    c, now = campaign_in("none")
    assert "There is no campaign on this issue" in render(c, now)


def test_offers_and_implementer_are_shown():
    events = [C(0, "maint", "/bounty 100", 1, True), C(1, "bob", "/offer 90", 2), C(2, "cy", "/offer 120", 3)]
    body = render(fold(events, config=CONFIG, now=h(3)), h(3))
    assert "**Offers to implement:** [@\u200bbob](https://github.com/bob) for 90.00 USD, [@\u200bcy]" in body
    accepted = fold(events + [C(3, "maint", "/bounty accept @cy", 4, True)], config=CONFIG, now=h(4))
    body = render(accepted, h(4))
    assert "**Implementer:** [@\u200bcy](https://github.com/cy) (offer accepted)" in body
    assert "120.00 USD** goal" in body


def test_time_left_in_hours_on_the_last_day():
    events = [C(0, "maint", "/bounty 100 in 1 day", 1, True)]
    now = h(24 + 21.5)  # deadline is the end of 2025-01-02, 2.5 hours away
    assert "· 3 hours left" in render(fold(events, config=CONFIG, now=now), now)


@pytest.mark.parametrize("raised,goal,bar,percent", [
    ("0", "100", "░" * 20, "0%"), ("4.99", "100", "░" * 20, "4%"), ("5", "100", "█" + "░" * 19, "5%"),
    ("50", "100", "█" * 10 + "░" * 10, "50%"), ("99.99", "100", "█" * 19 + "░", "99%"),
    ("100", "100", "█" * 20, "100%"), ("250", "100", "█" * 20, "250%"), ("1", "3", "██████░░░░░░░░░░░░░░", "33%"),
])
def test_progress_bar_has_a_fixed_width(raised, goal, bar, percent):
    out = status.progress_bar(Decimal(raised), Decimal(goal))
    assert out == f"`{bar}` {percent}" and len(bar) == status.BAR_WIDTH


def test_reward_tiers_reached():
    rewards = (Reward(Decimal(10), "Sticker"), Reward(Decimal(50), "T-shirt"), Reward(Decimal(500), "Dinner"))
    c, now = campaign_in("funded")
    body = render(c, now, rewards=rewards)
    assert "| ✅ 1 | Sticker | 10.00 USD or more | 3 |" in body
    assert "| ✅ 2 | T-shirt | 50.00 USD or more | 1 |" in body
    assert "| ⬜ 3 | Dinner | 500.00 USD or more | 0 |" in body
    assert "2 of 3 reward tiers reached." in body
    assert "| [@\u200balice](https://github.com/alice) | 60.00 USD | 2 |" in body
    assert "Reward tiers" not in render(c, now, rewards=())


# ---------------------------------------------------------------------------------- determinism


def test_deterministic_for_any_event_order():
    c, now = campaign_in("delivered")
    again = fold(list(reversed(DELIVERED)), config=CONFIG, now=now)
    assert render(c, now) == render(again, now) == render(c, now)


def test_a_huge_campaign_fits_in_one_comment():
    events = [C(0, "maint", "/bounty 100k", 1, True)]
    events += [C(1 + i / 10_000, f"backer-{i}", f"/pledge {10 + i % 90}", 10 + i) for i in range(10_000)]
    c = fold(events, config=CONFIG, now=h(5))
    assert c.state == "funded"
    body = render(c, h(5))
    assert len(body) <= status.MAX_COMMENT
    assert body.count("| [@") == status.MAX_LISTED_BACKERS
    assert "… and 9,900 more backers (" in body
    (_, _, data), = markdown.find_markers(body)
    assert data["partial"] is True and data["backers"] == 10_000 and data["raised"] == str(c.raised())
    with pytest.raises(ValueError):
        Campaign.from_snapshot(data)


# --------------------------------------------------------------------------------------- escaping

NASTY = ["-->", "<!--", "<!-- fundbot:campaign v1 {} -->", "<script>alert(1)</script>", "@everyone", "@octo/team",
         "[x](javascript:alert(1))", "](https://evil.example)", "| a | b |", "`code`", "**bold**", "# heading",
         "1. item", "- item", "\n\n## injected", "&lt;", "\u202eevil", "a\r\nb", "--", "->", "<", ">"]
nasty = st.sampled_from(NASTY) | st.text(max_size=40) | st.lists(st.sampled_from(NASTY), max_size=4).map("".join)


def assert_safe(body: str) -> None:
    markers = markdown.find_markers(body)
    assert len(markers) == 1 and markers[0][0] == "campaign"
    assert body.count("<!--") == 1 and body.count("-->") == 1
    shown = visible(body)
    assert "<" not in shown and ">" not in shown
    # every link (an unescaped "](") goes to an https URL without spaces or parentheses
    link = re.compile(r"(?<!\\)\]\(([^)]*)\)")
    for target in link.findall(shown):
        assert target.startswith("https://") and not any(c in target for c in " ()<>")
    # outside link targets, every @ has its ping broken, except fundbot's own `/bounty accept @user` example
    prose = link.sub("]()", shown).replace("`/bounty accept @user`", "")
    assert re.search(r"@(?!\u200b)", prose) is None


SAFE = settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SAFE
@given(st.lists(nasty, min_size=1, max_size=4), nasty, nasty, nasty, st.sampled_from(["funded", "delivered"]))
def test_user_strings_cannot_break_out(names, reward_text, link_title, link_url, state):
    rewards = (Reward(Decimal(1), reward_text), Reward(Decimal(5), "ok " + reward_text))
    config = dataclasses.replace(CONFIG, rewards=rewards)
    events = [C(0, "maint", "/bounty 10", 1, True)]
    events += [C(1 + i, name, "/pledge 20\n/offer 30", 10 + i) for i, name in enumerate(names)]
    if state == "delivered":
        events += [ClaimEvent(h(9), 2, 3, names[0]), StateEvent(h(9), 3, "closed", "completed")]
    c = fold(events, config=config, now=h(10))
    links = [PaymentLink(link_title, link_url, "custom"), PaymentLink(link_title, "https://x.example/" + link_url, "c")]
    body = status.status_comment(c, repo="octo/" + link_title, issue=7, links=links, rewards=rewards, now=h(10))
    assert_safe(body)
    (_, _, data), = markdown.find_markers(body)
    assert Campaign.from_snapshot(data) == c


@SAFE
@given(nasty, nasty)
def test_other_states_are_safe_too(name, reward_text):
    rewards = (Reward(Decimal(1), reward_text),)
    config = dataclasses.replace(CONFIG, rewards=rewards)
    for events, hours in [([C(0, "maint", "/bounty 10 in 1 day", 1, True), C(1, name, "/pledge 2\n/offer 9", 2)], 5),
                          ([C(0, "maint", "/bounty 10 in 1 day", 1, True), C(1, name, "/pledge 2", 2)], 100),
                          ([C(0, "maint", "/bounty 10", 1, True), C(1, name, "/offer 9", 2),
                            C(2, "maint", "/bounty cancel", 3, True)], 5)]:
        c = fold(events, config=config, now=h(hours))
        assert_safe(status.status_comment(c, repo="o/r", issue=1, links=LINKS, rewards=rewards, now=h(hours)))


def test_campaign_link_reply():
    url = "https://github.com/octo/widgets/issues/42#issuecomment-123"
    assert status.campaign_link_reply(url) == (
        f"This campaign's goal, pledges and deadline are always current in [fundbot's status comment]({url}).\n")
    reply = status.campaign_link_reply("javascript:alert(1)-->", comment_id=5)
    assert "javascript" not in reply
    assert markdown.find_markers(reply) == [("reply", 1, {"for": "campaign-link", "to": 5})]
    assert "no campaign" in status.campaign_link_reply(None)


def test_backers_thanks_by_tier():
    a = fold(DELIVERED, config=CONFIG, now=h(5))
    b = fold([C(0, "maint", "/bounty 100", 1, True), C(1, "Bob", "/pledge 150", 2), C(2, "zed", "/pledge 5", 3),
              ClaimEvent(h(3), 4, 1, "s"), StateEvent(h(3), 5, "closed", "completed")], config=CONFIG, now=h(5))
    still_open, _ = campaign_in("open")
    text = status.backers_thanks([a, b, still_open])
    lines = text.splitlines()
    assert lines[0] == "#### Thank you, backers"
    assert lines[-3] == "- **Your logo in the README:** [@\u200bBob](https://github.com/Bob)"  # bob + Bob, one backer
    assert lines[-2] == ("- **Your name in the README thank-you section:** [@\u200balice](https://github.com/alice), "
                         "[@\u200bcarol](https://github.com/carol)")
    assert lines[-1] == "- **Backers:** [@\u200bzed](https://github.com/zed)"
    assert status.backers_thanks([still_open]) == "" and status.backers_thanks([]) == ""
    assert status.backers_thanks([b, a]) == text


@SAFE
@given(st.lists(nasty, min_size=1, max_size=4), nasty)
def test_backers_thanks_is_safe(names, reward_text):
    config = dataclasses.replace(CONFIG, rewards=(Reward(Decimal(1), reward_text),))
    events = [C(0, "maint", "/bounty 10", 1, True)]
    events += [C(1 + i, name, "/pledge 20", 10 + i) for i, name in enumerate(names)]
    events += [ClaimEvent(h(9), 2, 3, "sol"), StateEvent(h(9), 3, "closed", "completed")]
    text = status.backers_thanks([fold(events, config=config, now=h(10))])
    assert "<" not in text and ">" not in text and markdown.find_markers(text) == []
    assert re.search(r"@(?!\u200b)", text) is None


def test_snapshot_in_marker_round_trips_for_each_state():
    for state in STATES:
        c, now = campaign_in(state)
        (name, version, data), = markdown.find_markers(render(c, now))
        assert (name, version) == ("campaign", 1)
        assert Campaign.from_snapshot(json.loads(json.dumps(data))) == c


def test_days_left_counts_whole_days():
    c, _ = campaign_in("open")
    assert "· 30 days left" in render(c, c.deadline - 30 * DAY)
    assert "· 1 day left" in render(c, c.deadline - DAY)
