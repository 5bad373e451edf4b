"""vietsearch's library: Vietnamese full-text search over Whoosh, in one public face.

    from indexer import build_index, open_index, search
    build_index(["articles/"], "my_index")
    page = search(open_index("my_index"), "ha noi")

Everything a caller needs is here: reading documents, building and writing an index (a path
or an opened ``SearchIndex`` alike: it is path-like), searching, autocompletion, statistics,
and the errors, all ``VietsearchError``. The packages below hold the parts:
``language`` <- ``documents`` <- ``codec`` <- ``store``, ``highlight`` <- ``searching``.
"""

from indexer.analytics import (
    AnalyticsRecorder,
    AnalyticsStore,
    analytics_report,
    report_csv,
)
from indexer.documents import (
    Document,
    Problem,
    document_for_id,
    documents_from_json,
    read_documents,
)
from indexer.errors import (
    AnalyticsUnavailable,
    CommitFailed,
    IndexCorrupt,
    IndexIncompatible,
    IndexMissing,
    InvalidBatch,
    InvalidDocument,
    InvalidParameter,
    QueryError,
    SynonymError,
    VietsearchError,
    WriterBusy,
)
from indexer.language import Synonyms, builtin_synonyms, load_synonyms
from indexer.searching import (
    DEFAULT_PER_PAGE,
    MAX_COMPLETIONS,
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    MAX_RESULT_WINDOW,
    SORTS,
    Filters,
    Hit,
    SearchIndex,
    SearchPage,
    SearchRequest,
    complete,
    open_index,
    search,
)
from indexer.store import (
    DEFAULT_INDEX,
    WRITE_TIMEOUT_S,
    BuildSummary,
    LiveWriter,
    Written,
    add_listener,
    build_index,
    delete_documents,
    ensure_embedded_index,
    index_stats,
    optimize,
    read_progress,
    remove_listener,
    write_documents,
)

__all__ = [
    "DEFAULT_INDEX",
    "DEFAULT_PER_PAGE",
    "MAX_COMPLETIONS",
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "MAX_RESULT_WINDOW",
    "SORTS",
    "WRITE_TIMEOUT_S",
    "AnalyticsRecorder",
    "AnalyticsStore",
    "AnalyticsUnavailable",
    "BuildSummary",
    "CommitFailed",
    "Document",
    "Filters",
    "Hit",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexMissing",
    "InvalidBatch",
    "InvalidDocument",
    "InvalidParameter",
    "LiveWriter",
    "Problem",
    "QueryError",
    "SearchIndex",
    "SearchPage",
    "SearchRequest",
    "SynonymError",
    "Synonyms",
    "VietsearchError",
    "WriterBusy",
    "Written",
    "add_listener",
    "analytics_report",
    "build_index",
    "builtin_synonyms",
    "complete",
    "delete_documents",
    "document_for_id",
    "documents_from_json",
    "ensure_embedded_index",
    "index_stats",
    "load_synonyms",
    "open_index",
    "optimize",
    "read_documents",
    "read_progress",
    "remove_listener",
    "report_csv",
    "search",
    "write_documents",
]
