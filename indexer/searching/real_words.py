"""Typos that make real words: ``nhập`` typed ``nập``, ``lên`` typed ``lê``.

Most slips of one letter in a Vietnamese syllable make another syllable (the inventory is small
and dense), so a syllable the index holds may still be mistyped. Its neighbours tell: a noisy
channel compares the syllable as typed with each syllable one slip away, by how often the index
holds each beside the query's neighbouring syllables (folded pairs, ``fold_bigrams``), smoothed
by the syllable's own frequency, less the cost of the slip (``indexer.language.misspellings``):

    support(x) = sum over neighbours n of log(pair(n, x) + SMOOTHING * documents(x) / N)
    gain(c) = support(c) - support(typed) - COST_SCALE * cost(typed | c)

Syllables held beside each neighbour in ``FITS_SHARE`` of the documents are taken as typed after
those look-ups. A candidate whose gain at ``MATCH_COST_SCALE`` is positive also matches (at
``CORRECTION_WEIGHT``, see ``corrections``). It is suggested only with stronger evidence: the
typed pair is held by no document, the candidate is commoner than the typed syllable, which is
itself not common (``COMMON_SHARE``), its gain at ``SURE_COST_SCALE`` is positive, and, typed
with accents, it keeps them (``candidates.keeps_accents``: one typo changes the letters or the
accents, not both; bench/typos.py, seeds 7 / 11 / 3: titles typed right that get no suggestion
0.980 / 0.973 / 0.987 -> 0.987 / 0.983 / 0.990, no row lower). The suggestion is strict on
purpose: a query of real words that the index never holds side by side is more often typed
right than not (bench/typos.py, ``unseen``).

A syllable typed with accents is common by the documents holding it with those accents, not
its letters (``is_common``): a tone makes another syllable, and ``rận`` (1 of 10,000 news
articles) is no common word because ``ran`` folded is (294). bench/typos.py, seeds 7 / 11 / 3,
accented, against its letters: read right 0.514 / 0.533 / 0.514 -> 0.561 / 0.596 / 0.561
(dropped letters), 0.871 / 0.867 / 0.874 -> 0.878 / 0.877 / 0.888 (neighbouring keys); found
0.896 / 0.888 / 0.899 -> 0.899 / 0.888 / 0.903 (dropped letters); titles typed right that get
no suggestion 0.990 / 0.987 / 0.987 -> 0.980 / 0.977 / 0.983 (``hốt nhanh`` -> hoạt, ``rượu
ổi`` -> rồi: a rare syllable typed right looks like a slip); no unaccented row moved. So is
a syllable typed without accents in a query typed with some: it is the syllable with none (``việt
nan``: nan, not nạn). Read right, accented, seeds 7 / 11 / 3: dropped letters 0.561 / 0.596 /
0.561 -> 0.594 / 0.621 / 0.568, neighbouring keys 0.878 / 0.877 / 0.888 -> 0.885 / 0.884 /
0.899, swapped letters 0.971 / 0.979 / 0.960 -> 0.975 / 0.982 / 0.960 (found one query lower on
seed 3); titles typed right unchanged.

A syllable typed with accents fits its neighbours only in the share of its letters' (folded)
pairs that its accents make likely (``_fits``): ``các nộ`` was taken as typed for ``các nó``,
22 of 10,000 articles, and never matched ``các nội``. bench/typos.py, seeds 7 / 11
/ 3, accented, found: dropped letters 0.899 / 0.888 / 0.903 -> 0.899 / 0.895 / 0.914,
neighbouring keys (seed 11) 0.979 -> 0.986, partial accents (seed 11) 0.993 -> 0.996, wrong
tones (seed 11) 0.950 -> 0.943 (a right syllable beside the wrong one now matches its slips
too: ``hồi cà``, cà read và); read right unchanged (a pair whose letters are held is never
suggested away). Short queries on 38,084 articles: typed right p50 1.02x, p95 0.94x.

Such a syllable's readings gain against its accents' share of its letters' pairs, not all of
them (``_against_accents_typed``: ``khi lê``, lên, is far likelier than ``lê`` beside ``khi``,
though ``khi le`` is common), and its letters join them as likely as the best: a wrong tone
(``qua mảng``, mạng) is as likely as a slip. bench/typos.py, seeds 7 / 11 / 3, found: dropped
letters accented 0.899 / 0.898 / 0.917 -> 0.903 / 0.898 / 0.921, wrong tones 0.948 / 0.943 /
0.964 -> 0.948 / 0.950 / 0.967, no row lower. (The gains alone: dropped letters as much, wrong
tones 0.964 -> 0.953 on seed 3; the letters alone: wrong tones only.)

Pairs are folded, so beside a neighbour typed with accents the ``CHECKED`` likeliest candidates
that gain on folded pairs (and the syllable as typed) are counted again as the documents write
them with those accents (``accented_pairs``; so are the spellings of a syllable the index lacks,
``corrections``): ``phát tà`` read ``tù`` (``phat tu``: phạt tù, phát từ), now ``tài``.
bench/typos.py, seeds 7 / 11 / 3, accented: dropped letters found 0.874 / 0.877 / 0.896 -> 0.888
/ 0.888 / 0.899, read right 0.482 / 0.505 / 0.500 -> 0.514 / 0.530 / 0.511; neighbouring keys
read right 0.856 / 0.849 / 0.860 -> 0.871 / 0.867 / 0.871 (found one query lower on seed 7); no
other row lower. Short queries on 38,084 articles: p95 12.7 -> 13.4 ms, p50 the same.

Those checked slips of a syllable typed with accents also pay for the accents their spelling
changes, on the letters typed (``candidates.accents_cost``, as the spellings of a syllable the
index lacks do): ``hình nập`` read ``này`` (a letter that is no neighbouring key, another tone
and no circumflex) over ``nhập``, because ``hình này`` is the commoner pair. bench/typos.py,
seeds 7 / 11 / 3, accented: neighbouring keys found 0.971 -> 0.975 (seed 7), dropped letters
read right 0.530 / 0.511 -> 0.533 / 0.514 (seeds 11 / 3) and found 0.899 -> 0.896 (seed 3),
typed right with no suggestion 0.983 -> 0.987 (seed 11); no other row moved.

A syllable whose letters fit but not its accents may be a wrong tone or mark: where the query
is typed with accents, the same letters with other accents are counted as written beside its
neighbours (one typed without accents is the syllable with none, ``khu``), and a form the
documents make clear is suggested (``_other_accents``: ``sợ nhất thệ giới``, thế; ``rút khỏi
khu vục``, vực); so is a syllable typed without its accents among others typed with theirs
(``hà noi``, nội).

Letters that are no syllable (a name, a loan word: ``buffet`` for Buffett, ``drive`` for
xDrive) slip to other such words as well as to syllables: ``held_slips`` adds the ones the index
holds, for the pairs here and the whole-query readings (``window_readings``). bench/typos.py,
seeds 7 / 11 / 3, dropped letters found (accented) 0.860 / 0.863 / 0.881 -> 0.867 / 0.870 /
0.888, no row lower. So does a syllable beside letters that are no syllable (``donald trum``:
trùm, or Trump): there, names are what is typed. Looked up for every syllable, those words
made no row better and short queries typed right 11% slower at p95 (bench/typos_speed.py).

Beside a neighbour typed with accents, a pair whose letters some documents hold but none writes
with the accents typed (``_unwritten``: ``tự sá``, where 3 of 10,000 news articles hold ``tu
sa``, none as typed, and 36 write tự sát) counts as a pair nobody wrote, so a reading may be
suggested, if it is likelier than the same letters with whichever accents the documents write
there (``_with_any_accents``: a wrong mark is one typo too, ``tay cỏi trói`` is cởi, not cỏ),
and the rest of the query is written with its accents (``corrections.WRITTEN_SHARE``: ``xây
dụng rủ phu`` is a wrong mark on dựng, not rủ read tủ). bench/typos.py, seeds 7 / 11 / 3,
accented, read right: dropped letters 0.701 / 0.740 / 0.698 -> 0.712 / 0.744 / 0.698,
neighbouring keys (seed 7) 0.910 -> 0.917, swapped letters (seed 7) 0.975 -> 0.978; titles
typed right that the index does not hold, with no suggestion (seed 3) 0.987 -> 0.990; a
misplaced mark (seed 11) 1.000 -> 0.988 (``chứng trỏ``: tỏ, which 143 articles write after
chứng, one trở). Found and every unaccented row the same. Without the last guard: seed 3's
dropped letters one more right, but its titles typed right one less, and seed 7's wrong tones
and misplaced marks one less each; without the one before (the syllable as typed against the
readings, as written), wrong tones and misplaced marks 1 to 3 fewer right on each seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from indexer.language import input_methods
from indexer.language.misspellings import DROPPED_COST, mark_distance, typed_edits
from indexer.language.normalize import fold, has_diacritics, strip_diacritics
from indexer.language.syllables import (
    accented_forms,
    has_vowel,
    is_folded_syllable,
    tone_of,
    without_tone,
)
from indexer.searching.accented_pairs import written_at_all, written_beside
from indexer.searching.candidates import (
    MIN_EDIT_LETTERS,
    accents_cost,
    accents_on_the_slip,
    keeps_accents,
)
from indexer.searching.vocabulary import Vocabulary

# How many documents' worth of a syllable's own frequency a pair is credited with before the
# index holds it (Dirichlet smoothing: a pair of common syllables is less surprising unseen).
SMOOTHING = 3.0
MATCH_COST_SCALE = 1.0  # the slip's cost when deciding whether a candidate also matches
SURE_COST_SCALE = 4.5  # and when deciding whether it is suggested
MATCH_GAIN = 0.0
SURE_GAIN = 0.0
COMMON_SHARE = 0.01  # a syllable in more than this share of documents is never suggested away
COMMONER_BY = 1.0  # a suggested syllable is held at least this many times as often as typed
MIN_PAIR_DOCUMENTS = 1  # every pair a candidate makes with the neighbours is held this often
MAX_MATCHED = 8
# Letters that are no syllable are suggested away through a slip as likely as a letter left out,
# for a reading as much commoner as a syllable's must be; as an input method's keys, for one
# this many times commoner; otherwise never (``commoner_than_letters``).
NON_SYLLABLE_RARER_BY = 10
CHEAP_SLIP_RARER_BY = COMMONER_BY
VOWELLESS_RARER_BY = 2  # and letters with no vowel, for a reading this many times commoner
# A syllable the index holds beside each neighbour in this share of its documents (at least 5)
# is taken as typed without looking further.
FITS_SHARE = 0.002
FITS, LETTERS_FIT, UNFIT = "fits", "letters fit", "unfit"  # what ``_fits`` finds
# Beside a neighbour typed with accents, the slips likeliest by their folded pairs are counted
# again as the documents write them with those accents (``accented_pairs``), this many.
CHECKED = 12
TONED_FORMS = 3  # forms of a candidate whose tone may have gone with a letter left out
# A wrong tone or mark (``_other_accents``) is suggested for a form written beside each
# neighbour by this many documents at least, this many times as common as the syllable typed
# and this far ahead of the next form. bench/typos.py, seeds 7 / 11 / 3, accented, suggestions
# equal to the clean query accents included (typos.py's "exact"; "right" compares folded, so
# these rows were 1.000 already): wrong tones 0.519 / 0.495 / 0.478 -> 0.574 / 0.530 / 0.529,
# misplaced marks 0.489 / 0.488 / 0.466 -> 0.557 / 0.512 / 0.534; found: wrong tones (seed 3)
# 0.967 -> 0.974; no found or right row lower. Two titles typed right that the index does not
# hold get one (seed 11: ``bạn đắng``, đang; ``vợ đi vá cái``, và). Where one neighbour was
# typed without accents, a dropped-letter query was found one less (``xe má người``: mà).
OTHER_ACCENTS_DOCUMENTS = 3
OTHER_ACCENTS_COMMONER_BY = 10
OTHER_ACCENTS_MARGIN = math.log(3)
# What a slip that also changes the accents typed costs more, when deciding how much it matches
# (``_second_typo``). bench/typos.py, seeds 7 / 11 / 3, found: dropped letters accented 0.903 /
# 0.898 / 0.924 -> 0.903 / 0.902 / 0.932, neighbouring keys accented (seed 11) 0.982 -> 0.986,
# no row lower, nothing suggested more or less. At 1 or 2, one or two queries fewer found; at 5,
# the same as 3.
SECOND_TYPO_COST = 3.0


@dataclass(frozen=True)
class RealWordFix:
    """A syllable's likelier readings in context, best first, with their gains."""

    texts: tuple[str, ...]
    gains: tuple[float, ...]
    sure: bool


