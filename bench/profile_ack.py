"""Where the web process spends its time on the ack path: ``python bench/profile_ack.py [sqlite|postgres]``.

Starts ``python -m bot serve`` (workers running, as in ``bench/run.py``) under cProfile (the bench-only
``FUNDBOT_BENCH_PROFILE`` switch of ``bench/deploy.py``), loads it with wrk at saturation for ``--seconds``,
stops it and prints the top functions of the web process's main thread (the event loop) by own and
cumulative time. The SQLite writer thread is not in the profile (cProfile sees one thread).
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import deploy  # noqa: E402
import wrkload  # noqa: E402

SECRET = "bench-secret"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backend", nargs="?", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    binary = wrkload.ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="fundbot-profile-") as t, deploy.GitHubSandbox() as sandbox:
        tmp = Path(t)
        data = wrkload.write_bodies(tmp / "bodies.dat", wrkload.bodies(2000, installations=50, secret=SECRET))
        os.environ["FUNDBOT_BENCH_PROFILE"] = str(tmp)
        try:
            with deploy.Fundbot(args.backend, sandbox, SECRET, tmp) as bot:
                got = wrkload.run_wrk(binary, bot.url, data, seconds=args.seconds)
        finally:
            del os.environ["FUNDBOT_BENCH_PROFILE"]
        print({k: got[k] for k in ("rps", "p50_ms", "p99_ms", "errors")})
        prof = next(tmp.glob("*.prof"), None)
        if prof is None:
            print("no profile written (serve did not exit cleanly)", file=sys.stderr)
            return 1
        for key in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(str(prof), stream=out).sort_stats(key).print_stats(args.top)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
