"""Ranking by meaning with numpy: exact nearest vectors, and fusing two rankings by weight."""

from __future__ import annotations

import numpy as np

# Each side contributes at least this many candidates to a fused ranking.
CANDIDATES = 100


def nearest(
    vectors: np.ndarray, query: np.ndarray, allowed: np.ndarray | None, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` rows of ``vectors`` closest to ``query`` (exact dot products: cosines of
    unit vectors), only among rows flagged in ``allowed`` (all when None): (row numbers,
    cosines), best first, ties by row."""
    if not len(vectors) or count <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores = vectors @ query
    rows = np.arange(len(vectors)) if allowed is None else np.flatnonzero(allowed)
    scores = scores[rows]
    if count < len(rows):
        best = np.argpartition(-scores, count - 1)[:count]
        rows, scores = rows[best], scores[best]
    order = np.lexsort((rows, -scores))
    return rows[order], scores[order]


def min_max(scores: np.ndarray) -> np.ndarray:
    """``scores`` scaled to 0..1 over themselves (all 1 when they are all equal)."""
    if not len(scores):
        return scores.astype(np.float64)
    low, high = float(scores.min()), float(scores.max())
    if high == low:
        return np.ones(len(scores))
    return (scores.astype(np.float64) - low) / (high - low)


def fuse(
    word: dict[int, float], meaning: dict[int, float], ratio: float
) -> list[tuple[int, float]]:
    """Fuse two sides' scores over the union of their candidates by weight: each side's scores
    min-max normalised over its own candidates (a document a side did not find scores 0 on
    it), ``(1 - ratio) * words + ratio * meaning``. Best first, ties by docnum."""
    union = np.array(sorted(word.keys() | meaning.keys()), dtype=np.int64)
    fused = np.zeros(len(union))
    for side, weight in ((word, 1.0 - ratio), (meaning, ratio)):
        if not side or weight == 0:
            continue
        found = np.fromiter(side.keys(), dtype=np.int64, count=len(side))
        scaled = min_max(np.fromiter(side.values(), dtype=np.float64, count=len(side)))
        fused[np.searchsorted(union, found)] += weight * scaled
    order = np.lexsort((union, -fused))
    return [(int(union[i]), float(fused[i])) for i in order]
