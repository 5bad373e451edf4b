"""indexer.searching.refresh: a refreshed searcher sees exactly the live documents and reopens only
the segments that changed."""

from collections import Counter

import pytest
from whoosh.query import Every, Term

from indexer.searching.refresh import refreshed
from indexer.searching.searchers import open_index
from indexer.store.build import write_documents
from indexer.store.commits import delete_documents, optimize
from tests.test_refresh_regression import DELETED, FIRST, UPDATED, _doc


def segment_readers(searcher) -> dict:
    return {r.segment().segment_id(): r for r, _ in searcher.reader().leaf_readers()}


@pytest.fixture
def three_segments(tmp_path):
    write_documents(
        tmp_path, [_doc(n, 1) for n in range(FIRST)], batch_size=10, workers=1, merge=False
    )
    return tmp_path


@pytest.mark.parametrize("optimized", [True, False], ids=["optimized", "not-optimized"])
def test_a_refreshed_searcher_sees_each_live_document_once(three_segments, optimized):
    index = open_index(three_segments)
    searcher = index.searcher()
    write_documents(three_segments, [_doc(int(d[1:]), 2) for d in UPDATED], workers=1)
    assert delete_documents(three_segments, [DELETED]) == 1
    if optimized:
        optimize(three_segments)

    fresh, _ = refreshed(searcher, index._ix)
    try:
        hits = fresh.search(Every(), limit=None)
        ids = [hit["id"] for hit in hits]
        assert len(ids) == fresh.doc_count() == FIRST - 1
        assert Counter(ids).most_common(1)[0][1] == 1
        assert set(ids) == {f"r{n:02d}" for n in range(FIRST)} - {DELETED}
        bodies = {hit["id"]: hit["body"] for hit in hits}
        assert all(bodies[doc_id].startswith("Phiên bản 2 ") for doc_id in UPDATED)
        assert [hit["id"] for hit in fresh.search(Term("id", DELETED))] == []
        assert fresh.up_to_date()
    finally:
        fresh.close()


def test_only_segments_that_changed_are_reopened(three_segments):
    index = open_index(three_segments)
    before = segment_readers(index.searcher())
    # adds a segment, deletes nothing
    write_documents(three_segments, [_doc(99, 1)], workers=1, merge=False)
    added, unused = refreshed(index.searcher(), index._ix)
    assert unused == []
    after = segment_readers(added)
    assert len(after) == len(before) + 1
    assert all(after[segment_id] is reader for segment_id, reader in before.items())

    assert delete_documents(three_segments, ["r05"]) == 1  # a deletion in the first segment
    deleted, unused = refreshed(added, index._ix)
    changed = {s for s, r in segment_readers(deleted).items() if r is not after.get(s)}
    assert len(changed) == 1
    assert unused == [after[segment_id] for segment_id in changed]  # for the caller to close
    assert [hit["id"] for hit in deleted.search(Term("id", "r05"))] == []
    assert deleted.doc_count() == FIRST  # 30 + r99 - r05
    deleted.close()
