"""Isolated dispatch: one failing handler never skips the others, and a retry re-runs only what failed."""

import http

import gidgethub
from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot.github import RetryLater
from bot.jobs import routing

calls: list[str] = []


def make_router(fail: dict[str, BaseException]):
    router = Router()

    async def first(event, repo):
        calls.append("first")
        if "first" in fail:
            raise fail["first"]

    async def second(event, repo):
        calls.append("second")
        if "second" in fail:
            raise fail["second"]

    async def third(event, repo):
        calls.append("third")
        if "third" in fail:
            raise fail["third"]

    router.add(first, "issues", action="opened")
    router.add(second, "issues")
    router.add(third, "issues", action="opened")
    return router


EVENT = Event({"action": "opened"}, event="issues", delivery_id="d1")


async def test_a_failing_handler_does_not_skip_the_others():
    calls.clear()
    router = make_router({"first": RuntimeError("boom")})
    outcome = await routing.dispatch(EVENT, None, None, router=router)
    assert sorted(calls) == ["first", "second", "third"]
    assert [name.rsplit(".", 1)[-1] for name, _ in outcome.retry] == ["first"]
    assert sorted(n.rsplit(".", 1)[-1] for n in outcome.done) == ["second", "third"]
    assert not outcome.ok


async def test_retry_runs_only_the_handlers_that_failed():
    calls.clear()
    router = make_router({"second": RuntimeError("boom")})
    first = await routing.dispatch(EVENT, None, None, router=router)
    calls.clear()
    again = await routing.dispatch(EVENT, None, None, router=make_router({}), done=first.done)
    # the names are module-qualified and stable across router instances
    assert calls == ["second"]
    assert again.ok and len(again.done) == 3


async def test_permanent_and_retry_later_are_told_apart():
    calls.clear()
    not_found = gidgethub.BadRequest(http.HTTPStatus.NOT_FOUND)
    router = make_router({"first": not_found, "third": RetryLater(1234.0, "rate limited")})
    outcome = await routing.dispatch(EVENT, None, None, router=router)
    assert [n.rsplit(".", 1)[-1] for n, _ in outcome.permanent] == ["first"]
    assert [n.rsplit(".", 1)[-1] for n, _ in outcome.retry] == ["third"]
    assert outcome.retry_at == 1234.0


async def test_unrouted_event_runs_nothing():
    calls.clear()
    outcome = await routing.dispatch(Event({}, event="push", delivery_id="d"), None, None, router=make_router({}))
    assert calls == [] and outcome.ok and outcome.done == []


def test_the_merged_router_serves_issues_opened():
    names = {routing.callback_name(cb) for cb in routing.ROUTER.fetch(EVENT)}
    assert "bot.handlers.funding.post_funding_links" in names
