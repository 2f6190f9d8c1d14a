"""``/fundbot help`` lists every command the grammar knows (bot.core.commands.NAMES, the command words and the
``/bounty`` sub-commands of bot.core.command_words), and the addressed forms: a new command cannot be forgotten."""

from __future__ import annotations

import re

import pytest

from bot.core import command_words, commands, comments


def help_text(**kw) -> str:
    return comments.help_reply(summary="**fundbot settings**", problems="", fallback=None, comment_id=1, **kw)


def listed(text: str, command: str) -> bool:
    """``/command`` starts a code span of the help (``/fund`` is not ``/fundbot``)."""
    return re.search(r"`/" + re.escape(command) + r"(?=[ `])", text) is not None


def test_every_command_name_is_listed():
    text = help_text()
    missing = [name for name in commands.NAMES if not listed(text, name)]
    assert missing == [], f"/fundbot help does not list {missing}: add them to bot.core.comments.COMMANDS_REFERENCE"


def test_every_command_word_and_bounty_subcommand_is_listed():
    text = help_text()
    words = [w for w in command_words._TOP if not listed(text, w)]
    subs = [s for s in command_words._SUBCOMMANDS if not listed(text, f"bounty {s}")]
    assert (words, subs) == ([], [])


@pytest.mark.parametrize("form", ["/offer AMOUNT [link]", "/paid", "/bounty received @user…",
                                  "/bounty reward done @user…", "/fundbot COMMAND", "@fundbot COMMAND"])
def test_the_new_and_the_addressed_forms_are_listed(form):
    assert f"`{form}`" in help_text()


def test_the_addressed_form_uses_the_apps_handle():
    text = help_text(handle="fundbot-dev")
    assert "`@fundbot-dev COMMAND`" in text and "`@fundbot COMMAND`" not in text
