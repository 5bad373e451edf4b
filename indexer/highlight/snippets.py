"""Highlighted titles and snippets computed from stored syllable offsets, without running pyvi.

A document's ``spans`` (see ``indexer.codec.spans``) say where every syllable sits in the text as
written and which syllables pyvi glued into one word. Snippet boundaries fall on *units*: pyvi
words, together with any punctuation touching them, so a passage starts and ends at whitespace
(``“nhiệm vụ kép”,`` and ``COVID-19`` are never cut). Everything but ``<mark>`` is HTML-escaped.
"""

from __future__ import annotations

import html
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import count
from operator import sub

import numpy as np

from indexer.codec.spans import decode_span_units, decode_spans, spaces_between, span_count
from indexer.highlight.cut import expand, plan
from indexer.highlight.match_terms import MatchTerms
from indexer.language.normalize import fold, normalize, strip_diacritics

_WHITESPACE = re.compile(r"\s+")
_SPACE = re.compile(r"\s")
_LINE_BREAKS = re.compile(r"\s*\n\s*")
_HEAD = re.compile(r"\S*")
# Punctuation glues neighbouring words into one unit (2020-2025, Tp.HCM) up to this length, so a
# text without spaces cannot turn into one giant unit.
_MAX_GLUE = 40
_ELLIPSIS = "…"
# Up to this many syllables (a title), a text is looked at a syllable at a time.
_FEW_SYLLABLES = 48
_SEPARATOR = " … "


@dataclass(slots=True)
class _Doc:
    """One document ready for passage selection: units and matched syllables."""

    text: str
    spans: list[tuple[int, int, bool]]
    firsts: Sequence[int]  # first syllable of each unit, plus len(spans) as a sentinel
    starts: Sequence[int]  # character range of each unit's syllables
    ends: Sequence[int]
    matched: list[int]  # indexes of marked syllables, in order
    units: list[int]  # for each marked syllable, its unit
    bits: list[int]  # for each marked syllable, the bit of the query syllable it matched
    glued: set[int] = field(default_factory=set)  # marked syllables continuing a phrase's mark

    @property
    def last(self) -> int:
        return len(self.starts) - 1


def highlight_all(
    text: str, spans: str, terms: MatchTerms, marks: dict[int, str] | None = None
) -> str:
    """The whole text (used for titles), HTML-escaped, matched syllables wrapped in ``<mark>``.

    Whitespace runs become one space. Without spans the text is returned escaped, unmarked.
    ``marks`` (syllable index -> folded query syllable, ``indexer.highlight.marks``) says which
    syllables match when known; else they are found in the text.
    """
    if not spans:
        return _escape(text).strip()
    if not text:
        return ""
    doc = _analyse(text, spans, terms, marks)
    return _render(doc, 0, doc.last)


def highlight_paragraphs(
    text: str, spans: str, terms: MatchTerms, marks: dict[int, str] | None = None
) -> list[str]:
    """The whole text as its paragraphs (split at line breaks), each as ``highlight_all``
    renders a title: HTML-escaped, matched syllables in ``<mark>``, whitespace runs as one
    space. Empty paragraphs are left out."""
    doc = _analyse(text, spans, terms, marks) if spans and text.strip() else None
    if doc is None or doc.last < 0:
        return [_escape(part).strip() for part in _LINE_BREAKS.split(text) if part.strip()]
    paragraphs, first = [], 0
    for unit in range(1, doc.last + 1):
        if "\n" in text[doc.ends[unit - 1] : doc.starts[unit]]:
            paragraphs.append(_render(doc, first, unit - 1))
            first = unit
    paragraphs.append(_render(doc, first, doc.last))
    return [paragraph for paragraph in paragraphs if paragraph]


def snippet(
    text: str,
    spans: str,
    terms: MatchTerms,
    width: int = 200,
    marks: dict[int, str] | None = None,
    start: int = 0,
) -> str:
    """The best passage of about ``width`` characters of ``text``, HTML-escaped, with ``<mark>``.

    The passage covers the most distinct matched query syllables (then the most marks, then the
    earliest); two fragments of about ``width / 2`` joined by `` … `` when they cover more. It is
    prefixed or suffixed by ``…`` where text was left out. Without matches: the passage from the
    word at character ``start`` on (the text's start by default: a hit found by meaning alone
    starts at its best passage). ``marks`` as for ``highlight_all``.
    """
    if not text or not spans:
        return ""
    doc = _analyse(text, spans, terms, marks)
    if not doc.matched:
        first = min(bisect_left(doc.starts, start), doc.last) if start else 0
        return _join(doc, [expand(doc, first, first, width, first, doc.last)])
    return _join(doc, plan(doc, width))


