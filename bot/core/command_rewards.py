"""``/bounty reward done @user [@user ...]`` (issue 14.4), for :mod:`bot.core.commands`: a maintainer ticks off
the human rewards (``delivers: none``) the named backers earned (the ledger's part: :mod:`bot.core.campaign.rewards`).

Decisions
---------
* The words are ``reward done`` after ``/bounty`` (``/bounty rewards done`` and ``/bounty reward given`` are
  read the same); ``/bounty reward`` alone or with another word is Invalid with the right form.
* The backers are read as for ``/bounty received`` (:func:`bot.core.command_pay.received`): ``@login`` words,
  at least one, each once; they become :attr:`Command.users`.
"""

from __future__ import annotations

from typing import Any

from bot.core import command_pay
from bot.core.amounts import _show

NAME = "bounty reward done"
_DONE = ("done", "given", "delivered")


def reward_done(ln: Any, toks: list[str]) -> Any:
    """``toks`` are the words after ``/bounty reward``."""
    word = toks[0].lower().rstrip(".!:,") if toks else ""
    if word not in _DONE:
        shown = f"{_show(toks[0])} is not" if toks else "/bounty reward needs"
        return ln.bad(NAME, f"{shown} “done”: to tick off a reward you gave, write e.g. "
                            "“/bounty reward done @user”.")
    got = command_pay.received(ln, toks[1:])
    if hasattr(got, "users"):
        return ln.ok(NAME, users=got.users)
    reason = got.reason.replace("/bounty received", "/bounty reward done").replace(
        "the backers whose payment arrived", "the backers whose reward you gave")
    return ln.bad(NAME, reason)
