"""Writes that arrive one request at a time, committed together: one group committer a process.

Request threads analyse their batch, queue it and wait. One committer thread takes the index's
writer (in turn with other processes and the CLI, see ``indexer.store.locks``), applies every
queued batch, commits once, and wakes the waiters only when the commit is on disk. A batch is
all or nothing: it is validated and analysed before it is queued, and when a commit fails, every
batch in it fails and nothing of them is written.

A node of a cluster hands its write log's batches over with ``apply_log``: they are committed
in log order, and each commit records the last log sequence it covers (``store.positions``).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.documents.model import Document
from indexer.errors import CommitFailed
from indexer.semantic.embedder import Embedder
from indexer.store.commits import committing, delete_document, open_or_create, replace_document
from indexer.store.embedder_record import index_embedder, record_embedder
from indexer.store.events import emit
from indexer.store.indexed_fields import analyse_documents, term_count
from indexer.store.locks import WriterBusy, announce_live_writer
from indexer.store.merge_policy import bounded_merge
from indexer.store.positions import prune_records, write_record

# A commit of the server's writes holds about this many terms at most (some 12 news articles),
# so writes never wait long behind each other. Builds write whole segments in worker processes
# instead (indexer.store.staging) and hold the writer only to delete, move a file in and write
# the table of contents.
MAX_BATCH_TERMS = 25_000
# A writer waits in turn behind a few short commits (MAX_BATCH_TERMS, merging.MAX_MERGE_BYTES),
# each up to a few seconds when the machine is busy.
WRITE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Written:
    """What one acknowledged batch did."""

    created: int = 0
    replaced: int = 0
    deleted: int = 0
    # The commit's generation: a later search may ask to see at least this commit (after_seq).
    # Not part of equality: two writes that did the same did the same, whenever they did it.
    seq: int = field(default=0, compare=False)


@dataclass(frozen=True)
class LogChange:
    """One batch of a replicated write log: its sequence, what it writes, and whether it
    counts (a batch that reached the log too late is discarded, but its sequence is applied)."""

    seq: int
    documents: tuple[Document, ...] = ()
    deletions: tuple[str, ...] = ()
    valid: bool = True


@dataclass
class _Ticket:
    """One queued batch and, once the committer is done with it, its outcome."""

    documents: list[dict]
    deletions: list[str]
    deadline: float
    queued_at: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    # Log batches applied by this ticket: (sequence, analysed documents, deletions) in order.
    log: list[tuple[int, list[dict], list[str]]] | None = None
    result: Written | list[Written | None] | None = None
    error: Exception | None = None

    @property
    def ids(self) -> set[str]:
        """Every id the batch touches."""
        return {fields["id"] for fields in self.documents} | set(self.deletions)

    def finish(self, result: Written | None = None, error: Exception | None = None) -> None:
        """Record the outcome and wake the waiting request."""
        self.result, self.error = result, error
        self.done.set()


class LiveWriter:
    """Durable writes to the index in ``index_dir`` from many threads, committed in groups.

    ``WriterBusy`` when the writer cannot be had within ``timeout_s`` of a batch's arrival.
    Documents get vectors from ``embedder``, by default the index's (``index_embedder``:
    ``VIETSEARCH_EMBEDDER``, else the one the index records; none for an index without).
    """

    def __init__(
        self,
        index_dir: str | os.PathLike,
        timeout_s: float = WRITE_TIMEOUT_S,
        embedder: Embedder | None = None,
    ):
        self.index_dir = Path(index_dir)
        self.timeout_s = timeout_s
        self._embedder = embedder
        self._queue: deque[_Ticket] = deque()
        self._queued = threading.Condition()
        self._thread: threading.Thread | None = None
        self._ix: whoosh_index.Index | None = None
        self._announcement: int | None = None

    def replace(self, documents: list[Document]) -> Written:
        """Index ``documents``, replacing those with the same ids; return once it is on disk."""
        return self._submit(self._analyse(documents), [])

    def delete(self, doc_id: str) -> Written:
        """Delete the document with this id (``deleted`` is 0 if there was none)."""
        return self._submit([], [doc_id])

    def apply_log(self, changes: list[LogChange]) -> list[Written | None]:
        """Apply log batches in order, each commit recording the last sequence it covers;
        return what each did (None for a discarded batch). On an error, the index's recorded
        position says how far it got (``indexer.store.positions.read_position``)."""
        analysed = [
            (c.seq, self._analyse(list(c.documents)), list(c.deletions))
            if c.valid
            else (c.seq, [], [])
            for c in changes
        ]
        results: list[Written | None] = []
        for log in _runs(analysed):
            documents = [fields for _, fields, _ in log for fields in fields]
            results += self._enqueue(documents, [i for _, _, ids in log for i in ids], log)
        return results

    def _analyse(self, documents: list[Document]) -> list[dict]:
        """The documents analysed, with their vectors when the index has an embedder."""
        if self._embedder is None:
            self._embedder = index_embedder(self.index_dir) or False
        if self._embedder and documents:
            record_embedder(self.index_dir, self._embedder)
        return analyse_documents(documents, self._embedder or None)

    def announce(self) -> None:
        """Tell builds of the index, for as long as this process lives, that it takes writes:
        they keep their commits short (``MAX_BATCH_TERMS``) from then on.

        Done by the first write anyway; a server does it as it starts.
        """
        with self._queued:
            if self._announcement is None and self.index_dir.is_dir():
                self._announcement = announce_live_writer(self.index_dir)

    def withdraw(self) -> None:
        """Stop announcing that this process takes writes (see ``announce``)."""
        with self._queued:
            if self._announcement is not None:
                os.close(self._announcement)
                self._announcement = None

    def queued(self) -> int:
        """How many batches wait for a commit (not counting one being committed)."""
        with self._queued:
            return len(self._queue)

    def _submit(self, documents: list[dict], deletions: list[str]) -> Written:
        return self._enqueue(documents, deletions)

    def _enqueue(self, documents: list[dict], deletions: list[str], log=None):
        ticket = _Ticket(documents, deletions, time.monotonic() + self.timeout_s, log=log)
        with self._queued:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="vietsearch-committer", daemon=True
                )
                self._thread.start()
            self._queue.append(ticket)
            self._queued.notify()
        ticket.done.wait()
        if ticket.error is not None:
            raise ticket.error
        return ticket.result

    def _run(self) -> None:
        while True:
            with self._queued:
                while not self._queue:
                    self._queued.wait()
                wait_s = max(0.0, self._queue[0].deadline - time.monotonic())
            self._commit_group(wait_s)

    def _commit_group(self, wait_s: float) -> None:
        """Take the writer, apply what is queued by then, commit durably, answer the waiters."""
        group: list[_Ticket] = []
        try:
            index = self._index()
            with committing(index, wait_s, mergetype=bounded_merge) as (writer, committed):
                started = time.monotonic()
                group = self._take_group()
                results = [_apply(writer, committed, ticket) for ticket in group]
                _record_log(writer, group, results)
        except WriterBusy as exc:
            self._expire(exc)
        except Exception as exc:  # nothing was written; every waiter must hear why
            for ticket in group or self._take_all():
                failed = CommitFailed(f"the commit failed: {exc!r}")
                failed.__cause__ = exc
                ticket.finish(error=failed)
        else:
            for ticket, result in zip(group, results, strict=True):
                ticket.finish(result)
            _report(group, started)

    def _index(self) -> whoosh_index.Index:
        if self._ix is None:
            self._ix = open_or_create(self.index_dir)
            self.announce()
        return self._ix

    def _take_group(self) -> list[_Ticket]:
        """The oldest queued batches, in order, up to ``MAX_BATCH_TERMS`` terms (so the commit
        stays short), or up to one that touches an id already taken: Whoosh cannot delete a
        document added in the same commit, so a later change to the same id waits for the next.
        """
        group: list[_Ticket] = []
        ids: set[str] = set()
        terms = 0
        with self._queued:
            while self._queue and terms < MAX_BATCH_TERMS and not self._queue[0].ids & ids:
                ticket = self._queue.popleft()
                group.append(ticket)
                ids |= ticket.ids
                terms += sum(term_count(fields) for fields in ticket.documents) + 1
        return group

    def _take_all(self) -> list[_Ticket]:
        with self._queued:
            tickets = list(self._queue)
            self._queue.clear()
        return tickets

    def _expire(self, busy: WriterBusy) -> None:
        """Fail the batches that waited their full time (at least the oldest); keep the rest."""
        now = time.monotonic()
        with self._queued:
            expired = [self._queue.popleft()]
            while self._queue and self._queue[0].deadline <= now:
                expired.append(self._queue.popleft())
        for ticket in expired:
            ticket.finish(error=WriterBusy(str(busy)))  # one exception object a raising thread


def _report(group: list[_Ticket], started: float) -> None:
    """Tell listeners (``indexer.store.events``) what this group commit was."""
    emit(
        "group_committed",
        batches=len(group),
        documents=sum(len(ticket.documents) + len(ticket.deletions) for ticket in group),
        seconds=time.monotonic() - started,
        waits=[started - ticket.queued_at for ticket in group],
    )


def _apply(writer, committed, ticket: _Ticket) -> Written | list[Written | None]:
    if ticket.log is not None:
        return [_applied(writer, committed, docs, ids) for _, docs, ids in ticket.log]
    return _applied(writer, committed, ticket.documents, ticket.deletions)


def _applied(writer, committed, documents: list[dict], deletions: list[str]) -> Written:
    replaced = sum(bool(replace_document(writer, committed, f)) for f in documents)
    deleted = sum(delete_document(writer, committed, doc_id) for doc_id in deletions)
    return Written(len(documents) - replaced, replaced, deleted, seq=writer.generation)


def _record_log(writer, group: list[_Ticket], results: list) -> None:
    """Write the commit's log position record (``store.positions``) if it applies log batches."""
    outcomes = {
        seq: [w.created, w.replaced, w.deleted] if docs or ids else None
        for ticket, result in zip(group, results, strict=True)
        if ticket.log is not None
        for (seq, docs, ids), w in zip(ticket.log, result, strict=True)
    }
    if outcomes:
        write_record(writer.storage.folder, writer.generation, outcomes)
        prune_records(writer.storage.folder, writer.generation)


def _runs(log: list[tuple[int, list[dict], list[str]]]) -> list[list]:
    """Consecutive log batches cut into runs that touch each id once and stay under
    ``MAX_BATCH_TERMS`` terms: each run is one commit, in which Whoosh could not both add a
    document and delete it again."""
    runs: list[list] = []
    ids: set[str] = set()
    terms = 0
    for seq, documents, deletions in log:
        touched = {fields["id"] for fields in documents} | set(deletions)
        cost = sum(term_count(fields) for fields in documents) + 1
        if not runs or touched & ids or terms + cost > MAX_BATCH_TERMS:
            runs.append([])
            ids, terms = set(), 0
        runs[-1].append((seq, documents, deletions))
        ids |= touched
        terms += cost
    return runs
