"""Files of numpy arrays with a directory at the end: how ``ColumnCodec`` segments store their
postings and term tables.

A file starts with a magic number, holds arrays one after another (each in the narrowest
unsigned type that fits its values, little-endian) and ends with a pickled directory (anything
that names where each array is) followed by the directory's offset.
"""

from __future__ import annotations

import pickle
import struct

import numpy as np

_TRAILER = struct.Struct("!q")

# Where one array is: (offset in the file, numpy type, number of values).
Place = tuple[int, str, int]


def start(file, magic: bytes) -> None:
    """Begin a new file of arrays."""
    file.write(magic)


def write_array(file, values: np.ndarray, dtype: str | None = None) -> Place:
    """Append ``values`` (unsigned integers, in the narrowest type unless ``dtype`` is given)."""
    if dtype is None:
        top = int(values.max()) if len(values) else 0
        dtype = "<u1" if top < 1 << 8 else "<u2" if top < 1 << 16 else "<u4"
        if top >= 1 << 32:
            dtype = "<u8"
    offset = file.tell()
    file.write(np.ascontiguousarray(values, dtype=dtype).tobytes())
    return offset, dtype, len(values)


def write_bytes(file, data: bytes) -> Place:
    """Append raw bytes, as an array of ``u1``."""
    offset = file.tell()
    file.write(data)
    return offset, "<u1", len(data)


def finish(file, directory) -> None:
    """End the file with its directory."""
    offset = file.tell()
    file.write(pickle.dumps(directory, 2))
    file.write(_TRAILER.pack(offset))


class ArrayReader:
    """Reads the arrays of one file (a Whoosh ``StructFile``) of ``length`` bytes."""

    def __init__(self, file, length: int, magic: bytes):
        if file.get(0, len(magic)) != magic:
            raise ValueError(f"not a {magic!r} file of arrays")
        (offset,) = _TRAILER.unpack(file.get(length - _TRAILER.size, _TRAILER.size))
        self.directory = pickle.loads(file.get(offset, length - _TRAILER.size - offset))
        self._file = file

    def read(self, place: Place, first: int = 0, count: int | None = None) -> np.ndarray:
        """Values ``first`` to ``first + count`` of the array at ``place`` (all by default)."""
        offset, dtype, length = place
        count = length - first if count is None else count
        size = np.dtype(dtype).itemsize
        return np.frombuffer(self._file.get(offset + first * size, count * size), dtype=dtype)

    def read_bytes(self, place: Place) -> bytes:
        """The raw bytes at ``place``."""
        offset, _, length = place
        return self._file.get(offset, length)
