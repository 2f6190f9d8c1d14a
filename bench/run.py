"""fundbot benchmarks: ``python bench/run.py [--quick]`` prints one JSON object of figures, each with its goal
from issue 12.

Load comes from wrk (compiled, external; installed with apt-get when missing), through
``bench/wrk/webhooks.lua``: N distinct real ``issues.opened`` deliveries (issue number and installation
vary; the HMAC-SHA256 signature of each body is computed here), a fresh ``X-GitHub-Delivery`` GUID per
request. fundbot is measured as deployed: ``python -m bot serve`` with App credentials from
``python -m bot sandbox`` (so its workers run; defaults: one worker child process), on SQLite and on
PostgreSQL (a fresh database file / schema for every server started), beside ``bench/bare_server.py``.

* ``ack``: rounds of 200 connections in a closed loop (saturation), alternating bare, fundbot SQLite,
  bare, fundbot PostgreSQL; each fundbot round on a freshly started ``serve`` and paired with the bare round
  just before it; min/median/max of the ratio, the throughputs and wrk's p50/p99.
* ``paced``: 200 connections offering about 300 requests/s in total (each connection pauses an
  exponentially distributed 667 ms before each request: an open loop approximated with think time, since
  wrk2 is not packaged; latency is wrk's, from the send of each request).
* ``backlog``: saturation for a minute on a fresh ``serve``: responses per second while the backlog builds;
  the lowest second (first and last, partial, left out) against the peak second.
* ``claims``: ``claim(limit=1)`` time through ``bot.store`` with 100 and 10,000 pending jobs on distinct
  issues (SQLite and PostgreSQL).

``--only campaigns|scale|readme|edge_attack`` runs one of the older benchmarks; ``--legacy`` adds campaigns,
readme and scale to the full JSON (their load is a Python client or in-process: not issue 12's figures).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import deploy  # noqa: E402
import wrkload  # noqa: E402
from wrkload import BenchError  # noqa: E402

SECRET = "bench-secret"
CONNECTIONS = 200
GOALS = {
    "ack_ratio": ">= 0.5 (fundbot / bare aiohttp, paired rounds)",
    "paced_p99_ms": "< 20 (200 connections offering 300/s, workers running)",
    "backlog_min_over_peak": ">= 0.9 (lowest second / peak second at saturation while a backlog builds)",
    "claim_ratio": "<= 2 (claim time with 10,000 pending / with 100)",
}


def spread(values: list[float]) -> dict:
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3), "max": round(max(values), 3)}


def ack_rounds(binary: str, data: Path, sandbox, tmp: Path, backends: list[str], rounds: int, seconds: float) -> dict:
    runs: dict[str, list[dict]] = {"bare_aiohttp": [], **{f"fundbot_{b}": [] for b in backends}}
    ratios: dict[str, list[float]] = {b: [] for b in backends}
    with deploy.Bare() as bare:
        wrkload.run_wrk(binary, bare.url, data, seconds=2)  # warm-up
        for _ in range(rounds):
            for b in backends:
                base = wrkload.run_wrk(binary, bare.url, data, seconds=seconds)
                runs["bare_aiohttp"].append(base)
                with deploy.Fundbot(b, sandbox, SECRET, tmp) as bot:
                    got = wrkload.run_wrk(binary, bot.url, data, seconds=seconds)
                    got["rss_mb_after"] = bot.rss_mb()
                    got["jobs_at_end"] = bot.jobs()
                runs[bot.name].append(got)
                ratios[b].append(got["rps"] / base["rps"])
    out: dict = {}
    for b in backends:
        out[f"ack_ratio_{b}"] = {**spread(ratios[b]), "goal": GOALS["ack_ratio"],
                                 "rounds": [round(r, 3) for r in ratios[b]]}
    for name, rs in runs.items():
        out[name] = {"rps": spread([r["rps"] for r in rs]), "p50_ms": spread([r["p50_ms"] for r in rs]),
                     "p99_ms": spread([r["p99_ms"] for r in rs]), "max_ms": max(r["max_ms"] for r in rs),
                     "errors": [r["errors"] for r in rs if r["errors"]], "rounds": len(rs)}
        if name != "bare_aiohttp":
            out[name]["jobs_at_end"] = [r["jobs_at_end"] for r in rs]
    out["method"] = (f"{CONNECTIONS} connections, wrk -t2 closed loop, {seconds:.0f} s per round, rounds alternate "
                     "bare/fundbot; each fundbot round on a fresh serve paired with the bare round before it")
    return out


def paced(binary: str, data: Path, sandbox, tmp: Path, backends: list[str], seconds: float) -> dict:
    mean_ms = CONNECTIONS / 300 * 1000
    out: dict = {}
    with deploy.Bare() as bare:
        out["bare_aiohttp"] = wrkload.run_wrk(binary, bare.url, data, seconds=seconds, mean_delay_ms=mean_ms)
    for b in backends:
        with deploy.Fundbot(b, sandbox, SECRET, tmp) as bot:
            got = wrkload.run_wrk(binary, bot.url, data, seconds=seconds, mean_delay_ms=mean_ms)
            jobs = bot.jobs()
        out[f"paced_p99_ms_{b}"] = {"value": got["p99_ms"], "goal": GOALS["paced_p99_ms"], "achieved_rps": got["rps"],
                                    "p50_ms": got["p50_ms"], "max_ms": got["max_ms"], "errors": got["errors"],
                                    "jobs_at_end": jobs}
    out["method"] = (f"{CONNECTIONS} connections, each waiting an exponential pause (mean {mean_ms:.0f} ms) before "
                     f"each request: about 300/s offered; {seconds:.0f} s on a fresh serve; latency from wrk's send")
    return out


def backlog(binary: str, data: Path, sandbox, tmp: Path, backends: list[str], seconds: float) -> dict:
    out: dict = {}
    for b in backends:
        with deploy.Fundbot(b, sandbox, SECRET, tmp) as bot:
            got = wrkload.run_wrk(binary, bot.url, data, seconds=seconds, per_second=True, timeout="30s")
            jobs = bot.jobs()
        counts = got["per_second"]
        while counts and counts[0] == 0:  # wrk starting: before its first response
            counts = counts[1:]
        inner = counts[1:-1] or counts
        peak = max(inner) if inner else 0
        out[f"backlog_min_over_peak_{b}"] = {
            "value": round(min(inner) / peak, 3) if peak else 0.0, "goal": GOALS["backlog_min_over_peak"],
            "peak_rps": peak, "min_rps": min(inner) if inner else 0, "mean_rps": got["rps"],
            "seconds_below_90pct_of_peak": sum(1 for v in inner if v < 0.9 * peak),
            "per_second": got["per_second"], "statuses": got["statuses"], "errors": got["errors"],
            "p99_ms": got["p99_ms"], "max_ms": got["max_ms"], "jobs_at_end": jobs}
    out["method"] = (f"{CONNECTIONS} connections at saturation for {seconds:.0f} s on a fresh serve (workers running); "
                     "responses counted per wall-clock second in wrk's Lua response(); first and last second left out")
    return out


def claims(tmp: Path, backends: list[str], quick: bool) -> dict:
    import claims as claim_bench

    sizes = (100, 2000) if quick else (100, 10000)
    out: dict = {"method": f"bot.store claim(limit=1) with {sizes[0]} and {sizes[1]} pending jobs on distinct issues; "
                           "median of up to 5 calls (fewer when they take more than 60 s in all)"}
    for b in backends:
        try:
            got = asyncio.run(claim_bench.backend(b, tmp, sizes, repeats=5, budget_s=60))
            out[f"claim_ratio_{b}"] = {"value": got.pop("ratio"), "goal": GOALS["claim_ratio"], **got}
        except Exception as exc:  # noqa: BLE001 - a figure that cannot be measured says why
            out[f"claim_ratio_{b}"] = {"error": f"{type(exc).__name__}: {exc}"[:300], "goal": GOALS["claim_ratio"]}
    return out


def versions(binary: str) -> dict:
    def cmd(*args: str) -> str:
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=20, cwd=ROOT).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"

    import aiohttp
    import asyncpg

    return {"python": platform.python_version(), "aiohttp": aiohttp.__version__, "asyncpg": asyncpg.__version__,
            "sqlite": sqlite3.sqlite_version, "wrk": wrkload.wrk_version(binary),
            "postgres": cmd("psql", deploy.PG, "-tAc", "show server_version") or "unreachable",
            "fundbot_commit": cmd("git", "rev-parse", "--short", "HEAD"),
            "worktree_dirty": bool(cmd("git", "status", "--porcelain", "--untracked-files=no"))}


def machine() -> dict:
    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
            "platform": platform.platform(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def issue12(quick: bool) -> dict:
    binary = wrkload.ensure_wrk()
    figures: dict = {"machine": machine(), "versions": versions(binary), "quick": quick}
    backends = ["sqlite"] + (["postgres"] if deploy.pg_reachable() else [])
    if "postgres" not in backends:
        figures["skipped"] = f"PostgreSQL not reachable at {deploy.PG}: its figures are missing"
    signed = wrkload.bodies(2000, installations=50, secret=SECRET)
    with tempfile.TemporaryDirectory(prefix="fundbot-bench-") as t:
        tmp = Path(t)
        seed = wrkload.write_seed(tmp / "seed.json", 2000, installations=50)
        with deploy.GitHubSandbox(seed=seed) as sandbox:
            sections(figures, binary, tmp, sandbox, signed, backends, quick)
    figures["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    figures["summary"] = summary(figures)
    return figures


def sections(figures: dict, binary: str, tmp: Path, sandbox, signed, backends: list[str], quick: bool) -> None:
    rounds, seconds, long_s = (2, 5, 15) if quick else (5, 10, 60)
    data = wrkload.write_bodies(tmp / "bodies.dat", signed)
    figures["payloads"] = {"distinct_bodies": len(signed), "issues": len(signed), "installations": 50,
                           "bytes": len(signed[0][1]), "event": "issues.opened"}
    for name, run in (("ack", lambda: ack_rounds(binary, data, sandbox, tmp, backends, rounds, seconds)),
                      ("paced", lambda: paced(binary, data, sandbox, tmp, backends, seconds * 2)),
                      ("backlog", lambda: backlog(binary, data, sandbox, tmp, backends, long_s))):
        try:
            figures[name] = run()
        except BenchError as exc:  # one section that cannot run (e.g. serve does not start) is reported
            figures[name] = {"error": str(exc)[:400]}
    figures["claims"] = claims(tmp, backends, quick)


def summary(f: dict) -> dict:
    """Each issue-12 figure beside its goal, in one place."""
    out = {}
    for section in ("ack", "paced", "backlog", "claims"):
        for key, value in f.get(section, {}).items():
            if isinstance(value, dict) and "goal" in value:
                out[key] = {k: value[k] for k in ("min", "median", "max", "value", "error", "goal") if k in value}
    return out


def legacy(name: str, quick: bool) -> dict:
    if name == "campaigns":
        import campaign_bench

        return asyncio.run(campaign_bench.run_async(quick))
    if name == "scale":
        import scale_bench

        return asyncio.run(scale_bench.run_async(quick))
    if name == "readme":
        import readme_bench

        return readme_bench.run(quick)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "edge_attack.py"), *(["--seconds", "6"] if quick else [])],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise BenchError(f"edge_attack.py failed: {done.stderr.strip()[-300:]}")
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run (fewer, shorter rounds; 2,000 pending jobs)")
    parser.add_argument("--only", choices=["campaigns", "scale", "readme", "edge_attack"], help="run one older benchmark")
    parser.add_argument("--legacy", action="store_true", help="add campaigns, readme and scale to the full run")
    args = parser.parse_args()
    try:
        if args.only:
            figures = {"machine": machine(), args.only: legacy(args.only, args.quick)}
        else:
            figures = issue12(args.quick)
            for name in ("campaigns", "readme", "scale") if args.legacy else ():
                figures[name] = legacy(name, args.quick)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
