"""The vectors of a segment being written: its own documents' and those of segments merged in.

Documents arrive with a vector (``add``, from ``fields["_vector"]``), and their leading passages'
(``fields["_passages"]``), or within segments a merge adds (``add_segment``: their vectors and
passages files, deleted documents' rows dropped). The segment's files are written only if some
document has a vector: an index without an embedder gets no vectors file at all. Vectors of
another embedder than the newest one met (a fingerprint of its own) are left out, as rows of
zeros and no passages: they mean nothing next to the others.
"""

from __future__ import annotations

import numpy as np

from indexer.semantic.vector_file import (
    SegmentPassages,
    read_passages,
    read_vectors,
    write_passages,
    write_vectors,
)


class SegmentVectors:
    """Rows of vectors by docnum, collected while a segment is written."""

    def __init__(self):
        self._chunks: list[tuple[int, str, np.ndarray]] = []  # (first docnum, fingerprint, rows)
        # (first docnum, fingerprint, passages per document, their ranges, their vectors)
        self._passage_chunks: list[tuple[int, str, np.ndarray, np.ndarray, np.ndarray]] = []
        self._own: dict[int, np.ndarray] = {}
        self._own_passages: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._own_fingerprint: str | None = None

    def add(
        self,
        docnum: int,
        vector: np.ndarray,
        fingerprint: str,
        passages: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """A document of this writer's own, its vector and its passages' (ranges, vectors)."""
        if self._own_fingerprint not in (None, fingerprint):
            raise ValueError("one segment's documents come from one embedder")
        self._own_fingerprint = fingerprint
        self._own[docnum] = np.asarray(vector, dtype=np.float32)
        if passages is not None and len(passages[0]):
            self._own_passages[docnum] = passages

    def add_segment(self, reader, basedoc: int) -> None:
        """The vectors of a segment a merge added at ``basedoc``, without deleted documents."""
        found = read_vectors(reader._segment, reader._storage)
        if found is None:
            return
        fingerprint, vectors = found
        kept = None
        if reader.has_deletions():
            live = [not reader.is_deleted(n) for n in range(reader.doc_count_all())]
            kept = np.array(live, dtype=bool)
            vectors = vectors[kept]
        self._chunks.append((basedoc, fingerprint, np.array(vectors)))
        passages = read_passages(reader._segment, reader._storage)
        if passages is not None:
            counts = np.diff(passages.offsets)
            spans, rows = passages.spans, passages.vectors
            if kept is not None:
                chosen = np.repeat(kept, counts)
                counts, spans, rows = counts[kept], spans[chosen], rows[chosen]
            self._passage_chunks.append(
                (basedoc, passages.fingerprint, counts, np.array(spans), np.array(rows))
            )

    def write(self, segment, storage, doc_count: int) -> None:
        """Write the segment's vectors file, if any document has a vector, and its passages."""
        fingerprint = self._own_fingerprint or (self._chunks[-1][1] if self._chunks else None)
        if fingerprint is None:
            return
        dimension = self._dimension(fingerprint)
        rows = np.zeros((doc_count, dimension), dtype=np.float32)
        for first, chunk_fingerprint, vectors in self._chunks:
            if chunk_fingerprint == fingerprint:
                rows[first : first + len(vectors)] = vectors
        for docnum, vector in self._own.items():
            rows[docnum] = vector
        write_vectors(segment, storage, rows, fingerprint)
        passages = self._passages(fingerprint, doc_count, dimension)
        if passages is not None:
            write_passages(segment, storage, passages)
        self.__init__()

    def _passages(self, fingerprint: str, doc_count: int, dimension: int) -> SegmentPassages | None:
        chunks = [c for c in self._passage_chunks if c[1] == fingerprint]
        if not chunks and not self._own_passages:
            return None
        counts = np.zeros(doc_count, dtype=np.int64)
        for first, _, chunk_counts, _, _ in chunks:
            counts[first : first + len(chunk_counts)] = chunk_counts
        for docnum, (spans, _) in self._own_passages.items():
            counts[docnum] = len(spans)
        offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
        spans = np.zeros((int(offsets[-1]), 2), dtype=np.int32)
        vectors = np.zeros((int(offsets[-1]), dimension), dtype=np.float16)
        for first, _, _, chunk_spans, chunk_vectors in chunks:
            at = offsets[first]
            spans[at : at + len(chunk_spans)] = chunk_spans
            vectors[at : at + len(chunk_vectors)] = chunk_vectors
        for docnum, (own_spans, own_vectors) in self._own_passages.items():
            at = offsets[docnum]
            spans[at : at + len(own_spans)] = own_spans
            vectors[at : at + len(own_vectors)] = own_vectors
        return SegmentPassages(fingerprint, offsets, spans, vectors)

    def _dimension(self, fingerprint: str) -> int:
        if self._own:
            return len(next(iter(self._own.values())))
        return next(v.shape[1] for _, f, v in self._chunks if f == fingerprint)
