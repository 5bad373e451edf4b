"""indexer.searching.rank finds, scores, orders and counts exactly what Whoosh's collector does.

The index holds 400 passages of the bundled Wikipedia sample in four segments, with documents
replaced and deleted (so postings of deleted documents are on disk), and sources and categories
for the facets. 120 questions of the dev set's kind (tests/passages.py: words of other passages
and a question ending), with and without accents, plus negations, alternatives, phrases and
short keyword queries, are compiled as search() compiles them and run both ways.
"""

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest
from whoosh import query as wq
from whoosh import sorting

from indexer.language.synonyms import Synonyms, builtin_synonyms
from indexer.searching import rank as vectorised
from indexer.searching.best_of import BestOf
from indexer.searching.compile import QueryCompiler
from indexer.searching.parse import parse_query
from indexer.searching.postings_cache import PostingsCache
from indexer.searching.searchers import open_index
from indexer.searching.service import FACETS, search
from indexer.store.commits import committing, delete_document, open_or_create, replace_document
from indexer.store.indexed_fields import analyse_document
from tests.passages import questions, wiki_passages

DOCUMENTS = 400
BATCH = 100
SOURCES = ["vnexpress", "tuoitre", "dantri"]
CATEGORIES = ["thoi-su", "the-gioi", "khoa-hoc", "van-hoa", ""]
DELETED = ["viwiki-00169-0", "viwiki-02208-0", "viwiki-02165-1"]  # passages 7, 150 and 333
KEYWORDS = [
    "Hà Nội",
    "ha noi",
    "chiến tranh",
    "chien tranh the gioi",
    "thành phố lớn nhất",
    "Paris",
    "dân số -Pháp",
    "sông OR núi",
    "kinh tế (Mỹ OR Nhật)",
    "việt nam",
    "của",
    "và là",
    '"thành phố" lớn',
    '"chiến tranh thế giới" -Đức',
    "Liên Hợp Quốc",  # in the dictionary: its other forms are phrases
]
# Typed with typos: each syllable mistyped matches as typed or as a correction, the best of them
# (``BestOf``), which both ways must score alike.
TYPOS = ["ha noii", "thanh phoo lon", "chien tranh the gioii", "nguyeenx", "chiến trnh", "dau hien"]
SCORE_TOLERANCE = 1e-9  # relative: the sums run in another order, nothing else differs


def _documents(numbered, version: int = 1):
    for n, document in numbered:
        yield replace(
            document,
            body=document.body + ("" if version == 1 else " Bản cập nhật."),
            source=SOURCES[n % len(SOURCES)],
            category=CATEGORIES[n % len(CATEGORIES)],
            # Every seventh without a date; the others on 40 days, so that dates tie.
            published=None if n % 7 == 0 else dt.datetime(2021, 3, 1) + dt.timedelta(n % 40),
        )


def _commit(path, documents=(), deleted=()) -> None:
    """One commit that merges no segment: the index keeps one segment per commit."""
    with committing(open_or_create(path), 60, merge=False) as (writer, committed):
        for doc_id in deleted:
            delete_document(writer, committed, doc_id)
        for document in documents:
            replace_document(writer, committed, analyse_document(document))


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("vectorised")
    numbered = list(enumerate(wiki_passages(DOCUMENTS)))
    for first in range(0, DOCUMENTS, BATCH):
        _commit(path, _documents(numbered[first : first + BATCH]))
    _commit(path, _documents(numbered[::37], version=2))  # a fifth segment, replacing some
    _commit(path, deleted=DELETED)
    return path


def _queries() -> list[str]:
    # Asked about the passages after the indexed ones, as most dev questions were asked about
    # documents the 400 did not hold: some of their words are in the index, some are not.
    return KEYWORDS + questions(120, skip=DOCUMENTS)


def _compiled(searcher, query: str, synonyms):
    return QueryCompiler(searcher, None, synonyms).compile(parse_query(query)).query


def test_the_index_has_segments_and_deletions(index_dir):
    with open_index(index_dir).searcher() as searcher:
        assert len(searcher.leaf_searchers()) == DOCUMENTS // BATCH + 1
        assert searcher.reader().has_deletions()
        assert searcher.doc_count() == DOCUMENTS - len(DELETED)


