"""Writing documents into the index: segments built by worker processes, batched commits.

A build hands each batch of ``batch_size`` documents to a worker process, which runs pyvi (the
slow part) and writes the batch as a complete segment outside the index (``indexer.staging``);
the writer then only deletes the documents the batch replaces and commits the segment, in source
order. A crash loses at most the batches in flight, and re-running the same build skips what was
committed. The server's own writes (``indexer.live``) analyse in process and commit through the
same ``committing`` and ``replace_document``.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.searching import Searcher
from whoosh.writing import NO_MERGE, SegmentWriter

from indexer.analysis import index_terms, segment
from indexer.durability import DurableStorage, commit_durably
from indexer.lengths import preload_lengths
from indexer.merging import bounded_merge, merge_small, small_segments
from indexer.schema import ANALYSIS_VERSION, TEXT_FIELDS, build_schema
from indexer.sources import Document, InvalidDocument, Problem, check_length
from indexer.spans import encode_spans
from indexer.staging import (
    StagedSegment,
    build_segment,
    move_into,
    remove_abandoned,
    staging_folder,
)
from indexer.stale import remove_stale_files
from indexer.writelock import abandon, live_writers_present, open_writer

WRITER_TIMEOUT_S = 60.0
# Whoosh's pool of merged segments' postings stays in memory up to this size (BulkSegmentWriter
# keeps a commit's own postings in memory whatever their size).
POOL_LIMIT_MB = 1024
# The server's writes commit in process (indexer.live): a commit holds about this many terms at
# most (some 12 news articles), so writes never wait long behind each other. Builds write whole
# segments in worker processes instead (indexer.staging) and hold the writer only to delete,
# move a file in and write the table of contents.
MAX_BATCH_TERMS = 25_000
# A merge holds its segments' postings in memory: about 1.5 GB for the 38,084 news articles.
MAX_MERGED_DOCS = 50_000


@dataclass
class BuildSummary:
    """What one build or add run did."""

    indexed: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    deleted: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        rate = self.indexed / self.seconds if self.seconds else 0.0
        return (
            f"indexed {self.indexed}, unchanged {self.unchanged}, skipped {self.skipped}, "
            f"rejected {self.rejected}, deleted {self.deleted} in {self.seconds:.1f} s "
            f"({rate:.1f} documents/s)"
        )


def open_or_create(index_dir: str | os.PathLike) -> whoosh_index.Index:
    """Open the index in ``index_dir`` for writing; create the folder and an empty index if needed.

    Files are on disk before a commit's table of contents names them (``DurableStorage``).
    Without memory maps: Whoosh copies the whole of every mapped segment file it opens into
    memory, so the writer's searcher over committed documents took 0.3-1 s per commit on a
    10,000-article index, against 3 ms with plain reads.
    """
    path = Path(index_dir)
    storage = DurableStorage(path, supports_mmap=False)
    if whoosh_index.exists_in(path):
        return storage.open_index()
    path.mkdir(parents=True, exist_ok=True)
    return storage.create_index(build_schema())


def content_hash(doc: Document) -> str:
    """A digest of everything indexed from ``doc``: equal digests mean nothing to redo."""
    parts = [
        ANALYSIS_VERSION,
        doc.title,
        doc.body,
        doc.url,
        doc.source,
        doc.category,
        doc.published.isoformat() if doc.published else "",
        "\x1f".join(doc.tags),
    ]
    return hashlib.blake2b(
        "\x1e".join(parts).encode("utf-8", "surrogatepass"), digest_size=16
    ).hexdigest()


def analyse_document(doc: Document) -> dict:
    """Turn ``doc`` into what ``BulkSegmentWriter.add_indexed`` takes (runs pyvi): the text
    fields' tokens under ``_indexed``, the rest as ``add_document``'s keyword arguments."""
    title, body = segment(doc.title), segment(doc.body)
    fields = {
        "id": doc.id,
        "_stored_title": doc.title,
        "_stored_body": doc.body,
        "url": doc.url,
        "source": doc.source,
        "category": doc.category,
        "tags": ",".join(doc.tags),
        "title_spans": encode_spans(title, doc.title),
        "body_spans": encode_spans(body, doc.body),
        "content_hash": content_hash(doc),
        "origin": doc.origin,
    }
    if doc.published:
        fields["published"] = doc.published
        fields["year"] = str(doc.published.year)
    indexed = {}
    title_terms, body_terms = index_terms(title), index_terms(body)
    for name, (kind, part) in TEXT_FIELDS.items():
        if part == "title":
            terms = title_terms[kind]
        elif part == "body":
            terms = body_terms[kind]
        else:
            terms = title_terms[kind] + body_terms[kind]
        if terms:
            indexed[name] = terms
    fields = {k: v for k, v in fields.items() if v != ""}
    fields["_indexed"] = indexed
    return fields


def existing_hashes(ix: whoosh_index.Index) -> dict[str, str]:
    """Map every live document id in the index to its content hash."""
    with ix.reader() as reader:
        if reader.doc_count_all() == 0:
            return {}
        ids = reader.column_reader("id")
        hashes = reader.column_reader("content_hash")
        return {
            _text(ids[n]): _text(hashes[n])
            for n in range(reader.doc_count_all())
            if not reader.is_deleted(n)
        }


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def write_documents(
    index_dir: str | os.PathLike,
    documents: Iterable[Document],
    *,
    skip_unchanged: bool = True,
    workers: int | None = None,
    batch_size: int = 1000,
    report: Callable[[Problem], None] = lambda problem: None,
    progress: Callable[[int], None] = lambda done: None,
    merge: bool = True,
) -> tuple[BuildSummary, set[str]]:
    """Index ``documents`` into ``index_dir``, replacing documents with the same id.

    Unchanged documents (same id and content hash) are skipped when ``skip_unchanged``. Each
    batch is committed as a segment; with ``merge``, the segments of a batch or less are merged
    into one at the end (``merge_batches``). Returns the summary and the ids seen, so a build
    can prune what its sources no longer hold.
    """
    started = time.perf_counter()
    ix = open_or_create(index_dir)
    summary = BuildSummary()
    known = existing_hashes(ix)
    seen: set[str] = set()

    def todo() -> Iterator[Document]:
        for doc in documents:
            try:
                check_length(doc.title, doc.body)
            except InvalidDocument as exc:
                summary.rejected += 1
                report(Problem("rejected", doc.origin or doc.id, f"{doc.id}: {exc}"))
                continue
            if skip_unchanged and known.get(doc.id) == content_hash(doc) and doc.id not in seen:
                summary.unchanged += 1
                seen.add(doc.id)
                progress(summary.unchanged + summary.indexed)
                continue
            seen.add(doc.id)
            yield doc

    remove_abandoned(index_dir)
    folder = staging_folder(index_dir)
    # Never Whoosh's default merges inside a build: on the news corpus its Fibonacci rule
    # merged 19,000 articles in one commit. Batches merge once at the end instead, unless a
    # server takes writes meanwhile (merge_batches): then commits merge a little at a time.
    merging = None if merge else bounded_merge
    try:
        for staged in _staged_segments(_document_batches(todo(), batch_size), folder, workers):
            policy = merging or (bounded_merge if live_writers_present(index_dir) else NO_MERGE)
            with committing(ix, WRITER_TIMEOUT_S, mergetype=policy) as (writer, committed):
                for doc_id in staged.ids:
                    delete_document(writer, committed, doc_id)
                move_into(staged, index_dir)
                writer.add_segment(staged.segment)
            summary.indexed += len(staged.ids)
            progress(summary.unchanged + summary.indexed)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if merge:
        merge_batches(index_dir, batch_size)
    summary.seconds = time.perf_counter() - started
    return summary, seen


def merge_batches(
    index_dir: str | os.PathLike, batch_size: int, most_docs: int = MAX_MERGED_DOCS
) -> int:
    """Merge the segments of a batch or less (what builds commit, one a batch), into segments
    of at most ``most_docs`` documents; return how many merged segments were written.

    Searches pay for every segment (a 38,000-article build left 39: 25 ms a short query
    against 5 with one), and merging segments of arrays is cheap (``indexer.columnmerge``).
    Not while a server takes writes to the index: they would wait behind the merge.
    """
    written = 0
    while not live_writers_present(index_dir):
        ix = open_or_create(index_dir)
        if len(small_segments(ix._segments(), batch_size)) < 2:
            break
        with committing(ix, WRITER_TIMEOUT_S, mergetype=merge_small(batch_size, most_docs)):
            pass
        written += 1
    return written


@contextmanager
def committing(
    ix: whoosh_index.Index, timeout: float, stale: list[str] | None = None, **commit_options
) -> Iterator[tuple[SegmentWriter, Searcher]]:
    """Hold the index's writer and a searcher over its committed documents, then commit.

    The writer is taken in turn (``indexer.writelock``; ``WriterBusy`` after ``timeout``
    seconds). The commit is durable when the block ends; if the block raises, nothing of it
    is written and the writer is released. Files that interrupted commits left are removed
    first; their names go into ``stale`` when one is given.
    """
    writer = open_writer(ix, timeout, limitmb=POOL_LIMIT_MB)
    try:
        # A commit killed between writing its table of contents and renaming it leaves the
        # temporary file, which Whoosh never deletes: without this, one per such kill, forever.
        (stale if stale is not None else []).extend(remove_stale_files(writer))
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


def _document_batches(documents: Iterable[Document], batch_size: int) -> Iterator[list[Document]]:
    """Group documents into batches of ``batch_size``, ending one early before an id it already
    holds: a batch replaces committed documents, not the ones beside it in its own segment."""
    batch: list[Document] = []
    ids: set[str] = set()
    for doc in documents:
        if doc.id in ids or len(batch) >= batch_size:
            yield batch
            batch, ids = [], set()
        batch.append(doc)
        ids.add(doc.id)
    if batch:
        yield batch


def _staged_segments(
    batches: Iterator[list[Document]], folder: Path, workers: int | None
) -> Iterator[StagedSegment]:
    """Each batch analysed and written as a segment in ``folder`` by a worker process, yielded
    in order. Batches go to the workers in turn, one each at a time (and one waiting), so a
    worker builds the next segment while the writer commits the last one."""
    workers = workers or os.cpu_count() or 1
    first = next(batches, None)
    if first is None:
        return  # nothing changed: no worker processes to start
    batches = itertools.chain([first], batches)
    if workers == 1:
        for batch in batches:
            yield _stage(batch, folder)
        return
    in_flight = threading.BoundedSemaphore(workers + 1)

    def throttled() -> Iterator[list[Document]]:
        for batch in batches:
            in_flight.acquire()
            yield batch

    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_warm_up) as pool:
        tasks = ((batch, folder) for batch in throttled())
        for staged in pool.imap(_stage_task, tasks):
            in_flight.release()
            yield staged


def _stage_task(task: tuple[list[Document], Path]) -> StagedSegment:
    return _stage(*task)


def _stage(batch: list[Document], folder: Path) -> StagedSegment:
    return build_segment(map(analyse_document, batch), folder, POOL_LIMIT_MB)


def term_count(fields: dict) -> int:
    """How many terms an analysed document adds: what a commit's time grows with."""
    return sum(map(len, fields["_indexed"].values()))


