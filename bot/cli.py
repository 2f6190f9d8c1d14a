"""``python -m bot COMMAND`` — see ``python -m bot --help``."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import logging
import sys
import uuid
from pathlib import Path

from bot import logs
from bot.cli_base import install_stop_signals as _install_stop_signals
from bot.cli_base import settings_from_env as _settings
from bot.cli_checks import CliError, Parser, bind_error, check_event, check_repo_dir, port_number, positive
from bot.settings import Settings

log = logging.getLogger("bot")


def _store(settings: Settings, **how):
    """The store DATABASE_URL names, not yet connected (a bad URL is a CliError; ``connect`` may raise
    ``StoreUnavailable``, which ``main`` reports)."""
    from bot.store import DatabaseURLError, open_store

    try:
        return open_store(settings.database_url, **how)
    except DatabaseURLError as exc:
        raise CliError(f"DATABASE_URL: {exc}") from None



# --- serve / worker (bot/cli_serve.py) ---------------------------------------------------------------

async def _serve(args: argparse.Namespace) -> int:
    from bot.cli_serve import serve

    return await serve(args)


async def _worker(args: argparse.Namespace) -> int:
    from bot.cli_serve import worker

    return await worker(args)


# --- receive --------------------------------------------------------------------------------------

async def _receive(args: argparse.Namespace) -> int:
    from bot.app import Service
    from bot.store import open_store

    path = Path(args.payload)
    try:
        raw = path.read_bytes()
        payload = json.loads(raw)
    except OSError as exc:
        print(f"fundbot receive: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"fundbot receive: {path} is not JSON: {exc}", file=sys.stderr)
        return 2
    if not isinstance(payload, dict):
        print(f"fundbot receive: {path} is not a JSON object", file=sys.stderr)
        return 2
    check_event(args.event, payload, str(path))
    settings = _settings()
    logs.setup(settings.log_level if not args.quiet else "WARNING", settings.log_format)
    sandbox = None
    if args.sandbox:
        from bot.sandbox import Sandbox

        sandbox = Sandbox(validate=True)
        await sandbox.start()
        sandbox.seed_from_payload(args.event, payload)
        settings = settings.for_sandbox(sandbox)
        store = open_store("sqlite://:memory:")
    else:
        if not settings.has_app_credentials:
            print("fundbot receive: APP_ID and PRIVATE_KEY are required (or use --sandbox)", file=sys.stderr)
            return 2
        store = _store(settings)
    from bot.edge.events import installation_id_of, ordering_key

    service = Service(settings, store=store)
    await service.open()
    try:
        delivery = args.delivery or f"receive-{uuid.uuid4()}"
        await service.store.enqueue(
            "webhook", delivery, payload=raw, event=args.event,
            installation_id=installation_id_of(payload), ordering_key=ordering_key(args.event, payload),
        )
        await service.worker.run_all()
        job = next((j for j in await service.store.list_jobs(None, limit=1000) if j.key == delivery), None)
        print(f"delivery {delivery}: {job.status if job else 'missing'}" + (f" ({job.last_error})" if job and job.last_error else ""))
        if sandbox is not None:
            for call in sandbox.calls:
                print(f"  {call.method} {call.path} -> {call.status}")
        return 0 if job is not None and job.status == "done" else 1
    finally:
        await service.close(grace=1)
        if sandbox is not None:
            await sandbox.stop()


# --- jobs / migrate -------------------------------------------------------------------------------

def _fmt_time(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


async def _jobs(args: argparse.Namespace) -> int:
    if args.action == "retry" and args.id is None:
        raise CliError("jobs retry needs the ID of a failed job (`python -m bot jobs` lists them): python -m bot jobs retry ID")
    settings = _settings()
    # never creates a database; `list` only reads
    store = _store(settings, read_only=args.action == "list", create=False)
    await store.connect()
    try:
        return await _jobs_on(store, args)
    except Exception as exc:
        if _unmigrated(exc):
            from bot.store import redact_url

            raise CliError(f"{redact_url(store.url)} has no fundbot tables (or older ones): run `python -m bot migrate`, or set "
                           "DATABASE_URL to fundbot's database") from None
        raise
    finally:
        await store.close()


def _unmigrated(exc: BaseException) -> bool:
    import sqlite3

    import asyncpg

    if isinstance(exc, asyncpg.UndefinedTableError | asyncpg.UndefinedColumnError):
        return True
    return isinstance(exc, sqlite3.OperationalError) and str(exc).startswith(("no such table", "no such column"))


async def _jobs_on(store, args: argparse.Namespace) -> int:
    if args.action == "retry":
        if await store.requeue(args.id):
            print(f"job {args.id} re-queued")
            return 0
        job = await store.get_job(args.id)
        print(f"job {args.id} " + ("does not exist" if job is None else f"is {job.status}, not failed"), file=sys.stderr)
        return 1
    statuses = ["pending", "running", "failed"] if not args.all else None
    jobs = await store.list_jobs(statuses, limit=args.limit)
    counts = await store.counts()
    print("jobs: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if not jobs:
        print("no pending, running or failed jobs" if not args.all else "no jobs")
        return 0
    print(f"{'ID':>6}  {'STATUS':8}  {'TRIES':>5}  {'RUN AT (UTC)':19}  WHAT")
    for job in jobs:
        what = f"{job.kind}:{job.event}" if job.event else job.kind
        line = f"{job.id:>6}  {job.status:8}  {job.attempts:>5}  {_fmt_time(job.run_at):19}  {what} {job.key}"
        print(line)
        if job.last_error:
            print(f"{'':>6}  last error: {job.last_error[:300]}")
    return 0


async def _migrate(args: argparse.Namespace) -> int:
    settings = _settings()
    store = _store(settings)
    await store.connect()
    try:
        await store.migrate()
    finally:
        await store.close()
    print(f"database ready: {store.url}")
    return 0


# --- rebuild ----------------------------------------------------------------------------------------

async def _rebuild(args: argparse.Namespace) -> int:
    import gidgethub

    from bot.app import Service
    from bot.github import TransientError
    from bot.services import campaigns
    from bot.services.repo import Repo

    owner, _, name = args.repo.partition("/")
    if not owner or not name or "/" in name:
        raise CliError(f"expected OWNER/REPO (e.g. octo-org/hello-fundbot), got {args.repo!r}")
    settings = _settings()
    logs.setup(settings.log_level, settings.log_format)
    if not settings.has_app_credentials:
        print("fundbot rebuild: APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are required", file=sys.stderr)
        return 2
    service = Service(settings, store=_store(settings))
    await service.open()
    try:
        app = service.github
        try:
            service.ctx.bot_login = await app.get_bot_login()
            installation = await app.app_client().getitem("/repos/{owner}/{repo}/installation", {"owner": owner, "repo": name})
            gh = await app.installation(installation["id"])
            repository = await gh.getitem("/repos/{owner}/{repo}", {"owner": owner, "repo": name})
        except gidgethub.BadRequest as exc:
            print(f"fundbot rebuild: {args.repo}: {exc} (is fundbot installed there? `python -m bot doctor` checks "
                  "the App's credentials)", file=sys.stderr)
            return 1
        except TransientError as exc:
            raise CliError(f"cannot reach GitHub: {exc}; check GITHUB_API_URL and the network, then retry", code=1) from None
        rebuilt = await campaigns.rebuild_repository(Repo(gh, service.ctx, repository))
        for number, c in rebuilt:
            goal = f"{c.goal} {c.currency}" if c.goal is not None else "-"
            print(f"#{number}: {c.state}, raised {c.raised()} of {goal}, {c.backers()} backer(s)")
        print(f"{args.repo}: {len(rebuilt)} campaign(s) rebuilt from GitHub")
        return 0
    finally:
        await service.close(grace=1)


# --- offline checks ---------------------------------------------------------------------------------

def _read_for_check(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror}", file=sys.stderr)
        return None


async def _check_config(args: argparse.Namespace) -> int:
    from bot.core import config as core

    data = _read_for_check(args.path)
    if data is None:
        return 2
    result = core.validate(data, path=args.path)
    report = core.format_issues(result.errors + result.warnings)
    if report:
        print(report)
    if result.config is not None and result.config.extends:
        print(f"{args.path}: note: `_extends: {result.config.extends}` is not followed offline; "
              "fundbot follows it when it reads the file from GitHub")
    errors, warnings = len(result.errors), len(result.warnings)
    print(f"{args.path}: {errors} error(s), {warnings} warning(s)" + ("" if errors else ": valid"))
    return 1 if errors else 0


async def _schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of .github/fundbot.yml (draft 2020-12), generated from the config schema."""
    import json

    from bot.core.config.json_schema import json_schema

    print(json.dumps(json_schema(), indent=2))  # ASCII-only: safe on any terminal encoding
    return 0


