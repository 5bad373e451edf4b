"""What is in an index: documents, size on disk, fields, segments, the last commit time, and a
build or optimize in progress."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from indexer.store.embedder_record import recorded_embedder
from indexer.store.opening import last_commit_time, open_whoosh
from indexer.store.progress import read_progress


def index_stats(path: str | os.PathLike) -> dict:
    """Describe the index in ``path`` as a JSON-ready dict.

    ``in_progress`` is the build or optimize running on it (``indexer.store.progress``: pid,
    command, phase, started, updated, done, total), or None. ``embedder`` is the record of the
    embedder that made its vectors (``indexer.store.embedder_record``), or None.
    """
    folder = Path(path)
    ix = open_whoosh(folder)
    committed = last_commit_time(folder)
    with ix.reader() as reader:
        documents, deleted = reader.doc_count(), reader.doc_count_all() - reader.doc_count()
    return {
        "path": str(folder),
        "documents": documents,
        "deleted_not_merged": deleted,
        "segments": len(ix._segments()),
        "size_bytes": folder_size(folder),
        "fields": sorted(ix.schema.names()),
        "last_commit": dt.datetime.fromtimestamp(committed, dt.timezone.utc).isoformat(),
        "in_progress": read_progress(folder),
        "embedder": recorded_embedder(folder),
    }


def folder_size(folder: str | os.PathLike) -> int:
    """Bytes of the files directly in ``folder`` (an index keeps no subfolders that count)."""
    total = 0
    for entry in os.scandir(folder):
        try:
            if entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
        except FileNotFoundError:  # a commit removed it since the listing
            continue
    return total
