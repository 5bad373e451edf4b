"""A document's leading passages: where the snippet of a hit found by meaning alone comes from.

A hit that matched no word of the query has nothing to mark; its snippet is the passage whose
vector is nearest the query's. Passages are cut at index time from the start of the body, each
about a snippet's width, at a sentence's end or a word's; those the model read of the document
get a vector from the same pass that embeds it (``Embedder.embed_with_passages``); a segment
keeps their vectors and character ranges (``vector_file``).
"""

from __future__ import annotations

import re

# About a snippet's width (indexer.highlight.snippets.snippet), so the passage is the snippet.
PASSAGE_CHARS = 200
# At most this many leading passages a document; only those the model read get a vector
# (about four of Vietnamese text for a 256-token model).
PASSAGES_PER_DOCUMENT = 12
# A passage is cut at the last whitespace after this share of its width (else at its width).
_SHORTEST = PASSAGE_CHARS // 2
_SENTENCE_END = re.compile(r"([.!?…]+[\"”’)]*|\n)(?=\s)")


def passage_spans(body: str, limit: int = PASSAGES_PER_DOCUMENT) -> list[tuple[int, int]]:
    """Character ranges ``[start, end)`` of the body's first ``limit`` passages: about
    ``PASSAGE_CHARS`` each, starting on a non-space, cut after the last sentence that ends in
    the second half of that width, else after a word."""
    spans: list[tuple[int, int]] = []
    start = _skip_spaces(body, 0)
    while start < len(body) and len(spans) < limit:
        end = min(start + PASSAGE_CHARS, len(body))
        if end < len(body):
            cut = _last_sentence_end(body, start + _SHORTEST, end)
            if cut < 0 and not body[end].isspace():
                cut = _last_space(body, start + _SHORTEST, end)
            end = cut if cut > start else end
        spans.append((start, len(body[start:end].rstrip()) + start))
        start = _skip_spaces(body, end)
    return spans


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _last_sentence_end(text: str, low: int, high: int) -> int:
    """The index just after the last sentence end (``.``, ``!``, ``?``, ``…`` or a line
    break, then whitespace) in ``text[low:high]``, or -1."""
    found = None
    for match in _SENTENCE_END.finditer(text, low, min(high + 1, len(text))):
        found = match.end(1)
    return -1 if found is None else found


def _last_space(text: str, low: int, high: int) -> int:
    """The index of the last whitespace in ``text[low:high]``, or -1."""
    for at in range(high - 1, low - 1, -1):
        if text[at].isspace():
            return at
    return -1
