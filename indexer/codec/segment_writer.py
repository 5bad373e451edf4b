"""A Whoosh segment writer that collects a segment's postings in arrays and writes them whole.

Whoosh's ``SegmentWriter`` sends every posting through its sorting pool and
``FieldWriter.add_postings`` (several Python calls each). ``BulkSegmentWriter`` takes documents
whose text fields the analysis already turned into tokens (``add_indexed``), keeps one term
number per token in an array, and when the segment is written sorts them by term with numpy
and writes each field's postings as arrays (``indexer.codec.postings``): the writer's Python work is
per document and per distinct term, not per posting.

Postings that reach Whoosh's pool (segments merged into this commit, ``add_document``) join
the same arrays.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

import numpy as np
from whoosh import formats
from whoosh.writing import SegmentWriter

from indexer.codec.lengths import PreloadedLengths, length_codes
from indexer.codec.merge import FieldSource, joined, merge_fields
from indexer.codec.postings import (
    SUPPORTED_FORMATS,
    ArrayCodec,
    terms_reader,
    uses_array_codec,
)
from indexer.codec.vectors import SegmentVectors


class _FieldPostings:
    """One field's occurrences, as documents add them: a term number for each, in runs of one
    document, with its position in fields that keep positions."""

    __slots__ = ("numbers", "terms", "positions", "run_docs", "run_lengths")

    def __init__(self):
        self.numbers: dict[str | bytes, int] = {}  # term -> its number
        self.terms = array("I")
        self.positions = array("I")
        self.run_docs = array("I")
        self.run_lengths = array("I")

    def add_tokens(self, docnum: int, tokens: list, positional: bool) -> None:
        """A document's tokens, in order (a token's position is its index)."""
        numbers = self.numbers
        for term in set(tokens).difference(numbers):
            numbers[term] = len(numbers)
        self.terms.extend(map(numbers.__getitem__, tokens))
        if positional:
            self.positions.extend(range(len(tokens)))
        self.run_docs.append(docnum)
        self.run_lengths.append(len(tokens))

    def add_posting(self, docnum: int, term: bytes, positions: list[int]) -> None:
        """One posting: ``term`` at ``positions`` (or as often as ``positions`` is long)."""
        number = self.numbers.setdefault(term, len(self.numbers))
        self.terms.extend([number] * len(positions))
        self.positions.extend(positions)
        self.run_docs.append(docnum)
        self.run_lengths.append(len(positions))


class BulkSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with ``add_indexed`` and postings written as arrays (``ArrayCodec``)."""

    def __init__(self, ix, **options):
        # The schema is read once the writer holds the lock: ix.schema reads the table of
        # contents, which another process's commit may be replacing.
        super().__init__(ix, codec=ArrayCodec(), **options)
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                self.cancel()
                raise TypeError("BulkSegmentWriter writes neither term vectors nor spelling words")
            if field.indexed and not _supported(field.format):
                self.cancel()
                raise TypeError(f"BulkSegmentWriter cannot write {name}'s {field.format!r}")
        self._fields: dict[str, _FieldPostings] = {}
        self._merged: list[dict[str, FieldSource]] = []  # segments added, by add_reader
        self._segments_added: list = []
        self._vectors = SegmentVectors()

    def add_segment(self, segment) -> None:
        """Have the commit's table of contents also name ``segment``, a finished segment whose
        files are in the index folder (see ``indexer.store.staging``)."""
        self._check_state()
        self._segments_added.append(segment)

    def _commit_toc(self, segments):
        super()._commit_toc([*segments, *self._segments_added])

    def add_indexed(self, fields: dict) -> None:
        """``add_document(**fields)``, except that ``fields["_indexed"]`` may give text fields as
        their tokens already analysed (``{name: [term, ...]}``, a term per position)."""
        self._check_state()
        indexed = fields.get("_indexed", {})
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        names = sorted({*indexed, *(name for name in fields if not name.startswith("_"))})
        self._check_fields(schema, names)

        perdocwriter.start_doc(docnum)
        for name in names:
            field = schema[name]
            value = fields.get(name)
            length = 0
            if name in indexed:
                length = self._add_tokens(name, field, docnum, indexed[name])
            elif value is None:
                continue
            elif field.indexed:
                length = self._add_items(name, field, docnum, field.index(value))
            stored = fields.get(f"_stored_{name}", value)
            perdocwriter.add_field(name, field, stored if field.stored else None, length)
            column = field.column_type
            if column and stored is not None:
                perdocwriter.add_column_value(name, column, field.to_column_value(stored))
        perdocwriter.finish_doc()
        if "_vector" in fields:
            passages = fields.get("_passages")
            self._vectors.add(docnum, fields["_vector"], fields["_embedder"], passages)
        self._added = True
        self.docnum += 1

    def add_document(self, **fields):
        self.add_indexed(fields)

    def add_reader(self, reader):
        """Add a segment's documents (and their vectors, ``indexer.codec.vectors``)."""
        basedoc = self.docnum
        self._add_reader(reader)
        self._vectors.add_segment(reader, basedoc)

    def _add_reader(self, reader):
        """Add a segment's documents; an ``ArrayCodec`` segment's postings join this writer's
        as arrays (``indexer.codec.merge``), others go through Whoosh's pool."""
        if not uses_array_codec(reader):
            return super().add_reader(reader)
        self._check_state()
        basedoc = self.docnum
        # Whoosh reads a length per document and field, one file read each without this.
        reader._perdoc = PreloadedLengths(reader._perdoc)
        names = {name for name in reader.indexed_field_names() if name in self.schema}
        lengths = self.perdocwriter._fieldlengths
        before = dict(lengths)
        docmap = self.write_per_doc(set(self.schema.names()) | names, reader)
        renumber = np.arange(basedoc, basedoc + reader.doc_count_all(), dtype=np.int64)
        if docmap is None:
            # Whoosh adds each document's length as stored, rounded to a byte; the totals that
            # BM25's average length comes from stay exact when no document was deleted.
            for name in list(lengths):
                lengths[name] = before.get(name, 0) + reader.field_length(name)
        else:  # documents deleted: they take no number
            renumber[:] = -1
            renumber[list(docmap)] = list(docmap.values())
        # The reader is closed once this returns: its postings are read now.
        self._merged.append(
            {name: terms_reader(reader).whole_field(name, renumber) for name in sorted(names)}
        )
        self._added = True

    def _postings(self, name: str) -> _FieldPostings:
        postings = self._fields.get(name)
        if postings is None:
            postings = self._fields[name] = _FieldPostings()
        return postings

    def _add_tokens(self, name: str, field, docnum: int, tokens: list) -> int:
        if not tokens:
            return 0
        self._postings(name).add_tokens(docnum, tokens, _positional(field))
        return len(tokens) if field.scorable else 0

    def _add_items(self, name: str, field, docnum: int, items: Iterable) -> int:
        """Whoosh's ``field.index`` output for one document."""
        postings, length = self._postings(name), 0
        for tbytes, freq, _, vbytes in items:
            postings.add_posting(docnum, tbytes, _positions(field.format, freq, vbytes))
            length += freq
        return length if field.scorable else 0

    def _flush_segment(self):
        self.perdocwriter.close()
        # Merged segments' postings, after this writer's own documents.
        schema = self.schema
        for name, tbytes, docnum, _, vbytes in self.pool.iter_postings():
            if docnum == -1:  # Whoosh's marker for spelling words, which it ignores too
                continue
            fmt = schema[name].format
            self._postings(name).add_posting(
                docnum, tbytes, _positions(fmt, fmt.decode_frequency(vbytes), vbytes)
            )
        perdoc = self.per_document_reader()
        try:
            write_segment_postings(self.fieldwriter, schema, perdoc, self._fields, self._merged)
        finally:
            perdoc.close()
        self._fields.clear()
        self._merged.clear()
        self._vectors.write(self.newsegment, self.storage, self.docnum)
        self.fieldwriter.close()


