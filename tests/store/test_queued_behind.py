"""``Store.queued_behind`` (both backends, the ``store`` fixture): whether a webhook of the same ordering key is
pending behind a job - what lets a burst on one issue edit its status comment once
(``bot.services.status_merge``)."""

from __future__ import annotations

from bot.store import Store

T = 1_700_000_000.0


async def test_a_later_pending_webhook_of_the_same_key_is_behind(store: Store) -> None:
    for i, key in enumerate(("1#1", "1#1", "1#2", "1#1")):
        assert await store.enqueue("webhook", f"d-{i}", payload=b"{}", event="issue_comment", ordering_key=key, now=T)
    await store.enqueue("webhook", "d-none", payload=b"{}", event="ping", now=T)
    assert await store.queued_behind("d-0") is True  # d-1 and d-3 wait behind it
    assert await store.queued_behind("d-2") is False  # another issue: nothing behind it
    assert await store.queued_behind("d-3") is False  # the last one
    assert await store.queued_behind("d-none") is False  # no ordering key
    assert await store.queued_behind("no-such-key") is False


async def test_tasks_running_and_finished_jobs_do_not_count(store: Store) -> None:
    await store.enqueue("webhook", "d-0", payload=b"{}", event="issue_comment", ordering_key="1#1", now=T)
    await store.schedule("campaign.status", "status:1#1:d-0", run_at=T, ordering_key="1#1", now=T)
    assert await store.queued_behind("d-0") is False  # a task behind it is not a delivery
    await store.enqueue("webhook", "d-1", payload=b"{}", event="issue_comment", ordering_key="1#1", now=T)
    [first] = await store.claim("w", lease=60, now=T)
    assert first.key == "d-0" and await store.queued_behind("d-0") is True
    assert await store.complete(first.id, "w", now=T)
    [task] = await store.claim("w", lease=60, now=T)  # the task, then d-1 (id order)
    assert task.key == "status:1#1:d-0" and await store.complete(task.id, "w", now=T)
    [second] = await store.claim("w", lease=60, now=T)
    assert second.key == "d-1"
    assert await store.queued_behind("d-0") is False  # d-1 is running now, no longer waiting
