"""The Prometheus side of ``web.metrics``: metric objects and the text exposition.

Imported only when a metric is first used, after the fork: under ``python -m web`` the server
sets ``PROMETHEUS_MULTIPROC_DIR`` before its workers start, and ``prometheus_client`` decides
at import whether its values live in that folder's files (one per process, summed when
/metrics is scraped) or in memory (one process, e.g. Flask's test client).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)
DOCUMENT_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)
CONTENT_TYPE = CONTENT_TYPE_LATEST


def multiprocess_mode() -> bool:
    """Whether this process writes its metrics to the shared folder of a multi-worker server."""
    return bool(os.environ.get(MULTIPROCESS_DIR))


class Metrics:
    """Every metric a process records. In multiprocess mode they are registered nowhere: the
    folder's files are what /metrics reads."""

    def __init__(self) -> None:
        if multiprocess_mode() and not getattr(values.ValueClass, "_multiprocess", False):
            # prometheus_client read the environment before the server set it: switch now,
            # before the first metric exists.
            values.ValueClass = values.MultiProcessValue()
        self.registry = None if multiprocess_mode() else CollectorRegistry()
        self._children: dict[tuple, object] = {}
        self.requests = self._counter(
            "vietsearch_http_requests", "HTTP requests answered.", ["route", "method", "status"]
        )
        self.search_seconds = self._histogram(
            "vietsearch_search_duration_seconds",
            "Searches (page and API), request to answer; kind: short (<= 6 words, no filter), "
            "long, filtered.",
            ["kind"],
            LATENCY_BUCKETS,
        )
        self.zero_results = self._counter(
            "vietsearch_search_zero_results", "Searches that found nothing.", ["kind"]
        )
        self.write_seconds = self._histogram(
            "vietsearch_write_duration_seconds",
            "Writes to /api/documents, request to answer (durable when 2xx).",
            ["method"],
            LATENCY_BUCKETS,
        )
        self.rate_limited = self._counter(
            "vietsearch_rate_limited", "Requests refused with 429 (rate limit).", ["kind"]
        )
        self.refreshes = self._counter(
            "vietsearch_searcher_refreshes", "Searchers refreshed to see a new commit."
        )
        self.refresh_seconds = self._histogram(
            "vietsearch_searcher_refresh_seconds",
            "Time to open a refreshed searcher.",
            buckets=LATENCY_BUCKETS,
        )
        self.group_batches = self._histogram(
            "vietsearch_group_commit_batches",
            "Write requests (batches) committed together in one group commit.",
            buckets=BATCH_BUCKETS,
        )
        self.group_documents = self._histogram(
            "vietsearch_group_commit_documents",
            "Documents written or deleted by one group commit.",
            buckets=DOCUMENT_BUCKETS,
        )
        self.group_waits = self._histogram(
            "vietsearch_group_commit_wait_seconds",
            "How long a write request waited, queued, before its group commit began.",
            buckets=WAIT_BUCKETS,
        )
        self.group_seconds = self._histogram(
            "vietsearch_group_commit_duration_seconds",
            "How long a group commit held the index's writer, to durable.",
            buckets=LATENCY_BUCKETS,
        )
        self.reloads = self._counter(
            "vietsearch_settings_reloads",
            "Settings reloads (SIGHUP or POST /api/admin/reload) by outcome.",
            ["outcome"],
        )

    def child(self, metric, *labels: str):
        """``metric.labels(*labels)``, looked up once (``labels`` validates and locks each time,
        and this runs on every request)."""
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            found = self._children.setdefault(key, metric.labels(*labels))
        return found

    def _counter(self, name: str, documentation: str, labels: Iterable[str] = ()) -> Counter:
        return Counter(name, documentation, list(labels), registry=self.registry)

    def _histogram(self, name, documentation, labels=(), buckets=LATENCY_BUCKETS) -> Histogram:
        return Histogram(name, documentation, list(labels), registry=self.registry, buckets=buckets)


def exposition(metrics: Metrics, gauges: Iterable[tuple[str, str, float, dict]]) -> bytes:
    """The text format of every process's metrics plus ``gauges`` (name, help, value, labels)
    computed now."""
    registry = CollectorRegistry()
    if metrics.registry is None:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(metrics.registry))
    registry.register(_Gauges(list(gauges)))
    return generate_latest(registry)


def mark_process_dead(pid: int) -> None:
    """Forget a dead worker's live gauges (gunicorn's child_exit); its counters stay counted."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(pid)


class _Forward:
    """One registry's metrics collected through another."""

    def __init__(self, source: CollectorRegistry):
        self.source = source

    def collect(self):
        return self.source.collect()


class _Gauges:
    """Gauges whose values were read at scrape time."""

    def __init__(self, gauges: list[tuple[str, str, float, dict]]):
        self.gauges = gauges

    def collect(self):
        families: dict[str, GaugeMetricFamily] = {}
        for name, documentation, value, labels in self.gauges:
            family = families.get(name)
            if family is None:
                family = families[name] = GaugeMetricFamily(
                    name, documentation, labels=list(labels)
                )
            family.add_metric(list(labels.values()), value)
        return list(families.values())
