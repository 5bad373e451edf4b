"""The index on disk: its schema, opening it, builds, commits, live writes and their locks.

Every commit is durable before it returns (``durability``): its files and the folder are
fsynced before the table of contents is renamed into place. Builds write segments in worker
processes (``build``, ``staging``) and the server's writes are committed in groups (``live``);
both take the one writer in turn (``locks``).
"""

from indexer.store.build import BuildSummary, build_index, write_documents
from indexer.store.commits import delete_documents, optimize
from indexer.store.embedder_record import index_embedder, recorded_embedder
from indexer.store.events import add_listener, remove_listener
from indexer.store.live import WRITE_TIMEOUT_S, LiveWriter, Written
from indexer.store.opening import discard_damaged_index, open_whoosh
from indexer.store.progress import read_progress
from indexer.store.sample import DEFAULT_INDEX, ensure_embedded_index
from indexer.store.stats import index_stats

__all__ = [
    "DEFAULT_INDEX",
    "WRITE_TIMEOUT_S",
    "BuildSummary",
    "LiveWriter",
    "Written",
    "add_listener",
    "build_index",
    "delete_documents",
    "discard_damaged_index",
    "ensure_embedded_index",
    "index_embedder",
    "index_stats",
    "open_whoosh",
    "optimize",
    "read_progress",
    "recorded_embedder",
    "remove_listener",
    "write_documents",
]