NO_FIX = RealWordFix((), (), False)  # the syllable fits: no likelier reading


@lru_cache(maxsize=20_000)
def _slips(letters: str) -> tuple[tuple[str, float, bool], ...]:
    """Everything one slip away from ``letters`` (``misspellings.typed_edits``), each with the
    slip's cost and whether it is a syllable; none for letters that are not all ASCII letters."""
    if not letters.isascii() or not letters.isalpha():
        return ()
    return tuple((c, cost, is_folded_syllable(c)) for c, cost in typed_edits(letters).items())


def slip_cost(letters: str, reading: str) -> float:
    """What reading ``letters`` (folded, as typed) as ``reading`` costs (``typed_edits``), or
    infinity when it is more than one slip away."""
    return next((cost for c, cost, _ in _slips(letters) if c == reading), math.inf)


def syllable_slips(letters: str) -> tuple[tuple[str, float], ...]:
    """The folded syllables one slip away from ``letters`` (as typed, without accents: a final
    ``y`` kept, ``misspellings.typed_edits``), each with the slip's cost."""
    return tuple((c, cost) for c, cost, syllable in _slips(letters) if syllable)


def held_slips(
    vocabulary: Vocabulary, letters: str, among_names: bool = False
) -> tuple[tuple[str, float], ...]:
    """The syllables one slip away from ``letters`` (as typed, without accents); for letters
    that are no syllable (a name, a loan word, an abbreviation: ``buffet`` for Buffett, ``jon``
    for Kim Jong-un's ``jong``), or a syllable ``among_names`` (beside letters that are no
    syllable: ``donald trum``, trump), also the other words one slip away that the index holds.
    Two letters with no vowel get only those with a letter put back: an abbreviation cut short
    (``tp hc``: hcm), as many two-letter words lie one other slip away as for a syllable
    (``MIN_EDIT_LETTERS``). bench/typos.py, seeds 7 / 11 / 3, dropped letters read right:
    unaccented (seeds 7 / 3) 0.406 / 0.436 -> 0.409 / 0.443, accented (seed 3) 0.712 -> 0.716;
    no row lower. Two letters with a vowel get those too only ``among_names``, where a loan
    word or an abbreviation is likelier (``fi rót vào``: fdi; ``ảnh ex được cho``: sex; ``hcv
    sa games``: sea, matched): dropped letters accented read right 0.825 / 0.802 / 0.782 -> 0.828 /
    0.806 / 0.786 (seeds 11 / 3 / 5), found 0.912 / 0.904 / 0.891 -> 0.916 / 0.907 / 0.894
    (seeds 11 / 5 / 13), unaccented (seed 5) 0.795 -> 0.799; on the Wikipedia titles, found
    0.987 / 0.983 -> 0.993 / 0.993 (seed 7), 0.983 / 0.987 -> 0.997 / 0.997 (seed 11), read
    right 0.893 -> 0.896 (seed 7, accented and unaccented), 0.902 / 0.859 -> 0.906 / 0.862
    (seed 11), 0.922 -> 0.925 unaccented and 0.912 -> 0.908 accented (seed 3: ``jack ad`` read
    đã, not and); titles typed right the same."""
    slips = syllable_slips(letters)
    folded = fold(letters)
    typed = letters.isascii() and letters.isalpha()
    name = not is_folded_syllable(folded) or among_names
    short = len(folded) < MIN_EDIT_LETTERS
    if not typed or not name or (short and has_vowel(folded) and not among_names):
        return slips
    others = {
        c: cost
        for c, cost, syllable in _slips(letters)
        if not syllable and (not short or len(c) > len(folded))
    }
    held = vocabulary.folded(others)
    return slips + tuple((c, cost) for c, cost in others.items() if held[c])


