"""The whole-query "did you mean": each mistyped syllable corrected, accents restored as the
documents found write them, else where the index makes them clear.

Accents come first from what the search found: the first title or snippet among the hits that
holds the suggestion's letters word for word gives them (``tam ho bii``: ``tắm hồ bơi``, though
``ho`` is ``họ`` in most documents). bench/typos.py, seed 7, unaccented queries whose
suggestion (or query as typed) is the title's words with their accents: Telex leftovers 0.434
-> 0.978, a neighbouring key 0.258 -> 0.771. So does the tone of a syllable typed without
accents and read as one with marks but no tone, a decode that lacks only its tone key: ``nguyen
thi tuyeen`` is ``nguyễn thị tuyến``, as the article writes the name, not ``tuyên``, which no
document writes beside thị (the issue's own example); a tone key typed is kept (``tuyeenf``:
tuyền). bench/typos.py, seeds 7 / 11 / 3, suggestions equal to the clean query accents
included: doubled letters unaccented (seeds 11 / 3) 0.925 / 0.929 -> 0.929 / 0.936 (``hoo`` is
hô decoded), partial accents (seed 3) 0.431 -> 0.434; no other row moved.

Which correction is shown comes from them too: of a syllable's sure corrections within
``CHOICE_SHARE`` of its best, the one the first text holding a reading of the whole query word
for word writes (``written_choices``: ``dự án thé`` is ``dự án thép``, the article's words,
where the best guess alone was ``the``; ``ba đknh`` is ``ba đình``, not định), unless the
documents write the best's reading of the query more often (a first hit titled ``Tám họa sĩ``
makes no ``tám họa`` of ``tảm họa`` where 40 documents write thảm họa). The suggestion then
agrees with the first results; it is made no more and no less often. bench/typos.py, read
right, seeds 7 / 11 / 3: dropped letters accented 0.763 / 0.793 / 0.745 -> 0.766 / 0.796 /
0.748, unaccented 0.457 / 0.423 -> 0.475 / 0.431 (seeds 7 / 11); neighbouring keys accented
0.924 / 0.919 / 0.957 -> 0.928 / 0.926 / 0.960, unaccented 0.855 / 0.858 / 0.829 -> 0.866 /
0.868 / 0.839; swapped letters unaccented 0.920 / 0.964 / 0.939 -> 0.935 / 0.968 / 0.946; seeds
5 / 13, which nothing was tuned on: dropped letters accented 0.736 / 0.704 -> 0.754 / 0.722,
neighbouring keys unaccented 0.802 / 0.836 -> 0.817 / 0.861; ``--corpus viwiki``, seeds 7 / 11
/ 3: dropped letters 0.853 / 0.848 / 0.868 -> 0.860 / 0.872 / 0.881 (typed without accents
0.863 / 0.801 / 0.875 -> 0.876 / 0.822 / 0.892); no row lower, found and shown the same.
Without the last guard, a little more (seed 3's swapped letters unaccented 0.954); at 0.5,
about half the gains; with every correction kept (0), seed 11's dropped letters accented one
query fewer.

Where no correction is sure, the first results may make one so (``read_as_found``): a query one
letter short of a text the first two hits write word for word, which neither they nor any
document writes as typed, is that text (``gờ bị``: ngờ, from ``Facebook tại Việt Nam bất ngờ bị
'sập'``; ``kí chết``: khí). Only through a slip as cheap as a letter left out, accents kept,
never by a rarer word, for one of issue 16's commonest syllables only where another is outside
them and two documents write the reading (``_commonest``, below), and for one syllable of the
query. bench/typos.py, read right, seeds 7 / 11 / 3: dropped letters accented 0.766 / 0.796 /
0.748 -> 0.795 / 0.818 / 0.777, unaccented 0.475 / 0.431 / 0.457 -> 0.489 / 0.438 / 0.496;
neighbouring keys accented (seeds 7 / 11) 0.928 / 0.926 -> 0.932 / 0.933, unaccented (seeds 11
/ 3) 0.868 / 0.839 -> 0.879 / 0.846; seeds 5 / 13, not tuned on: dropped letters accented 0.754
/ 0.722 -> 0.771 / 0.750; ``--corpus viwiki``, seeds 7 / 11 / 3: dropped letters 0.860 / 0.872
/ 0.881 -> 0.870 / 0.882 / 0.885; no row lower, found the same, titles typed right (indexed or
not) with no suggestion the same on every seed. A first form that also replaced a syllable
among the commonest in a query typed with accents where another is not, on any document's word,
replaced ``ông`` typed right (``ông trâu``: công, written by one article, seed 5); one that
read the corrections in their order before the texts' showed ``cam tân`` for ``cam ran`` above
a first hit titled Cam Ranh. Short queries on 38,084 news articles (bench/typos_speed.py
against the code before): typed right p50 1.02x, p95 1.05x (typos off against the same: 1.00x,
0.74x); it then ran for 133 of 499 such queries, 0.23-0.27 ms each (two timings), and for none
with one doubled letter (now: below).

Issue 16 asks for no correction of its 1,000 commonest syllables typed right, and for none of a
query whose syllables are all known and common. A commonest syllable is read as the texts write
it (a commoner word) when another syllable of the query is outside the thousand and
``REPLACED_WRITTEN`` documents write the reading, none the query as typed: typed so, it was not
typed right (``nhịp đều chỉnh``: điều, ``ước eu``: nước, ``nhá hàn``: hàng, ``buộc mộ quả tạ``:
một). Read whole, a query of three syllables or more already replaced one beside a syllable in
at most 1% of the documents (``window_readings._common_replaceable``). Typed without accents,
only where the documents write the reading without accents too (a name, a loan word: ``duoi
banh xe be``: ben): letters typed so stand for all their forms, and one of them may be what was
meant. bench/typos.py, read right, seeds 7 / 11 / 3: dropped letters accented 0.806 / 0.821 /
0.791 -> 0.809 / 0.825 / 0.802, unaccented (seeds 7 / 3) 0.504 / 0.504 -> 0.507 / 0.507,
swapped letters accented (seed 11) 0.993 -> 0.996; seed 5, not tuned on: dropped letters
accented 0.779 -> 0.782, neighbouring keys accented 0.939 -> 0.943; ``--corpus viwiki``, seeds
7 / 11 / 3: dropped letters 0.890 / 0.899 / 0.908 -> 0.893 / 0.902 / 0.912 (typed without
accents, seed 11: 0.852 -> 0.859); seed 13 the same; no row lower, found the same, and no title
typed right (indexed or not) given a suggestion on any of them. Counting the reading as the
texts write it, with accents, for queries typed without: seeds 11 / 5 read 0.452 / 0.493 ->
0.466 / 0.504 of the dropped letters unaccented right, but four titles typed right that the
index does not hold got a suggestion (seeds 11 / 3: ``hay toyota``: này, ``giuong vo``: với,
``madrid noi``: mỗi).

So may they change a sure suggestion (``found_instead``): where it corrects one syllable and the
first two hits write neither it nor the query but the query read with another reading of that
syllable, as ``read_as_found`` would take it, that one is shown (``cam arnh``:
cam ranh, not cam ảnh; ``ến thành``: bến thành, not đến thành). bench/typos.py, read right,
seeds 7 / 11 / 3: dropped letters unaccented 0.489 / 0.438 / 0.496 -> 0.504 / 0.452 / 0.504,
accented (seed 3) 0.777 -> 0.784; neighbouring keys accented 0.932 / 0.933 / 0.960 -> 0.935 /
0.940 / 0.964; swapped letters unaccented (seeds 7 / 3) 0.935 / 0.946 -> 0.938 / 0.957; seeds 5
/ 13: dropped letters accented 0.771 / 0.750 -> 0.779 / 0.757; ``--corpus viwiki``: dropped
letters 0.870 / 0.882 / 0.885 -> 0.876 / 0.886 / 0.888; no row lower, and suggestions made no
more or less often. (With ``written_choices``' guard, that the documents write the
reading at least as often as the suggestion's, about half of it.) On 38,084 news articles it
then ran for 495 of bench/typos_speed.py's 499 short queries with a letter doubled, 0.04 ms
each (0.27 ms before it looked for another cheap correction first; now: below).

Neither takes its reading from the corrections: it is the word the first texts write in the
syllable's place, its neighbours as typed (``_written_slips``), whether or not the corrections
hold it, and a query none of whose syllables has a correction is read too (``à nẵng``: đà,
``ne orleans``: new, ``mo diện đồ``: mẹo, which mo's corrections, co, một, lo, do and so, did
not hold). The same guards decide. bench/typos.py, read right, seeds 7 / 11 / 3: dropped
letters accented 0.795 / 0.818 / 0.784 -> 0.806 / 0.821 / 0.788, neighbouring keys accented
(seed 7) 0.935 -> 0.939; seeds 5 / 13: dropped letters accented 0.779 / 0.757 -> 0.779 /
0.764; ``--corpus viwiki``, seeds 7 / 11 / 3: dropped letters 0.876 / 0.886 / 0.888 -> 0.890 /
0.899 / 0.908 (typed without accents 0.883 / 0.838 / 0.912 -> 0.893 / 0.852 / 0.922), doubled
letters accented 0.997 / 0.993 / 0.993 -> 1.000; no row lower, found the same, titles typed
right (indexed or not) given no more suggestions on any of the five seeds. ``read_as_found``
now runs for every short query typed right (507 of bench/typos_speed.py's 507 on 38,084 news
articles, where 133 had a cheap correction), 0.29 ms each, and ``found_instead`` for 503 of
507 with a letter doubled, 0.27 ms; reading the texts one by one, the first that holds the
query stopping it, made that 0.10 and 0.07 ms. bench/typos_speed.py against the code before:
typed right p50 1.02x, p95 1.00x; one typo 0.98x, 1.03x (typos off against the same: 1.00x,
0.74x; 1.16x, 1.07x).

Accents no found text gives come back from the words the index holds (the ``completions``
field: pyvi's compound words as ``folded<TAB>as written``, with how many documents hold each):
``ha noi`` is ``Hà Nội`` in nearly every document that has it, so ``ha noii`` becomes ``hà
nội``, when the word is a good share of the documents holding its syllables side by side
(``trọng nam``, a name, is the only compound of ``trong nam``, which thousands write ``trong
năm``). A syllable outside any
such word gets its accents when one accented form holds nearly all its documents, else when one
holds nearly all of those that write it beside a neighbour with accents (``accented_pairs``:
``gia`` beside ``xăng`` is ``giá``), or, failing that, beside a neighbour's letters (``mien``
before ``bac`` is ``miền``, and then ``bac`` after ``miền`` is ``bắc``); the others stay as
typed. A compound word that overlaps syllables restored before must agree with them (``bong da
ngoai``: bóng đá ngoại, not the compound dã ngoại). bench/typos.py, seed 7, ``exact`` for
unaccented queries: Telex leftovers 0.978 -> 0.985, a doubled letter 0.873 -> 0.888, a
neighbouring key 0.783 -> 0.797, swapped letters 0.859 -> 0.873 (a doubled letter accented
0.993 -> 0.989: ``gia`` typed among accents became ``giá``). Nothing is suggested for a query
with nothing to correct and nothing the first results write one slip away.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence

from indexer.language.misspellings import DROPPED_COST
from indexer.language.normalize import fold, has_diacritics, normalize
from indexer.language.syllables import accented_forms, has_vowel, tone_of, without_tone
from indexer.searching.accented_pairs import written_beside
from indexer.searching.candidates import accents_on_the_slip, keeps_accents
from indexer.searching.corrections import Correction, Corrector, corrector
from indexer.searching.real_words import slip_cost
from indexer.searching.vocabulary import Vocabulary
from indexer.searching.window_readings import COMMONEST, written_as_typed

# A written form must hold this share of a word's documents (and this many) to be restored.
CLEAR_SHARE = 0.8
CLEAR_DOCUMENTS = 3
# A compound word gives its accents only when it is this share of the documents holding its
# syllables side by side (folded pairs): ``trọng nam`` (trọng nam khinh nữ) is the only compound
# of ``trong nam``, in a few documents, where thousands write ``trong năm``.
WORD_SHARE = 0.1
MAX_WORD_SYLLABLES = 4
# Look-ups of a syllable's accents beside a neighbour (``_restore_beside``), at most: a short
# query gets all it needs. 200 dev questions, folded, one letter doubled (a suggestion for
# 138), against the code before these look-ups: p50 9.9 -> 12.6 ms, p95 20 -> 28 ms unbounded
# and each form reading its pair's postings again; with this bound and one read, 11.5-11.9 ms
# and 23 ms.
MAX_LOOKED_BESIDE = 8
# A correction within this share of a syllable's best may be the one the suggestion shows,
# where the first text found writes it (``written_choices``).
CHOICE_SHARE = 0.25
# The found texts that may give a reading where no correction was sure (``read_as_found``):
# the first two hits' titles and snippets. bench/typos.py, seeds 7 / 11 / 3, dropped letters
# accented read right, against the first hit's only (2): 0.795 / 0.811 / 0.770 -> 0.795 / 0.818
# / 0.777; with every hit's of the page (20), seed 11 one query lower, and a title typed right
# that the index does not hold got a suggestion (seed 3). With both rules, three hits' (6): up
# to 0.007 higher on four rows, but that title typed right got one too.
FIRST_TEXTS = 4
# Documents writing a reading that replaces one of issue 16's commonest syllables (``_commonest``):
# at one, bench/typos.py seed 5 read two more dropped letters right (accented 0.782 -> 0.789),
# but ``ông trâu``, a title typed right that the index does not hold, was read công trâu, from
# the one article that writes it (titles typed right with no suggestion 0.973 -> 0.970).
REPLACED_WRITTEN = 2
_TOKEN = re.compile(r"\w+")


def did_you_mean(
    searcher,
    query: str,
    syllables: Sequence[str],
    corrections: Mapping[str, Sequence[Correction]],
    found_texts: Iterable[str] = (),
) -> str | None:
    """``query`` with each corrected syllable replaced by its best correction (or one nearly
    as likely that the first text found writes there) and accents restored around them, or
    None when no syllable of ``syllables`` (the query's free-text syllables, in order) has a
    sure correction, nor one the first results write (``read_as_found``). ``found_texts``: the
    texts of what the search found, best first (titles, snippets); the first that holds the
    suggestion's letters word for word gives the accents of the syllables typed without. An
    index without live documents suggests nothing: its terms are those of deleted documents,
    which no suggestion could find."""
    if searcher.doc_count() == 0:
        return None
    fixed = {s.lower(): found[0].text for s, found in corrections.items() if found[0].sure}
    found_texts = list(found_texts)
    first = found_texts[:FIRST_TEXTS]
    if any(s.lower() in fixed for s in syllables):
        fixed.update(written_choices(searcher, found_texts, syllables, corrections))
        fixed.update(found_instead(searcher, syllables, first, fixed))
    else:
        # A reading the first texts write: nothing for written_choices (no sure correction)
        # nor found_instead (the texts hold it) to change.
        fixed = read_as_found(searcher, syllables, first)
        if not fixed:
            return None
    groups = [fixed.get(s.lower(), s.lower()).split() for s in syllables]
    words = [w for group in groups for w in group]
    # A syllable typed without accents, read as one with marks but no tone (a decode lacking
    # only its tone key: tuyeen, tuyên), was given no tone by the user: a found text may.
    toneless = [
        s.lower() in fixed and not has_diacritics(s) and not tone_of(w)
        for s, group in zip(syllables, groups, strict=True)
        for w in group
    ]
    flat = accents_found(found_texts, words, toneless) or restore_accents(searcher, words)
    replacements, at = [], 0
    for typed, group in zip(syllables, groups, strict=True):
        replacements.append((typed, " ".join(flat[at : at + len(group)])))
        at += len(group)
    suggestion = _rewrite(normalize(query), replacements)
    return suggestion if suggestion != query else None


def read_as_found(searcher, syllables: Sequence[str], texts: Sequence[str]) -> dict[str, str]:
    """The one syllable of ``syllables`` (a query of two or more, in order) to replace, with
    the word the found ``texts`` write in its place: the first of them that writes the query
    word for word (letters compared) but for that syllable, there a slip as cheap as a letter
    left out (``DROPPED_COST``) that keeps the accents typed (``_written_slips``); none of
    ``texts`` holds the query's letters and no document writes it with the accents typed
    (``written_as_typed``); the reading is held more often than the syllable (never a rarer
    word for a common one), which is one of issue 16's commonest only as ``_commonest`` allows.
    Empty when no syllable, or more than one, is read so."""
    lowered = [s.lower() for s in syllables]
    if len(lowered) < 2:
        return {}
    words = _words_unless_held(texts, [fold(s) for s in lowered])
    if words is None:
        return {}
    vocabulary = corrector(searcher).vocabulary
    read = {
        lowered[at]: written
        for at, written in _written_slips(words, lowered).items()
        if not _commonest(vocabulary, lowered, at, written)
    }
    if len(read) != 1 or written_as_typed(vocabulary, lowered, -1):
        return {}
    return read


def found_instead(
    searcher, syllables: Sequence[str], texts: Sequence[str], fixed: Mapping[str, str]
) -> dict[str, str]:
    """For a query of two or more ``syllables`` whose suggestion corrects one (``fixed``: typed
    syllable -> correction), the word the found ``texts`` write in its place instead, where
    none of them writes the query's letters or the suggestion's word for word (as
    ``read_as_found`` takes it: a cheap slip, accents kept, not a rarer word, one of the
    commonest syllables only as ``_commonest`` allows); empty otherwise."""
    lowered = [s.lower() for s in syllables]
    at_fixed = [at for at, typed in enumerate(lowered) if typed in fixed]
    if len(lowered) < 2 or len(at_fixed) != 1 or " " in fixed[lowered[at_fixed[0]]]:
        return {}
    at = at_fixed[0]
    query = [fold(w) for w in lowered]
    suggested = [*query[:at], fold(fixed[lowered[at]]), *query[at + 1 :]]
    words = _words_unless_held(texts, query, suggested)
    if words is None:
        return {}
    written = _written_slips(words, lowered).get(at)
    if written is None or _commonest(corrector(searcher).vocabulary, lowered, at, written):
        return {}
    return {lowered[at]: written}


def _written_slips(words: list[tuple[list[str], list[str]]], lowered: list[str]) -> dict:
    """For each place of the query ``lowered``, the word that the first of ``words`` (each
    text's words and their letters) writing the query word for word but for that place writes
    there, where it is a slip as cheap as a letter left out from the letters typed, putting a
    letter back where they have no vowel (``tiên bc``: bác, a vowel left out, rather than a
    neighbouring key), and keeps the accents typed (``keeps_accents``; for a syllable typed
    without accents among others typed with theirs, accents only on the letter the slip
    changes, ``accents_on_the_slip``). Texts are read in order: the first hit's title first."""
    query = [fold(w) for w in lowered]
    accented = any(map(has_diacritics, lowered))
    found: dict[int, str] = {}
    for tokens, folded in words:
        for start in range(len(folded) - len(query) + 1):
            apart = [k for k, letters in enumerate(query) if folded[start + k] != letters]
            if len(apart) != 1 or apart[0] in found:
                continue
            at = apart[0]
            typed, written, letters = lowered[at], tokens[start + at], query[at]
            if slip_cost(letters, fold(written)) > DROPPED_COST:
                continue
            if not has_vowel(letters) and len(fold(written)) <= len(letters):
                continue
            if has_diacritics(typed):
                kept = keeps_accents(typed, written)
            else:
                kept = not accented or accents_on_the_slip(typed, written)
            if kept:
                found[at] = written
    return found


def _words_unless_held(texts: Sequence[str], *held: list[str]) -> list | None:
    """The words of each of ``texts`` (``_words``), or None when one holds any of the folded
    word lists ``held`` word for word."""
    words = []
    for text in texts:
        # Text by text: a query typed right is mostly held by the first, and no more are read.
        tokens, folded = _words(text)
        if any(_start(folded, letters) is not None for letters in held):
            return None
        words.append((tokens, folded))
    return words


def _commonest(vocabulary: Vocabulary, lowered: list[str], at: int, written: str) -> bool:
    """Whether the syllable at ``at`` of the query ``lowered`` is to stay: ``written`` would be
    a rarer word than it, or it is one of issue 16's commonest (the ``COMMONEST``: as written in
    a query typed with accents, else by its letters), unless another syllable of the query is
    outside them and ``REPLACED_WRITTEN`` documents write the reading, the others as typed;
    typed without accents, the reading written without accents too (a name, a loan word)."""
    if any(map(has_diacritics, lowered)):
        held = vocabulary.accented([*lowered, written])
    else:
        lowered, written = [fold(w) for w in lowered], fold(written)
        held = vocabulary.folded([*lowered, written])
    floor = vocabulary.written_floor(COMMONEST)
    if held[written] <= held[lowered[at]]:
        return True
    if held[lowered[at]] < floor:
        return False
    if all(held[w] >= floor for k, w in enumerate(lowered) if k != at):
        return True
    reading = [*lowered[:at], written, *lowered[at + 1 :]]
    return written_as_typed(vocabulary, reading, at) < REPLACED_WRITTEN


def _start(folded: list[str], wanted: list[str]) -> int | None:
    """Where ``wanted`` begins in ``folded``, word for word, or None."""
    for start in range(len(folded) - len(wanted) + 1):
        if folded[start : start + len(wanted)] == wanted:
            return start
    return None


def written_choices(
    searcher,
    texts: Sequence[str],
    syllables: Sequence[str],
    corrections: Mapping[str, Sequence[Correction]],
) -> dict[str, str]:
    """For each corrected syllable of ``syllables`` (the query's free-text syllables, in order),
    the sure correction within ``CHOICE_SHARE`` of its best that the first of ``texts`` holding
    one reading of the whole query word for word writes there, where the documents write that
    reading of the query at least as often as the best's; empty when no text holds one, or when
    a correction is two words (a split)."""
    by_syllable = {typed.lower(): found for typed, found in corrections.items()}
    options = []
    for syllable in syllables:
        found = by_syllable.get(syllable.lower(), ())
        if not found or not found[0].sure:
            options.append([])
        elif " " in found[0].text:
            return {}
        else:
            options.append(
                [c.text for c in found if c.sure and c.share >= CHOICE_SHARE and " " not in c.text]
            )
    if all(len(choices) < 2 for choices in options):
        return {}
    written = _first_written(texts, syllables, options)
    if written is None:
        return {}
    known = corrector(searcher)
    chosen = {}
    for at, (syllable, choices) in enumerate(zip(syllables, options, strict=True)):
        if not choices:
            continue
        reading = [*written[:at], choices[0], *written[at + 1 :]]
        if written[at] == choices[0] or _writing(known, written, at) >= _writing(
            known, reading, at
        ):
            chosen[syllable.lower()] = written[at]
    return chosen


def _first_written(
    texts: Sequence[str], syllables: Sequence[str], options: list[list[str]]
) -> list[str] | None:
    """The query read as the first of ``texts`` holding one of its readings writes it: each
    syllable with ``options`` as the option written there, the others as typed (lowercase)."""
    wanted = [
        {fold(c) for c in choices} or {fold(syllable.lower())}
        for syllable, choices in zip(syllables, options, strict=True)
    ]
    for text in texts:
        tokens, folded = _words(text)
        for start in range(len(tokens) - len(wanted) + 1):
            if all(folded[start + i] in letters for i, letters in enumerate(wanted)):
                return [
                    _as_written(choices, tokens[start + i]) if choices else syllable.lower()
                    for i, (syllable, choices) in enumerate(zip(syllables, options, strict=True))
                ]
    return None


def _words(text: str) -> tuple[list[str], list[str]]:
    """The words of ``text``, lowercase, and the same folded."""
    tokens = _TOKEN.findall(normalize(text).lower())
    # One fold of the words joined, not one per word: the same letters in a third of the time.
    folded = fold(" ".join(tokens)).split(" ")
    return tokens, folded if len(folded) == len(tokens) else [fold(t) for t in tokens]


def _writing(known: Corrector, words: list[str], at: int) -> int:
    """About how many documents write ``words`` (``written_as_typed``, the one at ``at`` as it
    is), or for one word, hold it as typed (``Corrector.known``)."""
    if len(words) > 1:
        return written_as_typed(known.vocabulary, words, at)
    return known.known(words[0])


def _as_written(choices: list[str], token: str) -> str:
    """The choice written as ``token``, else the first with its letters."""
    same = [c for c in choices if fold(c) == fold(token)]
    return token if token in same else same[0]


def accents_found(
    texts: Iterable[str], words: Sequence[str], toneless: Sequence[bool] = ()
) -> list[str] | None:
    """``words`` (lowercase syllables) as the first of ``texts`` writes them, where one holds
    their letters word for word (lowercased); a word with accents keeps its own, but a word
    marked ``toneless`` takes the text's tone where it has the same marks. None when no text
    holds them."""
    wanted = [fold(w) for w in words]
    toneless = list(toneless) or [False] * len(words)
    for text in texts:
        tokens, folded = _words(text)
        start = _start(folded, wanted)
        if start is not None:
            run = tokens[start : start + len(words)]
            return [
                r if not has_diacritics(w) or (open_ and without_tone(r) == w) else w
                for w, r, open_ in zip(words, run, toneless, strict=True)
            ]
    return None


def restore_accents(searcher, words: Sequence[str]) -> list[str]:
    """``words`` (lowercase syllables) with accents put back on those typed without, where the
    index makes them clear; accented words are kept as they are."""
    vocabulary = Vocabulary(searcher.reader())
    out = list(words)
    done = [has_diacritics(w) or not w.isalpha() for w in words]
    for size in range(min(MAX_WORD_SYLLABLES, len(words)), 1, -1):
        for start in range(len(words) - size + 1):
            window = range(start, start + size)
            if all(done[i] for i in window):
                continue
            written = _clear_word(vocabulary, words[start : start + size])
            # a word overlapping one restored before must agree with it (bóng đá, not dã ngoại)
            if written and all(
                not done[i] or out[i] == syllable
                for i, syllable in zip(window, written.split(), strict=True)
            ):
                for i, syllable in zip(window, written.split(), strict=True):
                    out[i], done[i] = syllable, True
    for i, word in enumerate(words):
        if not done[i]:
            clear = _clear_syllable(vocabulary, word)
            out[i], done[i] = clear or word, bool(clear)
    _restore_beside(vocabulary, words, out, done)
    return out


def _restore_beside(vocabulary: Vocabulary, words: Sequence[str], out: list[str], done: list):
    """Accents for the syllables still without, from a neighbour: the form the documents write
    beside it (``accented_pairs``) when it is ``CLEAR_SHARE`` of them, beside a neighbour with
    its accents first (``gia`` beside ``xăng``: giá), else beside one still without (``mien``
    before ``bac``: miền, which then gives ``bắc``). Each syllable restored is a neighbour for
    the next; at most ``MAX_LOOKED_BESIDE`` look-ups, each a few reads of positions."""
    looked: set = set()
    while _restore_one(vocabulary, words, out, done, looked, plain=False) or _restore_one(
        vocabulary, words, out, done, looked, plain=True
    ):
        pass


def _restore_one(vocabulary, words, out, done, looked: set, plain: bool) -> bool:
    """Whether a syllable without accents got them beside a neighbour with its own (or, when
    ``plain``, one without), each pair looked at once with each form of the neighbour."""
    for i, word in enumerate(words):
        for j in (i - 1, i + 1):
            if done[i] or not 0 <= j < len(words) or done[j] == plain or not out[j].isalpha():
                continue
            if (i, j, out[j]) in looked or len(looked) >= MAX_LOOKED_BESIDE:
                continue
            looked.add((i, j, out[j]))
            written = _written_clear(vocabulary, out[j], word, j < i, plain)
            if written:
                out[i], done[i] = written, True
                return True
    return False


def _written_clear(
    vocabulary: Vocabulary, neighbour: str, word: str, first: bool, letters: bool = False
) -> str | None:
    """The accented form of ``word`` that the documents write beside ``neighbour`` (as written,
    or its letters with any accents when ``letters``; before it when ``first``), when one
    holds ``CLEAR_SHARE`` of them."""
    pair = (fold(neighbour), fold(word)) if first else (fold(word), fold(neighbour))
    together = vocabulary.pairs([pair])[pair]
    forms = accented_forms(fold(word))
    if together < CLEAR_DOCUMENTS or not forms:
        return None
    held = vocabulary.accented(forms)
    written = written_beside(
        vocabulary,
        neighbour,
        {f: together for f in forms if held[f]},
        first,
        exactly=True,
        letters=letters,
    )
    return _clear_form(written)


def _clear_word(vocabulary: Vocabulary, words: Sequence[str]) -> str | None:
    """The one written form (lowercase) that the index's compound words give ``words``, when it
    holds ``CLEAR_SHARE`` of them and agrees with the accents typed."""
    counts: dict[str, int] = {}
    for shown, df in vocabulary.written_words(fold(" ".join(words))).items():
        counts[shown.lower()] = counts.get(shown.lower(), 0) + df
    best = _clear_form(counts)
    if best is None:
        return None
    folded = [fold(w) for w in words]
    together = min(vocabulary.pairs(itertools.pairwise(folded)).values())
    if sum(counts.values()) < WORD_SHARE * together:
        return None  # mostly written as other words: trong nam is trong năm, not trọng nam
    agrees = all(
        not has_diacritics(typed) or typed == shown
        for typed, shown in zip(words, best.split(), strict=True)
    )
    return best if agrees and len(best.split()) == len(words) else None


def _clear_syllable(vocabulary: Vocabulary, word: str) -> str | None:
    """The accented form of ``word`` that holds ``CLEAR_SHARE`` of its documents, if one does."""
    forms = accented_forms(fold(word))
    return _clear_form(vocabulary.accented(forms)) if forms else None


def _clear_form(counts: Mapping[str, float]) -> str | None:
    """The form of ``counts`` (form -> documents) that holds ``CLEAR_SHARE`` of them, when they
    are ``CLEAR_DOCUMENTS`` or more."""
    total = sum(counts.values())
    if not counts or total < CLEAR_DOCUMENTS:
        return None
    best = max(counts, key=counts.get)
    return best if counts[best] >= CLEAR_SHARE * total else None


def _rewrite(query: str, replacements: list[tuple[str, str]]) -> str:
    """``query`` with each typed syllable, in order, replaced by its new text, in the case it
    was typed in (``_cased_as_typed``)."""
    out, at = [], 0
    for typed, new in replacements:
        pattern = re.compile(r"(?<!\w)" + re.escape(typed) + r"(?!\w)", re.IGNORECASE)
        found = pattern.search(query, at)
        if found is None:
            continue
        out.append(query[at : found.start()] + _cased_as_typed(found.group(), new))
        at = found.end()
    out.append(query[at:])
    return "".join(out)


def _cased_as_typed(typed: str, new: str) -> str:
    """``new`` (lowercase) in the case ``typed`` was: in capitals throughout (TP HCMM: TP HCM,
    not Tp Hcm), with a capital first letter, or, typed in mixed case, each letter as the typed
    letter it stands for, matched by their letters without accents (iPhonee: iPhone)."""
    if typed.isupper() and len(typed) > 1:
        return new.upper()
    letters, new_letters = fold(typed.lower()), fold(new)
    if typed[1:].islower() or len(letters) != len(typed) or len(new_letters) != len(new):
        return new[:1].upper() + new[1:] if typed[:1].isupper() else new
    out = list(new)
    matcher = difflib.SequenceMatcher(None, letters, new_letters, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            if typed[block.a + k].isupper():
                out[block.b + k] = out[block.b + k].upper()
    return "".join(out)
