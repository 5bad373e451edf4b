"""Cluster mode: vietsearch nodes that apply one replicated write log, NATS JetStream's.

A node publishes each write it takes as one batch to the stream (``log``), every node applies
the stream in order through its group commit, recording the last sequence in the same commit
(``applier``, ``indexer.store.positions``), and one process per node does the applying
(``node``). ``snapshots`` copies one commit of an index while it takes writes, and restores it.
nats-py is an optional dependency (``pip install 'vietsearch[cluster]'``); without it, only
``Log`` refuses to be made.
"""

from indexer.replication.applier import SNAPSHOT_HINT, Applier, Entry, check_position
from indexer.replication.batches import decode_batch, encode_batch
from indexer.replication.config import (
    AFTER_SEQ_TIMEOUT_S,
    DEFAULT_STREAM,
    MAX_LAG_S,
    WRITE_TIMEOUT_S,
    ClusterConfig,
)
from indexer.replication.errors import (
    ClusterError,
    IndexAhead,
    LogUnavailable,
    NotCaughtUp,
    OutOfRetention,
    SnapshotError,
)
from indexer.replication.log import Log, LogConfig, StreamState, is_valid, stream_subject
from indexer.replication.node import ClusterNode, WriteResult, applier_lock
from indexer.replication.snapshots import Snapshot, restore, snapshot
from indexer.replication.waiting import wait_for_generation

__all__ = [
    "AFTER_SEQ_TIMEOUT_S",
    "DEFAULT_STREAM",
    "MAX_LAG_S",
    "SNAPSHOT_HINT",
    "WRITE_TIMEOUT_S",
    "Applier",
    "ClusterConfig",
    "ClusterError",
    "ClusterNode",
    "Entry",
    "IndexAhead",
    "Log",
    "LogConfig",
    "LogUnavailable",
    "NotCaughtUp",
    "OutOfRetention",
    "Snapshot",
    "SnapshotError",
    "StreamState",
    "WriteResult",
    "applier_lock",
    "check_position",
    "decode_batch",
    "encode_batch",
    "is_valid",
    "restore",
    "snapshot",
    "stream_subject",
    "wait_for_generation",
]