def real_word_fix(
    vocabulary: Vocabulary, typed: str, before: str, after: str, accented: bool = False
) -> RealWordFix:
    """The syllables ``typed`` (lowercase, held by the index) may be a slip of, between the
    syllables ``before`` and ``after`` (either may be empty); none when it fits best.
    ``accented``: the query around them is typed with accents (else, where they are)."""
    neighbours = [fold(n) for n in (before, after) if n]
    fits = _fits(vocabulary, typed, fold(before), fold(after)) if neighbours else FITS
    # Beside accents typed, a syllable typed without any is the syllable with none: its letters
    # may fit where it does not, as a syllable typed with the wrong accents (``hà noi``).
    accented = accented or has_diacritics(before) or has_diacritics(after)
    bare = not has_diacritics(typed) and accented
    if fits == FITS and not bare:
        return NO_FIX
    fix = _slips_fix(vocabulary, typed, before, after, fits) if fits != FITS else NO_FIX
    if (fits == LETTERS_FIT and has_diacritics(typed)) or bare:
        other = _other_accents(vocabulary, typed, before, after)
        if other and other[1] >= max(fix.gains, default=-math.inf):
            form, gain = other
            rest = [(t, g) for t, g in zip(fix.texts, fix.gains, strict=True) if t != form]
            return RealWordFix((form, *(t for t, _ in rest)), (gain, *(g for _, g in rest)), True)
    return fix


