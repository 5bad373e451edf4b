"""The Vietnamese syllable (indexer.language.syllables), input-method leftovers
(indexer.language.input_methods) and the slips typo correction undoes
(indexer.language.misspellings): language knowledge, no index needed."""

import pytest

from indexer.language.input_methods import decode, decode_viqr_text, to_telex, to_vni
from indexer.language.misspellings import (
    DROPPED_COST,
    NEIGHBOURS,
    cheapest_edits,
    mark_distance,
    typed_edits,
)
from indexer.language.normalize import fold
from indexer.language.syllables import (
    accented_forms,
    has_vowel,
    is_folded_syllable,
    is_syllable,
    parse,
    tone_of,
    without_tone,
)


@pytest.mark.parametrize(
    ("text", "possible"),
    [
        ("nguyễn", True),
        ("Việt", True),
        ("quyết", True),
        ("giếng", True),
        ("khuya", True),
        ("xoong", True),
        ("viet", True),  # folded: some syllable folds to it
        ("viềt", False),  # huyền on a stopped coda
        ("ngyen", False),
        ("noii", False),
        ("covid", False),
        ("kê", True),
        ("cê", False),  # c never before e
        ("ghe", True),
        ("ga", True),
        ("gha", False),
    ],
)
def test_possible_syllables(text, possible):
    assert is_syllable(text) is possible


@pytest.mark.parametrize(
    ("syllable", "parts"),
    [
        ("nguyễn", ("ng", "u", "yê", "n", "\u0303")),
        ("quốc", ("q", "u", "ô", "c", "\u0301")),
        ("gì", ("g", "", "i", "", "\u0300")),
        ("hòa", ("h", "o", "a", "", "\u0300")),
        ("tuyết", ("t", "u", "yê", "t", "\u0301")),
    ],
)
def test_syllable_parts(syllable, parts):
    found = parse(syllable)
    assert (found.onset, found.glide, found.nucleus, found.coda, found.tone) == parts


@pytest.mark.parametrize(
    ("letters", "vowel"),
    [("hc", False), ("dnh", False), ("ngh", False), ("hoc", True), ("y", True), ("ky", True)],
)
def test_letters_without_a_vowel(letters, vowel):
    assert has_vowel(letters) is vowel


def test_folded_forms_and_their_accented_readings():
    assert is_folded_syllable("qui") and not is_folded_syllable("ngyen")
    assert {"nội", "nơi", "nói", "noi"} <= set(accented_forms("noi"))
    assert accented_forms("covid") == ()
    assert (tone_of("nguyễn"), without_tone("nguyễn")) == ("\u0303", "nguyên")


@pytest.mark.parametrize(
    ("keys", "meant"),
    [
        ("nguyeenx", "nguyễn"),  # Telex
        ("tuyeenr", "tuyển"),
        ("dduwowngf", "đường"),
        ("dduongwf", "đường"),
        ("muaw", "mưa"),
        ("hoawcj", "hoặc"),
        ("nhw", "như"),
        ("quyeets", "quyết"),
        ("vie65t", "việt"),  # VNI
        ("viet65", "việt"),
        ("nguye6n4", "nguyễn"),
        ("d9u7o7ng2", "đường"),
        ("vie^.t", "việt"),  # VIQR
        ("ddu+o+`ng", "đường"),
        # The marks placed by the input method, the tone key left behind as typed.
        ("trươngf", "trường"),
        ("trương2", "trường"),
        ("hôngf", "hồng"),
    ],
)
def test_input_method_leftovers_decode_exactly(keys, meant):
    assert decode(keys)[0] == meant


@pytest.mark.parametrize("word", ["ha", "noii", "covid", "2021", "vietnam", "hồngf", "việtj"])
def test_words_without_method_keys_decode_to_nothing(word):
    assert decode(word) == []


@pytest.mark.parametrize("syllable", ["nguyễn", "việt", "đường", "quyết", "hòa", "thủy", "khuấy"])
def test_typing_a_syllable_and_decoding_it_round_trips(syllable):
    assert decode(to_telex(syllable))[0] == syllable
    assert decode(to_vni(syllable))[0] == syllable


def test_viqr_in_text_leaves_question_marks_alone():
    assert decode_viqr_text("Vie^.t Nam ai?") == "Việt Nam ai?"


@pytest.mark.parametrize(
    ("typed", "meant", "cost"),
    [
        ("noii", "noi", 0.3),  # a letter typed twice
        ("ngyen", "nguyen", 0.6),  # one dropped, as likely as a neighbouring key
        ("ngyuen", "nguyen", 0.5),  # two swapped
        ("nguyrn", "nguyen", 0.6),  # a neighbouring key
        ("nguyeen", "nguyen", 0.3),
        ("hoaq", "hoa", 0.7),  # a stray key beside the last one
        ("quoc", "quyc", 1.2),  # another letter, far away
        ("qy", "qui", 0.6),  # the u put back: quy, keyed as the index keys quý and quí
    ],
)
def test_each_slip_has_its_cost(typed, meant, cost):
    assert cheapest_edits(typed)[meant] == cost


@pytest.mark.parametrize("typed", ["qy", "y", "kyx", "ly", "nguyen", "tuyeen"])
def test_slips_are_keyed_as_the_index_keys_syllables(typed):
    # A y after a consonant is folded to i (kỳ, kì: ki): "quy" or "ky" would be looked up in
    # vain, so the syllables one slip from "qy" or "ỳ" were never found.
    edits = cheapest_edits(fold(typed))
    assert all(fold(edit) == edit for edit in edits), [e for e in edits if fold(e) != e]


@pytest.mark.parametrize(
    ("typed", "meant"), [("ngy", "ngay"), ("ngỳ", "ngay"), ("thy", "thay"), ("xy", "xay")]
)
def test_slips_are_made_on_the_letters_typed(typed, meant):
    # Left out before a final y, an a leaves letters whose key ends in i (ngy: ngi), one
    # letter from nghi and ngai but not from ngay: the slip was made on the keys typed.
    edits = typed_edits(typed)
    assert edits[meant] == DROPPED_COST
    assert fold(typed) not in edits
    assert all(fold(edit) == edit for edit in edits)
    assert edits.keys() >= cheapest_edits(fold(typed)).keys() - {fold(typed)}


def test_keyboard_neighbours():
    assert NEIGHBOURS["g"] == frozenset("tyfhvb")
    assert "q" not in NEIGHBOURS["p"]


@pytest.mark.parametrize(
    ("typed", "form", "distance"),
    [
        ("nguyển", "nguyễn", 0.2),  # hỏi for ngã
        ("quồc", "quốc", 0.4),  # another tone
        ("đưoc", "được", 0.8),  # a horn and the tone
        ("người", "người", 0.0),
    ],
)
def test_mark_distance(typed, form, distance):
    assert mark_distance(typed, form) == pytest.approx(distance)
