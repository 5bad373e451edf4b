"""Embedders: a sentence-transformers model folder that turns text into unit vectors.

A deployment names a folder (``vietsearch build --embedder PATH``, ``VIETSEARCH_EMBEDDER``); it
is loaded from disk only, with the Hugging Face hub switched off, and once per process
(``load_embedder`` keeps it), and torch then runs on one thread in that process. Vectors are
normalised, so a dot product is the cosine.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.errors import EmbedderUnavailable
from indexer.semantic.passages import passage_spans

ENVIRONMENT_VARIABLE = "VIETSEARCH_EMBEDDER"
# Characters kept of a document before the model's tokenizer cuts it to max_seq_length tokens:
# tokenising a whole 100 KB text only to drop all but its head would be most of the time.
CHARACTERS_PER_TOKEN = 8
_SAMPLED_BYTES = 1 << 20
# Queries embedded lately, kept: the next page of a search embeds the same text again.
QUERY_CACHE_SIZE = 1024
_LOADED: dict[str, Embedder] = {}
_LOCK = threading.Lock()


@dataclass
class Embedder:
    """A loaded model: its folder, ``fingerprint`` (what its files hold), vector dimension."""

    path: str
    fingerprint: str
    dimension: int
    max_seq_length: int
    model: object = field(repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _queries: OrderedDict = field(default_factory=OrderedDict, repr=False)

    @property
    def name(self) -> str:
        """The model folder's name."""
        return Path(self.path).name

    def embed_documents(self, titles: list[str], bodies: list[str]) -> np.ndarray:
        """Unit vectors (float32, one row each) of documents: the title and the leading
        passages of the body, as far as the model reads (longer texts are cut, never refused)."""
        return self.embed_with_passages(titles, bodies)[0]

    def embed_with_passages(
        self, titles: list[str], bodies: list[str]
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """``embed_documents``'s vectors, and for each document the passages of its body the
        model read (``indexer.semantic.passages``): their character ranges (int32 ``[start,
        end)`` rows) and unit vectors (float32 rows), from the same pass of the model: a
        passage's vector is the mean of the model's token vectors over it. Embedding each
        passage on its own doubled a build's model time (200 news articles: 11.1 s, +11.4 s)."""
        head = self.max_seq_length * CHARACTERS_PER_TOKEN
        texts, shifts = [], []
        for title, body in zip(titles, bodies, strict=True):
            raw = f"{title}\n{body[:head]}"
            texts.append(raw.strip())
            shifts.append(len(title) + 1 - (len(raw) - len(raw.lstrip())))  # body -> text
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        with self._lock:  # a torch module is not meant to run on several threads at once
            outputs = self.model.encode(
                texts, batch_size=32, output_value=None, show_progress_bar=False
            )
            tokens = _token_offsets(self.model.tokenizer, texts, self.max_seq_length)
        vectors = _sentence_vectors(outputs)
        if tokens is None:
            return np.ascontiguousarray(vectors, dtype=np.float32), [_NO_PASSAGES] * len(texts)
        passages = [
            _read_passages(body[:head], shift, output, ids, offsets)
            for body, shift, output, ids, offsets in zip(
                bodies, shifts, outputs, tokens["input_ids"], tokens["offset_mapping"], strict=True
            )
        ]
        return np.ascontiguousarray(vectors, dtype=np.float32), passages

    def embed_query(self, text: str) -> np.ndarray:
        """The unit vector of a query (the last ``QUERY_CACHE_SIZE`` are kept)."""
        with self._lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
        vector = self._encode([text])[0]
        vector.setflags(write=False)
        with self._lock:
            self._queries[text] = vector
            if len(self._queries) > QUERY_CACHE_SIZE:
                self._queries.popitem(last=False)
        return vector

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # a torch module is not meant to run on several threads at once
            vectors = self.model.encode(
                texts,
                batch_size=32,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def record(self) -> dict:
        """What the index records about the embedder that made its vectors."""
        return {
            "name": self.name,
            "path": self.path,
            "fingerprint": self.fingerprint,
            "dimension": self.dimension,
        }


_NO_PASSAGES = (np.zeros((0, 2), dtype=np.int32), np.zeros((0, 0), dtype=np.float32))


def _sentence_vectors(outputs: list[dict]) -> np.ndarray:
    """The documents' unit vectors, normalised as ``encode(normalize_embeddings=True)`` does
    (torch's ``normalize``): the same bits as the query side and sentence-transformers give."""
    import torch

    stacked = torch.stack([output["sentence_embedding"] for output in outputs])
    return torch.nn.functional.normalize(stacked, p=2, dim=1).float().numpy()


def _token_offsets(tokenizer, texts: list[str], max_length: int):
    """The tokenizer's ids and character offsets of each text, or None if it gives no offsets
    (only Hugging Face's fast tokenizers do): the documents then get no passages."""
    try:
        return tokenizer(texts, return_offsets_mapping=True, truncation=True, max_length=max_length)
    except (NotImplementedError, TypeError, ValueError):
        return None


def _read_passages(
    body: str, shift: int, output: dict, ids: list[int], offsets: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """The passages of ``body`` some token of which the model read, with the mean of their
    tokens' vectors; ``shift``: where the body starts in the text the model read."""
    # The model's tokens come padded to its batch's longest text: keep those it attended to.
    attended = output["attention_mask"].bool()
    token_vectors = output["token_embeddings"][attended].float().numpy()
    if output["input_ids"][attended].tolist() != list(ids):  # another view of the text
        return _NO_PASSAGES
    bounds = np.array(offsets, dtype=np.int64).reshape(len(offsets), 2) - shift
    real = bounds[:, 1] > bounds[:, 0]  # special tokens have (0, 0)
    spans, rows = [], []
    for start, end in passage_spans(body):
        inside = real & (bounds[:, 0] >= start) & (bounds[:, 1] <= end)
        if inside.any():
            spans.append((start, end))
            rows.append(token_vectors[inside].mean(axis=0))
    if not spans:
        return _NO_PASSAGES
    return np.array(spans, dtype=np.int32), _unit_rows(np.stack(rows)).astype(np.float32)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def load_embedder(path: str | os.PathLike) -> Embedder:
    """The model in folder ``path``, loaded once per process; raise ``EmbedderUnavailable``
    (naming the folder) if it is missing or not a sentence-transformers model."""
    path = os.path.abspath(os.fspath(path))
    with _LOCK:
        if path not in _LOADED:
            _LOADED[path] = _load(path)
        return _LOADED[path]


def configured_path(explicit: str | os.PathLike | None = None) -> str | None:
    """The model folder named by the caller, else by ``VIETSEARCH_EMBEDDER``, else None."""
    chosen = explicit or os.environ.get(ENVIRONMENT_VARIABLE) or None
    return os.fspath(chosen) if chosen else None


def _load(path: str) -> Embedder:
    folder = Path(path)
    if not folder.is_dir():
        raise EmbedderUnavailable(path, "no such folder")
    if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
        raise EmbedderUnavailable(path, "not a sentence-transformers model folder")
    try:
        fingerprint = _fingerprint(folder)
    except OSError as exc:
        raise EmbedderUnavailable(path, exc.strerror or str(exc)) from None
    os.environ["HF_HUB_OFFLINE"] = "1"  # from disk only: never a download at run time
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import torch
        from sentence_transformers import SentenceTransformer
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise EmbedderUnavailable(
            path, "sentence-transformers is not installed (pip install 'vietsearch[semantic]')"
        ) from None
    try:
        model = SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure of a model folder is one line
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise EmbedderUnavailable(path, reason) from None
    # One thread for torch and for numpy's BLAS: vietsearch runs a process per core (build
    # workers, server workers). Their own pools beside those, spinning in turn (the query's
    # vector, then the product with every document's), made a hybrid search's p50 46 ms
    # instead of 13 on 2 cores (bench/run.py, 2,000 articles).
    torch.set_num_threads(1)
    threadpool_limits(1, user_api="blas")
    dimension = model.get_embedding_dimension()
    return Embedder(path, fingerprint, int(dimension), int(model.max_seq_length or 256), model)


def _fingerprint(folder: Path) -> str:
    """A digest of the folder's files: their names and sizes, and the first and last megabyte
    of each (hashing every byte of a 2 GB model at each start would take seconds)."""
    digest = hashlib.blake2b(digest_size=16)
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts):
        size = file.stat().st_size
        digest.update(f"{file.relative_to(folder).as_posix()}\0{size}\0".encode())
        with file.open("rb") as handle:
            digest.update(handle.read(_SAMPLED_BYTES))
            if size > 2 * _SAMPLED_BYTES:
                handle.seek(-_SAMPLED_BYTES, os.SEEK_END)
                digest.update(handle.read())
    return digest.hexdigest()
