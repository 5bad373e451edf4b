"""Hybrid ranking: words and meaning fused by weight (``semantic_ratio``).

The word side is the ranking ``rank`` computes; the meaning side is the exact cosine of the
query's vector with every document's (``meaning``), under the same filters. Each side brings
its best ``max(CANDIDATES, page × per_page)`` documents; over their union, each side's scores
are min-max normalised and fused as ``(1 - ratio) × words + ratio × meaning``. The result set
(its total, facets, and any order by date) is every document the words match and the meaning
side's candidates; with ratio 1, only the latter. Word matches beyond the candidates follow
the fused ones, in their word order. Ratio 0 never comes here (``service`` keeps the ranking
by words alone, bit for bit).
"""

from __future__ import annotations

import re

import numpy as np

from indexer.searching import rank as vectorised
from indexer.searching.meaning import allowed_documents, best_passages, vectors_for_search
from indexer.semantic.fusion import CANDIDATES, fuse, nearest

_FILTER = re.compile(r"^-?[A-Za-z]+:")
_OPERATORS = re.compile(r'["()]|(?:^|\s)-(?=\S)|\b(?:OR|NOT|AND)\b')
# Chosen on dev with the English control model (bench/relevance.py --grid): see the README.
DEFAULT_SEMANTIC_RATIO = 0.1


def resolved_ratio(index, requested: float | None) -> float:
    """The ratio a search runs with: the one asked for, else the default for an index with
    vectors, else 0."""
    if requested is not None:
        return float(requested)
    return DEFAULT_SEMANTIC_RATIO if index.has_vectors() else 0.0


def meaning_text(query: str) -> str:
    """The query's words for its vector: without its filters (``source:x``, ``-category:y``),
    which the vector side applies as filters, and without the operators' quotes and signs."""
    words = [word for word in query.split() if not _FILTER.match(word)]
    return " ".join(_OPERATORS.sub(" ", " ".join(words)).split()) or query


def fused_ranking(
    index,
    searcher,
    query: str,
    words: vectorised.Matches,
    allow,
    exclude,
    ratio: float,
    limit: int,
    sort: str,
    facets: tuple[str, ...],
) -> tuple[int, list[tuple[int, float]], dict[str, dict], None, tuple, frozenset[int]]:
    """(total, the best ``limit`` (docnum, score), facet counts, -, -, the documents found by
    meaning alone): ``service._Outcome``'s fields. ``words`` are the word side's matches,
    already filtered."""
    matrix, present, embedder = vectors_for_search(index, searcher)
    count = max(CANDIDATES, limit)
    allowed = allowed_documents(searcher, allow, exclude) & present
    rows, cosines = nearest(matrix, embedder.embed_query(meaning_text(query)), allowed, count)
    meaning = dict(zip(rows.tolist(), cosines.tolist(), strict=True))
    word_top = dict(words.top(count)) if ratio < 1 else {}
    ranked = fuse(word_top, meaning, ratio)
    members = np.union1d(words.docnums, rows) if ratio < 1 else np.sort(rows)
    if ratio < 1 and limit > len(ranked):  # pages beyond the candidates: the rest by words
        shown = {docnum for docnum, _ in ranked}
        ranked += [(d, 0.0) for d, _ in words.top(limit + len(shown)) if d not in shown]
    found = vectorised.Matches(members, np.zeros(len(members), dtype=np.float32))
    counts = {name: found.facet_counts(searcher, name) for name in facets}
    if sort != "relevance":
        ranked = vectorised.sorted_top(searcher, found, "published", sort == "newest", limit)
    meaning_only = frozenset(np.setdiff1d(rows, words.docnums).tolist())
    return len(members), ranked[:limit], counts, None, (None, None), meaning_only


def meaning_passages(index, searcher, query: str, docnums: list[int]) -> dict[int, tuple[int, int]]:
    """The character range of the best passage of each of ``docnums`` (hits found by meaning
    alone) for ``query``; documents indexed without passages are left out."""
    embedder = index.embedder() if docnums else None
    if embedder is None:
        return {}
    query_vector = embedder.embed_query(meaning_text(query))  # fused_ranking's, kept
    return best_passages(searcher, docnums, query_vector, embedder.fingerprint)
