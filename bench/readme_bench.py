"""README sponsor section benchmark: render 5,000 sponsors and splice them into a 200 KB README.

``run(quick)`` returns figures in milliseconds (best and median of the repetitions):

* ``render_ms`` - :func:`bot.core.sponsors.render_section` for 5,000 entries from three sources (GitHub
  Sponsors, backers, config; 300 logins appear in two sources and are deduped), 20 open campaigns and
  10 delivered campaigns, default tiers.
* ``splice_insert_ms`` - :func:`bot.core.readme.splice` into the README that has no section yet.
* ``splice_update_ms`` - the same README with a section already in the middle, replaced by new content.
* ``splice_noop_ms`` - splicing the same content again (the "nothing changed, no commit" path).
* ``extract_ms`` - :func:`bot.core.readme.extract` on the updated README.
* ``total_ms`` - render + update splice, the work of one README refresh.

The README is built from the real-world READMEs in ``tests/data/github/real-world/readmes/``
concatenated (in name order, repeated) to at least 200 KB, so it has their code fences, inline code,
HTML comments and marker-like text of other tools. Run directly: ``python bench/readme_bench.py [--quick]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.core.config import FundingGoal, Tier  # noqa: E402
from bot.core.readme import END, START, extract, splice  # noqa: E402
from bot.core.sponsors import DeliveredBackers, Entry, OpenCampaign, render_section  # noqa: E402

READMES = ROOT / "tests" / "data" / "github" / "real-world" / "readmes"
TIERS = (Tier("Gold", Decimal(500)), Tier("Silver", Decimal(100)), Tier("Backers", Decimal(0)))
NOW = 1_700_000_000.0
SPONSORS = 5_000
README_BYTES = 200 * 1024


def build_readme(size: int = README_BYTES) -> tuple[bytes, list[int]]:
    """The README and the offsets where each concatenated file starts."""
    files = [p.read_bytes() for p in sorted(READMES.glob("*.md"))]
    out = bytearray()
    starts = []
    while len(out) < size:
        for data in files:
            starts.append(len(out))
            out += data if data.endswith(b"\n") else data + b"\n"
            if len(out) >= size:
                break
    return bytes(out), starts


def build_entries(n: int = SPONSORS, *, salt: int = 0) -> list[Entry]:
    entries = []
    for i in range(n):
        amount = Decimal((1000, 250, 50, 5)[0 if i % 100 == 0 else 1 if i % 10 == 0 else 2 if i % 3 == 0 else 3])
        amount += Decimal(i % 7 + salt)
        source = ("github_sponsors", "backers", "config")[i % 3]
        login = f"sponsor-{i % (n - 300)}"  # the last 300 reuse logins: deduped across sources
        entries.append(Entry(
            name=f"Sponsor {i} <Ünïcødé> [x]" if i % 11 == 0 else f"Sponsor {i}",
            login=login,
            url=f"https://github.com/{login}" if i % 4 else f"https://example.org/s/{i}?ref=readme&x=1",
            avatar=f"https://avatars.githubusercontent.com/u/{1000 + i}?v=4" if i % 2 else None,
            amount=amount,
            since=NOW - i * 3600,
            source=source,
        ))
    return entries


def build_campaigns(salt: int = 0) -> tuple[list[OpenCampaign], list[DeliveredBackers]]:
    campaigns = [
        OpenCampaign(100 + i, f"Campaign {i} | with a pipe", f"https://github.com/o/r/issues/{100 + i}",
                     Decimal(500 * (i + 1)), Decimal(37 * i + salt), "USD", NOW + 86400 * (i + 1))
        for i in range(20)
    ]
    delivered = [
        DeliveredBackers(i + 1, f"Delivered {i}", f"https://github.com/o/r/issues/{i + 1}",
                         tuple((f"backer-{j}", Decimal(j + 1)) for j in range(25)))
        for i in range(10)
    ]
    return campaigns, delivered


def _render(entries: list[Entry], salt: int) -> str:
    campaigns, delivered = build_campaigns(salt)
    return render_section(entries, tiers=TIERS, campaigns=campaigns, delivered=delivered,
                          goal=FundingGoal("Full-time maintenance", Decimal(10_000)), currency="USD", now=NOW)


def _time(fn, reps: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times), statistics.median(times), result


def run(quick: bool) -> dict:
    reps = 3 if quick else 15
    readme, starts = build_readme()
    entries, entries2 = build_entries(), build_entries(salt=1)
    # A section in the middle, at the file boundary closest to it (never inside someone's code fence).
    middle = min(starts, key=lambda i: abs(i - len(readme) // 2))
    with_section = readme[:middle] + f"{START}\nold\n{END}\n\n".encode() + readme[middle:]
    assert extract(with_section) == "old"

    render_best, render_med, inner = _time(lambda: _render(entries, 0), reps)
    inner2 = _render(entries2, 1)
    ins_best, ins_med, inserted = _time(lambda: splice(readme, inner), reps)
    upd_best, upd_med, updated = _time(lambda: splice(with_section, inner2), reps)
    noop_best, noop_med, again = _time(lambda: splice(updated, inner2), reps)
    ext_best, ext_med, got = _time(lambda: extract(updated), reps)
    assert inserted.startswith(readme) and again == updated and got == inner2
    return {
        "sponsors": len(entries),
        "readme_kb": round(len(readme) / 1024, 1),
        "section_kb": round(len(inner.encode()) / 1024, 1),
        "repetitions": reps,
        "render_ms": round(render_med, 2),
        "render_best_ms": round(render_best, 2),
        "splice_insert_ms": round(ins_med, 2),
        "splice_update_ms": round(upd_med, 2),
        "splice_update_best_ms": round(upd_best, 2),
        "splice_noop_ms": round(noop_med, 2),
        "extract_ms": round(ext_med, 2),
        "total_ms": round(render_med + upd_med, 2),
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
