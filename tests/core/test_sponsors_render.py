"""README sponsor section content: tiers, ordering, dedupe, campaigns, and safe output."""

from __future__ import annotations

import html.parser
import re
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import markdown
from bot.core.config import Config, FundingGoal, Sponsor, Tier
from bot.core.readme import END, START, extract, splice
from bot.core.sponsors import (
    DeliveredBackers,
    Entry,
    OpenCampaign,
    collect,
    dedupe,
    entries_from_backers,
    entries_from_config,
    entries_from_sponsorships,
    money,
    progress_bar,
    render_section,
    tier_of,
)
from tests.fixtures.depth import examples

TIERS = (Tier("Gold", D(500)), Tier("Silver", D(100)), Tier("Backers", D(0)))
NO_GOAL = FundingGoal("", D(0))
NOW = 1_700_000_000.0


def gh(login: str, amount, since: float = 0.0, **kw) -> Entry:
    kw.setdefault("name", login)
    return Entry(login=login, url=f"https://github.com/{login}", avatar=None, amount=D(amount), since=since,
                 source=kw.pop("source", "github_sponsors"), **kw)


def render(entries=(), **kw) -> str:
    kw.setdefault("tiers", TIERS)
    kw.setdefault("campaigns", ())
    kw.setdefault("delivered", ())
    kw.setdefault("goal", NO_GOAL)
    kw.setdefault("currency", "USD")
    kw.setdefault("now", NOW)
    return render_section(entries, **kw)


def tier_block(out: str, name: str) -> str:
    """The lines under ``### name`` up to the next heading."""
    m = re.search(rf"^### {re.escape(name)}\n\n(.*?)(?=\n\n###|\Z)", out, re.S | re.M)
    assert m, f"no tier {name} in:\n{out}"
    return m.group(1)


# ------------------------------------------------------------------------------------------ tiers


@pytest.mark.parametrize(
    ("amount", "tier"),
    [(D(10_000), "Gold"), (D(500), "Gold"), (D("499.99"), "Silver"), (D(100), "Silver"), (D("99.99"), "Backers"),
     (D(0), "Backers"), (D(-5), None)],
)
def test_tier_by_amount_at_the_boundaries(amount, tier):
    assert tier_of(gh("a", amount), TIERS) == tier


def test_explicit_tier_wins_over_the_amount_and_matches_case_insensitively():
    assert tier_of(gh("a", 1000, tier="Backers"), TIERS) == "Backers"
    assert tier_of(gh("a", 0, tier="gold"), TIERS) == "Gold"
    assert tier_of(gh("a", 150, tier="Platinum"), TIERS) == "Silver"  # unknown tier: the amount decides


def test_tiers_are_ordered_by_min_whatever_the_config_order():
    shuffled = (TIERS[2], TIERS[0], TIERS[1])
    assert tier_of(gh("a", 600), shuffled) == "Gold"
    assert tier_of(gh("a", 150), shuffled) == "Silver"
    assert render([gh("a", 600), gh("b", 5)], tiers=shuffled) == render([gh("a", 600), gh("b", 5)])


def test_entries_below_every_tier_are_not_listed():
    tiers = (Tier("Gold", D(500)), Tier("Friends", D(25)))
    out = render([gh("big", 600), gh("small", 5)], tiers=tiers)
    assert "big" in out and "small" not in out


def test_upper_tiers_are_avatars_and_lower_tiers_linked_names():
    out = render([gh("gold1", 700, name="Gold One"), gh("silver1", 120), gh("backer1", 5, name="Backer One")])
    assert tier_block(out, "Gold") == (
        '<a href="https://github.com/gold1"><img src="https://github.com/gold1.png?size=128" width="64" '
        'height="64" alt="Gold One"></a>'
    )
    assert tier_block(out, "Silver").startswith('<a href="https://github.com/silver1"><img ')
    assert tier_block(out, "Backers") == "[Backer One](https://github.com/backer1)"
    one = render([gh("silver1", 120)], avatar_tiers=1, avatar_size=40)
    assert tier_block(one, "Silver") == "[silver1](https://github.com/silver1)"
    big = render([gh("gold1", 700)], avatar_size=40)
    assert 'width="40" height="40"' in big and "size=80" in big