# --- matching ----------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _forms(written: str) -> tuple[str, str]:
    """The normalised lowercase form and the folded form of one syllable as written."""
    lowered = normalize(written).lower()
    return lowered, fold(lowered)


def _marking(present: set[str], terms: MatchTerms) -> tuple[frozenset[str], set[str]]:
    """Which normalised forms and which folded forms mark a syllable of this document.

    An accented query syllable marks its exact form when the document has it, else (the document
    was found through the diacritic-free field) every syllable with the same fold.
    """
    exact = terms.exact & present
    typed_plain = terms.folded - {fold(q) for q in terms.exact}
    fallback = {fold(q) for q in terms.exact - exact}
    return exact, typed_plain | fallback


def _analyse(
    text: str, encoded_spans: str, terms: MatchTerms, marks: dict[int, str] | None = None
) -> _Doc:
    """Split ``text`` into units and find its marked syllables.

    Looking at every syllable in Python took ~0.4 ms for a news article, most of a short query's
    time with ten hits. Units come from the spans' flags (from the gaps, for spans of the first
    format) and arrays over the text's code points find the few syllables that can match; only
    those are looked at (the same result, tests/test_snippets.py).
    Short texts (titles), where arrays cost more than they save, and phrases, which need every
    syllable's folded form, take the general way. Given ``marks``, nothing is looked for.
    """
    syllables = span_count(encoded_spans)
    if marks is not None and marks and max(marks) >= syllables:
        marks = None  # positions from another analysis than the spans': trust the text
    if (marks is None and terms.phrases) or syllables <= _FEW_SYLLABLES:
        spans = decode_spans(encoded_spans)
        if marks is None:
            return _analyse_each(text, spans, terms)
        doc = _Doc(text, spans, [], [], [], [], [], [])
        _split_units(doc)
        _set_marks(doc, marks)
        return doc
    starts, ends, joined, spaced = decode_span_units(encoded_spans)
    doc = _Doc(text, _Spans(starts, ends, joined), [], [], [], [], [], [])
    if spaced is None:  # spans of the first format: look at the gaps
        spaced = np.concatenate(([False], spaces_between(text, ends[:-1], starts[1:])))
    # A syllable starts a unit when whitespace stands before it and pyvi did not join it.
    firsts = np.concatenate(([0], np.flatnonzero(spaced[1:] & ~joined[1:]) + 1, [len(starts)]))
    unit_starts, unit_ends = starts[firsts[:-1]], ends[firsts[1:] - 1]
    # Arrays of machine integers, not lists: a snippet reads a few dozen of an article's hundreds
    # of units, and a list made a Python int of each (13 µs an article, where these take 1).
    doc.firsts, doc.starts, doc.ends = map(_int_array, (firsts, unit_starts, unit_ends))
    if (unit_ends - unit_starts).max() > _MAX_GLUE:
        _set_units(doc, _cap_units(doc))
    if marks is not None:
        _set_marks(doc, marks)
        return doc
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    candidates = np.flatnonzero(_may_match(codes, starts, ends, terms.folded))
    written = {
        i: text[start:end]
        for i, start, end in zip(
            candidates.tolist(), starts[candidates].tolist(), ends[candidates].tolist(), strict=True
        )
    }
    _mark(doc, written, terms)
    return doc


def _analyse_each(text: str, spans: list[tuple[int, int, bool]], terms: MatchTerms) -> _Doc:
    """``_analyse`` looking at every syllable (and at phrases)."""
    written = [text[start:end] for start, end, _ in spans]
    doc = _Doc(text, spans, [], [], [], [], [], [])
    _split_units(doc)
    _mark(doc, dict(enumerate(written)), terms, written)
    return doc


def _mark(
    doc: _Doc, written: dict[int, str], terms: MatchTerms, every: list[str] | None = None
) -> None:
    """Find the marked syllables among ``written`` (index -> syllable as written), which holds
    every syllable that can match; ``every`` (all syllables) is needed for phrases."""
    # Forms are looked up once per distinct syllable: a page repeats most of its syllables.
    forms = {syllable: _forms(syllable) for syllable in set(written.values())}
    exact, folded = _marking({lowered for lowered, _ in forms.values()}, terms)
    keys = {w: key for w, (lowered, key) in forms.items() if lowered in exact or key in folded}
    key_at = {i: keys[syllable] for i, syllable in written.items() if syllable in keys}
    if terms.phrases and every is not None:
        key_at.update(_phrase_marks(doc, [forms[w][1] for w in every], terms.phrases))
    _set_marks(doc, key_at)


