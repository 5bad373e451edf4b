"""The embedded default: the bundled sample corpus and its index, built on first use.

The corpus ships inside the package (``sample_corpus/``: the seed article and articles of the
Vietnamese Wikipedia, CC BY-SA 4.0); its index is written to a per-user data folder, never into
the installed package or a checkout: ``$VIETSEARCH_HOME/sample-index`` when that variable is
set (read when ``indexer`` is imported), else the platform's user data folder
(``~/.local/share/vietsearch/sample-index`` on Linux).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from platformdirs import user_data_path
from whoosh import index as whoosh_index

from indexer.store.build import build_index
from indexer.store.opening import discard_damaged_index, open_whoosh
from indexer.store.schema import build_schema

SAMPLE_CORPUS = Path(__file__).resolve().parent / "sample_corpus"


def data_home() -> Path:
    """Where vietsearch keeps its own files: ``$VIETSEARCH_HOME``, else the user data folder."""
    configured = os.environ.get("VIETSEARCH_HOME")
    return Path(configured) if configured else user_data_path("vietsearch", appauthor=False)


DEFAULT_INDEX = data_home() / "sample-index"


def ensure_embedded_index() -> Path:
    """Bring the sample index up to date with the bundled corpus and this version; return its path.

    A missing index is built; a damaged one, or one written with an older schema, is rebuilt (it
    holds nothing but the bundled corpus); otherwise an incremental build re-indexes only what
    changed, and deletes what the corpus no longer holds: nothing, unless another version of
    vietsearch built it. Safe from several processes at once: the Whoosh writer lock serialises
    the builds.
    """
    DEFAULT_INDEX.mkdir(parents=True, exist_ok=True)
    discard_damaged_index(DEFAULT_INDEX)
    if whoosh_index.exists_in(DEFAULT_INDEX) and _outdated_schema(DEFAULT_INDEX):
        shutil.rmtree(DEFAULT_INDEX)
    build_index([SAMPLE_CORPUS], DEFAULT_INDEX, prune_missing=True, workers=1)
    return DEFAULT_INDEX


def _outdated_schema(path: Path) -> bool:
    stored = open_whoosh(path).schema
    return sorted(stored.names()) != sorted(build_schema().names())