def _supported(fmt) -> bool:
    return type(fmt) in SUPPORTED_FORMATS and fmt.field_boost == 1.0


def _positional(field) -> bool:
    return isinstance(field.format, formats.Positions)


def _positions(fmt, freq: int, vbytes: bytes) -> list[int]:
    """A posting's positions (positional formats), else ``freq`` placeholders."""
    if isinstance(fmt, formats.Positions):
        return fmt.decode_positions(vbytes)
    if isinstance(fmt, formats.Frequency):
        return [0] * freq
    return [0]


def write_segment_postings(
    fieldwriter, schema, perdoc, fields: dict[str, _FieldPostings], merged: list[dict]
) -> None:
    """Sort every field's occurrences into postings, merge in the postings of segments added
    whole, and write them (``indexer.codec.postings``)."""
    doc_count = perdoc.doc_count_all()
    for name in sorted({*fields, *(name for segment in merged for name in segment)}):
        field = schema[name]
        positional = _positional(field)
        sources = [segment[name] for segment in merged if name in segment]
        if name in fields:
            sources.insert(0, _own_source(fields[name], positional))
        # This writer's own postings alone need no merge (nothing of theirs is deleted).
        out = sources[0] if len(sources) == 1 and name in fields else merge_fields(sources)
        freqs = out.freqs
        if not isinstance(field.format, (formats.Frequency, formats.Positions)):
            freqs = np.ones_like(freqs)  # Existence: a term is in a document or not
        codes = np.frombuffer((length_codes(perdoc, name) or b"").ljust(doc_count, b"\0"), np.uint8)
        fieldwriter.write_field(
            name,
            out.blob,
            out.term_ends,
            out.docs,
            freqs,
            out.posting_starts[:-1],
            out.positions,
            codes,
        )


