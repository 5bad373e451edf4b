"""Highlighting: titles and snippets from the stored text, with the matched words marked.

Marks come from the postings' positions where that is certain to agree with the text
(``marks``), else from the text and its stored syllable offsets (``snippets``); either way the
original text is shown, never pyvi's ``_``-joined form.
"""

from indexer.highlight.marks import hit_marks
from indexer.highlight.match_terms import MatchTerms
from indexer.highlight.snippets import highlight_all, highlight_paragraphs, snippet

__all__ = ["MatchTerms", "highlight_all", "highlight_paragraphs", "hit_marks", "snippet"]