@pytest.mark.parametrize(
    "query, synonyms",
    [(q, Synonyms()) for q in _queries() + TYPOS] + [(q, builtin_synonyms()) for q in KEYWORDS],
)
def test_matches_and_scores_equal_whooshs(index_dir, query, synonyms):
    searcher = open_index(index_dir).searcher()
    compiled = _compiled(searcher, query, synonyms)
    matches = vectorised.match(searcher, compiled)
    whoosh_results = searcher.search(compiled, limit=None)
    expected = {hit.docnum: hit.score for hit in whoosh_results}
    found = dict(zip(matches.docnums.tolist(), matches.scores.tolist(), strict=True))
    assert found.keys() == expected.keys()
    for docnum, score in expected.items():
        assert found[docnum] == pytest.approx(score, rel=SCORE_TOLERANCE, abs=1e-12)
    top = matches.top(10)
    assert [docnum for docnum, _ in top] == [hit.docnum for hit in whoosh_results[:10]]


@pytest.mark.parametrize("query", KEYWORDS + ["thành phố", "sông"])
def test_facet_counts_equal_whooshs(index_dir, query):
    searcher = open_index(index_dir).searcher()
    compiled = _compiled(searcher, query, Synonyms())
    matches = vectorised.match(searcher, compiled)
    groups = {name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACETS}
    results = searcher.search(compiled, limit=1, groupedby=groups)
    assert len(matches) == len(results)
    for name in FACETS:
        expected = {
            (k.decode() if isinstance(k, bytes) else k): n
            for k, n in results.groups(name).items()
            if k not in ("", b"", None)
        }
        assert matches.facet_counts(searcher, name) == expected, name


def test_ties_are_broken_by_docnum_as_whoosh_does(index_dir):
    searcher = open_index(index_dir).searcher()
    compiled = _compiled(searcher, "của", Synonyms())
    matches = vectorised.match(searcher, compiled)
    assert len(set(matches.scores.tolist())) < len(matches)  # there are ties to break
    whoosh_top = [hit.docnum for hit in searcher.search(compiled, limit=50)]
    assert [docnum for docnum, _ in matches.top(50)] == whoosh_top


@pytest.mark.parametrize("query", TYPOS)
def test_typos_compile_to_the_best_of_each_reading(index_dir, query):
    """So that the typo queries above check ``BestOf`` both ways."""
    searcher = open_index(index_dir).searcher()
    assert _holds_best_of(_compiled(searcher, query, Synonyms()))


def _holds_best_of(node: wq.Query) -> bool:
    return isinstance(node, BestOf) or any(_holds_best_of(child) for child in node.children())


@pytest.mark.parametrize("query", KEYWORDS + TYPOS)
def test_search_pages_rank_and_count_as_whoosh_does(index_dir, query):
    """The reference is Whoosh's exhaustive ranking (``limit=None``): with a limit, Whoosh
    skips blocks by their best possible score and, on "chiến tranh" here, loses a document
    that belongs fifth (12.65 against 12.58 for the one it ranks fifth)."""
    index = open_index(index_dir)
    page = search(index, query, per_page=20)
    searcher = index.searcher()
    compiled = _compiled(searcher, query, builtin_synonyms())
    whoosh_results = searcher.search(compiled, limit=None)
    assert whoosh_results, "every keyword query finds something in strict mode"
    assert page.total == len(whoosh_results)
    assert [hit.id for hit in page.hits] == [hit["id"] for hit in whoosh_results[:20]]


WHOOSH_OPTIONS = {
    "newest": dict(sortedby="published", reverse=True),
    "oldest": dict(sortedby="published", reverse=False),
    "a source": dict(filter=wq.Term("source", "tuoitre")),
    "not a category": dict(mask=wq.Term("category", "thoi-su")),
    "dates": dict(
        filter=wq.DateRange("published", dt.datetime(2021, 3, 5), dt.datetime(2021, 3, 20))
    ),
    "all at once": dict(
        sortedby="published",
        reverse=True,
        filter=wq.Or([wq.Term("source", "dantri"), wq.Term("source", "vnexpress")]),
        mask=wq.Term("category", "van-hoa"),
    ),
}