def _merge_policy(index_dir: str | os.PathLike):
    """``bounded_merge`` while a server takes writes to the index, else Whoosh's default."""
    return bounded_merge if live_writers_present(index_dir) else None


def _warm_up() -> None:
    segment("Khởi động")  # load pyvi's model before the first real document arrives


def delete_documents(index_dir: str | os.PathLike, ids: Iterable[str]) -> int:
    """Delete the documents with these ids; return how many were deleted."""
    # One searcher for all ids: without it Whoosh opens a reader over every segment per id.
    ix, merge = open_or_create(index_dir), _merge_policy(index_dir)
    with committing(ix, WRITER_TIMEOUT_S, mergetype=merge) as (writer, committed):
        return sum(delete_document(writer, committed, doc_id) for doc_id in ids)


def prune(index_dir: str | os.PathLike, keep: set[str], keep_origins: set[str]) -> int:
    """Delete documents not in ``keep`` unless they came from a file in ``keep_origins``."""
    ix = open_or_create(index_dir)
    with ix.searcher() as searcher:
        doomed = [
            fields["id"]
            for fields in searcher.all_stored_fields()
            if fields["id"] not in keep and fields.get("origin", "") not in keep_origins
        ]
    return delete_documents(index_dir, doomed) if doomed else 0


def optimize(index_dir: str | os.PathLike) -> list[str]:
    """Merge every segment into one, dropping deleted documents; remove what interrupted
    commits left behind (``indexer.stale``) and return the names of those files."""
    removed: list[str] = []
    with committing(open_or_create(index_dir), WRITER_TIMEOUT_S, removed, optimize=True):
        pass
    return removed