def _set_marks(doc: _Doc, key_at: dict[int, str]) -> None:
    """Mark the syllables of ``key_at`` (index -> the query syllable it matches)."""
    doc.matched = sorted(key_at)
    doc.units = [bisect_right(doc.firsts, i) - 1 for i in doc.matched]
    bit_of: dict[str, int] = {}
    doc.bits = [bit_of.setdefault(key_at[i], len(bit_of)) for i in doc.matched]


def _int_array(values: np.ndarray) -> array:
    """``values`` as a Python array of 64-bit integers (indexing gives ``int``)."""
    return array("q", values.astype(np.int64, copy=False).tobytes())


class _Spans:
    """``(start, end, joined)`` of syllable ``i``, from three arrays, without a tuple for each."""

    __slots__ = ("starts", "ends", "joined")

    def __init__(self, starts: np.ndarray, ends: np.ndarray, joined: np.ndarray):
        self.starts, self.ends, self.joined = starts, ends, joined

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> tuple[int, int, bool]:
        return int(self.starts[i]), int(self.ends[i]), bool(self.joined[i])


def _folded_first_chars(size: int) -> np.ndarray:
    """For each code point below ``size``, the code point of its folded form when a syllable
    made of such characters keeps its length through ``normalize``, ``lower`` and ``fold``
    (letter by letter: then a syllable's folded form starts with its first one's); 0 for the
    others (combining marks, invisible characters, Hangul jamo, ``İ``...)."""
    table = np.zeros(size, dtype=np.uint32)
    for code in range(size):
        char = chr(code)
        if (
            unicodedata.combining(char)
            or normalize(char) != char
            or not unicodedata.is_normalized("NFC", char)
            or 0x1100 <= code <= 0x11FF
            or 0xD800 <= code <= 0xDFFF
            or len(char.lower()) != 1
        ):
            continue
        folded = strip_diacritics(char)
        if len(folded) == 1:
            table[code] = ord(folded)
    return table


# Code points past the end of a table read its last entry: 0, not a space.
_FOLDED_FIRST = np.append(_folded_first_chars(0x1F00), 0)  # Latin, Greek, Cyrillic, Vietnamese


def _counts_before(flags: np.ndarray) -> np.ndarray:
    """``counts[i]``: how many of ``flags[:i]`` are set (one longer than ``flags``)."""
    counts = np.zeros(len(flags) + 1, dtype=np.int32)
    np.cumsum(flags, out=counts[1:])
    return counts


def _may_match(
    codes: np.ndarray, starts: np.ndarray, ends: np.ndarray, folded: frozenset[str]
) -> np.ndarray:
    """A flag per syllable, set where its folded form may be one of ``folded``: same length and
    first two characters, or a character that folds in some other way."""
    first = np.take(_FOLDED_FIRST, codes, mode="clip")
    unusual = _counts_before(first == 0)
    flags = unusual[ends] > unusual[starts]
    lengths = ends - starts
    heads = first[starts]
    # fold() spells y as i after a consonant (ký, kí): compare second characters that way.
    seconds = first[np.minimum(starts + 1, len(first) - 1)]
    seconds[seconds == ord("y")] = ord("i")
    for form in folded:
        same = (heads == ord(form[0])) & (lengths == len(form))
        if len(form) > 1:
            same &= seconds == ord("i" if form[1] == "y" else form[1])
        flags |= same
    return flags


def _phrase_marks(doc: _Doc, folded: list[str], phrases) -> dict[int, str]:
    """The syllables where a phrase appears whole, each keyed by its phrase; the phrase's later
    syllables go into ``doc.glued`` so that one mark covers it (``TP.HCM``)."""
    by_head: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        by_head.setdefault(phrase[0], []).append(phrase)
    marks: dict[int, str] = {}
    for i, syllable in enumerate(folded):
        for phrase in by_head.get(syllable, ()):
            if tuple(folded[i : i + len(phrase)]) == phrase:
                marks.update(dict.fromkeys(range(i, i + len(phrase)), " ".join(phrase)))
                doc.glued.update(range(i + 1, i + len(phrase)))
                break
    return marks


# --- units -------------------------------------------------------------------------------------


