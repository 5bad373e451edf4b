"""Vietnamese analysis: pyvi word segmentation with offsets into the original text.

``segment`` normalises the text, splits it into syllables exactly as pyvi does, tags them with
pyvi's own CRF model and keeps, for every syllable, where it sits in the text as written. The
Whoosh tokenizer below turns one ``Segmentation`` into the terms of each indexed field, so pyvi
runs once per document however many fields it feeds.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import compress

import numpy as np
from whoosh.analysis import Token, Tokenizer

from indexer.crf import pyvi_tagger
from indexer.text import fold, normalize_with_map

# pyvi 0.1.1's ViTokenizer.sylabelize alternatives, verbatim, so our syllables are pyvi's
# syllables; only its groups are made non-capturing, so that findall() returns the pieces.
_PYVI_PATTERN = re.compile(
    "|".join(
        [
            r"[A-ZĐ]+\.",
            r"Tp\.",
            r"Mr\.",
            r"Mrs\.",
            r"Ms\.",
            r"Dr\.",
            r"ThS\.",
            "==>",
            "->",
            r"\.\.\.",
            ">>",
            "\n",
            r"\w+://[^\s]+",
            r"(?:[a-zA-Z0-9_.+-]+@(?:[a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)",
            r"\d+(?:[\.,_]\d+)+",
            r"[^\w\s]",
            r"\w+",
        ]
    ),
    re.UNICODE,
)
_PYVI_SPLIT = re.compile("(" + _PYVI_PATTERN.pattern + ")")
# pyvi's e-mail alternative rescans a run like "a.a.a.a" or "a----" from each of its
# characters: quadratic, 8 s for 100,000 characters without a space. No piece crosses
# whitespace, so a run of more than LONG_RUN non-space characters is split without it (an
# e-mail address there comes out as its parts), and the rest of the text as pyvi splits it.
LONG_RUN = 256
_EMAIL = r"(?:[a-zA-Z0-9_.+-]+@(?:[a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)|"
assert _EMAIL in _PYVI_PATTERN.pattern
_LONG_RUN_SPLIT = re.compile("(" + _PYVI_PATTERN.pattern.replace(_EMAIL, "") + ")")
_LONG_RUNS = re.compile(rf"\S{{{LONG_RUN + 1},}}")
_WORD_CHAR = re.compile(r"\w")
_EDGE_PUNCT = re.compile(r"^\W+|\W+$")


@dataclass(slots=True)
class Segmentation:
    """The syllables of one text, in order, with pyvi's word boundaries.

    ``syllables[i]`` is normalised text with its case kept; ``text_of_original[starts[i]:ends[i]]``
    is the same syllable as written. ``joined[i]`` says pyvi glued syllable ``i`` to the one before
    it (``Hà_Nội``); ``breaks[i]`` says punctuation or a line break stands before it.
    """

    syllables: list[str]
    starts: list[int]
    ends: list[int]
    joined: list[bool]
    breaks: list[bool]

    def words(self) -> Iterator[tuple[int, int]]:
        """Yield ``(first, last + 1)`` syllable ranges of pyvi's words."""
        first = 0
        for i in range(1, len(self.syllables) + 1):
            if i == len(self.syllables) or not self.joined[i]:
                yield first, i
                first = i


def segment(text: str) -> Segmentation:
    """Normalise ``text``, segment it into pyvi words and map every syllable back onto ``text``."""
    normalized, starts, ends = normalize_with_map(text)
    pieces, piece_starts, piece_lengths = _split(normalized)
    lead, length = _trims(pieces)
    at = np.flatnonzero(length)  # a piece without a word character is dropped, leaving a break
    if not len(at):
        return Segmentation([], [], [], [], [])
    breaks = np.diff(np.cumsum(length == 0)[at], prepend=0) > 0
    joined = _join_flags(pieces)[at] & ~breaks
    joined[0] = False
    trimmed = np.flatnonzero(length[at] != piece_lengths[at]).tolist()
    lead, length = lead[at], length[at]
    first = (piece_starts[at] + lead).tolist()
    last = (piece_starts[at] + lead + length).tolist()
    syllables = [pieces[i] for i in at.tolist()]
    for k in trimmed:
        syllables[k] = syllables[k][lead[k] : lead[k] + length[k]]
    if starts:
        first, last = [starts[i] for i in first], [ends[i - 1] for i in last]
    return Segmentation(syllables, first, last, joined.tolist(), breaks.tolist())


