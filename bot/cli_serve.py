"""``python -m bot serve`` and ``python -m bot worker``: the web process(es), the worker children, the
supervision between them (``bot.jobs.supervisor``). Imported by the CLI only when one of them runs."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys
from collections.abc import Callable

from bot import logs
from bot.app import Service
from bot.cli_base import install_stop_signals, settings_from_env
from bot.cli_checks import CliError, bind_error
from bot.jobs.supervisor import (
    FdWaker,
    Supervisor,
    WakeFanout,
    become_child,
    self_wake_pipe,
    watch_pipe,
    web_processes,
    web_supervisor,
    worker_processes,
)
from bot.settings import Settings, SettingsError, check_metrics_ports
from bot.store import DatabaseURLError, open_store
from bot.web.register import ENV_KEYS

log = logging.getLogger("bot")


def store_of(settings: Settings):
    """The store DATABASE_URL names, not yet connected (a bad URL is a CliError)."""
    try:
        return open_store(settings.database_url)
    except DatabaseURLError as exc:
        raise CliError(f"DATABASE_URL: {exc}") from None


async def serve(args: argparse.Namespace) -> int:
    settings = settings_from_env()
    if args.worker_processes is not None:
        settings = dataclasses.replace(settings, worker_processes=args.worker_processes)
    if args.web_child:
        return await _web_child(args, settings)
    logs.setup(settings.log_level, settings.log_format)
    processes = worker_processes(settings, no_workers=args.no_workers)
    webs = web_processes(settings)
    if processes or webs > 1:
        logs.setup(settings.log_level, settings.log_format, role="web")
    if not settings.webhook_secret and settings.has_app_credentials:
        print(
            "fundbot: WEBHOOK_SECRET is required; refusing to start without it.\n"
            "Set it (and APP_ID, PRIVATE_KEY_PATH) in the environment or .env; see README.md.\n"
            "To try fundbot without a GitHub App: python -m bot demo",
            file=sys.stderr,
        )
        return 2
    if processes and settings.metrics_port is not None:
        try:  # --worker-processes may ask for more ports than WORKER_PROCESSES did
            check_metrics_ports(settings.metrics_port, processes, settings.port if args.port is None else args.port)
        except SettingsError as exc:
            raise CliError(f"configuration error: {exc}") from None
    service = Service(settings, store=store_of(settings))
    await service.open()
    children = Supervisor(processes, grace=settings.shutdown_grace,
                          metrics_port=settings.metrics_port) if processes else None
    web_children = None
    try:
        try:  # listen first: a port in use ends serve before any worker starts
            port = await service.start_web(port=args.port, reuse_port=webs > 1)
        except OSError as exc:
            raise bind_error(settings.host, settings.port if args.port is None else args.port, exc) from None
        workers, wake_fds = await _start_workers(service, children, args, processes, webs)
        if webs > 1:
            web_children = await _start_web_children(webs - 1, port, wake_fds, settings)
        log.info("fundbot listening on %s:%s%s (%s; %d web process(es))", settings.host, port, settings.webhook_path,
                 workers, webs)
        stop = asyncio.Event()
        if service.github is None:
            print(
                f"fundbot is in setup mode: open http://localhost:{port}/ to register the App on GitHub.",
                file=sys.stderr,
            )
            service.on_registered = lambda values: _restart_when_answered(stop, values)
        install_stop_signals(stop)
        await stop.wait()
        log.info("shutting down: no new jobs, %ss grace for jobs in flight", settings.shutdown_grace)
        # the edge first (every web process drains at once), then the workers wherever they run
        await asyncio.gather(service.stop_web(), *([web_children.stop()] if web_children else []))
    finally:
        if web_children is not None:
            await web_children.stop()
        if children is not None:
            await children.stop()
        await service.close()
    if service.registered is not None:
        _exec_self(service.registered)
    return 0


def _restart_when_answered(stop: asyncio.Event, values: dict[str, str]) -> None:
    """After the registration page is out: stop serving, then start again as the new App (``_exec_self``)."""
    asyncio.get_running_loop().call_later(0.5, stop.set)


def _exec_self(values: dict[str, str]) -> None:
    """serve again, in this process (same pid, same port), with the App's settings from the manifest flow:
    they are in .env too, and they win over whatever the environment held (a WEBHOOK_SECRET set before)."""
    log.info("restarting serve as the registered App")
    env = {**os.environ, **{k: v for k, v in values.items() if k in ENV_KEYS and v}}
    os.execve(sys.executable, list(sys.orig_argv), env)


async def _start_workers(service, children, args: argparse.Namespace, processes: int, webs: int) -> tuple[str, list[int]]:
    """Start the workers (child processes, in this process, or none); returns how they run for the log and
    the wake pipes' write ends the web children get (one per worker process)."""
    if children is not None:
        service.wakers.append(children.wake)
        wake_fds = children.open_pipes()
        await children.start()
        return f"{processes} worker process(es)", wake_fds
    if not args.no_workers and service.start_workers():
        await service.schedule_recovery()
        return "workers running in this process", [self_wake_pipe(service.notify)] if webs > 1 else []
    return ("setup mode: no App credentials" if service.github is None else "no workers"), []


