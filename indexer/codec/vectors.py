"""The vectors of a segment being written: its own documents' and those of segments merged in.

Documents arrive with a vector (``add``, from ``fields["_vector"]``) or within segments a
merge adds (``add_segment``: their vectors files, deleted documents' rows dropped). The
segment's file is written only if some document has a vector: an index without an embedder
gets no vectors file at all. Vectors of another embedder than the newest one met (a
fingerprint of its own) are left out, as rows of zeros: they mean nothing next to the others.
"""

from __future__ import annotations

import numpy as np

from indexer.semantic.vector_file import read_vectors, write_vectors


class SegmentVectors:
    """Rows of vectors by docnum, collected while a segment is written."""

    def __init__(self):
        self._chunks: list[tuple[int, str, np.ndarray]] = []  # (first docnum, fingerprint, rows)
        self._own: dict[int, np.ndarray] = {}
        self._own_fingerprint: str | None = None

    def add(self, docnum: int, vector: np.ndarray, fingerprint: str) -> None:
        """A document of this writer's own and its vector."""
        if self._own_fingerprint not in (None, fingerprint):
            raise ValueError("one segment's documents come from one embedder")
        self._own_fingerprint = fingerprint
        self._own[docnum] = np.asarray(vector, dtype=np.float32)

    def add_segment(self, reader, basedoc: int) -> None:
        """The vectors of a segment a merge added at ``basedoc``, without deleted documents."""
        found = read_vectors(reader._segment, reader._storage)
        if found is None:
            return
        fingerprint, vectors = found
        if reader.has_deletions():
            kept = [n for n in range(reader.doc_count_all()) if not reader.is_deleted(n)]
            vectors = vectors[np.array(kept, dtype=np.int64)]
        self._chunks.append((basedoc, fingerprint, np.array(vectors)))

    def write(self, segment, storage, doc_count: int) -> None:
        """Write the segment's vectors file, if any document has a vector."""
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
        self.__init__()

    def _dimension(self, fingerprint: str) -> int:
        if self._own:
            return len(next(iter(self._own.values())))
        return next(v.shape[1] for _, f, v in self._chunks if f == fingerprint)
