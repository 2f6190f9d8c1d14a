"""Tests for the command parser (bot/core/commands.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.commands import (
    MAX_COMMANDS,
    NAMES,
    Amount,
    AmountError,
    Command,
    Deadline,
    Invalid,
    check_amount,
    parse_amount,
    parse_commands,
    split_lines,
)
from tests.fixtures.depth import examples

TODAY = datetime.date(2025, 1, 10)
D = Decimal


def C(name, line=1, amount=None, cur=None, days=None, date=None, user=None, issue=None, repo=None):
    """An expected Command."""
    return ("C", name, line, amount, cur, days, date, user, issue, repo)


def I(name, line=1, *words):  # noqa: E743 - short on purpose, reads well in the table
    """An expected Invalid whose reason contains all ``words`` (case-insensitive)."""
    return ("I", name, line, words)


def _matches(got, want) -> bool:
    if want[0] == "C":
        _, name, line, amount, cur, days, date, user, issue, repo = want
        if not isinstance(got, Command):
            return False
        got_amount = got.amount.value if got.amount else None
        got_cur = got.amount.currency if got.amount else None
        got_days = got.deadline.days if got.deadline else None
        got_date = got.deadline.date if got.deadline else None
        return (got.name, got.line, got_amount, got_cur, got_days, got_date, got.user, got.issue, got.repo) == (
            name, line, None if amount is None else D(amount), cur, days, date, user, issue, repo)
    _, name, line, words = want
    return (isinstance(got, Invalid) and got.name == name and got.line == line
            and all(w.lower() in got.reason.lower() for w in words))


CASES: list[tuple[str, list]] = [
    # --- plain valid commands ------------------------------------------------------------------------
    ("/fund", [C("fund")]),
    ("/pledge 5", [C("pledge", amount="5")]),
    ("/unpledge", [C("unpledge")]),
    ("/offer 300", [C("offer", amount="300")]),
    ("/claim", [C("claim")]),
    ("/campaign", [C("campaign")]),
    ("/sponsors refresh", [C("sponsors refresh")]),
    ("/fundbot help", [C("fundbot help")]),
    ("/bounty 500", [C("bounty", amount="500")]),
    ("/bounty cancel", [C("bounty cancel")]),
    ("/bounty accept @octo-cat", [C("bounty accept", user="octo-cat")]),
    ("   /pledge 5   ", [C("pledge", amount="5")]),
    ("/pledge\t5", [C("pledge", amount="5")]),
    # --- case -----------------------------------------------------------------------------------------
    ("/Pledge 5", [C("pledge", amount="5")]),
    ("/PLEDGE 5", [C("pledge", amount="5")]),
    ("/FundBot HELP", [C("fundbot help")]),
    ("/Bounty CANCEL", [C("bounty cancel")]),
    ("/SPONSORS Refresh", [C("sponsors refresh")]),
    # --- amounts: every accepted form -----------------------------------------------------------------
    ("/pledge $500", [C("pledge", amount="500", cur="USD")]),
    ("/pledge 500 USD", [C("pledge", amount="500", cur="USD")]),
    ("/pledge USD 500", [C("pledge", amount="500", cur="USD")]),
    ("/pledge 500usd", [C("pledge", amount="500", cur="USD")]),
    ("/pledge 1,250.50", [C("pledge", amount="1250.50")]),
    ("/pledge 2k", [C("pledge", amount="2000")]),
    ("/pledge 2.5k", [C("pledge", amount="2500")]),
    ("/pledge 1.5K", [C("pledge", amount="1500")]),
    ("/pledge 2.555k", [C("pledge", amount="2555")]),
    ("/pledge €50", [C("pledge", amount="50", cur="EUR")]),
    ("/pledge 50 EUR", [C("pledge", amount="50", cur="EUR")]),
    ("/pledge £20", [C("pledge", amount="20", cur="GBP")]),
    ("/pledge 50€", [C("pledge", amount="50", cur="EUR")]),
    ("/pledge $500 USD", [C("pledge", amount="500", cur="USD")]),
    ("/pledge 2kEUR", [C("pledge", amount="2000", cur="EUR")]),
    ("/pledge 50 dollars", [C("pledge", amount="50", cur="USD")]),
    ("/pledge 0.01", [C("pledge", amount="0.01")]),
    ("/pledge 999,999,999,999.99", [C("pledge", amount="999999999999.99")]),
    ("/pledge 10.5", [C("pledge", amount="10.50")]),
    ("/pledge $50.", [C("pledge", amount="50", cur="USD")]),
    ("/pledge 50 JPY", [C("pledge", amount="50", cur="JPY")]),
    # --- amounts: invalid cousins ---------------------------------------------------------------------
    ("/pledge 2,5", [I("pledge", 1, "2,5", "2.50", "25")]),
    ("/pledge 1,25", [I("pledge", 1, "1,25", "not an amount")]),
    ("/pledge 1,2345", [I("pledge", 1, "groups of three", "12345")]),
    ("/pledge 1.234", [I("pledge", 1, "two decimals", "1.23")]),
    ("/pledge 1.250", [I("pledge", 1, "two decimals", "1,250")]),
    ("/pledge 1.2500k", [C("pledge", amount="1250")]),
    ("/pledge 2.5555k", [C("pledge", amount="2555.50")]),
    ("/pledge 2.555555k", [I("pledge", 1, "two decimals")]),
    ("/pledge -5", [I("pledge", 1, "negative", "positive")]),
    ("/pledge $-5", [I("pledge", 1, "negative")]),
    ("/pledge 0", [I("pledge", 1, "positive")]),
    ("/pledge 0.00", [I("pledge", 1, "positive")]),
    ("/pledge NaN", [I("pledge", 1, "not an amount", "/pledge 25")]),
    ("/pledge inf", [I("pledge", 1, "not an amount")]),
    ("/pledge 1nan", [I("pledge", 1, "not a number")]),
    ("/pledge 1e3", [I("pledge", 1, "1000", "1k")]),
    ("/pledge 1234567890123", [I("pledge", 1, "too large", "12 digits")]),
    ("/pledge 999999999999k", [I("pledge", 1, "too large")]),
    ("/pledge 5O", [I("pledge", 1, "not an amount")]),
    ("/pledge 1.250,50", [I("pledge", 1, "1,250.50")]),
    ("/pledge .5", [I("pledge", 1, "0.5")]),
    ("/pledge 5 0", [I("pledge", 1, "unexpected", "one amount")]),
    ("/pledge 50 k", [I("pledge", 1, "without a space")]),
    ("/pledge 50 BTC", [I("pledge", 1, "crypto")]),
    ("/pledge 50 XYZ", [I("pledge", 1, "XYZ", "ISO 4217")]),
    ("/pledge 50 USD EUR", [I("pledge", 1, "second currency")]),
    ("/pledge $50 EUR", [I("pledge", 1, "two currencies")]),
    ("/pledge ¥500", [I("pledge", 1, "three-letter code")]),
    ("/pledge five dollars", [I("pledge", 1, "“five”", "/pledge 25")]),
    ("/pledge ５", [I("pledge", 1, "0-9")]),
    ("/pledge 2m", [I("pledge", 1, "only k")]),
    ("/pledge", [I("pledge", 1, "needs an amount", "/pledge 25")]),
    ("/offer", [I("offer", 1, "needs an amount")]),
    # --- trailing words -------------------------------------------------------------------------------
    ("/pledge 50 because I love it", [C("pledge", amount="50")]),
    ("/pledge 50 all in", [C("pledge", amount="50")]),  # lower-case "all" is not Albanian lek
    ("/pledge 50 ALL", [C("pledge", amount="50", cur="ALL")]),
    ("/fund please", [C("fund")]),
    ("/bounty cancel, sorry everyone", [C("bounty cancel")]),
    ("/fundbot help me", [C("fundbot help")]),
    ("/fund 50", [I("fund", 1, "/pledge 50")]),
    ("/unpledge 20", [I("unpledge", 1, "whole pledge", "/pledge")]),
    ("/campaign 500", [I("campaign", 1, "/bounty 500")]),
    # --- deadlines ------------------------------------------------------------------------------------
    ("/bounty 500 in 30 days", [C("bounty", amount="500", days=30)]),
    ("/bounty 500 in 1 day", [C("bounty", amount="500", days=1)]),
    ("/bounty 2k in 2 weeks", [C("bounty", amount="2000", days=14)]),
    ("/bounty $500 USD in 30 days.", [C("bounty", amount="500", cur="USD", days=30)]),
    ("/bounty 500 by 2025-03-01", [C("bounty", amount="500", date=datetime.date(2025, 3, 1))]),
    ("/bounty 500 by 2025-02-30", [I("bounty", 1, "not a real date")]),
    ("/bounty 500 by 2025-01-10", [I("bounty", 1, "future", "2025-01-10")]),
    ("/bounty 500 by 2024-12-31", [I("bounty", 1, "future")]),
    ("/bounty 500 by 2040-01-01", [I("bounty", 1, "too far")]),
    ("/bounty 500 by tomorrow", [I("bounty", 1, "not a deadline", "in 30 days")]),
    ("/bounty 500 in thirty days", [I("bounty", 1, "not a deadline")]),
    ("/bounty 500 in 0 days", [I("bounty", 1, "at least one day")]),
    ("/bounty 500 in 3651 days", [I("bounty", 1, "3650")]),
    ("/bounty 500 in 3650 days", [C("bounty", amount="500", days=3650)]),
    ("/bounty 500 in 600 weeks", [I("bounty", 1, "too far")]),
    ("/bounty 500 30 days", [I("bounty", 1, "in 30 days")]),
    ("/bounty 500 for the rewrite", [C("bounty", amount="500")]),
    ("/bounty extend 10 days", [C("bounty extend", days=10)]),
    ("/bounty extend 1 day", [C("bounty extend", days=1)]),
    ("/bounty extend 2 weeks", [C("bounty extend", days=14)]),
    ("/bounty extend by 10 days", [C("bounty extend", days=10)]),
    ("/bounty extend by 2025-06-01", [C("bounty extend", date=datetime.date(2025, 6, 1))]),
    ("/bounty extend to 2025-06-01", [C("bounty extend", date=datetime.date(2025, 6, 1))]),
    ("/bounty extend", [I("bounty extend", 1, "extend 14 days")]),
    ("/bounty extend soon", [I("bounty extend", 1, "not a duration")]),
    ("/bounty extend 5000 days", [I("bounty extend", 1, "3650")]),
    ("/bounty", [I("bounty", 1, "needs an amount")]),
    ("/bounty please", [I("bounty", 1, "/bounty cancel", "/bounty 500")]),
    ("/bounty cancle", [I("bounty cancel", 1, "did you mean “/bounty cancel”")]),
    ("/bounty extned 5 days", [I("bounty extend", 1, "/bounty extend")]),
    # --- mentions -------------------------------------------------------------------------------------
    ("/bounty accept @a", [C("bounty accept", user="a")]),
    ("/bounty accept @" + "a" * 39, [C("bounty accept", user="a" * 39)]),
    ("/bounty accept @" + "a" * 40, [I("bounty accept", 1, "not a GitHub user")]),
    ("/bounty accept @-alice", [I("bounty accept", 1, "not a GitHub user")]),
    ("/bounty accept @alice-", [I("bounty accept", 1, "not a GitHub user")]),
    ("/bounty accept @al--ice", [I("bounty accept", 1, "not a GitHub user")]),
    ("/bounty accept @dependabot[bot]", [I("bounty accept", 1, "not a GitHub user")]),
    ("/bounty accept @alice, thanks!", [C("bounty accept", user="alice")]),
    ("/bounty accept alice", [I("bounty accept", 1, "@alice")]),
    ("/bounty accept", [I("bounty accept", 1, "@user")]),
    ("/bounty accept @alice @bob", [I("bounty accept", 1, "one offer at a time")]),
    # --- claim ----------------------------------------------------------------------------------------
    ("/claim #12", [C("claim", issue=12)]),
    ("/claim octo/repo#7", [C("claim", issue=7, repo="octo/repo")]),
    ("/claim https://github.com/octo/repo/issues/42", [C("claim", issue=42, repo="octo/repo")]),
    ("/claim https://github.com/octo/repo/issues/42#issuecomment-1", [C("claim", issue=42, repo="octo/repo")]),
    ("/claim 12", [I("claim", 1, "/claim #12")]),
    ("/claim #0", [I("claim", 1, "not an issue number")]),
    ("/claim #abc", [I("claim", 1, "not an issue")]),
    ("/claim this one", [C("claim")]),
    # --- sub-command-only names -----------------------------------------------------------------------
    ("/fundbot", [I("fundbot help", 1, "/fundbot help")]),
    ("/fundbot status", [I("fundbot help", 1, "/fundbot help")]),
    ("/sponsors", [I("sponsors refresh", 1, "/sponsors refresh")]),
    # --- name boundaries, unknown words and near misses -----------------------------------------------
    ("/pledges", []),
    ("/pledges 5", [I("pledge", 1, "did you mean", "/pledge 5")]),
    ("/pldge 5", [I("pledge", 1, "did you mean", "/pledge 5")]),
    ("/bounties 50", [I("bounty", 1, "did you mean", "/bounty 50")]),
    ("/bountyy cancel", [I("bounty", 1, "/bounty cancel")]),
    ("/fnud", [I("fund", 1, "/fund")]),
    ("/unpldge", [I("unpledge", 1, "/unpledge")]),
    ("/campagin", [I("campaign", 1, "/campaign")]),
    ("/sponsor refresh", [I("sponsors refresh", 1, "/sponsors refresh")]),
    ("/fundbto help", [I("fundbot help", 1, "/fundbot help")]),
    ("/pldge is what I meant to type", []),  # near the name but no amount after it
    ("/fun", []),
    ("/find", []),
    ("/order 5 pizzas", []),
    ("/fudn", [I("fund", 1, "/fund")]),
    ("/offfer 20", [I("offer", 1, "/offer 20")]),
    ("/please 5 more minutes", [I("pledge", 1, "/pledge")]),  # known cost of distance 2 on long names
    ("/pledge 50 - happy to help", [C("pledge", amount="50")]),
    ("/pledge 50 ... maybe more later", [C("pledge", amount="50")]),
    ("/pledge 50 -5", [I("pledge", 1, "unexpected")]),
    ("/s", []),
    ("/usr/bin/python is broken", []),
    ("/me waves", []),
    ("/help", []),
    ("/fundraiser 5", []),
    ("/pledge5", [I("pledge", 1, "put a space", "/pledge 5")]),
    ("/pledge$5", [I("pledge", 1, "put a space")]),
    ("/fund!", []),
    ("/fund/x", []),
    ("path /pledge 5", []),
    # --- where commands are not -----------------------------------------------------------------------
    ("```\n/pledge 5\n```", []),
    ("```python\n/pledge 5\n```\n/fund", [C("fund", 4)]),
    ("~~~\n/pledge 5\n~~~\n/fund", [C("fund", 4)]),
    ("~~~~ shell\n/pledge 5\n~~~\n/pledge 6\n~~~~~\n/fund", [C("fund", 6)]),
    ("````\n```\n/pledge 5\n```\n````\n/fund", [C("fund", 6)]),
    ("   ```\n/pledge 5\n   ```\n/fund", [C("fund", 4)]),
    ("```\n/pledge 5\n~~~\n/fund", []),  # a tilde fence does not close a backtick fence; unclosed to the end
    ("```\n/pledge 5", []),
    ("``` not `a` fence\n/pledge 5", [C("pledge", 2, amount="5")]),
    ("    /pledge 5", []),
    ("\t/pledge 5", []),
    ("Some text\n\n    /pledge 5\n\n/fund", [C("fund", 5)]),
    ("Some text\n    /pledge 5", [C("pledge", 2, amount="5")]),  # 4 spaces continuing a paragraph
    ("`/pledge 5`", []),
    ("`/pledge 5` is how you pledge\n/fund", [C("fund", 2)]),
    ("> /pledge 5", []),
    (">> /pledge 5", []),
    ("> > /pledge 5", []),
    ("  > /pledge 5", []),
    ("- item\n  > /pledge 5", []),
    ("- /pledge 5", []),
    ("> quoted\n/pledge 5", []),  # a lazy continuation: GitHub renders it inside the quote
    ("> quoted\n\n/pledge 5", [C("pledge", 3, amount="5")]),  # what "Quote reply" writes
    ("> - item\n/pledge 5", []),  # lazy continuation of a list item in a quote
    ("> ```\n/pledge 5", [C("pledge", 2, amount="5")]),  # only a paragraph continues lazily: the quote ends
    ("/pledge 5\n---", [C("pledge", 1, amount="5")]),  # a setext heading's text is shown as typed
    ("| a | b |\n|---|---|\n/pledge 5", [C("pledge", 3, amount="5")]),  # a GFM table row shows its text
    ("<div>\n/pledge 5\n</div>", [C("pledge", 2, amount="5")]),  # an HTML block that shows its text
    ("<?php\n/pledge 5\n?>\n\n/fund", [C("fund", 5)]),
    ("<!DOCTYPE html\n/pledge 5>\n\n/fund", [C("fund", 4)]),
    ("<div><!--\n/pledge 5\n--></div>\n\n/fund", [C("fund", 5)]),
    ("see `code\n/pledge 5` here\n/fund", [C("fund", 3)]),  # a code span over two lines
    ("see \\`code\n/pledge 5 `", [C("pledge", 2, amount="5")]),  # an escaped backtick opens nothing
    ("`<!--` then\n/pledge 5\n-->", [C("pledge", 2, amount="5")]),  # the code span opened first
    ("x `\\` y `\n/pledge 5\n`", []),  # inside a code span a backslash escapes nothing: `\` closes it
    ("x `a\\` y `\n/pledge 5\n`", []),
    ("\\``x`\n/pledge 5", [C("pledge", 2, amount="5")]),  # an escaped first backtick; the rest opens
    ("<!-- `x\n/pledge 5 --> `", []),  # the comment opened first
    ("- a\n/pledge 5", [C("pledge", 2, amount="5")]),  # a lazy continuation of a list item is shown
    ("<!-- /pledge 5 -->", []),
    ("<!--\n/pledge 5\n-->\n/fund", [C("fund", 4)]),
    ("<!--\n/pledge 5", []),
    ("Hello <!-- hidden\n/pledge 5\n-->\n/fund", [C("fund", 4)]),
    ("Hello <!-- never closed\n/pledge 5\n\n/fund", [C("pledge", 2, amount="5"), C("fund", 4)]),
    ("use `<!--` in HTML\n/pledge 5", [C("pledge", 2, amount="5")]),
    ("/pledge 5 <!-- my note -->", [C("pledge", amount="5")]),
    ("/pledge 5 <!-- start\n/fund\n-->\n/campaign", [C("pledge", amount="5"), C("campaign", 4)]),
    ("<pre>\n/pledge 5\n</pre>\n/fund", [C("fund", 4)]),
    ("- item\n  ```\n  /pledge 5\n  ```\n/fund", [C("fund", 5)]),
    ("- a\n  - b\n    ```\n    /pledge 5\n    ```\n/fund", [C("fund", 6)]),
    ("- item\n\n  /pledge 5", [C("pledge", 3, amount="5")]),
    ("- item\n\n      /pledge 5", []),  # indented code inside the list item
    ("# /pledge 5", []),
    # --- several per comment, line numbers, line endings ----------------------------------------------
    ("/pledge 5\n/unpledge\n/fund", [C("pledge", 1, amount="5"), C("unpledge", 2), C("fund", 3)]),
    ("Thanks!\r\n\r\n/pledge 25\r\n/fundbot help\r\n", [C("pledge", 3, amount="25"), C("fundbot help", 4)]),
    ("a\rb\r/fund", [C("fund", 3)]),
    ("\ufeff/fund", [C("fund", 1)]),
    ("I'd like to help.\n/pledge 2,5\n/pledge 25", [I("pledge", 2, "2,5"), C("pledge", 3, amount="25")]),
    ("```\n/pledge 1\n```\n> /pledge 2\n<!-- /pledge 3 -->\n`/pledge 4`\n/pledge 5",
     [C("pledge", 7, amount="5")]),
    ("", []),
    ("no commands here, just / a slash", []),
]


@pytest.mark.parametrize(("body", "expected"), CASES, ids=[repr(b)[:60] for b, _ in CASES])
def test_table(body, expected):
    got = parse_commands(body, today=TODAY)
    assert len(got) == len(expected), got
    for g, w in zip(got, expected, strict=True):
        assert _matches(g, w), (g, w)


def test_table_is_big_enough():
    assert len(CASES) >= 80


def test_none_and_raw():
    assert parse_commands(None) == []
    (c,) = parse_commands("  /Pledge  $5  \r\n")
    assert c.raw == "/Pledge  $5"
    assert c.amount == Amount(D("5.00"), "USD")


def test_every_name_is_canonical():
    bodies = ["/fund", "/bounty 5", "/bounty cancel", "/bounty extend 2 days", "/bounty accept @x",
              "/bounty received @x", "/pledge 5", "/unpledge", "/offer 5", "/paid", "/claim", "/campaign", "/sponsors refresh", "/fundbot help"]
    bodies += ["/bounty reward done @x"]  # issue 14.4
    bodies += ["/bounty deliver", "/bounty split @a 60 @b 40"]  # issue 14.5
    names = [parse_commands(b)[0].name for b in bodies]
    assert sorted(names) == sorted(NAMES) and len(names) == len(NAMES)


def test_cap_on_commands():
    body = "\n".join(f"/pledge {i}" for i in range(1, 100))
    got = parse_commands(body)
    assert len(got) == MAX_COMMANDS
    assert [c.line for c in got] == list(range(1, MAX_COMMANDS + 1))


def test_long_lines():
    (bad,) = parse_commands("/pledge 5 " + "x" * 2000)
    assert isinstance(bad, Invalid) and "too long" in bad.reason and len(bad.raw) == 1000
    assert parse_commands("/whatever " + "x" * 2000) == []


def test_deadline_without_today_checks_only_the_calendar():
    (c,) = parse_commands("/bounty 5 by 2001-01-01")
    assert c.deadline == Deadline(date=datetime.date(2001, 1, 1))
    (bad,) = parse_commands("/bounty 5 by 2001-02-29")
    assert isinstance(bad, Invalid)
    assert Deadline(days=3).resolve(TODAY) == datetime.date(2025, 1, 13)
    assert Deadline(date=TODAY).resolve(datetime.date(2000, 1, 1)) == TODAY
    (c,) = parse_commands("/bounty 5 by 2025-02-01", today=datetime.datetime(2025, 1, 10, 23, 59))
    assert c.deadline.date == datetime.date(2025, 2, 1)


# ------------------------------------------------------------------------------------------ amounts

@pytest.mark.parametrize(("text", "value", "currency"), [
    ("500", "500.00", None), ("$500", "500.00", "USD"), ("500 USD", "500.00", "USD"),
    ("USD 500", "500.00", "USD"), ("500usd", "500.00", "USD"), ("1,250.50", "1250.50", None),
    ("2k", "2000.00", None), ("2.5k", "2500.00", None), ("1.5K", "1500.00", None), ("€50", "50.00", "EUR"),
    ("50 EUR", "50.00", "EUR"), ("£ 7.5", "7.50", "GBP"), ("007", "7.00", None), ("1,000,000", "1000000.00", None),
    ("12 pounds", "12.00", "GBP"), ("usd5", "5.00", "USD"),
])
def test_parse_amount_ok(text, value, currency):
    assert parse_amount(text) == Amount(D(value), currency)


@pytest.mark.parametrize(("text", "word"), [
    ("", "no amount"), ("1,25", "not an amount"), ("1.234", "two decimals"), ("-1", "negative"),
    ("0", "positive"), ("NaN", "number"), ("Infinity", "number"), ("1e5", "1k"), ("1E+5", "1k"),
    ("1" * 13, "too large"), ("1 000", "without spaces"), ("1_000", "without spaces"), ("x" * 41, "too long"),
    ("abc", "not an amount"), ("50 xyz", "currency code"), ("USD", "no number"), ("50 BTC", "crypto"), ("0.001", "smallest"), ("1..2", "one"),
    ("+5", "plus"), ("50.", "50.00"), ("1.2.3", "one decimal point"), ("sNaN", "number"),
])
def test_parse_amount_errors(text, word):
    result = parse_amount(text)
    assert isinstance(result, AmountError)
    assert word.lower() in result.reason.lower()


def test_check_amount():
    lo, hi = D(1), D(100000)
    assert check_amount(Amount(D("5.00"), None), currency="USD", minimum=lo, maximum=hi) is None
    assert check_amount(Amount(D("5.00"), "USD"), currency="usd", minimum=lo, maximum=hi) is None
    assert "in USD" in check_amount(Amount(D("5.00"), "EUR"), currency="USD", minimum=lo, maximum=hi)
    assert "minimum" in check_amount(Amount(D("0.50"), None), currency="USD", minimum=lo, maximum=hi)
    assert "100,000.00" in check_amount(Amount(D("100000.01"), None), currency="USD", minimum=lo, maximum=hi)
    assert check_amount(Amount(D("100000.00"), None), currency="USD", minimum=lo, maximum=hi) is None


@given(st.decimals(min_value=D("0.01"), max_value=D("999999999999.99"), places=2, allow_nan=False,
                   allow_infinity=False))
def test_amount_round_trip(d):
    assert parse_amount(format(d)) == Amount(d.quantize(D("0.01")), None)
    assert parse_amount(format(d, ",")) == Amount(d.quantize(D("0.01")), None)
    assert parse_amount(f"${d}") == Amount(d.quantize(D("0.01")), "USD")
    assert parse_amount(f"{d} EUR") == Amount(d.quantize(D("0.01")), "EUR")


@given(st.text(max_size=60))
def test_parse_amount_is_total(text):
    result = parse_amount(text)
    if isinstance(result, Amount):
        assert result.value > 0 and result.value.as_tuple().exponent == -2
    else:
        assert isinstance(result, AmountError) and result.reason


# ---------------------------------------------------------------------------------------- properties

def _check_invariants(body: str) -> None:
    got = parse_commands(body, today=TODAY)
    assert got == parse_commands(body, today=TODAY)  # deterministic
    assert len(got) <= MAX_COMMANDS
    lines = split_lines(body.removeprefix("\ufeff"))
    previous = 0
    for item in got:
        assert isinstance(item, Command | Invalid)
        assert previous < item.line <= len(lines)
        previous = item.line
        assert lines[item.line - 1].strip().startswith("/")
        assert item.raw.startswith("/")
        if isinstance(item, Command):
            assert item.name in NAMES
        else:
            assert item.reason


ALPHABET = st.sampled_from(list("/ \t\r\n>`~-*#<!$€,.k0123456789@") + ["pledge", "bounty", "fund", "<!--", "-->",
                                                                         "```", "~~~", "    ", "\r\n", "USD"])


@settings(max_examples=examples(150), deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_arbitrary_text(body):
    _check_invariants(body)


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(ALPHABET, max_size=80).map("".join))
def test_never_raises_on_markdownish_soup(body):
    _check_invariants(body)


COMMAND_LINES = st.sampled_from(["/fund", "/pledge 5", "/unpledge", "/bounty 500 in 3 days", "/pldge 5", "/pledge 2,5",
                                 "/claim #3", "/fundbot help", "/bounty accept @bob"])
# (No list items here: after one, a 4-space-indented line is a visible paragraph of the item, not code.)
PROSE = st.sampled_from(["Hello there.", "I'd love this feature", "/usr/bin/env is odd", "x", "# heading", "`code`",
                         "---", "<details>"])


@st.composite
def documents(draw):
    """A comment built from blocks separated by blank lines; returns (body, expected command lines)."""
    blocks, expected, line = [], [], 1
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["cmd", "prose", "fence", "tilde", "indented", "quote", "comment", "inline"]))
        cmd = draw(COMMAND_LINES)
        if kind == "cmd":
            rows = [cmd]
            expected.append(line)
        elif kind == "prose":
            rows = [draw(PROSE)]
        elif kind == "fence":
            n = draw(st.integers(3, 6))
            rows = ["`" * n + draw(st.sampled_from(["", "python", " sh"])), cmd, "`" * (n - 1), cmd, "`" * n]
        elif kind == "tilde":
            rows = ["~~~", cmd, "```", cmd, "~~~~"]
        elif kind == "indented":
            rows = [draw(st.sampled_from(["    ", "\t", "      "])) + cmd]
        elif kind == "quote":
            rows = [draw(st.sampled_from(["> ", ">> ", "> > ", "  > "])) + cmd]
        elif kind == "comment":
            rows = ["<!--", cmd, "-->"]
        else:
            rows = ["`" + cmd + "`"]
        blocks.append(rows)
        line += len(rows) + 1
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    body = (eol + eol).join(eol.join(rows) for rows in blocks)
    return body, expected


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_grammar_documents(doc):
    body, expected = doc
    _check_invariants(body)
    got = parse_commands(body, today=TODAY)
    assert [g.line for g in got] == expected


# -------------------------------------------------------------------------------------- pathological

def test_pathological_pledge_digits():
    (bad,) = parse_commands("/pledge " + "9" * 65536)
    assert isinstance(bad, Invalid) and "too long" in bad.reason
    assert isinstance(parse_amount("9" * 65536), AmountError)


def test_pathological_many_short_pledges():
    body = ("/pledge " + "9" * 8 + "\n") * 7000  # ~64 KB
    got = parse_commands(body)
    assert len(got) == MAX_COMMANDS and all(isinstance(c, Command) for c in got)


def test_pathological_commas():
    assert parse_commands("," * 65536) == []
    assert parse_commands(",\n" * 32768) == []
    (bad,) = parse_commands("/pledge " + "1," * 400)
    assert isinstance(bad, Invalid) and "too long" in bad.reason
    assert isinstance(parse_amount("1," * 30000), AmountError)


def test_pathological_backticks():
    assert parse_commands("`" * 10000) == []
    assert parse_commands("`" * 10000 + "\n/pledge 5") == []  # a 10,000-backtick fence, never closed
    assert parse_commands("x " + "` `` ``` " * 3000 + "<!--\n/pledge 5") == [
        Command("pledge", 2, "/pledge 5", amount=Amount(D("5.00")))]


def test_pathological_nested_fences():
    body = "\n".join("`" * (3 + i) for i in range(2000)) + "\n/pledge 5"
    assert parse_commands(body) == []
    body = "````\n" + "\n".join(("~~~~" if i % 2 else "```") + "\n/pledge 1" for i in range(3000))
    assert parse_commands(body) == []  # nothing closes the 4-backtick fence


def test_pathological_single_line():
    assert parse_commands("a" * 65536) == []
    assert parse_commands("/" + "a" * 65536) == []
    assert parse_commands("<!--" * 16384) == []
    assert parse_commands("- " * 32768) == []
    assert parse_commands(" " * 65536 + "/pledge 5") == []  # deeply indented: code
    assert parse_commands("\t" * 60000 + "/pledge 5") == []


def test_pathological_quotes_and_lists():
    assert parse_commands(">" * 65536 + " /pledge 5") == []
    body = "\n".join(" " * (2 * i) + "- item" for i in range(8)) + "\n/pledge 5"
    assert [c.line for c in parse_commands(body)] == [9]  # a lazy continuation of the innermost item
    body = "\n".join(" " * (2 * i) + "- item" for i in range(200)) + "\n/pledge 5"
    assert parse_commands(body) == []  # decision: deeper than markdown-it parses, no line is a command


# ------------------------------------------------------------------------------------- suggestions

# What a reason offers to type: “...” right after one of these words (the parser's own convention).
_OFFERED = __import__("re").compile(r"(?:e\.g\.|write|did you mean|such as|or) “([^“”]*)”")


def _assert_suggestions_work(line: str, today=TODAY) -> None:
    for item in parse_commands(line, today=today):
        if not isinstance(item, Invalid):
            continue
        if item.suggestion is not None:
            got = parse_commands(item.suggestion, today=today)
            assert len(got) == 1 and isinstance(got[0], Command), (line, item, got)
        for offered in _OFFERED.findall(item.reason):
            if offered.startswith("/"):
                got = parse_commands(offered, today=today)
                assert len(got) == 1 and isinstance(got[0], Command), (line, item.reason, offered, got)
            else:
                assert isinstance(parse_amount(offered), Amount), (line, item.reason, offered)


@pytest.mark.parametrize("line", [
    "/pledge -0", "/pledge +0", "/pledge -", "/pledge +", "/pledge 0.", "/pledge -0.", "/fund -0", "/pldge -0",
    "/pledge5x", "/claim 0", "/claim 99999999999", "/bounty extnd 5", "/pledge 1234.567", "/pledge .5.5",
    "/pledge 999999999999.999", "/pledge 0.0005", "/pledge 1 000 000 000 000 0", "/pledge 2,5k", "/pledge .000",
    "/pledge 1.000,000,5", "/bounty 5 in 0 days", "/bounty accept bob", "/bounty cancle 5", "/fund 0",
    "/pledges -0", "/pledge --5", "/pledge -0.00", "/pledge 0,00", "/pledge 0 000", "/bounty 5 by 2024-01-01",
])
def test_every_suggestion_is_a_valid_command(line):
    _assert_suggestions_work(line)
    _assert_suggestions_work(line, today=None)


def test_a_negative_zero_is_never_mended_into_zero():
    (bad,) = parse_commands("/pledge -0", today=TODAY)
    assert "“0”" not in bad.reason and bad.suggestion == "/pledge 25"
    (bad,) = parse_commands("/pledge -12", today=TODAY)
    assert "“12”" in bad.reason and bad.suggestion == "/pledge 12"  # a real correction is still offered


_WORDS = ["pledge", "pledges", "pldge", "plegde", "bounty", "bounties", "bonty", "offer", "ofer", "fund", "fudn",
          "unpledge", "claim", "campaign", "sponsors", "fundbot", "fundbto", "sponsor"]
_PIECES = st.sampled_from(["-", "+", "0", "00", "5", "12", "999999999999", ".", ",", "k", "$", "€", "£", "¥", "USD",
                           "usd", "EUR", "BTC", "all", "in", "by", "days", "weeks", "2024-02-30", "2025-03-01",
                           "2040-01-01", "cancel", "extend", "accept", "cancle", "@bob", "bob", "@", "#", "#0", "to",
                           "e", "1e3", "NaN", "'", "_", " "])


@st.composite
def command_like(draw):
    word = draw(st.sampled_from(_WORDS))
    glued = draw(st.booleans())
    tokens = draw(st.lists(st.lists(_PIECES, min_size=1, max_size=4).map("".join), max_size=4))
    return "/" + word + ("" if glued else " ") + " ".join(tokens)


@settings(max_examples=examples(600), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command_like(), st.sampled_from([TODAY, None]))
def test_property_every_suggestion_parses_as_a_valid_command(line, today):
    _assert_suggestions_work(line, today)


# --- addressed forms: /fundbot COMMAND and @HANDLE COMMAND (issue 14, point 6) -------------------------

ADDRESSED = [
    # (body, options, expected: (name, amount) of a Command, "!" + reason start of an Invalid, or None)
    ("/fundbot pledge 50", {}, ("pledge", "50.00")),
    ("@fundbot pledge $5", {}, ("pledge", "5.00")),
    ("@FundBot[bot] pledge 5", {}, ("pledge", "5.00")),
    ("@mybot pledge 5", {"handle": "mybot"}, ("pledge", "5.00")),
    ("@fundbot pledge 5", {"handle": "mybot"}, None),
    ("@someone pledge 5", {}, None),
    ("@fundbot thanks!", {}, None),
    ("@fundbot", {}, None),
    ("@fundbot help", {}, ("fundbot help", None)),
    ("/fundbot fund", {}, ("fund", None)),
    ("/fundbot halp", {}, "!“halp” is not a /fundbot sub-command"),
    ("@fundbot pledge 5 0", {}, "!unexpected “0” after the amount: write one amount, e.g. “@fundbot pledge 25”"),
    ("/pledge 50", {"bare": False}, None),
    ("/claim", {"bare": False}, None),
    ("/fundbot pledge 50", {"bare": False}, ("pledge", "50.00")),
    ("/fundbot help", {"bare": False}, ("fundbot help", None)),
    ("> @fundbot pledge 50", {}, None),
]


@pytest.mark.parametrize(("body", "options", "want"), ADDRESSED)
def test_addressed_forms(body, options, want):
    got = parse_commands(body, **options)
    if want is None:
        assert got == []
    elif isinstance(want, str):
        assert len(got) == 1 and isinstance(got[0], Invalid) and got[0].reason.startswith(want[1:]), got
    else:
        assert len(got) == 1 and isinstance(got[0], Command), got
        assert (got[0].name, str(got[0].amount.value) if got[0].amount else None) == want
        assert got[0].raw == body
