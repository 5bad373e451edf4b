"""The index's vectors read for searching: every segment's rows side by side, by global docnum.

Segments are immutable, so each segment reader's rows are read once (kept with the reader, as
``rank`` keeps its arrays); a searcher's whole matrix is kept with its reader too. Rows of
deleted documents, of documents without a vector and of segments made by another embedder
than the index's are left out of every ranking.
"""

from __future__ import annotations

import datetime as dt
import threading
from weakref import WeakKeyDictionary

import numpy as np

from indexer.errors import InvalidParameter
from indexer.searching.compile import filter_query
from indexer.searching.match_sets import EMPTY
from indexer.searching.params import Filters
from indexer.searching.parse import DateRange, ParsedQuery
from indexer.searching.rank import Matches, _deleted, _leaf_readers, _segment_cache
from indexer.semantic.fusion import nearest
from indexer.semantic.vector_file import read_passages, read_vectors
from indexer.store.embedder_record import recorded_embedder

NO_VECTORS = (
    "semantic_ratio above 0 needs an index with vectors, and this index has none "
    "(build it with --embedder MODEL_FOLDER)"
)
_MATRICES: WeakKeyDictionary = WeakKeyDictionary()
_LOCK = threading.Lock()


def index_vectors(searcher, fingerprint: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Every document's vector made by the embedder ``fingerprint`` (rows of zeros for the
    rest) by global docnum, and a flag per docnum set where there is one; None when no
    segment holds one."""
    top = searcher.reader()
    with _LOCK:
        cached = _MATRICES.get(top)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
    parts, found = [], False
    for reader, _ in _leaf_readers(searcher):
        rows = _segment_vectors(reader, fingerprint)
        found |= rows is not None
        parts.append(rows)
    vectors = None
    if found:
        dimension = next(p.shape[1] for p in parts if p is not None)
        filled = [
            p if p is not None else np.zeros((r.doc_count_all(), dimension), np.float32)
            for p, (r, _) in zip(parts, _leaf_readers(searcher), strict=True)
        ]
        # One segment (what builds and optimize leave): its own array, not a copy of it.
        matrix = filled[0] if len(filled) == 1 else np.concatenate(filled)
        vectors = matrix, np.any(matrix != 0, axis=1)
    with _LOCK:
        _MATRICES[top] = (fingerprint, vectors)
    return vectors


def _segment_vectors(reader, fingerprint: str) -> np.ndarray | None:
    found = _read_once(reader, "vectors", read_vectors)
    if found is None or found[0] != fingerprint:
        return None
    return found[1]


def _read_once(reader, key: str, read):
    """``read(segment, storage)`` of a segment, kept with its reader (segments never change)."""
    cache = _segment_cache(reader)
    if key not in cache:
        cache[key] = read(reader._segment, reader._storage)
    return cache[key]


def best_passages(
    searcher, docnums: list[int], query_vector: np.ndarray, fingerprint: str
) -> dict[int, tuple[int, int]]:
    """For each of ``docnums`` with passages made by the embedder ``fingerprint``, the character
    range ``(start, end)`` in its body of the passage nearest ``query_vector``: where the snippet
    of a hit found by meaning alone comes from. Documents without passages are left out."""
    wanted = set(docnums)
    found: dict[int, tuple[int, int]] = {}
    for reader, offset in _leaf_readers(searcher):
        size = reader.doc_count_all()
        mine = [docnum for docnum in wanted if offset <= docnum < offset + size]
        if not mine:
            continue
        passages = _read_once(reader, "passages", read_passages)
        if passages is None or passages.fingerprint != fingerprint:
            continue
        for docnum in mine:
            spans, vectors = passages.of(docnum - offset)
            if len(spans):
                best = int(np.argmax(vectors.astype(np.float32) @ query_vector))
                found[docnum] = (int(spans[best][0]), int(spans[best][1]))
    return found


def live_documents(searcher) -> np.ndarray:
    """A flag per global docnum: set for documents not deleted."""
    flags = np.ones(searcher.doc_count_all(), dtype=bool)
    for reader, offset in _leaf_readers(searcher):
        deleted = _deleted(reader)
        if deleted is not None:
            flags[offset : offset + reader.doc_count_all()] &= ~deleted.astype(bool)
    return flags


def allowed_documents(searcher, allow=None, exclude=None) -> np.ndarray:
    """A flag per global docnum: live documents that ``allow`` (a Whoosh query, when given)
    matches and ``exclude`` does not: a search's filter and mask, as ``rank.restrict``."""
    flags = live_documents(searcher)
    for query, wanted in ((allow, True), (exclude, False)):
        if query is not None:
            hits = np.zeros(len(flags), dtype=bool)
            hits[np.fromiter(searcher.docs_for_query(query), dtype=np.int64)] = True
            flags &= hits if wanted else ~hits
    return flags