def _slips_fix(
    vocabulary: Vocabulary, typed: str, before: str, after: str, fits: str
) -> RealWordFix:
    """``real_word_fix`` among the syllables one slip of the letters away from ``typed``."""
    folded, neighbours = fold(typed), [fold(n) for n in (before, after) if n]
    names = not all(map(is_folded_syllable, neighbours))
    slips = dict(held_slips(vocabulary, strip_diacritics(typed), names))
    if not slips:
        return NO_FIX
    own = vocabulary.folded([folded, *slips])
    accented = any(map(has_diacritics, (typed, before, after)))
    common = is_common(vocabulary, typed, accented)
    # Beside accents typed, a reading is commoner than the syllable as written, not its
    # letters (as ``is_common`` counts it): ``ở chây`` reads châu, though chạy makes chay the
    # commoner letters; ``lồ nốt``, nuốt. bench/typos.py, seeds 7 / 11 / 3, read right:
    # neighbouring keys accented (seed 7) 0.921 -> 0.924, dropped letters accented (seed 11)
    # 0.782 -> 0.786, no row lower (with ``_mostly_written``: without it, partial accents lost
    # one on seed 3, ``thông dip`` read điệp).
    rivals = dict(own)
    if accented:
        rivals[folded] = vocabulary.accented([typed])[typed]
    support = pair_support(vocabulary, [folded, *slips], before, after)
    matched, suggested = _gains(folded, slips, support, rivals, common)
    if matched and fits == LETTERS_FIT:
        matched = _against_accents_typed(vocabulary, typed, before, after, matched, support, own)
    spelt = {}
    if matched and (has_diacritics(before) or has_diacritics(after)) and fits == UNFIT:
        # The likeliest counted again as the documents write them beside the accents typed;
        # the others keep their folded pairs' gains, after them, and are not suggested. (Not
        # for letters that fit but with other accents: only matched, they are not worth the
        # positions read, and wrong tones lost less.)
        likeliest = _likeliest({c: slips[c] for c in matched}, support)
        checked = {folded: (typed,), **_written_forms(vocabulary, typed, [*likeliest])}
        written = pair_support(
            vocabulary, [folded, *likeliest], before, after, checked=checked, spelt=spelt
        )
        written = {c: (written[c][0], support[c][1]) for c in written}
        if has_diacritics(typed):
            likeliest = {c: cost + accents_cost(typed, spelt[c]) for c, cost in likeliest.items()}
        exact, suggested = _gains(folded, likeliest, written, rivals, common)
        if has_diacritics(typed):
            exact, _ = _gains(
                folded, _second_typo(typed, likeliest, spelt), written, rivals, common
            )
        # Positions are read (``_unwritten``) only where a suggestion could follow: a
        # commoner reading, the syllable typed not common (``_gains``).
        commoner = any(own[c] >= COMMONER_BY * rivals[folded] for c in likeliest)
        toned = likeliest
        if not has_diacritics(typed):  # beside accents typed: the syllable with none
            toned = _accents_put_back(vocabulary, typed, likeliest, before, after)
        if (
            toned
            and support[folded][1]
            and commoner
            and not common
            and _unwritten(vocabulary, typed, before, after)
        ):
            suggested = _gains(
                folded,
                toned,
                _with_any_accents(vocabulary, typed, before, after, written),
                rivals,
                common,
            )[1]
        floor = min(exact.values(), default=math.inf)
        matched = {c: min(g, floor) for c, g in matched.items() if c not in likeliest} | exact
    ranked = sorted((c for c in matched if matched[c] > MATCH_GAIN), key=lambda c: -matched[c])
    if not ranked:
        return NO_FIX
    best = max(ranked, key=lambda c: suggested.get(c, -math.inf))
    ranked = [best] + [c for c in ranked[:MAX_MATCHED] if c != best]
    sure = suggested.get(best, -math.inf) >= SURE_GAIN
    texts = with_accents(vocabulary, typed, ranked) if has_diacritics(typed) else ranked
    if has_diacritics(typed) and spelt:  # as the documents write them beside the neighbours
        texts = [spelt.get(c, text) for c, text in zip(ranked, texts, strict=True)]
    # A reading that changes the letters and the accents is matched, not suggested (``uà phụ
    # nữ``: của, meant quà; ``tượng nhí của``, a title typed right: như).
    sure = sure and (not has_diacritics(typed) or keeps_accents(typed, texts[0]))
    gains = [matched[c] for c in ranked]
    if fits == LETTERS_FIT:  # the letters, with the accents their neighbours make likely
        texts, gains = [*texts, folded], [*gains, max(gains)]
    return RealWordFix(tuple(texts), tuple(gains), sure)


