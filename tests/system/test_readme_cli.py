"""The README's "Commands" table stays in step with the CLI (`python -m bot --help`), as the config table does
with the schema: every command has a row, every row is a command, and every option of a command is shown in its
row (an option added to the CLI and not to the README fails here)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"
_ROW = re.compile(r"^\| `python -m bot ([a-z-]+)([^`]*)` \|", re.M)


def commands_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Commands")
    return text[start : text.index("\n## ", start)]


def readme_rows() -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _ROW.finditer(commands_section())}


def cli_commands() -> dict[str, argparse.ArgumentParser]:
    [sub] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_command_has_a_row_and_every_row_is_a_command():
    assert sorted(readme_rows()) == sorted(cli_commands())


def test_every_option_of_a_command_is_in_its_row():
    rows = readme_rows()
    missing = []
    for name, parser in cli_commands().items():
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
                continue  # internal options (serve passes them to its worker children) are not documented
            if action.choices and not action.option_strings:
                if not any(str(choice) in rows[name] for choice in action.choices):
                    missing.append(f"{name} {action.dest}")
            elif action.option_strings:
                if not any(opt in rows[name] for opt in action.option_strings):
                    missing.append(f"{name} {'/'.join(action.option_strings)}")
            elif action.dest != "command" and (action.metavar or action.dest).upper() not in rows[name].upper():
                missing.append(f"{name} {action.metavar or action.dest}")
    assert missing == []


def test_every_argument_has_help_text():
    missing = [f"{name} {action.dest}" for name, parser in cli_commands().items() for action in parser._actions
               if not isinstance(action, argparse._HelpAction) and not action.help]
    assert missing == []


def test_the_row_check_can_fail():
    assert "--port" in readme_rows()["serve"]
    assert "--no-such-option" not in readme_rows()["serve"]
