"""``GET /healthz``: what a load balancer or an operator asks first."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify

from web.worker_index import current_index

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The number of documents, when the index last changed, and whether it can be written;
    its segments, size on disk, and a build or optimize in progress (or null).

    A read-only index folder still serves searches: the status is then ``read_only``.
    """
    with current_index().use() as index:
        documents, committed = index.doc_count(), index.last_commit_time()
        writable = index.writable()
        segments, size_bytes = index.segment_count(), index.size_bytes()
        in_progress = index.in_progress()
    last_commit = dt.datetime.fromtimestamp(committed, dt.timezone.utc).isoformat()
    return jsonify(
        status="ok" if writable else "read_only",
        documents=documents,
        last_commit=last_commit,
        writable=writable,
        segments=segments,
        size_bytes=size_bytes,
        in_progress=in_progress,
    )