def _other_accents(
    vocabulary: Vocabulary, typed: str, before: str, after: str
) -> tuple[str, float] | None:
    """The same letters as ``typed`` with other accents, suggested, with its gain when deciding
    how much it matches, where the documents make a wrong tone or mark clear: ``typed`` not
    common, and written beside none of its neighbours (counted exactly,
    ``accented_pairs.written_at_all``); the form written beside each by
    ``OTHER_ACCENTS_DOCUMENTS`` at least, ``OTHER_ACCENTS_COMMONER_BY`` times as common as
    ``typed``, whose gain at ``SURE_COST_SCALE`` is positive and ``OTHER_ACCENTS_MARGIN`` ahead
    of the next form's. Pairs are folded, so the slips of the letters never saw ``sợ nhất thệ
    giới`` (thế: 1,551 of 10,000 news articles write thế giới, none thệ giới).

    A neighbour typed without accents, beside ``typed`` with some, is the syllable with none,
    counted as written so (``khu vục``: vực; many syllables have no accent to type): it was
    first left out, as telling nothing of the accents. bench/typos.py, seeds 7 / 11 / 3,
    suggestions with the title's accents (``exact``): wrong tones 0.578 / 0.548 / 0.547 ->
    0.585 / 0.562 / 0.569, misplaced marks 0.557 / 0.523 / 0.545 -> 0.568 / 0.547 / 0.557;
    read right and titles typed right (indexed or not) the same; found one query lower for a
    dropped letter (seed 11, ``xe má người``: mà, a wrong tone as likely as máy, now leads the
    readings, and máy falls out of them).

    So is a syllable typed without any accents beside accents typed (``hà noi``: nội; ``tay
    choi hàng``: chơi), where the letters fit their neighbours: the accents left out, all
    together, are one slip, whichever form they make (``duong bộ``: đường, not dương, the form
    with fewer marks). bench/typos.py, seeds 7 / 11 / 3, exact: one syllable typed without
    accents (partial) 0.000 / 0.000 / 0.000 -> 0.370 / 0.352 / 0.307 (a suggestion for 0.381 /
    0.370 / 0.321: the others are the corpus's commoner form, ``trận dau``: đấu, meant đầu),
    wrong tones 0.585 / 0.562 / 0.569 -> 0.611 / 0.587 / 0.588, misplaced marks 0.568 / 0.557
    -> 0.591 / 0.580 (seeds 7 / 3; a horn left out makes a syllable with none, ``từ hồ boi``:
    bơi); partial found 0.989 -> 0.993 (seed 3); no row lower, titles typed right (indexed or
    not) given no suggestion more. Partial queries on 38,084 articles take some 15% longer at
    p50 (the forms' pairs read as written); bench/typos_speed.py's queries typed right or with
    one typo 0.99x.

    The query typed with accents anywhere, not only beside it, says so (``rút khỏi khu vuc``:
    khu has no accents to type): partial 0.370 / 0.352 / 0.307 -> 0.396 / 0.384 / 0.354, wrong
    tones 0.611 / 0.587 -> 0.615 / 0.594 (seeds 7 / 11), no row lower. The form written beside
    one neighbour, not each, read 11 to 14 more partial queries a seed, but gave a title typed
    right a suggestion (``tưởng nho ninh``: nhớ, as in tưởng nhớ); beside one, and at least
    once beside the other (``_written_enough``: ``tiết lộ dia chỉ``, where one title writes
    lộ địa), partial 0.415 / 0.402 / 0.369 -> 0.456 / 0.441 / 0.412, misplaced marks (seed 11)
    0.558 -> 0.570, no row lower, no title typed right given one. (Choosing among every form
    written there, not only those ``OTHER_ACCENTS_COMMONER_BY`` times as common as typed, then
    asking that of the best: ``bị nhắc nho`` no longer read nhỏ, meant nhở, rarer than ten
    times nho's 55 documents, but a wrong tone read right on seed 7 was lost.)"""
    sides = [(n, at == 0) for at, n in enumerate((before, after)) if n]
    if not all(n.isalpha() for n, _ in sides):
        return None
    if is_common(vocabulary, typed, True):
        return None
    folded = fold(typed)
    forms = [f for f in accented_forms(folded) if f != typed and has_diacritics(f)]
    held = vocabulary.accented([typed, *forms])
    forms = [f for f in forms if held[f] >= OTHER_ACCENTS_COMMONER_BY * max(held[typed], 1)]
    if not forms or any(written_at_all(vocabulary, n, typed, first) for n, first in sides):
        return None
    written: dict[str, list[float]] = {f: [] for f in forms}
    for neighbour, first in sides:
        pair = (fold(neighbour), folded) if first else (folded, fold(neighbour))
        together = vocabulary.pairs([pair])[pair]
        counts = written_beside(vocabulary, neighbour, dict.fromkeys(forms, together), first)
        for f in forms:
            written[f].append(counts[f])
    documents = max(vocabulary.reader.doc_count_all(), 1)

    # Typed with none of its accents, every form is one slip away: left out, they were left
    # out together (``duong bộ``: đường, not dương, the form with fewer marks).
    bare = not has_diacritics(typed)

    def gain(form: str, scale: float) -> float:
        smoothed = SMOOTHING / documents
        support = sum(math.log(n + smoothed * held[form] + 0.01) for n in written[form])
        typed_support = len(sides) * math.log(smoothed * held[typed] + 0.01)
        return support - typed_support - (0.0 if bare else scale * accents_cost(typed, form))

    best, *others = sorted(forms, key=lambda f: -gain(f, SURE_COST_SCALE))
    runner_up = gain(others[0], SURE_COST_SCALE) if others else -math.inf
    if (
        not _written_enough(written[best], bare)
        or gain(best, SURE_COST_SCALE) <= SURE_GAIN
        or gain(best, SURE_COST_SCALE) - runner_up < OTHER_ACCENTS_MARGIN
    ):
        return None
    return best, gain(best, MATCH_COST_SCALE)


def _written_enough(beside: list[float], bare: bool) -> bool:
    """Whether a form written ``beside`` each neighbour that many times (about) is clear
    enough to suggest: ``OTHER_ACCENTS_DOCUMENTS`` beside each; for a syllable typed without
    accents, beside one and at least once beside the other."""
    if bare:
        return min(beside) > 0 and max(beside) >= OTHER_ACCENTS_DOCUMENTS
    return min(beside) >= OTHER_ACCENTS_DOCUMENTS


def is_common(vocabulary: Vocabulary, typed: str, accented: bool | None = None) -> bool:
    """Whether ``typed`` is a common syllable, never suggested away: held by more than
    ``COMMON_SHARE`` of the documents, as written when the query is typed with accents
    (``accented``; by default when ``typed`` has some), else by its letters. A tone makes
    another syllable: ``rận`` is rare where ``ran``, folded, is common; and beside accents,
    ``nan`` typed is the syllable with none (``việt nan``), not any of nạn, nản, nán."""
    documents = max(vocabulary.reader.doc_count_all(), 1)
    if has_diacritics(typed) if accented is None else accented:
        held = vocabulary.accented([typed.lower()])[typed.lower()]
    else:
        held = vocabulary.folded([fold(typed)])[fold(typed)]
    return held > COMMON_SHARE * documents


def _gains(folded: str, slips: dict[str, float], support: dict, own: dict, common: bool):
    """For each of ``slips`` whose pairs (``support``) are likelier than those of ``folded``
    as typed: its gain when deciding whether it matches, and (only for a typed pair nobody
    wrote, and never a rarer syllable for a common one) whether it is suggested.

    A reading that costs more than a letter put back (``DROPPED_COST``: a far key) is not
    suggested where one as cheap is likelier than the syllable as typed, as it is no rival to
    one in the whole-query readings (``window_readings._runner_up``): by its pairs alone it
    wins whenever its pair is some fifteen times commoner (``ia cơ``: là cơ, meant gia cơ).
    bench/typos.py, seeds 7 / 11 / 3, read right: neighbouring keys (seed 11) 0.905 -> 0.909
    accented, 0.843 -> 0.854 unaccented (found 0.936 -> 0.947), swapped letters unaccented
    (seeds 7 / 11) 0.902 / 0.950 -> 0.906 / 0.954, dropped letters accented (seed 7) 0.734 ->
    0.737; titles typed right that the index does not hold, accented, with no suggestion 0.983
    / 0.983 -> 0.987 / 0.980 (seeds 7 / 11: ``các món canh cháo`` no longer reads cảnh cáo,
    ``là ghiền từ`` now reads thiền); found, dropped letters unaccented (seed 11) 0.808 ->
    0.804. Letters with no vowel are never suggested such a reading: they are most often a
    syllable whose vowel was left out (``tiên bc``: bác, not bị, the commoner pair; ``chứng
    tr``: trở, not tỏ); bench/typos.py, seeds 7 / 11 / 3, dropped letters accented: read right
    (seed 11) 0.761 -> 0.768, found 0.905 -> 0.912; a wrong suggestion fewer on seed 3 (``mv
    mi``: ma mị, meant MV mới); no row lower."""
    typed_support, typed_weakest = support[folded]
    matched, suggested = {}, {}
    for c, cost in slips.items():
        context, weakest = support[c]
        if weakest < MIN_PAIR_DOCUMENTS or context <= typed_support:
            continue
        matched[c] = context - typed_support - MATCH_COST_SCALE * cost
        if typed_weakest == 0 and own[c] >= COMMONER_BY * own[folded] and not common:
            suggested[c] = context - typed_support - SURE_COST_SCALE * cost
    near = any(slips[c] <= DROPPED_COST and gain > MATCH_GAIN for c, gain in matched.items())
    suggested = {
        c: gain
        for c, gain in suggested.items()
        if suggestable_slip(folded, slips[c]) and (not near or slips[c] <= DROPPED_COST)
    }
    return matched, suggested


