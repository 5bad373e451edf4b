"""``BestOf``: a query node that scores each document by the best of its parts, not their sum.

A syllable typed and its corrections are alternatives: a document holding ``tố`` and ``tội``
beside ``phạm`` is no likelier to be the ``tội phạm`` meant by ``to pham`` than one holding
``tội`` alone, so it gets the better of the two readings' scores, not both. (bench/typos.py:
documents that held both crowded the one meant out of the top ten.)

Whoosh's own ``DisjunctionMax`` matcher scores a document by the better of its sub-matchers'
current postings even when one of them stands on another document; ``BestOf`` takes a
sub-matcher's score only where it stands on the document scored. ``indexer.searching.rank``
evaluates it with arrays (``match_sets.best``); tests/test_vectorised.py checks the two agree.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.matching.binary import DisjunctionMaxMatcher


class _BestOfMatcher(DisjunctionMaxMatcher):
    def score(self) -> float:
        a, b = self.a, self.b
        if not a.is_active():
            return b.score()
        if not b.is_active():
            return a.score()
        if a.id() != b.id():
            return a.score() if a.id() < b.id() else b.score()
        return max(a.score(), b.score())


class BestOf(wq.DisjunctionMax):
    """Documents matching any of ``subqueries``, each scored by the best part it matches."""

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        return self._tree_matcher(
            subs, _BestOfMatcher, searcher, context, lambda q: q.estimate_size(reader)
        )
