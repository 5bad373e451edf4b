"""Vietnamese word segmentation: pyvi's words, with offsets into the original text.

``segment`` normalises the text, splits it into syllables exactly as pyvi does, tags them with
pyvi's own CRF model (``indexer.language.crf``) and keeps, for every syllable, where it sits in
the text as written. ``indexer.language.analysis`` turns one ``Segmentation`` into the terms of
each indexed field, so pyvi runs once per document however many fields it feeds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from indexer.language.crf import pyvi_tagger
from indexer.language.normalize import normalize_with_map

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
# The pieces of punctuation that end a sentence or a line: neighbouring syllables across them
# are no pair (``folded_bigrams``); across a comma, a colon, a quote or a bracket they are
# (``Hà Nội: mưa lớn`` holds ``noi mua``, as a query typed without the colon expects).
STOPS = frozenset({".", "!", "?", ";", "...", "…", "\n", "==>", "->", ">>"})
_EDGE_PUNCT = re.compile(r"^\W+|\W+$")


@dataclass(slots=True)
class Segmentation:
    """The syllables of one text, in order, with pyvi's word boundaries.

    ``syllables[i]`` is normalised text with its case kept; ``text_of_original[starts[i]:ends[i]]``
    is the same syllable as written. ``joined[i]`` says pyvi glued syllable ``i`` to the one before
    it (``Hà_Nội``); ``breaks[i]`` says punctuation or a line break stands before it;
    ``stops[i]`` that one of them ends a sentence or a line (``STOPS``), not a comma, a colon,
    a quote or a bracket inside one.
    """

    syllables: list[str]
    starts: list[int]
    ends: list[int]
    joined: list[bool]
    breaks: list[bool]
    stops: list[bool]

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
    lead, length, stopping = _trims(pieces)
    at = np.flatnonzero(length)  # a piece without a word character is dropped, leaving a break
    if not len(at):
        return Segmentation([], [], [], [], [], [])
    breaks = np.diff(np.cumsum(length == 0)[at], prepend=0) > 0
    stops = np.diff(np.cumsum(stopping)[at], prepend=0) > 0
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
    return Segmentation(syllables, first, last, joined.tolist(), breaks.tolist(), stops.tolist())


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
_STOP_CODE = 1 << 62  # above any offset << 32 a piece can have
_OFFSET_MASK = (1 << 30) - 1


def _trims(pieces: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each piece, where its syllable starts in it and how long it is: the piece without
    edge punctuation; length 0 for a piece with no word character (punctuation, a line break);
    and whether it is one of the ``STOPS``."""
    try:
        codes = np.fromiter(map(_trim_codes.get, pieces), np.int64, len(pieces))
    except TypeError:  # a piece seen for the first time
        if len(_trim_codes) > 200_000:
            _trim_codes.clear()
        codes = np.array([_trim_code(p) for p in pieces])
    return (codes >> 32) & _OFFSET_MASK, codes & 0xFFFFFFFF, codes >= _STOP_CODE


def _trim_code(piece: str) -> int:
    """``offset << 32 | length`` of the syllable in ``piece``, cached (see ``_trims``);
    ``_STOP_CODE`` for one of the ``STOPS``."""
    code = _trim_codes.get(piece)
    if code is not None:
        return code
    if not _WORD_CHAR.search(piece):
        code = _STOP_CODE if piece in STOPS else 0
    else:
        core = _EDGE_PUNCT.sub("", piece)
        code = piece.index(core[0]) << 32 | len(core)
    _trim_codes[piece] = code
    return code


def tag_joins(pieces: Sequence[str]) -> list[bool]:
    """For each pyvi piece, whether pyvi's tokenize() would glue it to the previous one with ``_``.

    Same model, same labels and same gluing rule as ``pyvi.ViTokenizer.tokenize``; the labels come
    from ``indexer.language.crf``, which decodes pyvi's CRF itself instead of building feature
    strings for crfsuite, and that is what makes this several times faster.
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
