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
* ``web``: ``serve`` with WEB_PROCESSES=1 and =2 (SO_REUSEPORT) beside the bare endpoint, each round on
  fresh servers: throughput, its ratio to the bare run of the same round, and CPU per request (user + system
  from /proc, the web processes and the worker children apart; the bare endpoint's too).
* ``claims``: ``claim(limit=1)`` time through ``bot.store`` with 100 and 10,000 pending jobs on distinct
  issues (SQLite and PostgreSQL).
* ``scale``: 1 and 4 ``python -m bot worker`` processes x 2 jobs on PostgreSQL, the sandbox answering after
  50 ms (``bench/scale_bench.py``), paired per round.
* ``rss``: resident memory of ``serve`` (SQLite) and of its worker child after 20,000 and 100,000 stored
  deliveries (wrk in chunks), the worker processing them meanwhile.

The sandbox (``python -m bot sandbox --seed``, niced) holds the 50 installations, their repositories and the
2,000 issues the deliveries name, so ``serve``'s workers process every delivery; each section reports the
jobs done and failed at its end. ``summary`` lists every figure with its goal and ``pass``.

``--sections ack,web,...`` runs only those sections (default: all, about 14 minutes with pacing and costs; ``--quick`` about 8).
``--only campaigns|readme|edge_attack`` runs one of the older benchmarks; ``--legacy`` adds campaigns and
readme to the full JSON (their load is in-process: not issue 12's figures).
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
    "scale": ">= 3 (4 worker processes x 2 jobs / 1 process x 2 jobs, PostgreSQL, GitHub answering after 50 ms)",
    "rss": "within 10 % (RSS growth from 20,000 to 100,000 deliveries, workers processing them)",
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


def measured(binary: str, server, data: Path, seconds: float) -> dict:
    """One saturating wrk run against ``server`` with the CPU its processes spent meanwhile, per request."""
    before = server.cpu()
    got = wrkload.run_wrk(binary, server.url, data, seconds=seconds)
    after = server.cpu()
    n = max(1, got["requests"])
    got["web_cpu_us_per_request"] = round((after["web"] - before["web"]) / n * 1e6, 1)
    got["worker_cpu_us_per_request"] = round((after["workers"] - before["workers"]) / n * 1e6, 1)
    return got


def web_processes(binary: str, data: Path, sandbox, tmp: Path, backends: list[str], rounds: int, seconds: float) -> dict:
    """1 and 2 web processes (WEB_PROCESSES, SO_REUSEPORT) beside the bare endpoint, each round on fresh
    servers: throughput, its ratio to the bare run of the same round, CPU per request."""
    runs: dict[str, list[dict]] = {"bare_aiohttp": []}
    with deploy.Bare() as bare:
        wrkload.run_wrk(binary, bare.url, data, seconds=2)  # warm-up
        for _ in range(rounds):
            for b in backends:
                base = measured(binary, bare, data, seconds)
                runs["bare_aiohttp"].append(base)
                for webs in (1, 2):
                    with deploy.Fundbot(b, sandbox, SECRET, tmp, WEB_PROCESSES=str(webs)) as bot:
                        got = measured(binary, bot, data, seconds)
                        got["jobs_at_end"] = bot.jobs()
                    got["ratio"] = got["rps"] / base["rps"]
                    runs.setdefault(f"fundbot_{b}_web{webs}", []).append(got)
    out: dict = {}
    for name, rs in runs.items():
        out[name] = {k: spread([r[k] for r in rs]) for k in ("rps", "web_cpu_us_per_request", "p99_ms")}
        if name != "bare_aiohttp":
            out[name]["ratio_to_bare"] = spread([r["ratio"] for r in rs])
            out[name]["worker_cpu_us_per_request"] = spread([r["worker_cpu_us_per_request"] for r in rs])
            out[name]["errors"] = [r["errors"] for r in rs if r["errors"]]
            out[name]["jobs_at_end"] = [r["jobs_at_end"] for r in rs]
    for b in backends:
        one, two = (out.get(f"fundbot_{b}_web{w}", {}).get("ratio_to_bare", {}).get("median") for w in (1, 2))
        if one and two:
            out[f"ack_ratio_{b}_2_web_processes"] = {**out[f"fundbot_{b}_web2"]["ratio_to_bare"],
                                                     "goal": GOALS["ack_ratio"], "vs_1_web_process": round(two / one, 2)}
    out["method"] = (f"{CONNECTIONS} connections, wrk -t2 closed loop, {seconds:.0f} s per run; per round: bare, then "
                     "serve with WEB_PROCESSES=1 and =2 (fresh, workers running); CPU from /proc (user + system) "
                     "of the web processes and of the worker children during the run, per request answered")
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


def scale(rounds: int, jobs: int) -> dict:
    """Scale-out on PostgreSQL (bench/scale_bench.py): 1 and 4 worker processes x 2 jobs, sandbox answering
    after 50 ms; rounds alternate which goes first; each speed-up is paired within its round."""
    import scale_bench

    runs: dict[int, list[dict]] = {1: [], 4: []}
    speedups = []
    for r in range(rounds):
        order = (1, 4) if r % 2 == 0 else (4, 1)
        got = {n: asyncio.run(scale_bench.workers_run(n, jobs, concurrency=2, latency=0.05)) for n in order}
        for n in order:
            runs[n].append(got[n])
        speedups.append(got[4]["events_per_second"] / got[1]["events_per_second"])
    return {
        "scale_4_vs_1_worker_processes": {**spread(speedups), "goal": GOALS["scale"],
                                          "rounds": [round(x, 2) for x in speedups]},
        "events_per_second_1_process": spread([x["events_per_second"] for x in runs[1]]),
        "events_per_second_4_processes": spread([x["events_per_second"] for x in runs[4]]),
        "runs": runs[1] + runs[4],
        "method": (f"PostgreSQL, {jobs} issues.opened deliveries over 10 installations stored first, then worked off "
                   "by `python -m bot worker` processes (WORKER_CONCURRENCY=2, MUTATION_INTERVAL_SECONDS=0), the "
                   "sandbox (in the bench process) answering every call after 50 ms; clock from the store to the "
                   "last job done"),
    }


def rss(binary: str, data: Path, sandbox, tmp: Path, first: int, total: int) -> dict:
    """RSS of ``serve`` (SQLite, its worker child processing) after ``first`` and ``total`` stored deliveries,
    loaded by wrk in chunks of a few seconds; workers keep processing throughout."""
    samples: dict = {}
    with deploy.Fundbot("sqlite", sandbox, SECRET, tmp) as bot:
        stored, rate = 0, 1000.0
        while stored < total:
            mark = first if "first" not in samples else total
            seconds = min(3.0, max(1.0, (mark - stored) / rate))  # land near each mark
            got = wrkload.run_wrk(binary, bot.url, data, seconds=seconds)
            rate = max(100.0, got["rps"])
            jobs = bot.jobs()
            stored = sum(jobs.values()) - 1  # the recovery job
            if stored >= first and "first" not in samples:
                samples["first"] = {"stored": stored, "jobs": jobs, "rss_mb": deploy.rss_tree(bot.proc.pid)}
        samples["last"] = {"stored": stored, "jobs": bot.jobs(), "rss_mb": deploy.rss_tree(bot.proc.pid)}

    def growth(get) -> float | None:
        a, b = get(samples["first"]["rss_mb"]), get(samples["last"]["rss_mb"])
        return round((b - a) / a * 100, 1) if a and b else None

    web, worker = growth(lambda r: r["web"]), growth(lambda r: r["workers"][0] if r["workers"] else None)
    worst = max((abs(g) for g in (web, worker) if g is not None), default=None)
    return {"rss_growth_percent": {"web": web, "worker": worker, "value": worst, "goal": GOALS["rss"]},
            f"after_{first}": samples["first"], f"after_{total}": samples["last"],
            "method": f"serve on SQLite with its worker child, wrk at saturation in 3 s chunks until {total} "
                      "deliveries are stored; RSS from /proc at the first chunk past each mark"}


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


SECTIONS = ("ack", "web", "paced", "backlog", "claims", "scale", "rss", "pacing", "costs")
# per section: (quick, full) parameters
PLAN = {"ack": ((2, 5), (3, 10)), "web": ((1, 5), (2, 6)), "paced": (10, 20), "backlog": (15, 30),
        "scale": ((1, 80), (2, 160)), "rss": ((5000, 20000), (20000, 100000))}


def issue12(quick: bool, wanted: tuple[str, ...] = SECTIONS) -> dict:
    binary = wrkload.ensure_wrk()
    figures: dict = {"machine": machine(), "versions": versions(binary), "quick": quick, "sections": list(wanted)}
    backends = ["sqlite"] + (["postgres"] if deploy.pg_reachable() else [])
    if "postgres" not in backends:
        figures["skipped"] = f"PostgreSQL not reachable at {deploy.PG}: its figures are missing"
    signed = wrkload.bodies(2000, installations=50, secret=SECRET)
    with tempfile.TemporaryDirectory(prefix="fundbot-bench-") as t:
        tmp = Path(t)
        seed = wrkload.write_seed(tmp / "seed.json", 2000, installations=50)
        with deploy.GitHubSandbox(seed=seed) as sandbox:
            sections(figures, binary, tmp, sandbox, signed, backends, quick, wanted)
    figures["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    figures["summary"] = summary(figures)
    return figures


def sections(figures: dict, binary: str, tmp: Path, sandbox, signed, backends: list[str], quick: bool,
             wanted: tuple[str, ...]) -> None:
    def plan(name: str):
        return PLAN[name][0 if quick else 1]

    data = wrkload.write_bodies(tmp / "bodies.dat", signed)
    figures["payloads"] = {"distinct_bodies": len(signed), "issues": len(signed), "installations": 50,
                           "bytes": len(signed[0][1]), "event": "issues.opened"}
    runs = {
        "ack": lambda: ack_rounds(binary, data, sandbox, tmp, backends, *plan("ack")),
        "web": lambda: web_processes(binary, data, sandbox, tmp, backends, *plan("web")),
        "paced": lambda: paced(binary, data, sandbox, tmp, backends, plan("paced")),
        "backlog": lambda: backlog(binary, data, sandbox, tmp, backends, plan("backlog")),
        "claims": lambda: claims(tmp, backends, quick),
        "scale": lambda: scale(*plan("scale")) if "postgres" in backends else {"skipped": "PostgreSQL not reachable"},
        "rss": lambda: rss(binary, data, sandbox, tmp, *plan("rss")),
        "pacing": lambda: _module("pacing").run(quick),  # 👍 latency and a 50-pledge burst (issue 12.4)
        "costs": lambda: _module("costs").run(quick),  # calls and CPU per pledge (issue 12.5)
    }
    for name in wanted:
        try:
            figures[name] = runs[name]()
        except Exception as exc:  # noqa: BLE001 - one section that cannot run is reported; the others' figures stay
            figures[name] = {"error": f"{type(exc).__name__}: {str(exc)[:400]}"}


def _module(name: str):
    import importlib

    return importlib.import_module(name)


def summary(f: dict) -> dict:
    """Each issue-12 figure beside its goal and whether it is met, in one place."""
    out = {}
    for section in SECTIONS:
        for key, value in f.get(section, {}).items():
            if isinstance(value, dict) and "goal" in value:
                out[key] = {k: value[k] for k in ("min", "median", "max", "value", "error", "goal") if k in value}
                out[key]["pass"] = passes(out[key])
    return out


def passes(figure: dict) -> bool | None:
    """The goal's comparison applied to the figure's median (or value); None when there is no figure."""
    got = figure.get("median", figure.get("value"))
    if got is None or "error" in figure:
        return None
    op, _, rest = figure["goal"].partition(" ")
    bound = float(rest.split(" ")[0])
    if op == "within":  # "within 10 %": a growth in percent, either way
        return abs(got) <= bound
    return {">=": got >= bound, "<=": got <= bound, "<": got < bound, ">": got > bound}[op]


def legacy(name: str, quick: bool) -> dict:
    if name == "campaigns":
        import campaign_bench

        return asyncio.run(campaign_bench.run_async(quick))
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
    parser.add_argument("--only", choices=["campaigns", "readme", "edge_attack"], help="run one older benchmark")
    parser.add_argument("--legacy", action="store_true", help="add campaigns, readme and scale to the full run")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated issue-12 sections to run (default: all of {','.join(SECTIONS)})")
    args = parser.parse_args()
    wanted = tuple(x.strip() for x in args.sections.split(",") if x.strip())
    if unknown := [x for x in wanted if x not in SECTIONS]:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    try:
        if args.only:
            figures = {"machine": machine(), args.only: legacy(args.only, args.quick)}
        else:
            figures = issue12(args.quick, wanted)
            for name in ("campaigns", "readme") if args.legacy else ():
                figures[name] = legacy(name, args.quick)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
