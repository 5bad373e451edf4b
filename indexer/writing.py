"""Writing documents into the index: analysis in worker processes, one writer, batched commits.

Worker processes run pyvi (the slow part) and hand the writer ready-made term lists, so the
single Whoosh writer only writes. Commits come every ``batch_size`` documents: a crash loses at
most the batch in flight, and re-running the same build skips what was committed.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.analysis import field_terms, segment
from indexer.durability import commit_durably
from indexer.schema import ANALYSIS_VERSION, TEXT_FIELDS, build_schema
from indexer.sources import Document, InvalidDocument, Problem, check_length
from indexer.spans import encode_spans

WRITER_TIMEOUT_S = 60.0


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
    """Open the index in ``index_dir``, creating the folder and an empty index if needed."""
    path = Path(index_dir)
    if whoosh_index.exists_in(path):
        return whoosh_index.open_dir(path)
    path.mkdir(parents=True, exist_ok=True)
    return whoosh_index.create_in(path, build_schema())


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
    """Turn ``doc`` into the keyword arguments of ``writer.update_document`` (runs pyvi)."""
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
    for name, (kind, part) in TEXT_FIELDS.items():
        segs = {"title": (title,), "body": (body,), "both": (title, body)}[part]
        fields[name] = [term for seg in segs for term, _, _ in field_terms(kind, seg)]
    return {k: v for k, v in fields.items() if v != "" and v != []}


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

    writer = committed = None
    batch: set[str] = set()
    try:
        for fields in _analysed(todo(), workers):
            if fields["id"] in batch:
                # A replacement only reaches committed documents, not ones in this batch.
                _commit(writer, committed)
                writer, batch = None, set()
            if writer is None:
                writer = ix.writer(timeout=WRITER_TIMEOUT_S, limitmb=128)
                committed = writer.searcher()
            replace_document(writer, committed, fields)
            batch.add(fields["id"])
            summary.indexed += 1
            progress(summary.unchanged + summary.indexed)
            if len(batch) >= batch_size:
                _commit(writer, committed)
                writer, batch = None, set()
        if writer is not None:
            _commit(writer, committed)
            writer = None
    finally:
        if writer is not None:
            committed.close()
            writer.cancel()
    summary.seconds = time.perf_counter() - started
    return summary, seen


def replace_document(writer, committed, fields: dict) -> None:
    """Add a document, deleting any committed one with the same id.

    Whoosh's own ``update_document`` opens a new reader over every segment for each document
    (files opened and mapped each time), which made a 10,000-article build take 45 minutes;
    ``committed`` is one searcher over the writer's segments, opened once per batch. The delete
    always runs, even for ids unknown at the start: another writer may have added them since.
    """
    writer.delete_by_term("id", fields["id"], searcher=committed)
    writer.add_document(**fields)


def _commit(writer, committed) -> None:
    """Release the batch's searcher over committed segments, then commit the batch durably."""
    committed.close()
    commit_durably(writer)


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
    ix = open_or_create(index_dir)
    writer = ix.writer(timeout=WRITER_TIMEOUT_S)
    try:
        # One searcher for all ids: without it Whoosh opens a reader over every segment per id.
        with writer.searcher() as committed:
            deleted = sum(writer.delete_by_term("id", doc_id, searcher=committed) for doc_id in ids)
    except BaseException:
        writer.cancel()
        raise
    commit_durably(writer)
    return deleted


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


def optimize(index_dir: str | os.PathLike) -> None:
    """Merge every segment into one, dropping deleted documents and files no commit uses."""
    ix = open_or_create(index_dir)
    commit_durably(ix.writer(timeout=WRITER_TIMEOUT_S), optimize=True)