async def _check_funding(args: argparse.Namespace) -> int:
    from bot.core import funding

    data = _read_for_check(args.path)
    if data is None:
        return 2
    problems = funding.lint(data)
    report = funding.format_problems(args.path, problems)
    if report:
        print(report)
    errors = sum(p.severity == "error" for p in problems)
    print(f"{args.path}: {errors} error(s), {len(problems) - errors} warning(s)" + ("" if errors else ": valid"))
    return 1 if errors else 0


async def _preview(args: argparse.Namespace) -> int:
    """Offline: what fundbot would write from a local checkout (static sources only)."""
    import time

    from bot.core import config as core
    from bot.core import funding, readme, sponsors

    root = check_repo_dir(args.repo_dir)
    config_path = root / core.CONFIG_PATH
    result = core.validate(config_path.read_bytes(), path=str(config_path)) if config_path.exists() else None
    if result is not None and result.errors:
        print(core.format_issues(result.errors + result.warnings), file=sys.stderr)
        print(f"{config_path}: fix these errors first", file=sys.stderr)
        return 1
    config = result.config if result is not None else core.Config.defaults()
    outputs: list[tuple[Path, bytes]] = []
    if config.funding and config.funding_file != "off":
        outputs.append((root / funding.FUNDING_PATH, funding.render(config.funding).encode()))
    if config.readme.update != "off":
        inner = sponsors.render_section(sponsors.collect(config), tiers=config.readme.tiers, campaigns=[], delivered=[],
                                        goal=config.funding_goal, currency=config.bounties.currency, now=time.time())
        path = root / config.readme.path
        current = path.read_bytes() if path.exists() else None
        try:
            outputs.append((path, readme.splice(current, inner)))
        except readme.SpliceError as exc:
            print(f"{path}: {exc}; fix the fundbot markers by hand", file=sys.stderr)
            return 1
    if not outputs:
        print("nothing to write: `funding:` is empty and readme.update is off")
        return 0
    for path, content in outputs:
        unchanged = path.exists() and path.read_bytes() == content
        if args.write:
            if not unchanged:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
            print(f"{path}: {'unchanged' if unchanged else 'written'}")
        else:
            print(f"==> {path} ({'unchanged' if unchanged else 'would change'})")
            if path.name.lower().startswith("readme"):
                print(readme.extract(content) or "")
            else:
                print(content.decode("utf-8"), end="")
    return 0


