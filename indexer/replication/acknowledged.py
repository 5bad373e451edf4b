"""The highest log sequence a node acknowledged before applying it, shared by its processes.

A write may ask to be answered as soon as the write log has it (``Prefer: respond-async``):
202 with its ``seq``, before this node has applied it. A GET by id must still see every
write the node acknowledged before it, in whichever worker it lands, so each such answer
first raises the node's mark, ``applied/acknowledged`` in the index folder, and a GET waits
until the node has applied up to the mark.

The mark is written under an exclusive ``flock`` and read under a shared one (20 digits at
offset 0; no reader sees half a write). It is not fsynced: it outlives the death of the
process that wrote it (the page cache keeps it), not the machine's; after a machine's death
the node follows the log again from its index, and leaves rotation while it lags.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from indexer.store.positions import POSITIONS_DIR

MARK_FILE = "acknowledged"
_WIDTH = 20


class AcknowledgedMark:
    """This process's handle on a node's mark; see the module docstring."""

    def __init__(self, index_dir: str | os.PathLike):
        self.path = Path(index_dir) / POSITIONS_DIR / MARK_FILE
        self._fd: int | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def raise_to(self, seq: int) -> None:
        """Make the mark at least ``seq``."""
        fd = self._handle(create=True)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if seq > _parse(os.pread(fd, _WIDTH, 0)):
                os.pwrite(fd, f"{seq:0{_WIDTH}d}".encode(), 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def read(self) -> int:
        """The mark (0 when no write was ever answered before it was applied)."""
        fd = self._handle(create=False)
        if fd is None:
            return 0
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            return _parse(os.pread(fd, _WIDTH, 0))
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close this process's handle."""
        with self._lock:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None

    def _handle(self, create: bool) -> int | None:
        # One descriptor a process: one opened before a fork belongs to the parent.
        with self._lock:
            if self._fd is None or self._pid != os.getpid():
                self._fd = None
                if create:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    flags = os.O_RDWR | (os.O_CREAT if create else 0)
                    self._fd, self._pid = os.open(self.path, flags, 0o644), os.getpid()
                except FileNotFoundError:
                    return None
            return self._fd


def _parse(raw: bytes) -> int:
    return int(raw) if raw.strip().isdigit() else 0
