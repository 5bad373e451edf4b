"""Normalisation and folding: one test per trap in ../shared/VIETNAMESE.md, plus properties."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.language.normalize import fold, has_diacritics, normalize, normalize_with_map


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # 1. NFD input (macOS, Word) becomes NFC.
        (unicodedata.normalize("NFD", "Nguyễn Thị Tuyến"), "Nguyễn Thị Tuyến"),
        # 2. Old/new tone placement: one placement, by rule, not a word list.
        ("hoà bình", "hòa bình"),
        ("thuỷ điện", "thủy điện"),
        ("qúy", "quý"),
        ("lựơng", "lượng"),
        ("nghịêm", "nghiệm"),
        ("HOÀ", "HÒA"),
        ("Khoẻ", "Khỏe"),
        ("hoàng", "hoàng"),  # a final consonant keeps the tone on the last vowel
        ("người", "người"),
        ("khuỷu", "khuỷu"),
        ("giữ gìn", "giữ gìn"),  # "gi" before a vowel is a consonant
        ("quốc", "quốc"),
        ("café", "café"),  # not Vietnamese: left alone
        # 3. Icelandic eth for Đ.
        ("\u00d0à Nẵng \u00f0ường", "Đà Nẵng đường"),
        # 4. Invisible characters inside words; no-break space.
        ("Hà\u200bNội", "HàNội"),
        ("Ng\u200cuy\u200dễn\ufeff", "Nguyễn"),
        ("bầu\u00adcử", "bầucử"),
        ("Hà\u00a0Nội", "Hà Nội"),
        # 5. Case is kept: pyvi needs it.
        ("Việt Nam", "Việt Nam"),
    ],
)
def test_normalize(written, expected):
    assert normalize(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Hà Nội", "ha noi"),
        ("Nguyễn Thị Tuyến", "nguyen thi tuyen"),
        ("ĐƯỜNG", "duong"),
        ("\u00d0à", "da"),
        (unicodedata.normalize("NFD", "Tuyến"), "tuyen"),
        ("COVID-19", "covid-19"),
        # 6. i/y spelling variants meet: quý/quí, lý/lí, kỹ/kĩ, Kỳ/Kì; diphthongs keep their y.
        ("Quý", "qui"),
        ("quí", "qui"),
        ("lý lí", "li li"),
        ("kỹ kĩ Kỳ Kì", "ki ki ki ki"),
        ("thủy tây ý", "thuy tay y"),
    ],
)
def test_fold(written, expected):
    assert fold(written) == expected


def test_has_diacritics():
    assert has_diacritics("Hà Nội") and not has_diacritics("ha noi")
    assert not has_diacritics("ly")  # folding ly to li is spelling, not an accent


def test_map_points_into_original_text():
    original = unicodedata.normalize("NFD", "Ở Hà\u200bNội") + "\u00a0x"
    normalized, starts, ends = normalize_with_map(original)
    assert normalized == "Ở HàNội x"
    assert original[starts[0] : ends[0]] == unicodedata.normalize("NFD", "Ở")
    assert original[starts[4] : ends[4]] == "N"  # the zero-width space before it is skipped
    assert len(starts) == len(ends) == len(normalized)


def test_map_is_absent_when_offsets_do_not_move():
    assert normalize_with_map("hoà bình")[1:] == (None, None)


@given(st.text())
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


@given(st.text())
def test_fold_leaves_no_diacritic(text):
    folded = fold(text)
    assert not any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", folded))
    assert "đ" not in folded and "Đ" not in folded


@given(st.text())
def test_map_covers_the_text(text):
    normalized, starts, ends = normalize_with_map(text)
    if starts is not None:
        assert len(starts) == len(ends) == len(normalized)
        assert all(0 <= a < b <= len(text) for a, b in zip(starts, ends, strict=True))
    else:
        assert len(normalized) == len(text)
