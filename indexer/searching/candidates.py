"""The spellings a mistyped syllable may have meant, that an index holds, each with a score.

In order of trust:

1. an input method's leftover, decoded exactly (``nguyeenx`` → ``nguyễn``, ``vie65t`` → ``việt``);
2. the same letters with other accents (``nguyển`` → ``nguyễn``): a tone or vowel mark wrong;
3. one edit of the letters typed (a doubled or dropped letter, a neighbouring key, two letters
   swapped), kept when the result is a term of the index, and for an accented syllable put back
   with the accents typed (``nguễn`` → ``nguyễn``); edits of the letters as typed and of their
   key, since a final ``y`` after a consonant is keyed ``i`` (``ngy``: ngi), and only the
   letters typed are one letter from ``ngày`` (``misspellings.typed_edits``);
4. two or three syllables typed without the spaces (``vacxin`` → ``vac xin``, ``batdongsan`` →
   ``bat dong san``), kept when the index holds each pair; letters that are no syllable may
   also be two words that are none (``vnindex`` → ``vn index``, ``seagames`` → ``sea games``).

A candidate's score is the log of the documents holding it less ``COST_SCALE`` times the cost of
the slip (``indexer.language.misspellings``). Every look-up of one syllable's candidates is one
batch per group of fields (``Vocabulary``).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from functools import partial

from indexer.language import input_methods
from indexer.language.misspellings import DROPPED_COST, VOWEL_MARKS, mark_distance, typed_edits
from indexer.language.normalize import fold, has_diacritics
from indexer.language.syllables import (
    accented_forms,
    has_vowel,
    is_folded_syllable,
    tone_of,
    without_tone,
)
from indexer.searching.vocabulary import Vocabulary

COST_SCALE = 4.5
# Two syllables typed as one are split only when the index holds the pair this often.
SPLIT_DOCUMENTS = 3
# A decode by an input method costs no slip; one that lacks only the tone, a little (the tone
# key may have been forgotten: tuyeen, tuyến). It used to start ahead of every edit, and then a
# neighbouring key that happens to be an input method's key (caj for cau, thonf for thong)
# decoded to a syllable nobody meant there (cạ, thòn): bench/typos.py, neighbouring keys.
DECODE_COST, TONELESS_DECODE_COST, STROKE_DECODE_COST = 0.0, 0.2, 0.2
# A decode whose only key is a tone key typed last (hus: hú, hef: hè) is one key away from the
# letters typed, as a slip is (hua, het: s is next to a, f to t), so it costs what a neighbouring
# key does and the two readings compete on frequency and pairs. At no cost, a neighbouring key
# that was a Telex tone key by accident read as the tone. bench/typos.py, seeds 7, 11, 3:
# neighbouring keys right unaccented 0.760 / 0.755 / 0.746 -> 0.775 / 0.763 / 0.771, while
# Telex leftovers lost 1 to 4 queries a seed (right 0.982 at the lowest): as likely either way.
TONE_KEY_DECODE_COST = 0.6
LOAN_WORD_COST = 0.5  # letters that are no syllable kept as typed in an accented query
SPLIT_COST = 0.5
UNFINISHED_DISCOUNT = 0.5  # off a letter put back after a final ă or â (vă -> văn)
# A guess by edit that replaces, swaps or drops a letter needs this many letters: one such edit
# of a two-letter syllable reaches dozens of others (da -> ha, la, na, đa...), so a short word
# typed is taken as meant (Meilisearch allows no typo under 5 letters); only a letter left out
# is put back. Input methods' leftovers are decoded exactly, whatever their length.
MIN_EDIT_LETTERS = 3

Scored = dict[str, tuple[float, str, int]]  # candidate -> (score, kind, documents)


def scored_candidates(vocabulary: Vocabulary, typed: str) -> Scored:
    """The candidates for ``typed`` (lowercase) that the index holds, each with its best score,
    its kind (ime, accents, edit, split) and the documents holding it; ``typed`` itself is left
    out."""
    options: list[tuple[str, float, str]] = list(_decodes(typed))
    folded = fold(typed)
    edits = typed_edits(typed) if folded.isascii() and folded.isalpha() else {}
    if len(folded) < MIN_EDIT_LETTERS:
        # A short syllable is guessed only by the letter it lacks (tâ -> tâm, ci -> chi):
        # another letter in its place reaches dozens of common words.
        edits = {e: cost for e, cost in edits.items() if len(e) == len(folded) + 1}
    if has_diacritics(typed):
        options += [(f, c, "accents") for f, c in _other_accents(typed, folded, 0.0)]
        held = vocabulary.folded(e for e in edits if len(e) > 1)
        unfinished = _unfinished(typed)
        for candidate, cost in edits.items():
            if held.get(candidate):
                options += [
                    (f, c - UNFINISHED_DISCOUNT * (unfinished and c == cost), "edit")
                    for f, c in _other_accents(typed, candidate, cost)
                ]
        frequencies = vocabulary.accented(text for text, _, _ in options)
    else:
        options += [(e, c, "edit") for e, c in edits.items() if len(e) > 1]
        frequencies = vocabulary.folded(text for text, _, _ in options)
        frequencies.update(vocabulary.accented(t for t, _, k in options if k == "ime"))
    options = _costlier_slips_give_way(options, edits, frequencies, typed)
    scored: Scored = {}
    for text, cost, kind in options:
        _keep(scored, text, frequencies.get(text, 0), cost, kind)
    for first, second, pair_df in split_candidates(vocabulary, typed):
        _keep(scored, f"{first} {second}", pair_df, SPLIT_COST, "split")
    if typed.isascii() and typed.isalpha() and not is_folded_syllable(typed):
        for text, documents in splits_in_three(vocabulary, typed):
            _keep(scored, text, documents, 2 * SPLIT_COST, "split")
    scored.pop(typed, None)
    return scored


def _costlier_slips_give_way(
    options: list, edits: dict[str, float], frequencies: dict, typed: str
) -> list:
    """``options`` without those that cost more than a letter put back (``DROPPED_COST``),
    where the index holds an edit as cheap: one typo changes a mark or a letter.

    Other accents of the letters typed that change two marks (``cợ`` read ``có``, the horn and
    the tone: two typos) give way to an edit that keeps them (``chợ``). bench/typos.py, seeds
    7 / 11 / 3: dropped letters accented read right (seed 11) 0.772 -> 0.775; every other row
    the same, wrong tones and misplaced marks included.

    Edits whose slip (``edits``, by their letters) is a far key or another letter give way to
    an edit whose slip is a letter left out, doubled, swapped or a neighbouring key (``tsi``:
    tài, not trí), as in the readings of held syllables (``window_readings._runner_up``,
    ``real_words._gains``). By the slip alone: counted with the marks the spelling changes
    (``_other_accents``), a letter put back that also brings a tone (``đli``: đời) gave way to
    the toneless one (đôi). bench/typos.py, seeds 7 / 11 / 3, read right: neighbouring keys
    accented (seed 11) 0.909 -> 0.912, unaccented 0.841 / 0.854 / 0.821 -> 0.851 / 0.858 /
    0.829 (found, seed 7, 0.935 -> 0.942); swapped letters accented (seed 7) 0.978 -> 0.982,
    unaccented (seeds 7 / 11) 0.906 / 0.954 -> 0.909 / 0.957 (found, seed 7, 0.960 -> 0.964);
    with the title's accents, neighbouring keys accented (seed 7) 0.899 -> 0.896 (``phát
    tsi``: tại, not tài) and swapped letters unaccented (seed 11) 0.897 -> 0.893; every other
    row the same.

    Likewise, counted with the marks it changes on the letters typed, the tone only where one
    was typed (``_typed_marks_changed``), an edit that also takes away or changes the accents
    typed gives way to one that keeps them (``nẵn``: nẵng, not năm; ``thêk tỷ``: thêm, not
    theo; ``tuổi ứu``: cứu, not sửu). bench/typos.py, accented, read right: dropped letters
    0.809 -> 0.813 (seed 7), 0.768 -> 0.771 (seed 13), neighbouring keys 0.939 -> 0.942 (seed
    7), 0.943 -> 0.939 (seed 5: ``yài các`` read hài, not tại, both other words than tài),
    swapped letters 0.979 -> 0.982 (seed 5); with the title's accents, doubled letters one
    query more on seeds 7 / 5 / 13, dropped letters one less on seed 5 (``ảnh tưn``: từng,
    not tưng); seeds 11 / 3 and viwiki 7 / 11 / 3 the same."""

    def slip(text: str, cost: float) -> float:
        return edits.get(fold(text), cost)

    def kept(text: str, cost: float) -> float:
        return slip(text, cost) + _typed_marks_changed(typed, text)

    held = [
        (text, cost) for text, cost, kind in options if kind == "edit" and frequencies.get(text)
    ]
    marks_cheap = any(cost <= DROPPED_COST for _, cost in held)
    # The stricter measure wherever some edit is cheap by it (kept is never below slip).
    edit_cost = next(
        (f for f in (kept, slip) if any(f(text, cost) <= DROPPED_COST for text, cost in held)),
        None,
    )
    return [
        (text, cost, kind)
        for text, cost, kind in options
        if not (kind == "accents" and marks_cheap and cost > DROPPED_COST)
        and not (kind == "edit" and edit_cost and edit_cost(text, cost) > DROPPED_COST)
    ]


def _typed_marks_changed(typed: str, form: str) -> float:
    """How far ``form``'s marks on the letters typed are from those typed, its tone counted
    only when one was typed: a letter put back may bring the tone of a syllable typed without
    one (``đli``: đời), never take away a tone typed (``nẵn``: năm is a key and a tone away,
    nẵng a letter)."""
    if not has_diacritics(typed):
        return 0.0
    return accents_cost(typed, form if tone_of(typed) else without_tone(form))


def _unfinished(typed: str) -> bool:
    """Whether ``typed`` ends in ă or â, which no syllable does (a final letter must follow):
    accents typed on purpose, so a letter left out is likelier than those accents wrong."""
    last = unicodedata.normalize("NFD", typed[-1:])
    return last[:1] == "a" and ("\u0306" in last or "\u0302" in last)


def _keep(scored: Scored, text: str, df: int, cost: float, kind: str) -> None:
    score = math.log(1 + df) - COST_SCALE * cost
    if df and (text not in scored or scored[text][0] < score):
        scored[text] = (score, kind, df)


def _decodes(typed: str) -> Iterator[tuple[str, float, str]]:
    """What an input method left behind: ``typed`` decoded, and decodes missing only a tone
    with each tone, or only the stroke of a first đ (Telex ``daf``, VNI ``da2``: đà, whose
    second d or 9 is the key most often forgotten)."""
    for decoded in input_methods.decode(typed):
        cost = TONE_KEY_DECODE_COST if _only_a_tone_key(typed, decoded) else DECODE_COST
        yield decoded, cost, "ime"
        if decoded[:1] == "d":
            yield "đ" + decoded[1:], cost + STROKE_DECODE_COST, "ime"
        if not tone_of(decoded):
            for form in accented_forms(fold(decoded)):
                if tone_of(form) and without_tone(form) == decoded:
                    yield form, cost + TONELESS_DECODE_COST, "ime"


def _only_a_tone_key(typed: str, decoded: str) -> bool:
    """Whether ``decoded`` is ``typed`` read by Telex with its last letter as a tone key and no
    other key (``hus``: hú; ``trươngf``: trường, its marks typed; not ``nguyeenx``, whose ``ee``
    is a key too)."""
    return (
        typed[-1:] in input_methods.TELEX_TONES
        and fold(decoded) == fold(typed[:-1])  # myx: mỹ, keyed mi as the letters my are
    )


def _other_accents(typed: str, folded: str, cost: float) -> list[tuple[str, float]]:
    """The accented forms of ``folded`` other than ``typed``, each costing ``cost`` plus how far
    its accents are from those typed; a loan word (no syllable) keeps its letters.

    A letter the edit put back comes with its own marks (``iện``: điện, a letter left out, not
    a letter and a stroke; ``ngời``: người), so only the marks on letters typed are compared.
    bench/typos.py, accented, seeds 7 / 11 / 3: dropped letters found 0.849 -> 0.853 / the
    same / the same, read right 0.432 -> 0.435 / 0.454 -> 0.465 / 0.424 -> 0.428; neighbouring
    keys read right one, two and three queries more; no row lower."""
    forms = [f for f in accented_forms(folded) if f != typed]
    if not forms:
        return [(folded, cost + LOAN_WORD_COST)] if folded != typed else []
    letters = fold(typed)
    # Without a vowel the tone went with the one left out: đnh is not likelier đinh than đình.
    # Seeds 7 / 3: dropped letters found 0.853 -> 0.856 / read right 0.442 -> 0.446, accented.
    bare = partial(_bare_except, letters=set(letters), tone=has_vowel(letters))
    return [(f, cost + mark_distance(typed, bare(f))) for f in forms]


def accents_cost(typed: str, form: str) -> float:
    """How far the accents of ``form`` are from those typed, on the letters typed only: a
    letter put back comes with its own marks, and without a vowel typed, its tone."""
    letters = fold(typed)
    return mark_distance(typed, _bare_except(form, set(letters), has_vowel(letters)))


def keeps_accents(typed: str, form: str) -> bool:
    """Whether ``form`` keeps the accents of ``typed``: all of them (``vụ`` is no slip of
    ``vệ``), or, when it puts a letter back, those on the letters typed, the letter put back
    bringing its own marks (``ảm bảo giao``: đảm) and its tone when none was typed (``mỹ
    ngưỡng mộ trưc``: trước; the tone went with the letter). One typo changes the letters or
    the accents, not both. bench/typos.py, seeds 7 / 11 / 3, dropped letters accented, read
    right: 0.644 / 0.695 / 0.608 -> 0.647 / 0.705 / 0.608, no row lower (for the whole-query
    readings, ``window_readings``, against all the accents kept)."""
    if len(fold(form)) <= len(fold(typed)):
        return mark_distance(typed, form) == 0
    return accents_cost(typed, form if tone_of(typed) else without_tone(form)) == 0


def accents_on_the_slip(typed: str, form: str) -> bool:
    """Whether ``form``, one slip of the letters from ``typed`` (lowercase, no accents), has
    accents only on the letters the slip changes or puts back: a syllable typed without accents
    among others typed with theirs is the one with none, unless they went with a letter left
    out or mistyped (``ti``: tội; ``hia``: hứa; not ``mo``: một, where ô is on a letter typed)."""
    if len(form) == len(typed):
        return all(
            f == t for f, t, letter in zip(form, typed, fold(form), strict=True) if letter == t
        )
    if len(form) == len(typed) + 1:
        return any(form[:i] + form[i + 1 :] == typed for i in range(len(form)))
    if len(form) + 1 == len(typed):
        return any(typed[:i] + typed[i + 1 :] == form for i in range(len(typed)))
    return False


def _bare_except(form: str, letters: set[str], tone: bool) -> str:
    """``form`` without the vowel marks and the stroke of đ on letters not among ``letters``,
    and without its tone unless ``tone``."""
    bare = "".join(
        char
        if fold(char) in letters
        else unicodedata.normalize(
            "NFC", "".join(c for c in unicodedata.normalize("NFD", char) if c not in VOWEL_MARKS)
        ).replace("đ", "d")
        for char in form
    )
    return bare if tone else without_tone(bare)


def split_candidates(vocabulary: Vocabulary, typed: str) -> list[tuple[str, str, int]]:
    """Two syllables typed without the space between them (``vacxin`` → vac, xin), or for
    ASCII letters that are no syllable, two words of two letters or more (``vnindex`` → vn,
    index), with the documents holding the pair, when that is at least ``SPLIT_DOCUMENTS``."""
    options = []
    loan = typed.isascii() and typed.isalpha() and not is_folded_syllable(typed)
    for i in range(2, len(typed) - 1):
        first, second = typed[:i], typed[i:]
        if is_folded_syllable(fold(first)) and is_folded_syllable(fold(second)):
            options.append((first, second))
        elif loan and len(first) > 1 and len(second) > 1:
            options.append((first, second))
    found = vocabulary.pairs((fold(a), fold(b)) for a, b in options)
    return [
        (a, b, found[(fold(a), fold(b))])
        for a, b in options
        if found[(fold(a), fold(b))] >= SPLIT_DOCUMENTS
    ]


def splits_in_three(vocabulary: Vocabulary, letters: str) -> list[tuple[str, int]]:
    """``letters`` (folded) as three syllables typed without the spaces (``hochiminh``: ho chi
    minh) whose two pairs the index holds ``SPLIT_DOCUMENTS`` times or more, each with the
    documents holding its rarer pair."""
    options = [
        (letters[:i], letters[i:j], letters[j:])
        for i in range(1, len(letters) - 1)
        for j in range(i + 1, len(letters))
    ]
    options = [o for o in options if all(map(is_folded_syllable, o))]
    held = vocabulary.pairs(p for a, b, c in options for p in ((a, b), (b, c)))
    found = [(f"{a} {b} {c}", min(held[(a, b)], held[(b, c)])) for a, b, c in options]
    return [(text, documents) for text, documents in found if documents >= SPLIT_DOCUMENTS]
