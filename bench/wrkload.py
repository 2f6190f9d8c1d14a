"""Load from wrk (an external, compiled generator), never a Python client sharing the cores.

``ensure_wrk()`` installs Debian's ``wrk`` when it is missing; ``write_bodies()`` writes N signed
``issues.opened`` deliveries (issue number and installation vary) for ``bench/wrk/webhooks.lua``;
``run_wrk()`` runs one load and returns its figures (latency from wrk's own histogram, ``--latency``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from bot.core import signing

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = ROOT / "tests" / "data" / "github" / "webhooks" / "issues" / "opened.payload.json"
SCRIPT = ROOT / "bench" / "wrk" / "webhooks.lua"


class BenchError(RuntimeError):
    """A clear, one-line reason the bench cannot run."""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    apt = ["apt-get", "install", "-y", "wrk"]
    if os.geteuid() != 0 and shutil.which("sudo"):
        apt = ["sudo", "-n", *apt]
    try:
        done = subprocess.run(apt, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BenchError(f"wrk is not installed and `{' '.join(apt)}` could not run ({exc}); install wrk "
                         "(Debian/Ubuntu: apt-get install -y wrk) and run again") from None
    found = shutil.which("wrk")
    if done.returncode != 0 or not found:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BenchError(f"wrk is not installed and `{' '.join(apt)}` failed: {tail[0]}; install wrk "
                         "(Debian/Ubuntu: apt-get install -y wrk) and run again")
    return found


def wrk_version(binary: str) -> str:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True).stdout + ""
    return out.splitlines()[0].split(" [")[0] if out else "unknown"


def payloads(n: int, *, installations: int) -> list[dict]:
    """N distinct real ``issues.opened`` payloads: issue ``k + 1`` of installation ``1000 + k % installations``
    (one repository ``bench-I/widgets-I`` per installation, owned by the organization ``bench-I``), opened by
    one of 500 users who are not members (so the greeting is due: the workers comment on every issue)."""
    base = json.loads(PAYLOAD.read_bytes())
    out = []
    for k in range(n):
        inst = 1000 + k % installations
        payload = json.loads(json.dumps(base))
        author = {**base["issue"]["user"], "login": f"bench-user{k % 500}", "id": 8_000_000 + k % 500,
                  "node_id": f"U_bench{k % 500}", "type": "User", "site_admin": False}
        payload["issue"].update(number=k + 1, id=10_000_000 + k, node_id=f"I_bench{k}", user=author,
                                author_association="NONE")
        payload["sender"] = author
        payload["repository"].update(id=5_000_000 + inst, name=f"widgets-{inst}", full_name=f"bench-{inst}/widgets-{inst}")
        payload["repository"]["owner"] = {**base["repository"]["owner"], "login": f"bench-{inst}",
                                          "id": 7_000_000 + inst, "node_id": f"O_bench{inst}", "type": "Organization"}
        payload["installation"] = {"id": inst, "node_id": f"MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u{inst}"}
        out.append(payload)
    return out


def bodies(n: int, *, installations: int, secret: str) -> list[tuple[str, bytes]]:
    """``payloads(n)`` as bodies, each with its ``X-Hub-Signature-256`` (HMAC-SHA256 of the body)."""
    out = []
    for payload in payloads(n, installations=installations):
        body = json.dumps(payload, separators=(",", ":")).encode()
        out.append((signing.signature_256(body, secret), body))
    return out


FUNDING = "github: [octocat]\ncustom: [\"https://example.org/donate\"]\n"


def write_seed(path: Path, n: int, *, installations: int) -> Path:
    """The sandbox seed (``python -m bot sandbox --seed``) for ``payloads(n)``: each installation with its
    repository (a FUNDING.yml in it, so the greeting has links) and every issue and user of the payloads."""
    spec = {
        "repos": [{"full_name": f"bench-{i}/widgets-{i}", "id": 5_000_000 + i, "owner_type": "Organization",
                   "files": {".github/FUNDING.yml": FUNDING}} for i in range(1000, 1000 + installations)],
        "installations": [{"id": i, "account": f"bench-{i}", "repos": [f"bench-{i}/widgets-{i}"]}
                          for i in range(1000, 1000 + installations)],
        "payloads": [{"event": "issues", "payload": p} for p in payloads(n, installations=installations)],
    }
    path.write_text(json.dumps(spec))
    return path


def write_bodies(path: Path, signed: list[tuple[str, bytes]]) -> Path:
    with open(path, "wb") as f:
        for signature, body in signed:
            f.write(signature.encode() + b"\n" + str(len(body)).encode() + b"\n" + body + b"\n")
    return path


def run_wrk(binary: str, url: str, data: Path, *, seconds: float, connections: int = 200, threads: int = 2,
            mean_delay_ms: float = 0.0, per_second: bool = False, timeout: str = "10s") -> dict:
    """One wrk run; figures in requests/s and milliseconds. ``mean_delay_ms`` > 0 paces each connection
    (see the Lua script); ``per_second`` adds the responses counted in each wall-clock second."""
    cmd = [binary, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
           "--timeout", timeout, "--latency", "-s", str(SCRIPT), url, "--",
           str(data), uuid.uuid4().hex[:8], str(mean_delay_ms), "1" if per_second else "0"]
    began = int(time.time())
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-400:]}")
    raw = json.loads(line[len("WRKJSON "):])
    seconds_run = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    errors = {k: v for k, v in raw["errors"].items() if v}
    out = {
        "rps": round(raw["requests"] / seconds_run, 1),
        "requests": raw["requests"],
        "seconds": round(seconds_run, 2),
        "p50_ms": round(lat["p50"] / 1000, 2),
        "p90_ms": round(lat["p90"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
        "errors": errors,
    }
    if per_second:
        counted = {int(k): v for k, v in raw["per_second"].items()}  # seconds without a response are absent
        last = max([began + round(seconds_run), *counted])
        out["per_second"] = [counted.get(t, 0) for t in range(min([began, *counted]), last + 1)]
        out["statuses"] = raw["statuses"]
    return out
