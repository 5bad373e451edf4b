"""``BestOf`` scores each document by the best of its parts, alike through Whoosh's matchers and
through arrays, on a real index of the test corpus and the bundled sample (test_vectorised.py
runs typo queries, which hold it, on an index of several segments with deletions)."""

import pytest
from whoosh import query as wq

from indexer.searching import rank as vectorised
from indexer.searching.best_of import BestOf
from indexer.searching.searchers import open_index

PARTS = [
    wq.Or([wq.Term("body", "thành"), wq.Term("title", "thành", boost=2.5)]),
    wq.Term("body_fold", "pho", boost=0.5),
    wq.Term("body", "sông", boost=1.5),
]


@pytest.fixture(scope="module")
def searcher(sample_index):
    opened = open_index(sample_index)
    yield opened.searcher()
    opened.close()


def _scores(results) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in results}


def _best_of_each(searcher) -> dict[int, float]:
    best: dict[int, float] = {}
    for part in PARTS:
        for docnum, score in _scores(searcher.search(part, limit=None)).items():
            best[docnum] = max(best.get(docnum, 0.0), score)
    return best


def test_a_document_scores_the_best_of_its_parts_not_their_sum(searcher):
    expected = _best_of_each(searcher)
    each = [_scores(searcher.search(part, limit=None)) for part in PARTS]
    both = [d for d in expected if sum(d in matched for matched in each) > 1]
    assert len(both) > 10  # documents matching several parts, where sum and best differ
    through_whoosh = _scores(searcher.search(BestOf(PARTS), limit=None))
    assert through_whoosh == pytest.approx(expected, rel=1e-12)
    matches = vectorised.match(searcher, BestOf(PARTS))
    arrays = dict(zip(matches.docnums.tolist(), matches.scores.tolist(), strict=True))
    assert arrays == pytest.approx(expected, rel=1e-9)


def test_the_top_ten_are_the_best_ten(searcher):
    """Ordered as Whoosh orders (score, then docnum), against the exhaustive ranking: Whoosh's
    own ``limit=10`` skips blocks by their best possible score and may lose a document, as
    with ``Or`` (test_vectorised.py)."""
    expected = sorted(_best_of_each(searcher).items(), key=lambda item: (-item[1], item[0]))
    top = vectorised.match(searcher, BestOf(PARTS)).top(10)
    assert [d for d, _ in top] == [d for d, _ in expected[:10]]
    assert [s for _, s in top] == pytest.approx([s for _, s in expected[:10]], rel=1e-9)


def test_whooshs_own_disjunction_max_is_not_this(searcher):
    """Why ``BestOf`` has its own matcher: Whoosh 2.7.4's ``DisjunctionMax`` scores a document
    by a sub-matcher standing on another document."""
    wrong = _scores(searcher.search(wq.DisjunctionMax(PARTS), limit=None))
    expected = _best_of_each(searcher)
    assert wrong.keys() == expected.keys()
    assert wrong != pytest.approx(expected, rel=1e-9)
