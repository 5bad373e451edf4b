"""Searcher.refresh() after updates, a delete and an optimize must see exactly the live documents.

The Whoosh forks whoosh-reloaded 2.7.5 and whoosh3 return duplicates and deleted documents from a
refreshed searcher; this pins the behaviour of the Whoosh we ship (2.7.4) with our own schema and
writer, so a dependency change that brings the bug back fails here.
"""

from collections import Counter

import pytest
import whoosh
from whoosh import index as whoosh_index
from whoosh.query import Every, Term

from indexer.documents.model import Document
from indexer.searching.searchers import open_index
from indexer.store.build import write_documents
from indexer.store.commits import delete_documents, open_or_create, optimize

FIRST = 30  # three commits of ten: three segments
UPDATED = ["r03", "r13", "r23", "r25"]  # in all three segments
DELETED = "r17"


def test_we_run_whoosh_2_7_4():
    assert whoosh.versionstring() == "2.7.4"


def _doc(n: int, version: int) -> Document:
    return Document(
        id=f"r{n:02d}",
        title=f"Bản tin số {n}",
        body=f"Phiên bản {version} của bản tin số {n} về giao thông Hà Nội.",
    )


@pytest.mark.parametrize("optimized", [True, False], ids=["optimized", "not-optimized"])
def test_refreshed_searcher_sees_each_live_document_once(tmp_path, optimized):
    open_or_create(tmp_path)
    summary, _ = write_documents(
        tmp_path, [_doc(n, 1) for n in range(FIRST)], batch_size=10, workers=1, merge=False
    )
    assert summary.indexed == FIRST
    segments = whoosh_index.open_dir(tmp_path)._segments()
    assert [segment.doc_count_all() for segment in segments] == [10, 10, 10]

    searcher = open_index(tmp_path).searcher()
    assert searcher.doc_count() == FIRST

    updates = [_doc(int(doc_id[1:]), 2) for doc_id in UPDATED]
    summary, _ = write_documents(tmp_path, updates, batch_size=10, workers=1, merge=False)
    assert (summary.indexed, summary.unchanged) == (len(UPDATED), 0)
    assert delete_documents(tmp_path, [DELETED]) == 1
    if optimized:
        optimize(tmp_path)

    refreshed = searcher.refresh()
    try:
        assert refreshed is not searcher
        expected = FIRST - 1
        assert refreshed.doc_count() == expected
        if optimized:
            assert refreshed.doc_count_all() == expected

        results = refreshed.search(Every(), limit=None)
        ids = [hit["id"] for hit in results]
        assert len(results) == expected
        assert len(ids) == expected
        assert Counter(ids).most_common(1)[0][1] == 1
        assert DELETED not in ids
        assert set(ids) == {f"r{n:02d}" for n in range(FIRST)} - {DELETED}

        bodies = {hit["id"]: hit["body"] for hit in results}
        for doc_id in UPDATED:
            assert bodies[doc_id].startswith("Phiên bản 2 ")
        assert bodies["r00"].startswith("Phiên bản 1 ")

        # A term search on the id field agrees with the stored fields.
        assert [hit["id"] for hit in refreshed.search(Term("id", DELETED))] == []
        assert [hit["id"] for hit in refreshed.search(Term("id", "r13"))] == ["r13"]
    finally:
        refreshed.close()