def _split_units(doc: _Doc) -> None:
    """Group syllables into units: pyvi words, glued to neighbours by punctuation without spaces.

    A unit's ``starts``/``ends`` are those of its syllables; punctuation at a passage's edges is
    added when rendering (``_lead``, ``_trail``), which keeps this loop cheap.
    """
    text, spans = doc.text, doc.spans
    firsts = [0]
    firsts += [
        i
        for i, (_, end, _), (start, _, joined) in zip(count(1), spans, spans[1:])
        if not joined and (" " in (gap := text[end:start]) or _SPACE.search(gap))
    ]
    _set_units(doc, firsts + [len(spans)])
    if max(map(sub, doc.ends, doc.starts)) > _MAX_GLUE:
        _set_units(doc, _cap_units(doc))


def _set_units(doc: _Doc, firsts: list[int]) -> None:
    """Make ``firsts`` (with its sentinel) the units of ``doc``."""
    doc.firsts = firsts
    doc.starts = [doc.spans[i][0] for i in firsts[:-1]]
    doc.ends = [doc.spans[i - 1][1] for i in firsts[1:]]


def _cap_units(doc: _Doc) -> list[int]:
    """Split units longer than ``_MAX_GLUE`` at every pyvi word (texts without spaces)."""
    spans, capped = doc.spans, []
    for unit, (start, end) in enumerate(zip(doc.starts, doc.ends, strict=True)):
        first, after = doc.firsts[unit], doc.firsts[unit + 1]
        capped.append(first)
        if end - start > _MAX_GLUE:
            capped += [i for i in range(first + 1, after) if not spans[i][2]]
    return capped + [len(spans)]


def _lead(doc: _Doc, unit: int) -> int:
    """Where a passage starting at ``unit`` begins: with punctuation after whitespace (“, ( )."""
    i = doc.firsts[unit]
    if i == 0:
        return 0
    start, previous_end = doc.spans[i][0], doc.spans[i - 1][1]
    # Back over the punctuation before the unit, to the last whitespace. (The pattern \S*\Z
    # tried every start in the gap: a gap of 20,000 "!" took a second.)
    lead, text = start, doc.text
    while lead > previous_end and not text[lead - 1].isspace():
        lead -= 1
    return lead if lead > previous_end else start


def _trail(doc: _Doc, unit: int) -> int:
    """Where a passage ending at ``unit`` ends: with punctuation up to whitespace (, . ” )."""
    i = doc.firsts[unit + 1]
    if i == len(doc.spans):
        return len(doc.text)
    end, next_start = doc.spans[i - 1][1], doc.spans[i][0]
    trail = _HEAD.match(doc.text, end, next_start).end()
    return trail if trail < next_start else end


# --- passage selection -------------------------------------------------------------------------


def _escape(text: str) -> str:
    """HTML-escape ``text`` with its whitespace runs collapsed to one space."""
    # The pattern replaces every single space too (1.6 µs a passage's piece, a hundred pieces a
    # page); the space is the only whitespace character that is printable.
    if not text.isprintable() or "  " in text:
        text = _WHITESPACE.sub(" ", text)
    return html.escape(text, quote=True)


def _marks(doc: _Doc, first: int, last: int) -> list[list[int]]:
    """Character ranges to mark in units ``first..last``; marks apart only by spaces merge."""
    low = bisect_left(doc.matched, doc.firsts[first])
    high = bisect_left(doc.matched, doc.firsts[last + 1])
    marks: list[list[int]] = []
    for i in doc.matched[low:high]:
        start, end, _ = doc.spans[i]
        if marks and (i in doc.glued or not doc.text[marks[-1][1] : start].strip()):
            marks[-1][1] = end
        else:
            marks.append([start, end])
    return marks


def _render(doc: _Doc, first: int, last: int) -> str:
    """Units ``first..last`` as escaped HTML with their marks."""
    text, position, out = doc.text, _lead(doc, first), []
    for start, end in _marks(doc, first, last):
        out.append(_escape(text[position:start]))
        out.append("<mark>" + _escape(text[start:end]) + "</mark>")
        position = end
    out.append(_escape(text[position : _trail(doc, last)]))
    return "".join(out).strip()


def _join(doc: _Doc, ranges: list[tuple[int, int]]) -> str:
    """Render unit ranges (touching ones become one passage) with ``…`` where text is left out."""
    merged = [list(ranges[0])]
    for first, last in ranges[1:]:
        if first == merged[-1][1] + 1:
            merged[-1][1] = last
        else:
            merged.append([first, last])
    body = _SEPARATOR.join(_render(doc, first, last) for first, last in merged)
    prefix = _ELLIPSIS if merged[0][0] > 0 else ""
    suffix = _ELLIPSIS if merged[-1][1] < doc.last else ""
    return prefix + body + suffix
