"""Cluster mode in the web: writes through the replicated log, after_seq, health, refusals.

With ``CLUSTER`` set (``python -m web --cluster nats://...``), each worker has a
``ClusterNode``: writes are validated as on a single node, then published to the log; the
answer waits until this node has applied the batch, so it is the single node's answer (201
or 200, 404 for an unknown id) plus the batch's ``seq``; if this node does not apply it within
the write timeout, 202 ``{"seq", "applied": false}``. A write sent with ``Prefer:
respond-async`` (RFC 7240) is answered that way as soon as the log has it, without waiting
for this node; a GET by id on this node still sees it (``web.consistency``). Every worker
takes part in electing the one that applies the log (``indexer.ClusterNode``).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from flask import Flask, current_app, jsonify, request

from indexer import (
    ClusterConfig,
    ClusterError,
    ClusterNode,
    Document,
    LogUnavailable,
    Written,
)
from web.errors import ApiError
from web.metrics import add_gauge_source

RETRY_AFTER_S = 2
IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII, no spaces: a NATS message id
_nodes_lock = threading.Lock()


class Accepted(Exception):
    """The log acknowledged a write whose outcome this node cannot give: not applied here
    within the write timeout (or applied, but its outcome no longer kept), or not waited for
    (``asked``: the request preferred it)."""

    def __init__(self, seq: int, applied: bool = False, asked: bool = False):
        super().__init__(f"accepted as seq {seq}")
        self.seq, self.applied, self.asked = seq, applied, asked


def init_cluster(app: Flask) -> None:
    """Read the cluster settings (``ValueError`` if bad); in cluster mode, refuse requests
    while the node cannot follow the log, and answer ``Accepted`` with 202."""
    index = app.config.get("INDEX")
    try:
        config = ClusterConfig.from_settings(app.config, Path(str(index or "")))
    except ClusterError as exc:
        raise ValueError(str(exc)) from None
    if config is not None and not index:
        raise ValueError("cluster mode needs the node's own index folder: --index DIR")
    app.extensions["vietsearch_cluster"] = config
    if config is not None:
        app.before_request(_refuse_while_out_of_the_log)
        app.register_error_handler(Accepted, _accepted)
        add_gauge_source(app, cluster_gauges)


_GAUGES = {
    "applied_seq": "the last batch of the write log this node's index has applied",
    "stream_seq": "the last batch in the write log",
    "lag_messages": "batches in the write log not yet applied here",
    "lag_seconds": "age of the oldest batch not applied here (0 when none)",
}


def cluster_gauges():
    """For /metrics: the node's place in the write log, and whether it is in rotation (the
    values /healthz reports; a value the log cannot give now is left out)."""
    node = cluster_node()
    if node is None:
        return
    health = node.health()
    labels = {"node": health["node"]}
    for name, help_text in _GAUGES.items():
        if health[name] is not None:
            yield f"vietsearch_cluster_{name}", help_text, float(health[name]), labels
    in_rotation = health["status"] in ("ok", "log_unavailable")
    yield "vietsearch_cluster_in_rotation", "1 if /healthz answers 200", float(in_rotation), labels


def cluster_node() -> ClusterNode | None:
    """This process's ``ClusterNode`` (a new one after a fork), or None on a single node."""
    config = current_app.extensions.get("vietsearch_cluster")
    if config is None:
        return None
    with _nodes_lock:
        node, pid = current_app.extensions.get("vietsearch_cluster_node", (None, None))
        if node is None or pid != os.getpid():
            node = ClusterNode(config)
            current_app.extensions["vietsearch_cluster_node"] = (node, os.getpid())
    return node


def start_cluster() -> None:
    """In a worker, after the fork: connect, and take part in electing the node's applier."""
    node = cluster_node()
    if node is not None:
        node.start()


def cluster_writer() -> ClusterWrites | None:
    """The writer of ``web.documents`` in cluster mode (None on a single node)."""
    node = cluster_node()
    return None if node is None else ClusterWrites(node)


def idempotency_key() -> str | None:
    """The request's ``Idempotency-Key``: the same key makes a repeated write land once."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not _KEY.match(key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"Nothing was written: {IDEMPOTENCY_HEADER} must be 1 to 128 printable ASCII "
            "characters without spaces.",
        )
    return key


class ClusterWrites:
    """``LiveWriter``'s ``replace`` and ``delete``, through the cluster's write log."""

    def __init__(self, node: ClusterNode):
        self.node = node

    def announce(self) -> None:
        """Nothing: the process that applies the log announces itself to builds."""

    def replace(self, documents: list[Document]) -> Written:
        """Store ``documents`` (replacing by id) on every node."""
        return self._write(documents, ())

    def delete(self, doc_id: str) -> Written:
        """Delete the document with this id on every node."""
        return self._write((), (doc_id,))

    def _write(self, documents, deletions) -> Written:
        key, asked = idempotency_key(), prefers_async()
        try:
            result = self.node.write(list(documents), list(deletions), key, wait=not asked)
        except LogUnavailable as exc:
            raise _log_unavailable(exc) from None
        except ClusterError as exc:
            raise ApiError(
                503, "log_unavailable", f"Nothing was written: {exc}.", _retry_later()
            ) from None
        if result.written is None:
            raise Accepted(result.seq, result.applied, asked)
        return result.written


def prefers_async() -> bool:
    """Whether the request says ``Prefer: respond-async`` (RFC 7240; other preferences in
    the header are ignored): answer once the write log has the write."""
    for header in request.headers.getlist("Prefer"):
        for preference in header.split(","):
            token = preference.split(";", 1)[0].split("=", 1)[0]
            if token.strip().lower() == "respond-async":
                return True
    return False


def _log_unavailable(exc: LogUnavailable) -> ApiError:
    if not exc.maybe_written:
        message, outcome = f"Nothing was written: {exc}. Try again.", "not_written"
    else:
        message, outcome = (
            f"The write log did not acknowledge this write in time ({exc}). It may still be "
            "applied, on every node or on none, never in part. Send it again with the same "
            f"{IDEMPOTENCY_HEADER} header: it is applied at most once.",
            "unknown",
        )
    return ApiError(503, "log_unavailable", message, _retry_later(), outcome=outcome)


def _retry_later() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_S)}


def _accepted(exc: Accepted):
    headers = {"Preference-Applied": "respond-async"} if exc.asked else {}
    return jsonify(seq=exc.seq, applied=exc.applied), 202, headers


def _refuse_while_out_of_the_log():
    """A node whose index the stream cannot continue serves nothing but /healthz."""
    if request.path == "/healthz" or request.path.startswith("/static/"):
        return None
    health = cluster_node().fatal_error()
    if health is not None:
        status, message = health
        raise ApiError(503, status, message, _retry_later())
    return None


def cluster_health() -> tuple[dict, bool] | None:
    """This node's place in the log for /healthz, and whether it should be in rotation;
    None on a single node. ``?max_lag=SECONDS`` overrides the configured lag bound."""
    node = cluster_node()
    if node is None:
        return None
    max_lag = request.args.get("max_lag")
    try:
        bound = float(max_lag) if max_lag else None
    except ValueError:
        raise ApiError(400, "invalid_parameter", "max_lag must be a number of seconds.") from None
    health = node.health(bound)
    return health, health["status"] in ("ok", "log_unavailable")
