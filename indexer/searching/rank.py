"""Ranking with numpy: the scores Whoosh's collector computes, a posting list at a time.

Whoosh's collector walks a tree of matchers one document at a time in pure Python: about 8 µs
per matching document and term, which is what made a two-word query on the news corpus take
170 ms. Here every term's postings are read block by block into arrays, scored with the same
BM25F formula, statistics and boosts, and combined with array operations: the union sums the
scores of the terms a document matches (``BestOf`` keeps the best), the intersection keeps the
documents every part matches, ``AndMaybe`` adds the optional part's score, ``AndNot`` removes
documents. Any other node (a phrase, ``Every``) runs through its own Whoosh matcher, on that
node alone, and its scores join the arrays.

The result is the whole match set with its scores, so the total and the facet counts come from
the same arrays as the top hits. tests/test_vectorised.py checks every figure against Whoosh.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np
from whoosh import query as wq
from whoosh import sorting
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

from indexer.codec.lengths import length_codes
from indexer.codec.postings import terms_reader, uses_array_codec
from indexer.searching.best_of import BestOf
from indexer.searching.match_sets import EMPTY, and_maybe, and_not, best, flags, intersection, union
from indexer.searching.postings_cache import POSTINGS_CACHE
from indexer.store.schema import as_text

_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
# Answers kept per searcher, then forgotten all at once.
MAX_REMEMBERED_NODES = 2000  # phrases: arrays of their matches
MAX_REMEMBERED_STATISTICS = 100_000  # idf and average length of a term: ~200 bytes each


class Unsupported(Exception):
    """The query cannot be evaluated here (the caller lets Whoosh run all of it)."""


@dataclass
class Matches:
    """Every matching document (global docnums, ascending) with its score."""

    docnums: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.docnums)

    def top(self, count: int) -> list[tuple[int, float]]:
        """The ``count`` best ``(docnum, score)``: highest score first, then lowest docnum, as
        Whoosh orders them."""
        if count <= 0 or not len(self.docnums):
            return []
        if count < len(self.scores):
            best = np.argpartition(-self.scores, count - 1)[:count]
            # Documents scoring the same as the last one kept compete on docnum, as in Whoosh.
            cutoff = self.scores[best].min()
            best = np.flatnonzero(self.scores >= cutoff)
        else:
            best = np.arange(len(self.scores))
        order = np.lexsort((self.docnums[best], -self.scores[best]))[:count]
        return [(int(self.docnums[best[i]]), float(self.scores[best[i]])) for i in order]

    def facet_counts(self, searcher, fieldname: str) -> dict[str, int]:
        """How many matching documents hold each value of ``fieldname``."""
        counts: dict[str, int] = {}
        leaves = _leaf_readers(searcher)
        for reader, offset in leaves:
            values, codes = _facet_codes(reader, fieldname)
            local = self.docnums
            if len(leaves) > 1:
                local = local[(local >= offset) & (local < offset + reader.doc_count_all())]
            found = np.bincount(codes[local - offset], minlength=len(values) + 1)
            for ordinal in np.flatnonzero(found[1:]).tolist():
                counts[values[ordinal]] = counts.get(values[ordinal], 0) + int(found[ordinal + 1])
        return counts


def restrict(searcher, matches: Matches, allow=None, exclude=None) -> Matches:
    """``matches`` without the documents ``exclude`` (a Whoosh query) matches, and only those
    ``allow`` matches when it is given: Whoosh's ``filter`` and ``mask``."""
    keep = np.ones(len(matches), dtype=bool)
    for query, wanted in ((allow, True), (exclude, False)):
        if query is not None:
            found = np.fromiter(searcher.docs_for_query(query), dtype=np.int64)
            keep &= np.isin(matches.docnums, found) == wanted
    return Matches(matches.docnums[keep], matches.scores[keep])


def sorted_top(
    searcher, matches: Matches, fieldname: str, reverse: bool, count: int
) -> list[tuple[int, object]]:
    """The first ``count`` of ``matches`` in the order of ``fieldname``'s values, each with its
    value: what Whoosh's ``search(sortedby=fieldname, reverse=...)`` ranks, and its scores."""
    keys = np.empty(len(matches), dtype=object)
    for reader, offset in _leaf_readers(searcher):
        inside = (matches.docnums >= offset) & (matches.docnums < offset + reader.doc_count_all())
        keys[inside] = _sort_keys(searcher, reader, offset, fieldname)[
            matches.docnums[inside] - offset
        ]
    # Whoosh sorts (key, docnum) pairs, both reversed for reverse=True.
    items = sorted(zip(keys.tolist(), matches.docnums.tolist(), strict=True), reverse=reverse)
    return [(docnum, key) for key, docnum in items[:count]]


