"""What is in an index: documents, size on disk, fields, segments and the last commit time."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from indexer.store.opening import last_commit_time, open_whoosh


def index_stats(path: str | os.PathLike) -> dict:
    """Describe the index in ``path`` as a JSON-ready dict."""
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
        "size_bytes": sum(p.stat().st_size for p in folder.iterdir() if p.is_file()),
        "fields": sorted(ix.schema.names()),
        "last_commit": dt.datetime.fromtimestamp(committed, dt.timezone.utc).isoformat(),
    }