def test_empty_tiers_are_omitted():
    out = render([gh("a", 5)])
    assert "### Gold" not in out and "### Silver" not in out and "### Backers" in out


def test_avatar_hosts_and_links():
    e = [
        Entry("Own avatar", "own", None, "https://avatars.githubusercontent.com/u/1?v=4", D(900), 0, "github_sponsors"),
        Entry("Evil avatar", "evil", None, "https://evil.example/pixel.png", D(800), 0, "github_sponsors"),
        Entry("No login", None, "https://nologin.example", "https://evil.example/logo.png", D(700), 0, "config"),
        Entry("Nothing", None, "http://insecure.example", None, D(600), 0, "config"),
        Entry("Http", None, "http://insecure.example", None, D(5), 0, "config"),
    ]
    lines = tier_block(render(e), "Gold").split("\n")
    assert lines[0] == ('<a href="https://github.com/own"><img src="https://avatars.githubusercontent.com/u/1?v=4" '
                        'width="64" height="64" alt="Own avatar"></a>')
    assert 'src="https://github.com/evil.png?size=128"' in lines[1]  # foreign host dropped, GitHub's used
    assert lines[2] == "[No login](https://nologin.example)"  # no usable avatar: its name, linked
    assert lines[3] == "Nothing"  # no https link, no login: plain text
    unlinked = Entry("Logo only", None, None, "https://avatars.githubusercontent.com/u/9", D(900), 0, "config")
    assert tier_block(render([unlinked]), "Gold") == "Logo only"  # never a lone <img> line
    assert tier_block(render(e), "Backers") == "Http"


def test_ordering_amount_then_since_then_login():
    e = [gh("c", 10, since=5), gh("b", 10, since=5), gh("a", 10, since=9), gh("z", 50, since=100)]
    names = re.findall(r"\[(\w)\]", tier_block(render(e), "Backers"))
    assert names == ["z", "b", "c", "a"]
    assert tier_block(render(e), "Backers").count(" ·\n") == 3


@settings(max_examples=50, deadline=None)
@given(st.permutations([gh(f"user{i}", i % 7 * 60, since=i % 3, name=f"User {i % 4}") for i in range(20)]
                       + [Entry("Same", None, None, None, D(5), 0, "config"),
                          Entry("Same", None, "https://same.example", None, D(5), 0, "config")]))
def test_same_data_same_bytes_whatever_the_input_order(entries):
    expected = render(sorted(entries, key=repr), campaigns=CAMPAIGNS, delivered=DELIVERED)
    assert render(entries, campaigns=CAMPAIGNS, delivered=DELIVERED) == expected
    assert render(list(reversed(entries)), campaigns=list(reversed(CAMPAIGNS)), delivered=DELIVERED) == expected


def test_dedupe_across_sources_keeps_the_highest_amount_and_merges():
    entries = [
        gh("acme", 150, since=300, name="acme"),
        Entry("acme", "ACME", "https://github.com/ACME", None, D(700), 50, "backers"),
        Entry("ACME Corp", None, "https://github.com/acme", None, D(0), 0, "config"),
    ]
    config_entry = entries_from_config([Sponsor("ACME Corp", "https://github.com/acme", None, None)])[0]
    assert config_entry.login == "acme"
    merged = dedupe([*entries[:2], config_entry])
    assert len(merged) == 1
    m = merged[0]
    assert (m.name, m.amount, m.since, m.url) == ("ACME Corp", D(700), 0.0, "https://github.com/acme")
    out = render([*entries[:2], config_entry])
    assert out.count("ACME Corp") == 1 and 'alt="acme"' not in out
    assert "### Gold" in out
    # An explicit tier from config survives the merge.
    tiered = entries_from_config([Sponsor("ACME Corp", "https://github.com/acme", None, "Backers")])
    assert tier_of(dedupe([*entries[:2], *tiered])[0], TIERS) == "Backers"