def _sort_keys(searcher, reader, offset: int, fieldname: str) -> np.ndarray:
    """Every document's sort key for ``fieldname`` in one segment, as Whoosh's categorizer
    gives it (kept as long as the segment's reader)."""
    cache = _segment_cache(reader)
    key = ("sort", fieldname)
    if key not in cache:
        categorizer = sorting.MultiFacet.from_sortedby(fieldname).categorizer(searcher)
        leaf = next(sub for sub, at in searcher.leaf_searchers() if at == offset)
        categorizer.set_searcher(leaf, offset)
        keys = np.empty(reader.doc_count_all(), dtype=object)
        keys[:] = [categorizer.key_for(None, docnum) for docnum in range(len(keys))]
        cache[key] = keys
    return cache[key]


def match(searcher, query: wq.Query) -> Matches:
    """Every document ``query`` matches in ``searcher``, scored as Whoosh would score it."""
    docnums, scores = [], []
    for leaf, offset in _leaf_searchers(searcher):
        ids, leaf_scores = _Leaf(leaf).evaluate(query)
        docnums.append(ids + offset)
        scores.append(leaf_scores)
    if not docnums:
        return Matches(*EMPTY)
    return Matches(np.concatenate(docnums), np.concatenate(scores))


def _leaf_searchers(searcher):
    """The searcher's segments; an index with no segment yet (a brand-new or empty one) has a
    single empty reader without a segment, which matches nothing."""
    return [(leaf, at) for leaf, at in searcher.leaf_searchers() if leaf.reader().doc_count_all()]


def _leaf_readers(searcher):
    return [(leaf.reader(), offset) for leaf, offset in _leaf_searchers(searcher)]


