"""The errors of cluster mode, all ``VietsearchError``s."""

from __future__ import annotations

from indexer.errors import VietsearchError


class ClusterError(VietsearchError):
    """Something about the cluster's configuration or log that retrying will not fix
    (missing nats-py, refused credentials, a stream configured differently...)."""


class LogUnavailable(VietsearchError):
    """The log could not take the batch in time: no connection, no quorum, no acknowledgement.

    ``maybe_written`` is False when the batch was certainly not proposed (nothing was sent, the
    stream had no quorum, or it reached the log too late and every node discards it); True when
    a proposal may have been made whose acknowledgement never came: the batch is then applied
    on every node or on none, and a retry under the same ``Idempotency-Key`` settles which.
    """

    def __init__(self, message: str, maybe_written: bool = False):
        super().__init__(message)
        self.maybe_written = maybe_written


class OutOfRetention(VietsearchError):
    """The stream no longer holds the next batch this index needs: restore a snapshot."""


class IndexAhead(VietsearchError):
    """The index has applied past the stream's end: a wrong stream, or one made anew."""


class NotCaughtUp(VietsearchError):
    """This node had not applied the sequence asked for within the bound."""


class SnapshotError(VietsearchError, ValueError):
    """A snapshot that cannot be taken or restored; the message says why."""
