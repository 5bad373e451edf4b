"""Our segmenter against pyvi: the same labels as crfsuite, the same words as ViTokenizer.tokenize.

``indexer.language.crf`` decodes pyvi's CRF itself; these tests hold it to python-crfsuite on pyvi's
own features (label for label) and to pyvi's ``tokenize`` on the whole news corpus (word for word).
"""

import gzip
import json
import multiprocessing
import os
import re
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import numpy as np
import pytest
from pyvi.ViTokenizer import ViTokenizer

from indexer.language import crf, crf_model
from indexer.language.normalize import normalize
from indexer.language.segmentation import _PYVI_PATTERN, segment, tag_joins
from tests.conftest import SEED_TEXT, dev_documents
from tests.crfsuite_reference import (
    crfsuite_joins as _crfsuite_joins,
)
from tests.crfsuite_reference import (
    features as _features,
)
from tests.crfsuite_reference import (
    pyvi_model as _pyvi_model,
)

NEWS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "news" / "news.jsonl.gz"
_WORD_CHAR = re.compile(r"\w")
_EDGE_PUNCT = re.compile(r"^\W+|\W+$")


def _pieces(text: str) -> list[str]:
    return _PYVI_PATTERN.findall(normalize(text))


def _crfsuite_labels(pieces: list[str]) -> list[str]:
    tagger, bi_grams, tri_grams = _pyvi_model()
    return tagger.tag(_features(pieces, bi_grams, tri_grams))


def _our_labels(pieces: list[str]) -> list[str]:
    tagger = crf.pyvi_tagger()
    return [tagger.labels[label] for label in tagger.tag(pieces)[0]]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """The seed article and 200 dev documents, each whole, as title and as body."""
    docs = dev_documents(200)
    return [SEED_TEXT] + [d.title for d in docs] + [d.body for d in docs]


def test_labels_match_crfsuite(texts):
    for text in texts:
        pieces = _pieces(text)
        if pieces:
            assert _our_labels(pieces) == _crfsuite_labels(pieces), text[:80]


def test_joins_match_the_crfsuite_path(texts):
    for text in texts:
        pieces = _pieces(text)
        assert tag_joins(pieces) == _crfsuite_joins(pieces), text[:80]


def test_array_viterbi_agrees_with_crfsuites_loop(texts):
    tagger = crf.pyvi_tagger()
    decided = 0
    for text in texts:
        pieces = _pieces(text)
        if not pieces:
            continue
        tagger.tag(pieces)  # caches every piece
        rows = np.array([tagger._index[p] for p in pieces])
        state = tagger._state(tagger._floats[:, rows], tagger._ints[0, rows])
        fast = tagger._viterbi_fast(state)
        decided += fast is not None
        if fast is not None:
            assert fast.tolist() == tagger.viterbi_exact(state).tolist(), text[:80]
    assert decided > len(texts) // 2  # the array path is the one that runs


def test_threads_filling_the_cache_at_once(texts):
    expected = [tag_joins(_pieces(text)) for text in texts]
    crf.pyvi_tagger()._reset()  # every thread adds pieces, many of them the same
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda text: tag_joins(_pieces(text)), texts)) == expected


@pytest.mark.parametrize(
    "pieces",
    [["Hà"], ["HÀ"], ["12"], [","], ["\n"], ["..."], ["http://vnexpress.net/a-b"]],
    ids=repr,
)
def test_single_piece(pieces):
    assert _our_labels(pieces) == _crfsuite_labels(pieces)
    assert tag_joins(pieces) == [False]


def test_all_punctuation():
    text = "!!! ... ,,, -> ==> >> (?) “…” \n\n -- ;"
    pieces = _pieces(text)
    assert len(pieces) > 15
    assert _our_labels(pieces) == _crfsuite_labels(pieces)
    assert tag_joins(pieces) == _crfsuite_joins(pieces) == [False] * len(pieces)
    assert segment(text).syllables == []


def test_empty_input():
    assert tag_joins([]) == []
    labels, no_glue, titled = crf.pyvi_tagger().tag([])
    assert len(labels) == len(no_glue) == len(titled) == 0
    for text in ("", "   ", "\u200b"):
        seg = segment(text)
        assert (seg.syllables, seg.joined, seg.breaks) == ([], [], [])


def test_ties_go_to_the_first_label_as_in_crfsuite():
    """With every score equal crfsuite keeps label 0 (its ``<`` is strict); the array path
    cannot tell a tie from rounding and hands it to the exact loop."""
    weights = crf_model.Weights(
        labels=["B_W", "I_W"],
        flags={name: np.zeros(2) for name in crf_model.FLAGS},
        words={prefix: {} for prefix in crf_model.WORDS},
        trans=[[0.0, 0.0], [0.0, 0.0]],
        gram_ids={},
        bigrams=np.zeros(0, np.int64),
        trigrams=np.zeros(0, np.int64),
        unparsed=[],
    )
    tagger = crf.Tagger(weights)
    assert tagger._viterbi_fast(np.zeros((2, 5))) is None
    assert tagger.viterbi(np.zeros((2, 5))).tolist() == [0] * 5


