"""Class paths that indexes written by earlier layouts pickled, mapped to today's classes.

Whoosh pickles the schema (with its tokenizer) and each segment's codec by class path into the
table of contents. Before the packages, those were ``indexer.analysis.VietnameseTokenizer`` and
``indexer.columns.ColumnCodec``; an index written then names them for good. Each old module is
registered as a small module of its own holding only the pickled names, so unpickling finds
them and nothing else can import them by accident.
"""

from __future__ import annotations

import sys
import types

from indexer.codec.postings import ArrayCodec
from indexer.language.analysis import VietnameseTokenizer

# old module -> {pickled name: today's class}
OLD_CLASS_PATHS = {
    "indexer.analysis": {"VietnameseTokenizer": VietnameseTokenizer},
    "indexer.columns": {"ColumnCodec": ArrayCodec},
}


def register_old_class_paths() -> None:
    """Make the old class paths importable for unpickling (idempotent)."""
    for module_name, classes in OLD_CLASS_PATHS.items():
        if module_name in sys.modules:
            continue
        module = types.ModuleType(module_name, f"Old class paths, for unpickling: {__name__}.")
        for name, cls in classes.items():
            setattr(module, name, cls)
        sys.modules[module_name] = module


def is_missing_class(exc: BaseException) -> bool:
    """Whether unpickling failed because a class of ours it names no longer exists (an index
    written by another version), rather than because the bytes are damaged."""
    if isinstance(exc, ImportError):
        return (exc.name or "").split(".")[0] == "indexer"
    return isinstance(exc, AttributeError) and "on <module 'indexer" in str(exc)
