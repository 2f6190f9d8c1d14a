"""Issue 12.5: costs flat in size (counted, not timed). GitHub requests per accepted /pledge (ordinary, the one
reaching the goal, the first after a restart) at 10 and 1,000 comments; the bytes a pledge on a 10,000-pledge
campaign writes to the store; the incremental state read back by a fresh process equals the fold."""

from __future__ import annotations

import json

import pytest

from bench import costs
from bot.core import campaign as ledger
from bot.core import history
from bot.core.config import Config
from bot.services import campaign_state

T0 = 1_800_000_000.0
CONFIG = Config.defaults()
RULE = history.rule_of(CONFIG.bounties)


@pytest.mark.parametrize("comments", [10, 1000])
async def test_calls_per_accepted_pledge_are_at_most_three_in_every_case(comments):
    got = await costs.calls_per_pledge(comments)
    assert len(got["ordinary"]) == 2  # the 👍 and the status comment edit
    assert not any("timeline" in c or "/comments 200" in c and c.startswith("GET") for c in got["goal_reaching"])
    for case in ("ordinary", "goal_reaching", "after_goal", "first_after_restart"):
        assert got[f"{case}_installation_calls"] <= 3, (case, got[case])
        # beside them, the pledge reaching the goal posts the funded notice (bounties.notify), and only that one
        assert got[f"{case}_notices"] == (case == "goal_reaching"), (case, got[case])
    assert not any("/labels 200" in c and c.startswith("GET") for c in got["first_after_restart"])  # stored


class FakeStore:
    """The store's cache API, counting the JSON characters each write carries."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], str] = {}
        self.writes: list[int] = []

    async def cache_get(self, namespace, key, *, now=None):
        raw = self.data.get((namespace, key))
        return None if raw is None else json.loads(raw)

    async def cache_set(self, namespace, key, value, *, ttl=None, installation_id=None, now=None):
        raw = json.dumps(value)
        self.writes.append(len(raw))
        self.data[(namespace, key)] = raw

    async def cache_delete(self, namespace, key):
        self.data.pop((namespace, key), None)


class Ctx:
    def __init__(self, store: FakeStore) -> None:
        self.store, self.memos = store, {}

    def memo(self, name, *, ttl, maxsize=4096):
        return self.memos.setdefault(name, {})


def pledge(i: int, amount: int = 5, *, at: float | None = None) -> ledger.CommentEvent:
    return ledger.CommentEvent(T0 + 10 + i if at is None else at, 100 + i, 100 + i, f"b{i}", f"/pledge {amount}",
                               False, rule=RULE)


def opened(n: int) -> tuple[list, ledger.Campaign]:
    events = [ledger.CommentEvent(T0, 1, 1, "maint", "/bounty 100000", True, rule=RULE)]
    events += [pledge(i, 1 + i % 50) for i in range(n)]
    return events, ledger.fold(events, config=CONFIG.bounties, now=T0 + 10 + n)


KW = {"config": CONFIG.bounties}


async def write(ctx, campaign, stored, now):
    return await campaign_state.save(ctx, "r#1", campaign, stored, status_comment=7, rendered="d", now=now,
                                     installation_id=1)


async def test_a_pledge_on_a_10000_pledge_campaign_writes_a_few_kilobytes():
    store = FakeStore()
    ctx = Ctx(store)
    events, c = opened(9_800)
    stored = await write(ctx, c, None, T0 + 20_000)
    assert sum(store.writes) > 1_000_000  # the first write is the whole log
    per_pledge = []
    for i in range(9_800, 9_800 + 2 * campaign_state.CHUNK):  # at least two chunks sealed on the way
        store.writes.clear()
        loaded = await campaign_state.load(ctx, "r#1", KW)
        assert loaded is not None and loaded.stored == stored  # this process's memo: nothing decoded
        c = ledger.apply(loaded.campaign, pledge(i, at=T0 + 20_000 + i), now=T0 + 30_000 + i, **KW)
        stored = await write(ctx, c, loaded.stored, T0 + 30_000 + i)
        per_pledge.append(sum(store.writes))
    assert max(per_pledge) < 16_000, max(per_pledge)  # bounded by the chunk size, not the campaign's
    assert c.backers() == 9_800 + 2 * campaign_state.CHUNK
    fresh = await campaign_state.load(Ctx(store), "r#1", KW)  # a restart: same store, no memo
    assert fresh is not None and fresh.campaign == c and (fresh.status_comment, fresh.rendered) == (7, "d")


async def test_restart_equivalence_after_appends_edits_and_deletions():
    store = FakeStore()
    events, c = opened(300)
    stored = await write(Ctx(store), c, None, T0 + 400)
    changes = [pledge(400, 9, at=T0 + 500),
               ledger.CommentEvent(T0 + 15, 105, 105, "b5", "/pledge 44", False, edited_at=T0 + 600, rule=RULE),
               ledger.CommentEvent(T0 + 12, 102, 102, "b2", "", False, deleted=True),
               pledge(401, 3, at=T0 + 700),
               ledger.CommentEvent(T0 + 250, 340, 340, "late-but-early", "/pledge 8", False, rule=RULE)]
    now = T0 + 800
    for k, e in enumerate(changes):
        ctx = Ctx(store) if k % 2 else Ctx(FakeStore())  # half the time the memo is cold (another process)
        ctx.store = store
        loaded = await campaign_state.load(ctx, "r#1", KW)
        assert loaded is not None
        c = ledger.apply(loaded.campaign, e, now=now + k, **KW)
        stored = await write(ctx, c, loaded.stored, now + k)
        events.append(e)
        fresh = await campaign_state.load(Ctx(store), "r#1", KW)
        assert fresh.campaign == c == ledger.fold(events, config=CONFIG.bounties, now=now + k)
    sealed = {k for ns, k in store.data if "/" in k}
    assert len(sealed) == stored.sealed  # superseded chunks were deleted


async def test_a_missing_chunk_or_a_disagreeing_head_reads_as_no_cache():
    store = FakeStore()
    _, c = opened(200)
    await write(Ctx(store), c, None, T0 + 300)
    chunk = next(k for k in store.data if "/" in k[1])
    raw = store.data.pop(chunk)
    assert await campaign_state.load(Ctx(store), "r#1", KW) is None  # the shell refolds from GitHub
    store.data[chunk] = raw
    head = json.loads(store.data[("campaign", "r#1")])
    head["check"][2] = "1.00"
    store.data[("campaign", "r#1")] = json.dumps(head)
    assert await campaign_state.load(Ctx(store), "r#1", KW) is None


async def test_the_older_whole_snapshot_entry_is_read_and_rewritten_incrementally():
    store = FakeStore()
    _, c = opened(100)
    await store.cache_set("campaign", "r#1", {"snapshot": c.to_snapshot(), "status_comment": 7, "rendered": "d"})
    loaded = await campaign_state.load(Ctx(store), "r#1", KW)
    assert loaded.campaign == c and loaded.stored is None
    await write(Ctx(store), loaded.campaign, loaded.stored, T0 + 200)
    assert "snapshot" not in json.loads(store.data[("campaign", "r#1")])
    assert (await campaign_state.load(Ctx(store), "r#1", KW)).campaign == c
    await campaign_state.forget(Ctx(store), "r#1")
    assert store.data == {}