@pytest.mark.parametrize("options", WHOOSH_OPTIONS.values(), ids=WHOOSH_OPTIONS.keys())
@pytest.mark.parametrize("query", ["Hà Nội", "thành phố lớn nhất", "của", "sông OR núi"])
def test_filters_masks_and_sorting_equal_whooshs(index_dir, query, options):
    searcher = open_index(index_dir).searcher()
    compiled = _compiled(searcher, query, Synonyms())
    expected = [(hit.docnum, hit.score) for hit in searcher.search(compiled, limit=None, **options)]
    assert len(expected) >= 2  # something to order
    matches = vectorised.restrict(
        searcher, vectorised.match(searcher, compiled), options.get("filter"), options.get("mask")
    )
    if "sortedby" in options:
        found = vectorised.sorted_top(searcher, matches, "published", options["reverse"], 10**6)
        assert found == expected
    else:
        found = matches.top(len(matches))
        assert [docnum for docnum, _ in found] == [docnum for docnum, _ in expected]
        assert [score for _, score in found] == pytest.approx([s for _, s in expected], rel=1e-9)


def test_cache_stays_within_its_budget():
    cache = PostingsCache(budget_bytes=1000)

    for n in range(20):
        cache.put(n, (np.zeros(25, dtype=np.int32), np.zeros(25, dtype=np.float32)))
    assert cache.used_bytes <= 1000
    assert cache.get(19) is not None and cache.get(0) is None


def test_absent_terms_count_against_the_budget_too():
    """A flood of queries for terms no segment holds must not grow the cache without end."""
    cache = PostingsCache(budget_bytes=3000)
    empty = (np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32))
    for n in range(1000):
        cache.put(("segment", "body", f"khong-co-{n}".encode()), empty)
    assert 0 < cache.used_bytes <= 3000
    assert len(cache._entries) <= 10


def test_a_remembered_phrase_scores_with_each_querys_own_boost(index_dir):
    """Phrase answers are remembered per searcher without their boost, which scales them."""

    searcher = open_index(index_dir).searcher()
    for boost in (1.0, 0.3, 2.5, 0.3):
        phrase = wq.Phrase("body_fold", ["thanh", "pho"], boost=boost)
        query = wq.Or([phrase, wq.Term("body", "sông", boost=0.7)])
        matches = vectorised.match(searcher, query)
        expected = {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}
        assert len(expected) > 10
        found = dict(zip(matches.docnums.tolist(), matches.scores.tolist(), strict=True))
        assert found.keys() == expected.keys()
        for docnum, score in expected.items():
            assert found[docnum] == pytest.approx(score, rel=SCORE_TOLERANCE), boost


def test_cached_scores_follow_the_statistics_of_each_searcher(tmp_path):
    """A segment's scores are cached, and the segment outlives its searcher: after a commit
    adds documents (other idf and average lengths), the refreshed searcher scores anew."""
    numbered = list(enumerate(wiki_passages(120)))
    _commit(tmp_path, _documents(numbered[:60]))
    query = wq.Or([wq.Term("body", "thành"), wq.Term("body_fold", "pho"), wq.Term("title", "sông")])
    searcher = open_index(tmp_path).searcher()
    before = vectorised.match(searcher, query)
    _commit(tmp_path, _documents(numbered[60:]))
    refreshed = searcher.refresh()
    kept = searcher.leaf_searchers()[0][0].reader().segment().segment_id()
    assert kept in {leaf.reader().segment().segment_id() for leaf, _ in refreshed.leaf_searchers()}
    matches = vectorised.match(refreshed, query)
    expected = {hit.docnum: hit.score for hit in refreshed.search(query, limit=None)}
    found = dict(zip(matches.docnums.tolist(), matches.scores.tolist(), strict=True))
    assert found.keys() == expected.keys()
    for docnum, score in expected.items():
        assert found[docnum] == pytest.approx(score, rel=SCORE_TOLERANCE, abs=1e-12)
    old = dict(zip(before.docnums.tolist(), before.scores.tolist(), strict=True))
    assert any(abs(old[d] - found[d]) > 1e-6 for d in old)  # the statistics did change
