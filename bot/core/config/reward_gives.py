"""What a reward gives (issue 14.4), pure and free of the config's other modules (the dataclass
:class:`~bot.core.config.Reward` reads it): the words of ``delivers`` and their inference when it is not
written. The decisions are in :mod:`bot.core.config.delivers`."""

from __future__ import annotations

from typing import Any

WORDS = ("readme_name", "readme_logo", "release_notes", "none")
AUTOMATIC = WORDS[:3]
_INFERRED = {
    "your name in the readme thank-you section": ("readme_name",),
    "your logo in the readme": ("readme_logo",),
}


def gives(reward: Any) -> tuple[str, ...]:
    """What fundbot delivers for ``reward`` (a :class:`~bot.core.config.Reward`): its ``delivers``, else inferred
    from the two texts of fundbot's template; ``()`` is a human reward."""
    written = getattr(reward, "delivers", None)
    if written is not None:
        return tuple(w for w in written if w != "none")
    return _INFERRED.get(" ".join(str(reward.reward).split()).casefold(), ())


def written(reward: Any) -> tuple[str, ...] | None:
    """``reward.delivers`` as it must be written to say what it gives: None when inference gives the same."""
    got = gives(reward)
    inferred = _INFERRED.get(" ".join(str(reward.reward).split()).casefold(), ())
    return None if got == inferred else (got or ("none",))
