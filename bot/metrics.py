"""Prometheus metrics with prometheus_client, with bounded label cardinality.

Each ``Metrics`` has its own ``CollectorRegistry`` (never the library's global default, so a test can make
several, and a process exports only what it measured). Counters and histograms count what this process did;
the process collector (CPU, memory, file descriptors, start time) and the platform collector
(``python_info``) describe the process itself. At scrape time: queue depth and age from the store (``serve``'s
``/metrics``, handed to ``render``), GitHub call counts and rate-limit headroom from the GitHub client.

Label values come from small fixed sets (unknown webhook events count as ``other``, unknown job kinds too; at
most ``MAX_INSTALLATIONS`` installations are exported, those with the least rate limit left), so a flood of
odd input cannot grow the output. ``*_created`` series are left out (the hand-written exposition this replaces
had none, and they would double the series count).

``serve_http`` exposes the metrics on a port of their own: ``python -m bot worker`` (and ``serve``'s worker
processes) have no web edge, so this is how they are scraped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, PlatformCollector, ProcessCollector
from prometheus_client.exposition import generate_latest, start_http_server
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

KNOWN_EVENTS = frozenset({
    "issues", "issue_comment", "pull_request", "push", "release", "installation", "installation_repositories",
    "ping", "label", "repository", "sponsorship", "check_run", "check_suite",
})
KNOWN_KINDS = frozenset({"webhook", "files.sync", "sponsors.daily", "campaign.tick", "campaign.claim",
                         "deliveries.recover"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
MAX_INSTALLATIONS = 50
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # what generate_latest writes (Prometheus 2 and 3 read it)

GitHubStats = Callable[[], tuple[dict[int, int], dict[int | None, int]]]


def event_label(event: str | None) -> str:
    return event if event in KNOWN_EVENTS else "other"


def kind_label(kind: str) -> str:
    return kind if kind in KNOWN_KINDS else "other"


def github_families(calls: dict[int, int], rate_limits: dict[int | None, int]) -> list[Metric]:
    """GitHub API responses by status, and the ``MAX_INSTALLATIONS`` lowest rate-limit headrooms."""
    by_status = CounterMetricFamily("fundbot_github_calls", "GitHub API responses received, by status.",
                                    labels=["status"])
    for status, n in sorted(calls.items()):
        by_status.add_metric([str(status)], n)
    lowest = sorted(((i, r) for i, r in rate_limits.items() if i is not None), key=lambda x: x[1])[:MAX_INSTALLATIONS]
    remaining = GaugeMetricFamily(
        "fundbot_github_rate_limit_remaining",
        f"Requests left in the current window, per installation (the {MAX_INSTALLATIONS} lowest).",
        labels=["installation"])
    for installation, left in sorted(lowest):
        remaining.add_metric([str(installation)], left)
    return [by_status, remaining]


def queue_families(counts: dict[str, int], oldest_due_age: float) -> list[Metric]:
    jobs = GaugeMetricFamily("fundbot_queue_jobs", "Jobs in the inbox by status (all processes).", labels=["status"])
    for status, n in sorted(counts.items()):
        jobs.add_metric([status], n)
    oldest = GaugeMetricFamily("fundbot_queue_oldest_due_seconds", "How long the oldest due job has been waiting.",
                               value=max(0.0, oldest_due_age))
    return [jobs, oldest]


class _WithoutCreated:
    """A registry's families without their ``*_created`` samples."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        for family in self.registry.collect():
            kept = Metric(family.name, family.documentation, family.type, family.unit)
            kept.samples = [s for s in family.samples if not s.name.endswith("_created")]
            yield kept


class _Live:
    """Families computed when scraped: GitHub statistics from a callable (worker processes)."""

    def __init__(self, github_stats: GitHubStats):
        self.github_stats = github_stats

    def collect(self) -> Iterator[Metric]:
        yield from github_families(*self.github_stats())


class _Joined:
    def __init__(self, *parts: object):
        self.parts = parts

    def collect(self) -> Iterator[Metric]:
        for part in self.parts:
            yield from part.collect()  # type: ignore[attr-defined]


class Metrics:
    def __init__(self) -> None:
        own = CollectorRegistry()  # this process's counters and histograms
        self.received = Counter("fundbot_deliveries_received", "Webhook deliveries stored in the inbox.",
                                ["event"], registry=own)
        self.duplicates = Counter("fundbot_deliveries_duplicate", "Deliveries whose GUID was already in the inbox.",
                                  ["event"], registry=own)
        self.rejected = Counter("fundbot_deliveries_rejected", "Webhook requests refused (by HTTP status).",
                                ["status"], registry=own)
        self.processed = Counter("fundbot_jobs_processed", "Jobs run by this process's workers, by outcome.",
                                 ["kind", "event", "outcome"], registry=own)
        self.durations = Histogram("fundbot_job_duration_seconds", "Time to run one job.", ["kind"],
                                   buckets=BUCKETS, registry=own)
        self.registry = CollectorRegistry()  # what is exported: the above, and the process itself
        self.registry.register(_WithoutCreated(own))
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

    def delivery_received(self, event: str | None, *, duplicate: bool) -> None:
        (self.duplicates if duplicate else self.received).labels(event_label(event)).inc()

    def delivery_rejected(self, status: int) -> None:
        self.rejected.labels(str(int(status))).inc()

    def job_finished(self, kind: str, event: str | None, outcome: str, seconds: float) -> None:
        label = kind_label(kind)
        self.processed.labels(label, event_label(event) if kind == "webhook" else "", outcome).inc()
        self.durations.labels(label).observe(seconds)

    def render(self, *, counts: dict[str, int], oldest_due_age: float, github_calls: dict[int, int],
               rate_limits: dict[int | None, int]) -> str:
        """The text exposition (format 0.0.4, ``CONTENT_TYPE``) with the queue and GitHub figures given."""
        scraped = _Families([*queue_families(counts, oldest_due_age), *github_families(github_calls, rate_limits)])
        return generate_latest(_Joined(self.registry, scraped)).decode()  # type: ignore[arg-type]

    def serve_http(self, port: int, host: str, github_stats: GitHubStats) -> Callable[[], None]:
        """Answer scrapes on ``host:port`` (any path) from a thread of this process, with the GitHub figures
        read from ``github_stats`` at each scrape; returns how to stop. The socket is bound before this
        returns, so a port in use raises ``OSError`` here."""
        exported = CollectorRegistry()
        exported.register(_Joined(self.registry, _Live(github_stats)))
        server, thread = start_http_server(port, host, registry=exported)

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

        return stop


class _Families:
    def __init__(self, families: Iterable[Metric]):
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)
