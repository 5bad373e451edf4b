"""Writing documents into the index: analysis in worker processes, one writer, batched commits.

Worker processes run pyvi (the slow part) and hand the writer ready-made term lists, so the
single Whoosh writer only writes, and only once a whole batch is analysed. Commits come every
``batch_size`` documents (fewer when they are long): a crash loses at most the batch in flight,
and re-running the same build skips what was committed.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from indexer.analysis import field_terms, segment
from indexer.durability import DurableStorage, commit_durably
from indexer.lengths import preload_lengths
from indexer.merging import bounded_merge
from indexer.schema import ANALYSIS_VERSION, TEXT_FIELDS, build_schema
from indexer.segmentwriter import token_items
from indexer.sources import Document, InvalidDocument, Problem, check_length
from indexer.spans import encode_spans
from indexer.stale import remove_stale_files
from indexer.writelock import abandon, live_writers_present, open_writer

WRITER_TIMEOUT_S = 60.0
# Whoosh sorts a batch's postings in memory up to this size, then spills sorted runs to disk and
# merges them; at 128 MB a 1,000-article batch spilled twice and the build ran 11% slower.
POOL_LIMIT_MB = 1024
# Whoosh writes a commit's postings while it holds the only writer, at ~40 us a term on the
# development machine (a few times slower when it is busy). While a server takes writes to the
# index, a commit (a build's or the server's own) holds about this many terms at most (some 12
# news articles, ~1 s), so writes never wait long. Builds keep their 1,000-document commits
# otherwise: more, smaller commits cost them merges, which made a build up to 4x slower.
MAX_BATCH_TERMS = 25_000


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
    fields as postings under ``_indexed``, the rest as ``add_document``'s keyword arguments."""
    title, body = segment(doc.title), segment(doc.body)
    fields = {
        "id": doc.id,
        "_stored_title": doc.title,
        "_stored_body": doc.body,
        "url": doc.url,
        "source": doc.source,
        "category": doc.category,
        "tags": ",".join(doc.tags),
        "title_spans": encode_spans(title),
        "body_spans": encode_spans(body),
        "content_hash": content_hash(doc),
        "origin": doc.origin,
    }
    if doc.published:
        fields["published"] = doc.published
        fields["year"] = str(doc.published.year)
    schema, indexed = _schema(), {}
    for name, (kind, part) in TEXT_FIELDS.items():
        segs = {"title": (title,), "body": (body,), "both": (title, body)}[part]
        terms = [term for seg in segs for term, _, _ in field_terms(kind, seg)]
        if terms:
            indexed[name] = token_items(schema[name], terms)
    fields = {k: v for k, v in fields.items() if v != ""}
    fields["_indexed"] = indexed
    return fields


_SCHEMA = None


def _schema():
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = build_schema()
    return _SCHEMA


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
) -> tuple[BuildSummary, set[str]]:
    """Index ``documents`` into ``index_dir``, replacing documents with the same id.

    Unchanged documents (same id and content hash) are skipped when ``skip_unchanged``. Returns
    the summary and the ids seen, so a build can prune what its sources no longer hold.
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

    analysed = _analysed(todo(), workers)
    for batch in _batches(analysed, batch_size, lambda: _term_limit(index_dir)):
        merge = _merge_policy(index_dir)
        with committing(ix, WRITER_TIMEOUT_S, mergetype=merge) as (writer, committed):
            for fields in batch:
                replace_document(writer, committed, fields)
        summary.indexed += len(batch)
        progress(summary.unchanged + summary.indexed)
    summary.seconds = time.perf_counter() - started
    return summary, seen


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


def _batches(
    analysed: Iterable[dict], batch_size: int, term_limit: Callable[[], float]
) -> Iterator[list[dict]]:
    """Group analysed documents into commits of ``batch_size`` documents.

    A batch ends early at ``term_limit()`` terms (asked as each batch starts), and before an id
    it already holds: a replacement only reaches committed documents, not ones added in the
    same commit.
    """
    batch: list[dict] = []
    ids: set[str] = set()
    terms, limit = 0, math.inf
    for fields in analysed:
        if batch and fields["id"] in ids:
            yield batch
            batch = []
        if not batch:
            ids, terms, limit = set(), 0, term_limit()
        batch.append(fields)
        ids.add(fields["id"])
        terms += term_count(fields)
        if len(batch) >= batch_size or terms >= limit:
            yield batch
            batch = []
    if batch:
        yield batch


def term_count(fields: dict) -> int:
    """How many terms an analysed document adds: what a commit's time grows with."""
    return sum(sum(freqs) for _, freqs, _, _ in fields["_indexed"].values())


def _term_limit(index_dir: str | os.PathLike) -> float:
    """``MAX_BATCH_TERMS`` while a server takes writes to the index, else no limit."""
    return MAX_BATCH_TERMS if live_writers_present(index_dir) else math.inf


def _merge_policy(index_dir: str | os.PathLike):
    """``bounded_merge`` while a server takes writes to the index, else Whoosh's default."""
    return bounded_merge if live_writers_present(index_dir) else None


def _analysed(documents: Iterator[Document], workers: int | None) -> Iterator[dict]:
    """Analyse ``documents`` in worker processes, yielding results in order.

    A semaphore keeps at most a few hundred documents in flight: ``Pool.imap`` would otherwise
    read the whole source into memory ahead of the writer.
    """
    workers = workers or os.cpu_count() or 1
    first = next(documents, None)
    if first is None:
        return  # nothing changed: no worker processes to start
    documents = itertools.chain([first], documents)
    if workers == 1:
        yield from map(analyse_document, documents)
        return
    in_flight = threading.BoundedSemaphore(64 * workers)

    def throttled() -> Iterator[Document]:
        for doc in documents:
            in_flight.acquire()
            yield doc

    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_warm_up) as pool:
        for fields in pool.imap(analyse_document, throttled(), chunksize=8):
            in_flight.release()
            yield fields


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
