"""What the corrections of mistyped syllables add to a compiled query.

A corrected syllable matches as typed or as any of its corrections (``Correction``), each
correction weighing the typed syllable's weight times its own ``weight`` and ``share``: a
syllable the index does not hold gives its corrections its whole weight, one it holds gives
them less (``corrections.CORRECTION_WEIGHT`` and up), so exact matches rank first. A document
scores by the best reading it holds, not their sum (``BestOf``): holding the typed syllable and
a correction of it makes it no likelier to be meant than holding one. A split (``vacxin`` →
``vac xin``) needs both of its syllables. Neighbouring pairs are rewarded for the corrections
too (``ha noii``: ``ha noi``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

from whoosh import query as wq

from indexer.language.normalize import fold
from indexer.searching.best_of import BestOf
from indexer.searching.corrections import Correction

Fixes = Mapping[str, Sequence[Correction]]


def corrected_group(
    typed: wq.Query,
    found: Sequence[Correction],
    weight: float,
    group: Callable[[str, float], wq.Query],
) -> wq.Query:
    """``typed`` (the typed syllable's group) or any of its corrections, each at ``weight``
    times its own weight and share, a document scored by the best it holds;
    ``group(syllable, weight)`` makes a syllable's group."""
    options = [typed]
    for correction in found:
        scaled = weight * correction.weight * correction.share
        groups = [group(s, scaled) for s in correction.text.split()]
        options.append(wq.And(groups) if len(groups) > 1 else groups[0])
    return BestOf(options)


def corrected_pairs(a: str, b: str, fixes: Fixes) -> list[tuple[str, float]]:
    """The folded pairs that corrections of ``a`` or ``b`` make with each other or with the
    syllable as typed, each with the share of the pair's weight it gets."""
    if a not in fixes and b not in fixes:
        return []
    firsts = fixes.get(a) or [Correction(a, 1.0, "typed")]
    seconds = fixes.get(b) or [Correction(b, 1.0, "typed")]
    return [
        (
            fold(x.text.split()[-1]) + " " + fold(y.text.split()[0]),
            min(x.weight * x.share, y.weight * y.share),
        )
        for x in firsts
        for y in seconds
        if x.kind != "typed" or y.kind != "typed"
    ]


def split_pairs(fixes: Fixes) -> list[tuple[str, float]]:
    """The pairs a split correction makes (``vac xin``; ``ho chi``, ``chi minh``), with its
    weight, for each split."""
    return [
        (f"{a} {b}", found[0].weight)
        for found in fixes.values()
        for a, b in itertools.pairwise(fold(found[0].text).split())
    ]
