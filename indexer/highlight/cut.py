"""The snippet cut: which stretch of units a snippet shows, chosen around the marked syllables.

A passage covers the run of units with the most distinct query syllables within the width (two
runs when one cannot hold them all), then grows on both sides to the target width. It works on
any ``Units``: the unit and mark arrays of ``indexer.highlight.snippets``' document.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple, Protocol


class Units(Protocol):
    """What the cut reads of a document: each unit's character range, and for each marked
    syllable its unit and the bit of the query syllable it matched."""

    starts: Sequence[int]
    ends: Sequence[int]
    units: list[int]
    bits: list[int]

    @property
    def last(self) -> int:
        """The index of the last unit."""


class _Run(NamedTuple):
    """A run of marked syllables: its first and last unit, its marks and its query-syllable bits."""

    first: int
    last: int
    marks: int
    mask: int


def _runs(doc: Units, limit: int) -> Iterator[_Run]:
    """For each marked syllable, the longest run of marks ending there within ``limit`` chars."""
    counts = [0] * (max(doc.bits) + 1)
    units, bits, starts, ends = doc.units, doc.bits, doc.starts, doc.ends
    left = mask = 0
    for right, bit in enumerate(bits):
        counts[bit] += 1
        mask |= 1 << bit
        while left < right and ends[units[right]] - starts[units[left]] > limit:
            gone = bits[left]
            counts[gone] -= 1
            if not counts[gone]:
                mask &= ~(1 << gone)
            left += 1
        yield _Run(units[left], units[right], right - left + 1, mask)


def _best_run(doc: Units, limit: int) -> _Run:
    """The run covering the most distinct query syllables, then the most marks, then earliest."""
    return max(_runs(doc, limit), key=lambda run: (run.mask.bit_count(), run.marks, -run.first))


def _best_pair(doc: Units, limit: int) -> tuple[int, list[_Run]]:
    """Two separate runs covering the most distinct query syllables together, and that number.

    Runs come in document order, so those ending before a run form a prefix of the list; of
    them only the one with most marks per mask is kept (masks are few: a bit per query syllable).
    """
    runs = list(_runs(doc, limit))
    before: dict[int, _Run] = {}
    best_score, best_pair = (0, 0, 0), []
    p = 0
    for run in runs:
        while runs[p].last < run.first:
            kept = before.get(runs[p].mask)
            if kept is None or runs[p].marks > kept.marks:
                before[runs[p].mask] = runs[p]
            p += 1
        for other in before.values():
            score = ((other.mask | run.mask).bit_count(), other.marks + run.marks, -other.first)
            if score > best_score:
                best_score, best_pair = score, [other, run]
    return best_score[0], best_pair


def plan(doc: Units, width: int) -> list[tuple[int, int]]:
    """The unit ranges to show: one passage, or two fragments when they cover more."""
    limit = width * 6 // 5
    run = _best_run(doc, limit)
    if run.mask.bit_count() < len(set(doc.bits)):
        covered, pair = _best_pair(doc, limit // 2)
        if covered > run.mask.bit_count():
            return _expand_pair(doc, pair[0], pair[1], width // 2)
    return [expand(doc, run.first, run.last, width, 0, doc.last)]


def _expand_pair(doc: Units, one: _Run, two: _Run, target: int) -> list[tuple[int, int]]:
    """Grow two runs into fragments of about ``target`` characters that do not overlap."""
    first_one, last_one = expand(doc, one.first, one.last, target, 0, two.first - 1)
    first_two, last_two = expand(doc, two.first, two.last, target, last_one + 1, doc.last)
    return [(first_one, last_one), (first_two, last_two)]


def expand(doc: Units, first: int, last: int, target: int, low: int, high: int) -> tuple[int, int]:
    """Add whole units around ``first..last`` (within ``low..high``) up to ``target`` characters.

    About half of the spare room goes before the marks, the rest after; what one side cannot use
    (near the text's start or end) goes to the other.
    """
    starts, ends = doc.starts, doc.ends
    before = starts[first] - (target - (ends[last] - starts[first])) // 2
    while first > low and starts[first - 1] >= before and ends[last] - starts[first - 1] <= target:
        first -= 1
    while last < high and ends[last + 1] - starts[first] <= target:
        last += 1
    while first > low and ends[last] - starts[first - 1] <= target:
        first -= 1
    return first, last


# --- output ------------------------------------------------------------------------------------
