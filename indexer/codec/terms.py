"""The term table of ``ArrayCodec`` segments: each field's sorted terms and statistics as arrays.

Whoosh's W3 term table is a hash table of records, about 83 bytes a term on news articles, as
much as the postings once those became arrays. Here a field's terms are one sorted blob of
bytes with their end offsets, and each statistic is an array in term order: some 20 bytes a
term. A term's postings start where the previous terms' postings end, so their places are
sums of the document frequencies and need no storing.

Lookups run on the first eight bytes of every term read as one big-endian number (sorted like
the terms themselves): ``numpy.searchsorted`` narrows to the few terms sharing those bytes,
which are compared whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.util.numeric import byte_to_length

from indexer.codec import arrays as arrayfile

MAGIC = b"VST1"
# Per term: documents holding it; its occurrences (its weight, fields having boost 1, and the
# number of its positions); its largest frequency in one document; the byte-coded lengths of
# the shortest and longest of those documents (0: no length).
STATISTICS = ("df", "total", "most", "shortest", "longest")


def term_statistics(
    docs: np.ndarray, freqs: np.ndarray, term_starts: np.ndarray, length_codes: np.ndarray
) -> dict[str, np.ndarray]:
    """Each term's ``STATISTICS``, as Whoosh's writer computes them, from its postings:
    term ``i``'s are ``docs[term_starts[i]:term_starts[i + 1]]`` with ``freqs``."""
    if not len(term_starts):
        return {name: np.zeros(0, dtype=np.uint32) for name in STATISTICS}
    ends = np.append(term_starts[1:], len(docs))
    codes = length_codes[docs].astype(np.uint16)
    # The shortest document with a length: 0 only when none has one.
    shortest = np.minimum.reduceat(np.where(codes == 0, 256, codes), term_starts)
    return {
        "df": ends - term_starts,
        "total": np.add.reduceat(freqs.astype(np.uint64), term_starts),
        "most": np.maximum.reduceat(freqs, term_starts),
        "shortest": np.where(shortest == 256, 0, shortest),
        "longest": np.maximum.reduceat(codes, term_starts),
    }


def write_term_table(file, fields: dict[str, tuple[bytes, np.ndarray, dict]]) -> None:
    """Write every field's sorted terms (one blob, and where each term ends in it, from 0) and
    their statistics."""
    arrayfile.start(file, MAGIC)
    directory = {}
    for name in sorted(fields):
        blob, ends, statistics = fields[name]
        places = {
            "terms": arrayfile.write_bytes(file, blob),
            "lengths": arrayfile.write_array(file, np.diff(ends)),
        }
        for statistic in STATISTICS:
            places[statistic] = arrayfile.write_array(file, statistics[statistic])
        directory[name] = places
    arrayfile.finish(file, directory)


@dataclass
class Entry:
    """One term of a field: where its postings and positions start, and its statistics."""

    index: int
    posting_start: int
    position_start: int
    df: int
    total: int
    most: int
    shortest: int
    longest: int

    def term_info(self, first_doc: int, last_doc: int) -> W3TermInfo:
        """Whoosh's term info for this term (weights are frequencies: fields have boost 1)."""
        info = W3TermInfo()
        info._weight = float(self.total)
        info._df = self.df
        info._minlength = byte_to_length(self.shortest)
        info._maxlength = byte_to_length(self.longest)
        info._maxweight = float(self.most)
        info._minid, info._maxid = first_doc, last_doc
        info._offset, info._length = self.posting_start, self.position_start
        return info


TERMS_CHUNK = 256
FEW_TERMS = 8  # up to this many, ``find_many`` looks terms up one by one


