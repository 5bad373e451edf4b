"""Corrections of query syllables, from an index's own vocabulary and frequencies.

Four cases, cheapest first:

- a syllable the index does not hold (``noii``, ``nguyeenx``), holds rarely and never beside
  its neighbours, or holds with other accents far more often (``đuợc``) gets the candidates of
  ``indexer.searching.candidates``; beside neighbours they are ranked by how likely their pairs
  with them are, and in a query of 3 to 6 syllables a guess whose whole query no document
  holds gives way to the next that some document holds (``vi sso ceo``: sao, not so);
- in a short keyword query, a syllable the index holds may be a slip for another: of three
  syllables or more, the whole query is read again one slip away when no document holds it
  (``con bo thong``: cong; ``indexer.searching.window_readings``); of two, or when the query
  is held, by each syllable's pairs with its neighbours (``hình nập``: nhập;
  ``indexer.searching.real_words``);
- a word the index holds that is no syllable may be two or three syllables typed without the
  spaces (``vietnam``, ``hanoi``, ``hochiminh``): read as them too when the index holds them
  side by side ten times as often, written as a name (``Corrector._joined``);
- anything else is taken as typed, after a look-up or two: the cost for almost every query.

Each ``Correction`` says how much of the typed syllable's weight it gets (all of it for a
syllable the index does not hold, ``CORRECTION_WEIGHT`` for one it holds, so that exact matches
rank first, up to ``CONTEXT_WEIGHT_MAX`` for a reading its neighbours make far likelier, and
``SUGGESTED_WEIGHT`` for the one a "did you mean" shows) and whether it is sure enough for one.
Answers are remembered per index reader.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from weakref import WeakKeyDictionary

from indexer.language import input_methods
from indexer.language.misspellings import DROPPED_COST
from indexer.language.normalize import fold, has_diacritics, strip_diacritics
from indexer.language.syllables import has_vowel, is_folded_syllable, tone_of, without_tone
from indexer.searching.accented_pairs import written_beside
from indexer.searching.candidates import (
    Scored,
    scored_candidates,
    split_candidates,
    splits_in_three,
)
from indexer.searching.real_words import (
    CHECKED,
    COMMON_SHARE,
    NON_SYLLABLE_RARER_BY,
    RealWordFix,
    commoner_than_letters,
    pair_support,
    real_word_fix,
    slip_cost,
    with_accents,
)
from indexer.searching.vocabulary import Vocabulary
from indexer.searching.window_readings import (
    ATTESTED,
    MAX_SYLLABLES,
    MIN_SYLLABLES,
    SURE_DOCUMENTS,
    SURE_MARGIN,
    WindowReading,
    documents_writing,
    read_whole,
    window_readings,
    written_as_typed,
)

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
# A reading in context (``real_words``) gets more of it the more it gains over the syllable as
# typed, up to CONTEXT_WEIGHT_MAX at a gain of FULL_GAIN: to pham is far likelier tội phạm than
# any reading of to beside phạm. bench/typos.py seed 7, against 0.5 throughout (both with
# BestOf): found 0.782 -> 0.789 (dropped letters, unaccented), 0.964 / 0.920 -> 0.971 / 0.924
# (neighbouring keys), 0.945 -> 0.953 (swapped, unaccented), no row lower. 1.0 at a gain of 5:
# no better.
CONTEXT_WEIGHT_MAX = 0.75
FULL_GAIN = 5.0
# A neighbour pair the index holds adds CONTEXT_SCALE * log(1 + documents) to a candidate.
CONTEXT_SCALE = 0.5
MAX_REAL_WORDS = 4  # syllables of one stretch of text that may match likelier readings
MAX_CACHED = 20_000  # corrections remembered per index reader
# A decode held by less than this share of its letters' documents counts only that share of
# their pairs (tren caj nhat: cạ); a commoner one keeps them (hồ bowi: bơi, though bởi is
# commoner, because the pair ho boi is mostly hồ bơi).
RARE_DECODE_SHARE = 0.02
# An accented spelling counts its letters' pairs at this power of its share of their documents
# (``Corrector._pair_shares``); bench/typos.py, seeds 7 and 11: every accented row found as
# often or more, dropped letters 0.813 -> 0.824 and 0.831 -> 0.845.
ACCENT_SHARE_POWER = 0.5
# Two syllables typed together are read apart only where the documents mostly write them as a
# name (every syllable capitalised): a word written in one piece is a name typed the English way.
NAME_SHARE = 0.5
MERGED_SHARE = 0.5  # of the other corrections of a syllable the whole query reads otherwise
# The reading a "did you mean" shows, of a syllable the index holds, weighs at least this much
# (the others, CORRECTION_WEIGHT up to CONTEXT_WEIGHT_MAX). bench/typos.py, found, against
# 0.5 and up: seed 7, Telex unaccented 0.996 -> 1.000, dropped letters accented 0.892 -> 0.896,
# neighbouring keys 0.975 / 0.924 -> 0.986 / 0.928; seed 11, swapped accented 0.993 -> 1.000;
# seed 3, dropped unaccented 0.836 -> 0.839, neighbouring keys accented 0.975 -> 0.978; no row
# lower. Applied to the terms only (not the pairs), 0.7 and 0.9 gained less than 0.8 on seed 7
# and 1.0 lost a dropped letter.
SUGGESTED_WEIGHT = 0.8
# A reading is suggested only where each other pair of syllables typed with accents is written
# so by this share of the documents holding its letters side by side (``_attested_apart``).
WRITTEN_SHARE = 0.01


@dataclass(frozen=True)
class Correction:
    """One likely meaning of a query syllable: ``text`` (accented where the accents are known,
    two syllables for a split), how likely against the best (``share``, 1 for the best), where
    it came from (``kind``: ime, accents, edit, split, context, phrase), the share of the typed
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
        first; then the others, beside their neighbours as corrected (a rare one that pairs
        with neither is corrected); and when nothing was, with ``context`` (a short keyword
        query), held syllables may also match likelier readings (``hình nập``: nhập)."""
        lowered = [s.lower() for s in syllables]
        known = self.known_many(lowered)
        unknown = {s for s, low in zip(syllables, lowered, strict=True) if not known[low]}
        found = self._each(syllables, unknown, lowered)
        best = [found[s][0].text if s in found else s.lower() for s in syllables]
        if any(a in found and b in found for a, b in itertools.pairwise(syllables)):
            # Two lacking side by side: each again beside the other's best reading, not its
            # letters (daf nawngx: đà beside nẵng, not dat beside nothing the index holds).
            found.update(self._each(syllables, unknown, best))
            best = [found[s][0].text if s in found else s.lower() for s in syllables]
        found.update(self._each(syllables, set(syllables) - unknown, best))
        if context and len(found) <= 1:  # a short query holds one typo far more often than two
            found = self._whole_query(syllables, lowered, known, found, best)
        return {typed: _suggested_weighs_more(fixes) for typed, fixes in found.items()}

    def _whole_query(self, syllables, lowered, known, found: dict, best: list[str]) -> dict:
        """``found`` with the readings of the whole query one slip away
        (``indexer.searching.window_readings``) first among the corrections of the syllable
        they change, when the typed query is held by no document or the one syllable corrected
        so far is held rarely; else, when nothing was corrected, likelier readings of each
        syllable beside its neighbours (``real_words``). Where no whole-query reading is sure
        or clear (``_clear_best``), a sure reading by the pairs of a syllable they leave alone
        is kept: a title breaks the words the query was cut from (``bả đồ uống bia``: bản, from
        ``bản đồ… uống bia``, which no document writes word for word). bench/typos.py, seeds 7
        / 11 / 3, accented: dropped letters read right (seed 7) 0.745 -> 0.748; suggestions with
        the title's accents (typos' ``exact``), wrong tones 0.530 / 0.529 -> 0.534 / 0.533
        (seeds 11 / 3), misplaced marks (seed 3) 0.534 -> 0.545; found the same. Where the whole
        query's best reading is clear, it was the slip (``đèn đom đó``: đóm, not đom read đo),
        and without that condition a title typed right got one (``tế đi vòi``: với). So it
        was where that reading is as cheap a slip as a letter put back (``DROPPED_COST``): it
        makes a text some document writes, the pairs' reading none (``chanh choe dai``: xai,
        not choe read cho; ``xây dựng rủ phi``: phu, not rủ read tủ); without that condition,
        three more wrong suggestions (seeds 7 / 11, neighbouring keys and dropped letters,
        none of them right before). (Keeping the pairs' readings that are not sure as well:
        found, dropped letters unaccented, 1 to 3 queries fewer on each seed.)

        A sure reading by the pairs that only puts back the accents of a syllable typed without
        them (``_accents_restored``) is kept whatever the whole-query readings: no reading of
        the letters is a cheaper slip (``benh viện nạn``: bệnh, where 17 of 10,000 news
        articles write ``bệnh viện này``, nạn read này, a letter and a tone away). bench/typos.py,
        seeds 7 / 11 / 3, exact: partial accents 0.396 / 0.384 / 0.354 -> 0.415 / 0.402 /
        0.369, misplaced marks (seed 11) 0.547 -> 0.558; no row lower. Any reading of the same
        letters with other accents (``tế đi vòi``, a title typed right: với) gave a title the
        index does not hold a suggestion (seed 3)."""
        only = None
        if found:
            (typed,) = found
            only = syllables.index(typed)
            if not known[typed.lower()]:
                found = {typed: self._held_spelling_first(lowered, only, found[typed])}
            if found[typed][0].kind == "ime":  # decoded exactly
                return found
        readings = self._cached(("window", only, *lowered), self._window_readings)
        if not readings:
            return found or self._letters_kept_where_written(
                lowered, self._real_word(syllables, set(syllables), best)
            )
        by_pairs = self._real_word(syllables, set(syllables), best) if not found else {}
        merged = dict(found)
        for typed, fixes in _window_corrections(syllables, readings, self.vocabulary).items():
            if typed in found and not known[typed.lower()]:
                # the spellings of a syllable the index lacks stay first
                merged[typed] = _appended(found[typed], fixes)
            else:  # held, or lacking and with no spelling (ã, ứ): the readings lead
                merged[typed] = _merged(fixes, found.get(typed) or by_pairs.get(typed, ()))
        if not any(c.sure for f in merged.values() for c in f[:1]):
            unclear = _clear_best(readings) is None and readings[0].cost > DROPPED_COST
            for typed, fixes in by_pairs.items():
                if fixes[0].sure and (unclear or _accents_restored(typed, fixes[0].text)):
                    merged.setdefault(typed, fixes)
        return merged

    def _letters_kept_where_written(self, lowered: list[str], fixes: dict) -> dict:
        """``fixes`` (the pairs' readings of a query ``window_readings.read_whole`` reads), a
        sure one that changes a syllable's letters made unsure where some document writes the
        query's letters word for word: the whole-query readings take such a query as typed
        (``window_readings.ATTESTED``), and so does the "did you mean", though accents may
        still be put back (``lun ở trung``, from a title writing lùn ở trung, read luôn)."""
        changed = {
            t for t, found in fixes.items() if found[0].sure and fold(found[0].text) != fold(t)
        }
        folded = [fold(s) for s in lowered]
        if (
            not changed
            or not read_whole(folded)
            or documents_writing(self.vocabulary, folded) < ATTESTED
        ):
            return fixes
        return {
            typed: (replace(found[0], sure=False), *found[1:]) if typed in changed else found
            for typed, found in fixes.items()
        }

    def _held_spelling_first(self, lowered: list[str], at: int, spellings: tuple) -> tuple:
        """``spellings`` of the lacking syllable at ``at``, led by the first whose reading of
        the whole query some document writes (word by word, ``documents_writing``), when no
        document writes the first one's reading: the pairs one at a time favour the commoner
        syllable (``tu ho bii``: bị, but only hồ bơi is written; ``chhan chau au``: chan, chuẩn
        châu Âu; ``côn bố thông``: con, but công bố thông is written), and a neighbouring key
        may be a Telex key by chance (``vist bi sat``: vít, but viet bi sat is written). Taken
        from 3 to 6 syllables, as the whole-query readings are (for two, the pairs decide; both
        ways were within a query or two a row). bench/typos.py, seeds 7 / 11 / 3, read right:
        neighbouring keys unaccented 0.775 / 0.763 / 0.771 -> 0.800 / 0.788 / 0.768, dropped
        letters accented 0.450 / 0.468 / 0.446 -> 0.468 / 0.489 / 0.460; found the same or one
        query more. A first that changed only the accents stayed first until the index paired
        syllables across a comma or a colon (a query copied across one looked held by no
        document); since, letting it give way: dropped letters read right (accented) 0.475 /
        0.488 / 0.478 -> 0.478 / 0.505 / 0.486, no row lower. Counted by pairs, a document
        holding each pair in another place kept the first (``từ hồ gơi``: hơi); counted word by
        word, read right 0.5 to 1 point higher in 15 rows of the three seeds (neighbouring keys
        accented 0.849 / 0.846 / 0.856 -> 0.856 / 0.849 / 0.860), found one query lower in one
        (seed 3, neighbouring keys unaccented)."""
        if not (MIN_SYLLABLES <= len(lowered) <= MAX_SYLLABLES):
            return spellings
        lead = self._cached(
            ("held", at, *lowered, *(c.text for c in spellings)),
            lambda key: _first_held(self.vocabulary, lowered, at, spellings),
        )
        if lead in (None, 0):
            return spellings
        first = spellings[lead]
        head = Correction(first.text, 1.0, first.kind, first.weight, first.sure)
        return (head, *spellings[:lead], *spellings[lead + 1 :])

    def _window_readings(self, key: tuple) -> tuple[WindowReading, ...]:
        return window_readings(self.vocabulary, list(key[2:]), key[1])

    def _each(self, syllables, which: set, neighbours: list[str]) -> dict:
        found = {}
        for i, syllable in enumerate(syllables):
            if syllable in found or syllable not in which:
                continue
            before, after = _beside(neighbours, i)
            corrections = self.corrections(syllable.lower(), before, after)
            if corrections:
                found[syllable] = corrections
        return found

    def _real_word(self, syllables, which: set, neighbours: list[str]) -> dict:
        """Each syllable of ``which`` whose likelier readings in context gain over it as typed
        (``indexer.searching.real_words``), with those readings as corrections. Only the one
        that gains the most may be suggested (a short query holds one typo far more often than
        two), and only when the rest of the query is attested."""
        fixes = {}
        accented = any(map(has_diacritics, syllables))
        for i, syllable in enumerate(syllables):
            typed = syllable.lower()
            if syllable in which and typed.isalpha() and 1 < len(typed) <= MAX_LETTERS:
                key = ("real", typed, *_beside(neighbours, i), accented)
                fix = self._cached(key, self._fix)
                if fix.texts:
                    fixes[i] = fix
        if not fixes:
            return {}
        best = max(fixes, key=lambda i: max(fixes[i].gains))
        sure = fixes[best].sure
        typed = fold(syllables[best].lower())
        if not is_folded_syllable(typed):
            # Letters that are no syllable (vs, big) are abbreviations and loan words, not
            # slips, unless the reading is far commoner (hn: 18 documents, hơn: 5,591), or
            # commoner for letters with no vowel (th: 67, thả: 414).
            reading = fold(fixes[best].texts[0])
            held = self.vocabulary.folded([typed, reading])
            # The slip from the letters as typed: folded, ndy is ndi, two slips from andy.
            cost = slip_cost(strip_diacritics(syllables[best].lower()), reading)
            sure = sure and commoner_than_letters(typed, held[typed], held[reading], cost)
        sure = sure and self._attested_apart(neighbours, best)
        ranked = sorted(fixes, key=lambda i: -max(fixes[i].gains))[:MAX_REAL_WORDS]
        return {syllables[i]: _readings(fixes[i], sure and i == best) for i in ranked}

    def _attested_apart(self, syllables: list[str], at: int) -> bool:
        """Whether the index holds every neighbouring pair of ``syllables`` that does not
        involve position ``at``, a pair of two syllables typed with accents written so by
        ``WRITTEN_SHARE`` of the documents holding its letters side by side (``xây dụng``, a
        wrong mark, is written by 1 of the 1,538 news articles holding ``xay dung``: the slip
        is there, not at ``at``)."""
        apart = [p for j, p in enumerate(itertools.pairwise(syllables)) if j not in (at - 1, at)]
        folded = self.vocabulary.pairs((fold(a), fold(b)) for a, b in apart)
        held = [folded[fold(a), fold(b)] for a, b in apart]
        if not all(held):
            return False
        return all(
            written_beside(self.vocabulary, a, {b: n}, True, exactly=True)[b]
            >= max(1.0, WRITTEN_SHARE * n)
            for (a, b), n in zip(apart, held, strict=True)
            if a.isalpha() and b.isalpha() and has_diacritics(a) and has_diacritics(b)
        )

    def _fix(self, key: tuple) -> RealWordFix:
        return real_word_fix(self.vocabulary, *key[1:])

    def _cached(self, key: tuple, compute):
        with _LOCK:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        found = compute(key)
        with _LOCK:
            self._cache[key] = found
            if len(self._cache) > MAX_CACHED:
                self._cache.popitem(last=False)
        return found

    def corrections(
        self, syllable: str, before: str = "", after: str = ""
    ) -> tuple[Correction, ...]:
        """The likely spellings of ``syllable`` (between ``before`` and ``after``) when the
        index does not hold it, holds it rarely and never beside its neighbours, or holds it
        with other accents far more often; best first, empty when it looks typed right. (A
        syllable the index holds may still be a slip for another in context: ``correct_text``.)
        """
        return self._cached(("spelling", syllable.lower(), before, after), self._spelling)

    def _spelling(self, key: tuple):
        return self._correct(*key[1:])

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

    def _correct(self, typed: str, before: str, after: str):
        if not 1 < len(typed) <= MAX_LETTERS or not typed.isalnum():
            return ()
        if not typed.isalpha() and not input_methods.decode(typed):
            return ()  # numbers and codes (9h30, covid19) are taken as typed
        seen = self.known(typed)
        if seen and has_diacritics(typed):
            if seen * ACCENT_RARER_BY < self.vocabulary.folded([fold(typed)])[fold(typed)]:
                return self._rare(typed, before, after, seen)  # đuợc (7) against được
        if seen > RARE_DOCUMENTS:
            return self._joined(typed, seen, before, after)
        if seen and (before or after) and self._fits(typed, before, after):
            return ()  # rare, but the index holds it beside a neighbour: chảnh chọe
        found = self._rare(typed, before, after, seen)
        return found or (self._joined(typed, seen, before, after) if seen else ())

    def _joined(self, typed: str, seen: int, before: str, after: str) -> tuple[Correction, ...]:
        """A word the index holds that is no syllable may be two or three typed without the
        spaces (``vietnam``, ``hanoi``, ``hochiminh``): read as them too when the index holds
        them side by side ``NON_SYLLABLE_RARER_BY`` times as often and mostly writes them as a
        name (``_a_name``: ``cole`` is no ``có lẽ``), and suggested unless the word is common; not
        when the index holds it beside a neighbour (``vietnam airlines``)."""
        if not typed.isalpha() or is_folded_syllable(fold(typed)):
            return ()
        if (before or after) and self._fits(typed, before, after):
            return ()
        splits = [(f"{a} {b}", n) for a, b, n in split_candidates(self.vocabulary, typed)]
        splits += splits_in_three(self.vocabulary, fold(typed))
        for text, together in sorted(splits, key=lambda split: -split[1]):
            if together < NON_SYLLABLE_RARER_BY * seen:
                break
            if self._a_name(text):
                common = seen > COMMON_SHARE * max(self.vocabulary.reader.doc_count_all(), 1)
                return (Correction(text, 1.0, "split", CORRECTION_WEIGHT, not common),)
        return ()

    def _a_name(self, folded: str) -> bool:
        """Whether the documents mostly write the word ``folded`` as a name, every syllable
        capitalised (``Hà Nội``, ``Sài Gòn``; not ``có lẽ``, which ``cole`` is not)."""
        written = self.vocabulary.written_words(folded)
        names = sum(n for form, n in written.items() if all(w[:1].isupper() for w in form.split()))
        return names >= NAME_SHARE * sum(written.values()) > 0

    def _rare(self, typed: str, before: str, after: str, seen: int):
        """Corrections of a syllable the index holds in ``seen`` documents (maybe none), when
        the best is ``RARER_BY`` times more frequent. Beside neighbours, candidates are ranked
        by how likely their pairs with them are (``real_words.pair_support``) rather than by
        their own frequency, which favours the commonest syllables (và, đã) over the meant."""
        scored = scored_candidates(self.vocabulary, typed)
        if not scored:
            return ()
        best = max(score for score, _, _ in scored.values())
        if seen and best < math.log(RARER_BY * seen):
            return ()  # a rare word is not replaced by one merely common
        weight = 1.0 if not seen else CORRECTION_WEIGHT
        if not (before or after):
            return _ranked(scored, weight)
        own = {text: df for text, (_, _, df) in scored.items()}
        shares = self._pair_shares(typed, scored)
        support = pair_support(self.vocabulary, list(scored), before, after, own, shares)
        splits = [text for text, (_, kind, _) in scored.items() if kind == "split"]
        inner = self._inner_pairs(splits, own)
        by_pairs = _in_context(scored, support, inner)
        if not (has_diacritics(before) or has_diacritics(after)):
            return _ranked(by_pairs | self._toned(typed, scored, before, after, own, inner), weight)
        # The likeliest by their folded pairs, counted again as the documents write them beside
        # the accents typed (real_words.CHECKED); the rest keep their folded pairs, after them.
        likeliest = [t for t in sorted(by_pairs, key=lambda t: -by_pairs[t][0]) if " " not in t]
        checked = {t: (t,) for t in likeliest[:CHECKED]}
        if not checked:  # splits only (hà aila: ai la)
            return _ranked(by_pairs, weight)
        support = pair_support(self.vocabulary, [*checked], before, after, own, shares, checked)
        written = _in_context({t: scored[t] for t in checked}, support, inner)
        floor = min(score for score, _, _ in written.values())
        as_written = {t: (min(v[0], floor), *v[1:]) for t, v in by_pairs.items()} | written
        # A neighbour's accents may be the slip (tam họ bii: hồ bơi), so the spellings the
        # folded pairs keep stay, after: the whole query may still choose one.
        return _then(_ranked(as_written, weight), _ranked(by_pairs, weight))

    def _toned(self, typed, scored: Scored, before: str, after: str, own, inner) -> Scored:
        """The decodes of ``typed`` that lack only a tone key (``hoo``: hô, hồ, hộ...), scored
        by their pairs as the documents write them beside the neighbours typed without accents:
        the folded pairs are the same for every tone, so the toneless decode, costing least,
        won (``hoo chi minh``: hô chí minh; ``tuyeen sinh``: tuyên sinh). bench/typos.py, seeds
        7 / 11 / 3, unaccented: a doubled letter (``hoo`` is one) read with the title's accents
        0.884 / 0.843 / 0.854 -> 0.957 / 0.925 / 0.921; Telex and VNI leftovers within a query
        either way (``tie6n bac``: tiền bạc, the title tiên bác); found one query lower once
        (Telex, seed 7) and one higher once (a doubled letter, seed 3)."""
        toneless = {d for d in input_methods.decode(typed) if not tone_of(d)}
        toneless |= {"đ" + d[1:] for d in toneless if d[:1] == "d"}  # as _decodes yields them
        toned = {
            text: (text,)
            for text, (_, kind, _) in scored.items()
            if kind == "ime" and without_tone(text) in toneless
        }
        if len(toned) < 2:
            return {}
        support = pair_support(
            self.vocabulary, [*toned], before, after, own, checked=toned, beside_plain=True
        )
        return _in_context({t: scored[t] for t in toned}, support, inner)

    def _inner_pairs(self, splits: list[str], own: dict[str, int]) -> dict[str, float]:
        """For each split ``a b`` (``own``: the documents holding the pair), the log of how
        often ``b`` follows ``a``: its pairs with the neighbours judge a split by its outer
        syllables only, and a common first one made ``nu bioi`` read ``nữ bị oi`` (3 documents
        hold ``bi oi``, thousands ``bi``) over ``nữ giới``. bench/typos.py, seeds 7 / 11 / 3:
        neighbouring keys unaccented read right 0.804 / 0.794 / 0.789 -> 0.808 / 0.801 / 0.789,
        found one query more on seeds 7 and 11, no row lower."""
        firsts = self.vocabulary.folded(fold(text.split()[0]) for text in splits)
        return {
            text: math.log((1 + own[text]) / (1 + firsts[fold(text.split()[0])])) for text in splits
        }

    def _pair_shares(self, typed: str, scored: Scored) -> dict[str, float]:
        """How much of its letters' folded pairs each candidate may count (1 where absent).

        Pairs are folded, so each accented form of the same letters would borrow them whole.
        For an accented ``typed``, each spelling guessed by its accents, an edit or a split
        counts them at its share of its letters' documents (a split's, the product of its
        syllables' shares) to the power ``ACCENT_SHARE_POWER``: without it the rarest forms
        (``tàm``, ``tẩm``) tie with the common ones and crowd out an edit the pair makes likely
        (``tảm họa``: thảm). The root, not the share itself, because a pair is not independent
        of the accents: ``thảm`` is a tenth of ``tham`` but most of ``tham hoa``. (The spellings
        of an unaccented ``typed`` are folded: share 1.) A decode by an input method that its
        letters rarely mean (``RARE_DECODE_SHARE``) counts only its share: ``tren caj nhat``
        decodes to ``cạ``, which ``trên cả nhà`` does not make likely."""
        decoded = [text for text, (_, kind, _) in scored.items() if kind == "ime"]
        guessed = [t for t in scored if t not in decoded] if has_diacritics(typed) else []
        of_letters = self._letter_shares(decoded + guessed)
        rare = {t: of_letters[t] for t in decoded if of_letters[t] < RARE_DECODE_SHARE}
        return {t: of_letters[t] ** ACCENT_SHARE_POWER for t in guessed} | rare

    def _letter_shares(self, texts: list[str]) -> dict[str, float]:
        """For each text, the share of its letters' documents that hold it with its accents
        (a split's, the product of its syllables' shares); one batch of look-ups."""
        words = {w for text in texts for w in text.split()}
        held = self.vocabulary.accented(words)
        letters = self.vocabulary.folded(fold(w) for w in words)
        return {
            text: math.prod(min(1.0, held[w] / max(letters[fold(w)], 1)) for w in text.split())
            for text in texts
        }

    def _fits(self, typed: str, before: str, after: str) -> bool:
        """Whether the index holds ``typed`` next to one of its neighbours, folded."""
        return self._contexts([typed], before, after)[typed] > 0

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


def _readings(fix: RealWordFix, sure: bool) -> tuple[Correction, ...]:
    """A real-word fix as corrections, each sharing by how much less it gains than the best
    (within ``KEEP_WITHIN``); only the first may be sure, and a sure first shares fully though
    another gains more (the suggestion weighs slips harder than matching does): the results
    then follow the "did you mean" (``ia cơ``: gia, not da)."""
    top = max(fix.gains)
    readings = []
    for n, (text, gain) in enumerate(zip(fix.texts, fix.gains, strict=True)):
        if sure and not n:
            readings.append(Correction(text, 1.0, "context", context_weight(gain), True))
        elif gain >= top - KEEP_WITHIN:
            share = round(math.exp(gain - top), 3)
            readings.append(Correction(text, share, "context", context_weight(gain), False))
    return tuple(readings)


def _suggested_weighs_more(fixes: tuple[Correction, ...]) -> tuple[Correction, ...]:
    """``fixes`` with the first, when it is sure (the one the "did you mean" shows), weighing at
    least ``SUGGESTED_WEIGHT``: the results follow the suggestion, after the exact matches. Not
    a split, whose syllables each weigh that much: three at 0.8 outweighed the word typed
    (``hochiminh``)."""
    first = fixes[0]
    if not first.sure or first.weight >= SUGGESTED_WEIGHT or " " in first.text:
        return fixes
    return (replace(first, weight=SUGGESTED_WEIGHT), *fixes[1:])


def context_weight(gain: float) -> float:
    """The weight of a reading in context that gains ``gain`` over the syllable as typed:
    ``CORRECTION_WEIGHT``, rising with the gain to ``CONTEXT_WEIGHT_MAX``."""
    rise = min(1.0, max(gain, 0.0) / FULL_GAIN)
    return round(CORRECTION_WEIGHT + (CONTEXT_WEIGHT_MAX - CORRECTION_WEIGHT) * rise, 3)


def _first_held(vocabulary, lowered: list[str], at: int, spellings: tuple) -> int | None:
    """The position among ``spellings`` of the first whose reading of the whole query
    (``lowered`` with it at ``at``) some document writes, or None: with the accents typed
    and the spelling as it is, for a syllable typed with accents and a vowel (``giá dẩu thô``:
    dầu, though beside each neighbour dấu is likelier and the letters of ``giá dấu thô`` are
    written, as giá dầu thô); else by their letters (letters with no vowel lost their marks:
    ``đng để những thứ``). bench/typos.py, seeds 7 / 11 / 3, against their letters for all:
    dropped letters accented read right (seed 11) 0.786 -> 0.789; suggestions with the
    title's accents (``exact``) for wrong tones 0.570 / 0.534 / 0.533 -> 0.578 / 0.548 /
    0.547, neighbouring keys (seeds 7 / 3) 0.903 / 0.939 -> 0.910 / 0.942, dropped letters
    (seed 11) 0.775 -> 0.782, misplaced marks (seed 11) 0.512 -> 0.523, doubled letters (seed
    7) 0.989 -> 0.993; no row lower. (With letters with no vowel too, one dropped letter less
    read right on seed 3.)"""
    folded = [fold(s) for s in lowered]
    read: dict = {}
    typed = lowered[at]
    accented = has_diacritics(typed) and has_vowel(fold(typed))
    for n, spelling in enumerate(spellings):
        words = spelling.text.lower().split()
        if accented and len(words) == 1:
            reading = lowered[:at] + words + lowered[at + 1 :]
            if written_as_typed(vocabulary, reading, at, read):
                return n
            continue
        reading = folded[:at] + [fold(w) for w in words] + folded[at + 1 :]
        if documents_writing(vocabulary, reading, read):
            return n
    return None


def _window_corrections(syllables, readings, vocabulary) -> dict:
    """Whole-query readings as corrections of the syllables they change, each sharing by how
    much less it scores than the best; only the best reading may be sure. A syllable typed
    with accents is read as the documents write it (``muốn thi đu cho``: đấu, not đau, the form
    nearest the accents typed)."""
    top = readings[0].score
    found: dict[str, list[Correction]] = {}
    clear = _clear_best(readings)
    for reading in readings:
        typed = syllables[reading.at]
        text = reading.written or reading.folded
        if has_diacritics(typed) and not reading.written:
            text = with_accents(vocabulary, typed.lower(), [text])[0]
        share = round(math.exp(reading.score - top), 3)
        weight = CONTEXT_WEIGHT_MAX if reading is clear else CORRECTION_WEIGHT
        found.setdefault(typed, []).append(Correction(text, share, "phrase", weight, reading.sure))
    return {s: tuple(sorted(c, key=lambda c: -c.share)) for s, c in found.items()}


def _clear_best(readings: Sequence[WindowReading]) -> WindowReading | None:
    """The best reading when its evidence is a suggestion's, whether or not one may be made
    (``window_readings``: held by ``SURE_DOCUMENTS``, ``SURE_MARGIN`` ahead of the next): it
    weighs as a reading in context that gains by ``FULL_GAIN`` (``bố kế quả``: kết, 43 of
    10,000 news articles, though kế is too common to be suggested away). bench/typos.py, seeds
    7 / 11 / 3, found: dropped letters accented (seed 11) 0.895 -> 0.898, neighbouring keys
    unaccented (seed 7) 0.928 -> 0.931, no row lower. (Weighed by its margin instead, up to
    the same, one query on seed 11 only.)"""
    best, *others = readings
    margin = best.score - others[0].score if others else math.inf
    return best if best.documents >= SURE_DOCUMENTS and margin >= SURE_MARGIN else None


def _accents_restored(typed: str, reading: str) -> bool:
    """Whether ``reading`` is ``typed``, a syllable typed without accents, with its accents."""
    return not has_diacritics(typed) and fold(reading) == typed.lower()


def _merged(window: tuple, others: tuple) -> tuple:
    """Whole-query readings first, then the other corrections of the same syllable
    (``_appended``); the first is sure when either source was sure of it."""
    first = window[0]
    sure = first.sure or any(c.sure and fold(c.text) == fold(first.text) for c in others[:1])
    head = Correction(first.text, first.share, first.kind, first.weight, sure)
    return _appended((head, *window[1:]), others)


def _appended(first: tuple, more: tuple) -> tuple:
    """``first``, then those of ``more`` it lacks at ``MERGED_SHARE`` of their share, unsure."""
    seen = {fold(c.text) for c in first}
    return first + tuple(
        Correction(c.text, round(c.share * MERGED_SHARE, 3), c.kind, c.weight, False)
        for c in more
        if fold(c.text) not in seen
    )


def _beside(syllables: list[str], i: int) -> tuple[str, str]:
    """The syllables before and after position ``i`` (empty at either end)."""
    return (syllables[i - 1] if i else "", syllables[i + 1] if i + 1 < len(syllables) else "")


def _in_context(scored: Scored, support: dict, inner: dict[str, float]) -> Scored:
    """``scored`` with each candidate's own frequency replaced by its pairs with the
    neighbours (``support``) and, for a split, its inner pair (``inner``)."""
    return {
        text: (
            score - math.log(1 + df) + CONTEXT_SCALE * (support[text][0] + inner.get(text, 0)),
            kind,
            df,
        )
        for text, (score, kind, df) in scored.items()
    }


def _then(first: tuple, others: tuple) -> tuple:
    """The corrections ``first``, then those of ``others`` it lacks, each at most as likely as
    the last of ``first``."""
    texts = {c.text for c in first}
    last = first[-1].share if first else 1.0
    return first + tuple(
        replace(c, share=min(c.share, last)) for c in others if c.text not in texts
    )


def _ranked(scored: Scored, weight: float) -> tuple[Correction, ...]:
    """The best ``MAX_CANDIDATES`` within ``KEEP_WITHIN`` of the best, as corrections."""
    best = max(score for score, _, _ in scored.values())
    ranked = sorted(scored.items(), key=lambda item: -item[1][0])[:MAX_CANDIDATES]
    return tuple(
        Correction(text, round(math.exp(score - best), 3), kind, weight)
        for text, (score, kind, _) in ranked
        if score >= best - KEEP_WITHIN
    )


def corrector(searcher) -> Corrector:
    """A ``Corrector`` for ``searcher``; what it learns is kept with the searcher's reader."""
    return Corrector(searcher)
