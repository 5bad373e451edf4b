"""Set operations on matches: (document numbers, scores) arrays combined as a query says.

The union sums the scores of the terms a document matches, ``best`` keeps the best of them
(``indexer.searching.best_of``), the intersection keeps the documents every part matches,
``and_maybe`` adds the optional part's score and ``and_not`` removes documents.
"""

from __future__ import annotations

import numpy as np

EMPTY = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))


# Combinations go through arrays as long as the segment (a score and a flag per document):
# O(postings + documents), where sorting (np.unique, np.intersect1d) was O(postings log
# postings) and took most of a long question's time.


def union(parts, size: int) -> tuple[np.ndarray, np.ndarray]:
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    ids = np.concatenate([p[0] for p in parts])
    sums = np.bincount(ids, weights=np.concatenate([p[1] for p in parts]), minlength=size)
    # Flags, not a second bincount: one byte a document instead of eight, and no counting.
    found = np.flatnonzero(flags(ids, size))
    return found, sums[found]


def best(parts, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The documents any part matches, each with the best score a part gives it."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    scores = np.full(size, -np.inf)
    for ids, part_scores in parts:  # a part holds each document once: no ufunc.at needed
        scores[ids] = np.maximum(scores[ids], part_scores)
    found = np.flatnonzero(scores > -np.inf)
    return found, scores[found]


def intersection(parts, size: int) -> tuple[np.ndarray, np.ndarray]:
    if not parts:
        return EMPTY
    ids, scores = parts[0]
    for other_ids, other_scores in parts[1:]:
        keep = flags(other_ids, size)[ids]
        ids = ids[keep]
        scores = scores[keep] + dense(other_ids, other_scores, size)[ids]
    return ids, scores


def and_maybe(required, optional, size: int) -> tuple[np.ndarray, np.ndarray]:
    ids, scores = required
    return ids, scores + dense(*optional, size)[ids]


def and_not(required, excluded, size: int) -> tuple[np.ndarray, np.ndarray]:
    keep = ~flags(excluded[0], size)[required[0]]
    return required[0][keep], required[1][keep]


def flags(ids: np.ndarray, size: int) -> np.ndarray:
    flags = np.zeros(size, dtype=bool)
    flags[ids] = True
    return flags


def dense(ids: np.ndarray, scores: np.ndarray, size: int) -> np.ndarray:
    dense = np.zeros(size, dtype=np.float64)
    dense[ids] = scores
    return dense
