"""The per-delivery handle (``bot.services.repo.Repo``): names, config read once per delivery and forgotten
on demand, sibling handles, and log lines that carry the delivery, installation and repository."""

import io
import json
import logging

from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot import logs
from bot.jobs import routing
from bot.services import config_loader
from bot.services.repo import Repo


class Gh:
    installation_id = 42


class Ctx:
    bot_login = "fundbot[bot]"


REPOSITORY = {"id": 7, "full_name": "octo-org/widgets"}


def test_names_and_variables():
    repo = Repo(Gh(), Ctx(), REPOSITORY, delivery="d1")
    assert (repo.full_name, repo.owner, repo.name, repo.id) == ("octo-org/widgets", "octo-org", "widgets", 7)
    assert repo.vars == {"owner": "octo-org", "repo": "widgets"}
    assert repo.installation_id == 42 and repo.bot_login == "fundbot[bot]"
    bare = Repo(None, None, None)  # an installation-level delivery: no repository
    assert (bare.full_name, bare.owner, bare.installation_id, bare.repository) == ("", "", None, {})
    other = repo.at({"id": 8, "full_name": "octo-org/gadgets"})
    assert (other.full_name, other.gh, other.delivery) == ("octo-org/gadgets", repo.gh, "d1")


async def test_config_is_read_once_per_delivery_and_forgotten_on_demand(monkeypatch):
    loads, invalidated = [], []

    async def load(gh, ctx, repository):
        loads.append(repository["full_name"])
        return f"config {len(loads)}"

    monkeypatch.setattr(config_loader, "load", load)
    monkeypatch.setattr(config_loader, "invalidate", lambda ctx, repository=None: invalidated.append(repository))
    repo = Repo(Gh(), Ctx(), REPOSITORY)
    assert await repo.config() == await repo.config() == "config 1"
    repo.forget_config()
    assert await repo.config() == "config 2" and invalidated == [REPOSITORY]
    repo.forget_config(everywhere=True)
    assert invalidated == [REPOSITORY, None]
    assert await repo.at(REPOSITORY).config() == "config 3"  # a sibling handle has its own memo
    assert loads == ["octo-org/widgets"] * 3


async def test_every_handler_of_a_delivery_gets_the_same_handle():
    seen = []
    router = Router()

    async def first(event, repo):
        seen.append(repo)

    async def second(event, repo):
        seen.append(repo)

    router.add(first, "issues")
    router.add(second, "issues")
    event = Event({"action": "opened", "repository": REPOSITORY}, event="issues", delivery_id="d9")
    outcome = await routing.dispatch(event, Gh(), Ctx(), router=router)
    assert outcome.ok and len(seen) == 2 and seen[0] is seen[1]
    assert (seen[0].full_name, seen[0].delivery, seen[0].installation_id) == ("octo-org/widgets", "d9", 42)


def test_log_lines_name_the_repository_even_outside_a_webhook_job():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("bot.repo")
    logger.addHandler(handler)
    try:
        with logs.job_context(delivery="job-1", installation=42):  # a scheduled job: no repository in the context
            Repo(Gh(), Ctx(), REPOSITORY, delivery="job-1").log.warning("hello")
            logger.warning("plain")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["msg"], first["repo"], first["delivery"], first["installation"]) == ("hello", "octo-org/widgets", "job-1", 42)
    assert second["msg"] == "plain" and "repo" not in second and second["delivery"] == "job-1"
