"""Posting lists and term tables as arrays: a Whoosh codec numpy reads without decoding.

Whoosh's W3 codec writes every term's postings as pickled blocks (ids, weights and each
posting's positions pickled again), zlib-compressed, and its term table as a hash table of
records. Unpickling and inflating blocks was most of a query's matching time, the writer paid
several Python calls per posting, and on news articles a posting took about 20 bytes (15 for a
syllable pair) and a term 83. ``ArrayCodec`` keeps W3's stored fields and per-document
columns and writes, for each field, in term order:

- in ``.pst``, three arrays: each posting's document (``docs``) and frequency (``freqs``, its
  weight: fields have boost 1), and for fields with positions each posting's positions,
  posting after posting (``positions``);
- in ``.trm``, the sorted terms and their statistics (``indexer.codec.terms``).

A term's postings start where the previous term's end, so the term table's document
frequencies say where each term's postings are. Every part of Whoosh reads these segments
through ``ArrayTermsReader`` and ``ArrayMatcher``, which give Whoosh's own values; the
ranking in ``indexer.searching.rank`` reads the arrays directly (``ArrayTermsReader.arrays``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from whoosh import formats
from whoosh.codec import base
from whoosh.codec.whoosh3 import W3Codec
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.system import pack_uint

from indexer.codec import arrays as arrayfile
from indexer.codec.merge import FieldSource
from indexer.codec.terms import FieldTerms, TermTable, term_statistics, write_term_table

MAGIC = b"VSC1"
SUPPORTED_FORMATS = (formats.Existence, formats.Frequency, formats.Positions)
# Positions up to this many apart are read at once by ``positions_in`` (at most 32 KB).
_ONE_READ = 8192


class ArrayCodec(W3Codec):
    """Whoosh's W3 codec with postings and term tables stored as arrays (see the module)."""

    def field_writer(self, storage, segment):
        return ArrayFieldWriter(storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        raise TypeError("ArrayCodec postings are written whole (ArrayFieldWriter)")

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        raise TypeError("ArrayCodec postings are read through ArrayTermsReader")

    def terms_reader(self, storage, segment):
        terms_name = segment.make_filename(self.TERMS_EXT)
        postings_name = segment.make_filename(self.POSTS_EXT)
        return ArrayTermsReader(
            TermTable(storage.open_file(terms_name), storage.file_length(terms_name)),
            segment.open_file(storage, self.POSTS_EXT),
            storage.file_length(postings_name),
        )


def uses_array_codec(reader) -> bool:
    """Whether a segment reader's postings are arrays (``ArrayCodec``)."""
    return isinstance(reader.codec(), ArrayCodec)


def terms_reader(reader) -> ArrayTermsReader:
    """The ``ArrayTermsReader`` of a segment reader whose postings are arrays.

    Whoosh keeps a segment's terms reader in a private attribute; this is the one place that
    reaches it, for the numpy paths (ranking, hit marks, merges) that read the arrays directly.
    """
    terms = reader._terms
    if not isinstance(terms, ArrayTermsReader):
        raise TypeError(f"{reader!r} does not use the array codec")
    return terms


# --- writing ---------------------------------------------------------------------------------


class ArrayFieldWriter(base.FieldWriter):
    """Writes a segment's postings a whole field at a time (``write_field``)."""

    def __init__(self, storage, segment):
        self._terms_file = segment.create_file(storage, W3Codec.TERMS_EXT)
        self._postings_file = segment.create_file(storage, W3Codec.POSTS_EXT)
        arrayfile.start(self._postings_file, MAGIC)
        self._directory: dict[str, dict] = {}
        self._terms: dict[str, tuple[bytes, np.ndarray, dict]] = {}
        self.is_closed = False

    def write_field(
        self,
        fieldname: str,
        blob: bytes,
        term_ends: np.ndarray,
        docs: np.ndarray,
        freqs: np.ndarray,
        term_starts: np.ndarray,
        positions: np.ndarray | None,
        length_codes: np.ndarray,
    ) -> None:
        """Write one field's postings.

        Term ``i`` is ``blob[term_ends[i]:term_ends[i + 1]]``, in sorted order; its postings
        are ``docs[term_starts[i]:term_starts[i + 1]]`` (documents ascending) with ``freqs``;
        ``positions`` holds each posting's ``freq`` positions, posting after posting (None for
        fields without); ``length_codes`` is every document's byte-coded length of the field
        (0: none).
        """
        file = self._postings_file
        places = {"docs": arrayfile.write_array(file, docs)}
        places["freqs"] = arrayfile.write_array(file, freqs)
        if positions is not None:
            places["positions"] = arrayfile.write_array(file, positions)
        self._directory[fieldname] = places
        statistics = term_statistics(docs, freqs, term_starts, length_codes)
        self._terms[fieldname] = (blob, term_ends, statistics)

    def close(self):
        arrayfile.finish(self._postings_file, self._directory)
        write_term_table(self._terms_file, self._terms)
        self._postings_file.close()
        self._terms_file.close()
        self.is_closed = True

    def add_postings(self, schema, lengths, items):
        raise TypeError("ArrayCodec postings are written whole (write_field)")


# --- reading ---------------------------------------------------------------------------------


class ArrayTermsReader(base.TermsReader):
    """A segment's terms and postings, for Whoosh and for ``indexer.searching.rank``."""

    def __init__(self, table: TermTable, postfile, postings_length: int):
        self._table = table
        self._postfile = postfile
        self._postings = arrayfile.ArrayReader(postfile, postings_length, MAGIC)

    def _find(self, fieldname: str, tbytes: bytes) -> tuple[FieldTerms, int] | None:
        terms = self._table.field(fieldname)
        if terms is None:
            return None
        index = terms.find(tbytes)
        return None if index is None else (terms, index)

    def whole_field(self, fieldname: str, renumber: np.ndarray) -> FieldSource:
        """All the postings of ``fieldname``, read whole, their documents renumbered
        (``renumber[old]``, -1 for a deleted one): what a merge takes."""
        table = self._table.field(fieldname)
        places = self._postings.directory[fieldname]
        read = self._postings.read
        positions = read(places["positions"]).copy() if "positions" in places else None
        return FieldSource(
            blob=table.blob,
            term_ends=table.ends,
            posting_starts=table.posting_starts,
            docs=renumber[read(places["docs"])],
            freqs=read(places["freqs"]).copy(),
            positions=positions,
        )

    def arrays(self, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's postings, deleted documents included: (documents, frequencies), or None
        when the segment does not hold the term."""
        found = self._find(fieldname, tbytes)
        return None if found is None else self._postings_of(fieldname, *found)

    def occurrences(
        self, fieldname: str, tbytes: bytes
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``arrays`` and the postings' positions, posting after posting (fields with
        positions), or None when the segment does not hold the term."""
        found = self._find(fieldname, tbytes)
        if found is None or "positions" not in self._postings.directory[fieldname]:
            return None
        return (*self._postings_of(fieldname, *found), self._positions_of(fieldname, *found))

    def positions_in(self, fieldname: str, tbytes: bytes, docnums: np.ndarray) -> list:
        """For each of ``docnums`` (this segment's), the term's positions in that document as
        a list, or None where the document does not hold the term (or the field has no
        positions). Reads the term's documents, then frequencies up to the last one asked for
        and the found documents' positions (``_read_ranges``), with ``pread``."""
        found = self._find(fieldname, tbytes)
        places = self._postings.directory.get(fieldname, {})
        if found is None or "positions" not in places:
            return [None] * len(docnums)
        terms, index = found
        first, count = _posting_range(terms, index)
        read = self._postings.pread
        docs = read(places["docs"], first, count)
        if len(docnums) and int(docnums.max()) < 1 << (8 * docs.dtype.itemsize):
            # In the stored type: searchsorted would otherwise convert every posting.
            docnums = docnums.astype(docs.dtype)
        at = np.searchsorted(docs, docnums)
        held = at < len(docs)
        held[held] = docs[at[held]] == docnums[held]
        if not held.any():
            return [None] * len(docnums)
        counts = read(places["freqs"], first, int(at[held].max()) + 1)
        ends = np.cumsum(counts, dtype=np.int64) + int(terms.position_starts[index])
        starts = ends - counts
        wanted = at[held].tolist()
        ranges = zip(starts[wanted].tolist(), ends[wanted].tolist(), strict=True)
        values = _read_ranges(read, places["positions"], dict(zip(wanted, ranges, strict=True)))
        asked = zip(at.tolist(), held.tolist(), strict=True)
        return [values[i].tolist() if present else None for i, present in asked]

    def _postings_of(self, fieldname: str, terms: FieldTerms, index: int):
        first, count = _posting_range(terms, index)
        places, read = self._postings.directory[fieldname], self._postings.read
        return read(places["docs"], first, count), read(places["freqs"], first, count)

    def _positions_of(self, fieldname: str, terms: FieldTerms, index: int) -> np.ndarray:
        first = int(terms.position_starts[index])
        count = int(terms.position_starts[index + 1]) - first
        return self._postings.read(self._postings.directory[fieldname]["positions"], first, count)

    def __contains__(self, term):
        return self._find(*term) is not None

    def indexed_field_names(self):
        return self._table.field_names

    def terms(self):
        return self._terms_after(self._table.field_names[0], b"") if self._table.field_names else ()

    def terms_from(self, fieldname, prefix):
        return self._terms_after(fieldname, prefix)

    def _terms_after(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        """Every (field, term) from ``prefix`` in ``fieldname`` on, fields in name order."""
        for name in self._table.field_names:
            if name < fieldname:
                continue
            terms = self._table.field(name)
            first = terms.lower_bound(prefix) if name == fieldname else 0
            for term in terms.terms_from(first):
                yield name, term

    def items(self):
        return ((term, self.term_info(*term)) for term in self.terms())

    def items_from(self, fieldname, prefix):
        return ((term, self.term_info(*term)) for term in self.terms_from(fieldname, prefix))

    def term_info(self, fieldname, tbytes):
        found = self._find(fieldname, tbytes)
        if found is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        terms, index = found
        entry = terms.entry(index)
        docs = self._postings.directory[fieldname]["docs"]
        first = int(self._postings.read(docs, entry.posting_start, 1)[0])
        last = int(self._postings.read(docs, entry.posting_start + entry.df - 1, 1)[0])
        return entry.term_info(first, last)

    def frequency(self, fieldname, tbytes):
        return float(self._statistic(fieldname, tbytes, "total"))

    def doc_frequency(self, fieldname, tbytes):
        return self._statistic(fieldname, tbytes, "df")

    def prefixed(self, fieldname: str, prefix: bytes, limit: int) -> tuple[list[bytes], np.ndarray]:
        """The first ``limit`` terms of ``fieldname`` that start with ``prefix``, in order, and
        how many documents of this segment hold each (deleted ones included): one slice of the
        sorted table, where ``expand_prefix`` and ``doc_frequency`` cost a Python call a term."""
        table = self._table.field(fieldname)
        if table is None:
            return [], np.zeros(0, dtype=np.int64)
        first = table.lower_bound(prefix)
        # No UTF-8 byte is 0xff: every term that starts with the prefix sorts before this.
        last = min(table.lower_bound(prefix + b"\xff"), first + limit)
        terms = [table.term(index) for index in range(first, last)]
        return terms, table.statistics["df"][first:last].astype(np.int64)

    def doc_frequencies(self, fieldname: str, terms: Sequence[bytes]) -> np.ndarray:
        """How many documents of this segment hold each of ``terms`` in ``fieldname`` (deleted
        ones included, as ``doc_frequency``), 0 for a term it lacks: one vectorised look-up
        for all of them, where ``doc_frequency`` costs a Python call and a search each."""
        table = self._table.field(fieldname)
        if table is None:
            return np.zeros(len(terms), dtype=np.int64)
        indexes = table.find_many(terms)
        held = indexes >= 0
        found = np.zeros(len(terms), dtype=np.int64)
        found[held] = table.statistics["df"][indexes[held]]
        return found

    def _statistic(self, fieldname: str, tbytes: bytes, name: str) -> int:
        found = self._find(fieldname, tbytes)
        if found is None:
            raise KeyError((fieldname, tbytes))  # Whoosh's reader answers 0 for it
        terms, index = found
        return int(terms.statistics[name][index])

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        found = self._find(fieldname, tbytes)
        if found is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        terms, index = found
        docs, freqs = self._postings_of(fieldname, terms, index)
        info = terms.entry(index).term_info(int(docs[0]), int(docs[-1]))
        positions = None
        if "positions" in self._postings.directory[fieldname]:
            positions = self._positions_of(fieldname, terms, index)
        return ArrayMatcher(
            docs.tolist(),
            freqs.tolist(),
            format_,
            scorer=scorer,
            term=(fieldname, tbytes),
            terminfo=info,
            positions=positions,
        )

    def cursor(self, fieldname, fieldobj):
        return ArrayFieldCursor(self, fieldname, fieldobj)

    def close(self):
        self._table.close()
        self._postfile.close()


def _read_ranges(read, place, ranges: dict) -> dict:
    """The values in each ``(start, stop)`` range of ``ranges`` (key -> range) of the array at
    ``place``, ranges lying close together read at once (at most ``_ONE_READ`` values apart):
    a system call costs more than the few kilobytes between them."""
    values, ordered = {}, sorted(ranges.items(), key=lambda item: item[1])
    first = 0
    while first < len(ordered):
        low, high = ordered[first][1]
        last = first + 1
        while last < len(ordered) and max(high, ordered[last][1][1]) - low <= _ONE_READ:
            high = max(high, ordered[last][1][1])
            last += 1
        block = read(place, low, high - low)
        for key, (start, stop) in ordered[first:last]:
            values[key] = block[start - low : stop - low]
        first = last
    return values


def _posting_range(terms: FieldTerms, index: int) -> tuple[int, int]:
    """Where the postings of a field's term ``index`` start in its arrays, and how many."""
    first = int(terms.posting_starts[index])
    return first, int(terms.posting_starts[index + 1]) - first


class ArrayFieldCursor(base.FieldCursor):
    """Walks one field's terms in order (what Whoosh's ``terms_within`` uses)."""

    def __init__(self, terms_reader: ArrayTermsReader, fieldname: str, fieldobj):
        self._reader, self._fieldname, self._fieldobj = terms_reader, fieldname, fieldobj
        self._terms = terms_reader._table.field(fieldname)
        self._index = 0

    def first(self):
        self._index = 0
        return self.text()

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        self._index = self._terms.lower_bound(term) if self._terms else 0
        return self.text()

    def next(self):
        self._index += 1
        return self.text()

    def is_valid(self):
        return self._terms is not None and self._index < self._terms.count

    def text(self):
        if not self.is_valid():
            return None
        return self._fieldobj.from_bytes(self._terms.term(self._index))

    def term_info(self):
        if not self.is_valid():
            return None
        return self._reader.term_info(self._fieldname, self._terms.term(self._index))


class ArrayMatcher(ListMatcher):
    """A term's postings from the arrays, with values in Whoosh's encoding for its format."""

    def __init__(
        self,
        ids,
        freqs,
        format_,
        scorer=None,
        position=0,
        term=None,
        terminfo=None,
        positions=None,
    ):
        boost = format_.field_boost
        if isinstance(format_, (formats.Frequency, formats.Positions)):
            weights = [f * boost for f in freqs]
        else:
            weights = [boost] * len(ids)
        super().__init__(
            ids,
            weights,
            None,
            format_,
            scorer=scorer,
            position=position,
            term=term,
            terminfo=terminfo,
        )
        self._freqs = freqs
        self._positions = positions
        self._position_starts = None

    def copy(self):
        return ArrayMatcher(
            self._ids,
            self._freqs,
            self._format,
            self._scorer,
            self._i,
            self._term,
            self._terminfo,
            self._positions,
        )

    def _current_positions(self) -> list[int]:
        if self._position_starts is None:
            self._position_starts = np.concatenate(([0], np.cumsum(self._freqs)))
        first = self._position_starts[self._i]
        return self._positions[first : first + self._freqs[self._i]].tolist()

    def value(self):
        fmt = self._format
        if isinstance(fmt, formats.Positions):
            return fmt.encode(self._current_positions())
        if isinstance(fmt, formats.Frequency):
            return pack_uint(self._freqs[self._i])
        return b""

    def value_as(self, astype):
        if astype == "positions" and self._positions is not None:
            return self._current_positions()
        return super().value_as(astype)