def test_loginless_entries_are_deduped_by_name_and_url_only():
    a = Entry("Foo Inc", None, "https://foo.example", None, D(5), 0, "config")
    b = Entry("foo  inc", None, "https://foo.example", None, D(50), 0, "config")
    c = Entry("Foo Inc", None, "https://other.example", None, D(5), 0, "config")
    assert len(dedupe([a, b, c])) == 2


def test_max_per_tier():
    out = render([gh(f"u{i}", 5) for i in range(5)], max_per_tier=2)
    assert tier_block(out, "Backers") == "[u0](https://github.com/u0) ·\n[u1](https://github.com/u1)\n… and 3 more"


# ------------------------------------------------------------------------- campaigns and goal

CAMPAIGNS = [
    OpenCampaign(12, "Fix the parser", "https://github.com/o/r/issues/12", D(500), D(120), "USD", NOW + 86400 * 30),
    OpenCampaign(7, "Docs | site", "https://github.com/o/r/issues/7", D(100), D(150), "USD", None),
    OpenCampaign(9, "Soon", "https://github.com/o/r/issues/9", D("1000.50"), D(0), "USD", NOW + 86400),
]
DELIVERED = [
    DeliveredBackers(3, "Old bug", "https://github.com/o/r/issues/3", (("alice", D(50)), ("Bob Smith", D(20)),
                                                                        ("ALICE", D(5)))),
    DeliveredBackers(5, "Feature", "https://github.com/o/r/issues/5", (("carol", D(10)),)),
]


def test_open_campaigns_table():
    out = render(campaigns=CAMPAIGNS)
    table = out[out.index("| Issue"):].split("\n")
    assert table[:2] == ["| Issue | Goal | Raised | Progress | Deadline |", "| --- | ---: | ---: | --- | --- |"]
    assert table[2] == "| [#9](https://github.com/o/r/issues/9) Soon | $1,000.50 | $0 | ░░░░░░░░░░ 0% | 2023-11-15 |"
    assert table[3] == ("| [#12](https://github.com/o/r/issues/12) Fix the parser | $500 | $120 | ██░░░░░░░░ 24% "
                        "| 2023-12-14 |")
    assert table[4] == "| [#7](https://github.com/o/r/issues/7) Docs \\| site | $100 | $150 | ██████████ 150% | — |"
    assert table[5] == "| **Total** | $1,600.50 | $270 | █░░░░░░░░░ 16% | |"
    assert len(table) == 6
    assert "No sponsors yet" not in out


def test_expired_campaigns_are_dropped_but_funded_ones_past_the_deadline_stay():
    expired = OpenCampaign(1, "Expired", "https://github.com/o/r/issues/1", D(100), D(10), "USD", NOW - 1)
    funded = OpenCampaign(2, "Funded", "https://github.com/o/r/issues/2", D(100), D(100), "EUR", NOW - 1)
    out = render(campaigns=[expired, funded])
    assert "Expired" not in out and "Funded" in out and "| 100 EUR | 100 EUR |" in out
    assert "**Total**" not in out  # one campaign


def test_mixed_currencies_have_no_total_row():
    c = [CAMPAIGNS[0], OpenCampaign(2, "Euro", "https://github.com/o/r/issues/2", D(10), D(1), "EUR", None)]
    assert "**Total**" not in render(campaigns=c)


