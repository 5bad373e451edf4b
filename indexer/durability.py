"""Commits that survive a power cut: Whoosh renames files atomically but never calls fsync."""

from __future__ import annotations

import os
from pathlib import Path

from whoosh.writing import IndexWriter


def commit_durably(writer: IndexWriter, **commit_options) -> None:
    """Commit ``writer``, then fsync the files the commit created and the index folder.

    When this returns, the commit is on disk: a crash right after cannot lose it.
    """
    folder = Path(writer.storage.folder)
    before = {entry.name: entry.stat().st_mtime_ns for entry in os.scandir(folder)}
    writer.commit(**commit_options)
    for entry in os.scandir(folder):
        if entry.is_file() and before.get(entry.name) != entry.stat().st_mtime_ns:
            _fsync_path(entry.path)
    _fsync_path(str(folder))


def _fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
