"""Which embedder made an index's vectors: ``embedder.json`` in the index folder.

It names the model folder, its fingerprint and the vectors' dimension. Builds and live writes
record it when they write vectors; searches embed queries with it unless told otherwise; a
build with another embedder re-embeds every document of its sources.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from indexer.semantic.embedder import Embedder, configured_path, load_embedder
from indexer.store.durability import fsync_path

RECORD_FILE = "embedder.json"


def recorded_embedder(index_dir: str | os.PathLike) -> dict | None:
    """The record of the embedder that made the index's vectors, or None (no vectors)."""
    try:
        return json.loads((Path(index_dir) / RECORD_FILE).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def record_embedder(index_dir: str | os.PathLike, embedder: Embedder) -> None:
    """Record ``embedder`` as the one that made the index's vectors (replaced atomically)."""
    if recorded_embedder(index_dir) == embedder.record():
        return
    Path(index_dir).mkdir(parents=True, exist_ok=True)  # a first write makes a new index
    path = Path(index_dir) / RECORD_FILE
    temporary = path.with_name(f"{RECORD_FILE}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps(embedder.record(), indent=2) + "\n", "utf-8")
    fsync_path(temporary)
    os.replace(temporary, path)
    fsync_path(index_dir)


def index_embedder(
    index_dir: str | os.PathLike, explicit: str | os.PathLike | None = None
) -> Embedder | None:
    """The embedder for an index: the folder the caller names, else ``VIETSEARCH_EMBEDDER``,
    else the one the index records; None when there is none. Raises ``EmbedderUnavailable``
    if the folder chosen cannot be loaded."""
    path = configured_path(explicit)
    if path is None:
        record = recorded_embedder(index_dir)
        path = record and record.get("path")
    return load_embedder(path) if path else None
