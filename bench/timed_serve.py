"""``python -m bot serve`` with the enqueue group commit timed (bench only: ``FUNDBOT_BENCH_TIMING=1`` in
``bench/deploy.py``). At exit it prints, to stderr (the server's log), per-batch figures of the web process:
rows per batch, the batch's transaction on the writer thread (including waiting for the file's write lock)
and its round trip as the event loop sees it (hop to the thread and back), and the event loop's lag."""

from __future__ import annotations

import asyncio
import atexit
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.store import sqlite as sqlite_store  # noqa: E402

BATCHES: list[tuple[int, float, float]] = []  # rows, seconds in the transaction, seconds of the round trip
LAGS: list[float] = []

_tx = sqlite_store.SQLiteStore._tx
_write = sqlite_store.SQLiteStore._write


HOLDS: list[tuple[float, str]] = []  # every write transaction: seconds from BEGIN IMMEDIATE to its end, what


def _timed_tx(self, fn, **kw):
    began = time.perf_counter()
    try:
        return _tx(self, fn, **kw)
    finally:
        self._bench_tx = time.perf_counter() - began
        name = getattr(getattr(fn, "func", fn), "__qualname__", "?")
        HOLDS.append((self._bench_tx, name))


async def _timed_write(self, fn, **kw):
    rows = len(fn.keywords["rows"]) if hasattr(fn, "keywords") and "rows" in fn.keywords else None
    began = time.perf_counter()
    try:
        return await _write(self, fn, **kw)
    finally:
        if rows is not None:
            BATCHES.append((rows, getattr(self, "_bench_tx", 0.0), time.perf_counter() - began))


sqlite_store.SQLiteStore._tx = _timed_tx
sqlite_store.SQLiteStore._write = _timed_write


def _q(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(p * len(values)))] if values else 0.0


@atexit.register
def _report_holds() -> None:
    if HOLDS:
        worst = sorted(HOLDS, reverse=True)[:8]
        print(f"BENCHHOLDS {ROLE} transactions={len(HOLDS)} total_s={sum(h for h, _ in HOLDS):.2f} worst="
              + ", ".join(f"{h * 1000:.0f}ms:{n}" for h, n in worst), file=sys.stderr, flush=True)


@atexit.register
def _report() -> None:
    if not BATCHES:
        return
    rows = [b[0] for b in BATCHES]
    tx = [b[1] * 1000 for b in BATCHES]
    trip = [b[2] * 1000 for b in BATCHES]
    print(f"BENCHTIMING batches={len(BATCHES)} rows_mean={statistics.mean(rows):.1f} rows_max={max(rows)} "
          f"tx_ms_p50={_q(tx, .5):.2f} tx_ms_p99={_q(tx, .99):.2f} tx_ms_max={max(tx):.1f} "
          f"trip_ms_p50={_q(trip, .5):.2f} trip_ms_p99={_q(trip, .99):.2f} "
          f"lag_ms_p50={_q(LAGS, .5):.2f} lag_ms_p99={_q(LAGS, .99):.2f} lag_ms_max={max(LAGS, default=0):.1f}",
          file=sys.stderr, flush=True)


_orig_run = asyncio.run


def _run(main, **kw):
    async def with_lag():
        async def probe():
            loop = asyncio.get_running_loop()
            while True:
                t = loop.time()
                await asyncio.sleep(0.01)
                LAGS.append((loop.time() - t - 0.01) * 1000)

        task = asyncio.create_task(probe())
        try:
            return await main
        finally:
            task.cancel()

    return _orig_run(with_lag(), **kw)


asyncio.run = _run

from bot.jobs import supervisor  # noqa: E402

ROLE = " ".join(sys.argv[1:2])
_init = supervisor.Supervisor.__init__


def _init_timed(self, *args, **kwargs):  # the worker children run under this wrapper too
    kwargs.setdefault("command", [sys.executable, __file__, "worker"])
    _init(self, *args, **kwargs)


supervisor.Supervisor.__init__ = _init_timed

from bot.cli import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