def commoner_than_letters(
    letters: str, held_letters: int, held_reading: int, cost: float = math.inf
) -> bool:
    """Whether a reading held by ``held_reading`` documents may be suggested for ``letters``
    (folded, no syllable) held by ``held_letters``: ``NON_SYLLABLE_RARER_BY`` times as many
    where the letters have a vowel (``big``, ``buffet``: abbreviations and loan words, not
    slips), ``VOWELLESS_RARER_BY`` times where they have none (``th thính``: thả, 414 of
    10,000 news articles against 67; ``miền bắc rt``: rét, 181 against 34): those are a
    syllable whose vowel was left out as often as an abbreviation, and the pair or the whole
    query read must still be one no document writes. bench/typos.py, seeds 7 / 11 / 3, read
    right: dropped letters accented 0.737 / 0.775 / 0.719 -> 0.745 / 0.779 / 0.723, unaccented
    (seed 11) 0.391 -> 0.395; swapped letters unaccented (seed 7) 0.909 -> 0.913; no row lower,
    titles typed right unchanged. The same at 1; at 3, one accented query fewer on seed 11; at
    5, seed 7's gains only.

    Letters with a vowel a slip as likely as a letter left out (``cost`` at most
    ``DROPPED_COST``: a letter left out, doubled, a neighbouring key, two swapped) from the
    reading need it only ``CHEAP_SLIP_RARER_BY`` times as common, as a syllable's slip does
    (``COMMONER_BY``): names and loan words lose a letter as syllables do (``marco plo``: polo,
    11 of 2,000 Wikipedia articles against 4; ``hmo sapiens``: homo; ``mishima yuki``: yukio,
    6 against 4). An abbreviation typed right is mostly a far key from a commoner syllable
    (``hiv sau khi`` read ``hít sâu khi`` at 2 for every slip). bench/typos.py --corpus viwiki
    (not tuned on), seeds 7 / 11 / 3, read right: dropped letters 0.803 / 0.771 / 0.824 ->
    0.853 / 0.848 / 0.868 as written, 0.813 / 0.741 / 0.841 -> 0.863 / 0.801 / 0.875 folded;
    neighbouring keys 0.960 / 0.939 / 0.929 -> 0.980 / 0.960 / 0.953 as written; doubled and
    swapped letters up to 0.024 higher, none lower; found and names typed right that the index
    lacks unchanged (at 2 rather than 1: dropped letters 0.843 / 0.828 / 0.854). On the news
    titles (the same at 1 and 2, seeds 7 / 11 / 3 / 5 / 13): dropped letters accented 0.759 /
    0.789 / 0.741 -> 0.763 / 0.793 / 0.745, unaccented (seed 11) 0.420 -> 0.423; neighbouring keys
    accented (seed 3) 0.953 -> 0.957; swapped letters unaccented (seeds 7 / 3) 0.917 / 0.936 ->
    0.920 / 0.939, accented (seed 3) 0.968 -> 0.971; seeds 5 / 13, neighbouring keys unaccented
    (seed 5) 0.799 -> 0.802; no row lower, titles typed right unchanged; dev nDCG unchanged.

    A reading further than that from letters with a vowel (a far key, or more than one slip:
    ``cost`` above ``DROPPED_COST``) is never suggested, however common, unless the letters
    are an input method's keys (``input_methods.decode``: ``dduwowcj``, được), which keep the
    ``NON_SYLLABLE_RARER_BY`` rule: a word the index holds that is no syllable and no such
    slip of one is a name or a loan word typed right (``g dragon big``: bị, ``thu hồi moto``:
    một, ``galaxy s duos``: được, each a title the index does not hold; ``ông moon ja``: là,
    where jae was meant, a letter left out). bench/typos.py, seeds 7 / 11 / 3 / 5 and
    --corpus viwiki seed 3, titles typed right that the index does not hold with no
    suggestion, accented and unaccented: 0.987 / 0.977 -> 0.990 / 0.980, 0.980 / 0.963 ->
    0.983 / 0.967, the same, 0.970 / 0.977 -> 0.973 / 0.980, 0.937 / 0.937 -> 0.943 / 0.943;
    seed 13, dropped letters read right 0.764 / 0.425 -> 0.768 / 0.429; seed 7, found, dropped
    letters unaccented 0.801 -> 0.804; fewer wrong suggestions (shown) on six rows, no row
    lower, dev nDCG unchanged. Without the exception for input methods' keys, Telex leftovers
    lost two queries on seed 3 (read right 1.000 -> 0.993)."""
    if not has_vowel(letters):
        by = VOWELLESS_RARER_BY
    elif cost <= DROPPED_COST:
        by = CHEAP_SLIP_RARER_BY
    elif input_methods.decode(letters):
        by = NON_SYLLABLE_RARER_BY
    else:
        return False
    return held_reading >= by * held_letters


def suggestable_slip(letters: str, cost: float) -> bool:
    """Whether a reading of ``letters`` (folded) a slip costing ``cost`` away may be suggested,
    by that cost alone: letters with no vowel only a reading as cheap as a letter put back
    (``DROPPED_COST``), in the pairs here and in the whole-query readings
    (``window_readings``). They are a syllable whose vowel was left out far more often than
    one whose vowel was typed as a far consonant (``ung thu dn``: đã, n for a, where đến was
    meant). bench/typos.py, seeds 7 / 11 / 3, for the whole-query readings: dropped letters
    unaccented, a wrong suggestion for 2 / 3 / 0 fewer queries (shown 0.486 / 0.470 -> 0.478 /
    0.459), every other row the same."""
    return has_vowel(letters) or cost <= DROPPED_COST