def test_funding_goal_line():
    assert "Funding goal" not in render([gh("a", 5)])
    out = render(goal=FundingGoal("New <website>", D(5000)))
    assert "**Funding goal — New &lt;website&gt;:** $5,000" in out
    out = render(goal=FundingGoal("", D(5000)), goal_raised=D(1250), currency="EUR")
    assert "**Funding goal:** 1,250 EUR of 5,000 EUR ██░░░░░░░░ 25%" in out


def test_backers_of_delivered_campaigns():
    out = render(delivered=DELIVERED)
    block = tier_block(out, "Backers of delivered campaigns").split("\n")
    assert block == [
        "- [#5](https://github.com/o/r/issues/5) Feature: [carol](https://github.com/carol) ($10)",
        "- [#3](https://github.com/o/r/issues/3) Old bug: [alice](https://github.com/alice) ($55), Bob Smith ($20)",
    ]
    backers = entries_from_backers(DELIVERED)
    assert sorted((e.name, e.amount, e.login) for e in backers) == [
        ("Bob Smith", D(20), None), ("alice", D(55), "alice"), ("carol", D(10), "carol")]


def test_empty_state():
    out = render()
    assert out == "No sponsors yet. Use the **Sponsor** button of this repository to become the first!"
    linked = render(sponsor_url="https://github.com/sponsors/octocat")
    assert linked == "No sponsors yet. [Become the first sponsor](https://github.com/sponsors/octocat)!"
    assert render(sponsor_url="javascript:alert(1)") == out
    assert render([gh("a", -1)]).startswith("No sponsors yet")  # below every tier


def test_warnings_are_escaped_notes():
    out = render([gh("a", 5)], warnings=["GitHub Sponsors <unavailable>"])
    assert out.endswith("_Note: GitHub Sponsors &lt;unavailable&gt;_")


def test_money_and_progress():
    assert money(D("1234.5"), "USD") == "$1,234.50"
    assert money(D(1000), "eur") == "1,000 EUR"
    assert money(D(3), "<x>") == "3"
    assert progress_bar(D(1), D(0)) == "—"
    assert progress_bar(D(-5), D(10)) == "░░░░░░░░░░ 0%"
    assert progress_bar(D("9.99"), D(10)) == "█████████░ 99%"


def test_render_is_deterministic():
    args = dict(campaigns=CAMPAIGNS, delivered=DELIVERED, goal=FundingGoal("x", D(10)))
    entries = [gh("a", 600), gh("b", 120), gh("c", 5)]
    assert render(entries, **args) == render(entries, **args)
    assert render(entries, **args).encode() == render(list(reversed(entries)), **args).encode()


# ----------------------------------------------------------------------------------- converters


def test_entries_from_sponsorships():
    nodes = [
        {"createdAt": "2024-01-02T03:04:05Z", "isOneTimePayment": False, "privacyLevel": "PUBLIC", "isActive": True,
         "tier": {"name": "$10", "monthlyPriceInDollars": 10},
         "sponsorEntity": {"login": "octocat", "name": "The Octocat",
                           "avatarUrl": "https://avatars.githubusercontent.com/u/583231?v=4"}},
        {"createdAt": "2024-01-02T03:04:05Z", "privacyLevel": "PRIVATE", "isActive": True,
         "tier": {"monthlyPriceInDollars": 1000}, "sponsorEntity": {"login": "secret"}},
        {"createdAt": "2024-01-02T03:04:05Z", "privacyLevel": "PUBLIC", "isActive": False,
         "tier": {"monthlyPriceInDollars": 5}, "sponsorEntity": {"login": "past"}},
        {"createdAt": "2024-01-02T03:04:05Z", "privacyLevel": "PUBLIC", "isActive": True,
         "tier": {"monthlyPriceInDollars": 5}, "sponsorEntity": None},
        {"createdAt": "bogus", "privacyLevel": "PUBLIC", "isActive": True, "tier": None,
         "sponsorEntity": {"login": "org-x", "avatarUrl": "https://evil.example/a.png"}},
    ]
    got = entries_from_sponsorships(nodes)
    assert [(e.login, e.name, e.amount, e.avatar) for e in got] == [
        ("octocat", "The Octocat", D(10), "https://avatars.githubusercontent.com/u/583231?v=4"),
        ("org-x", "org-x", D(0), None),
    ]
    assert got[0].since == 1704164645.0 and got[1].since == 0.0


