"""The pacing budget: its arithmetic (``bot.core.pacing``, pure) and the shared state in the store, the same on
SQLite and PostgreSQL, one budget for every connection (every process) using the database."""

from __future__ import annotations

import asyncio
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import pacing
from bot.store import Store, open_store

T = 1_700_000_000.0
GITHUB = pacing.Budget()  # 80 a minute, 500 an hour, no gap, 2 s margin


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of ``times`` inside one half-open window ``(t - window, t]``."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


# -- the arithmetic --------------------------------------------------------------------------------------------
def test_a_burst_of_80_goes_at_once_and_the_81st_one_window_later():
    state, ats = pacing.State(), []
    for _ in range(81):
        taken = pacing.take(state, GITHUB, T)
        assert taken.granted
        state = taken.state
        ats.append(taken.at)
    assert ats[:80] == [T] * 80
    assert ats[80] == T + 62.0  # the first send's token comes back one (widened) minute later
    assert pacing.take(state, GITHUB, T, max_wait=60).granted is False  # too far: nothing reserved
    assert pacing.take(state, GITHUB, T, max_wait=60).state == state


def test_the_hour_budget_holds_sustained_senders_to_500():
    state, ats, now = pacing.State(), [], T
    for _ in range(600):
        taken = pacing.take(state, GITHUB, now)
        state, now = taken.state, taken.at  # a sender that always sends as soon as allowed
        ats.append(taken.at)
    assert most_in_any_window(ats, 3600.0) == 500
    assert most_in_any_window(ats, 60.0) == 80
    assert ats[500] == ats[0] + 3602.0
    assert len(state.sent) <= 500  # the state never holds more than an hour of sends


def test_gap_spaces_sends_and_block_pushes_the_next_one():
    budget = pacing.Budget(gap=0.05)
    first = pacing.take(pacing.State(), budget, T)
    second = pacing.take(first.state, budget, T)
    assert (first.at, second.at) == (T, T + 0.05)
    blocked = pacing.block(second.state, T + 30)
    assert pacing.take(blocked, budget, T + 1).at == T + 30
    assert pacing.block(blocked, T + 5).blocked_until == T + 30  # an earlier block does not shorten it
    assert not pacing.Budget(per_minute=0).enabled and GITHUB.enabled


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 30), st.integers(1, 4)), min_size=1, max_size=120))
def test_no_schedule_of_takes_ever_exceeds_a_window(steps):
    budget = pacing.Budget(per_minute=5, per_hour=12, margin=0.0)
    state, now, ats = pacing.State(), T, []
    for pause, burst in steps:
        now += pause
        for _ in range(burst):
            taken = pacing.take(state, budget, now)
            assert taken.at >= now
            state = taken.state
            ats.append(taken.at)
    assert ats == sorted(ats)
    assert most_in_any_window(ats, 60.0) <= 5
    assert most_in_any_window(ats, 3600.0) <= 12


# -- the store: the same answers as the arithmetic, on both backends --------------------------------------------
async def test_the_store_takes_as_the_arithmetic_does(store: Store):
    budget = pacing.Budget(per_minute=4, per_hour=9, gap=0.25, margin=1.0)
    rng = random.Random(7)
    state, now = pacing.State(), T
    for step in range(120):
        now += rng.choice([0.0, 0.0, 0.1, 1.5, 7.0, 40.0])
        if step % 17 == 5:
            until = now + rng.uniform(0, 20)
            await store.pace_block(11, until, now=now)
            state = pacing.block(state, until)
            continue
        max_wait = rng.choice([math.inf, 30.0, 5.0])
        expected = pacing.take(state, budget, now, max_wait)
        assert await store.pace(11, budget, max_wait=max_wait, now=now) == (expected.granted, expected.at), step
        state = expected.state


async def test_installations_have_their_own_budgets(store: Store):
    budget = pacing.Budget(per_minute=2, per_hour=10)
    assert await store.pace(1, budget, now=T) == (True, T)
    assert await store.pace(1, budget, now=T) == (True, T)
    assert await store.pace(2, budget, now=T) == (True, T)  # another installation: not held back
    assert await store.pace(1, budget, now=T, max_wait=10) == (False, T + 62.0)
    await store.pace_block(3, T + 9, now=T)
    assert await store.pace(3, budget, now=T) == (True, T + 9)


async def test_two_connections_draw_on_one_budget(store: Store):
    """Every process opens its own connection(s): here two stores on one database, taking concurrently."""
    other = open_store(store.url)
    await other.connect()
    try:
        budget = pacing.Budget(per_minute=10, per_hour=25, margin=0.0)
        takes = [s.pace(5, budget, now=T) for _ in range(30) for s in (store, other)]
        results = await asyncio.gather(*takes)
        assert all(granted for granted, _ in results)
        ats = sorted(at for _, at in results)
        assert ats.count(T) == 10  # ten at once in all, not ten per connection
        assert most_in_any_window(ats, 60.0) == 10
        assert most_in_any_window(ats, 3600.0) == 25
        await other.pace_block(5, T + 100_000, now=T)
        assert await store.pace(5, budget, now=T, max_wait=60) == (False, T + 100_000)
    finally:
        await other.close()


async def test_prune_forgets_idle_budgets_only(store: Store):
    budget = pacing.Budget(per_minute=1, per_hour=5)
    await store.pace(1, budget, now=T)
    await store.pace(2, budget, now=T + 7200)
    await store.prune(older_than=T + 7200)
    assert await store.pace(1, budget, now=T + 7200) == (True, T + 7200)  # forgotten: a fresh budget
    assert await store.pace(2, budget, now=T + 7200, max_wait=1) == (False, T + 7262.0)  # kept


@pytest.mark.parametrize("budget", [pacing.Budget(per_minute=3, per_hour=4, margin=0)])
async def test_max_wait_reserves_nothing(store: Store, budget):
    for _ in range(3):
        await store.pace(9, budget, now=T)
    assert await store.pace(9, budget, now=T, max_wait=59) == (False, T + 60)
    assert await store.pace(9, budget, now=T, max_wait=60) == (True, T + 60)
    assert await store.pace(9, budget, now=T, max_wait=math.inf) == (True, T + 3600)  # the hour is full
