"""One open index per worker process, opened on first use after the fork.

``SearchIndex`` keeps one Whoosh searcher and swaps in a fresh one when another process commits,
so a server picks up new documents without a restart. Whoosh does not promise that one searcher
serves several threads at once, so the threads of a worker take turns on it; searching is
CPU-bound and would wait on the GIL anyway.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app

from indexer import (
    IndexCorrupt,
    IndexMissing,
    SearchIndex,
    VietsearchError,
    ensure_embedded_index,
    load_embedder,
    open_index,
)
from web.errors import ApiError


class WorkerIndex:
    """The index at ``path``, opened lazily once per process and shared by its threads."""

    def __init__(self, path: str | os.PathLike, embedder: str | None = None):
        self.path = Path(path)
        self.embedder = embedder  # a model folder, else VIETSEARCH_EMBEDDER's or the index's
        self._index: SearchIndex | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    @contextmanager
    def use(self) -> Iterator[SearchIndex]:
        """Hold the index for one request; ``ApiError`` 503 if there is none or it is damaged."""
        with self._lock:
            try:
                index = self._opened()
                with index.held():  # what the request reads stays open until it is answered
                    yield index
            except (IndexMissing, IndexCorrupt) as exc:  # removed or damaged while open
                self._index = None  # the next request opens it again
                raise ApiError(503, "index_unavailable", str(exc)) from None

    def _opened(self) -> SearchIndex:
        # A SearchIndex inherited through fork() would share file offsets with its parent.
        if self._index is None or self._pid != os.getpid():
            try:
                self._index = open_index(self.path, self.embedder)
            except VietsearchError as exc:  # missing, damaged, or written by another version
                raise ApiError(503, "index_unavailable", str(exc)) from None
            self._pid = os.getpid()
        return self._index


def init_index(app: Flask) -> None:
    """Attach the app's ``WorkerIndex`` (nothing is opened yet). ``EMBEDDER`` names the model
    folder queries and written documents are embedded with (by default the index's own);
    ``EmbedderUnavailable`` here if it cannot be loaded, so a bad one stops the server."""
    configured = app.config.get("INDEX")
    embedder = app.config.get("EMBEDDER") or None
    if embedder:
        load_embedder(embedder)  # once per process: the workers forked later inherit it
    path = Path(str(configured)) if configured else None
    app.extensions["vietsearch_index"] = WorkerIndex(path, embedder) if path else None
    app.extensions["vietsearch_embedder"] = embedder


def current_index() -> WorkerIndex:
    """The current app's index; the embedded sample index (built if missing) by default."""
    holder = current_app.extensions.get("vietsearch_index")
    if holder is None:
        holder = WorkerIndex(
            ensure_embedded_index(), current_app.extensions.get("vietsearch_embedder")
        )
        current_app.extensions["vietsearch_index"] = holder
    return holder
