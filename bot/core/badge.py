"""The campaign badge: a small SVG a status comment or a README embeds (``GET /badges/OWNER/REPO/ISSUE.svg``).

Pure and deterministic: the same campaign figures give the same bytes, so the shell's ETag (a digest of the
bytes) changes exactly when what the badge shows changes. Two halves in the shields.io style - a label
("bounty") and a value ("$150 of $200") with a progress bar along the bottom - sized from a table of
character widths of the 11 px sans-serif face (the badge needs no font file and no external resource).
Every text is XML-escaped; the badge carries ``role="img"``, an ``aria-label`` and a ``<title>``, so it is
readable without the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from xml.sax.saxutils import escape, quoteattr

from bot.core.sponsors import money

HEIGHT, BAR = 20, 3
COLOURS = {  # state -> value background (GitHub's Primer palette: accessible on white text)
    "open": "#0969da", "funded": "#1a7f37", "delivered": "#8250df", "closed": "#6e7781",
    "expired": "#9a6700", "cancelled": "#6e7781", "none": "#6e7781",
}
LABEL_COLOUR, BAR_COLOUR, TRACK_COLOUR = "#555", "#2da44e", "#d0d7de"
_WIDE = set("MWmw@%&")
_NARROW = set("il.,:;'!|ijI1 ()[]ft")


@dataclass(frozen=True)
class BadgeFigures:
    """What a badge shows of a campaign."""

    state: str  # bot.core.campaign's state: open, funded, delivered, expired, cancelled, closed, none
    raised: Decimal
    goal: Decimal | None
    currency: str


def text_width(text: str) -> int:
    """The width in pixels of ``text`` at 11 px (an estimate that errs wide, so text never overflows)."""
    width = 0.0
    for char in text:
        width += 10.5 if char in _WIDE else 4.2 if char in _NARROW else 7.4
    return int(width) + 1


def value_text(f: BadgeFigures) -> str:
    """``$150 of $200``, ``funded · $250``, ``delivered``, ``no campaign``..."""
    if f.state == "none":
        return "no campaign"
    raised = money(f.raised, f.currency)
    if f.state in ("open",) and f.goal:
        return f"{raised} of {money(f.goal, f.currency)}"
    if f.state in ("funded", "delivered", "closed"):
        return f"{f.state} · {raised}"
    return f.state


def fraction(f: BadgeFigures) -> Decimal:
    """How much of the bar is filled: raised / goal, floored to whole percent, capped at 1."""
    if not f.goal or f.goal <= 0:
        return Decimal(1) if f.state in ("funded", "delivered", "closed") else Decimal(0)
    ratio = max(f.raised, Decimal(0)) / f.goal
    return min(Decimal(1), (ratio * 100).to_integral_value(ROUND_FLOOR) / 100)


def render(f: BadgeFigures, *, label: str = "bounty") -> str:
    """The badge as an SVG document (UTF-8 text)."""
    value = value_text(f)
    left, right = text_width(label) + 12, text_width(value) + 12
    total = left + right
    filled = int((Decimal(right) * fraction(f)).to_integral_value(ROUND_FLOOR))
    colour = COLOURS.get(f.state, COLOURS["none"])
    spoken = f"{label}: {value}"
    if f.goal and f.state == "open":
        spoken += f" ({int(fraction(f) * 100)}% funded)"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" role="img" '
        f'aria-label={quoteattr(spoken)}>',
        f"<title>{escape(spoken)}</title>",
        f'<rect width="{left}" height="{HEIGHT}" fill="{LABEL_COLOUR}"/>',
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" fill="{colour}"/>',
    ]
    if f.state == "open" and f.goal:
        parts.append(f'<rect x="{left}" y="{HEIGHT - BAR}" width="{right}" height="{BAR}" fill="{TRACK_COLOUR}"/>')
        if filled:
            parts.append(f'<rect x="{left}" y="{HEIGHT - BAR}" width="{filled}" height="{BAR}" fill="{BAR_COLOUR}"/>')
    parts += [
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">',
        f'<text x="{left // 2}" y="14">{escape(label)}</text>',
        f'<text x="{left + right // 2}" y="14">{escape(value)}</text>',
        "</g></svg>",
    ]
    return "".join(parts)
