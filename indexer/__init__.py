"""vietsearch's indexer: Vietnamese analysis, index building and search over Whoosh.

The public API::

    from indexer import build_index, open_index, search
    build_index(["articles/"], "my_index")
    page = search(open_index("my_index"), "ha noi")
"""

from indexer.complete import complete
from indexer.index import IndexCorrupt, IndexMissing, SearchIndex, open_index
from indexer.query import QueryError
from indexer.search import Filters, Hit, SearchPage, search
from indexer.sources import Document, InvalidDocument, Problem, read_documents
from indexer.writing import BuildSummary, delete_documents, write_documents


def build_index(sources, index_dir, **options) -> BuildSummary:
    """Index every document in ``sources`` (files or folders) into ``index_dir``."""
    summary, _ = write_documents(
        index_dir, read_documents(sources, lambda problem: None), **options
    )
    return summary


__all__ = [
    "BuildSummary",
    "Document",
    "Filters",
    "Hit",
    "IndexCorrupt",
    "IndexMissing",
    "InvalidDocument",
    "Problem",
    "QueryError",
    "SearchIndex",
    "SearchPage",
    "build_index",
    "complete",
    "delete_documents",
    "open_index",
    "read_documents",
    "search",
    "write_documents",
]
