"""How Vietnamese gets mistyped: one-edit slips of the folded letters, and accents put wrong.

``edits`` makes every string one slip away from a word, each with a cost that says how likely
that slip is on a QWERTY keyboard (a letter typed twice is likelier than another letter);
``mark_distance`` says how far apart the accents of two spellings of the same letters are
(hỏi and ngã, which much of the country says alike, are closest). Callers weigh candidates
with both, and ask an index which candidates exist.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from indexer.language.normalize import fold, strip_diacritics
from indexer.language.syllables import tone_of

LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_QUALITY = {"\u0302": "^", "\u0306": "(", "\u031b": "+"}  # circumflex, breve, horn
VOWEL_MARKS = frozenset(_QUALITY)  # the combining marks that make a vowel another vowel
_HOI_NGA = {"\u0309", "\u0303"}


def _neighbours() -> dict[str, frozenset[str]]:
    """Keys next to each other on a QWERTY keyboard (rows offset as on a phone or laptop)."""
    places = {
        c: (row, col + 0.5 * row) for row, keys in enumerate(_ROWS) for col, c in enumerate(keys)
    }
    return {
        a: frozenset(
            b for b, (r2, c2) in places.items() if b != a and abs(r - r2) <= 1 and abs(c - c2) <= 1
        )
        for a, (r, c) in places.items()
    }


NEIGHBOURS = _neighbours()
# A letter left out is as likely as a neighbouring key for the right one (studies of typing
# count omissions among the commonest slips). At 0.8, bench/typos.py (seeds 7, 11, 3) read
# dropped letters right 0.363 / 0.373 / 0.385 accented; at 0.6, 0.428 / 0.454 / 0.424, with
# every other row within one query.
DROPPED_COST = 0.6


def edits(word: str) -> Iterator[tuple[str, float]]:
    """Every string one edit away from ``word`` (lowercase ASCII), each with its cost: a letter
    typed twice (0.3) or two swapped (0.5) costs less than one dropped (``DROPPED_COST``) or a
    neighbouring key for the right one (0.6), then a stray neighbouring key (0.7), another
    letter (1.2).

    The cost is of the slip that turns the result into ``word``: ``noi`` -> ``noii`` is a
    letter typed twice, so ``noi`` is yielded from ``noii`` at 0.3.
    """
    n = len(word)
    for i in range(n):
        c = word[i]
        near = (i and word[i - 1] == c) or (i + 1 < n and word[i + 1] == c)
        stray = (i and word[i - 1] in NEIGHBOURS[c]) or (i + 1 < n and word[i + 1] in NEIGHBOURS[c])
        yield word[:i] + word[i + 1 :], 0.3 if near else 0.7 if stray else 1.0
        if i + 1 < n and word[i + 1] != c:
            yield word[:i] + word[i + 1] + c + word[i + 2 :], 0.5
        for other in LETTERS:
            if other != c:
                cost = 0.3 if {c, other} == {"i", "y"} else 0.6 if other in NEIGHBOURS[c] else 1.2
                yield word[:i] + other + word[i + 1 :], cost
    for i in range(n + 1):
        for other in LETTERS:
            doubled = (i and word[i - 1] == other) or (i < n and word[i] == other)
            yield word[:i] + other + word[i:], 0.5 if doubled else DROPPED_COST


def cheapest_edits(word: str) -> dict[str, float]:
    """``edits`` of ``word``, each result once, folded, with its cheapest cost (``word`` itself
    left out). Folded as the index keys syllables: a ``y`` after a consonant is ``i`` (``qy``
    with the u put back is ``qui``, the key of quý and quí; ``ỳ`` with its k, ``ki``)."""
    found: dict[str, float] = {}
    for candidate, cost in edits(word):
        if candidate[-1:] == "y":  # fold turns only a final y into i (ký: ki)
            candidate = fold(candidate)
        if candidate != word and cost < found.get(candidate, 9.0):
            found[candidate] = cost
    return found


def typed_edits(typed: str) -> dict[str, float]:
    """``cheapest_edits`` of the letters of ``typed`` as typed (no accents, a final ``y`` kept)
    and of its folded key, each result once with its cheapest cost, the key itself left out.

    The slip was made on the keys typed: ``ngy`` is ``ngày`` with its ``a`` left out, but its
    key ``ngi`` is one letter from ``ngai`` and ``nghi``, never from ``ngay``."""
    letters = strip_diacritics(typed)
    key = fold(letters)
    found = cheapest_edits(key)
    if letters != key:
        for candidate, cost in cheapest_edits(letters).items():
            if candidate != key and cost < found.get(candidate, 9.0):
                found[candidate] = cost
    return found


@lru_cache(maxsize=16_384)  # the same few forms, dozens of times a search (~500 bytes each)
def marks(syllable: str) -> tuple[str, frozenset[tuple[str, str]]]:
    """The tone and the vowel marks (with the letter they sit on) of ``syllable``."""
    tone, quality = tone_of(syllable), set()
    for char in syllable:
        for mark in unicodedata.normalize("NFD", char)[1:]:
            if mark in _QUALITY:
                quality.add((fold(char), _QUALITY[mark]))
        if char in "đĐ":
            quality.add(("d", "-"))
    return tone, frozenset(quality)


def mark_distance(typed: str, form: str) -> float:
    """How far the accents of ``form`` are from those typed: 0.4 for another tone (0.2 between
    hỏi and ngã), 0.4 a vowel mark (``nguyển`` → ``nguyễn`` 0.2, ``ngưyen`` → ``nguyên`` 0.8)."""
    tone_a, quality_a = marks(typed)
    tone_b, quality_b = marks(form)
    tone = 0.0 if tone_a == tone_b else 0.2 if {tone_a, tone_b} == _HOI_NGA else 0.4
    return tone + 0.4 * len(quality_a ^ quality_b)
