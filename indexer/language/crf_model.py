"""pyvi's CRF model read from its own files: the crfsuite weights and the n-gram lists.

pyvi's model is a pickled sklearn-crfsuite CRF holding the crfsuite model bytes; it is
unpickled here without importing scikit-learn: importing pyvi takes about a second, and it
writes the model to a temporary file in every process, which a killed process leaves behind.
"""

from __future__ import annotations

import os
import pickle
import struct
from dataclasses import dataclass

import numpy as np

# pyvi's feature names, in the order its word2features dict yields them: crfsuite adds the
# weights of an item's attributes in that order, and float addition is not associative.
FLAGS = (
    "bias",
    "word.isupper()",
    "word.istitle()",
    "word.isdigit()",
    "-1:word.istitle()",
    "-1:word.isupper()",
    "-1:word.bi_gram()",
    "-2:word.tri_gram()",
    "+1:word.istitle()",
    "+1:word.isupper()",
    "+1:word.bi_gram()",
    "+2:word.tri_gram()",
)
WORDS = ("word.lower():", "-1:word.lower():", "+1:word.lower():")


@dataclass
class Weights:
    """pyvi's model as weight vectors (one float per label), and its n-gram lists as int keys."""

    labels: list[str]
    flags: dict[str, np.ndarray]
    words: dict[str, dict[str, tuple[float, ...]]]
    trans: list[list[float]]
    gram_ids: dict[str, int]
    bigrams: np.ndarray
    trigrams: np.ndarray
    unparsed: list[str]


def load_weights(model: bytes, ngrams: str) -> Weights:
    """Parse a crfsuite model file (bytes) and pyvi's words.txt (text) into ``Weights``."""
    labels, attrs, features = _read_crfsuite(model)
    size = len(labels)
    flags = {name: np.zeros(size) for name in FLAGS}
    words: dict[str, dict[str, list[float]]] = {prefix: {} for prefix in WORDS}
    trans = [[0.0] * size for _ in range(size)]
    by_attr: dict[int, list[float]] = {}
    for kind, src, dst, weight in features:
        if kind == 1:
            trans[src][dst] = weight
        else:
            by_attr.setdefault(src, [0.0] * size)[dst] = weight
    unparsed = []
    for aid, vector in by_attr.items():
        name = attrs.get(aid, "")  # "": not UTF-8, so no piece can ever ask for it
        if name in flags:
            flags[name][:] = vector
            continue
        prefix = next((p for p in WORDS if name.startswith(p)), None)
        if prefix is None:
            unparsed.append(name or f"attribute #{aid}")
        else:
            words[prefix][name[len(prefix) :]] = tuple(vector)
    gram_ids, bigrams, trigrams = _read_ngrams(ngrams)
    return Weights(labels, flags, words, trans, gram_ids, bigrams, trigrams, unparsed)


def _read_crfsuite(model: bytes) -> tuple[list[str], dict[int, str], list[tuple]]:
    """Labels, attribute names by id, and (type, src, dst, weight) features of a crfsuite
    1d model (the layout of crfsuite's crf1d_model.c: little-endian, doubles for weights)."""
    magic, _, kind, _, _, _, _, off_features, off_labels, off_attrs = struct.unpack_from(
        "<4sI4s7I", model, 0
    )
    if magic != b"lCRF" or kind != b"FOMC":
        raise ValueError("not a crfsuite 1d CRF model")
    chunk, _, count = struct.unpack_from("<4sII", model, off_features)
    if chunk != b"FEAT":
        raise ValueError("crfsuite model without its feature chunk")
    table = np.frombuffer(
        model,
        dtype=np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("w", "<f8")]),
        count=count,
        offset=off_features + 12,
    )
    features = list(
        zip(
            table["type"].tolist(),
            table["src"].tolist(),
            table["dst"].tolist(),
            table["w"].tolist(),
            strict=True,
        )
    )
    labels = _read_cqdb(model, off_labels)
    return [labels[i] for i in range(len(labels))], _read_cqdb(model, off_attrs), features


def _read_cqdb(model: bytes, start: int) -> dict[int, str]:
    """Id -> string of one CQDB chunk (crfsuite's cqdb.c), through its backward array.

    Keys are C strings; one that is not UTF-8 can never be asked for (python-crfsuite encodes
    every attribute as UTF-8), so it is left out.
    """
    chunk, _, _, byteorder, _, bwd_offset = struct.unpack_from("<4s5I", model, start)
    if chunk != b"CQDB" or byteorder != 0x62445371:
        raise ValueError("crfsuite model with a damaged string table")
    # As cqdb_reader counts them: every hash table is twice as large as what it holds.
    count = sum(struct.unpack_from("<512I", model, start + 24)[1::2]) // 2
    strings = {}
    for offset in struct.unpack_from(f"<{count}I", model, start + bwd_offset):
        if offset:
            value, size = struct.unpack_from("<iI", model, start + offset)
            key = model[start + offset + 8 : start + offset + 8 + size - 1]
            try:
                strings[value] = key.decode("utf-8")
            except UnicodeDecodeError:
                continue
    return strings


def _read_ngrams(text: str) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """pyvi's bi_grams and tri_grams sets (split exactly as pyvi splits words.txt), as sorted
    int keys over an id per syllable, so a text's n-grams are looked up as arrays."""
    entries = [line.split(" ") for line in text.split("\n")]
    entries = [e for e in entries if len(e) in (2, 3)]
    ids: dict[str, int] = {}
    for entry in entries:
        for word in entry:
            ids.setdefault(word, len(ids) + 1)  # 0 is every syllable outside the lists
    base = len(ids) + 1
    bigrams, trigrams = set(), set()
    for entry in entries:
        key = 0
        for word in entry:
            key = key * base + ids[word]
        (bigrams if len(entry) == 2 else trigrams).add(key)
    return ids, np.array(sorted(bigrams), np.int64), np.array(sorted(trigrams), np.int64)


def read_pyvi_model() -> Weights:
    """The weights of the model installed with pyvi (``pyvi/models``)."""
    import pyvi

    folder = os.path.join(os.path.dirname(pyvi.__file__), "models")
    with open(os.path.join(folder, "pyvi3.pkl"), "rb") as model_file:
        crf = _StubUnpickler(model_file).load()
    model = crf.state["modelfile"].state["__FILE_RESOURCE_DATA__"]
    # newline="": pyvi reads it with codecs.open, which keeps "\r" in its n-grams.
    with open(os.path.join(folder, "words.txt"), encoding="utf-8", newline="") as words:
        ngrams = words.read()
    return load_weights(model, ngrams)


class _Stub:
    """Stands for every class in pyvi's pickle; keeps the state it is given."""

    def __init__(self, *args, **kwargs):
        self.args = args

    def __setstate__(self, state):
        self.state = state


class _StubUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) == ("_codecs", "encode"):  # how protocol 2 pickles bytes
            import codecs

            return codecs.encode
        return _Stub
