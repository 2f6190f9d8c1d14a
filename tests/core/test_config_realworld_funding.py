"""``funding:`` in .github/fundbot.yml gets the same verdict as ``check-funding`` on the same text.

Every real-world FUNDING.yml in tests/data/github/real-world/funding/ is embedded under ``funding:``
in a fundbot.yml, and the config's errors (set of codes, and their positions shifted by the
embedding) must equal ``bot.core.funding.lint(file)``'s.

How a file is embedded (``embed``): decoded as UTF-8 (a BOM dropped), every non-blank line indented by
two spaces under a ``funding:`` line, the file's own line ending kept (CRLF files stay CRLF) and its
final newline kept or left out as in the file. A line that is only a document marker (``---`` or
``...``) cannot be indented - it would become text - so it is turned into a comment line, which keeps
the line numbers. So every error moves exactly one line down and two columns right. A file that
cannot be embedded textually (a ``%YAML`` directive, or a second document after ``---``) would be
embedded as its parsed mapping instead, losing the source text; none of the 60 files needs that, and
``test_every_file_embeds_textually`` keeps it so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core import config as cfg
from bot.core import funding

DATA = Path(__file__).parents[1] / "data" / "github" / "real-world" / "funding"
FILES = sorted(p.name for p in DATA.iterdir())
_MARKER = re.compile(r"(?:---|\.\.\.)[ \t]*(?:#.*)?")


def embed(raw: bytes) -> tuple[str, bool]:
    """(fundbot.yml text, True) - or (text built from the parsed mapping, False) when the file
    cannot be embedded textually."""
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    seen_content = in_second_doc = content_after_second_doc = False
    for ln in lines:
        is_content = bool(ln.strip()) and not ln.lstrip().startswith("#")
        if _MARKER.fullmatch(ln):
            in_second_doc = in_second_doc or (ln.startswith("---") and seen_content)
        elif is_content:
            content_after_second_doc = content_after_second_doc or in_second_doc
            seen_content = True
    if any(ln.startswith("%") for ln in lines) or content_after_second_doc:
        values, _ = funding.parse(raw)  # fallback: parsed values only
        body = funding.render(values).splitlines()[1:]
        return "funding:\n" + "".join(f"  {ln}\n" for ln in body), False
    newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"
    out = []
    for ln in lines:
        if _MARKER.fullmatch(ln):
            out.append("  # " + ln)
        elif not ln.strip():
            out.append("")
        else:
            out.append("  " + ln)
    final = newline if text.endswith(("\n", "\r")) else ""
    return "funding:" + newline + newline.join(out) + final, True


def _errors(problems: list) -> list[tuple[str, int, int]]:
    return [(p.code, p.line, p.column) for p in problems if p.severity == "error"]


def test_the_data_set_has_the_awkward_cases() -> None:
    raws = {name: (DATA / name).read_bytes() for name in FILES}
    assert len(FILES) == 60
    assert any(b"\r\n" in r for r in raws.values())  # CRLF
    assert any(not r.endswith(b"\n") for r in raws.values())  # no final newline
    assert any(r.startswith(b"---") for r in raws.values())  # document markers
    assert any(funding.parse(r)[0] == {} and not _errors(funding.lint(r)) for r in raws.values())  # comments only


def test_every_file_embeds_textually() -> None:
    assert [name for name in FILES if not embed((DATA / name).read_bytes())[1]] == []


def test_embedding_keeps_line_endings() -> None:
    crlf = embed((DATA / "0-99__dyndns-multiplexer-iid6support.yml").read_bytes())[0]
    assert crlf.startswith("funding:\r\n") and "\n" not in crlf.replace("\r\n", "")
    no_final = embed((DATA / "0xdea__.github.yml").read_bytes())[0]
    assert not no_final.endswith("\n")
    marked = embed((DATA / "cherrypy__cheroot.yml").read_bytes())[0]
    assert marked.splitlines()[1] == "  # ---" and marked.splitlines()[-1] == "  # ..."


@pytest.mark.parametrize("name", FILES)
def test_same_verdict_as_check_funding(name: str) -> None:
    raw = (DATA / name).read_bytes()
    text, textual = embed(raw)
    result = cfg.validate(text)
    lint = funding.lint(raw)
    # the verdict: the same error codes
    assert {i.code for i in result.errors} == {p.code for p in lint if p.severity == "error"}
    assert (result.config is None) == any(p.severity == "error" for p in lint)
    if not textual:  # pragma: no cover - see test_every_file_embeds_textually
        return
    # ... at the same places, one line down and two columns right
    assert [(i.code, i.line, i.column) for i in result.errors] == [
        (code, line + 1, col + 2) for code, line, col in _errors(lint)
    ]
    assert all(i.key is None or i.key.startswith("funding") for i in result.errors)
    # warnings too, except "no funding links" for a comment-only file: `funding:` with no value
    # means fundbot does not manage FUNDING.yml, which is not worth a warning
    expected_warnings = [
        (p.code, p.line + 1, p.column + 2)
        for p in lint
        if p.severity == "warning" and not (p.code == "no-funding-links" and result.raw.get("funding") is None)
    ]
    assert [(i.code, i.line, i.column) for i in result.warnings] == expected_warnings
    # and the usable values are those check-funding's parser keeps
    if result.config is not None:
        assert result.config.funding == funding.parse(raw)[0]