def test_collect_honours_sources():
    base = Config.defaults()
    cfg = Config.from_dict({**base.to_dict(), "readme": {**base.to_dict()["readme"], "sources": ["config"],
                                                        "sponsors": [{"name": "ACME", "tier": "Gold"}]}})
    nodes = [{"privacyLevel": "PUBLIC", "isActive": True, "tier": {"monthlyPriceInDollars": 5},
              "sponsorEntity": {"login": "octocat"}}]
    got = collect(cfg, sponsorships=nodes, backed=DELIVERED)
    assert [(e.name, e.source, e.tier) for e in got] == [("ACME", "config", "Gold")]
    assert {e.source for e in collect(base, sponsorships=nodes, backed=DELIVERED)} == {"github_sponsors", "backers"}


# ------------------------------------------------------------------------------------- escaping

ADVERSARIAL = [
    "-->", "<!--", "--", "<!-- fundbot:sponsors:end -->", "<!-- fundbot:sponsors:start -->", START, END,
    "fundbot:sponsors:end", "FUNDBOT:campaign v1", "<script>alert(1)</script>", '"onerror="alert(1)', "' onload='x",
    "javascript:alert(1)", "JaVaScRiPt:x", "data:text/html;base64,PHNjcmlwdD4=", "http://evil.example",
    "https://evil.example/x.png", "www.evil.example", "mailto:a@b.c", "](javascript:alert(1))", "[x](http://evil)",
    "![i](https://evil.example/i.png)", "<img src=x onerror=alert(1)>", "</a>", "<a href='http://x'>", "\n", "\r\n",
    "\r", "\u202e", "\u2066", "\u200f", "`", "```", "\\", "&lt;", "&#60;", "|", "# ", "- ", "> ", "1. ", "    ",
    "@everyone", "*", "_", "~~", "<", ">", '"', "'", "\x00", "\ud800", "é", "💖", "=",
]
PIECE = st.one_of(st.sampled_from(ADVERSARIAL), st.text(max_size=8))
TEXT = st.lists(PIECE, max_size=6).map("".join)
LOGIN = st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,10}", fullmatch=True), TEXT)
URL = st.one_of(
    st.none(),
    st.sampled_from(["https://ok.example/p?a=1&b=2", "http://evil.example", "javascript:alert(1)",
                     "data:image/png;base64,AAAA", "https://user:pw@evil.example/", "//evil.example",
                     "https://ok.example/a)b", 'https://ok.example/"><script>', "https://ok.example/-->",
                     "https://ok.example/fundbot:sponsors:end", "https://github.com/x", " https://ok.example "]),
    TEXT,
    TEXT.map(lambda s: "https://ok.example/" + s),
)
AVATAR = st.one_of(
    URL,
    TEXT.map(lambda s: "https://avatars.githubusercontent.com/" + s),
    TEXT.map(lambda s: "https://github.com/" + s + ".png"),
    st.sampled_from(["https://avatars.githubusercontent.com/u/1?v=4&s=64", "https://github.com/octocat.png",
                     "https://avatars.githubusercontent.com.evil.example/u/1", "https://github.com/a/b.png",
                     "https://avatars.githubusercontent.com@evil.example/", "HTTPS://evil.example/x.png"]),
)
AMOUNT = st.decimals(min_value=-10, max_value=10_000, places=2, allow_nan=False)
ENTRY = st.builds(Entry, name=TEXT, login=LOGIN, url=URL, avatar=AVATAR, amount=AMOUNT,
                  since=st.floats(allow_nan=True, allow_infinity=True),
                  source=st.sampled_from(["github_sponsors", "backers", "config"]),
                  tier=st.one_of(st.none(), st.sampled_from(["Gold", "silver", "nope"]), TEXT))
