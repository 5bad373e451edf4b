"""Builds: documents from sources indexed by worker processes, a batch a commit.

A build hands each batch of ``batch_size`` documents to a worker process, which runs pyvi (the
slow part) and writes the batch as a complete segment outside the index
(``indexer.store.staging``); the writer then only deletes the documents the batch replaces and
commits the segment, in source order. A crash loses at most the batches in flight, and
re-running the same build skips what was committed. The server's own writes
(``indexer.store.live``) analyse in process and commit through the same ``committing`` and
``replace_document`` (``indexer.store.commits``).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import NO_MERGE

from indexer.documents.files import read_documents
from indexer.documents.model import Document, InvalidDocument, Problem, check_length
from indexer.errors import IndexMissing
from indexer.language.segmentation import segment
from indexer.semantic.embedder import Embedder, load_embedder
from indexer.store.commits import (
    POOL_LIMIT_MB,
    WRITER_TIMEOUT_S,
    committing,
    delete_document,
    delete_documents,
    open_or_create,
)
from indexer.store.embedder_record import record_embedder, recorded_embedder
from indexer.store.indexed_fields import analyse_documents, content_hash
from indexer.store.locks import live_writers_present
from indexer.store.merge_policy import bounded_merge, merge_policy, merge_small, small_segments
from indexer.store.opening import discard_damaged_index, open_whoosh
from indexer.store.progress import Progress, reporting
from indexer.store.schema import as_text
from indexer.store.staging import (
    StagedSegment,
    build_segment,
    move_into,
    remove_abandoned,
    staging_folder,
)

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
    problems: list[Problem] = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        rate = self.indexed / self.seconds if self.seconds else 0.0
        return (
            f"indexed {self.indexed}, unchanged {self.unchanged}, skipped {self.skipped}, "
            f"rejected {self.rejected}, deleted {self.deleted} in {self.seconds:.1f} s "
            f"({rate:.1f} documents/s)"
        )


def existing_hashes(ix: whoosh_index.Index) -> dict[str, str]:
    """Map every live document id in the index to its content hash."""
    with ix.reader() as reader:
        if reader.doc_count_all() == 0:
            return {}
        ids = reader.column_reader("id")
        hashes = reader.column_reader("content_hash")
        return {
            as_text(ids[n]): as_text(hashes[n])
            for n in range(reader.doc_count_all())
            if not reader.is_deleted(n)
        }


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
    phase: Callable[[str], None] = lambda name: None,
    embedder: Embedder | None = None,
) -> tuple[BuildSummary, set[str]]:
    """Index ``documents`` into ``index_dir``, replacing documents with the same id.

    Unchanged documents (same id and content hash) are skipped when ``skip_unchanged``. Each
    batch is committed as a segment; with ``merge``, the segments of a batch or less are merged
    into one at the end (``merge_batches``; ``phase("merging")`` is called first). Returns the
    summary and the ids seen, so a build can prune what its sources no longer hold.

    With an ``embedder``, each document's vector is computed in the workers and stored with its
    segment, and the index records the embedder; if the index recorded another one, every
    document is indexed again (its vectors would not compare with the new ones).
    """
    started = time.perf_counter()
    ix = open_or_create(index_dir)
    if embedder is not None:
        recorded = recorded_embedder(index_dir)
        if recorded is not None and recorded.get("fingerprint") != embedder.fingerprint:
            skip_unchanged = False
        elif recorded is None and ix.doc_count_all():
            skip_unchanged = False  # documents indexed without vectors get theirs
        record_embedder(index_dir, embedder)
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
        batches = _document_batches(todo(), batch_size)
        for staged in _staged_segments(batches, folder, workers, embedder):
            policy = merging or merge_policy(index_dir, otherwise=NO_MERGE)
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
        phase("merging")
        merge_batches(index_dir, batch_size)
    summary.seconds = time.perf_counter() - started
    return summary, seen


def merge_batches(
    index_dir: str | os.PathLike, batch_size: int, most_docs: int = MAX_MERGED_DOCS
) -> int:
    """Merge the segments of a batch or less (what builds commit, one a batch), into segments
    of at most ``most_docs`` documents; return how many merged segments were written.

    Searches pay for every segment (a 38,000-article build left 39: 25 ms a short query
    against 5 with one), and merging segments of arrays is cheap (``indexer.codec.merge``).
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
    batches: Iterator[list[Document]],
    folder: Path,
    workers: int | None,
    embedder: Embedder | None = None,
) -> Iterator[StagedSegment]:
    """Each batch analysed and written as a segment in ``folder`` by a worker process, yielded
    in order. Batches go to the workers in turn, one each at a time (and one waiting), so a
    worker builds the next segment while the writer commits the last one."""
    workers = workers or os.cpu_count() or 1
    first = next(batches, None)
    if first is None:
        return  # nothing changed: no worker processes to start
    batches = itertools.chain([first], batches)
    model = embedder.path if embedder else None
    if workers == 1:
        for batch in batches:
            yield _stage(batch, folder, model)
        return
    in_flight = threading.BoundedSemaphore(workers + 1)

    def throttled() -> Iterator[list[Document]]:
        for batch in batches:
            in_flight.acquire()
            yield batch

    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_warm_up, initargs=(model,)) as pool:
        tasks = ((batch, folder, model) for batch in throttled())
        for staged in pool.imap(_stage_task, tasks):
            in_flight.release()
            yield staged


