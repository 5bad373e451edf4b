"""Documents like a given one: Elasticsearch's ``more_like_this``, over our own ranking.

The stored document is analysed as indexing analyses it (``indexer.language``): its folded
syllables and the pairs of neighbouring ones (the ``fold_bigrams`` field: most Vietnamese words
are two syllables), the title's counting ``TITLE_WEIGHT`` times. Each term scores its count times
its idf in the index; function words, numbers, single letters, Roman numerals, terms no other
document holds and those in most documents are left out, and the ``MAX_QUERY_TERMS`` best of
each kind make one disjunctive query, each term boosted by its share of the best score. It is
ranked like a search (``indexer.searching.rank``: BM25F over the array postings), filtered like
one, without the document itself, and paged into the same ``SearchPage``.

An index with vectors ranks by them instead (``_similar_matches``): everything around it (the
document's lookup, filters, paging, hits) stays the same.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections import Counter

from whoosh import query as wq

from indexer.highlight.match_terms import MatchTerms
from indexer.language.analysis import field_terms
from indexer.language.segmentation import segment
from indexer.searching import rank as vectorised
from indexer.searching.compile import TITLE_WEIGHT
from indexer.searching.match_sets import EMPTY
from indexer.searching.meaning import similar_by_vectors
from indexer.searching.params import DEFAULT_PER_PAGE, Filters, SearchRequest
from indexer.searching.parse import ParsedQuery
from indexer.searching.searchers import SearchIndex, live_docnum, open_index
from indexer.searching.service import FACETS, SearchPage, facet_table, restriction, stored_hit

MAX_QUERY_TERMS = 25  # like more_like_this's max_query_terms
MIN_DOC_FREQ = 2  # the document itself and at least one other
MAX_DOC_FRACTION = 0.5  # a syllable in more than half of the documents says nothing of a topic
MIN_TERM_CHARS = 2
_ROMAN = re.compile(r"[IVXLCDM]+")

# Function syllables (as written, lowercased): they carry grammar, not topic. The idf would
# weigh them little in a big index; in a small one they would still be picked.
STOP_SYLLABLES = frozenset(
    """
    là của và các có được những một trong cho với này đã đang sẽ khi thì mà để từ đến theo tại
    về như nhiều cũng rằng thế vào ra lên bị bởi nếu hay hoặc nhất còn lại không chỉ sau trước
    trên dưới giữa cùng nên vì do nhưng đó đây ấy nó họ chúng ta tôi bạn rất đều việc hơn vẫn
    mỗi mới qua năm ngày tháng người ông bà anh chị em
    """.split()
)


def similar_documents(
    index: SearchIndex | str | os.PathLike,
    doc_id: str,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    filters: Filters | None = None,
) -> SearchPage:
    """One page of the documents most like ``doc_id``, best first, the document itself left out.

    The page has the shape of ``search``'s (hits with their titles and snippets, unmarked;
    facets of the whole result set) and an empty ``query``. A document without a significant
    syllable gives an empty page. Raises ``DocumentNotFound`` when no live document has the id,
    ``InvalidParameter`` for paging and filters ``search`` would refuse.
    """
    started = time.perf_counter()
    filters = filters or Filters()
    SearchRequest("", page, per_page, "relevance", filters).check()
    if not isinstance(index, SearchIndex):
        opened = open_index(index)
        try:
            return similar_documents(opened, doc_id, page, per_page, filters)
        finally:
            opened.close()
    with index.held():  # one searcher, readable until the page is made
        searcher = index.searcher(fresh=True)  # the id is looked up as GET looks it up
        docnum = live_docnum(searcher, doc_id)
        matches = _similar_matches(index, searcher, docnum)
        matches = vectorised.restrict(
            searcher, matches, restriction(ParsedQuery(), filters), wq.Term("id", doc_id)
        )
        shown = matches.top(page * per_page)[(page - 1) * per_page :]
        unmarked = MatchTerms.from_syllables(())
        return SearchPage(
            query="",
            total=len(matches),
            page=page,
            per_page=per_page,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=[stored_hit(searcher, d, score, unmarked, None, None) for d, score in shown],
            facets=facet_table({name: matches.facet_counts(searcher, name) for name in FACETS}),
        )


def _similar_matches(index: SearchIndex, searcher, docnum: int) -> vectorised.Matches:
    """Every document like ``docnum``, scored: the one place that chooses how.

    By the cosine of the documents' vectors when ``index`` holds vectors of an embedder (every
    document with one is ranked, as Meilisearch's similar documents are), else by the
    document's significant terms; the caller filters, pages and renders.
    """
    if index.has_vectors():
        return similar_by_vectors(index, searcher, docnum)
    query = significant_terms_query(searcher, searcher.stored_fields(docnum))
    if query is None:
        return vectorised.Matches(*EMPTY)
    return vectorised.match(searcher, query)


def significant_terms(searcher, stored: dict) -> list[tuple[str, str, float]]:
    """The stored document's most significant terms, best first: ``(field, term, tf-idf)`` for
    at most ``MAX_QUERY_TERMS`` folded syllables (``body_fold``) and as many folded pairs of
    neighbouring syllables (``fold_bigrams``: most Vietnamese words are two syllables)."""
    syllables, pairs = Counter(), Counter()
    for text, weight in ((stored.get("title", ""), TITLE_WEIGHT), (stored.get("body", ""), 1.0)):
        _count_terms(text, weight, syllables, pairs)
    total = searcher.doc_count()
    chosen = []
    for field, counts in (("body_fold", syllables), ("fold_bigrams", pairs)):
        scores = {}
        for term, count in counts.items():
            df = searcher.doc_frequency(field, term)
            if field == "body_fold":  # a syllable only in titles still counts as present
                df = max(df, searcher.doc_frequency("title_fold", term))
            if MIN_DOC_FREQ <= df <= MAX_DOC_FRACTION * total:
                scores[term] = count * math.log(1 + (total - df + 0.5) / (df + 0.5))
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:MAX_QUERY_TERMS]
        chosen += [(field, term, score) for term, score in best]
    return sorted(chosen, key=lambda item: -item[2])


def significant_terms_query(searcher, stored: dict) -> wq.Query | None:
    """One disjunctive query of the document's significant terms (None if it has none), each
    boosted by its share of the best score of its kind, titles weighing as in searches."""
    terms = significant_terms(searcher, stored)
    if not terms:
        return None
    top = {field: max(s for f, _, s in terms if f == field) for field, _, _ in terms}
    clauses = []
    for field, term, score in terms:
        weight = score / top[field]
        if field == "body_fold":
            clauses.append(wq.Term("title_fold", term, boost=TITLE_WEIGHT * weight))
        clauses.append(wq.Term(field, term, boost=weight))
    return wq.Or(clauses)


def _count_terms(text: str, weight: float, syllables: Counter, pairs: Counter) -> None:
    """Add the folded syllables of ``text`` worth keeping, and the pairs of neighbouring ones
    (within a sentence, as ``fold_bigrams`` holds them), to the counts, ``weight`` per
    occurrence."""
    if not text:
        return
    seg = segment(text)
    folded = [term for term, _, _ in field_terms("folded", seg)]
    kept = [
        _worth_keeping(written, term) for written, term in zip(seg.syllables, folded, strict=True)
    ]
    for i, term in enumerate(folded):
        if kept[i]:
            syllables[term] += weight
        if i and kept[i - 1] and kept[i] and not seg.stops[i]:
            pairs[folded[i - 1] + " " + term] += weight


def _worth_keeping(written: str, folded: str) -> bool:
    """Whether a syllable may say what a document is about: not a function word, a number, a
    single letter or a Roman numeral (khóa XV)."""
    return (
        len(folded) >= MIN_TERM_CHARS
        and folded.isalpha()
        and written.lower() not in STOP_SYLLABLES
        and not _ROMAN.fullmatch(written)
    )
