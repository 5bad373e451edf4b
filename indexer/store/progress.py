"""A build or an optimize in progress, told through a small file in the index folder.

``python -m indexer build`` and ``optimize`` (any ``build_index``, ``write_documents`` or
``optimize`` call) keep ``PROGRESS.json`` in the index folder up to date while they run: the
process id, the command, the phase, when it started, how many documents are done and, when
known, how many there are in all. The file is removed when the work ends, however it ends; a
process killed on the way leaves it behind, so a reader takes a file whose process is gone for
no work in progress.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from indexer.store.processes import process_running

PROGRESS_FILE = "PROGRESS.json"
# Rewriting the file costs a write and a rename: at most this often while documents stream by.
WRITE_INTERVAL_S = 1.0


class Progress:
    """The progress file of one running build or optimize; ``update`` and ``phase`` rewrite it."""

    def __init__(self, index_dir: str | os.PathLike, command: str, total: int | None = None):
        self.path = Path(index_dir) / PROGRESS_FILE
        self.state = {
            "pid": os.getpid(),
            "command": command,
            "phase": "indexing" if command != "optimize" else "merging",
            "started": _now(),
            "updated": _now(),
            "done": 0,
            "total": total,
        }
        self._written_at = 0.0
        # Where the total comes from while it is being counted (``build.count_in_background``).
        self.total_source: Callable[[], int | None] | None = None

    def update(self, done: int) -> None:
        """Record ``done`` documents; the file is rewritten at most once a second."""
        self.state["done"] = done
        if self.state["total"] is None and self.total_source is not None:
            self.state["total"] = self.total_source()
        if time.monotonic() - self._written_at >= WRITE_INTERVAL_S:
            self.write()

    def phase(self, name: str) -> None:
        """Enter another phase (``merging`` after ``indexing``), written at once."""
        self.state["phase"] = name
        self.write()

    def write(self) -> None:
        """Replace the file whole (a reader never sees half of it); a folder that cannot be
        written only loses the report, never the work."""
        self.state["updated"] = _now()
        self._written_at = time.monotonic()
        temporary = self.path.with_name(f".{PROGRESS_FILE}.{os.getpid()}")
        with contextlib.suppress(OSError):
            temporary.write_text(json.dumps(self.state), encoding="utf-8")
            os.replace(temporary, self.path)

    def remove(self) -> None:
        """Remove the file, if it is still this process's."""
        if (read_progress(self.path.parent) or {}).get("pid") == os.getpid():
            with contextlib.suppress(OSError):
                self.path.unlink()


@contextlib.contextmanager
def reporting(
    index_dir: str | os.PathLike, command: str, total: int | None = None
) -> Iterator[Progress]:
    """A ``Progress`` written now and removed when the block ends."""
    progress = Progress(index_dir, command, total)
    if Path(index_dir).is_dir():
        progress.write()
    try:
        yield progress
    finally:
        progress.remove()


def read_progress(index_dir: str | os.PathLike) -> dict | None:
    """The work in progress on the index in ``index_dir``, or None.

    None too when the file names a process that no longer runs (a build killed with ``kill -9``
    leaves its file behind; the next build replaces it).
    """
    path = Path(index_dir) / PROGRESS_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        pid = int(state["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if process_running(pid) else None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