class FieldTerms:
    """One field's terms, loaded into memory."""

    def __init__(self, reader: arrayfile.ArrayReader, places: dict):
        self.blob = reader.read_bytes(places["terms"])
        self.ends = _offsets(reader.read(places["lengths"]))
        self.count = len(self.ends) - 1
        self.statistics = {name: reader.read(places[name]) for name in STATISTICS}
        self.posting_starts = _offsets(self.statistics["df"])
        self.position_starts = _offsets(self.statistics["total"])
        self.prefixes = prefix_numbers(self.blob, self.ends)[:, 0].copy()

    def term(self, index: int) -> bytes:
        """The term at ``index`` (in sorted order)."""
        return self.blob[self.ends[index] : self.ends[index + 1]]

    def find(self, term: bytes) -> int | None:
        """The index of ``term``, or None."""
        index = self.lower_bound(term)
        if index < self.count and self.term(index) == term:
            return index
        return None

    def find_many(self, terms: Sequence[bytes]) -> np.ndarray:
        """The index of each of ``terms``, -1 for those the field does not hold: one
        ``searchsorted`` for all; only terms longer than eight bytes are compared one by one
        (and a batch of ``FEW_TERMS`` or fewer, where a search each is cheaper)."""
        found = np.full(len(terms), -1, dtype=np.int64)
        if not terms or not self.count:
            return found
        if len(terms) <= FEW_TERMS:  # the arrays' set-up costs ~50 µs, a search ~3
            found[:] = [-1 if (index := self.find(term)) is None else index for term in terms]
            return found
        lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        ends = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(lengths, out=ends[1:])
        prefixes = prefix_numbers(b"".join(terms), ends)[:, 0]
        low = np.searchsorted(self.prefixes, prefixes, "left")
        held = low < self.count
        held[held] &= self.prefixes[low[held]] == prefixes[held]
        # A term of at most eight bytes is the first of those sharing its prefix, when held.
        at = np.minimum(low, self.count - 1)
        short = held & (lengths <= 8)
        same_length = (self.ends[at + 1].astype(np.int64) - self.ends[at]) == lengths
        found[short & same_length] = low[short & same_length]
        for i in np.flatnonzero(held & (lengths > 8)).tolist():
            index = self.find(terms[i])
            found[i] = -1 if index is None else index
        return found

    def lower_bound(self, term: bytes) -> int:
        """The index of the first term not less than ``term``."""
        prefix = _prefix(term)
        # The array's own method: np.searchsorted's dispatch cost more than the search, and a
        # search looks up dozens of terms.
        low = int(self.prefixes.searchsorted(prefix, "left"))
        high = int(self.prefixes.searchsorted(prefix, "right"))
        while low < high:  # the few terms that start with the same eight bytes
            middle = (low + high) // 2
            if self.term(middle) < term:
                low = middle + 1
            else:
                high = middle
        return low

    def entry(self, index: int) -> Entry:
        """The postings' places and the statistics of the term at ``index``."""
        stats = self.statistics
        return Entry(
            index,
            int(self.posting_starts[index]),
            int(self.position_starts[index]),
            int(stats["df"][index]),
            int(stats["total"][index]),
            int(stats["most"][index]),
            int(stats["shortest"][index]),
            int(stats["longest"][index]),
        )

    def terms_from(self, index: int) -> Iterator[bytes]:
        """The terms from ``index`` on, in order."""
        # A chunk of offsets at a time: a prefix's terms are most often read only until the
        # prefix ends, and the offsets of a whole field as a list cost ~1 ms each time.
        blob = self.blob
        for first in range(index, self.count, TERMS_CHUNK):
            ends = self.ends[first : min(first + TERMS_CHUNK, self.count) + 1].tolist()
            for start, end in zip(ends, ends[1:], strict=False):
                yield blob[start:end]


class TermTable:
    """The term table of one segment (a Whoosh ``StructFile`` of ``length`` bytes); fields are
    loaded when first used."""

    def __init__(self, file, length: int):
        self._file = file
        self._reader = arrayfile.ArrayReader(file, length, MAGIC)
        self._fields: dict[str, FieldTerms] = {}
        self.field_names = sorted(self._reader.directory)

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def field(self, name: str) -> FieldTerms | None:
        """The terms of field ``name``, or None when the segment indexes none."""
        terms = self._fields.get(name)
        if terms is None and name in self._reader.directory:
            terms = self._fields[name] = FieldTerms(self._reader, self._reader.directory[name])
        return terms


def _prefix(term: bytes) -> np.uint64:
    return np.uint64(int.from_bytes(term[:8].ljust(8, b"\0"), "big"))


def _offsets(counts: np.ndarray) -> np.ndarray:
    """Running totals from 0 (one longer than ``counts``), in the narrowest type that holds them:
    a field's terms, postings and positions each start where the previous ones ended."""
    total = int(counts.sum(dtype=np.uint64)) if len(counts) else 0
    dtype = np.uint32 if total < 1 << 32 else np.uint64
    offsets = np.zeros(len(counts) + 1, dtype=dtype)
    np.cumsum(counts, dtype=dtype, out=offsets[1:])
    return offsets


def prefix_numbers(blob: bytes, ends: np.ndarray, words: int = 1, chunk: int = 1 << 16):
    """The first ``8 * words`` bytes of every term (zero-padded) as ``words`` big-endian
    numbers a term, which sort as the terms do (term ``i`` is ``blob[ends[i]:ends[i + 1]]``)."""
    width = 8 * words
    count = len(ends) - 1
    data = np.frombuffer(blob + b"\0" * width, dtype=np.uint8)
    numbers = np.zeros((count, words), dtype=np.uint64)
    for first in range(0, count, chunk):  # chunks: the byte indexes of a chunk at once
        last = min(first + chunk, count)
        starts = ends[first:last].astype(np.int64)
        stops = ends[first + 1 : last + 1].astype(np.int64)
        at = starts[:, None] + np.arange(width)
        kept = np.where(at < stops[:, None], data[at], 0).astype(np.uint8)
        numbers[first:last] = kept.view(">u8").astype(np.uint64)
    return numbers
