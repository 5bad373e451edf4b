"""``after_seq``: reading at least what a given write changed, on one node as on many.

A write answers with ``seq``: on a single node, the generation of the commit that holds it; in a
cluster, its sequence in the write log. A search or a GET by id that passes it back as
``after_seq=N`` reads from a searcher refreshed now, once this node has N: in a cluster it waits
for that up to the node's ``AFTER_SEQ_TIMEOUT`` (default 2 s), then answers 503
``not_caught_up``. A single node has every commit it answered for on disk already, so it never
waits: a generation it has not made is a seq it never gave, a 400 ``invalid_parameter``. A GET
by id is always read from the latest commit (real time, like Elasticsearch's GET): it sees every
write acknowledged before it on this node; in a cluster, that includes the writes answered
202 before this node applied them (``Prefer: respond-async``), which it waits for as for an
``after_seq``.
"""

from __future__ import annotations

from flask import request

from indexer import NotCaughtUp, wait_for_generation
from web.cluster import cluster_node
from web.errors import ApiError
from web.worker_index import current_index

MAX_SEQ_DIGITS = 18
RETRY_AFTER_S = 1


def catch_up(own_writes: bool = False) -> None:
    """Honour this request's ``after_seq``: 400 if malformed, 503 if not reached in time.
    With ``own_writes`` (a GET by id), also every write this node acknowledged."""
    seq = after_seq()
    node = cluster_node()
    if own_writes and node is not None:
        timeout = node.config.after_seq_timeout
        if not node.wait_acknowledged(timeout):
            _not_caught_up(f"this node has not applied its own writes within {timeout:g} s")
    if seq is None:
        return
    if node is not None:
        timeout = node.config.after_seq_timeout
        if not node.wait_applied(seq, timeout):
            _not_caught_up(f"this node has not applied seq {seq} within {timeout:g} s")
    else:
        try:
            wait_for_generation(current_index().path, seq, timeout=0.0)
        except NotCaughtUp as exc:
            raise ApiError(
                400, "invalid_parameter", f"after_seq is not a seq this index gave: {exc}."
            ) from None
    with current_index().use() as index:
        index.searcher(fresh=True)


def after_seq() -> int | None:
    """The request's ``after_seq`` (absent or empty: None)."""
    raw = request.args.get("after_seq")
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_SEQ_DIGITS:
        raise ApiError(
            400,
            "invalid_parameter",
            "after_seq must be a whole number of at most 18 digits: the seq of a write.",
        )
    return int(raw)


def _not_caught_up(reason: str) -> None:
    raise ApiError(
        503,
        "not_caught_up",
        f"Not answered: {reason}. Try again, or ask another node.",
        {"Retry-After": str(RETRY_AFTER_S)},
    )
