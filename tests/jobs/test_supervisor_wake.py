"""Supervisor.wake: the wakes of one event-loop turn are written once it ends, one child per delivery stored
(round robin), never more than one byte per child per turn."""

from __future__ import annotations

import asyncio
import os

from bot.jobs.supervisor import Supervisor


def _pipes(supervisor: Supervisor) -> list[int]:
    reads = []
    for child in supervisor.children:
        r, w = os.pipe()
        os.set_blocking(r, False)
        os.set_blocking(w, False)
        child.wake_fd = w
        reads.append(r)
    return reads


def _bytes(fd: int) -> int:
    try:
        return len(os.read(fd, 4096))
    except BlockingIOError:
        return 0


async def test_wakes_of_one_turn_are_one_byte_per_child_at_most_and_round_robin() -> None:
    supervisor = Supervisor(3, grace=1)
    reads = _pipes(supervisor)
    try:
        for _ in range(50):  # a group commit answering 50 deliveries in one turn
            supervisor.wake()
        assert [_bytes(r) for r in reads] == [0, 0, 0]  # nothing written before the turn ends
        await asyncio.sleep(0)
        assert [_bytes(r) for r in reads] == [1, 1, 1]
        supervisor.wake()  # one delivery: one child, the next ones in turn
        await asyncio.sleep(0)
        supervisor.wake()
        await asyncio.sleep(0)
        assert [_bytes(r) for r in reads] == [1, 1, 0]
        supervisor.wake()
        await asyncio.sleep(0)
        assert [_bytes(r) for r in reads] == [0, 0, 1]
    finally:
        for child in supervisor.children:
            child.close_pipe()
        for r in reads:
            os.close(r)


def test_outside_an_event_loop_every_child_is_woken_at_once() -> None:
    supervisor = Supervisor(2, grace=1)
    reads = _pipes(supervisor)
    try:
        supervisor.wake()
        assert [_bytes(r) for r in reads] == [1, 1]
    finally:
        for child in supervisor.children:
            child.close_pipe()
        for r in reads:
            os.close(r)
