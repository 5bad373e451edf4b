"""Files of numpy arrays with a directory at the end: how ``ArrayCodec`` segments store their
postings and term tables.

A file starts with a magic number, holds arrays one after another (each in the narrowest
unsigned type that fits its values, little-endian) and ends with a pickled directory (anything
that names where each array is) followed by the directory's offset.
"""

from __future__ import annotations

import io
import os
import pickle
import struct

import numpy as np
from whoosh.filedb.compound import SubFile

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
        self._real_file: tuple[object, int] | bool | None = None  # found on first pread()

    def read(self, place: Place, first: int = 0, count: int | None = None) -> np.ndarray:
        """Values ``first`` to ``first + count`` of the array at ``place`` (all by default)."""
        position, size, dtype = _byte_range(place, first, count)
        return np.frombuffer(self._file.get(position, size), dtype=dtype)

    def pread(self, place: Place, first: int = 0, count: int | None = None) -> np.ndarray:
        """``read`` in one system call (``os.pread``: no seek, so threads may share the file).

        For the few small reads of a search's hits, where ``read``'s seek and buffered read
        through Whoosh's file objects cost several times the read. Not a memory map: a map's
        pages count in the process's memory (the kernel maps 64 KB around every page read, so
        binary searches over posting lists mapped ~110 MB a worker in 600 queries).
        """
        if self._real_file is None:
            self._real_file = _real_file(self._file) or False
        if not self._real_file:
            return self.read(place, first, count)
        # The descriptor is asked for at every read, not kept: once the file is closed its
        # number may belong to another file, and fileno() raises instead of reading that.
        opened, base = self._real_file
        position, size, dtype = _byte_range(place, first, count)
        return np.frombuffer(os.pread(opened.fileno(), size, base + position), dtype=dtype)

    def read_bytes(self, place: Place) -> bytes:
        """The raw bytes at ``place``."""
        offset, _, length = place
        return self._file.get(offset, length)


def _byte_range(place: Place, first: int, count: int | None) -> tuple[int, int, str]:
    """Where values ``first`` to ``first + count`` of the array at ``place`` are in the file
    (all from ``first`` when ``count`` is None): (position, number of bytes, numpy type)."""
    offset, dtype, length = place
    count = length - first if count is None else count
    itemsize = np.dtype(dtype).itemsize
    return offset + first * itemsize, count * itemsize, dtype


def _real_file(file) -> tuple[object, int] | None:
    """The operating-system file under a Whoosh ``StructFile`` and where the ``StructFile``
    starts in it (a compound segment's part starts at an offset); None when there is no such
    file (a file in memory)."""
    inner, base = getattr(file, "file", None), 0
    if isinstance(inner, SubFile):
        inner, base = inner._file, inner._offset
    try:
        inner.fileno()
        return inner, base
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
