"""Autocompletion: pyvi's compound words that start with what the user typed, accents optional,
and after a word, the single syllables that follow it; ordered by the word typed before."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

from indexer.language.normalize import fold, has_diacritics, normalize
from indexer.language.syllables import accented_forms, tone_of, without_tone
from indexer.searching.searchers import SearchIndex
from indexer.searching.vocabulary import FOLDED_FIELDS, Vocabulary
from indexer.searching.window_readings import documents_holding
from indexer.store.schema import as_text

MAX_COMPLETIONS = 8
MIN_PREFIX_CHARS = 2
MAX_TYPED_CHARS = 200  # a longer query gets no completions
# How many trailing words of the query autocompletion tries to complete as one name.
COMPLETED_WORDS = 3
# Bounds the work per keystroke: prefixes this common ("th") are only sampled.
MAX_TERMS_READ = 5000
# Completions of a tail weighed by how the word before it fits them (the likeliest by frequency).
FITTED = 24
# Single syllables completing the last word are weighed by the word before among this many of
# the most frequent.
PAIRED = 200
_SPACES = re.compile(r"\s+")


def complete(index: SearchIndex, prefix: str, limit: int = MAX_COMPLETIONS) -> list[str]:
    """Up to ``limit`` words or names that complete ``prefix``, most frequent first.

    ``ha n`` offers ``Hà Nội``; a word typed with diacritics (``hà n``) keeps only completions
    that share them, but the word being typed may still lack its tone (input methods take the
    tone key last): ``nguyê`` offers ``Nguyễn`` as well as ``nguyên``.
    """
    typed = _SPACES.sub(" ", normalize(prefix if isinstance(prefix, str) else "")).strip()
    key = fold(typed)
    if len(key) < MIN_PREFIX_CHARS:
        return []
    reader = index.searcher().reader()
    if "completions" not in reader.schema:
        return []  # an index built before completions existed: rebuild it to get them
    accented, lowered = has_diacritics(typed), typed.lower()
    words = lowered.split(" ")
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for n, term in enumerate(reader.expand_prefix("completions", key)):
        if n >= MAX_TERMS_READ:
            break
        term = as_text(term)
        folded, _, shown = term.partition("\t")
        if accented and not shown.lower().startswith(lowered):
            if not _keeps_accents(words, shown.lower().split(" ")):
                continue
        counts[folded][shown] = reader.doc_frequency("completions", term)
    ranked = sorted(counts.items(), key=lambda item: -sum(item[1].values()))
    if not reader.has_deletions():
        return [max(forms, key=forms.get) for _, forms in ranked[:limit]]
    offered = (_live_form(reader, folded, forms) for folded, forms in ranked)
    return list(itertools.islice((form for form in offered if form is not None), limit))


def complete_query(index: SearchIndex, query: str, limit: int = MAX_COMPLETIONS) -> list[str]:
    """Whole-query completions: the longest completable tail of ``query``, after its head.

    ``bầu cử ha n`` offers ``bầu cử Hà Nội``, so a browser can put a suggestion in place of
    what was typed.
    """
    if not isinstance(query, str) or len(query) > MAX_TYPED_CHARS:
        return []
    words, accents = query.split(), has_diacritics(query)
    for start in range(max(0, len(words) - COMPLETED_WORDS), len(words)):
        tail = words[start:]
        completions = complete(index, " ".join(tail), max(limit, FITTED))
        if start and len(tail) == 1:
            completions += _next_syllables(index, words[start - 1], tail[0], accents)
        elif start and len(tail) == 2 and completions:
            # Beside the compound words of the word before and the last, the single syllables
            # after it (giá vàng t: tăng as well as vàng trắng).
            syllables = _next_syllables(index, tail[0], tail[1], accents)
            completions = _merged(completions, [f"{tail[0]} {s}" for s in syllables])
        if completions:
            if start:
                completions = _fitting(index, words[start - 1], completions)
            head = " ".join(words[:start])
            return [f"{head} {c}" if head else c for c in completions[:limit]]
    return []


def _merged(compounds: list[str], syllables: list[str]) -> list[str]:
    """``compounds``, then those of ``syllables`` none of them spells (folded)."""
    spelt = {fold(c).lower() for c in compounds}
    return compounds + [s for s in syllables if fold(s).lower() not in spelt]


def _next_syllables(index: SearchIndex, before: str, typed: str, accents: bool) -> list[str]:
    """Up to ``FITTED`` single syllables that complete ``typed`` (one letter is enough here),
    those the index holds most often right after the word ``before`` first (among the
    ``PAIRED`` most frequent), leaving out ``typed`` itself: the next word is most often a
    syllable of its own (``học sinh giỏ``: giỏi), which pyvi's compound words never offer.
    Typed with accents, the likeliest form that keeps them (a missing tone may come next);
    typed without in a query with ``accents`` elsewhere, the likeliest form of its letters;
    in a query without any, the letters alone."""
    typed = normalize(typed)
    key, lowered = fold(typed), typed.lower()
    last = fold(before).lower()
    if not key.isalpha() or not last.isalpha():
        return []
    reader = index.searcher().reader()
    vocabulary = Vocabulary(reader)
    held = vocabulary.prefixed(FOLDED_FIELDS, key, MAX_TERMS_READ)
    held.pop(lowered, None)
    letters = sorted((f for f in held if held[f]), key=lambda f: -held[f])[:PAIRED]
    if has_diacritics(typed):
        forms = [
            form
            for folded in letters
            for form in accented_forms(folded) or (folded,)
            if form != lowered and _keeps_accents([lowered], [form])
        ]
        counts = vocabulary.accented(forms)
        found = {}
        for form in sorted(forms, key=counts.get):  # the likeliest form of each letters last
            if counts[form]:
                found[fold(form)] = (form, counts[form])
    else:
        found = {folded: (folded, held[folded]) for folded in letters}
    pairs = vocabulary.pairs((last, folded) for folded in found)
    ranked = sorted(found, key=lambda f: (-pairs[(last, f)], -found[f][1]))
    offered = (found[folded][0] for folded in ranked)
    if accents and not has_diacritics(typed):
        offered = _likeliest_forms(vocabulary, ranked[: FITTED * 2])
    if reader.has_deletions():
        offered = (syllable for syllable in offered if _held_live(reader, syllable))
    return list(itertools.islice(offered, FITTED))


def _likeliest_forms(vocabulary: Vocabulary, letters: list[str]) -> list[str]:
    """Each of ``letters`` (folded syllables) as the accented form the index holds most often."""
    forms = {folded: accented_forms(folded) or (folded,) for folded in letters}
    held = vocabulary.accented(form for options in forms.values() for form in options)
    return [max(options, key=held.get) for options in forms.values()]


def _held_live(reader, syllable: str) -> bool:
    """Whether a live document holds ``syllable`` (with its accents, if it has any): the
    frequencies count deleted documents until their segment is merged."""
    fields = ("title", "body") if has_diacritics(syllable) else ("title_fold", "body_fold")
    return any(
        (field, syllable) in reader and reader.postings(field, syllable).is_active()
        for field in fields
    )


def _keeps_accents(typed: list[str], shown: list[str]) -> bool:
    """Whether ``shown`` (a completion's words) has the accents of each word of ``typed`` that
    has any, the last (being typed) as a prefix, with or without a tone it lacks."""
    if len(shown) < len(typed):
        return False
    *whole, last = typed
    if any(has_diacritics(t) and t != s for t, s in zip(whole, shown, strict=False)):
        return False
    word = shown[len(whole)]
    return (
        not has_diacritics(last)
        or word.startswith(last)
        or (not tone_of(last) and without_tone(word).startswith(last))
    )


def _fitting(index: SearchIndex, before: str, completions: list[str]) -> list[str]:
    """``completions`` ordered by how many documents hold them right after the word ``before``
    (its pair with their first syllable, with their first pair), the most frequent first among
    equals: ``thành phố hồ`` offers Hồ Chí Minh before hồ sơ."""
    last = fold(before).lower()
    if not last.isalpha():
        return completions
    vocabulary = Vocabulary(index.searcher().reader())
    read: dict = {}  # the pair with the word before is most often the same for all
    held = {}
    for completion in completions:
        syllables = fold(completion).lower().split()[:2]
        pairs = list(itertools.pairwise([last, *syllables]))
        held[completion] = documents_holding(vocabulary, pairs, read)
    return sorted(completions, key=lambda c: -held[c])


def _live_form(reader, folded: str, forms: dict[str, int]) -> str | None:
    """The most frequent of ``forms`` that a live document still holds, or None.

    Whoosh's document frequencies count deleted documents until their segment is merged: without
    this check an index whose documents were all deleted would still offer their words.
    """
    for shown in sorted(forms, key=forms.get, reverse=True):
        if reader.postings("completions", f"{folded}\t{shown}").is_active():
            return shown
    return None
