"""The terms of each indexed field, and the Whoosh tokenizer that yields them.

Each field kind (``FIELD_KINDS``) is computed from one ``Segmentation``: lowercased syllables,
folded syllables, folded syllable pairs and pyvi's compound words for autocompletion. Whoosh
pickles ``VietnameseTokenizer`` into every index's schema by its class path: an index written
before the packages names ``indexer.analysis.VietnameseTokenizer`` (``indexer.store.legacy``).
"""

from __future__ import annotations

from itertools import compress

from whoosh.analysis import Token, Tokenizer

from indexer.language.normalize import fold
from indexer.language.segmentation import Segmentation, segment

_fold_cache: dict[str, str] = {}


def _folded(term: str) -> str:
    folded = _fold_cache.get(term)
    if folded is None:
        if len(_fold_cache) > 200_000:
            _fold_cache.clear()
        folded = _fold_cache[term] = fold(term)
    return folded


def field_terms(kind: str, seg: Segmentation) -> list[tuple[str, int, int]]:
    """The terms of one field kind, each with its start and end in the original text.

    ``syllables``: lowercased syllables (``hà``, ``nội``); ``folded``: the same without
    diacritics (``ha``, ``noi``); ``folded_bigrams``: neighbouring folded pairs within a
    sentence (``ha noi``; ``Segmentation.stops``); ``completions``: pyvi words of two or more
    syllables as ``folded<TAB>as written`` (``ha noi\tHà Nội``), for accent-insensitive
    autocompletion.
    """
    if kind == "syllables":
        terms = [s.lower() for s in seg.syllables]
    elif kind in ("folded", "folded_bigrams"):
        terms = [_folded(s) for s in seg.syllables]
    if kind in ("syllables", "folded"):
        return list(zip(terms, seg.starts, seg.ends, strict=True))
    if kind == "folded_bigrams":
        return [
            (terms[i - 1] + " " + terms[i], seg.starts[i - 1], seg.ends[i])
            for i in range(1, len(terms))
            if not seg.stops[i]
        ]
    if kind == "completions":
        return [
            (
                _folded(" ".join(seg.syllables[a:b])) + "\t" + " ".join(seg.syllables[a:b]),
                seg.starts[a],
                seg.ends[b - 1],
            )
            for a, b in seg.words()
            if b - a > 1 and all(s.isalpha() for s in seg.syllables[a:b])
        ]
    raise ValueError(f"unknown analysis kind {kind!r}")


FIELD_KINDS = ("syllables", "folded", "folded_bigrams", "completions")


def index_terms(seg: Segmentation) -> dict[str, list[str]]:
    """The terms of every kind in ``FIELD_KINDS``, as ``field_terms`` gives them without the
    offsets: what the indexer needs, computed together so each syllable is folded once."""
    folded = list(map(_folded, seg.syllables))
    return {
        "syllables": [syllable.lower() for syllable in seg.syllables],
        "folded": folded,
        "folded_bigrams": [
            f"{before} {after}"
            for before, after, split in zip(folded, folded[1:], seg.stops[1:], strict=False)
            if not split
        ],
        "completions": _completions(seg),
    }


def _completions(seg: Segmentation) -> list[str]:
    """``field_terms("completions", seg)``'s terms, visiting only the syllables pyvi glued."""
    syllables, terms = seg.syllables, []
    first = last = -1  # the current word of several syllables: syllables[first : last + 1]
    for i in compress(range(len(syllables)), seg.joined):
        if i != last + 1:
            terms += _completion(syllables[first : last + 1]) if first >= 0 else ()
            first = i - 1
        last = i
    terms += _completion(syllables[first : last + 1]) if first >= 0 else ()
    return terms


def _completion(word: list[str]) -> tuple[str, ...]:
    if not all(map(str.isalpha, word)):
        return ()
    written = " ".join(word)
    return (_folded(written) + "\t" + written,)


class VietnameseTokenizer(Tokenizer):
    """A Whoosh tokenizer for one kind of Vietnamese term (see ``FIELD_KINDS``).

    Given a string it segments it with pyvi and yields tokens whose ``startchar``/``endchar``
    point into that string as written. Given a list of terms (what the indexer's worker
    processes computed) it yields them as they are, so pyvi does not run again in the writer.
    """

    def __init__(self, kind: str = "syllables"):
        if kind not in FIELD_KINDS:
            raise ValueError(f"unknown analysis kind {kind!r}")
        self.kind = kind

    def __eq__(self, other):
        return type(other) is type(self) and other.kind == self.kind

    def __hash__(self):
        return hash((type(self), self.kind))

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if isinstance(value, str):
            spans = field_terms(self.kind, segment(value))
        else:
            spans = [(term, 0, 0) for term in value]
        for pos, (text, start, end) in enumerate(spans):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def analyzer(kind: str) -> VietnameseTokenizer:
    """The Whoosh analyzer for ``kind`` (a tokenizer is itself a complete analyzer)."""
    return VietnameseTokenizer(kind)
