"""Commits that survive a power cut: Whoosh renames files atomically but never calls fsync."""

from __future__ import annotations

import os

from whoosh.filedb.filestore import FileStorage
from whoosh.writing import IndexWriter


class DurableStorage(FileStorage):
    """An index folder whose files are on disk before any of them is renamed.

    A commit's last step is to rename its new table of contents into place. Through this
    storage the files the commit wrote (the new segment and the table itself) are fsynced
    first, so after a power cut the latest table of contents is complete and names only files
    that exist; without it the rename can reach the disk before the data it points to.
    """

    def __init__(self, path: str | os.PathLike, **options):
        super().__init__(str(path), **options)
        self._unsynced: set[str] = set()

    def create_file(self, name, *args, **kwargs):
        """Create ``name`` (as FileStorage does), remembering to fsync it before a rename."""
        self._unsynced.add(name)
        return super().create_file(name, *args, **kwargs)

    def rename_file(self, oldname, newname, safe=False):
        """Fsync every file written since the last rename, and the folder, then rename."""
        for name in sorted(self._unsynced):
            path = self._fpath(name)
            if os.path.isfile(path):  # parts of a compound segment are deleted once assembled
                fsync_path(path)
        self._unsynced.clear()
        fsync_path(self.folder)
        super().rename_file(oldname, newname, safe=safe)


def commit_durably(writer: IndexWriter, **commit_options) -> None:
    """Commit ``writer``, then fsync the index folder, so the rename itself is on disk.

    The writer must be over a ``DurableStorage`` (``indexer.store.commits.open_or_create``), which
    has fsynced the commit's files before the rename. When this returns, the commit is on
    disk: a crash right after cannot lose it.
    """
    if not isinstance(writer.storage, DurableStorage):
        raise TypeError("commit_durably needs a writer over a DurableStorage")
    writer.commit(**commit_options)
    fsync_path(writer.storage.folder)


def fsync_path(path: str | os.PathLike) -> None:
    """Flush a file, or a folder's entries, to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
