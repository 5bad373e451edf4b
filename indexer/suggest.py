""" "Did you mean": correct query syllables the index has never seen against its vocabulary."""

from __future__ import annotations

import re
from collections.abc import Callable

from indexer.text import fold, has_diacritics, normalize

MAX_CORRECTIONS = 5


def suggest(
    searcher, query: str, syllables: list[str], total: int, count: Callable[[str], int]
) -> str | None:
    """A corrected query that finds more than ``total`` documents, or None.

    Each syllable absent from the index is replaced by the most frequent indexed syllable within
    one edit (two for longer ones); accented syllables are corrected among accented terms.
    """
    replacements = {}
    for syllable in list(dict.fromkeys(syllables))[: MAX_CORRECTIONS * 2]:
        better = _correction(searcher, syllable)
        if better:
            replacements[syllable] = better
        if len(replacements) == MAX_CORRECTIONS:
            break
    if not replacements:
        return None
    suggestion = normalize(query)
    for wrong, right in replacements.items():
        pattern = re.compile(r"(?<!\w)" + re.escape(wrong) + r"(?!\w)", re.IGNORECASE)
        suggestion = pattern.sub(right, suggestion)
    return suggestion if suggestion != query and count(suggestion) > total else None


def _correction(searcher, syllable: str) -> str | None:
    lower, folded = syllable.lower(), fold(syllable)
    field, term = ("body", lower) if has_diacritics(syllable) else ("body_fold", folded)
    if not term.isalpha() or searcher.doc_frequency(field, term) > 0:
        return None
    reader = searcher.reader()
    candidates = reader.terms_within(field, term, 1 if len(term) <= 4 else 2)
    best = max(candidates, key=lambda t: (reader.doc_frequency(field, t), t), default=None)
    return best
