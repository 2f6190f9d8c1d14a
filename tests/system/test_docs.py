"""The README's configuration table is generated from the schema: it must not drift."""

from pathlib import Path

from bot.core.config import reference_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_config_reference_matches_the_schema():
    text = README.read_text(encoding="utf-8")
    inner = text.split("<!-- config-reference:start -->\n", 1)[1].split("<!-- config-reference:end -->", 1)[0]
    assert inner == reference_markdown(), (
        "README.md's configuration table is out of date; regenerate it with\n"
        "python -c \"from bot.core.config import reference_markdown; print(reference_markdown(), end='')\""
    )


def test_readme_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    first_blocks = text.split("```sh\n")[1:3]
    assert "python -m bot demo" in first_blocks[0]
    assert "pytest" in first_blocks[1]
    assert first_blocks[1].split("```")[0].strip() in (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()


def test_readme_comment_commands_are_the_help_table():
    """The README's table of comment commands is /fundbot help's, so neither can forget a command."""
    from bot.core import comments

    text = README.read_text(encoding="utf-8")
    inner = text.split("<!-- comment-commands:start -->\n", 1)[1].split("\n<!-- comment-commands:end -->", 1)[0]
    assert inner == comments.COMMANDS_REFERENCE.split("\n\nCommands go at", 1)[0]
