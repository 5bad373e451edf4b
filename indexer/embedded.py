"""The embedded default: the bundled sample corpus in index_data/ and its index, built on demand."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index

from indexer.sources import read_documents
from indexer.writing import write_documents

INDEX_DATA = Path(__file__).resolve().parent.parent / "index_data"
DEFAULT_CORPUS = INDEX_DATA / "corpus"
DEFAULT_INDEX = INDEX_DATA / "index"


def ensure_embedded_index() -> Path:
    """Build the sample index from the bundled corpus unless it already exists; return its path.

    Safe to call from several processes at once: the Whoosh writer lock serialises the builds,
    and the later ones find every document unchanged.
    """
    if not whoosh_index.exists_in(DEFAULT_INDEX) or _empty(DEFAULT_INDEX):
        write_documents(DEFAULT_INDEX, read_documents([DEFAULT_CORPUS], lambda problem: None))
    return DEFAULT_INDEX


def _empty(path: Path) -> bool:
    with whoosh_index.open_dir(path).reader() as reader:
        return reader.doc_count() == 0
