"""The payment commands' arguments (issue 14.2/14.3), for :mod:`bot.core.commands`: the payment link of an
``/offer AMOUNT [LINK]``, and the backers of ``/bounty received @user [@user ...]``. ``/paid`` takes nothing.

Decisions
---------
* ``/offer 250 https://ko-fi.com/dev``: the first word after the amount that starts with ``https://`` is the
  offerer's payment link (at most :data:`MAX_LINK` characters, trailing sentence punctuation and ``<>``
  dropped); ``http://`` is Invalid (fundbot only shows https links). Other words are ignored, as before.
* ``/bounty received @a @b, @c``: every ``@login`` word (commas and punctuation around it dropped), at least
  one, at most :data:`MAX_RECEIVED`, each once (case-insensitive); a word that is not a login, or a bare
  login without ``@``, is Invalid with the right form. Words after the mentions are ignored.
"""

from __future__ import annotations

from typing import Any

from bot.core import names
from bot.core.amounts import _show

MAX_LINK = 500
MAX_RECEIVED = 20
_STRIP = ".!?;:,)>"


def _clean(tok: str) -> str:
    return tok.lstrip("<(").rstrip(_STRIP)


def offer_link(ln: Any, cmd: Any, toks: list[str]) -> Any:
    """``cmd`` (an ``/offer`` Command) with the payment link written after its amount, or an Invalid."""
    for tok in toks[1:]:
        word = _clean(tok)
        low = word.lower()
        if low.startswith("http://"):
            return ln.bad("offer", f"{_show(word[:60])} is not an https link: fundbot only shows https payment "
                                   "links, e.g. “/offer 250 https://github.com/sponsors/you”.")
        if low.startswith("https://"):
            if len(word) > MAX_LINK or len(word) <= len("https://") or any(c.isspace() for c in word):
                return ln.bad("offer", f"the link is too long or empty: write one https link of at most {MAX_LINK} "
                                       "characters after the amount.")
            return type(cmd)(**{**cmd.__dict__, "link": word})
    return cmd


def received(ln: Any, toks: list[str]) -> Any:
    """``/bounty received @a @b``: the backers whose payment arrived."""
    name = "bounty received"
    users: list[str] = []
    for tok in toks:
        for part in tok.split(","):
            word = _clean(part)
            if not word:
                continue
            if not word.startswith("@"):
                if users:
                    return ln.ok(name, users=tuple(users))  # trailing words
                if names.is_login(word):
                    return ln.suggest(name, "mention the backer", f"/bounty received @{word}")
                return ln.bad(name, f"{_show(word)} is not a user: write e.g. “/bounty received @user” or "
                                    "“/bounty received @alice @bob”.")
            login = word[1:]
            if not names.is_login(login):
                return ln.bad(name, f"{_show(word)} is not a GitHub user name: write e.g. “/bounty received @user”.")
            if login.lower() not in {u.lower() for u in users}:
                users.append(login)
            if len(users) > MAX_RECEIVED:
                return ln.bad(name, f"at most {MAX_RECEIVED} backers per command: write another "
                                    "“/bounty received @user ...” line for the others.")
    if not users:
        return ln.bad(name, "/bounty received needs the backers whose payment arrived: write e.g. "
                            "“/bounty received @user”.")
    return ln.ok(name, users=tuple(users))
