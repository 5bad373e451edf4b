"""pyvi's own way to word boundaries: feature strings tagged by python-crfsuite.

The reference the tests hold ``indexer.language.segmentation.tag_joins`` to, and the "before"
of bench/segment_speed.py. Only tests and benchmarks use it.
"""

from __future__ import annotations

import string
from collections.abc import Sequence


def crfsuite_joins(pieces: Sequence[str]) -> list[bool]:
    """``tag_joins`` the way pyvi computes it: feature strings tagged by python-crfsuite.

    The reference the tests hold ``tag_joins`` to, and the "before" of bench/segment_speed.py.
    """
    if not pieces:
        return []
    tagger, bi_grams, tri_grams = pyvi_model()
    labels = tagger.tag(features(pieces, bi_grams, tri_grams))
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


def features(pieces: Sequence[str], bi_grams: set, tri_grams: set) -> list[list[str]]:
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


def pyvi_model():
    """pyvi's crfsuite tagger and n-gram sets, loaded once per process on first use (~1 s).

    Only ``crfsuite_joins`` uses them; ``tag_joins`` reads the same model through
    ``indexer.language.crf``.
    """
    global _MODEL
    if _MODEL is None:
        from pyvi.ViTokenizer import ViTokenizer

        _MODEL = (ViTokenizer.model.tagger_, ViTokenizer.bi_grams, ViTokenizer.tri_grams)
    return _MODEL
