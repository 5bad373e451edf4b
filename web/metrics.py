"""``GET /metrics``: Prometheus metrics of every worker, and what the index holds right now.

On by default and open, like Prometheus exporters; ``METRICS`` (``VIETSEARCH_METRICS``) ``off``
removes the route and stops recording, and ``METRICS_TOKEN`` puts it behind a bearer token of
its own (not the API token: a scraper need not be able to write). Not rate-limited.

Each process records into ``web.prometheus`` (files shared by gunicorn's workers); the index's
gauges (documents, segments, size, last commit, a build in progress) are read when scraped, by
the worker that answers. Another part of the server adds gauges of its own with
``add_gauge_source`` (cluster mode's applied sequence and lag go there).
"""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Callable, Iterable

from flask import Blueprint, Flask, Response, current_app, g, request

from indexer import add_listener
from web.errors import ApiError
from web.switches import switch
from web.worker_index import current_index

Gauge = tuple[str, str, float, dict]  # name, help, value, labels
GaugeSource = Callable[[], Iterable[Gauge]]

bp = Blueprint("metrics", __name__)
_process: dict[str, object] = {"pid": None, "metrics": None}
_process_lock = threading.Lock()


def register_metrics(app: Flask) -> None:
    """Check ``METRICS`` and ``METRICS_TOKEN`` now; add /metrics unless metrics are off."""
    enabled = switch(app.config.get("METRICS", "on"), "METRICS")
    app.extensions["vietsearch_metrics"] = enabled
    app.extensions["vietsearch_metrics_token"] = _token(app.config.get("METRICS_TOKEN"))
    app.extensions.setdefault("vietsearch_gauge_sources", [index_gauges])
    if enabled:
        app.register_blueprint(bp)
        add_listener(on_library_event)


def add_gauge_source(app: Flask, source: GaugeSource) -> None:
    """Have /metrics show the gauges ``source()`` yields (name, help, value, labels) at every
    scrape, in the answering worker's app context. The place for cluster mode's gauges."""
    app.extensions.setdefault("vietsearch_gauge_sources", [index_gauges]).append(source)


def process_metrics():
    """This process's ``web.prometheus.Metrics`` (made after a fork, never inherited)."""
    if _process["pid"] != os.getpid():
        with _process_lock:
            if _process["pid"] != os.getpid():
                from web.prometheus import Metrics  # after the fork: see web.prometheus

                _process["metrics"], _process["pid"] = Metrics(), os.getpid()
    return _process["metrics"]


@bp.get("/metrics")
def metrics():
    """The Prometheus text format."""
    _check_token()
    from web.prometheus import CONTENT_TYPE, exposition

    gauges = []
    for source in current_app.extensions["vietsearch_gauge_sources"]:
        try:
            gauges += list(source())
        except Exception:  # one broken source must not hide every other metric
            current_app.logger.exception("a gauge source failed: %r", source)
    return Response(exposition(process_metrics(), gauges), content_type=CONTENT_TYPE)


def index_gauges() -> Iterable[Gauge]:
    """What the index holds now, and the build or optimize running on it."""
    try:
        with current_index().use() as index:
            state = (index.doc_count(), index.deleted_count(), index.segment_count())
            size, committed = index.size_bytes(), index.last_commit_time()
            progress = index.in_progress()
    except ApiError:  # no index yet: say so rather than fail the scrape
        yield ("vietsearch_index_up", "1 when the index can be opened.", 0.0, {})
        return
    yield ("vietsearch_index_up", "1 when the index can be opened.", 1.0, {})
    yield ("vietsearch_index_documents", "Live documents in the index.", state[0], {})
    yield ("vietsearch_index_deleted_documents", "Deleted, not yet merged away.", state[1], {})
    yield ("vietsearch_index_segments", "Segments (searches slow down with more).", state[2], {})
    yield ("vietsearch_index_size_bytes", "The index's files on disk.", size, {})
    yield ("vietsearch_index_last_commit_time_seconds", "Last commit (Unix time).", committed, {})
    yield from _progress_gauges(progress)


def _progress_gauges(progress: dict | None) -> Iterable[Gauge]:
    running = "A build or optimize running on the index (by command)."
    for command in ("build", "add", "optimize"):
        active = progress is not None and progress.get("command") == command
        yield ("vietsearch_index_work_in_progress", running, float(active), {"command": command})
    if progress and progress.get("total"):
        share = min(1.0, progress.get("done", 0) / progress["total"])
        yield ("vietsearch_index_work_progress_ratio", "Share of its documents done.", share, {})


def on_library_event(event: str, **values) -> None:
    """Record what the library reports (``indexer.add_listener``)."""
    metrics = process_metrics()
    if event == "searcher_refreshed":
        metrics.refreshes.inc()
        metrics.refresh_seconds.observe(values["seconds"])
    elif event == "group_committed":
        metrics.group_batches.observe(values["batches"])
        metrics.group_documents.observe(values["documents"])
        metrics.group_seconds.observe(values["seconds"])
        for wait in values["waits"]:
            metrics.group_waits.observe(wait)


def observe(response, route: str, seconds: float) -> None:
    """Count one answered request (``web.observability`` calls this after every request)."""
    if not current_app.extensions.get("vietsearch_metrics"):
        return
    metrics = process_metrics()
    status = response.status_code
    metrics.child(metrics.requests, route, request.method, str(status)).inc()
    seen = g.get("vietsearch_search")
    if seen is not None:
        metrics.child(metrics.search_seconds, seen.kind).observe(seconds)
        if seen.total == 0:
            metrics.child(metrics.zero_results, seen.kind).inc()
    elif request.method in ("POST", "PUT", "DELETE") and route.startswith("/api/documents"):
        metrics.child(metrics.write_seconds, request.method).observe(seconds)
    if status == 429:
        kind = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        metrics.child(metrics.rate_limited, kind).inc()


def _token(value: object) -> str | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if not text.isascii() or not text.isprintable():
        raise ValueError("METRICS_TOKEN must be printable ASCII")
    return text


def _check_token() -> None:
    token = current_app.extensions["vietsearch_metrics_token"]
    if token is None:
        return
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), token.encode()
    ):
        raise ApiError(
            401,
            "unauthorized",
            "/metrics needs the header Authorization: Bearer <metrics token>.",
            {"WWW-Authenticate": 'Bearer realm="vietsearch metrics"'},
        )
