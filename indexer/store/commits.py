"""Commits: the index's writer held in turn, documents replaced or deleted by id, fsynced.

Builds (``indexer.store.build``) and the server's writes (``indexer.store.live``) both commit
through ``committing``, ``replace_document`` and ``delete_document``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from indexer.codec.lengths import preload_lengths
from indexer.store.durability import DurableStorage, commit_durably
from indexer.store.legacy import register_old_class_paths
from indexer.store.locks import abandon, open_writer
from indexer.store.merge_policy import merge_policy
from indexer.store.opening import OPEN_ATTEMPTS
from indexer.store.positions import forget_positions, remove_unfinished
from indexer.store.progress import reporting
from indexer.store.schema import build_schema
from indexer.store.stale import remove_stale_files

WRITER_TIMEOUT_S = 60.0
# Whoosh's pool of merged segments' postings stays in memory up to this size (BulkSegmentWriter
# keeps a commit's own postings in memory whatever their size).
POOL_LIMIT_MB = 1024


def open_or_create(index_dir: str | os.PathLike) -> whoosh_index.Index:
    """Open the index in ``index_dir`` for writing; create the folder and an empty index if needed.

    Files are on disk before a commit's table of contents names them (``DurableStorage``).
    Without memory maps: Whoosh copies the whole of every mapped segment file it opens into
    memory, so the writer's searcher over committed documents took 0.3-1 s per commit on a
    10,000-article index, against 3 ms with plain reads.
    """
    register_old_class_paths()
    path = Path(index_dir)
    storage = DurableStorage(path, supports_mmap=False)
    for attempt in range(OPEN_ATTEMPTS):
        try:
            if whoosh_index.exists_in(path):
                return storage.open_index()
            break
        except FileNotFoundError:
            # A commit by another process replaced the table of contents after it was listed.
            if attempt == OPEN_ATTEMPTS - 1:
                raise
    path.mkdir(parents=True, exist_ok=True)
    forget_positions(path)  # a replicated index's old records do not describe a new index
    return storage.create_index(build_schema())


@contextmanager
def committing(
    ix: whoosh_index.Index, timeout: float, stale: list[str] | None = None, **commit_options
) -> Iterator[tuple[SegmentWriter, Searcher]]:
    """Hold the index's writer and a searcher over its committed documents, then commit.

    The writer is taken in turn (``indexer.store.locks``; ``WriterBusy`` after ``timeout``
    seconds). The commit is durable when the block ends; if the block raises, nothing of it
    is written and the writer is released. Files that interrupted commits left are removed
    first; their names go into ``stale`` when one is given.
    """
    writer = open_writer(ix, timeout, limitmb=POOL_LIMIT_MB)
    try:
        # A commit killed between writing its table of contents and renaming it leaves the
        # temporary file, which Whoosh never deletes: without this, one per such kill, forever.
        (stale if stale is not None else []).extend(remove_stale_files(writer))
        # Likewise a log position recorded for a commit that never happened (store.positions).
        remove_unfinished(ix.storage.folder, writer.generation)
        preload_lengths(writer)
        with writer.searcher() as committed:
            yield writer, committed
        commit_durably(writer, **commit_options)
    except BaseException:
        abandon(writer)
        raise


def replace_document(writer, committed, fields: dict) -> int:
    """Add a document, deleting any committed one with the same id; return how many it replaced.

    Whoosh's own ``update_document`` opens a new reader over every segment for each document
    (files opened and mapped each time), which made a 10,000-article build take 45 minutes;
    ``committed`` is one searcher over the writer's segments, opened once per batch. The delete
    always runs, even for ids unknown at the start: another writer may have added them since.
    """
    replaced = delete_document(writer, committed, fields["id"])
    writer.add_indexed(fields)
    return replaced


def delete_document(writer, committed, doc_id: str) -> int:
    """Delete the committed document with this id; return how many were deleted (0 or 1)."""
    return writer.delete_by_term("id", doc_id, searcher=committed)


def delete_documents(index_dir: str | os.PathLike, ids: Iterable[str]) -> int:
    """Delete the documents with these ids; return how many were deleted."""
    # One searcher for all ids: without it Whoosh opens a reader over every segment per id.
    ix, merge = open_or_create(index_dir), merge_policy(index_dir, otherwise=None)
    with committing(ix, WRITER_TIMEOUT_S, mergetype=merge) as (writer, committed):
        return sum(delete_document(writer, committed, doc_id) for doc_id in ids)


def optimize(index_dir: str | os.PathLike) -> list[str]:
    """Merge every segment into one, dropping deleted documents; remove what interrupted
    commits left behind (``indexer.store.stale``) and return the names of those files."""
    removed: list[str] = []
    with (
        reporting(index_dir, "optimize"),
        committing(open_or_create(index_dir), WRITER_TIMEOUT_S, removed, optimize=True),
    ):
        pass
    return removed
