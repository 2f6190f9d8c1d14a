"""What every ``python -m bot`` command shares: the settings from the environment (a bad value is a one-line
``CliError``), and SIGTERM/SIGINT as a stop event. Light: ``python -m bot --help`` imports it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.cli_checks import CliError
from bot.settings import Settings, SettingsError

log = logging.getLogger("bot")


def settings_from_env() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise CliError(f"configuration error: {exc}") from None


def install_stop_signals(stop: asyncio.Event, who: str = "fundbot") -> None:
    """SIGTERM/SIGINT set ``stop`` (and say so once in the log): in-flight work finishes, the rest waits."""
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        if not stop.is_set():
            log.info("%s: %s received: stopping", who, sig.name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, on_signal, sig)