CAMPAIGN = st.builds(OpenCampaign, issue=st.integers(1, 10**6), title=TEXT, url=URL, goal=AMOUNT, raised=AMOUNT,
                     currency=st.one_of(st.sampled_from(["USD", "EUR"]), TEXT),
                     deadline=st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)))
DELIVERED_ST = st.builds(DeliveredBackers, issue=st.integers(1, 10**6), title=TEXT, url=URL,
                         backers=st.lists(st.tuples(st.one_of(TEXT, LOGIN.filter(bool)), AMOUNT), max_size=3)
                         .map(tuple))
TIERS_ST = st.lists(st.builds(Tier, name=TEXT.filter(lambda s: s.strip()), min=AMOUNT), min_size=1, max_size=3)

ALLOWED_AVATAR = re.compile(
    r"https://avatars\.githubusercontent\.com/[A-Za-z0-9._~%/-]+(\?[A-Za-z0-9._~%=&-]*)?"
    r"|https://github\.com/[A-Za-z0-9-]{1,39}\.png(\?(size|s)=[0-9]{1,4})?"
)


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.start: list[tuple[str, dict]] = []
        self.end: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.start.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.start.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self.end.append(tag)

    def handle_comment(self, data):
        self.other.append("comment:" + data)

    def handle_decl(self, decl):
        self.other.append("decl:" + decl)

    def handle_pi(self, data):
        self.other.append("pi:" + data)

    def unknown_decl(self, data):
        self.other.append("unknown:" + data)


def _unescaped(s: str, i: int) -> bool:
    """Whether the character at ``i`` is not backslash-escaped."""
    k = i
    while k > 0 and s[k - 1] == "\\":
        k -= 1
    return (i - k) % 2 == 0


def assert_safe(out: str) -> None:
    # No marker, not even as text.
    assert markdown.find_markers(out) == []
    assert "fundbot:" not in out.lower() and "<!--" not in out and "-->" not in out
    # Every "<" starts one of the three tags fundbot writes.
    for m in re.finditer("<", out):
        assert re.match(r'<a href="https://|<img src="https://|</a>', out[m.start():]), out[m.start():m.start() + 40]
    tags = _Tags()
    tags.feed(out)
    tags.close()
    assert tags.other == []
    assert {t for t, _ in tags.start} <= {"a", "img"} and set(tags.end) <= {"a"}
    for tag, attrs in tags.start:
        if tag == "a":
            assert set(attrs) == {"href"} and attrs["href"].startswith("https://")
            assert markdown.url(attrs["href"]) is not None
        else:
            assert set(attrs) == {"src", "width", "height", "alt"}
            assert ALLOWED_AVATAR.fullmatch(attrs["src"]), attrs["src"]
    # Markdown links and images: every unescaped "](" is followed by an https destination.
    for m in re.finditer(r"\]\(", out):
        if _unescaped(out, m.start()):
            dest = re.match(r"[^)\s]*", out[m.end():]).group()
            assert dest.startswith("https://") and markdown.url(dest.replace("&amp;", "&")) is not None, dest
    # Text outside tags and link destinations: no image syntax, no bare URL that GitHub would autolink.
    visible = re.sub(r"<[^>]*>", " ", out)
    visible = re.sub(r"\]\([^)\s]*\)", "] ", visible)
    for m in re.finditer(r"!\[", visible):
        assert not _unescaped(visible, m.start() + 1), "image syntax in output"
    lowered = visible.lower()
    assert "://" not in lowered and "www." not in lowered and "mailto:" not in lowered
    # No block structure smuggled in: headings, HTML lines, quotes, fences and code blocks are ours only.
    for line in out.split("\n"):
        assert not line.startswith(("    ", "\t", ">", "```", "~~~", "<script", "<!")), line
        if line.startswith("#"):
            assert line.startswith("### ") and "\n" not in line
        if line.startswith("| "):  # a table row: exactly 6 unescaped pipes (5 columns)
            assert sum(1 for i, c in enumerate(line) if c == "|" and _unescaped(line, i)) == 6, line


