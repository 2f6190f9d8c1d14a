"""One place where every concern's Router is merged, and the isolated dispatch.

Each handler module owns a ``gidgethub.routing.Router`` named ``router``; ``ROUTER`` merges them. We never
call ``Router.dispatch`` (it stops at the first failing callback): ``dispatch`` runs every callback that
``ROUTER.fetch(event)`` returns, each in isolation, skipping the ones a previous attempt of the same job
already finished (``done``), and reports which failed and how. Every callback of a delivery gets the same
per-delivery handle, ``callback(event, repo)`` (:class:`bot.services.repo.Repo`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import Any

from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot.github import RetryLater, is_permanent
from bot.handlers import campaigns, claims, commands, config, funding, funding_file, onboarding, repository
from bot.services import repositories
from bot.services.repo import Repo

log = logging.getLogger(__name__)

ROUTER = Router(campaigns.router, claims.router, commands.router, config.router, funding.router, funding_file.router, onboarding.router,
                repository.router)


def callback_name(callback: Any) -> str:
    return f"{callback.__module__}.{callback.__qualname__}"


@dataclasses.dataclass
class Outcome:
    done: list[str]  # handlers finished (including the ones finished by earlier attempts)
    retry: list[tuple[str, BaseException]] = dataclasses.field(default_factory=list)  # may succeed later
    permanent: list[tuple[str, BaseException]] = dataclasses.field(default_factory=list)  # will not
    retry_at: float | None = None  # earliest time a RetryLater asked for

    @property
    def ok(self) -> bool:
        return not self.retry and not self.permanent


async def dispatch(event: Event, gh: Any, ctx: Any, *, done: Iterable[str] = (), router: Router = ROUTER) -> Outcome:
    outcome = Outcome(done=list(done))
    callbacks = sorted(router.fetch(event), key=callback_name)  # a stable order, for logs and tests
    repo = Repo(gh, ctx, event.data.get("repository") if isinstance(event.data, dict) else None, delivery=event.delivery_id)
    for callback in callbacks:
        name = callback_name(callback)
        if name in outcome.done:
            continue
        try:
            await callback(event, repo)
        except RetryLater as exc:
            outcome.retry.append((name, exc))
            outcome.retry_at = exc.at if outcome.retry_at is None else min(outcome.retry_at, exc.at)
            log.warning("%s postponed: %s", name, exc.reason)
        except Exception as exc:  # isolate: one failing handler never skips the others
            if repositories.read_only(exc):  # archived meanwhile: nothing may be written there, nothing to park
                log.info("%s: %s is archived; nothing written", name, repo.full_name)
                outcome.done.append(name)
            elif is_permanent(exc):
                outcome.permanent.append((name, exc))
                log.error("%s failed permanently: %r", name, exc)
            else:
                outcome.retry.append((name, exc))
                log.warning("%s failed, will retry: %r", name, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        else:
            outcome.done.append(name)
    return outcome