async def _start_web_children(count: int, port: int, wake_fds: list[int], settings: Settings):
    web_children = web_supervisor(count, port, wake_fds, grace=settings.shutdown_grace)
    await web_children.start()
    return web_children


async def _web_child(args: argparse.Namespace, settings: Settings) -> int:
    """One of serve's extra web processes (``--web-child``, started by serve only): the edge on serve's port
    (SO_REUSEPORT), waking serve's workers through the pipes it inherited, stopping on SIGTERM (draining
    its connections) or when serve is gone."""
    logs.setup(settings.log_level, settings.log_format, role=args.role)
    stop = asyncio.Event()
    install_stop_signals(stop, f"fundbot {args.role or 'web child'}")
    service = Service(settings, store=store_of(settings))
    await service.open(migrate=False)  # serve migrated before starting its children
    try:
        fds = [int(fd) for fd in (args.wake_fds or "").split(",") if fd.strip().isdigit()]
        service.wakers.append(WakeFanout([FdWaker(fd) for fd in fds]).wake)
        if args.parent_fd is not None:
            watch_pipe(args.parent_fd, lambda: None, stop.set)
        await service.start_web(port=args.port, reuse_port=True)
        await stop.wait()
        await service.stop_web()
    finally:
        await service.close()
    return 0


async def worker(args: argparse.Namespace) -> int:
    settings = settings_from_env()
    logs.setup(settings.log_level, settings.log_format, role=args.role)
    stop = asyncio.Event()
    install_stop_signals(stop, f"fundbot worker{' ' + args.role if args.role else ''}")  # before opening: a SIGTERM while starting still stops cleanly
    service = Service(settings, store=store_of(settings))
    port = args.metrics_port if args.metrics_port is not None else settings.metrics_port
    stop_metrics = _serve_metrics(service, port)
    try:
        return await _work(service, args, stop)
    finally:
        stop_metrics()


def _serve_metrics(service, port: int | None) -> Callable[[], None]:
    """``worker``'s own scrape endpoint on METRICS_PORT (or --metrics-port); none when unset. Bound before the
    store is opened, so a port in use ends the worker before it takes a job."""
    if port is None:
        return lambda: None
    host = service.settings.host
    try:
        stop = service.metrics.serve_http(port, host, service._github_stats)
    except OSError as exc:
        raise bind_error(host, port, exc, setting="METRICS_PORT") from None
    log.info("metrics on http://%s:%d/metrics", host, port)
    return stop


async def _work(service, args: argparse.Namespace, stop: asyncio.Event) -> int:
    await service.open(migrate=args.wake_fd is None)  # serve's children: serve migrated before starting them
    if not service.start_workers():
        print("fundbot worker: APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are required", file=sys.stderr)
        await service.close()
        return 2
    if args.wake_fd is not None:  # started by serve: woken when it stores a delivery, stopped if it dies
        become_child(args.wake_fd, service.notify, stop.set)
    await service.schedule_recovery()
    log.info("fundbot worker %s started (concurrency %d)", service.worker.owner, service.settings.worker_concurrency)
    await stop.wait()
    await service.close()
    log.info("fundbot worker %s stopped", service.worker.owner)
    return 0
