"""Searching: parse -> compile -> rank -> one page of hits, with did-you-mean and autocomplete.

``parse`` turns query text into a ``ParsedQuery`` (refusing what it will not run),
``compile`` turns that into weighted Whoosh queries over the fields with the same
normalisation as indexing, ``rank`` scores and orders the matches with numpy, and ``service``
is the one ``search`` function behind the CLI, the page and the JSON API; ``similar``
finds documents like a stored one (``similar_documents``) and ``marked`` shows one in full
with a query's words marked (``marked_document``). ``params`` checks
paging, sorting and filters for every caller.
"""

from indexer.searching.autocomplete import MAX_COMPLETIONS, complete, complete_query
from indexer.searching.hybrid import DEFAULT_SEMANTIC_RATIO
from indexer.searching.marked import MarkedDocument, marked_document
from indexer.searching.meaning import allowed_documents, nearest_documents
from indexer.searching.params import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    MAX_RESULT_WINDOW,
    SORTS,
    Filters,
    SearchRequest,
)
from indexer.searching.parse import MAX_QUERY_CHARS
from indexer.searching.searchers import SearchIndex, open_index
from indexer.searching.service import Hit, SearchPage, search
from indexer.searching.similar import similar_documents
from indexer.searching.warm import warm_up_index

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_COMPLETIONS",
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "MAX_RESULT_WINDOW",
    "DEFAULT_SEMANTIC_RATIO",
    "SORTS",
    "Filters",
    "Hit",
    "MarkedDocument",
    "SearchIndex",
    "SearchPage",
    "SearchRequest",
    "allowed_documents",
    "complete",
    "complete_query",
    "nearest_documents",
    "marked_document",
    "open_index",
    "search",
    "similar_documents",
    "warm_up_index",
]
