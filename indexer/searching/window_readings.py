"""Typos that make real words, told by the whole query: ``san ham nay`` is held by no document,
``san pham nay`` by 74.

A short query of three or more syllables is most often a piece of some text, and a slip that
makes another real syllable (``cong bo`` typed ``con bo``) leaves a text nobody wrote. Syllable
pairs (``real_words``) judge a slip by one neighbour at a time; here every reading one slip away
from the typed query is judged whole, by how many documents hold all of its neighbouring pairs
(folded, ``fold_bigrams``: a document holding ``san pham`` and ``pham nay`` nearly always holds
``san pham nay``):

    score(reading) = log(documents holding all its pairs) - COST_SCALE * cost(typed | reading)

In a query typed with accents, those documents are the ones that write the reading with the
accents typed (``_written_as_typed``); when none does, the readings of the letters still match,
and none is suggested.

Readings are looked for when the typed query's pairs are held together by fewer than
``ATTESTED`` documents (in a query typed with accents, counting none when each writes two of
its syllables with other accents, ``_written_but_one_accent``), or at one syllable the index
holds rarely with the accents typed (then a reading must be held more often than the letters as
typed, which other accents may fix). The best reading is sure enough for a "did you mean"
only with strong evidence: the typed query held by no document, the reading by
``SURE_DOCUMENTS`` (one, for letters with no vowel or a syllable the documents do not write
beside each neighbour), no other reading within ``SURE_MARGIN`` (``_runner_up``), the syllable
it replaces not common (or held less often than the last of the ``COMMONEST`` syllables as
written, and replaced by a commoner word), and the accents typed kept.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

import numpy as np

from indexer.codec.postings import terms_reader, uses_array_codec
from indexer.language.misspellings import DROPPED_COST
from indexer.language.normalize import fold, has_diacritics, strip_diacritics
from indexer.language.syllables import (
    accented_forms,
    has_vowel,
    is_folded_syllable,
)
from indexer.searching.accented_pairs import SAMPLED, written_beside
from indexer.searching.candidates import accents_cost, accents_on_the_slip, keeps_accents
from indexer.searching.real_words import (
    SECOND_TYPO_COST,
    commoner_than_letters,
    held_slips,
    is_common,
    suggestable_slip,
    with_accents,
)
from indexer.searching.vocabulary import Vocabulary

MIN_SYLLABLES, MAX_SYLLABLES = 3, 6  # two syllables are one pair: real_words judges those
# Documents writing the typed query (its letters, word for word), for it to be taken as typed:
# a reading is suggested only for a text nobody writes, and a query one article writes is most
# often cut from it (and so typed right). At 1 against 2, short queries typed right p95 0.82x
# (bench/typos_speed.py, 38,084 articles: 20.5 against 25.0 ms; p50 0.98x), and the pairs'
# readings then decide such a query (``Corrector._letters_kept_where_written``): bench/typos.py,
# seeds 7 / 11 / 3, exact, partial accents 0.456 / 0.441 / 0.412 -> 0.467 / 0.445 / 0.431,
# wrong tones 0.615 / 0.594 / 0.588 -> 0.622 / 0.598 / 0.588; found, wrong tones (seed 7)
# 0.956 -> 0.959, dropped letters unaccented 0.804 / 0.850 -> 0.801 / 0.846 (seeds 7 / 3: two
# typos that make a text one article writes, ``me dien do``, ``nu da gia``); seeds 5 / 13, not
# tuned on: exact partial accents +3 / +3 queries, wrong tones +0 / +1; found wrong tones and
# partial accents +1 / +1 (seed 5), partial accents and dropped letters accented -1 / -1 (seed
# 13); read right the same; dev nDCG unchanged.
ATTESTED = 1
COST_SCALE = 1.0
# Readings (the likeliest by their pairs one at a time) looked up whole. By its pairs alone a
# reading ranks behind every commoner pair of a syllable one slip away (``cầ bị khởi tố``: đã
# bị, và bị, các bị... before cầu bị). bench/typos.py, seeds 7 / 11 / 3, against 12: dropped
# letters accented read right 0.712 / 0.744 / 0.698 -> 0.716 / 0.758 / 0.712, found (seeds 11
# / 3) 0.902 / 0.932 -> 0.905 / 0.935; unaccented found 0.804 / 0.804 / 0.843 -> 0.804 /
# 0.808 / 0.846, read right 0.388 -> 0.384 (seed 7), 0.421 -> 0.425 (seed 3); neighbouring
# keys accented (seed 3) 0.946 -> 0.950 read right, 0.982 -> 0.986 found; titles typed right
# unchanged. At 20 less; at 60 one query more found on two rows, one less read right on one.
CHECKED = 30
KEEP_WITHIN = 3.0  # readings scoring within this much of the best also match
MAX_READINGS = 4
# Documents writing a reading for it to be suggested. bench/typos.py, seeds 7 / 11 / 3, at 2
# against 3: dropped letters read right unaccented (seed 7) 0.402 -> 0.406, accented (seed 11)
# 0.758 -> 0.761; Telex leftovers unaccented (seed 3) 0.996 -> 1.000; no row lower. At 1, 17
# more read right over the three seeds, and four titles typed right that the index does not
# hold got a suggestion.
SURE_DOCUMENTS = 2
# Letters with no vowel (hc, rt, ch in an accented query) are no word typed right but a syllable
# whose vowel was left out, or an abbreviation (replaced only by a far commoner reading): one
# document holding the reading is enough. bench/typos.py, seeds 7 / 11 / 3: dropped letters
# read right 0.435 / 0.465 / 0.428 -> 0.450 / 0.468 / 0.442 accented, 0.320 / 0.299 / 0.332 ->
# 0.324 / 0.306 / 0.336 unaccented, every other row the same, no suggestion more for a query
# typed right. (At 1 for every syllable: 10 more read right, but a rare word was replaced by a
# reading one document held, mỏm by mỏi, and a loan word, moto, by một.)
VOWELLESS_SURE_DOCUMENTS = 1
# A known-item query is often a piece of one text: a reading only that text writes is enough
# when no document writes the syllable typed beside either neighbour (``giả trộm cắp ti``,
# tài; ``đang quay li thị``, lại), though a typo leaves such a syllable far more often than a
# query typed right does. bench/typos.py, seeds 7 / 11 / 3, read right: dropped letters
# accented 0.594 / 0.621 / 0.568 -> 0.629 / 0.674 / 0.604, unaccented 0.333 / 0.331 / 0.368 ->
# 0.337 / 0.345 / 0.386; neighbouring keys accented 0.885 / 0.884 / 0.899 -> 0.896 / 0.895 /
# 0.917, unaccented 0.815 / 0.815 / 0.789 -> 0.822 / 0.829 / 0.800; swapped letters
# unaccented 0.895 / 0.929 / 0.929 -> 0.899 / 0.940 / 0.932; found unchanged; titles typed
# right that get no suggestion 0.987 -> 0.983 (seed 7, unaccented: ``dao nha nghet``,
# nghèo), 0.977 / 0.977 -> 0.970 / 0.973 (seed 11: ``là ghiền từ``, thiền; and ``xả xúng
# kinh``, súng, a title typed wrong). Since, beside each neighbour (``_written_beside_each``).
APART_SURE_DOCUMENTS = 1
SURE_MARGIN = math.log(3)
# Issue 16's common syllables: a syllable written outside this many of the commonest may be
# replaced even in a query of syllables in more than 1% of the documents
# (``_common_replaceable``).
COMMONEST = 1000
CHECKED_UP_TO = 3  # readings held by this few documents are checked word by word
_NONE = np.zeros(0, dtype=np.int64)
_FIELDS = (("title", "title_fold"), ("body", "body_fold"))  # (accented, folded) of each text


@dataclass(frozen=True)
class WindowReading:
    """One reading of the query: the syllable at ``at`` read as ``folded``, its score, the
    documents holding all of its pairs, whether it is sure enough to be suggested, for a
    syllable typed with accents, the form the documents write it in (else empty), and what
    the slip costs (accents changed included)."""

    at: int
    folded: str
    score: float
    documents: int
    sure: bool = False
    written: str = ""
    cost: float = 0.0


def window_readings(
    vocabulary: Vocabulary, syllables: list[str], only: int | None = None
) -> tuple[WindowReading, ...]:
    """The likelier readings of ``syllables`` (one stretch of free text, lowercase) one slip
    away, best first; none when the query is held as typed, or is too short or too long.
    ``only``: the position of a syllable held rarely with its accents; only it is read again."""
    folded = [fold(s) for s in syllables]
    if not read_whole(folded):
        return ()
    read: dict = {}  # documents of each pair, read once for all the readings
    typed_documents = documents_writing(vocabulary, folded, read)
    accented = any(map(has_diacritics, syllables))
    if only is None and typed_documents >= ATTESTED:
        if not accented or _written_but_one_accent(vocabulary, syllables, read):
            return ()
        typed_documents = 0  # its letters, but with two typos or more
    floor = math.log(typed_documents) if only is not None and typed_documents else -math.inf
    options = []  # (at, candidate, cost, the pairs it makes)
    names = not all(map(is_folded_syllable, folded))
    for at, syllable in enumerate(syllables):
        if only is None or at == only:
            for candidate, cost in held_slips(vocabulary, strip_diacritics(syllable), names):
                window = folded[:at] + [candidate] + folded[at + 1 :]
                options.append((at, candidate, cost, list(itertools.pairwise(window))))
    held = vocabulary.pairs(p for *_, pairs in options for p in pairs)
    alive = [o for o in options if all(held[p] for p in o[3])]
    alive.sort(key=lambda o: -(sum(math.log(held[p]) for p in o[3]) - COST_SCALE * o[2]))
    readings, by_letters = [], []
    for at, candidate, cost, _ in alive[:CHECKED]:
        window = [*folded[:at], candidate, *folded[at + 1 :]]
        documents = documents_writing(vocabulary, window, read)
        if documents and has_diacritics(syllables[at]):
            cost += _accents_changed(vocabulary, syllables[at], candidate)
        by_letters.append(_reading(at, candidate, cost, documents))
        written = ""
        if accented and documents:
            documents, written = _written_as_typed(vocabulary, syllables, at, window, read)
            if written and not keeps_accents(syllables[at], written):
                # A slip of the letters written with other accents is two typos, as for the
                # pairs' readings. bench/typos.py, seeds 11 / 3, accented, read right:
                # neighbouring keys 0.898 -> 0.902, dropped letters 0.716 / 0.644 -> 0.719 /
                # 0.647; no row lower (at 1, the first two only).
                cost += SECOND_TYPO_COST
        readings.append(_reading(at, candidate, cost, documents, written))
    readings = _near_slips_first(vocabulary, readings, syllables)
    readings = _best_first([r for r in readings if r.score > floor])
    if not readings:
        # None written with the accents typed: the readings of the letters still match, as a
        # slip may also have changed an accent, but none is suggested.
        return _best_first([r for r in by_letters if r.score > floor])
    best = readings[0]
    runner_up = _runner_up(readings)
    sure = (
        typed_documents == 0
        and best.score - runner_up >= SURE_MARGIN
        and suggestable_slip(folded[best.at], best.cost)
        and _replaceable(vocabulary, syllables, best.at, best.folded, best.written, best.cost)
        and _enough_documents(vocabulary, syllables, best.at, best.documents)
    )
    return (replace(best, sure=sure), *readings[1:])


def read_whole(folded: list[str]) -> bool:
    """Whether a query of the ``folded`` syllables is read whole: ``MIN_SYLLABLES`` to
    ``MAX_SYLLABLES`` of them, each only letters."""
    return MIN_SYLLABLES <= len(folded) <= MAX_SYLLABLES and all(map(str.isalpha, folded))


def _near_slips_first(
    vocabulary: Vocabulary, readings: list[WindowReading], syllables: list[str]
) -> list[WindowReading]:
    """``readings`` without those a slip dearer than a letter put back (``DROPPED_COST``: a
    far key) away from letters that are no syllable or from a syllable that is not common
    (``real_words.is_common``), where one as cheap is written by some document: such a
    syllable is a letter short, or typed with a neighbouring key, far more often than typed
    with a far key (``qa phu nu``: qua, which one of 10,000 news articles writes, not la, which
    39 write one far key away; ``uà phụ nữ``: quà, not là; ``thống putin na``: nga, not la or
    va; ``bộ phim của cnh``: cnn). bench/typos.py, seeds 7 / 11 / 3, read right, for letters
    that are no syllable: dropped letters unaccented 0.449 / 0.413 / 0.454 -> 0.457 / 0.416 /
    0.457 (found, seed 3, 0.846 -> 0.850), neighbouring keys unaccented (seed 7) 0.851 ->
    0.855, accented (seed 11) 0.916 -> 0.919, swapped letters unaccented (seed 11) 0.957 ->
    0.961; then for syllables that are not common: dropped letters accented 0.752 / 0.737 ->
    0.755 / 0.741 (seeds 7 / 3), unaccented (seed 11) 0.416 -> 0.420, swapped letters
    unaccented (seed 11) 0.961 -> 0.964; no row lower. (For common syllables too, more read
    right, but a title typed right got a suggestion, ``của công ty ma``: may, and seed 3 found
    one dropped letter fewer.)"""
    accented = any(map(has_diacritics, syllables))
    written_near = {r.at for r in readings if r.documents and r.cost <= DROPPED_COST}
    near_only = {
        at
        for at in written_near
        if not is_folded_syllable(fold(syllables[at]))
        or not is_common(vocabulary, syllables[at], accented)
    }
    return [r for r in readings if r.at not in near_only or r.cost <= DROPPED_COST]


def _runner_up(readings: tuple[WindowReading, ...]) -> float:
    """The score of the best reading after the first, which must be ``SURE_MARGIN`` behind
    for the first to be suggested. A reading of the same syllable that costs more than the
    first and than a letter put back (``DROPPED_COST``: a far key, ``thuc`` for ``thun``,
    against ``thuan``) is no rival: when one document writes each, the slips' costs alone (0.6
    against 1.2) never part them by the margin, though a letter left out or a neighbouring key
    is a far commoner slip. First for letters with no vowel (``ln de mac benh``: lan, not la),
    bench/typos.py, seeds 7 / 11 / 3, dropped letters read right: unaccented (seed 7) 0.406 ->
    0.417 (0.420 with ``held_slips``' abbreviations cut short, which keep ``y tế tp hc`` from
    reading hồ over hcm), accented (seed 7) 0.727 -> 0.730; then for every syllable: dropped
    letters accented 0.730 / 0.768 / 0.716 -> 0.734 / 0.772 / 0.719, unaccented 0.420 / 0.388
    / 0.443 -> 0.424 / 0.391 / 0.450; neighbouring keys unaccented (seed 3) 0.818 -> 0.821,
    swapped letters unaccented (seed 3) 0.932 -> 0.936; no row lower. (Dropping such rivals
    whatever the first costs gave two titles typed right a suggestion: ``nhi giành ngôi``,
    khi, itself a far key.)"""
    best, *others = readings
    costlier = max(DROPPED_COST, best.cost)
    others = [r for r in others if r.at != best.at or r.cost <= costlier]
    return others[0].score if others else -math.inf


def _reading(
    at: int, candidate: str, cost: float, documents: int, written: str = ""
) -> WindowReading:
    """The reading of the syllable at ``at`` as ``candidate``, scored by the documents writing
    it and the cost of the slip."""
    score = math.log(documents) - COST_SCALE * cost if documents else -math.inf
    return WindowReading(at, candidate, score, documents, written=written, cost=cost)


def _best_first(readings: list[WindowReading]) -> tuple[WindowReading, ...]:
    """The best of ``readings``, then the next ``MAX_READINGS - 1`` scoring within
    ``KEEP_WITHIN`` of it; none sure."""
    if not readings:
        return ()
    best, *others = sorted(readings, key=lambda r: -r.score)
    return (best, *(r for r in others[: MAX_READINGS - 1] if r.score >= best.score - KEEP_WITHIN))


def _accents_changed(vocabulary: Vocabulary, typed: str, folded: str) -> float:
    """What reading ``typed`` (with accents) as ``folded`` costs on top of the slip of its
    letters: how far the accents of its form nearest those typed are from them
    (``candidates.accents_cost``, as for the pairs' readings in ``real_words``): in ``trê cầu
    nhật``, ``của`` for ``cầu`` is a slip and other accents, ``trên`` for ``trê`` a slip only.
    bench/typos.py, seeds 7 / 11 / 3, read right: dropped letters accented (seed 7) 0.640 ->
    0.644, swapped letters accented (seed 11) 0.986 -> 0.989, no row lower (at twice that
    cost, two more rows a query higher and two a query lower, a title typed right among
    them)."""
    return accents_cost(typed, with_accents(vocabulary, typed, [folded])[0])


def _enough_documents(vocabulary: Vocabulary, syllables: list[str], at: int, held: int) -> bool:
    """Whether ``held`` documents writing a reading that replaces the syllable at ``at`` are
    enough for a suggestion: ``SURE_DOCUMENTS``, or one when the syllable typed is letters with
    no vowel or is not written beside each of its neighbours (``_written_beside_each``)."""
    if held >= SURE_DOCUMENTS:
        return True
    if not has_vowel(fold(syllables[at])):
        return held >= VOWELLESS_SURE_DOCUMENTS
    return held >= APART_SURE_DOCUMENTS and not _written_beside_each(vocabulary, syllables, at)


def _written_beside_each(vocabulary: Vocabulary, syllables: list[str], at: int) -> bool:
    """Whether documents write the syllable at ``at`` right after the one before it and right
    before the one after it (each pair, not all three together): as typed, accents included,
    when the query has any (a syllable typed without them is the one with none), else by their
    letters. Beside one neighbour only, a typo is as likely (``nam tui tren dat``: ``nam tui``
    is written, ``tui tren`` is not, and the one title writing nam tuổi trên đất was meant).
    bench/typos.py, seeds 7 / 11 / 3, against beside either: dropped letters read right
    unaccented 0.388 / 0.381 / 0.429 -> 0.402 / 0.388 / 0.436, accented (seed 7) 0.719 ->
    0.727; neighbouring keys unaccented (seeds 7 / 11) 0.837 / 0.840 -> 0.841 / 0.843, accented
    (seed 3) 0.950 -> 0.953; titles typed right (indexed or not) unchanged."""
    folded = [fold(s) for s in syllables]
    accented = any(map(has_diacritics, syllables))
    typed = syllables[at]
    for near in (at - 1, at + 1):
        if not 0 <= near < len(syllables):
            continue
        first = near < at  # the neighbour first
        pair = (folded[near], folded[at]) if first else (folded[at], folded[near])
        held = vocabulary.pairs([pair])[pair]
        if not held:
            return False
        if accented:
            written = written_beside(
                vocabulary, syllables[near], {typed: held}, first, exactly=not has_diacritics(typed)
            )
            if not written[typed]:
                return False
    return True


def _replaceable(
    vocabulary: Vocabulary,
    syllables: list[str],
    at: int,
    folded: str,
    written: str,
    cost: float,
) -> bool:
    """Whether a suggestion may replace the syllable at ``at`` by ``folded`` (shown as
    ``written`` when the documents write it so, else in the form nearest the accents typed):
    a common one only by a commoner reading, or outside the commonest through the commonest
    slips (``_common_replaceable``; a query of real words nobody wrote together is more often
    typed right than not), an accented one only by a
    reading shown with its accents kept (``keeps_accents``), and letters that are no syllable
    only by a commoner reading, far commoner where they have a vowel
    (``real_words.commoner_than_letters``)."""
    typed, accented = syllables[at], any(map(has_diacritics, syllables))
    held = vocabulary.folded([fold(typed), folded])
    if is_common(vocabulary, typed, accented) and not _common_replaceable(
        vocabulary, syllables, at, folded, cost
    ):
        return False
    if not is_folded_syllable(fold(typed)) and not commoner_than_letters(
        fold(typed), held[fold(typed)], held[folded], cost
    ):
        return False  # letters that are no syllable (vs, big): abbreviations and loan words
    if has_diacritics(typed):
        return keeps_accents(typed, written or with_accents(vocabulary, typed, [folded])[0])
    return True


def _common_replaceable(
    vocabulary: Vocabulary, syllables: list[str], at: int, folded: str, cost: float
) -> bool:
    """Whether the common syllable at ``at`` may be replaced by ``folded``: never by a rarer
    word (issue 16), counted as written in a query typed with accents, else by letters, unless
    the syllable is outside the ``COMMONEST`` (the thousand issue 16 names) and the slip is as
    likely as a letter left out (``cost``, at most ``DROPPED_COST``); then in a
    query typed with accents that holds a syllable that is not common (``sedan hoàn tàn mới``:
    toàn, 3,573 of 10,000 news articles against 198; ``vì sa ceo``: sao); in any query that
    holds a name that is not common (``_a_rare_name``: ``nicholson ti xuat sau``, tái); and in
    any query, when the syllable is held less often than the last of the ``COMMONEST`` syllables
    as written (its letters with any accents, typed without). bench/typos.py, seeds 7 / 11 / 3,
    for the rule of names, typed without accents: dropped letters read right 0.424 / 0.395 /
    0.450 -> 0.446 / 0.409 / 0.454 (seed 7: ``tien ao lyon ngo``, tiền đạo; ``than dia
    maracana hoang``, thánh địa; ``coupe ca ha vi``, của); no row lower, titles typed right
    unchanged. (Counting abbreviations too, ``tn mt bac`` read bảo, ``hcm co tan`` gần, two
    titles typed right; counting common names as well, one query more on seed 7.)

    The rarer-word rule guards the syllables issue 16 calls common, the thousand commonest, as
    "no suggestion for a query of known, common syllables" does here: beyond them, a syllable
    left without a letter is most often a rarer word (``viên dùng ép tát``: dép, 200 of 10,000
    news articles against ép's 398; ``sản xuất ôm của``: tôm; ``bị nhắc nở``: nhở), where the
    typed query is written by no document and the reading by enough. Only through a slip as
    likely as a letter left out: through a far key it gave a title typed right a suggestion
    (``nhiều người tháo``: thán). bench/typos.py, seeds 7 / 11 / 3, read right: dropped letters
    accented 0.748 / 0.779 / 0.727 -> 0.752 / 0.782 / 0.737, unaccented 0.446 / 0.409 -> 0.449
    / 0.413 (seeds 7 / 11), neighbouring keys accented 0.917 / 0.912 -> 0.921 / 0.916 (seeds 7
    / 11), swapped letters unaccented (seed 7) 0.913 -> 0.917; found and titles typed right
    (indexed or not) unchanged.
    bench/typos.py, seeds 7 / 11 / 3, accented, read
    right, for the first rule: dropped letters 0.629 / 0.674 / 0.604 -> 0.640 / 0.695 / 0.608,
    neighbouring keys 0.896 / 0.895 -> 0.899 / 0.898 (seeds 7 / 11), swapped letters 0.982 ->
    0.986 (seed 11); partial accents 1.000 -> 0.996 (seed 7: ``diem trong thất`` read nhất);
    titles typed right unchanged. In queries typed without accents it read dropped letters 0.337
    / 0.345 -> 0.359 / 0.367 (seeds 7 / 11), but two titles typed right got one (seed 3): a
    common syllable's letters are many words there (``tn mt bac`` read ``bao``, but bắc, bác and
    bạc are all common).

    Issue 16 asks for no correction of the 1,000 most frequent syllables; a syllable in more
    than ``COMMON_SHARE`` of the documents is common here, which on 10,000 news articles is
    2,001 syllables as written (a syllable written in 111 of them, ``nộ``, is ranked 1,926th;
    the 1,000th is in 487). Outside the ``COMMONEST``, written beside neither neighbour (a
    condition since taken out, below), such a syllable is a slip often enough (``sự tồn tạ
    của``: tại; ``gam vao oc``: hốc, as ốc and óc together are held less often than the
    1,000th). bench/typos.py, seeds 7 / 11 / 3, read
    right: dropped letters accented 0.673 / 0.719 / 0.647 -> 0.701 / 0.740 / 0.698, unaccented
    0.337 / 0.345 / 0.389 -> 0.388 / 0.367 / 0.421; neighbouring keys accented 0.899 / 0.902 /
    0.921 -> 0.910 / 0.905 / 0.946, unaccented 0.822 / 0.829 / 0.800 -> 0.837 / 0.833 / 0.818;
    swapped letters accented (seed 3) 0.964 -> 0.968, unaccented (seed 11) 0.940 -> 0.950;
    found the same but one dropped letter (seed 11, ``xe may ngui`` read nguy: 0.808 -> 0.804);
    titles typed right that the index does not hold, with no suggestion: accented 0.987 ->
    0.983 (seed 7, ``tài xế xâm``: tâm), 0.990 -> 0.987 (seed 3, ``b thống trị``: bị),
    unaccented 0.983 / 0.973 / 0.983 -> 0.980 / 0.967 / 0.980 (``tin don tha``: thất; ``kon
    tum rac``: đác). Without the rarer-word rule, three more read right and ``nhiều người
    tháo`` read thán; typed without accents, asking whether any one syllable the letters spell
    is among the commonest read three more right and replaced ``nhi`` (nhi, nhì, nhĩ...: none
    among them, 6.7% of the documents together) in ``nhi gianh ngoi``.

    That rule first also asked that no document write the syllable beside its neighbours; the
    whole query, written by no document while the reading is, tells as much (``long ha oi``:
    lòng Hà Nội, though one document holds ``ha oi``). bench/typos.py, seeds 7 / 11 / 3, without
    it: dropped letters read right unaccented 0.384 / 0.367 / 0.425 -> 0.388 / 0.381 / 0.429,
    accented (seed 7) 0.716 -> 0.719; neighbouring keys unaccented (seed 11) 0.833 -> 0.840;
    swapped letters unaccented (seed 7) 0.899 -> 0.902; titles typed right that the index does
    not hold, unaccented, with no suggestion 0.980 / 0.967 / 0.980 -> 0.977 / 0.963 / 0.977
    (``tung bi nem``: xem, ``mu thanh co``: tu, ``b thong tri``: bị). Counting any query with
    a syllable outside the thousand as not all common (as the 1% rule does for queries typed
    with accents) read 16 more right over the three seeds but replaced syllables among the
    thousand typed right (``thương vong vì``: và)."""
    typed = syllables[at]
    accented = any(map(has_diacritics, syllables))
    if accented:
        form = with_accents(vocabulary, typed, [folded])[0]
        held = vocabulary.accented([typed, form])
    else:
        typed, form = fold(typed), folded
        held = vocabulary.folded([typed, form])
    among_commonest = held[typed] >= vocabulary.written_floor(COMMONEST)
    if held[form] <= held[typed] and (cost > DROPPED_COST or among_commonest):
        return False
    if accented and not all(is_common(vocabulary, s, True) for s in syllables):
        return True
    if any(_a_rare_name(vocabulary, fold(s)) for k, s in enumerate(syllables) if k != at):
        return True
    return not among_commonest


def _a_rare_name(vocabulary: Vocabulary, letters: str) -> bool:
    """Whether ``letters`` (folded) are a word with a vowel that is no syllable (a name, a
    loan word: ``nicholson``, ``nasdaq``), held by at most ``COMMON_SHARE`` of the documents.
    Letters with no vowel (``tn``, ``hcm``) are abbreviations."""
    return (
        has_vowel(letters)
        and not is_folded_syllable(letters)
        and not is_common(vocabulary, letters, accented=False)
    )


def documents_holding(
    vocabulary: Vocabulary, pairs: list[tuple[str, str]], read: dict | None = None
) -> int:
    """How many documents hold every one of the folded ``pairs`` (each next to each other).
    ``read``: the pairs' documents read so far, kept for the next call (the readings of one
    query, or the completions after one word, share most of their pairs)."""
    return len(_holding(vocabulary, pairs, read))


def _holding(vocabulary: Vocabulary, pairs: list[tuple[str, str]], read: dict | None) -> np.ndarray:
    """The documents ``documents_holding`` counts (the reader's document numbers)."""
    counts = vocabulary.pairs(pairs)
    if not pairs or not all(counts.values()):
        return _NONE
    read = {} if read is None else read
    together = None
    for pair in sorted(set(pairs), key=counts.get):  # the rarest first: the smallest sets
        if pair not in read:
            read[pair] = vocabulary.pair_documents(f"{pair[0]} {pair[1]}")
        ids = read[pair]
        together = ids if together is None else np.intersect1d(together, ids, assume_unique=True)
        if not len(together):
            return _NONE
    return together


def documents_writing(vocabulary: Vocabulary, words: list[str], read: dict | None = None) -> int:
    """How many documents write the folded ``words`` one after another (in the title or the
    body). Counted by their pairs (``documents_holding``), and, when only ``CHECKED_UP_TO`` or
    fewer documents hold them all, checked word by word: a document holding each pair in
    another place is no evidence of a reading (``đá lt cũ``: one article holds ``đá là`` and,
    elsewhere, ``là "cử``)."""
    held = _holding(vocabulary, list(itertools.pairwise(words)), read)
    if not 0 < len(held) <= CHECKED_UP_TO or len(words) < 3:
        return len(held)
    return _in_a_row(vocabulary, held, [(False, (w,)) for w in words])[0]


def written_as_typed(
    vocabulary: Vocabulary, syllables: list[str], exact: int, read: dict | None = None
) -> int:
    """About how many documents write ``syllables`` (lowercase) one after another with the
    accents typed: those with accents as typed, the one at ``exact`` as typed whether or not it
    has any, the others by their letters (sampled as ``_written_as_typed`` is)."""
    folded = [fold(s) for s in syllables]
    held = _holding(vocabulary, list(itertools.pairwise(folded)), read)
    if not len(held):
        return 0
    sample = _even_sample(held)
    words = [
        (k == exact or has_diacritics(s), (s if k == exact or has_diacritics(s) else f,))
        for k, (s, f) in enumerate(zip(syllables, folded, strict=True))
    ]
    written, _ = _in_a_row(vocabulary, sample, words)
    return round(written * len(held) / len(sample))


def _written_as_typed(
    vocabulary: Vocabulary, syllables: list[str], at: int, window: list[str], read: dict
) -> tuple[int, str]:
    """About how many documents write ``window`` (the folded reading of ``syllables`` that
    replaces the one at ``at``) with the accents typed: each syllable typed with accents as
    typed, the one replaced in a form that keeps them (``_forms_kept``), the others by their
    letters; and the form of the one replaced that they write most (empty when it was typed
    without accents). Checked word by word on an even sample of at most ``SAMPLED`` of the
    documents holding its pairs, scaled to them all. Pairs are folded: ``lại văn óa`` was read
    ``lá`` (7 of 10,000 news articles hold ``lai van la``, as lại vẫn là) over ``hóa``, and
    ``nhiu cảnh mát`` ``chịu`` (chịu cảnh mất) over ``nhiều``. bench/typos.py, seeds 7 / 11 /
    3, accented: dropped letters read right 0.647 / 0.705 / 0.619 -> 0.662 / 0.716 / 0.644,
    swapped letters (seed 3) 0.960 -> 0.964; titles typed right with no suggestion 0.970 /
    0.983 -> 0.973 / 0.987 (seeds 11 / 3); found: neighbouring keys 0.986 -> 0.982 (seed 11),
    0.978 -> 0.982 (seed 3), swapped letters 0.986 -> 0.989 (seed 3); partial accents read
    right one query higher on seed 7, one lower on seed 11. Short queries on 38,084 articles
    (bench/typos_speed.py against the code before): typed right p50 1.00x, p95 1.02x."""
    held = _holding(vocabulary, list(itertools.pairwise(window)), read)
    if not len(held):
        return 0, ""
    sample = _even_sample(held)
    words = []
    for k, (typed, letters) in enumerate(zip(syllables, window, strict=True)):
        if k == at and not has_diacritics(typed) and is_folded_syllable(typed):
            words.append((True, _bare_forms_kept(vocabulary, typed, letters)))
        elif not has_diacritics(typed):
            words.append((False, (letters,)))
        elif k == at:
            words.append((True, _forms_kept(vocabulary, typed, letters)))
        else:
            words.append((True, (typed,)))
    written, forms = _in_a_row(vocabulary, sample, words, at)
    shown = max(forms, key=forms.get) if forms and has_diacritics(syllables[at]) else ""
    return round(written * len(held) / len(sample)), shown


def _written_but_one_accent(vocabulary: Vocabulary, syllables: list[str], read: dict) -> bool:
    """Whether some document holding the letters of ``syllables`` (lowercase, some typed with
    accents) writes them one after another with the accents typed on every syllable but one at
    most (``written_as_typed``, that one by its letters): the query is then typed right, or one
    typo (a wrong tone or mark, accents left out) away from a text some document writes. Where
    every such document writes two of them with other accents, the letters are no proof the
    query was typed right, and its readings one slip away are looked for as in a query whose
    letters no document holds: ``tiền cô ái``, whose letters 10,000 news articles write only as
    ``tiền có ai``, is ``tiền cô gái`` (a letter left out with its accents). bench/typos.py,
    seeds 7 / 11 / 3, dropped letters accented read right (seed 3) 0.788 -> 0.791; seeds 5 / 13
    (not tuned on): found, dropped letters accented (seed 13) 0.887 -> 0.891, and a title typed
    right that the index does not hold lost a wrong suggestion (seed 5: ``cược hợp pháp``,
    cuộc); no other row moved, and --corpus viwiki the same. Counting only documents that write
    every accent typed, readings were also looked for where one accent was the typo, and wrong
    tones and misplaced marks lost one to three queries a seed (read right, exact) for one
    dropped letter gained a seed. Short queries typed right (bench/typos_speed.py, 38,084
    articles) p50 1.02x, p95 0.98x."""
    return any(
        written_as_typed(vocabulary, [*syllables[:at], fold(typed), *syllables[at + 1 :]], -1, read)
        for at, typed in enumerate(syllables)
        if has_diacritics(typed)
    )


def _even_sample(documents: np.ndarray) -> np.ndarray:
    """At most ``SAMPLED`` of ``documents``, evenly spread."""
    if len(documents) <= SAMPLED:
        return documents
    return documents[np.linspace(0, len(documents) - 1, SAMPLED).astype(np.int64)]


def _forms_kept(vocabulary: Vocabulary, typed: str, letters: str) -> tuple[str, ...]:
    """The written forms of the folded reading ``letters`` of ``typed`` (with accents): the one
    nearest the accents typed (``with_accents``), and any other the index holds that keeps them
    (``keeps_accents``: ``muốn thi đu cho``, đấu, the tone gone with the letter left out, where
    đau is nearest; ``đc đáo cho``, độc, every mark gone with the vowel, where đọc is commoner).
    bench/typos.py, seeds 7 / 11 / 3, dropped letters accented, against the nearest form alone:
    read right 0.662 -> 0.673 (seed 7), found 0.921 -> 0.924 (seed 3), no row lower."""
    nearest = with_accents(vocabulary, typed, [letters])[0]
    forms = accented_forms(letters)
    held = vocabulary.accented(forms)
    kept = (f for f in forms if f != nearest and held[f] and keeps_accents(typed, f))
    return (nearest, *kept)


def _bare_forms_kept(vocabulary: Vocabulary, typed: str, letters: str) -> tuple[str, ...]:
    """The written forms of the folded reading ``letters`` of ``typed`` (a syllable without
    accents, in a query typed with some: the syllable with none; letters that are no syllable,
    ``qa phụ nữ``, are counted by their letters) with accents only where the slip is
    (``candidates.accents_on_the_slip``: ``mo diện đồ`` is mẹo, not một, though more
    documents may write một diện đồ, with ô on the o typed). Counted by its letters, with any
    accents, as before: bench/typos.py, seeds 7 / 11 / 3, partial accents read right (seed
    11) 0.996 -> 1.000; a wrong suggestion fewer for a dropped letter (seed 7); no row lower.
    With no accents at all but those a letter put back brings, neighbouring keys lost one or
    two queries a seed (``hia khách``: hứa, the marks went with the u mistyped)."""
    forms = (letters, *accented_forms(letters))
    held = vocabulary.accented(forms)
    kept = [f for f in dict.fromkeys(forms) if held[f] and accents_on_the_slip(typed, f)]
    return tuple(kept) or (letters,)


def _in_a_row(
    vocabulary: Vocabulary,
    documents: np.ndarray,
    words: list[tuple[bool, tuple[str, ...]]],
    pivot: int = 0,
) -> tuple[int, dict[str, int]]:
    """How many of ``documents`` (the reader's numbers) hold ``words`` one after another in
    their title or body, each word ``(accented, forms)`` as one of its forms, as written when
    ``accented``, else by their letters; and how many hold them with each form of the word at
    ``pivot``. A segment in Whoosh's own format is believed (its documents all count, with the
    first form)."""
    written, by_form = 0, dict.fromkeys(words[pivot][1], 0)
    for leaf, offset in vocabulary.reader.leaf_readers():
        size = leaf.doc_count_all()
        local = documents[(documents >= offset) & (documents < offset + size)] - offset
        if not len(local):
            continue
        if not uses_array_codec(leaf):
            written += len(local)
            by_form[words[pivot][1][0]] += len(local)
            continue
        found: list[set[str]] = [set() for _ in range(len(local))]
        for exact, plain in _FIELDS:
            terms = [(exact if accented else plain, forms) for accented, forms in words]
            for j, forms in enumerate(_in_a_row_here(leaf, terms, local, pivot)):
                found[j] |= forms
        written += sum(1 for forms in found if forms)
        for forms in found:
            for form in forms:
                by_form[form] += 1
    return written, by_form


def _in_a_row_here(
    reader, terms: list[tuple[str, tuple[str, ...]]], docnums: np.ndarray, pivot: int
) -> list[set[str]]:
    """For each of a segment's ``docnums``, the forms of the term at ``pivot`` with which it
    holds the terms in a row, each term ``(field, forms)`` as one of its forms."""
    found = [
        [terms_reader(reader).positions_in(field, form.encode("utf-8"), docnums) for form in forms]
        for field, forms in terms
    ]
    rows = []
    for j in range(len(docnums)):
        starts = None  # where a row may start, by every term but the one at pivot
        for k, places in enumerate(found):
            if k != pivot:
                here = {p - k for held in places for p in held[j] or ()}
                starts = here if starts is None else starts & here
        rows.append(
            {
                form
                for form, held in zip(terms[pivot][1], found[pivot], strict=True)
                if starts is None or starts & {p - pivot for p in held[j] or ()}
            }
        )
    return rows