@settings(max_examples=examples(250), deadline=None)
@given(
    entries=st.lists(ENTRY, max_size=6),
    campaigns=st.lists(CAMPAIGN, max_size=3),
    delivered=st.lists(DELIVERED_ST, max_size=2),
    goal=st.builds(FundingGoal, title=TEXT, amount=AMOUNT),
    goal_raised=st.one_of(st.none(), AMOUNT),
    tiers=st.one_of(st.just(list(TIERS)), TIERS_ST),
    warnings=st.lists(TEXT, max_size=2),
    sponsor_url=URL,
    avatar_tiers=st.integers(0, 3),
)
def test_no_user_string_can_escape_its_context(entries, campaigns, delivered, goal, goal_raised, tiers, warnings,
                                               sponsor_url, avatar_tiers):
    out = render_section(entries, tiers=tiers, campaigns=campaigns, delivered=delivered, goal=goal,
                         currency="USD", now=NOW, avatar_tiers=avatar_tiers, warnings=warnings,
                         goal_raised=goal_raised, sponsor_url=sponsor_url)
    assert_safe(out)
    # Spliced into a README: exactly one start and one end marker, and the section reads back.
    readme = splice(b"# Project\n\nSome text.\n", out)
    assert readme.count(START.encode()) == 1 and readme.count(END.encode()) == 1
    assert readme.count(b"fundbot:") == 2
    assert extract(readme) == out
    assert splice(readme, out) == readme


@pytest.mark.parametrize("evil", ADVERSARIAL)
def test_each_adversarial_string_in_every_field(evil):
    entries = [
        Entry(evil, evil, evil, evil, D(600), 0, "github_sponsors"),
        Entry(evil, "ok-login", "https://ok.example/" + evil, "https://github.com/" + evil + ".png", D(5), 0, "config",
              tier=evil),
        Entry(evil, None, None, None, D(150), 0, "backers"),
    ]
    out = render(entries, tiers=(*TIERS, Tier(evil or "x", D(50))),
                 campaigns=[OpenCampaign(1, evil, evil, D(10), D(5), evil, None)],
                 delivered=[DeliveredBackers(2, evil, evil, ((evil, D(3)),))],
                 goal=FundingGoal(evil, D(100)), warnings=[evil], sponsor_url=evil)
    assert_safe(out)


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(ENTRY, max_size=8), st.lists(CAMPAIGN, max_size=3), st.lists(DELIVERED_ST, max_size=3), st.randoms())
def test_arbitrary_input_order_never_changes_the_bytes(entries, campaigns, delivered, rnd):
    def go(e, c, d):
        return render(e, campaigns=c, delivered=d, goal=FundingGoal("g", D(10)))

    expected = go(entries, campaigns, delivered)
    for seq in (entries, campaigns, delivered):
        rnd.shuffle(seq)
    assert go(entries, campaigns, delivered) == expected


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["alice", "ALICE", "Alice", "bob", "Bob  Smith", "Bob Smith"]),
                          st.decimals(0, 100, places=0)), max_size=6), st.randoms())
def test_backer_order_and_spelling_never_change_the_bytes(backers, rnd):
    one = DeliveredBackers(1, "t", "https://github.com/o/r/issues/1", tuple(backers))
    expected = render(entries_from_backers([one]), delivered=[one])
    rnd.shuffle(backers)
    again = DeliveredBackers(1, "t", "https://github.com/o/r/issues/1", tuple(backers))
    assert render(entries_from_backers([again]), delivered=[again]) == expected
