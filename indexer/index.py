"""An opened index: one Whoosh searcher, kept and replaced when a commit changes the index."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import weakref
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.searching import Searcher

from indexer.refresh import refreshed
from indexer.searching import weighting

# How often a long-lived searcher looks for new commits (listing the folder costs ~0.1 ms).
REFRESH_INTERVAL_S = 0.5


_TOC = re.compile(r"^_MAIN_([0-9]+)\.toc$")
# Whoosh's files for the index named MAIN: tables of contents (_MAIN_<generation>.toc, and their
# temporary copies) and segments (MAIN_<id>.seg); the lock file stays.
_INDEX_FILE = re.compile(r"^_?MAIN_(?!WRITELOCK$)")
# The files a writer opens for writing: Whoosh's lock and indexer.writelock's turnstile.
_LOCK_FILES = ("MAIN_WRITELOCK", "TURNSTILE")


_OPEN_ATTEMPTS = 20


class IndexMissing(FileNotFoundError):
    """There is no index in the folder; the message names the command that builds one."""


class IndexCorrupt(Exception):
    """The folder holds an index whose latest table of contents cannot be read.

    ``str(error)`` is one line: the folder, the file, what is wrong with it, and the command
    that rebuilds the index.
    """

    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(
            f"the index in {path} is damaged: {reason}; rebuild it with: "
            f"python -m indexer build SOURCE... --index {path}"
        )


def open_whoosh(path: str | os.PathLike) -> whoosh_index.Index:
    """Open the Whoosh index in ``path``; raise ``IndexMissing`` or ``IndexCorrupt``.

    Whoosh reads the latest table of contents (``_MAIN_<generation>.toc``) here, and a truncated
    or garbled one surfaces as whatever its bytes trip over (EOFError, struct.error, pickle
    errors, MemoryError...): all of those become one ``IndexCorrupt``. Errors from the file
    system itself (permissions) stay as they are.
    """
    path = Path(path)
    for attempt in range(_OPEN_ATTEMPTS):
        files = path.iterdir() if path.is_dir() else ()
        generations = [int(m[1]) for file in files if (m := _TOC.match(file.name))]
        if not generations:
            raise IndexMissing(
                f"no index in {path}; build one with: python -m indexer build SOURCE... "
                f"--index {path}"
            )
        try:
            _check_toc(path, max(generations))
            return _ReadStorage(path).open_index()
        except FileNotFoundError:
            # A commit (over HTTP, say) replaced the table of contents after it was listed.
            if attempt == _OPEN_ATTEMPTS - 1:
                raise


class _ReadStorage(FileStorage):
    """Plain reads, no memory maps; a file closes with the reader that opened it.

    Whoosh copies the whole of every mapped segment file it opens into the process: 646 MB per
    worker on the news corpus. With plain reads the index stays in the page cache, shared by
    every worker. A segment's file then stays open as long as its reader; if a reader is
    dropped without ``close()``, its file is closed when the reader is collected.
    """

    def __init__(self, path: Path):
        super().__init__(str(path), supports_mmap=False)

    def open_file(self, name, **kwargs):
        """Open ``name`` as Whoosh does; close it when the object Whoosh holds is collected."""
        opened = super().open_file(name, **kwargs)
        weakref.finalize(opened, opened.file.close)
        return opened


class _TrackingStorage(FileStorage):
    """A storage that remembers the files it opens: Whoosh leaves one open when reading fails."""

    def __init__(self, path: Path):
        super().__init__(str(path), readonly=True)
        self.opened: list = []

    def open_file(self, name, **kwargs):
        """Open ``name`` as Whoosh does, and remember it."""
        opened = super().open_file(name, **kwargs)
        self.opened.append(opened)
        return opened


def _check_toc(path: Path, generation: int) -> None:
    storage = _TrackingStorage(path)
    try:
        TOC.read(storage, "MAIN", gen=generation)
    except OSError:
        raise
    except Exception as exc:
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:200].rstrip(": ")
        reason = f"its latest table of contents, _MAIN_{generation}.toc, cannot be read ({detail})"
        raise IndexCorrupt(path, reason) from None
    finally:
        for opened in storage.opened:
            with contextlib.suppress(Exception):
                opened.close()


def discard_damaged_index(path: str | os.PathLike) -> IndexCorrupt | None:
    """Delete the files of a damaged index in ``path`` so a build starts afresh; say what was wrong.

    Returns None, and touches nothing, when the index opens or there is none. Other files in
    the folder, and the writer's lock file, are left alone.
    """
    try:
        open_whoosh(path)
    except IndexMissing:
        return None
    except IndexCorrupt as damage:
        for file in Path(path).iterdir():
            if _INDEX_FILE.match(file.name) and file.is_file():
                file.unlink()
        return damage
    return None


class SearchIndex:
    """A searchable index in a folder.

    ``searcher()`` hands out one shared searcher (opening one costs ~150 ms on a big index) and
    swaps in a refreshed one when another process has committed, so new documents show up
    within ``REFRESH_INTERVAL_S`` without a restart.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._ix = open_whoosh(self.path)
        self._searcher: Searcher | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def searcher(self) -> Searcher:
        """The current searcher, refreshed if the index changed since it was opened."""
        with self._lock:
            now = time.monotonic()
            if self._searcher is None:
                self._searcher = self._ix.searcher(weighting=weighting())
                self._checked_at = now
            elif now - self._checked_at >= REFRESH_INTERVAL_S:
                self._checked_at = now
                if not self._searcher.up_to_date():
                    self._searcher = refreshed(self._searcher, self._ix)
            return self._searcher

    def document(self, doc_id: str) -> dict | None:
        """The stored document with this id (its public fields), or None."""
        stored = self.searcher().document(id=doc_id)
        if stored is None:
            return None
        published = stored.get("published")
        return {
            "id": stored["id"],
            "title": stored.get("title", ""),
            "body": stored.get("body", ""),
            "url": stored.get("url", ""),
            "published": published.isoformat() if published else None,
            "source": stored.get("source", ""),
            "category": stored.get("category", ""),
            "tags": [t for t in stored.get("tags", "").split(",") if t],
        }

    def doc_count(self) -> int:
        """How many live documents the index holds."""
        return self.searcher().doc_count()

    def last_commit_time(self) -> float:
        """When the latest commit was written (seconds since the epoch)."""
        return last_commit_time(self.path)

    def writable(self) -> bool:
        """Whether this process may write to the index: add, rename and delete files in its folder.

        ``os.access`` answers for the real situation: false on a read-only mount or folder
        (EROFS, EACCES), true for root on a folder whose mode alone says read-only.
        """
        locks = [self.path / name for name in _LOCK_FILES]
        return os.access(self.path, os.W_OK | os.X_OK) and all(
            os.access(lock, os.W_OK) for lock in locks if lock.exists()
        )

    def close(self) -> None:
        """Release the searcher's files."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None


def last_commit_time(path: str | os.PathLike) -> float:
    """When the latest commit in the index folder ``path`` was written (its table of contents)."""
    while True:
        try:
            return max((toc.stat().st_mtime for toc in Path(path).glob("_MAIN_*.toc")), default=0.0)
        except FileNotFoundError:
            continue  # a commit replaced the table of contents between listing and reading


def open_index(path: str | os.PathLike) -> SearchIndex:
    """Open the index in ``path`` for searching; raise ``IndexMissing`` or ``IndexCorrupt``."""
    return SearchIndex(path)
