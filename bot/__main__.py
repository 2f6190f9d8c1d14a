"""``python -m bot``: the command line (bot/cli.py). Without fundbot's dependencies installed (``python3 -m bot``
outside the virtualenv of the README's install command) it says so in one line, not a traceback."""

import sys

INSTALL = "python3 -m venv .venv && . .venv/bin/activate && pip install -e ."

try:
    from bot.cli import main

    code = main()
except ModuleNotFoundError as exc:
    if (exc.name or "").split(".")[0] == "bot":
        raise  # a broken checkout, not a missing dependency: show it whole
    print(f"fundbot: the Python package {exc.name!r} is not installed for {sys.executable}, so fundbot's "
          f"dependencies are missing; install fundbot first (README): {INSTALL}", file=sys.stderr)
    code = 2
raise SystemExit(code)
