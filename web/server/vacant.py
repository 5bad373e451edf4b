"""A server started on a folder that holds nothing yet starts a new, empty index there.

``vietsearch serve --index DIR`` on a missing or empty folder is how a new index begins (documents
then come over HTTP), as a database server creates its data folder. A folder that holds other
files is left alone: the server answers 503 naming the build command until an index is built.
"""

from __future__ import annotations

import os
from pathlib import Path

from indexer import VietsearchError, build_index


def create_if_vacant(folder: str | os.PathLike) -> bool:
    """Create an empty index in ``folder`` when it is missing or empty; True if one was made."""
    path = Path(folder)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        return False
    try:
        build_index([], path, workers=1)
    except (OSError, VietsearchError):
        return False  # not writable: served as a missing index, 503 until one is built
    return True
