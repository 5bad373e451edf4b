"""The index's single writer, taken in turn and with a bounded wait.

Whoosh allows one writer per index: ``ix.writer()`` polls a file lock. A process that commits
and asks for the writer again at once nearly always wins against others that poll every few
milliseconds, so a CLI build committing batch after batch could starve HTTP writes for good.
Every writer here queues at a turnstile first: a second lock that the next writer holds while
it polls for the writer lock. Whoever just released the writer has to pass the turnstile
before it can take the writer again, so the waiter at the turnstile gets the writer next.

Processes that take writes at any moment (the web server's workers) also hold a shared lock on
a third file for as long as they live, so a build can tell that it should keep its commits
short. The kernel drops all three locks when a process dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time

from whoosh.index import Index, LockError
from whoosh.util.filelock import FileLock
from whoosh.writing import SegmentWriter

from indexer.codec.segment_writer import BulkSegmentWriter
from indexer.errors import WriterBusy

POLL_S = 0.005
# Not named MAIN_*: Whoosh and indexer.store.opening treat those names as the index's own files.
TURNSTILE_FILE = "TURNSTILE.lock"
LIVE_WRITERS_FILE = "LIVE_WRITERS.lock"


def open_writer(ix: Index, timeout: float, **options) -> BulkSegmentWriter:
    """A ``BulkSegmentWriter`` on ``ix`` (what ``ix.writer(**options)`` would give, with its
    faster postings writer) after waiting in turn; raise ``WriterBusy`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    turnstile = FileLock(os.path.join(ix.storage.folder, TURNSTILE_FILE))
    if not _poll(turnstile.acquire, deadline):
        raise WriterBusy(f"the index writer was busy for {timeout:g} s")
    try:
        remaining = max(0.0, deadline - time.monotonic())
        return BulkSegmentWriter(ix, timeout=remaining, delay=POLL_S, **options)
    except LockError:
        raise WriterBusy(f"the index writer was busy for {timeout:g} s") from None
    finally:
        turnstile.release()


def abandon(writer: SegmentWriter) -> None:
    """Cancel ``writer`` whatever state a failure left it in, and release its lock."""
    try:
        # The failure that brought us here is the one worth reporting, not a second one.
        with contextlib.suppress(Exception):
            if not writer.is_closed:
                writer.cancel()
    finally:
        lock = writer.writelock
        if lock is not None and lock.fd is not None:
            lock.release()


def announce_live_writer(folder: str | os.PathLike) -> int:
    """Say, for as long as the returned descriptor stays open, that this process takes writes."""
    fd = os.open(os.path.join(folder, LIVE_WRITERS_FILE), os.O_CREAT | os.O_RDWR, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def live_writers_present(folder: str | os.PathLike) -> bool:
    """Whether some process has announced that it takes writes to the index in ``folder``."""
    try:
        fd = os.open(os.path.join(folder, LIVE_WRITERS_FILE), os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # and with it the lock, if it was taken
    return False


def _poll(attempt, deadline: float) -> bool:
    while not attempt():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return True
