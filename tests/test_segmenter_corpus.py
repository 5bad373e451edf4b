"""Our segmenter against pyvi: the same labels as crfsuite, the same words as ViTokenizer.tokenize.

``indexer.language.crf`` decodes pyvi's CRF itself; these tests hold it to python-crfsuite on pyvi's
own features (label for label) and to pyvi's ``tokenize`` on the whole bundled sample (word for
word; bench/verify_segmenter.py does the same on the whole news corpus, which is not shipped).
"""

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bench.verify_segmenter import compare_file, mismatch
from indexer.language import crf, crf_model
from indexer.language.normalize import normalize
from indexer.language.segmentation import _PYVI_PATTERN, segment, tag_joins
from tests.conftest import SEED_TEXT
from tests.crfsuite_reference import (
    crfsuite_joins as _crfsuite_joins,
)
from tests.crfsuite_reference import (
    features as _features,
)
from tests.crfsuite_reference import (
    pyvi_model as _pyvi_model,
)
from tests.passages import SAMPLE, wiki_passages


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
    """The seed article and 200 passages of the Wikipedia sample, as title and as body."""
    docs = wiki_passages(200)
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
    assert decided > len(texts) // 2  # the array path is the one that runs on long texts


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


# --- whole articles against ViTokenizer.tokenize ----------------------------------------------


def test_words_match_pyvi_on_the_whole_bundled_sample():
    """Every article of the Wikipedia sample, word for word (bench/verify_segmenter.py does
    the news corpus)."""
    seen, compared, mismatches = compare_file(SAMPLE)
    assert not mismatches, "article {1} (line {0}), word {2}: pyvi {3} != ours {4}".format(
        *mismatches[0]
    )
    assert compared == seen > 180


@pytest.mark.parametrize("text", [SEED_TEXT, "", "Hà Nội.", "—"], ids=["seed", "empty", "hn", "—"])
def test_words_match_pyvi_on_the_seed_and_edges(text):
    assert mismatch(normalize(text)) is None
