"""A Whoosh segment writer that writes a commit's postings a term at a time, not a posting at
a time.

Whoosh's ``SegmentWriter`` sends every posting through its sorting pool and then through
``FieldWriter.add_postings``, which makes several Python calls per posting (``add_posting``,
a length lookup, type checks) and builds a block object per term: 75% of an indexing run's
writer time on news articles. ``BulkSegmentWriter`` takes documents whose text fields the
worker processes already turned into postings (``index_items``), keeps each term's postings in
one list, and at commit writes every term's blocks directly. The files are byte for byte what
Whoosh's writer makes of the same documents (``tests/test_segmentwriter.py``), so every reader,
merge and tool of Whoosh reads them as its own.

Postings that reach the pool the ordinary way (segments Whoosh merges into this commit) are
written by the same code.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from collections import Counter, defaultdict
from hashlib import md5
from itertools import repeat
from operator import sub
from pickle import dumps

from whoosh import formats
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter
from whoosh.filedb.filetables import OrderedHashWriter, md5_hash
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.writing import SegmentWriter

from indexer.lengths import length_codes

_TERMINFO = struct.Struct("!BfIBBfII")
_FLOAT32 = struct.Struct("f")
_LENGTHS = struct.Struct("!ii")  # filetables' key and value lengths
# Whoosh compresses every block, though most hold one posting, which zlib shrinks by a few
# bytes at best, at 10 us or more a call. On 1,000 news articles: 158,000 calls to save 3% of
# 19 MB of postings. Blocks under this size, and blocks zlib cannot shrink, are stored as they
# are (compression level 0, which Whoosh's reader reads): about 20,000 calls, a segment 1.4%
# larger than one with every block compressed, and segment writing 5-8% faster than at 80
# bytes. At 0 every block is compressed, as Whoosh does.
MIN_COMPRESSED_BYTES = 160


def index_items(field, value) -> tuple[list[bytes], list[int], list[float], list[bytes]]:
    """What Whoosh's writer indexes for ``value`` in ``field``, as four parallel lists:
    term bytes, frequencies, weights and encoded values (``field.index``, which is what
    ``SegmentWriter.add_document`` calls)."""
    terms, freqs, weights, values = [], [], [], []
    for tbytes, freq, weight, vbytes in field.index(value):
        terms.append(tbytes)
        freqs.append(freq)
        weights.append(weight)
        values.append(vbytes)
    return terms, freqs, weights, values


def token_items(field, tokens: list[str]) -> tuple[list, list, list, list]:
    """``index_items`` for a field whose analyzer yields ``tokens`` as they are, one position
    each: the same lists, several times faster than through Whoosh's token objects (tested
    against ``index_items``). Positions and Frequency formats only, at boost 1."""
    fmt = field.format
    if fmt.field_boost != 1.0 or type(fmt) not in (formats.Positions, formats.Frequency):
        raise TypeError(f"token_items cannot encode {fmt!r}")
    if type(fmt) is formats.Positions:
        where: defaultdict[str, list[int]] = defaultdict(list)
        for position, token in enumerate(tokens):
            where[token].append(position)
        freqs = list(map(len, where.values()))
        values = list(map(_encoded_positions, where.values()))
    else:
        where = Counter(tokens)  # keeps first occurrences' order, as Whoosh's dict does
        freqs = list(where.values())
        values = list(map(pack_uint, freqs))
    terms = [token.encode("utf-8") for token in where]
    return terms, freqs, [_WEIGHTS[f] if f < 64 else float(f) for f in freqs], values


# Weights of frequencies, one float object each: a batch holds a million postings.
_WEIGHTS = [float(freq) for freq in range(64)]


_ONE_POSITION: dict[int, bytes] = {}  # position -> its pickled delta list; as many as positions
_COUNT_OF_ONE = pack_uint(1)


def _encoded_positions(positions: list[int]) -> bytes:
    """``formats.Positions().encode(positions)``: the count, then the pickled deltas."""
    if len(positions) == 1:
        # Most terms occur once in a document, at positions every long document repeats. The
        # result is a new object each time, as Whoosh's: pickle would write a block holding
        # one object twice as a back-reference, and the block would differ from Whoosh's.
        position = positions[0]
        pickled = _ONE_POSITION.get(position)
        if pickled is None:
            pickled = _ONE_POSITION[position] = dumps(positions, 2)
        return _COUNT_OF_ONE + pickled
    return pack_uint(len(positions)) + dumps(list(map(sub, positions, [0, *positions[:-1]])), 2)


class BulkSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with ``add_indexed`` and a postings writer that works term by term."""

    def __init__(self, ix, **options):
        # The schema is read once the writer holds the lock: ix.schema reads the table of
        # contents, which another process's commit may be replacing.
        super().__init__(ix, **options)
        if not isinstance(self.fieldwriter, W3FieldWriter):
            self.cancel()
            raise TypeError(f"BulkSegmentWriter writes Whoosh's W3 codec, not {self.codec!r}")
        if any(field.vector or field.separate_spelling() for _, field in self.schema.items()):
            self.cancel()
            raise TypeError("BulkSegmentWriter writes neither term vectors nor spelling words")
        # field name -> term bytes -> [(docnum, weight, vbytes), ...] in docnum order
        self._postings: defaultdict[str, defaultdict[bytes, list]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._segments_added: list = []

    def add_segment(self, segment) -> None:
        """Have the commit's table of contents also name ``segment``, a finished segment whose
        files are in the index folder (see ``indexer.staging``)."""
        self._check_state()
        self._segments_added.append(segment)

    def _commit_toc(self, segments):
        super()._commit_toc([*segments, *self._segments_added])

    def add_indexed(self, fields: dict) -> None:
        """``add_document(**fields)``, except that ``fields["_indexed"]`` may give fields as
        ``index_items`` already computed (``{name: (terms, freqs, weights, values)}``)."""
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
            if name in indexed:
                terms, freqs, weights, values = indexed[name]
            elif value is None:
                continue
            elif field.indexed:
                terms, freqs, weights, values = index_items(field, value)
            else:
                terms = ()
            length = 0
            if terms:
                postings = self._postings[name]
                each = zip(repeat(docnum), weights, values, strict=False)
                for tbytes, posting in zip(terms, each, strict=False):
                    postings[tbytes].append(posting)
                if field.scorable:
                    length = sum(freqs)
            stored = fields.get(f"_stored_{name}", value)
            perdocwriter.add_field(name, field, stored if field.stored else None, length)
            column = field.column_type
            if column and stored is not None:
                perdocwriter.add_column_value(name, column, field.to_column_value(stored))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        postings = self._postings
        # Merged segments' postings: after this writer's own documents in docnum order, so
        # appending keeps every list sorted.
        for name, tbytes, docnum, weight, vbytes in self.pool.iter_postings():
            if docnum == -1:  # Whoosh's marker for spelling words, which it ignores too
                continue
            postings[name][tbytes].append((docnum, weight, vbytes))
        perdoc = self.per_document_reader()
        try:
            _write_postings(self.fieldwriter, self.schema, perdoc, postings, self.codec)
        finally:
            perdoc.close()
        self._postings.clear()
        self.fieldwriter.close()


def _write_postings(fieldwriter: W3FieldWriter, schema, perdoc, postings: dict, codec) -> None:
    """Write every term of ``postings`` as ``W3FieldWriter.add_postings`` would."""
    blocklimit, compression = codec._blocklimit, codec._compression
    fieldmap = fieldwriter._fieldmap
    postfile = fieldwriter._postfile
    offset = postfile.tell()
    float32: dict[float, float] = {}  # weight -> as a 32-bit float gives it back
    for name in sorted(postings):
        field_id = fieldmap.setdefault(name, len(fieldmap))
        prefix = pack_ushort(field_id)
        fixed = schema[name].format.fixed_value_size()
        variable = fixed is None or fixed < 0
        # One length code per document, 0 where the field is empty.
        codes = (length_codes(perdoc, name) or b"").ljust(perdoc.doc_count_all(), b"\0")
        terms = postings[name]
        out: list[bytes] = []
        keys: list[bytes] = []
        infos: list[bytes] = []
        for tbytes in sorted(terms):
            entries = terms[tbytes]
            start = offset
            if len(entries) == 1:
                # Most terms occur in one document of a commit: the general loop, unrolled.
                docnum, weight, vbytes = entries[0]
                weight32 = float32.get(weight)
                if weight32 is None:
                    weight32 = float32[weight] = _FLOAT32.unpack(_FLOAT32.pack(weight))[0]
                code = codes[docnum]
                data = dumps(
                    (
                        (docnum,),
                        None if weight32 == 1.0 else weight32,
                        (vbytes,) if variable else (None if fixed == 0 else vbytes),
                    ),
                    2,
                )
                level = 0
                if compression and len(data) >= MIN_COMPRESSED_BYTES:
                    data, level = _compressed(data, compression)
                maxweight = weight if weight > 0 else 0
                info = dumps((1, docnum, maxweight, level, code, code), 2)
                size = len(info) + len(data)
                out += (WHOOSH3_HEADER_MAGIC, pack_int(-size), info, data)
                offset += 8 + size
                terminfo = _TERMINFO.pack(False, weight32, 1, code, code, maxweight, docnum, docnum)
            else:
                out.append(WHOOSH3_HEADER_MAGIC)
                offset += 4
                terminfo, offset = _write_blocks(
                    entries, out, offset, codes, fixed, blocklimit, compression
                )
            keys.append(prefix + tbytes)
            infos.append(terminfo + pack_long(start) + pack_int(offset - start))
            if len(out) > 4096:
                postfile.write(b"".join(out))
                out = []
        postfile.write(b"".join(out))
        _add_ordered(fieldwriter._tindex, keys, infos)


def _write_blocks(entries, out, offset, codes, fixed, blocklimit, compression):
    """Append the blocks of one term's postings to ``out``; return its term info (without
    the extent) and the new offset."""
    total_weight = 0.0
    minlength = None
    maxlength = 0
    maxweight = 0
    count = len(entries)
    for first in range(0, count, blocklimit):
        ids, raw_weights, values = zip(*entries[first : first + blocklimit], strict=True)
        weights = array("f", raw_weights)
        block_lengths = bytes(map(codes.__getitem__, ids))
        block_min = min(filter(None, block_lengths), default=0)
        block_max = max(block_lengths)
        block_maxweight = max(0, *raw_weights)
        data = dumps(
            (
                tuple(map(sub, ids, (0, *ids[:-1]))),
                _mini_weights(weights),
                _mini_values(values, fixed),
            ),
            2,
        )
        data, level = _compressed(data, compression)
        info = dumps((len(ids), ids[-1], block_maxweight, level, block_min, block_max), 2)
        size = len(info) + len(data)
        last = first + blocklimit >= count
        out += (pack_int(-size if last else size), info, data)
        offset += 4 + size
        total_weight += sum(weights)
        if block_min:
            minlength = block_min if minlength is None else min(minlength, block_min)
        maxlength = max(maxlength, block_max)
        maxweight = max(maxweight, block_maxweight)
    terminfo = _TERMINFO.pack(
        False,
        total_weight,
        count,
        minlength or 0,
        maxlength,
        maxweight,
        entries[0][0],
        entries[-1][0],
    )
    return terminfo, offset


def _compressed(data: bytes, level: int) -> tuple[bytes, int]:
    """``data`` as a block stores it, and the compression level to record (0: as it is)."""
    if level and len(data) >= MIN_COMPRESSED_BYTES:
        packed = zlib.compress(data, level)
        if len(packed) < len(data) or not MIN_COMPRESSED_BYTES:
            return packed, level
    return data, 0


def _add_ordered(tindex: OrderedHashWriter, keys: list[bytes], values: list[bytes]) -> None:
    """``tindex.add(key, value)`` for each pair, in one write: the same file, the same hash
    buckets and key index as Whoosh's one call per term."""
    if not keys:
        return
    if tindex.hashfn is not md5_hash:
        raise TypeError("term tables are written with Whoosh's default MD5 hash")
    if keys[0] <= tindex.lastkey:
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{keys[0]!r}")
    dbfile, buckets = tindex.dbfile, tindex.buckets
    position = dbfile.tell()
    positions, records = [], []
    for key, value in zip(keys, values, strict=True):
        positions.append(position)
        record = _LENGTHS.pack(len(key), len(value)) + key + value
        records.append(record)
        # md5_hash: the low 32 bits of the digest read as one big-endian number
        hashed = int.from_bytes(md5(key).digest()[12:], "big")
        buckets[hashed & 255].append((hashed, position))
        position += len(record)
    dbfile.write(b"".join(records))
    index = tindex.index
    if isinstance(index.array, array):
        try:
            array(index.array.typecode, [positions[-1]])
        except OverflowError:
            index._retype(positions[-1])
    index.array.extend(positions)
    tindex.lastkey = keys[-1]


def _mini_weights(weights: array):
    """As ``W3PostingsWriter._mini_weights``: None when all are 1, one number when all equal."""
    first = weights[0]
    if weights.count(first) == len(weights):
        return None if first == 1.0 else first
    return tuple(weights)


def _mini_values(values: list, fixed: int | None):
    """As ``W3PostingsWriter._mini_values``."""
    if fixed is None or fixed < 0:
        return tuple(values)
    if fixed == 0:
        return None
    return b"".join(values)


assert W3Codec().__dict__ == {"_blocklimit": 128, "_compression": 3, "_inlinelimit": 1}, (
    "BulkSegmentWriter assumes Whoosh 2.7.4's W3 codec defaults: no inlined postings"
)
