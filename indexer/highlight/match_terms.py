"""The query syllables a document's syllables are matched against, for marking them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from indexer.language.normalize import fold, has_diacritics, normalize


@dataclass(frozen=True)
class MatchTerms:
    """The query syllables a document's syllables are matched against.

    ``exact``: lowercased query syllables carrying diacritics (``hà``); ``folded``: the folded form
    of every query syllable (``ha``). A folded form not coming from ``exact`` was typed without
    diacritics and matches any accent. ``phrases``: folded syllable sequences marked only where
    they appear whole (``ủy ban nhân dân``, the expansion of ``UBND``).
    """

    exact: frozenset[str]
    folded: frozenset[str]
    phrases: frozenset[tuple[str, ...]] = frozenset()

    @classmethod
    def from_syllables(cls, syllables: Iterable[str]) -> MatchTerms:
        """Build the terms from query syllables as the query analysis produced them (any case);
        an item holding spaces is a phrase (``Ủy ban nhân dân``)."""
        exact: set[str] = set()
        folded: set[str] = set()
        phrases: set[tuple[str, ...]] = set()
        for syllable in syllables:
            lowered = normalize(syllable).lower()
            if len(lowered.split()) > 1:
                phrases.add(tuple(fold(s) for s in lowered.split()))
                continue
            lowered = lowered.strip()
            if not lowered:
                continue
            folded.add(fold(lowered))
            if has_diacritics(lowered):
                exact.add(lowered)
        return cls(frozenset(exact), frozenset(folded), frozenset(phrases))
