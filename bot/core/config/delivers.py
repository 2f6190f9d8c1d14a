"""What fundbot delivers for a reward (issue 14.4): ``bounties.rewards[].delivers``.

Decisions
---------
* **Shape**: one word or a list of words: ``readme_name`` (the backer's name in the README sponsor section),
  ``readme_logo`` (their logo - GitHub avatar - there), ``release_notes`` (a mention in the release-notes
  thanks), or ``none``: fundbot delivers nothing itself - a *human* reward (a live coding session, a pair
  programming day, a coaching hour), shown as owed in the status comment once the campaign is delivered and
  ticked off by a maintainer with ``/bounty reward done @user``. ``none`` goes alone (with another word it is
  an error); a word written twice is kept once (a warning).
* **Not written** (older configs): inferred. The two rewards fundbot's own template wrote, "Your name in the
  README thank-you section" and "Your logo in the README" (compared without case and extra spaces), deliver
  ``readme_name`` and ``readme_logo``; any other text is ``none`` (fundbot never guesses a delivery from free
  text). The schema's defaults say ``delivers`` explicitly.
* **Tiers add up**: a backer earns every reward whose ``min`` their pledge reaches (a 100 backer of the
  defaults gets the name and the logo; the logo is what the README shows).
"""

from __future__ import annotations

from typing import Any

from bot.core.config.report import BAD, Context, KeyPath, brief, short
from bot.core.config.reward_gives import AUTOMATIC, WORDS, gives, written
from bot.core.config.rules import Choice
from bot.core.yaml_tree import Node

__all__ = ["AUTOMATIC", "WORDS", "Delivers", "gives", "written"]

class Delivers(Choice):
    """One of :data:`WORDS`, or a list of them; the clean value is a tuple (``none`` alone: ``("none",)``)."""

    def __init__(self) -> None:
        super().__init__(WORDS)

    def doc(self) -> str:
        return super().doc() + ", or a list"

    def expected(self) -> str:
        return super().expected() + ", or a list of them"

    def check(self, n: Node, cx: Context, kp: KeyPath) -> Any:
        if n.kind != "seq":
            one = super().check(n, cx, kp)
            return BAD if one is BAD else (one,)
        out: list[str] = []
        for i, item in enumerate(n.value):
            word = super().check(item, cx, (*kp, i))
            if word is BAD:
                return BAD
            if word in out:
                cx.add("warning", item, (*kp, i), "duplicate-value", "each word once", brief(item),
                       f"`{short(word)}` is listed twice in `delivers`; remove the second one.")
                continue
            out.append(word)
        if not out:
            return ("none",)
        if "none" in out and len(out) > 1:
            cx.add("error", n, kp, "bad-enum", "`none` alone", brief(n),
                   "`delivers: none` means fundbot delivers nothing itself (a human reward): it cannot go with "
                   f"{', '.join(f'`{w}`' for w in out if w != 'none')}; make the human part a reward of its own.")
            return BAD
        return tuple(out)
