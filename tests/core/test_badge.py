"""The campaign badge (bot.core.badge): well-formed SVG, what it says, escaped, deterministic."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from bot.core.badge import BadgeFigures, fraction, render, text_width, value_text

SVG = "{http://www.w3.org/2000/svg}"


def figures(state="open", raised="150", goal="200", currency="USD"):
    return BadgeFigures(state, Decimal(raised), Decimal(goal) if goal is not None else None, currency)


@pytest.mark.parametrize(("f", "text"), [
    (figures(), "$150 of $200"),
    (figures(raised="0"), "$0 of $200"),
    (figures(state="funded", raised="250"), "funded · $250"),
    (figures(state="delivered", raised="1250.5", currency="EUR"), "delivered · 1,250.50 EUR"),
    (figures(state="expired", raised="20"), "expired"),
    (figures(state="none", raised="0", goal=None), "no campaign"),
])
def test_what_the_badge_says(f, text):
    assert value_text(f) == text
    root = ET.fromstring(render(f))
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    assert text in root.get("aria-label") and text in root.find(SVG + "title").text
    assert [t.text for t in root.iter(SVG + "text")] == ["bounty", text]


def test_the_bar_follows_the_money():
    def bar_width(f):
        rects = ET.fromstring(render(f)).findall(SVG + "rect")
        return [int(r.get("width")) for r in rects if r.get("y")]

    track, half = bar_width(figures(raised="100"))
    assert half == track // 2
    assert len(bar_width(figures(raised="0"))) == 1  # the track only
    assert fraction(figures(raised="500")) == 1 and fraction(figures(raised="199.99")) == Decimal("0.99")
    assert bar_width(figures(state="funded", raised="250")) == []


def test_the_badge_is_wide_enough_and_deterministic():
    f = figures(raised="123456789", goal="999999999999")
    svg = render(f)
    assert svg == render(f)
    assert int(ET.fromstring(svg).get("width")) >= text_width("bounty") + text_width(value_text(f))
    assert render(figures(raised="151")) != svg


def test_user_text_is_escaped():
    svg = render(figures(), label='<script>"&')
    root = ET.fromstring(svg)  # still well-formed
    assert "<script>" not in svg and [t.text for t in root.iter(SVG + "text")][0] == '<script>"&'
