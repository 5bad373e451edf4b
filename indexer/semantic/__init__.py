"""Meaning, not only words: embedders (``embedder``), a segment's vectors on disk
(``vector_file``), and exact nearest vectors and fused rankings with numpy (``fusion``).

This package sits beside ``language``: the store computes and writes vectors through it and the
searching package ranks with it; it knows nothing of either.
"""

from indexer.semantic.embedder import Embedder, configured_path, load_embedder
from indexer.semantic.fusion import CANDIDATES, fuse, min_max, nearest
from indexer.semantic.vector_file import read_vectors, write_vectors

__all__ = [
    "CANDIDATES",
    "Embedder",
    "configured_path",
    "fuse",
    "load_embedder",
    "min_max",
    "nearest",
    "read_vectors",
    "write_vectors",
]