def test_every_weight_matches_crfsuites_dump(tmp_path):
    """The binary model as we parse it against crfsuite's own text dump (six decimals)."""
    tagger, _, _ = _pyvi_model()
    tagger.dump(str(tmp_path / "dump.txt"))
    dump = (tmp_path / "dump.txt").read_text(encoding="utf-8")
    section = dump[dump.index("STATE_FEATURES = {\n") :]
    # An attribute may hold a line break (the piece "\n"), so an entry may span two lines.
    entries = re.findall(r"^  \(0\) (.*?) --> (B_W|I_W): (-?\d+\.\d+)$", section, re.M | re.S)
    weights = crf.pyvi_tagger().weights
    assert weights.unparsed == []
    ours = {
        (name, label): float(w)
        for name, vector in weights.flags.items()
        for label, w in zip(weights.labels, vector, strict=True)
    }
    for prefix, words in weights.words.items():
        for word, vector in words.items():
            for label, w in zip(weights.labels, vector, strict=True):
                ours[(prefix + word, label)] = w
    assert len(entries) == sum(w != 0.0 for w in ours.values()) > 10_000
    for name, label, value in entries:
        assert abs(ours[(name, label)] - float(value)) <= 5.1e-7, (name, label)
    trans = dict(re.findall(r"^  \(1\) (\S+ --> \S+): (-?\d+\.\d+)$", dump, re.M))
    for i, source in enumerate(weights.labels):
        for j, target in enumerate(weights.labels):
            assert abs(weights.trans[i][j] - float(trans[f"{source} --> {target}"])) <= 5.1e-7


# --- the whole news corpus against ViTokenizer.tokenize ---------------------------------------


def _pyvi_syllables(text: str) -> tuple[list[str], list[bool]]:
    """pyvi's words of ``text`` as ``Segmentation`` keeps them, as ``(syllables, joined)``.

    A piece without a word character is dropped and ends the word it stands in; every other
    piece loses its edge punctuation and is glued to the one before if tokenize() glued them.
    """
    output = ViTokenizer.tokenize(text)
    _, pieces = ViTokenizer.sylabelize(text)
    # tokenize() writes the pieces in order with "_" or " " between: read which one it was.
    ends = list(accumulate(len(piece) + 1 for piece in pieces))
    separators = [output[end - 1] for end in ends[:-1]]
    assert "".join(map(str.__add__, pieces, separators + [""])) == output or not pieces
    syllables = [_trimmed(piece) for piece in pieces]
    joined = [
        i > 0 and separators[i - 1] == "_" and syllables[i - 1] is not None
        for i, syllable in enumerate(syllables)
        if syllable is not None
    ]
    return [s for s in syllables if s is not None], joined


@lru_cache(maxsize=100_000)
def _trimmed(piece: str) -> str | None:
    return _EDGE_PUNCT.sub("", piece) if _WORD_CHAR.search(piece) else None


def _words(syllables: list[str], joined: list[bool]) -> list[tuple[str, ...]]:
    starts = [i for i, glued in enumerate(joined) if not glued] + [len(syllables)]
    return [tuple(syllables[a:b]) for a, b in zip(starts, starts[1:], strict=False)]


def _first_difference(theirs: list, ours: list) -> int:
    pairs = zip(theirs, ours, strict=False)
    return next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(theirs), len(ours)))


def _check_share(share: int, shares: int) -> tuple[int, int, tuple | None]:
    """Compare every ``shares``-th article from the ``share``-th: (articles seen, articles
    compared, the first mismatch as (line, id, word index, pyvi's words, ours) or None)."""
    compared = 0
    with gzip.open(NEWS, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number % shares != share:
                continue
            article = json.loads(line)
            text = normalize(f"{article.get('title', '')}\n{article.get('body', '')}")
            theirs, seg = _pyvi_syllables(text), segment(text)
            compared += 1
            if theirs != (seg.syllables, seg.joined):
                theirs, ours = _words(*theirs), _words(seg.syllables, seg.joined)
                at = _first_difference(theirs, ours)
                window = slice(max(0, at - 3), at + 4)
                mismatch = (number, article["id"], at, theirs[window], ours[window])
                return number + 1, compared, mismatch
    return number + 1, compared, None


@pytest.mark.slow
def test_words_match_pyvi_on_the_whole_news_corpus():
    shares = os.cpu_count() or 1
    with multiprocessing.get_context("fork").Pool(shares) as pool:
        results = pool.starmap(_check_share, [(share, shares) for share in range(shares)])
    seen = results[0][0]
    mismatches = sorted(result[2] for result in results if result[2] is not None)
    assert not mismatches, "article {1} (line {0}), word {2}: pyvi {3} != ours {4}".format(
        *mismatches[0]
    )
    assert sum(result[1] for result in results) == seen > 38_000