def _split(normalized: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """pyvi's pieces of ``normalized``, where each starts, and their lengths."""
    # Splitting on the captured pattern gives gap, piece, gap, ..., gap: the pieces findall()
    # would return and, from the running length, where each one starts.
    parts = _split_parts(normalized)
    lengths = np.fromiter(map(len, parts), np.int64, len(parts))
    return parts[1::2], np.cumsum(lengths)[:-1:2], lengths[1::2]


def _split_parts(normalized: str) -> list[str]:
    """``_PYVI_SPLIT.split(normalized)``, in linear time on long runs without spaces."""
    if not _LONG_RUNS.search(normalized):
        return _PYVI_SPLIT.split(normalized)
    parts, at = [""], 0
    for run in _LONG_RUNS.finditer(normalized):
        for text, splitter in (
            (normalized[at : run.start()], _PYVI_SPLIT),
            (run.group(), _LONG_RUN_SPLIT),
        ):
            pieces = splitter.split(text)
            parts[-1] += pieces[0]  # gaps that meet join
            parts += pieces[1:]
        at = run.end()
    pieces = _PYVI_SPLIT.split(normalized[at:])
    parts[-1] += pieces[0]
    return parts + pieces[1:]


_trim_codes: dict[str, int] = {}


def _trims(pieces: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """For each piece, where its syllable starts in it and how long it is: the piece without
    edge punctuation; length 0 for a piece with no word character (punctuation, a line break)."""
    try:
        codes = np.fromiter(map(_trim_codes.get, pieces), np.int64, len(pieces))
    except TypeError:  # a piece seen for the first time
        if len(_trim_codes) > 200_000:
            _trim_codes.clear()
        codes = np.array([_trim_code(p) for p in pieces])
    return codes >> 32, codes & 0xFFFFFFFF


def _trim_code(piece: str) -> int:
    """``offset << 32 | length`` of the syllable in ``piece``, cached (see ``_trims``)."""
    code = _trim_codes.get(piece)
    if code is not None:
        return code
    if not _WORD_CHAR.search(piece):
        code = 0
    else:
        core = _EDGE_PUNCT.sub("", piece)
        code = piece.index(core[0]) << 32 | len(core)
    _trim_codes[piece] = code
    return code


def tag_joins(pieces: Sequence[str]) -> list[bool]:
    """For each pyvi piece, whether pyvi's tokenize() would glue it to the previous one with ``_``.

    Same model, same labels and same gluing rule as ``pyvi.ViTokenizer.tokenize``; the labels come
    from ``indexer.crf``, which decodes pyvi's CRF itself instead of building feature strings for
    crfsuite, and that is what makes this several times faster.
    """
    return _join_flags(pieces).tolist()


def _join_flags(pieces: Sequence[str]) -> np.ndarray:
    """``tag_joins`` as a boolean array."""
    joins = np.zeros(len(pieces), bool)
    if len(pieces) < 2:
        return joins
    tagger = pyvi_tagger()
    labels, no_glue, titled = tagger.tag(pieces)
    # pyvi glues an I_W piece unless either side is punctuation or starts with a digit, or the
    # piece starts in title case after one that does not (a name starting after a lowercase word).
    joins[1:] = (
        (labels[1:] == tagger.inside) & ~no_glue[1:] & ~no_glue[:-1] & ~(titled[1:] & ~titled[:-1])
    )
    return joins


def _crfsuite_joins(pieces: Sequence[str]) -> list[bool]:
    """``tag_joins`` the way pyvi computes it: feature strings tagged by python-crfsuite.

    The reference the tests hold ``tag_joins`` to, and the "before" of bench/segment_speed.py.
    """
    if not pieces:
        return []
    tagger, bi_grams, tri_grams = _pyvi_model()
    labels = tagger.tag(_features(pieces, bi_grams, tri_grams))
    punct = string.punctuation
    joins = [False]
    for i in range(1, len(pieces)):
        cur, prev = pieces[i], pieces[i - 1]
        joins.append(
            labels[i] == "I_W"
            and cur not in punct
            and prev not in punct
            and not cur[0].isdigit()
            and not prev[0].isdigit()
            and not (cur[0].istitle() and not prev[0].istitle())
        )
    return joins


def _features(pieces: Sequence[str], bi_grams: set, tri_grams: set) -> list[list[str]]:
    """pyvi's word2features as crfsuite attribute names (a False feature weighs nothing)."""
    n = len(pieces)
    lower = [p.lower() for p in pieces]
    title = [p.istitle() for p in pieces]
    upper = [p.isupper() for p in pieces]
    bigram = [(pieces[i] + " " + pieces[i + 1]).lower() in bi_grams for i in range(n - 1)]
    trigram = [" ".join(pieces[i : i + 3]).lower() in tri_grams for i in range(n - 2)]
    items = []
    for i in range(n):
        f = ["bias", "word.lower():" + lower[i]]
        if upper[i]:
            f.append("word.isupper()")
        if title[i]:
            f.append("word.istitle()")
        if pieces[i].isdigit():
            f.append("word.isdigit()")
        if i > 0:
            f.append("-1:word.lower():" + lower[i - 1])
            if title[i - 1]:
                f.append("-1:word.istitle()")
            if upper[i - 1]:
                f.append("-1:word.isupper()")
            if bigram[i - 1]:
                f.append("-1:word.bi_gram()")
            if i > 1 and trigram[i - 2]:
                f.append("-2:word.tri_gram()")
        if i < n - 1:
            f.append("+1:word.lower():" + lower[i + 1])
            if title[i + 1]:
                f.append("+1:word.istitle()")
            if upper[i + 1]:
                f.append("+1:word.isupper()")
            if bigram[i]:
                f.append("+1:word.bi_gram()")
            if i < n - 2 and trigram[i]:
                f.append("+2:word.tri_gram()")
        items.append(f)
    return items


_MODEL = None


def _pyvi_model():
    """pyvi's crfsuite tagger and n-gram sets, loaded once per process on first use (~1 s).

    Only ``_crfsuite_joins`` uses them; ``tag_joins`` reads the same model through ``indexer.crf``.
    """
    global _MODEL
    if _MODEL is None:
        from pyvi.ViTokenizer import ViTokenizer

        _MODEL = (ViTokenizer.model.tagger_, ViTokenizer.bi_grams, ViTokenizer.tri_grams)
    return _MODEL


# --- the terms of each indexed field -------------------------------------------------------

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
    diacritics (``ha``, ``noi``); ``folded_bigrams``: neighbouring folded pairs not split by
    punctuation (``ha noi``); ``completions``: pyvi words of two or more syllables as
    ``folded<TAB>as written`` (``ha noi\tHà Nội``), for accent-insensitive autocompletion.
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
            if not seg.breaks[i]
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
            for before, after, split in zip(folded, folded[1:], seg.breaks[1:], strict=False)
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