def _unwritten(vocabulary: Vocabulary, typed: str, before: str, after: str) -> bool:
    """Whether no document writes ``typed`` (with its accents) beside some neighbour typed
    with accents, as both are typed (``accented_pairs.written_at_all``)."""
    return any(
        not written_at_all(vocabulary, neighbour.lower(), typed, first)
        for neighbour, first in ((before, True), (after, False))
        if neighbour and neighbour.isalpha() and has_diacritics(neighbour)
    )


def _accents_put_back(
    vocabulary: Vocabulary, typed: str, slips: dict[str, float], before: str, after: str
) -> dict[str, float]:
    """Those of ``slips`` (folded) of ``typed`` (no accents, beside neighbours typed with
    some) that put back a letter carrying every accent of the forms the documents mostly write
    them in beside those neighbours: those forms less the letter are ``typed`` (``ti phạm``:
    tội, the tone gone with ộ; not ``thông dip``: điệp, the stroke of đ on a letter typed).
    Such a syllable is otherwise the one with none (``is_common``), so it is suggested away only
    for them, as a syllable typed with accents is when no document writes it beside a neighbour
    (``_unwritten``). bench/typos.py, seeds 7 / 11 / 3: dropped letters accented read right
    (seed 7) 0.755 -> 0.759, every other row the same. For any reading of it, wrong tones,
    misplaced marks and partial accents lost one or two queries each (``chứng tro``: tỏ, meant
    trở; ``là hong tôi``: không, meant hỏng): a syllable typed without its accents among
    others typed with theirs is common."""
    found = {}
    for c, cost in slips.items():
        if len(c) != len(typed) + 1:
            continue
        forms = [
            f for f in accented_forms(c) if has_diacritics(f) and accents_on_the_slip(typed, f)
        ]
        held = vocabulary.accented(forms)
        forms = [f for f in forms if held[f]]
        if forms and all(
            _mostly_written(vocabulary, neighbour, c, forms, first)
            for neighbour, first in ((before, True), (after, False))
            if neighbour and neighbour.isalpha() and has_diacritics(neighbour)
        ):
            found[c] = cost
    return found


def _mostly_written(
    vocabulary: Vocabulary, neighbour: str, letters: str, forms: list[str], first: bool
) -> bool:
    """Whether the documents write ``letters`` (folded) beside ``neighbour`` (with accents;
    before it when ``first``) as one of ``forms`` at least half the times they write it with
    any accents."""
    pair = (fold(neighbour), letters) if first else (letters, fold(neighbour))
    held = vocabulary.pairs([pair])[pair]
    if not held:
        return False
    written = written_beside(
        vocabulary, neighbour.lower(), {letters: held, **dict.fromkeys(forms, held)}, first
    )
    return sum(written[f] for f in forms) >= 0.5 * written[letters] > 0


def _with_any_accents(
    vocabulary: Vocabulary, typed: str, before: str, after: str, written: dict
) -> dict:
    """``written`` (``pair_support`` as the documents write each reading beside the accents
    typed) with the syllable as typed counted as its letters with whichever accents the
    documents write most beside each neighbour, and its rarest pair as written with the accents
    typed (by none, ``_unwritten``): a reading suggested for a pair nobody wrote with the
    accents typed must be likelier than a wrong tone or mark on the same letters (``tay cỏi
    trói``: cởi, not cỏ), which is one typo too."""
    folded = fold(typed)
    forms = accented_forms(folded) or (folded,)
    letters = pair_support(vocabulary, [folded], before, after, checked={folded: forms})
    return {**written, folded: (letters[folded][0], 0)}


def _against_accents_typed(
    vocabulary: Vocabulary, typed: str, before: str, after: str, matched, support, own
) -> dict[str, float]:
    """The gains of the readings ``matched`` of a syllable whose letters fit its neighbours but
    not its accents (``LETTERS_FIT``), against the pairs of the syllable as typed counted in the
    share of its letters' documents that its accents hold: ``khi lê`` (lên) is read as much
    likelier than ``lê`` beside ``khi``, not than ``khi le``, which is mostly ``khi lên``."""
    folded = fold(typed)
    share = vocabulary.accented([typed])[typed] / max(own[folded], 1)
    typed_alone = pair_support(vocabulary, [folded], before, after, own, {folded: share})
    lift = support[folded][0] - typed_alone[folded][0]
    return {c: gain + lift for c, gain in matched.items()}


def _written_forms(vocabulary: Vocabulary, typed: str, folded: list[str]) -> dict:
    """The spellings each folded candidate is looked for as written beside accents typed: as
    typed, unaccented, its letters; accented, the form nearest the accents typed and, when none
    carries a tone and the candidate puts a letter back, also the ``TONED_FORMS`` commonest
    forms the index holds with the vowel marks nearest those typed, whatever their tone (the
    tone may have gone with the letter left out: ``trưng`` for ``trường``, not only
    ``trương``); when one does, the ``TONED_FORMS`` commonest that keep every accent typed
    (``keeps_accents``), as the whole-query readings look for them: the letter put back may
    carry a mark of its own (``ối tác``: đối, where dối is nearest; 4,285 of 10,000 news
    articles hold đối, 96 dối). bench/typos.py, seeds 7 / 11 / 3: dropped letters accented (seed
    3) read right 0.723 -> 0.727, found 0.935 -> 0.939; no other row moved."""
    if not has_diacritics(typed):
        return {c: (c,) for c in folded}
    nearest = with_accents(vocabulary, typed, folded)
    # Only a candidate that puts a letter back has forms beyond the nearest to look up.
    longer = [c for c in folded if len(c) > len(fold(typed))]
    forms = {c: accented_forms(c) or (c,) for c in longer}
    held = vocabulary.accented(f for options in forms.values() for f in options)
    found = {}
    for c, near in zip(folded, nearest, strict=True):
        if c not in forms:  # no letter put back: no tone or mark went with it
            found[c] = (near,)
            continue
        if tone_of(typed):
            kept = [f for f in forms[c] if f != near and held[f] and keeps_accents(typed, f)]
            found[c] = (near, *sorted(kept, key=lambda f: -held[f])[:TONED_FORMS])
            continue
        distance = {f: mark_distance(typed, without_tone(f)) for f in forms[c] if held[f]}
        closest = min(distance.values(), default=0.0)
        toned = sorted((f for f, d in distance.items() if d == closest), key=lambda f: -held[f])
        found[c] = tuple(dict.fromkeys([near, *toned[:TONED_FORMS]]))
    return found


