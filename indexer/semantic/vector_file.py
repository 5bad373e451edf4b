"""A segment's vectors: one float32 row per document of the segment, in docnum order; and
its documents' leading passages (``indexer.semantic.passages``), their vectors and ranges.

The files ``<segment>.vec`` and ``<segment>.psg`` sit with the segment's other files (inside
its compound file when Whoosh assembles one), so they are written, fsynced, merged and deleted
with the segment. Their headers name the embedder's fingerprint: vectors of another embedder
are never compared with this one's. A row of zeros is a document without a vector (it came
from a segment without); a document without passages has none in ``.psg`` (or there is no
``.psg``: the segment was written before passages were).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

EXTENSION = ".vec"
MAGIC = b"VSV1"
_HEADER = struct.Struct("<4sII32s")  # magic, rows, dimension, fingerprint (hex)
PASSAGES_EXTENSION = ".psg"
PASSAGES_MAGIC = b"VSP1"
# magic, documents, passages, dimension, fingerprint; then the offsets of each document's
# passages (documents + 1 int32), their ranges (passages x 2 int32), their vectors (float16:
# only compared to pick a document's best passage, at half the size).
_PASSAGES_HEADER = struct.Struct("<4sIII32s")


@dataclass(frozen=True)
class SegmentPassages:
    """A segment's passages: document ``d``'s are rows ``offsets[d]:offsets[d + 1]``."""

    fingerprint: str
    offsets: np.ndarray
    spans: np.ndarray
    vectors: np.ndarray

    def of(self, docnum: int) -> tuple[np.ndarray, np.ndarray]:
        """(ranges, vectors) of the passages of the segment's document ``docnum``."""
        first, last = int(self.offsets[docnum]), int(self.offsets[docnum + 1])
        return self.spans[first:last], self.vectors[first:last]


def write_vectors(segment, storage, vectors: np.ndarray, fingerprint: str) -> None:
    """Write ``vectors`` (rows aligned with the segment's docnums) as the segment's file."""
    rows, dimension = vectors.shape
    handle = segment.create_file(storage, EXTENSION)
    try:
        handle.write(_HEADER.pack(MAGIC, rows, dimension, fingerprint.encode("ascii")))
        handle.write(np.ascontiguousarray(vectors, dtype="<f4").tobytes())
    finally:
        handle.close()


def read_vectors(segment, storage) -> tuple[str, np.ndarray] | None:
    """(fingerprint, vectors) of a segment, or None if it has none. ``storage`` is the one its
    reader opens files from (Whoosh's segment reader's, which sees inside a compound file)."""
    name, data = _segment_file(segment, storage, EXTENSION)
    if data is None:
        return None
    magic, rows, dimension, fingerprint = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError(f"{name} is not a vectors file")
    vectors = np.frombuffer(data, dtype="<f4", count=rows * dimension, offset=_HEADER.size)
    return fingerprint.decode("ascii"), vectors.reshape(rows, dimension)


def write_passages(segment, storage, passages: SegmentPassages) -> None:
    """Write a segment's passages file."""
    documents, count = len(passages.offsets) - 1, len(passages.spans)
    dimension = passages.vectors.shape[1]
    handle = segment.create_file(storage, PASSAGES_EXTENSION)
    try:
        header = (documents, count, dimension, passages.fingerprint.encode("ascii"))
        handle.write(_PASSAGES_HEADER.pack(PASSAGES_MAGIC, *header))
        handle.write(np.ascontiguousarray(passages.offsets, dtype="<i4").tobytes())
        handle.write(np.ascontiguousarray(passages.spans, dtype="<i4").tobytes())
        handle.write(np.ascontiguousarray(passages.vectors, dtype="<f2").tobytes())
    finally:
        handle.close()


def read_passages(segment, storage) -> SegmentPassages | None:
    """A segment's passages, or None if it has none (``storage`` as for ``read_vectors``)."""
    name, data = _segment_file(segment, storage, PASSAGES_EXTENSION)
    if data is None:
        return None
    magic, documents, count, dimension, fingerprint = _PASSAGES_HEADER.unpack_from(data)
    if magic != PASSAGES_MAGIC:
        raise ValueError(f"{name} is not a passages file")
    at = _PASSAGES_HEADER.size
    offsets = np.frombuffer(data, dtype="<i4", count=documents + 1, offset=at)
    at += offsets.nbytes
    spans = np.frombuffer(data, dtype="<i4", count=count * 2, offset=at).reshape(count, 2)
    at += spans.nbytes
    vectors = np.frombuffer(data, dtype="<f2", count=count * dimension, offset=at)
    return SegmentPassages(
        fingerprint.decode("ascii"), offsets, spans, vectors.reshape(count, dimension)
    )


def _segment_file(segment, storage, extension: str) -> tuple[str, bytes | None]:
    """The name of the segment's file with ``extension``, and its bytes (None if missing)."""
    name = segment.make_filename(extension)
    if not storage.file_exists(name):
        return name, None
    handle = storage.open_file(name)
    try:
        return name, handle.read()
    finally:
        handle.close()
