"""Prometheus metrics in the text exposition format, with bounded label cardinality (no dependency).

Counters and histograms are kept in this process; queue depth and age are read from the store at scrape
time, GitHub call counts and rate-limit headroom from the GitHub client. Label values come from small fixed
sets (unknown webhook events count as ``other``; at most ``MAX_INSTALLATIONS`` installations are exported,
those with the least rate limit left), so a flood of odd input cannot grow the output.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable

KNOWN_EVENTS = frozenset({
    "issues", "issue_comment", "pull_request", "push", "release", "installation", "installation_repositories",
    "ping", "label", "repository", "sponsorship", "check_run", "check_suite",
})
OUTCOMES = ("done", "retry", "failed")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
MAX_INSTALLATIONS = 50


def event_label(event: str | None) -> str:
    return event if event in KNOWN_EVENTS else "other"


def kind_label(kind: str) -> str:
    return kind if kind in ("webhook", "files.sync", "sponsors.daily", "campaign.tick", "campaign.claim") else "other"


class Histogram:
    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0
        self.n = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, value)] += 1
        self.total += value
        self.n += 1


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.received: dict[str, int] = {}
        self.duplicates: dict[str, int] = {}
        self.rejected: dict[int, int] = {}
        self.processed: dict[tuple[str, str, str], int] = {}
        self.durations: dict[str, Histogram] = {}

    def delivery_received(self, event: str | None, *, duplicate: bool) -> None:
        with self._lock:
            label = event_label(event)
            target = self.duplicates if duplicate else self.received
            target[label] = target.get(label, 0) + 1

    def delivery_rejected(self, status: int) -> None:
        with self._lock:
            self.rejected[status] = self.rejected.get(status, 0) + 1

    def job_finished(self, kind: str, event: str | None, outcome: str, seconds: float) -> None:
        with self._lock:
            key = (kind_label(kind), event_label(event) if kind == "webhook" else "", outcome)
            self.processed[key] = self.processed.get(key, 0) + 1
            self.durations.setdefault(kind_label(kind), Histogram()).observe(seconds)

    def render(self, *, counts: dict[str, int], oldest_due_age: float, github_calls: dict[int, int],
               rate_limits: dict[int | None, int]) -> str:
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str, samples: Iterable[tuple[str, float]]) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            for labels, value in samples:
                lines.append(f"{name}{labels} {value:g}")

        with self._lock:
            family("fundbot_deliveries_received_total", "counter", "Webhook deliveries stored in the inbox.",
                   [(f'{{event="{e}"}}', v) for e, v in sorted(self.received.items())])
            family("fundbot_deliveries_duplicate_total", "counter", "Deliveries whose GUID was already in the inbox.",
                   [(f'{{event="{e}"}}', v) for e, v in sorted(self.duplicates.items())])
            family("fundbot_deliveries_rejected_total", "counter", "Webhook requests refused (by HTTP status).",
                   [(f'{{status="{s}"}}', v) for s, v in sorted(self.rejected.items())])
            family("fundbot_jobs_processed_total", "counter", "Jobs run by this process's workers, by outcome.",
                   [(f'{{kind="{k}",event="{e}",outcome="{o}"}}', v) for (k, e, o), v in sorted(self.processed.items())])
            lines.append("# HELP fundbot_job_duration_seconds Time to run one job.")
            lines.append("# TYPE fundbot_job_duration_seconds histogram")
            for kind, h in sorted(self.durations.items()):
                cumulative = 0
                for bound, count in zip((*BUCKETS, float("inf")), h.counts, strict=True):
                    cumulative += count
                    le = "+Inf" if bound == float("inf") else f"{bound:g}"
                    lines.append(f'fundbot_job_duration_seconds_bucket{{kind="{kind}",le="{le}"}} {cumulative}')
                lines.append(f'fundbot_job_duration_seconds_sum{{kind="{kind}"}} {h.total:g}')
                lines.append(f'fundbot_job_duration_seconds_count{{kind="{kind}"}} {h.n}')
        family("fundbot_queue_jobs", "gauge", "Jobs in the inbox by status (all processes).",
               [(f'{{status="{s}"}}', v) for s, v in sorted(counts.items())])
        family("fundbot_queue_oldest_due_seconds", "gauge", "How long the oldest due job has been waiting.",
               [("", max(0.0, oldest_due_age))])
        family("fundbot_github_calls_total", "counter", "GitHub API responses received, by status.",
               [(f'{{status="{s}"}}', v) for s, v in sorted(github_calls.items())])
        lowest = sorted(((i, r) for i, r in rate_limits.items() if i is not None), key=lambda x: x[1])[:MAX_INSTALLATIONS]
        family("fundbot_github_rate_limit_remaining", "gauge",
               f"Requests left in the current window, per installation (the {MAX_INSTALLATIONS} lowest).",
               [(f'{{installation="{i}"}}', r) for i, r in sorted(lowest)])
        return "\n".join(lines) + "\n"
