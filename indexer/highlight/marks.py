"""Which syllables of each hit a query marks, read from the postings' positions.

A field's positions count its syllables, the same syllables its stored spans locate (one token
per syllable, ``indexer.language.analysis.field_terms``), so the positions of the query's syllables
in a hit say which of its syllables to mark without looking at its text. Looking for them in the
text (``indexer.highlight.snippets``) took about 100 µs a news article; reading ten hits' positions
of one term takes about 20 µs. The result is the one ``snippets`` finds in the text
(tests/test_hitmarks.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from indexer.codec.postings import terms_reader, uses_array_codec
from indexer.highlight.match_terms import MatchTerms
from indexer.language.normalize import fold

Marks = dict[int, str]  # syllable index -> the folded query syllable it matches


def hit_marks(
    searcher, docnums: Sequence[int], terms: MatchTerms, exact_field: str, folded_field: str
) -> list[Marks] | None:
    """For each of ``docnums``, its syllables in ``exact_field`` that ``terms`` marks.

    The rule is ``indexer.highlight.snippets``': an accented query syllable marks its exact form
    where the document has it, else every syllable folding like it (found through ``folded_field``);
    one typed without diacritics marks every syllable folding like it. None when the positions
    cannot tell: for phrases, and when a segment is in Whoosh's own format.
    """
    if terms.phrases:
        return None
    marks: list[Marks] = [{} for _ in docnums]
    typed_plain = terms.folded - {fold(q) for q in terms.exact}
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        size = reader.doc_count_all()
        here = [(k, d - offset) for k, d in enumerate(docnums) if offset <= d < offset + size]
        if not here:
            continue
        if not uses_array_codec(reader):
            return None
        hits, local = [k for k, _ in here], np.array([d for _, d in here], dtype=np.int32)
        exact = {q: _positions(reader, exact_field, q, local) for q in sorted(terms.exact)}
        wanted: dict[str, list[int]] = {f: list(range(len(hits))) for f in typed_plain}
        for q, found in exact.items():
            for j, positions in enumerate(found):
                if positions is None:
                    wanted.setdefault(fold(q), []).append(j)
                else:
                    marks[hits[j]].update(dict.fromkeys(positions, fold(q)))
        for f, chosen in sorted(wanted.items()):
            found = _positions(reader, folded_field, f, local[chosen])
            for j, positions in zip(chosen, found, strict=True):
                marks[hits[j]].update(dict.fromkeys(positions or (), f))
    return marks


def _positions(reader, fieldname: str, term: str, docnums: np.ndarray) -> list[list[int] | None]:
    """For each of a segment's ``docnums``, the term's positions in it (None: not there)."""
    return terms_reader(reader).positions_in(fieldname, term.encode("utf-8"), docnums)
