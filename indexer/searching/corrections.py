"""Corrections of query syllables, from an index's own vocabulary and frequencies.

A syllable the index knows, and not rarely, is left alone after one or two look-ups: that is the
cost for almost every query. The others get the candidates of ``indexer.searching.candidates``,
also judged beside their neighbours: a candidate that the index holds next to the query's
neighbouring syllable gains ``CONTEXT_SCALE`` times the log of how often.

Each ``Correction`` says how much of the typed syllable's weight it gets: all of it for a
syllable the index does not hold, ``CORRECTION_WEIGHT`` for one it holds (so that exact matches
rank first), and whether it is sure enough for a "did you mean".
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from indexer.language import input_methods
from indexer.language.normalize import fold, has_diacritics
from indexer.searching.candidates import scored_candidates
from indexer.searching.vocabulary import Vocabulary

# A syllable held by more documents than this is taken as typed (besides its share of all).
RARE_DOCUMENTS = 3
# A rarely held syllable is corrected only to a candidate this many times more frequent.
RARER_BY = 100
# An accented syllable held this many times less often than its letters with other accents is
# taken as mistyped (đuợc: 7 documents, duoc 8,784); kỵ (44 against 4,768) is not.
ACCENT_RARER_BY = 500
# Candidates scoring within this much of the best are kept.
KEEP_WITHIN = 4.0
MAX_CANDIDATES = 5
MAX_LETTERS = 16
# The weight of a correction of a syllable the index holds, against the syllable's own.
CORRECTION_WEIGHT = 0.5
# A neighbour pair the index holds adds CONTEXT_SCALE * log(1 + documents) to a candidate; a
# known syllable that pairs with no neighbour is corrected when a candidate that does scores
# CONTEXT_MARGIN more than the syllable as typed.
CONTEXT_SCALE = 1.0
CONTEXT_MARGIN = 2.0
MISFIT_CANDIDATES = 5
MAX_CACHED = 20_000  # corrections remembered per index reader


@dataclass(frozen=True)
class Correction:
    """One likely meaning of a query syllable: ``text`` (accented where the accents are known,
    two syllables for a split), how likely against the best (``share``, 1 for the best), where
    it came from (``kind``: ime, accents, edit, split, context), the share of the typed
    syllable's weight its terms get at share 1 (``weight``), and whether it is ``sure`` enough
    to be suggested."""

    text: str
    share: float
    kind: str
    weight: float = 1.0
    sure: bool = True


_CACHES: WeakKeyDictionary = WeakKeyDictionary()
_LOCK = threading.Lock()


def _cache(reader) -> OrderedDict:
    with _LOCK:
        return _CACHES.setdefault(reader, OrderedDict())


class Corrector:
    """Corrections of query syllables against one searcher's index, remembered per reader."""

    def __init__(self, searcher):
        reader = searcher.reader()
        self.vocabulary = Vocabulary(reader)
        self._cache = _cache(reader)

    def correct_text(
        self, syllables: Sequence[str], context: bool = True
    ) -> dict[str, tuple[Correction, ...]]:
        """The corrections of each syllable of one stretch of free text (keyed as given),
        each judged beside its neighbours. Syllables the index does not hold are corrected
        first; then the others, beside their neighbours as corrected: a rare one that pairs
        with neither is corrected, and with ``context`` a common one too may also match
        syllables that do pair (``hình nập``: nhập)."""
        lowered = [s.lower() for s in syllables]
        known = self.known_many(lowered)
        unknown = {s for s, low in zip(syllables, lowered, strict=True) if not known[low]}
        found = self._each(syllables, unknown, lowered, False)
        best = [found[s][0].text if s in found else s.lower() for s in syllables]
        rest = {s for s in syllables if s not in unknown}
        found.update(self._each(syllables, rest, best, context))
        return found

    def _each(self, syllables, which: set, neighbours: list[str], context: bool) -> dict:
        found = {}
        for i, syllable in enumerate(syllables):
            if syllable in found or syllable not in which:
                continue
            before = neighbours[i - 1] if i else ""
            after = neighbours[i + 1] if i + 1 < len(neighbours) else ""
            corrections = self.corrections(syllable.lower(), before, after, context)
            if corrections:
                found[syllable] = corrections
        return found

    def corrections(
        self, syllable: str, before: str = "", after: str = "", context: bool = True
    ) -> tuple[Correction, ...]:
        """The likely meanings of ``syllable`` (between ``before`` and ``after``) when it looks
        mistyped, best first; empty when it is known and fits, or nothing better is found."""
        key = (syllable.lower(), before, after, context)
        with _LOCK:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        found = self._correct(*key)
        with _LOCK:
            self._cache[key] = found
            if len(self._cache) > MAX_CACHED:
                self._cache.popitem(last=False)
        return found

    def known_many(self, syllables: Sequence[str]) -> dict[str, int]:
        """Documents holding each of ``syllables`` (lowercase) as typed: accents included when
        it has any."""
        accented = self.vocabulary.accented(s for s in syllables if has_diacritics(s))
        plain = self.vocabulary.folded(fold(s) for s in syllables if not has_diacritics(s))
        return {s: accented[s] if s in accented else plain[fold(s)] for s in syllables}

    def known(self, syllable: str) -> int:
        """Documents holding ``syllable`` as typed (accents included when it has any)."""
        lowered = syllable.lower()
        return self.known_many([lowered])[lowered]

    def _correct(self, typed: str, before: str, after: str, context: bool):
        if not 1 < len(typed) <= MAX_LETTERS or not typed.isalnum():
            return ()
        if not typed.isalpha() and not input_methods.decode_vni(typed):
            return ()  # numbers and codes (9h30, covid19) are taken as typed
        seen = self.known(typed)
        if seen and has_diacritics(typed):
            if seen * ACCENT_RARER_BY < self.vocabulary.folded([fold(typed)])[fold(typed)]:
                return self._rare(typed, before, after, seen)  # đuợc (7) against được
        if seen and (context or seen > RARE_DOCUMENTS):
            fits = not context or not (before or after) or self._fits(typed, before, after)
            return () if fits else self._misfit(typed, before, after, seen)
        if seen and (before or after) and self._fits(typed, before, after):
            return ()  # rare, but the index holds it beside a neighbour: chảnh chọe
        return self._rare(typed, before, after, seen)

    def _rare(self, typed: str, before: str, after: str, seen: int):
        """Corrections of a syllable the index holds in ``seen`` documents (maybe none), when
        the best is ``RARER_BY`` times more frequent."""
        scored = scored_candidates(self.vocabulary, typed)
        contexts = self._contexts(list(scored), before, after)
        for text, (score, kind) in list(scored.items()):
            scored[text] = (score + contexts[text], kind)
        if not scored:
            return ()
        best = max(score for score, _ in scored.values())
        if seen and best < math.log(RARER_BY * seen):
            return ()  # a rare word is not replaced by one merely common
        return _ranked(scored, 1.0 if not seen else CORRECTION_WEIGHT)

    def _fits(self, typed: str, before: str, after: str) -> bool:
        """Whether the index holds ``typed`` next to one of its neighbours, folded."""
        return self._contexts([typed], before, after)[typed] > 0

    def _misfit(self, typed: str, before: str, after: str, seen: int):
        """Corrections of a known syllable that pairs with neither neighbour: up to
        ``MISFIT_CANDIDATES`` that do, all at share 1 (which one was meant, the documents
        decide); suggested only when the best beats the syllable typed by ``CONTEXT_MARGIN``."""
        candidates = scored_candidates(self.vocabulary, typed)
        contexts = self._contexts(list(candidates), before, after)
        scored = {
            text: (score + contexts[text], "context")
            for text, (score, kind) in candidates.items()
            if contexts[text] > 0
        }
        if not scored:
            return ()
        ranked = sorted(scored.items(), key=lambda item: -item[1][0])[:MISFIT_CANDIDATES]
        sure = ranked[0][1][0] >= math.log(1 + seen) + CONTEXT_MARGIN
        return tuple(
            Correction(text, 1.0, kind, CORRECTION_WEIGHT, sure and not n)
            for n, (text, (_, kind)) in enumerate(ranked)
        )

    def _contexts(self, texts: list[str], before: str, after: str) -> dict[str, float]:
        """How well each of ``texts`` fits between its neighbours: the log of the documents
        holding each folded pair it makes, summed, in one batch."""
        pairs = {}
        for text in texts:
            words = fold(text).split()
            made = [(fold(before), words[0])] if before else []
            pairs[text] = made + ([(words[-1], fold(after))] if after else [])
        found = self.vocabulary.pairs(p for made in pairs.values() for p in made)
        return {
            text: CONTEXT_SCALE * sum(math.log(1 + found[p]) for p in made)
            for text, made in pairs.items()
        }


def _ranked(scored: dict[str, tuple[float, str]], weight: float) -> tuple[Correction, ...]:
    """The best ``MAX_CANDIDATES`` within ``KEEP_WITHIN`` of the best, as corrections."""
    best = max(score for score, _ in scored.values())
    ranked = sorted(scored.items(), key=lambda item: -item[1][0])[:MAX_CANDIDATES]
    return tuple(
        Correction(text, round(math.exp(score - best), 3), kind, weight)
        for text, (score, kind) in ranked
        if score >= best - KEEP_WITHIN
    )


def corrector(searcher) -> Corrector:
    """A ``Corrector`` for ``searcher``; what it learns is kept with the searcher's reader."""
    return Corrector(searcher)
