"""A segment's vectors: one float32 row per document of the segment, in docnum order.

The file ``<segment>.vec`` sits with the segment's other files (inside its compound file when
Whoosh assembles one), so it is written, fsynced, merged and deleted with the segment. Its
header names the embedder's fingerprint: vectors of another embedder are never compared with
this one's. A row of zeros is a document without a vector (it came from a segment without).
"""

from __future__ import annotations

import struct

import numpy as np

EXTENSION = ".vec"
MAGIC = b"VSV1"
_HEADER = struct.Struct("<4sII32s")  # magic, rows, dimension, fingerprint (hex)


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
    name = segment.make_filename(EXTENSION)
    if not storage.file_exists(name):
        return None
    handle = storage.open_file(name)
    try:
        data = handle.read()
    finally:
        handle.close()
    magic, rows, dimension, fingerprint = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError(f"{name} is not a vectors file")
    vectors = np.frombuffer(data, dtype="<f4", count=rows * dimension, offset=_HEADER.size)
    return fingerprint.decode("ascii"), vectors.reshape(rows, dimension)