def _own_source(postings: _FieldPostings, positional: bool) -> FieldSource:
    terms, docs, freqs, starts, positions = _sorted_postings(postings, positional)
    blob, ends = joined(terms)
    return FieldSource(
        blob=blob,
        term_ends=ends,
        posting_starts=np.append(starts, len(docs)),
        docs=docs.astype(np.int64),
        freqs=freqs,
        positions=positions,
    )


def _sorted_postings(postings: _FieldPostings, positional: bool):
    """(terms in order, each posting's document and frequency, where each term's postings
    start, each posting's positions) from a field's occurrences."""
    numbers = postings.numbers
    keys = [term.encode("utf-8") if isinstance(term, str) else term for term in numbers]
    distinct = sorted(set(keys))
    rank_of = {key: rank for rank, key in enumerate(distinct)}
    ranks = np.array([rank_of[key] for key in keys], dtype=np.int64)
    terms = ranks[np.frombuffer(postings.terms, dtype=np.uint32)]
    docs = np.repeat(
        np.frombuffer(postings.run_docs, dtype=np.uint32),
        np.frombuffer(postings.run_lengths, dtype=np.uint32),
    )
    # Documents come in order, so sorting by term alone keeps each term's documents (and each
    # posting's positions) in order; merged segments' postings come after, also in order.
    order = np.argsort(terms, kind="stable")
    sorted_terms, sorted_docs = terms[order], docs[order]
    same_term = sorted_terms[1:] == sorted_terms[:-1]
    if (same_term & (sorted_docs[1:] < sorted_docs[:-1])).any():  # documents came out of order
        order = np.lexsort((docs, terms))
        sorted_terms, sorted_docs = terms[order], docs[order]
        same_term = sorted_terms[1:] == sorted_terms[:-1]
    terms, docs = sorted_terms, sorted_docs
    firsts = np.flatnonzero(np.concatenate(([True], ~same_term | (docs[1:] != docs[:-1]))))
    freqs = np.diff(np.append(firsts, len(terms)))
    posting_terms = terms[firsts]
    starts = np.flatnonzero(np.concatenate(([True], posting_terms[1:] != posting_terms[:-1])))
    positions = np.frombuffer(postings.positions, dtype=np.uint32)[order] if positional else None
    return distinct, docs[firsts], freqs, starts, positions
