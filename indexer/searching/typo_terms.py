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

from indexer.language.normalize import fold, has_diacritics
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


# In a pair typed without accents, a correction's pair gets this many times the correction's
# weight (at most the typed pair's): folded, ``to pham`` holds its syllables in thực phẩm and
# truy tố as fully as tội phạm holds its reading, and only the pair tells them apart.
# bench/typos.py, seeds 7 / 11 / 3, found, unaccented: dropped letters 0.801 / 0.804 / 0.839 ->
# 0.804 / 0.808 / 0.843, neighbouring keys 0.931 / 0.946 -> 0.935 / 0.950 (seeds 7 / 3), swapped
# letters 0.957 / 0.986 -> 0.960 / 0.989 (seeds 7 / 11); no row lower; dev nDCG@10 unchanged.
# At 1.25 or 1.75 a little less; for pairs typed with accents too, a title typed right was
# found one query less (seed 11).
FOLDED_PAIR_LIFT = 1.5


def corrected_pairs(a: str, b: str, fixes: Fixes) -> list[tuple[str, float]]:
    """The folded pairs that corrections of ``a`` or ``b`` make with each other or with the
    syllable as typed, each with the share of the pair's weight it gets."""
    if a not in fixes and b not in fixes:
        return []
    firsts = fixes.get(a) or [Correction(a, 1.0, "typed")]
    seconds = fixes.get(b) or [Correction(b, 1.0, "typed")]
    lift = FOLDED_PAIR_LIFT if not has_diacritics(a) and not has_diacritics(b) else 1.0
    return [
        (
            fold(x.text.split()[-1]) + " " + fold(y.text.split()[0]),
            min(_pair_weight(x, lift) * x.share, _pair_weight(y, lift) * y.share),
        )
        for x in firsts
        for y in seconds
        if x.kind != "typed" or y.kind != "typed"
    ]


def _pair_weight(correction: Correction, lift: float) -> float:
    """What ``correction`` weighs in a pair: its weight times ``lift``, at most 1 (the
    syllable as typed weighs 1)."""
    if correction.kind == "typed":
        return correction.weight
    return min(1.0, correction.weight * lift)


def split_pairs(fixes: Fixes) -> list[tuple[str, float]]:
    """The pairs a split correction makes (``vac xin``; ``ho chi``, ``chi minh``), with its
    weight, for each split."""
    return [
        (f"{a} {b}", found[0].weight)
        for found in fixes.values()
        for a, b in itertools.pairwise(fold(found[0].text).split())
    ]
