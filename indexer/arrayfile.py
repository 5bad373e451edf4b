"""Files of numpy arrays with a directory at the end: how ``ColumnCodec`` segments store their
postings and term tables.

A file starts with a magic number, holds arrays one after another (each in the narrowest
unsigned type that fits its values, little-endian) and ends with a pickled directory (anything
that names where each array is) followed by the directory's offset.
"""

from __future__ import annotations

import io
import mmap
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
        self._map: tuple[mmap.mmap, int] | bool | None = None  # made on first view()

    def read(self, place: Place, first: int = 0, count: int | None = None) -> np.ndarray:
        """Values ``first`` to ``first + count`` of the array at ``place`` (all by default)."""
        offset, dtype, length = place
        count = length - first if count is None else count
        size = np.dtype(dtype).itemsize
        return np.frombuffer(self._file.get(offset + first * size, count * size), dtype=dtype)

    def view(self, place: Place, first: int = 0, count: int | None = None) -> np.ndarray:
        """``read`` without a copy or a system call, from a read-only map of the file: for
        values used at once (a view kept alive would keep the map after ``close``).

        Only the pages read count in the process's memory; Whoosh's own maps copied the whole
        file (see ``indexer.index``), which is why readers do not use them.
        """
        mapped = self._mapped()
        if mapped is None:
            return self.read(place, first, count)
        buffer, base = mapped
        offset, dtype, length = place
        count = length - first if count is None else count
        size = np.dtype(dtype).itemsize
        return np.frombuffer(buffer, dtype=dtype, count=count, offset=base + offset + first * size)

    def _mapped(self) -> tuple[mmap.mmap, int] | None:
        if self._map is None:
            self._map = _map(self._file) or False
        return self._map or None

    def close(self) -> None:
        """Drop the map (the file itself belongs to whoever opened it)."""
        if self._map:
            try:
                self._map[0].close()
            except BufferError:
                pass  # a view is still alive: the map goes when it does
        self._map = False

    def read_bytes(self, place: Place) -> bytes:
        """The raw bytes at ``place``."""
        offset, _, length = place
        return self._file.get(offset, length)


def _map(file) -> tuple[mmap.mmap, int] | None:
    """A read-only map of the operating-system file under a Whoosh ``StructFile`` and where
    the ``StructFile`` starts in it (a compound segment's part starts at an offset); None when
    there is no such file (a file in memory)."""
    inner, base = getattr(file, "file", None), 0
    if isinstance(inner, SubFile):
        inner, base = inner._file, inner._offset
    try:
        return mmap.mmap(inner.fileno(), 0, access=mmap.ACCESS_READ), base
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