class _Leaf:
    """Evaluates a query on one segment; docnums are the segment's own."""

    def __init__(self, searcher):
        self.searcher, self.reader = searcher, searcher.reader()
        self.size = self.reader.doc_count_all()
        self.weighting = searcher.weighting

    def evaluate(self, query: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """(docnums ascending, scores) of every live document ``query`` matches here."""
        if isinstance(query, wq.Term):
            return self._term(query)
        if type(query) in (wq.Or, wq.And, BestOf):
            return self._compound(query)
        if isinstance(query, (wq.AndMaybe, wq.AndNot)):
            if query.boost != 1.0:
                raise Unsupported("a boosted binary query")
            required = self.evaluate(query.a)
            other = self.evaluate(query.b)
            if isinstance(query, wq.AndMaybe):
                return and_maybe(required, other, self.size)
            return and_not(required, other, self.size)
        if isinstance(query, wq.Phrase) and query.slop == 1 and uses_array_codec(self.reader):
            return self._phrase(query)
        return self._through_whoosh(query)

    def _phrase(self, query: wq.Phrase) -> tuple[np.ndarray, np.ndarray]:
        """Documents holding the words one after another, scored as Whoosh's phrase matcher
        scores them: the sum of its words' term scores, times the phrase's boost."""
        field = (
            self.searcher.schema[query.fieldname]
            if query.fieldname in self.searcher.schema
            else None
        )
        if field is None or not query.words:
            return EMPTY
        if not field.format or not field.format.supports("positions"):
            raise Unsupported(f"a phrase in {query.fieldname}, which has no positions")
        keys = []
        for offset, word in enumerate(query.words):
            try:
                found = terms_reader(self.reader).occurrences(query.fieldname, field.to_bytes(word))
            except ValueError:
                return EMPTY
            if found is None:
                return EMPTY
            docs, freqs, positions = found
            # (document, where the phrase would start) as one number per occurrence
            starts = positions.astype(np.int64) - offset
            key = (np.repeat(docs.astype(np.int64), freqs.astype(np.int64)) << 32) + starts
            keys.append(key[starts >= 0])
        matched = keys[0]
        for key in keys[1:]:
            matched = np.intersect1d(matched, key, assume_unique=True)
        ids = np.unique(matched >> 32)
        deleted = _deleted(self.reader)
        if deleted is not None and len(ids):
            ids = ids[~deleted[ids]]
        if not len(ids):
            return EMPTY
        scores = np.zeros(len(ids), dtype=np.float64)
        for word in query.words:
            term_ids, term_scores = self._term(wq.Term(query.fieldname, word))
            scores += term_scores[np.searchsorted(term_ids, ids)]
        return ids, scores * query.boost if query.boost != 1.0 else scores

    def _through_whoosh(self, query) -> tuple[np.ndarray, np.ndarray]:
        """One node (a phrase, say) by Whoosh's own matcher: a document at a time, but only the
        documents this node matches.

        The answer is kept for the searcher's lifetime: the same phrases come back query after
        query (a dictionary expansion such as the other forms of TP.HCM costs ~15 ms each
        time), and nothing it depends on changes before a commit brings a new searcher.
        """
        boost = 1.0
        if isinstance(query, wq.Phrase):  # Whoosh multiplies a phrase's score by its boost
            query, boost = query.with_boost(1.0), query.boost
        remembered = _remembered(self.searcher.get_parent(), "nodes", MAX_REMEMBERED_NODES)
        key = (self.reader.segment().segment_id(), repr(query))
        if key not in remembered:
            remembered[key] = self._match_through_whoosh(query)
        ids, scores = remembered[key]
        return ids, scores * boost if boost != 1.0 else scores

    def _match_through_whoosh(self, query) -> tuple[np.ndarray, np.ndarray]:
        matcher = query.matcher(self.searcher, self.searcher.context(needs_current=True))
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64)

    def _compound(self, query) -> tuple[np.ndarray, np.ndarray]:
        subs = query.subqueries
        if isinstance(query, wq.Or) and (query.scale or query.minmatch):
            raise Unsupported("Or with scale or minmatch")
        if not subs:
            return EMPTY
        if len(subs) == 1:  # Whoosh drops the boost of a compound holding one query
            return self.evaluate(subs[0])
        parts = [self.evaluate(q) for q in subs]
        combine = best if type(query) is BestOf else union if type(query) is wq.Or else intersection
        ids, scores = combine(parts, self.size)
        if query.boost != 1.0:
            scores = scores * query.boost
        return ids, scores

    def _term(self, term: wq.Term) -> tuple[np.ndarray, np.ndarray]:
        schema = self.searcher.schema
        if term.fieldname not in schema:
            return EMPTY
        field = schema[term.fieldname]
        try:
            text = field.to_bytes(term.text)
        except ValueError:
            return EMPTY
        if not field.scorable:
            raise Unsupported(f"unscored field {term.fieldname}")
        ids, scores = self._scored(term.fieldname, term.text, text)
        if not len(ids):
            return EMPTY
        if term.boost != 1.0:
            scores = scores * term.boost
        return ids, scores

    def _scored(self, fieldname: str, text: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
        """A term's live postings in this segment with their BM25F scores.

        The scores are cached with the statistics they were computed from: a segment outlives
        the searcher that first read it, and a later one (more documents) scores it anew.
        """
        idf, avgfl = _statistics(self.searcher.get_parent(), self.weighting, fieldname, text)
        B, K1 = self.weighting.B, self.weighting.K1
        key = (self.reader.segment().segment_id(), fieldname, tbytes, idf, avgfl, B, K1)
        stored = POSTINGS_CACHE.get(key)
        if stored is None:
            ids, weights = _postings(self.reader, fieldname, tbytes)
            lengths = _field_lengths(self.reader, fieldname)[ids]
            norms = weights + K1 * ((1 - B) + B * lengths / avgfl)
            scores = idf * ((weights * (K1 + 1)) / norms)
            stored = POSTINGS_CACHE.put(key, (ids.astype(np.int32), scores))
        # Kept in 32 bits, returned in the platform's: numpy indexes with an int32 array two
        # to three times slower, and every union and intersection indexes with these.
        ids, scores = stored[0].astype(np.intp), stored[1]
        deleted = _deleted(self.reader)
        if deleted is not None and len(ids):
            live = ~deleted[ids]
            ids, scores = ids[live], scores[live]
        return ids, scores


def _statistics(parent, weighting, fieldname: str, text: str) -> tuple[float, float]:
    """(idf, average field length) as Whoosh's scorer computes them, once per searcher.

    Each costs a term lookup in every segment, read a few bytes at a time from the terms file;
    a searcher's statistics never change (a new commit brings a new searcher).
    """
    cache = _remembered(parent, "statistics", MAX_REMEMBERED_STATISTICS)
    key = (fieldname, text)
    if key not in cache:
        idf = weighting.idf(parent, fieldname, text)
        cache[key] = (idf, parent.avg_field_length(fieldname) or 1)
    return cache[key]


def _remembered(searcher, kind: str, limit: int) -> dict:
    """A searcher's memo of ``kind``, emptied once it holds ``limit`` answers (queries with
    ever new terms must not grow it without end)."""
    memo = _segment_cache(searcher).setdefault(kind, {})
    if len(memo) >= limit:
        memo.clear()
    return memo


def _postings(reader, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A term's postings in one segment, deleted documents included: (docnums, frequencies)."""
    if uses_array_codec(reader):
        found = terms_reader(reader).arrays(fieldname, text)
        if found is None:
            return EMPTY
        return found[0].astype(np.int64), found[1].astype(np.float64)
    if (fieldname, text) not in reader:
        return EMPTY
    matcher = reader.postings(fieldname, text)
    ids, weights = _decode(matcher.child if isinstance(matcher, FilterMatcher) else matcher)
    return ids.astype(np.int64), weights.astype(np.float64)


def _deleted(reader) -> np.ndarray | None:
    """A flag per document of the segment, set for deleted ones; None without deletions.

    A reader's deletions are fixed: a commit that deletes more brings a new reader
    (indexer.searching.refresh)."""
    cache = _segment_cache(reader)
    if "deleted" not in cache:
        gone = list(reader._perdoc.deleted_docs()) if reader.has_deletions() else []
        cache["deleted"] = (
            flags(np.array(gone, dtype=np.int64), reader.doc_count_all()) if gone else None
        )
    return cache["deleted"]


def _decode(matcher) -> tuple[np.ndarray, np.ndarray]:
    """Every posting of a segment's term, deleted or not: (docnums int32, weights float32)."""
    ids, weights = [], []
    while matcher.is_active():
        # Whole blocks at once: the block's ids and weights convert in C.
        matcher._read_ids()
        matcher._read_weights()
        ids.append(np.asarray(matcher._ids, dtype=np.int32))
        weights.append(np.asarray(matcher._weights, dtype=np.float32))
        matcher._next_block()
    if not ids:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
    return np.concatenate(ids), np.concatenate(weights)


# --- per-segment arrays, kept as long as the segment reader lives ----------------------------

_CACHE_LOCK = threading.Lock()
_SEGMENT_ARRAYS: WeakKeyDictionary = WeakKeyDictionary()


def _segment_cache(reader) -> dict:
    with _CACHE_LOCK:
        cache = _SEGMENT_ARRAYS.get(reader)
        if cache is None:
            cache = _SEGMENT_ARRAYS[reader] = {}
        return cache


def _field_lengths(reader, fieldname: str) -> np.ndarray:
    """Each document's length of ``fieldname``, byte-quantised exactly as Whoosh stores it."""
    cache = _segment_cache(reader)
    key = ("lengths", fieldname)
    if key not in cache:
        count = reader.doc_count_all()
        stored = length_codes(reader._perdoc, fieldname)
        if stored is None:
            lengths = np.ones(count, dtype=np.float64)
        else:
            codes = np.zeros(count, dtype=np.uint8)
            codes[: len(stored)] = np.frombuffer(stored, dtype=np.uint8)[:count]
            lengths = _LENGTHS[codes]
            # Whoosh's doc_field_length gives None for a zero byte; the scorer then uses 1.
            lengths[codes == 0] = 1.0
        cache[key] = lengths
    return cache[key]


def _facet_codes(reader, fieldname: str) -> tuple[list[str], np.ndarray]:
    """The values of ``fieldname`` in one segment, and for each document its value's position
    in them plus one (0: none), in 32 bits: what a facet count gathers for every match."""
    cache = _segment_cache(reader)
    key = ("facet", fieldname)
    if key not in cache:
        codes = np.zeros(reader.doc_count_all(), dtype=np.int32)
        values = []
        if fieldname in reader.schema:
            for text in reader.lexicon(fieldname):
                matcher = reader.postings(fieldname, text)
                if isinstance(matcher, FilterMatcher):
                    matcher = matcher.child
                ids = np.fromiter(matcher.all_ids(), dtype=np.int64)
                values.append(as_text(text))
                codes[ids] = len(values)
        cache[key] = (values, codes)
    return cache[key]
