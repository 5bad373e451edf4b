"""Analysis as pure functions: pyvi's words, offsets into the original text, every field kind."""

import pickle
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyvi import ViTokenizer

from indexer.language import segmentation
from indexer.language.analysis import FIELD_KINDS, analyzer, field_terms, index_terms
from indexer.language.normalize import normalize
from indexer.language.segmentation import segment
from tests.conftest import SEED_BODY, SEED_TEXT
from tests.passages import wiki_passages


def _syllables_as_written(text):
    seg = segment(text)
    return seg, [text[a:b] for a, b in zip(seg.starts, seg.ends, strict=True)]


def test_every_seed_syllable_points_at_the_original_word():
    seg, written = _syllables_as_written(SEED_TEXT)
    assert len(seg.syllables) > 800
    assert written == seg.syllables  # the seed is NFC already: identical


def test_offsets_on_200_wiki_passages():
    for text in (passage.body for passage in wiki_passages(200)):
        seg, written = _syllables_as_written(text)
        assert [normalize(w) for w in written] == seg.syllables


@pytest.mark.parametrize(
    "variant",
    [
        unicodedata.normalize("NFD", SEED_BODY[:600]),
        SEED_BODY[:600].replace("Hà Nội", "Hà\u200bNội").replace("Tuyến", "Tuy\u200dến"),
        SEED_BODY[:600].replace("hóa", "hoá").replace("Thủy", "Thuỷ"),
    ],
    ids=["nfd", "zero-width", "old-tones"],
)
def test_offsets_survive_normalisation(variant):
    seg, written = _syllables_as_written(variant)
    assert [normalize(w) for w in written] == seg.syllables
    assert seg.syllables == segment(SEED_BODY[:600]).syllables or "\u200b" in variant


def test_words_match_pyvi_tokenize():
    text = normalize(SEED_TEXT)
    seg = segment(text)
    ours = ["_".join(seg.syllables[a:b]) for a, b in seg.words()]
    pyvi_words = [w for w in ViTokenizer.tokenize(text).split() if any(c.isalnum() for c in w)]
    assert ours == [w.strip(".") for w in pyvi_words]


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("syllables", "Thành phố Hà Nội", ["thành", "phố", "hà", "nội"]),
        ("folded", "Thành phố Hà Nội", ["thanh", "pho", "ha", "noi"]),
        # Pairs run across a comma, a colon, quotes (one sentence), not across a full stop or
        # a line break.
        (
            "folded_bigrams",
            "Hà Nội, Việt Nam: “Đà Nẵng”. Huế\nHội An… Sa Pa",
            ["ha noi", "noi viet", "viet nam", "nam da", "da nang", "hoi an", "sa pa"],
        ),
        (
            "completions",
            "Nguyễn Thị Tuyến ở Hà Nội",
            ["nguyen thi tuyen\tNguyễn Thị Tuyến", "ha noi\tHà Nội"],
        ),
        (
            "syllables",
            "TP.HCM ngày 12/4, COVID-19",
            ["tp", "hcm", "ngày", "12", "4", "covid", "19"],
        ),
        ("syllables", "15.706 người, 9h30", ["15.706", "người", "9h30"]),
    ],
)
def test_field_terms(kind, text, expected):
    assert [t.text for t in analyzer(kind)(text)] == expected


def test_tokens_carry_original_offsets():
    text = unicodedata.normalize("NFD", "Ở Hà Nội")
    tokens = [
        (t.text, text[t.startchar : t.endchar]) for t in analyzer("completions")(text, chars=True)
    ]
    assert tokens == [("ha noi\tHà Nội", unicodedata.normalize("NFD", "Hà Nội"))]


def test_precomputed_terms_pass_through():
    tokens = analyzer("syllables")(["hà", "nội"], positions=True)
    assert [(t.text, t.pos) for t in tokens] == [("hà", 0), ("nội", 1)]


@pytest.mark.parametrize("kind", FIELD_KINDS)
def test_analyzers_pickle(kind):
    ana = analyzer(kind)
    again = pickle.loads(pickle.dumps(ana))
    assert again == ana
    assert [t.text for t in again("Hà Nội")] == [t.text for t in ana("Hà Nội")]


# Vietnamese letters, every tone mark alone, invisible characters, punctuation; or any text.
TRAPS = "aàáạăằâấđeêếiíoôồơớuưừyý HNĐ.,-:;'\"()\n\t\u00a0\u00ad\u200b\u200c\u200d\ufeff\u00d0"
TONES = "\u0300\u0301\u0303\u0309\u0323"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(TRAPS + TONES)), max_size=80) | st.text(max_size=80))
def test_offsets_always_inside_and_matching(text):
    seg = segment(text)
    for syllable, start, end in zip(seg.syllables, seg.starts, seg.ends, strict=True):
        assert 0 <= start < end <= len(text)
        as_written = normalize(text[start:end])
        # A mark that has no letter to combine with (N + two acutes) stays outside the syllable.
        assert as_written.startswith(syllable)
        assert all(unicodedata.combining(c) for c in as_written[len(syllable) :])
    for kind in FIELD_KINDS:
        for _, start, end in field_terms(kind, seg):
            assert 0 <= start < end <= len(text)


def test_index_terms_are_field_terms_without_offsets():
    texts = [SEED_TEXT, "", "Hà Nội.", "—", *(doc.body for doc in wiki_passages(200))]
    compared = 0
    for text in texts:
        seg = segment(text)
        together = index_terms(seg)
        assert set(together) == set(FIELD_KINDS)
        for kind in FIELD_KINDS:
            assert together[kind] == [term for term, _, _ in field_terms(kind, seg)]
            compared += len(together[kind])
    assert compared > 100_000


# --- long runs without spaces: split in linear time, the same pieces elsewhere ----------------


@pytest.mark.parametrize(
    "text",
    [
        SEED_TEXT,
        "Liên hệ x@y.com hoặc " + "a-" * 300 + " rồi z@w.vn nhé",
        "Hà Nội " + "a." * 50_000 + " và " + "-" * 50_000 + " x@y.com Nội",
        "x" * 300_000,
    ],
)
def test_long_runs_split_as_pyvi_splits_everything_else(text):
    parts = segmentation._split_parts(text)
    assert "".join(parts) == text
    runs = list(segmentation._LONG_RUNS.finditer(text))
    if not runs:
        assert parts == segmentation._PYVI_SPLIT.split(text)
        return
    # Pieces never cross whitespace: before the first long run and after the last, pyvi's.
    before = segmentation._PYVI_SPLIT.split(text[: runs[0].start()])[1::2]
    after = segmentation._PYVI_SPLIT.split(text[runs[-1].end() :])[1::2]
    pieces = parts[1::2]
    assert pieces[: len(before)] == before
    assert pieces[len(pieces) - len(after) :] == after


def test_an_e_mail_in_a_long_run_comes_out_as_its_parts():
    run = "x@y.com" + "." * segmentation.LONG_RUN
    assert "x@y.com" in segmentation._PYVI_SPLIT.split(run)
    assert ["x", "@", "y", ".", "com"] == segmentation._split_parts(run)[1:10:2]
    assert segment("Hà Nội " + run).syllables == ["Hà", "Nội", "x", "y", "com"]
