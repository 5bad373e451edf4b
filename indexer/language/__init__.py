"""Vietnamese text: normalisation and folding, pyvi's words with offsets, the terms of each
field, and the dictionary of abbreviations and synonyms.

Every text path, at index and at query time, goes through ``normalize`` (and ``segment``,
which normalises first); ``fold`` is the accent-free key that lets ``ha noi`` meet ``Hà Nội``.
"""

from indexer.language.analysis import FIELD_KINDS, VietnameseTokenizer, analyzer, field_terms
from indexer.language.normalize import fold, has_diacritics, normalize, strip_diacritics
from indexer.language.segmentation import Segmentation, segment
from indexer.language.synonyms import Synonyms, builtin_synonyms, load_synonyms

__all__ = [
    "FIELD_KINDS",
    "Segmentation",
    "Synonyms",
    "VietnameseTokenizer",
    "analyzer",
    "builtin_synonyms",
    "field_terms",
    "fold",
    "has_diacritics",
    "load_synonyms",
    "normalize",
    "segment",
    "strip_diacritics",
]
