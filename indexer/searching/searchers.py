"""An opened index: one Whoosh searcher, kept and replaced when a commit changes the index."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.index import EmptyIndexError
from whoosh.searching import Searcher

from indexer.errors import DocumentNotFound, IndexMissing
from indexer.searching.compile import weighting
from indexer.searching.refresh import refreshed
from indexer.semantic.embedder import Embedder
from indexer.store.embedder_record import index_embedder, recorded_embedder
from indexer.store.events import emit
from indexer.store.opening import LOCK_FILES, last_commit_time, open_whoosh
from indexer.store.progress import read_progress
from indexer.store.schema import public_fields
from indexer.store.stats import folder_size

# How often a long-lived searcher looks for new commits (listing the folder costs ~0.1 ms).
REFRESH_INTERVAL_S = 0.5


class SearchIndex:
    """A searchable index in a folder.

    ``searcher()`` hands out one shared searcher (opening one costs ~150 ms on a big index) and
    swaps in a refreshed one when another process has committed, so new documents show up
    within ``REFRESH_INTERVAL_S`` without a restart. Inside ``held()`` every searcher handed
    out stays readable, and the first one is handed out again, until the block ends.
    """

    def __init__(
        self, path: str | os.PathLike, embedder: Embedder | str | os.PathLike | None = None
    ):
        self.path = Path(path)
        self._embedder = embedder
        self._embedder_resolved = isinstance(embedder, Embedder)
        self._embedder_lock = threading.Lock()
        self._vectors_known: tuple[int, bool] | None = None  # (generation, has vectors)
        self._ix = open_whoosh(self.path)
        self._searcher: Searcher | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._holds = 0
        self._pinned = False  # a searcher was handed out within the current holds
        self._retired: list = []  # readers a refresh replaced while held: closed after

    def __fspath__(self) -> str:
        """The index folder: every function that takes an index's path takes this index too."""
        return str(self.path)

    def searcher(self, fresh: bool = False) -> Searcher:
        """The current searcher, refreshed if the index changed since it was opened (checked
        every ``REFRESH_INTERVAL_S``, or now when ``fresh``: to see every commit made so far).
        Within ``held()``, only the first call (or a ``fresh`` one) may refresh."""
        with self._lock:
            now = time.monotonic()
            due = now - self._checked_at >= REFRESH_INTERVAL_S and not self._pinned
            if self._searcher is None:
                self._searcher = self._ix.searcher(weighting=weighting())
                self._checked_at = now
            elif fresh or due:
                self._checked_at = now
                if not self._searcher.up_to_date():
                    self._refresh(now)
            self._pinned = self._holds > 0
            return self._searcher

    def _refresh(self, started: float) -> None:
        try:
            self._searcher, unused = refreshed(self._searcher, self._ix)
        except EmptyIndexError:  # the folder was emptied or removed while open
            raise IndexMissing(
                f"no index in {self.path} any more; build one with: "
                f"python -m indexer build SOURCE... --index {self.path}"
            ) from None
        if self._holds:
            self._retired += unused
        else:
            _close(unused)
        emit("searcher_refreshed", seconds=time.monotonic() - started)

    @contextmanager
    def held(self) -> Iterator[SearchIndex]:
        """A block in which every searcher handed out stays readable: a search that asks for
        the searcher more than once (directly, or through ``generation()``,
        ``has_vectors()``...) gets the same one, unless it asks for a ``fresh`` one, and the
        readers a refresh replaces are closed only when the last block ends. Blocks nest and
        may overlap across threads."""
        # Without it a refresh between two such calls closed readers a search still read
        # through: "seek of closed file", a 500 under writes (tests/test_searcher_holds.py).
        with self._lock:
            self._holds += 1
        try:
            yield self
        finally:
            with self._lock:
                self._holds -= 1
                retired = []
                if not self._holds:
                    retired, self._retired, self._pinned = self._retired, [], False
            _close(retired)

    def document(self, doc_id: str, fresh: bool = True) -> dict | None:
        """The stored document with this id (its public fields), or None; by default from the
        latest commit, like Elasticsearch's real-time GET (a listing of the folder, ~0.1 ms)."""
        stored = self.searcher(fresh).document(id=doc_id)
        if stored is None:
            return None
        return public_fields(stored)

    def embedder(self) -> Embedder | None:
        """The embedder queries are embedded with: the one given when opening (an ``Embedder``
        or a model folder), else ``VIETSEARCH_EMBEDDER``, else the one the index records; None
        without any. Loaded on first use; ``EmbedderUnavailable`` if its folder cannot be."""
        with self._embedder_lock:
            if not self._embedder_resolved:
                self._embedder = index_embedder(self.path, self._embedder)
                self._embedder_resolved = True
            return self._embedder

    def has_vectors(self) -> bool:
        """Whether the index records an embedder (its documents have vectors). Read once per
        commit the searcher reads, not once per search: a build or write records its embedder
        before the commit that first holds vectors, so a new record comes with a new commit."""
        generation = self.generation()
        with self._embedder_lock:
            if self._vectors_known is None or self._vectors_known[0] != generation:
                self._vectors_known = (generation, recorded_embedder(self.path) is not None)
            return self._vectors_known[1]

    def generation(self) -> int:
        """The commit the current searcher reads (its table of contents' generation)."""
        return self.searcher().reader().generation()

    def doc_count(self) -> int:
        """How many live documents the index holds."""
        return self.searcher().doc_count()

    def segment_count(self) -> int:
        """How many segments the current searcher reads (searches slow down with their number)."""
        return len(self.searcher().reader().leaf_readers())

    def deleted_count(self) -> int:
        """Deleted documents whose space a merge has not reclaimed yet."""
        searcher = self.searcher()
        return searcher.doc_count_all() - searcher.doc_count()

    def size_bytes(self) -> int:
        """The index's size on disk."""
        return folder_size(self.path)

    def in_progress(self) -> dict | None:
        """A build or optimize running on this index and how far it is, or None
        (``indexer.store.progress``)."""
        return read_progress(self.path)

    def last_commit_time(self) -> float:
        """When the latest commit was written (seconds since the epoch)."""
        return last_commit_time(self.path)

    def writable(self) -> bool:
        """Whether this process may write to the index: add, rename and delete files in its folder.

        ``os.access`` answers for the real situation: false on a read-only mount or folder
        (EROFS, EACCES), true for root on a folder whose mode alone says read-only.
        """
        locks = [self.path / name for name in LOCK_FILES]
        return os.access(self.path, os.W_OK | os.X_OK) and all(
            os.access(lock, os.W_OK) for lock in locks if lock.exists()
        )

    def close(self) -> None:
        """Release the searcher's files."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            retired, self._retired = self._retired, []
        _close(retired)


def _close(readers: list) -> None:
    for reader in readers:
        reader.close()


def live_docnum(searcher: Searcher, doc_id: str) -> int:
    """The document number of the live document ``doc_id``; ``DocumentNotFound`` if none."""
    if not isinstance(doc_id, str) or not doc_id:
        raise DocumentNotFound(str(doc_id))
    docnum = searcher.document_number(id=doc_id)
    if docnum is None or searcher.reader().is_deleted(docnum):
        raise DocumentNotFound(doc_id)
    return docnum


def open_index(
    path: str | os.PathLike, embedder: Embedder | str | os.PathLike | None = None
) -> SearchIndex:
    """Open the index in ``path`` for searching; raise ``IndexMissing`` or ``IndexCorrupt``.
    ``embedder`` (an ``Embedder`` or a model folder) embeds queries for searches by meaning;
    by default ``VIETSEARCH_EMBEDDER``'s, else the index's own (``SearchIndex.embedder``)."""
    return SearchIndex(path, embedder)