# --- sandbox / demo -------------------------------------------------------------------------------

async def _sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox.standalone import SeedError, load_seed, serve_forever

    try:
        seed = load_seed(args.seed) if args.seed else None
    except SeedError as exc:
        raise CliError(f"--seed: {exc}") from None
    logs.setup("INFO", "text")
    stop = asyncio.Event()
    _install_stop_signals(stop)
    task = asyncio.create_task(serve_forever(args.port, host=args.host, seed=seed, latency=args.latency))
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except OSError as exc:
        raise bind_error(args.host, args.port, exc, setting="--port") from None
    return 0


async def _sponsors(args: argparse.Namespace) -> int:
    from bot.cli_sponsors import run

    return await run(args)


async def _playground(args: argparse.Namespace) -> int:
    from bot import playground

    config = None
    if args.config is not None:
        try:
            config = Path(args.config).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"--config: cannot read {args.config} ({getattr(exc, 'strerror', None) or exc})") from None
    logs.setup("WARNING", "text")
    stop = asyncio.Event()
    _install_stop_signals(stop, "playground")
    try:
        await playground.run(port=args.port, config=config, stop=stop,
                             started=lambda line: print(line, flush=True))
    except OSError as exc:
        raise bind_error("127.0.0.1", args.port, exc, setting="--port") from None
    return 0


