"""bot.core.funding on the 60 real-world FUNDING files in tests/data/github/real-world/funding/.

The table was written by reading each file (not from the linter's output): file name ->
(expected error codes, expected warning codes). See the module docstring of bot.core.funding for
the rules and their evidence.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.core.funding import check_mapping, links, lint, normalise, parse, render

DATA = Path(__file__).parents[1] / "data" / "github" / "real-world" / "funding"

E: frozenset[str] = frozenset()

# file -> (error codes, warning codes)
VERDICTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # CRLF line endings; one buy_me_a_coffee name.
    "0-99__dyndns-multiplexer-iid6support.yml": (E, E),
    # Four well-formed custom URLs, all ending in the template's "your-handle".
    "0-danielviktorovich-0__RimLoc.yml": (E, frozenset({"placeholder"})),
    # ko_fi, liberapay with a dot (ted.vortex), issuehunt, a PayPal.Me link.
    "0-vortex__cf-workers-url-shortener.yml": (E, E),
    # custom: ['https://www.youtube.com/...', ''] - the second entry is an empty string.
    "00-00-00-11__Portfolio-1.yml": (frozenset({"empty-entry"}), E),
    # patreon and liberapay names, no final newline.
    "00-Evan__shattered-pixel-dungeon.yml": (E, E),
    # Newest template: github: xyou, custom PayPal URL, every other key null.
    "00028312630__Minecraft-Mod-Tall.yml": (E, E),
    # github: 0015 unquoted - YAML reads a number (13 in Psych, 15 in YAML 1.2).
    "0015__ThatProject.yml": (frozenset({"yaml-number"}), E),
    # github: ['00200200'] - the all-digit name is quoted, so it stays text.
    "00200200__repro-lens.yml": (E, E),
    # github, buy_me_a_coffee and a quoted custom PayPal URL.
    "007revad__Synology_HDD_db.yml": (E, E),
    # Chinese comments; github list of one and one custom URL.
    "008486club-sketch__usdt-freeze-forensics.yml": (E, E),
    # Newest template with all 13 keys null: nothing to show.
    "00Arcana-Forensic00__00Arcana-Forensic00.yml": (E, frozenset({"no-funding-links"})),
    # custom links someone else's GitHub Sponsors page; `github: [steipete]` would show it natively.
    "00lexan__openclaw.yml": (E, frozenset({"use-github-key"})),
    # Random text glued to the first comment, then a mapping: not valid YAML.
    "01935067837__awal82922m-gmail.com.yml": (frozenset({"yaml-syntax"}), E),
    # github: 02ez, custom with the generic github.com/sponsors page and a Buy Me a Coffee URL.
    "02ez__github-final-project.yml": (E, E),
    # Older template, all null, including the retired otechie key.
    "0356536500__java.lang.IllegalStateException-Can-not-perform-this-action-after-onSaveInstanceState-at-androidx..yml": (
        E,
        frozenset({"no-funding-links", "retired-key"}),
    ),
    # A URL used as a key (`https://github.com/xsota/practice:`); github: xsota is fine.
    "06-de15__practice.yml": (frozenset({"unknown-key"}), E),
    # A free-text line after the mapping: not valid YAML.
    "072kailash__devops.yml": (frozenset({"yaml-syntax"}), E),
    # Every key commented out: comment-only document.
    "0Bu__daikin-altherma-esp32.yml": (E, frozenset({"no-funding-links"})),
    # github: [0x101-Cyber-Security] - not a hex number because of the letters after it.
    "0x101-Cyber-Security__NetLock-RMM.yml": (E, E),
    # github: 0xdea unquoted - YAML reads the hexadecimal number 3562.
    "0xdea__.github.yml": (frozenset({"yaml-number"}), E),
    # custom has an http:// flattr link (works, but not https).
    "0xdevalias__.github.yml": (E, frozenset({"insecure-url"})),
    # Values copied from babel's file with template comments after them; all well-formed.
    "31b4__Leetcode-Premium-Bypass.yml": (E, E),
    # github, patreon, polar, ko_fi.
    "42dx__.github.yml": (E, E),
    # Template without header: github list, open_collective; otechie left (null).
    "APIs-guru__.github.yml": (E, frozenset({"retired-key"})),
    # `[ wax911 ]` flow list with spaces, patreon, ko_fi, issuehunt.
    "AniTrend__anitrend.yml": (E, E),
    # custom: ["https://...", YouTube Member] - the second entry is plain text, not a link.
    "BeardedTinker__Home-Assistant_Config.yml": (frozenset({"bad-url"}), E),
    # patreon before github; order does not matter.
    "BrokenSource__DepthFlow.yml": (E, E),
    # Whitespace-only first line; template with otechie (null) and a custom PayPal URL.
    "DewGew__Domoticz-Google-Assistant.yml": (E, frozenset({"retired-key"})),
    # Double-quoted patreon value.
    "EddieDover__fvtt-party-sheet-templates.yml": (E, E),
    # Older template: liberapay and a custom list of one; otechie null.
    "FreeCAD__FreeCAD.yml": (E, frozenset({"retired-key"})),
    # github, patreon, ko_fi, issuehunt, three custom URLs; otechie null.
    "NickeManarin__ScreenToGif.yml": (E, frozenset({"retired-key"})),
    # liberapay only.
    "TeamNewPipe__NewPipe.yml": (E, E),
    # Double-quoted tidelift (npm/ajv) and open_collective.
    "ajv-validator__ajv.yml": (E, E),
    # `paypal:` is not a GitHub key: the PayPal link is never shown.
    "archledger__irlume.yml": (frozenset({"unknown-key"}), E),
    # Keys commented out without a space; custom list of three links.
    "btcven__locha-mesh-chat.yml": (E, E),
    # `---` and `...` around one document; zero-indented block list; tidelift pypi/cheroot.
    "cherrypy__cheroot.yml": (E, E),
    # community_bridge name and two t.me links.
    "dapsya__userbot.yml": (E, E),
    # liberapay and a single custom URL string.
    "doomemacs__doomemacs.yml": (E, E),
    # github list of an organization and a user; open_collective slug with digits.
    "electron-react-boilerplate__electron-react-boilerplate.yml": (E, E),
    # Block list item in double quotes.
    "ergebnis__.github.yml": (E, E),
    # github and open_collective.
    "eslint__eslint.yml": (E, E),
    # github, open_collective, a single-quoted custom flow list.
    "hyodotdev__openiap.yml": (E, E),
    # One key; the rest commented out; no final newline.
    "jaywcjlove__awesome-mac.yml": (E, E),
    # community_bridge and a custom link with a #fragment.
    "jenkinsci__jenkins.yml": (E, E),
    # Long unquoted PayPal URL with %-escapes (no ': ' or ' #' inside, so one scalar).
    "jmcerrejon__PiKISS.yml": (E, E),
    # custom as a single unquoted URL string.
    "kovidgoyal__kitty.yml": (E, E),
    # Older template: liberapay and a custom list; otechie null.
    "mellium__xmpp.yml": (E, frozenset({"retired-key"})),
    # github list, tidelift npm/nvm; otechie null.
    "nvm-sh__nvm.yml": (E, frozenset({"retired-key"})),
    # Five github accounts (the ohmyzsh organization plus 4 users). GitHub would take 1 org + 4 users,
    # but SPEC section 6 caps `github` at 4 entries, so fundbot calls it an error.
    "ohmyzsh__ohmyzsh.yml": (frozenset({"too-many"}), E),
    # Flow lists for github and custom, patreon, liberapay.
    "rclone__rclone.yml": (E, E),
    # github list of 3; custom YouTube URL with '@'.
    "react-hook-form__react-hook-form.yml": (E, E),
    # custom first, quoted tidelift rubygems/rubocop.
    "rubocop__rubocop.yml": (E, E),
    # Long comments; only github set.
    "seanpm2001__.github.yml": (E, E),
    # github list of 2.
    "sharkdp__fd.yml": (E, E),
    # License header in comments; github and patreon.
    "stdlib-js__stdlib.yml": (E, E),
    # open_collective and patreon.
    "vuejs__core.yml": (E, E),
    # github and an unquoted custom URL.
    "vuejs__pinia.yml": (E, E),
    # Unquoted custom URL with '/#' (a fragment, not a comment); otechie null.
    "wilsonrljr__sysidentpy.yml": (E, frozenset({"retired-key"})),
    # Template all null except custom after a blank line; otechie null.
    "yt-dlp__yt-dlp.yml": (E, frozenset({"retired-key"})),
    # custom: paypal.me/zloirock - a bare domain with a path, which GitHub's own example allows.
    "zloirock__core-js.yml": (E, E),
}

# Exact positions for the invalid files (line, column of the first error), also read by hand.
ERROR_AT = {
    "00-00-00-11__Portfolio-1.yml": (5, 70),
    "0015__ThatProject.yml": (1, 9),
    "01935067837__awal82922m-gmail.com.yml": (3, 7),
    "06-de15__practice.yml": (9, 1),
    "072kailash__devops.yml": (8, 1),
    "0xdea__.github.yml": (1, 9),
    "BeardedTinker__Home-Assistant_Config.yml": (1, 56),
    "archledger__irlume.yml": (4, 1),
}

FILES = sorted(p.name for p in DATA.iterdir())
VALID = [name for name in FILES if not VERDICTS[name][0]]


def test_table_covers_every_file() -> None:
    assert len(FILES) == 60
    assert sorted(VERDICTS) == FILES
    assert len(VALID) == 51


@pytest.mark.parametrize("name", FILES)
def test_verdict(name: str) -> None:
    problems = lint((DATA / name).read_bytes())
    errors = {p.code for p in problems if p.severity == "error"}
    warns = {p.code for p in problems if p.severity == "warning"}
    assert (errors, warns) == VERDICTS[name]
    if name in ERROR_AT:
        first = next(p for p in problems if p.severity == "error")
        assert (first.line, first.column) == ERROR_AT[name]
    # the text and bytes forms agree
    assert lint((DATA / name).read_bytes().decode("utf-8")) == problems


@pytest.mark.parametrize("name", FILES)
def test_check_mapping_on_loaded_file_gives_the_same_verdict(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    if "yaml-syntax" in VERDICTS[name][0]:
        return
    doc = YAML().load(text)
    via_mapping = check_mapping(doc, source=text)
    if doc is None:  # comment-only: no node, so no position
        assert [p.code for p in via_mapping] == [p.code for p in lint(text)]
    else:
        assert via_mapping == lint(text)


@pytest.mark.parametrize("name", VALID)
def test_round_trip(name: str) -> None:
    values, _ = parse((DATA / name).read_bytes())
    text = render(normalise(values))
    problems = lint(text)
    assert [p for p in problems if p.severity == "error"] == []
    again, _ = parse(text)
    assert again == values
    assert links(again) == links(values)
    assert all(link.url.startswith("https://") for link in links(values))


def test_some_links() -> None:
    values, _ = parse((DATA / "zloirock__core-js.yml").read_bytes())
    assert [(link.platform, link.url, link.title) for link in links(values)] == [
        ("patreon", "https://www.patreon.com/zloirock", "Patreon"),
        ("open_collective", "https://opencollective.com/core-js", "Open Collective"),
        ("tidelift", "https://tidelift.com/funding/github/npm/core-js", "Tidelift"),
        ("custom", "https://paypal.me/zloirock", "paypal.me/zloirock"),
    ]
    values, _ = parse((DATA / "ohmyzsh__ohmyzsh.yml").read_bytes())
    assert [link.title for link in links(values)][:2] == [
        "GitHub Sponsors (@ohmyzsh)",
        "GitHub Sponsors (@robbyrussell)",
    ]
