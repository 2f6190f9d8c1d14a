"""Bad input to ``python -m bot``, said in one line: what is wrong and what would work (``bot.cli`` prints it).

``CliError`` carries the line and the exit status (2: usage or configuration). The checks here need no
settings, no database and no network, so a command refuses bad input before it touches anything.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
from pathlib import Path
from typing import Any

# The events fundbot handles, and the top-level key GitHub puts in each one's payload (``ping``: the hook).
# ``installation`` payloads carry ``repositories`` only when there are some, so its action decides it.
EVENT_KEYS: dict[str, str] = {
    "installation": "installation",
    "installation_repositories": "repositories_added",
    "issue_comment": "comment",
    "issues": "issue",
    "ping": "hook",
    "pull_request": "pull_request",
    "push": "commits",
    "release": "release",
    "repository": "repository",  # publicized / privatized: every payload has one, so the action decides it
}
REPOSITORY_ACTIONS = {"publicized", "privatized"}
INSTALLATION_ACTIONS = {"created", "deleted", "suspend", "unsuspend", "new_permissions_accepted"}
WHERE_EVENTS_ARE = ("the X-GitHub-Event header of the delivery (the App's settings → Advanced → Recent Deliveries); "
                    "https://docs.github.com/en/webhooks/webhook-events-and-payloads")


class CliError(Exception):
    """One line for stderr, and the exit status."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (not the usage block and then the error)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return int(text)


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def _looks_like(payload: dict) -> str | None:
    for event in ("issue_comment", "installation_repositories", "pull_request", "release", "issues", "push", "ping"):
        if EVENT_KEYS[event] in payload:
            return event
    if "installation" in payload and payload.get("action") in INSTALLATION_ACTIONS:
        return "installation"
    return None


def _fits(event: str, payload: dict) -> bool:
    if event == "installation":
        return isinstance(payload.get("installation"), dict) and payload.get("action") in INSTALLATION_ACTIONS
    if event == "repository":
        return isinstance(payload.get("repository"), dict) and payload.get("action") in REPOSITORY_ACTIONS
    if event == "issues" and "comment" in payload:  # an issue_comment payload has an `issue` too
        return False
    return EVENT_KEYS[event] in payload


def check_event(event: str, payload: dict[str, Any], path: str) -> None:
    """Refuse an event fundbot does not handle, or a payload that is not of that event."""
    if event not in EVENT_KEYS:
        raise CliError(f"unknown event {event!r}: fundbot handles {', '.join(sorted(EVENT_KEYS))}; "
                       f"the event of a saved payload is {WHERE_EVENTS_ARE}")
    if not _fits(event, payload):
        guess = _looks_like(payload)
        hint = f"it looks like a payload of {guess!r}: try -e {guess}" if guess else f"pass the event it came with ({WHERE_EVENTS_ARE})"
        raise CliError(f"{path} is not a payload of the {event!r} event (no {EVENT_KEYS[event]!r} in it); {hint}")


def check_repo_dir(repo_dir: str) -> Path:
    root = Path(repo_dir)
    if not root.exists():
        raise CliError(f"--repo-dir {repo_dir}: no such directory; pass the path of a local checkout of the repository")
    if not root.is_dir():
        raise CliError(f"--repo-dir {repo_dir}: is a file, not a directory; pass the checkout's top directory")
    return root


def bind_error(host: str, port: int, exc: OSError, setting: str = "PORT (or --port)") -> CliError:
    """Why ``host:port`` cannot be listened on, and what to change."""
    if isinstance(exc, socket.gaierror):
        return CliError(f"cannot listen on {host}:{port}: HOST {host!r} is not an address of this machine "
                        f"({exc.strerror}); set HOST to 0.0.0.0, 127.0.0.1 or one of this machine's addresses")
    if exc.errno == errno.EADDRINUSE:
        return CliError(f"cannot listen on {host}:{port}: the address is already in use (another server runs there); "
                        f"stop it, or set {setting} to a free port")
    if exc.errno == errno.EACCES:
        return CliError(f"cannot listen on {host}:{port}: permission denied (ports below 1024 need privileges); "
                        f"set {setting} to 1024 or more")
    if exc.errno == errno.EADDRNOTAVAIL:
        return CliError(f"cannot listen on {host}:{port}: {host} is not an address of this machine; "
                        "set HOST to 0.0.0.0, 127.0.0.1 or one of this machine's addresses")
    reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
    return CliError(f"cannot listen on {host}:{port}: {reason}; check HOST and {setting}")
