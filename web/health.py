"""``GET /healthz``: what a load balancer or an operator asks first."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, jsonify

from web.cluster import cluster_health
from web.worker_index import current_index

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The number of documents, when the index last changed, and whether it can be written;
    its segments, size on disk, and a build or optimize in progress (or null).

    A read-only index folder still serves searches: the status is then ``read_only``. In
    cluster mode, also the node's place in the write log; 503 when it should leave rotation.
    """
    with current_index().use() as index:
        documents, committed = index.doc_count(), index.last_commit_time()
        writable = index.writable()
        segments, size_bytes = index.segment_count(), index.size_bytes()
        in_progress = index.in_progress()
    last_commit = dt.datetime.fromtimestamp(committed, dt.timezone.utc).isoformat()
    answer = jsonify(
        status="ok" if writable else "read_only",
        documents=documents,
        last_commit=last_commit,
        writable=writable,
        segments=segments,
        size_bytes=size_bytes,
        in_progress=in_progress,
    )
    if (cluster := cluster_health()) is not None:
        health, serving = cluster
        status = health["status"] if health["status"] != "ok" or writable else "read_only"
        if not serving:  # why this node left rotation, in its request log line
            g.vietsearch_reason = f"{health['status']}: {health['message']}"
        answer = jsonify(answer.json | health | {"status": status}), 200 if serving else 503
    return answer
