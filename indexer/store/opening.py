"""Opening an index folder: the latest commit read, or one clear error saying why it cannot be."""

from __future__ import annotations

import contextlib
import os
import re
import weakref
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from indexer.errors import IndexCorrupt, IndexIncompatible, IndexMissing
from indexer.store.legacy import is_missing_class, register_old_class_paths

_TOC = re.compile(r"^_MAIN_([0-9]+)\.toc$")
# Whoosh's files for the index named MAIN: tables of contents (_MAIN_<generation>.toc, and their
# temporary copies) and segments (MAIN_<id>.seg); the lock file stays.
_INDEX_FILE = re.compile(r"^_?MAIN_(?!WRITELOCK$)")
# The files a writer opens for writing: Whoosh's lock and indexer.store.locks's turnstile.
LOCK_FILES = ("MAIN_WRITELOCK", "TURNSTILE")


OPEN_ATTEMPTS = 20


def open_whoosh(path: str | os.PathLike) -> whoosh_index.Index:
    """Open the Whoosh index in ``path``; raise ``IndexMissing``, ``IndexCorrupt`` or
    ``IndexIncompatible``.

    Whoosh reads the latest table of contents (``_MAIN_<generation>.toc``) here, and a truncated
    or garbled one surfaces as whatever its bytes trip over (EOFError, struct.error, pickle
    errors, MemoryError...): all of those become one ``IndexCorrupt``. A table that names a
    class of ours this version does not have is ``IndexIncompatible``, and its files are left
    alone. Errors from the file system itself (permissions) stay as they are.
    """
    register_old_class_paths()
    path = Path(path)
    for attempt in range(OPEN_ATTEMPTS):
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
            if attempt == OPEN_ATTEMPTS - 1:
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
        if is_missing_class(exc):
            raise IndexIncompatible(path, f"_MAIN_{generation}.toc names {detail}") from None
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


def last_commit_time(path: str | os.PathLike) -> float:
    """When the latest commit in the index folder ``path`` was written (its table of contents)."""
    while True:
        try:
            return max((toc.stat().st_mtime for toc in Path(path).glob("_MAIN_*.toc")), default=0.0)
        except FileNotFoundError:
            continue  # a commit replaced the table of contents between listing and reading