def filtered_documents(searcher, filters: Filters) -> np.ndarray:
    """A flag per global docnum: live documents within ``filters`` (sources, categories, the
    days published), as a search with those filters would keep them."""
    dates = ()
    if filters.published_from or filters.published_to:
        start, end = filters.published_from, filters.published_to
        dates = (
            DateRange(
                dt.datetime(start.year, start.month, start.day) if start else None,
                dt.datetime(end.year, end.month, end.day) + dt.timedelta(days=1) if end else None,
            ),
        )
    query = filter_query(ParsedQuery(), filters.source, filters.category, dates)
    return allowed_documents(searcher, query)


def vectors_for_search(index, searcher) -> tuple[np.ndarray, np.ndarray, object]:
    """(the index's vectors, a flag per docnum with one, its embedder) for a search by
    meaning; ``InvalidParameter`` when the index has no vectors (``EmbedderUnavailable`` if
    its model folder cannot be loaded)."""
    embedder = index.embedder()
    found = index_vectors(searcher, embedder.fingerprint) if embedder else None
    if found is None:
        raise InvalidParameter(NO_VECTORS)
    return *found, embedder


def stored_vectors(index, searcher) -> tuple[np.ndarray, np.ndarray]:
    """(the index's vectors, a flag per docnum with one) made by the embedder the index
    records, without loading its model (nothing is embedded); ``InvalidParameter`` when the
    index has no vectors."""
    record = recorded_embedder(index.path)
    found = index_vectors(searcher, record["fingerprint"]) if record else None
    if found is None:
        raise InvalidParameter(NO_VECTORS)
    return found


def similar_by_vectors(index, searcher, docnum: int) -> Matches:
    """Every live document with a vector scored by the cosine of its vector and document
    ``docnum``'s (``docnum`` itself included: the caller leaves it out), as ``rank.Matches``:
    what ``similar._similar_matches`` returns, for an index with vectors. Empty when the
    document has no vector; ``InvalidParameter`` when the index has none."""
    matrix, present = stored_vectors(index, searcher)
    if not present[docnum]:
        return Matches(*EMPTY)
    docnums = np.flatnonzero(present & live_documents(searcher))
    return Matches(docnums.astype(np.int64), (matrix @ matrix[docnum])[docnums])


def nearest_documents(
    index,
    doc_id: str,
    limit: int = 10,
    filters: Filters | None = None,
    allowed: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """The ``limit`` documents closest in meaning to document ``doc_id``, by cosine of their
    vectors, the document itself excluded: ``[(docnum, cosine), ...]``, best first, in the
    numbering of ``index.searcher()``. Only documents within ``filters`` (as a search's), and
    flagged in ``allowed`` (a flag per docnum) when given. Empty when the document is not
    there or has no vector; ``InvalidParameter`` when the index has no vectors at all."""
    searcher = index.searcher()
    if filters is not None and filters != Filters():
        within = filtered_documents(searcher, filters)
        allowed = within if allowed is None else allowed & within
    matrix, present = stored_vectors(index, searcher)
    docnum = searcher.document_number(id=doc_id)
    if docnum is None or not present[docnum]:
        return []
    flags = live_documents(searcher) & present
    if allowed is not None:
        flags &= allowed
    flags[docnum] = False
    rows, scores = nearest(matrix, matrix[docnum], flags, limit)
    return [(int(row), float(score)) for row, score in zip(rows, scores, strict=True)]