def _stage_task(task: tuple[list[Document], Path, str | None]) -> StagedSegment:
    return _stage(*task)


def _stage(batch: list[Document], folder: Path, model: str | None) -> StagedSegment:
    embedder = load_embedder(model) if model else None
    return build_segment(analyse_documents(batch, embedder), folder, POOL_LIMIT_MB)


def _warm_up(model: str | None = None) -> None:
    segment("Khởi động")  # load pyvi's model before the first real document arrives
    if model:
        import torch

        # One thread a worker, as load_embedder sets where it loads the model (a worker forked
        # after that inherits both; this covers a worker that loads it itself).
        torch.set_num_threads(1)
        load_embedder(model)


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


def build_index(
    sources: Iterable[str | os.PathLike],
    index_dir: str | os.PathLike,
    *,
    skip_unchanged: bool = True,
    prune_missing: bool = False,
    replace_damaged: Callable[[str], None] | None = None,
    report: Callable[[Problem], None] = lambda problem: None,
    total: int | None = None,
    **options,
) -> BuildSummary:
    """Index every document in ``sources`` (files or folders) into ``index_dir``.

    Each skipped file and rejected record is passed to ``report`` as it is met and kept in
    the summary's ``problems``. With ``prune_missing``, documents the sources no longer hold
    are deleted (not those of a file that could not be read this time). A damaged index in
    the folder raises ``IndexCorrupt``; given ``replace_damaged``, it is deleted and built anew,
    and ``replace_damaged`` is told why first. An index written by another version raises
    ``IndexIncompatible`` and is left alone. ``options`` go to ``write_documents``
    (``workers``, ``batch_size``, ``progress``, ``merge``).

    While it runs, the index folder's progress file (``indexer.store.progress``) says how far it
    is; ``total`` is how many documents the sources hold, if the caller knows (else they are
    counted meanwhile, on a thread of their own).
    """
    if replace_damaged:
        damage = discard_damaged_index(index_dir)
        if damage:
            replace_damaged(damage.reason)
    else:
        with contextlib.suppress(IndexMissing):  # a missing index is created
            open_whoosh(index_dir)
    problems: list[Problem] = []

    def keep(problem: Problem) -> None:
        problems.append(problem)
        report(problem)

    sources = list(sources)
    with (
        reporting(index_dir, "build" if skip_unchanged else "add", total) as tracker,
        _stopped(count_in_background(sources, tracker) if total is None else None),
    ):
        shown = options.pop("progress", lambda done: None)
        summary, seen = write_documents(
            index_dir,
            read_documents(sources, keep),
            skip_unchanged=skip_unchanged,
            report=keep,
            progress=lambda done: (tracker.update(done), shown(done)),
            phase=tracker.phase,
            **options,
        )
        summary.problems = problems
        summary.skipped = sum(p.kind == "skipped" for p in problems)
        summary.rejected = sum(p.kind == "rejected" for p in problems)
        if prune_missing:
            tracker.phase("pruning")
            # The same spelling as Document.origin (abspath: symlinks not resolved).
            skipped_files = {os.path.abspath(p.path) for p in problems if p.kind == "skipped"}
            summary.deleted = prune(index_dir, seen, skipped_files)
    return summary


@contextlib.contextmanager
def _stopped(process) -> Iterator[None]:
    """Stop ``process`` (if any) when the block ends."""
    try:
        yield
    finally:
        if process is not None:
            process.terminate()
            process.join()


def count_in_background(sources: list, tracker: Progress):
    """Count the documents of ``sources`` in a process of its own (a thread would make every
    later fork of the build's workers a fork of a threaded process) and give the tracker the
    total once it is known. Returns the process, to stop when the build ends."""
    context = multiprocessing.get_context("fork")
    total = context.Value("q", -1, lock=False)
    counter = context.Process(target=_count, args=(sources, total), daemon=True)
    counter.start()
    tracker.total_source = lambda: total.value if total.value >= 0 else None
    return counter


def _count(sources: list, total) -> None:
    total.value = sum(1 for _ in read_documents(sources, lambda problem: None))