def _second_typo(typed: str, slips: dict[str, float], spelt: dict[str, str]) -> dict[str, float]:
    """The cost of each of ``slips`` of ``typed`` (with accents) when deciding how much it
    matches, plus ``SECOND_TYPO_COST`` where its spelling (``spelt``) does not keep the accents
    typed (``candidates.keeps_accents``): a slip of the letters that also changes the accents is
    two typos, not one (``lạc ước``: được, 35 of 10,000 news articles write lạc được, is
    likelier than bước, 3, only by their pairs). Whether it is suggested is left as it was: it never
    is, and a reading that does keep them is suggested only if nothing scores above it."""
    return {
        c: cost + (0.0 if keeps_accents(typed, spelt[c]) else SECOND_TYPO_COST)
        for c, cost in slips.items()
    }


def _likeliest(slips: dict[str, float], support: dict) -> dict[str, float]:
    """The ``CHECKED`` slips likeliest by their folded pairs."""
    gain = {c: support[c][0] - MATCH_COST_SCALE * cost for c, cost in slips.items()}
    return {c: slips[c] for c in sorted(slips, key=lambda c: -gain[c])[:CHECKED]}


def _fits(vocabulary: Vocabulary, typed: str, before: str, after: str) -> str:
    """``FITS`` when the index holds ``typed`` often enough beside each (folded) neighbour to
    take it as typed without looking further (most syllables of most queries: a few look-ups);
    ``LETTERS_FIT`` when only its letters do: pairs are folded, so a syllable typed with accents
    is credited with the share of its letters' documents that write it with those accents
    (``các nộ``: 22 of 10,000 news articles hold ``cac no``, but as các nó; nộ is 4% of ``no``);
    else ``UNFIT``."""
    folded = fold(typed)
    pairs = [(before, folded)] * bool(before) + [(folded, after)] * bool(after)
    documents = vocabulary.reader.doc_count_all()
    held, enough = min(vocabulary.pairs(pairs).values()), max(5, FITS_SHARE * documents)
    if held < enough:
        return UNFIT
    if has_diacritics(typed):
        share = vocabulary.accented([typed])[typed] / max(vocabulary.folded([folded])[folded], 1)
        if held * share < enough:
            return LETTERS_FIT
    return FITS


def pair_support(
    vocabulary: Vocabulary,
    syllables: list[str],
    before: str,
    after: str,
    own: dict[str, int] | None = None,
    shares: dict[str, float] | None = None,
    checked: dict[str, tuple[str, ...]] | None = None,
    spelt: dict[str, str] | None = None,
    beside_plain: bool = False,
) -> dict[str, tuple[float, int]]:
    """For each syllable (folded or not): the log of how likely its pairs with the syllables
    ``before`` and ``after`` make it (each pair's documents, smoothed by the syllable's own
    frequency, ``own``: by default its folded form's documents), and the documents holding its
    rarest pair (folded). Pairs are folded: ``shares`` gives, for an accented syllable, the
    share of its letters' documents that hold it with its accents, to count only that share of
    each pair. ``checked`` maps syllables to the spellings (accented or not) whose pairs with
    a neighbour typed with accents are counted as the documents write them, instead
    (``accented_pairs``; the most any of them is written); ``spelt``, when given, is filled
    with each checked syllable's spelling written most beside them. With ``beside_plain``, a
    checked spelling with accents is also counted as written beside a neighbour typed without
    (the neighbour's letters, any accents)."""
    typed = {"before": before.lower(), "after": after.lower()}
    before, after = fold(before), fold(after)
    pairs = {}
    for text in syllables:
        # A split (vac xin) pairs by its first and last syllables.
        words = (text if text.isascii() else fold(text)).split()
        pairs[text] = [(before, words[0])] * bool(before) + [(words[-1], after)] * bool(after)
    folded_counts = vocabulary.pairs(p for made in pairs.values() for p in made)
    shares = shares or {}
    counts = {
        text: [folded_counts[p] * shares.get(text, 1.0) for p in made]
        for text, made in pairs.items()
    }
    tally: dict[tuple[str, str], float] = {}
    for side, neighbour in ((0, typed["before"]), (-1, typed["after"])):
        if not (checked and neighbour and neighbour.isalpha()):
            continue
        forms = {t: f for t, f in checked.items() if t in pairs and " " not in t}
        held = {f: folded_counts[pairs[t][side]] for t, fs in forms.items() for f in fs}
        plain = not has_diacritics(neighbour)
        if plain and not beside_plain:
            continue
        written = written_beside(vocabulary, neighbour, held, first=side == 0, letters=plain)
        for text, spellings in forms.items():
            counts[text][side] = max(written[f] for f in spellings)
            for f in spellings:
                tally[text, f] = tally.get((text, f), 0.0) + written[f]
    if spelt is not None:
        for text, spellings in (checked or {}).items():
            spelt[text] = max(spellings, key=lambda f: tally.get((text, f), 0.0))
    if own is None:
        keys = {s: s if s.isascii() else fold(s) for s in syllables}
        folded = vocabulary.folded(keys.values())
        own = {s: folded[keys[s]] for s in syllables}
    documents = max(vocabulary.reader.doc_count_all(), 1)
    return {
        s: (
            sum(math.log(n + SMOOTHING * own[s] / documents + 0.01) for n in counts[s]),
            min(folded_counts[p] for p in made),
        )
        for s, made in pairs.items()
    }


def with_accents(vocabulary: Vocabulary, typed: str, folded: list[str]) -> list[str]:
    """Each folded candidate as the accented form the index holds that is nearest to the
    accents typed (then the most frequent): ``nập`` → ``nhập``. Letters with no vowel lost
    their tone and vowel marks with it: the most frequent form with the đ typed or not
    (``đnh``: the commonest of định, đình, đỉnh, not the toneless ``đinh`` for having no tone)."""
    forms = {c: accented_forms(c) or (c,) for c in folded}
    held = vocabulary.accented(f for options in forms.values() for f in options)
    if not has_vowel(fold(typed)):
        return [
            min(options, key=lambda f: (held[f] == 0, ("đ" in f) != ("đ" in typed), -held[f]))
            for options in forms.values()
        ]
    return [
        min(
            options,
            key=lambda f: (held[f] == 0, mark_distance(typed, f) - 0.1 * math.log(1 + held[f])),
        )
        for options in forms.values()
    ]
