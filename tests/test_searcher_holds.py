"""SearchIndex.held(): a search reads through one searcher whose files stay open until it ends.

A search asks for the searcher more than once (``search`` itself, then ``has_vectors()`` through
``generation()``...). A refresh between two of those calls closed the readers of segments a
commit had changed while the search still read through them: "seek of closed file", a 500 in
the CI run of 86f0dfa (tests/test_write_load.py, writes and searches at once).
"""

import threading
import time

import pytest
from whoosh.query import Every

import indexer.searching.searchers as searchers
from indexer import Document, open_index, search
from indexer.store.live import LiveWriter

DOCUMENTS = 40
SEARCHES = 400
COMMITS = 50
WAIT_S = 120


def _document(n: int, version: int = 1) -> Document:
    return Document(
        id=f"d{n}", title=f"Tin giao thông số {n}", body=f"Giao thông Hà Nội, bản {version}"
    )


@pytest.fixture
def written(tmp_path):
    writer = LiveWriter(tmp_path / "index")
    writer.replace([_document(n) for n in range(DOCUMENTS)])
    return writer


def _leaf_readers(searcher) -> list:
    return [reader for reader, _ in searcher.reader().leaf_readers()]


def test_a_searcher_handed_out_in_a_block_stays_readable_after_a_refresh(written):
    index = open_index(written.index_dir)
    with index.held():
        before = index.searcher()
        old_readers = _leaf_readers(before)
        written.replace([_document(3, version=2)])  # a deletion in the only segment
        after = index.searcher(fresh=True)
        assert after is not before and after.doc_count() == DOCUMENTS
        # the replaced segment's reader is still open for whoever holds ``before``
        assert len(before.search(Every(), limit=None)) == DOCUMENTS
        assert before.stored_fields(0)["id"] == "d0"
        assert not any(reader.is_closed for reader in old_readers)
    replaced = [reader for reader in old_readers if reader not in _leaf_readers(after)]
    assert replaced and all(reader.is_closed for reader in replaced)  # closed once it ended
    index.close()


def test_within_a_block_only_the_first_call_refreshes(written, monkeypatch):
    monkeypatch.setattr(searchers, "REFRESH_INTERVAL_S", 0.0)
    index = open_index(written.index_dir)
    first = index.searcher()
    written.replace([_document(DOCUMENTS)])
    with index.held():
        held = index.searcher()
        assert held is not first and held.doc_count() == DOCUMENTS + 1  # refreshed on entry
        written.replace([_document(DOCUMENTS + 1)])
        assert index.searcher() is held and index.generation() == held.reader().generation()
        assert index.searcher(fresh=True).doc_count() == DOCUMENTS + 2  # asked for: refreshed
    written.replace([_document(DOCUMENTS + 2)])
    assert index.searcher().doc_count() == DOCUMENTS + 3  # outside a block: every call
    index.close()


def test_searches_while_commits_change_the_segments_raise_nothing(written, monkeypatch):
    """``search`` under a writer replacing documents, every call allowed to refresh: before
    ``held()``, about one search in a hundred read a closed file."""
    monkeypatch.setattr(searchers, "REFRESH_INTERVAL_S", 0.0)
    index = open_index(written.index_dir)
    stop = threading.Event()
    versions = []

    def rewrite() -> None:
        version = 2
        while not stop.is_set():
            written.replace([_document(version % DOCUMENTS, version)])
            versions.append(version)
            version += 1

    writer = threading.Thread(target=rewrite)
    writer.start()
    errors, totals, searches = [], set(), 0
    deadline = time.monotonic() + WAIT_S  # a bound on a hang, not a timing assertion
    try:
        # Until enough commits ran alongside: how many searches that takes depends on the disk.
        while (searches < SEARCHES or len(versions) < COMMITS) and time.monotonic() < deadline:
            try:
                totals.add(search(index, "giao thông").total)
            except Exception as exc:  # noqa: BLE001 - each one is the failure this test counts
                errors.append(repr(exc))
            searches += 1
    finally:
        stop.set()
        writer.join(60)
    assert errors == []
    assert totals == {DOCUMENTS} and len(versions) >= COMMITS  # the commits ran alongside
    index.close()
