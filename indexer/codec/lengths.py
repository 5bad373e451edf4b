"""Field lengths read in one go instead of one file read per posting.

Whoosh stores each document's length of a field as one byte in a column. Its writer looks a
length up for every posting it writes (``FieldWriter.add_postings``), and without memory maps
each lookup is a file read: 11% of a build's time on news articles. The column is as many bytes
as the segment has documents, so reading it whole costs one read.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter


def length_codes(perdoc, fieldname: str) -> bytes | None:
    """The byte-coded length of ``fieldname`` for every document of a segment (0 for none;
    documents past the end have none), or None when the field has no lengths."""
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    return column._dbfile.get(column._basepos, column._count)


class PreloadedLengths:
    """A per-document reader whose ``doc_field_length`` answers from whole columns."""

    def __init__(self, perdoc):
        self._perdoc = perdoc
        self._codes: dict[str, bytes | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        """As Whoosh's ``W3PerDocReader.doc_field_length``, quirks included (None for 0)."""
        if fieldname not in self._codes:
            self._codes[fieldname] = length_codes(self._perdoc, fieldname)
        codes = self._codes[fieldname]
        if codes is None:
            return default
        code = codes[docnum] if docnum < len(codes) else 0
        if code:
            return byte_to_length(code)
        return None

    def __getattr__(self, name):
        return getattr(self._perdoc, name)


def preload_lengths(writer: SegmentWriter) -> None:
    """Make ``writer`` read its new segment's lengths whole when it writes the postings."""
    original = writer.per_document_reader
    writer.per_document_reader = lambda: PreloadedLengths(original())
