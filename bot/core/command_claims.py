"""The arguments of the maintainers' delivery commands (issue 14.5), for :mod:`bot.core.commands`:
``/bounty deliver [#PR | @user]`` and ``/bounty split @a 60 @b 40`` (the rules are in
:mod:`bot.core.campaign.claims`).

Decisions
---------
* ``/bounty deliver``: nothing (the waiting merge, the accepted implementer or the only claim), ``#12`` (a pull
  request, ``Command.issue``), or ``@login`` (``Command.user``); a bare login is Invalid with the right form.
  Words after it are ignored.
* ``/bounty split @a 60 @b 40``: pairs of ``@login`` and a whole percentage (``60`` or ``60%``), at least two
  and at most :data:`MAX_SOLVERS` solvers, each once, each share 1-99, summing to
  exactly 100 (else Invalid, saying the sum).
"""

from __future__ import annotations

import re
from typing import Any

from bot.core import names
from bot.core.amounts import _show

MAX_SOLVERS = 10  # solvers of one /bounty split

_PULL_RE = re.compile(r"#([0-9]{1,10})")
_SHARE_RE = re.compile(r"([0-9]{1,3})%?")
_STRIP = ".!?;:,)"


def deliver(ln: Any, toks: list[str]) -> Any:
    name = "bounty deliver"
    if not toks:
        return ln.ok(name)
    tok = toks[0].rstrip(_STRIP)
    m = _PULL_RE.fullmatch(tok)
    if m:
        number = int(m.group(1))
        if not 1 <= number < 2**31:
            return ln.bad(name, f"{_show(tok)} is not a pull request number: write e.g. “/bounty deliver #12”.")
        return ln.ok(name, issue=number)
    if tok.startswith("@"):
        if not names.is_login(tok[1:]):
            return ln.bad(name, f"{_show(tok)} is not a GitHub user name: write e.g. “/bounty deliver @user”.")
        return ln.ok(name, user=tok[1:])
    if names.is_login(tok) and not tok.isdigit():
        return ln.suggest(name, "mention the user", f"/bounty deliver @{tok}")
    return ln.bad(name, f"{_show(tok)} is not a pull request or a user: write “/bounty deliver”, "
                        "“/bounty deliver #12” or “/bounty deliver @user”.")


def split(ln: Any, toks: list[str]) -> Any:
    name = "bounty split"
    usage = "write e.g. “/bounty split @alice 60 @bob 40” (shares in percent, summing to 100)."
    users: list[str] = []
    shares: list[int] = []
    words = [w for tok in toks for w in tok.split(",") if w]
    i = 0
    while i < len(words):
        who, share = words[i].rstrip(_STRIP), words[i + 1].rstrip(_STRIP) if i + 1 < len(words) else ""
        if not who.startswith("@"):
            if users and len(users) >= 2:
                break  # trailing words
            return ln.bad(name, f"{_show(who)} is not a mention: {usage}")
        m = _SHARE_RE.fullmatch(share)
        if not names.is_login(who[1:]) or m is None:
            return ln.bad(name, f"{_show((who + ' ' + share).strip())} is not “@user SHARE”: {usage}")
        if who[1:].lower() in {u.lower() for u in users}:
            return ln.bad(name, f"{_show(who)} is named twice: {usage}")
        if not 1 <= int(m.group(1)) <= 99:
            return ln.bad(name, f"a share is a whole percentage from 1 to 99: {usage}")
        users.append(who[1:])
        shares.append(int(m.group(1)))
        if len(users) > MAX_SOLVERS:
            return ln.bad(name, f"at most {MAX_SOLVERS} solvers share a bounty.")
        i += 2
    if len(users) < 2:
        return ln.bad(name, f"/bounty split needs at least two solvers: {usage} For one, write “/bounty deliver @user”.")
    if sum(shares) != 100:
        return ln.bad(name, f"the shares sum to {sum(shares)}, not 100: {usage}")
    return ln.ok(name, users=tuple(users), shares=tuple(shares))
