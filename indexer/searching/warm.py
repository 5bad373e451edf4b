"""Reading, before the first request, what searches otherwise read on first use."""

from __future__ import annotations

from indexer.searching.searchers import SearchIndex
from indexer.searching.service import search

# An accented word, a folded one and a typo: pyvi's model, the syllable grammar, and the term
# tables of every field a search and its corrections read (accented, folded, pairs, words).
WARM_UP_QUERY = "khởi động ha noii"


def warm_up_index(index: SearchIndex) -> None:
    """Load pyvi's model, the syllable grammar and the index's term tables (about 0.6 s on the
    news corpus), so that no request pays for them."""
    search(index, WARM_UP_QUERY, per_page=1)
