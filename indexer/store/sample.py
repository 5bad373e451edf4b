"""The embedded default: the bundled sample corpus in index_data/ and its index, built on demand."""

from __future__ import annotations

import shutil
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.documents.files import read_documents
from indexer.store.build import write_documents
from indexer.store.opening import discard_damaged_index, open_whoosh
from indexer.store.schema import build_schema

INDEX_DATA = Path(__file__).resolve().parents[2] / "index_data"
DEFAULT_CORPUS = INDEX_DATA / "corpus"
DEFAULT_INDEX = INDEX_DATA / "index"


def ensure_embedded_index() -> Path:
    """Bring the sample index up to date with the bundled corpus and this version; return its path.

    A missing index is built; a damaged one, or one written with an older schema, is rebuilt (it
    holds nothing but the bundled corpus); otherwise an incremental build re-indexes only what
    changed, which is nothing unless the corpus or the analysis changed. Safe from several
    processes at once: the Whoosh writer lock serialises the builds.
    """
    discard_damaged_index(DEFAULT_INDEX)
    if whoosh_index.exists_in(DEFAULT_INDEX) and _outdated_schema(DEFAULT_INDEX):
        shutil.rmtree(DEFAULT_INDEX)
    write_documents(DEFAULT_INDEX, read_documents([DEFAULT_CORPUS], lambda problem: None))
    return DEFAULT_INDEX


def _outdated_schema(path: Path) -> bool:
    stored = open_whoosh(path).schema
    return sorted(stored.names()) != sorted(build_schema().names())
