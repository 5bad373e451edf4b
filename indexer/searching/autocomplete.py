"""Autocompletion: pyvi's compound words that start with what the user typed, accents optional,
after the words typed before them."""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import islice

from indexer.language.normalize import fold, has_diacritics, normalize
from indexer.searching.searchers import SearchIndex
from indexer.store.schema import as_text

MAX_COMPLETIONS = 8
MIN_PREFIX_CHARS = 2
MAX_TYPED_CHARS = 200  # a longer query gets no completions
# How many trailing words of the query autocompletion tries to complete as one name.
COMPLETED_WORDS = 3
# Bounds the work per keystroke: prefixes this common ("th") are only sampled.
MAX_TERMS_READ = 5000
_SPACES = re.compile(r"\s+")


def complete(index: SearchIndex, prefix: str, limit: int = MAX_COMPLETIONS) -> list[str]:
    """Up to ``limit`` words or names that complete ``prefix``, most frequent first.

    ``ha n`` offers ``Hà Nội``; a prefix typed with diacritics (``hà n``) keeps only
    completions that share them.
    """
    typed = _SPACES.sub(" ", normalize(prefix if isinstance(prefix, str) else "")).strip()
    key = fold(typed)
    if len(key) < MIN_PREFIX_CHARS:
        return []
    reader = index.searcher().reader()
    if "completions" not in reader.schema:
        return []  # an index built before completions existed: rebuild it to get them
    accented = has_diacritics(typed)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for n, term in enumerate(reader.expand_prefix("completions", key)):
        if n >= MAX_TERMS_READ:
            break
        term = as_text(term)
        folded, _, shown = term.partition("\t")
        if accented and not shown.lower().startswith(typed.lower()):
            continue
        counts[folded][shown] = reader.doc_frequency("completions", term)
    ranked = sorted(counts.items(), key=lambda item: -sum(item[1].values()))
    if not reader.has_deletions():
        return [max(forms, key=forms.get) for _, forms in ranked[:limit]]
    offered = (_live_form(reader, folded, forms) for folded, forms in ranked)
    return list(islice((form for form in offered if form is not None), limit))


def complete_query(index: SearchIndex, query: str, limit: int = MAX_COMPLETIONS) -> list[str]:
    """Whole-query completions: the longest completable tail of ``query``, after its head.

    ``bầu cử ha n`` offers ``bầu cử Hà Nội``, so a browser can put a suggestion in place of
    what was typed.
    """
    if not isinstance(query, str) or len(query) > MAX_TYPED_CHARS:
        return []
    words = query.split()
    for start in range(max(0, len(words) - COMPLETED_WORDS), len(words)):
        completions = complete(index, " ".join(words[start:]), limit)
        if completions:
            head = " ".join(words[:start])
            return [f"{head} {c}" if head else c for c in completions]
    return []


def _live_form(reader, folded: str, forms: dict[str, int]) -> str | None:
    """The most frequent of ``forms`` that a live document still holds, or None.

    Whoosh's document frequencies count deleted documents until their segment is merged: without
    this check an index whose documents were all deleted would still offer their words.
    """
    for shown in sorted(forms, key=forms.get, reverse=True):
        if reader.postings("completions", f"{folded}\t{shown}").is_active():
            return shown
    return None