async def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return await run_demo(verbose=args.verbose)


# --- doctor ---------------------------------------------------------------------------------------

async def _doctor(args: argparse.Namespace) -> int:
    from bot.doctor import format_rows, run

    rows, code = await run()
    print(format_rows(rows, encoding=sys.stdout.encoding), flush=True)
    return code


# --- entry point ----------------------------------------------------------------------------------

def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected 0 or a positive whole number, got {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 60:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to 60, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m bot",
        description="fundbot: a GitHub App that gets open-source maintainers paid.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_running_commands(sub)
    _add_tool_commands(sub)
    return parser


def _add_running_commands(sub) -> None:
    """The commands that run fundbot, the demo, the playground or the sandbox."""
    p = sub.add_parser("serve", help="web server + workers (setup mode without App credentials)")
    p.add_argument("--port", type=port_number, default=None, help=f"port to listen on (default: $PORT or {Settings.port})")
    p.add_argument("--no-workers", action="store_true", help="only receive webhooks (run `worker` elsewhere)")
    p.add_argument("--worker-processes", type=_count, default=None, metavar="N",
                   help="run the workers in N child processes (default: $WORKER_PROCESSES or 1; 0: in this process)")
    p.add_argument("--web-child", action="store_true", help=argparse.SUPPRESS)  # serve's own web children
    p.add_argument("--parent-fd", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--wake-fds", default=None, help=argparse.SUPPRESS)
    p.add_argument("--role", default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=_serve)

    p = sub.add_parser("worker", help="workers only, for scale-out (Procfile worker:)")
    p.add_argument("--wake-fd", type=int, default=None, help=argparse.SUPPRESS)  # set by serve's supervisor
    p.add_argument("--role", default=None, help=argparse.SUPPRESS)
    p.add_argument("--metrics-port", type=port_number, default=None, metavar="PORT",
                   help="answer Prometheus scrapes on this port (default: $METRICS_PORT; none when unset)")
    p.set_defaults(func=_worker)

    p = sub.add_parser("receive", help="replay a saved webhook payload through the handlers")
    p.add_argument("-e", "--event", required=True,
                   help="the delivery's X-GitHub-Event header: issues, issue_comment, pull_request, push, release, "
                   "repository, installation, installation_repositories or ping")
    p.add_argument("-p", "--payload", required=True, help="path of the JSON payload")
    p.add_argument("--delivery", help="delivery GUID to use (default: a new one)")
    p.add_argument("--sandbox", action="store_true", help="run against an in-process GitHub sandbox seeded from the payload")
    p.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors in the log")
    p.set_defaults(func=_receive)

    p = sub.add_parser("demo", help="play a short scenario against the built-in GitHub sandbox")
    p.add_argument("-v", "--verbose", action="store_true", help="show the bot's log lines")
    p.set_defaults(func=_demo)

    p = sub.add_parser("sponsors", help="connect a token that reads an account's GitHub Sponsors")
    p.add_argument("action", choices=["connect", "list", "disconnect"],
                   help="connect (store a token for ACCOUNT), list (connected accounts), disconnect ACCOUNT")
    p.add_argument("account", nargs="?", help="the GitHub user or organization (connect, disconnect)")
    p.add_argument("--token-file", type=Path, help="read the token from this file (default: standard input)")
    p.add_argument("--no-check", action="store_true", help="store without asking GitHub (offline setups)")
    p.set_defaults(func=_sponsors)

    p = sub.add_parser("playground", help="try fundbot by hand in the browser: act as any user on a sandbox repository")
    p.add_argument("--port", type=port_number, default=8080, help="port on 127.0.0.1 to listen on (default: 8080)")
    p.add_argument("--config", metavar="FILE", default=None,
                   help="start with this .github/fundbot.yml (default: bounty labels and a 14-day deadline)")
    p.set_defaults(func=_playground)

    p = sub.add_parser("sandbox", help="run the GitHub API sandbox on its own")
    p.add_argument("--port", type=port_number, default=8765, help="port to listen on (default: 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--seed", metavar="FILE", default=None,
                   help="create the installations, repositories and issues a JSON file lists (bench/deploy.py writes one)")
    p.add_argument("--latency", type=_seconds, default=0.0, metavar="SECONDS",
                   help="answer every API request after this many seconds (0-60; default 0)")
    p.set_defaults(func=_sandbox)


def _add_tool_commands(sub) -> None:
    """The commands that look at or fix a deployment, and the offline checks."""
    p = sub.add_parser("jobs", help="list pending and failed jobs; `jobs retry ID` re-queues a failed one")
    p.add_argument("action", nargs="?", choices=["list", "retry"], default="list",
                   help="list (the default; reads only) or retry (re-queue the failed job ID)")
    p.add_argument("id", nargs="?", type=positive, help="with retry: the job's ID, as `jobs` lists it")
    p.add_argument("--all", action="store_true", help="include done jobs")
    p.add_argument("--limit", type=positive, default=50, help="list at most this many jobs (default: 50)")
    p.set_defaults(func=_jobs)

    p = sub.add_parser("rebuild", help="refold every campaign of OWNER/REPO from GitHub alone")
    p.add_argument("repo", metavar="OWNER/REPO", help="the repository, e.g. octo-org/hello-fundbot")
    p.set_defaults(func=_rebuild)

    p = sub.add_parser("preview", help="offline: render the FUNDING.yml and README section fundbot would write")
    p.add_argument("--repo-dir", default=".", help="a local checkout (default: the current directory)")
    p.add_argument("--write", action="store_true", help="write the files instead of printing them")
    p.set_defaults(func=_preview)

    p = sub.add_parser("check-config", help="validate a .github/fundbot.yml (exit 1 on errors)")
    p.add_argument("path", help="the file, e.g. .github/fundbot.yml")
    p.set_defaults(func=_check_config)

    p = sub.add_parser("check-funding", help="lint a FUNDING.yml like GitHub reads it (exit 1 on errors)")
    p.add_argument("path", help="the file, e.g. .github/FUNDING.yml")
    p.set_defaults(func=_check_funding)

    p = sub.add_parser("schema", help="print the JSON Schema of .github/fundbot.yml (for editors)")
    p.set_defaults(func=_schema)

    p = sub.add_parser("migrate", help="create or upgrade the database schema (Procfile release:)")
    p.set_defaults(func=_migrate)

    p = sub.add_parser("doctor", help="check settings, the App on GitHub, the database and the webhook; print the fixes "
                       "(exit 1 on a problem, 2 if the settings do not parse)")
    p.set_defaults(func=_doctor)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # --help and argument errors need none of fundbot's dependencies
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    from bot.store import StoreUnavailable
    try:
        return asyncio.run(args.func(args))
    except KeyboardInterrupt:
        return 130
    except (CliError, StoreUnavailable) as exc:  # one line: what is wrong and what would work
        print(f"fundbot {args.command}: {exc}", file=sys.stderr)
        return exc.code if isinstance(exc, CliError) else 2
