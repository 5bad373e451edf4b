"""Completions of what a user is typing (indexer.searching.autocomplete), on a real index built
for the purpose: accents optional word by word, a tone not typed yet, and the word before the
one being typed choosing among the completions."""

import pytest

from indexer import complete, complete_query
from tests.titled_indexes import opened_index, titled


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """``hồ sơ`` six times as frequent as ``Hồ Chí Minh``, which alone follows ``thành phố``;
    ``Việt Nam`` (a tone) beside ``viên chức`` (none)."""
    rows = titled("hs", "Nộp hồ sơ xin việc", 30)
    rows += titled("hcm", "Thành phố Hồ Chí Minh mưa lớn", 5)
    rows += titled("vn", "Đội tuyển Việt Nam thắng", 10)
    rows += titled("vc", "Tuyển viên chức nhà nước", 5)
    rows += titled("hn", "Tin Hà Nội hôm nay", 8)
    yield from opened_index(tmp_path_factory, "autocomplete", rows)


@pytest.fixture(scope="module")
def syllables_index(tmp_path_factory):
    """``mới`` in 20 documents, never after ``Nội``; ``mưa`` in 3, each time after it; the
    compound ``vàng trắng`` in 10, never after ``giá``, ``vàng tăng`` in 5, after it."""
    rows = titled("moi", "Giá mới tăng", 20)
    rows += titled("mua", "Hà Nội mưa lớn", 3)
    rows += titled("trang", "Mua vàng trắng", 10)
    rows += titled("tang", "Giá vàng tăng mạnh", 5)
    yield from opened_index(tmp_path_factory, "syllables", rows)


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        # The next word is a syllable of its own, which no compound word starts; the word before
        # prefers the rarer mưa to mới. One letter is enough after a word.
        ("hà nội mư", "hà nội mưa"),
        # Typed without accents in a query with accents: the letters' likeliest form in the
        # whole index (mua: 10 documents, mưa 3), as the pairs know no accents.
        ("hà nội m", "hà nội mua"),
        ("ha noi m", "ha noi mua"),  # a query without accents: the letters alone
        ("giá m", "giá mới"),
        # Beside the compound words of the last two words (vàng trắng), the syllables after
        # the first of them: giá vàng tăng is what the index holds.
        ("giá vàng t", "giá vàng tăng"),
        ("gia vang t", "gia vang tang"),
    ],
)
def test_the_next_word_may_be_a_syllable_of_its_own(syllables_index, typed, first):
    assert complete_query(syllables_index, typed)[0] == first


def test_a_syllable_alone_is_completed_only_after_a_word(syllables_index):
    assert complete_query(syllables_index, "m") == []
    assert complete_query(syllables_index, "mư") == []  # no compound word starts with mư
    assert "hà nội mưa" not in complete_query(syllables_index, "hà nội mưa")  # typed already


def test_the_compound_words_are_those_of_the_titles(index):
    reader = index.searcher().reader()
    shown = {term.decode().partition("\t")[2] for term in reader.lexicon("completions")}
    assert {"hồ sơ", "Hồ Chí Minh", "Việt Nam", "viên chức", "Hà Nội"} <= shown


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        # No tone yet on the word being typed: an input method shows viê before the tone key
        # of việt. Both readings, the most frequent first.
        ("viê", ["Việt Nam", "viên chức", "Việt Nam thắng"]),
        ("việ", ["Việt Nam", "Việt Nam thắng"]),  # a tone typed is kept
        ("viế", []),  # and one no completion has offers none
        ("vie", ["Việt Nam", "viên chức", "Việt Nam thắng"]),
        # Accents are optional word by word: a word typed without them matches any.
        ("ha nộ", ["Hà Nội"]),
        ("hà nô", ["Hà Nội"]),
        ("hà nộ", ["Hà Nội"]),
        ("hà nố", []),
    ],
)
def test_accents_typed_are_kept_and_a_missing_tone_may_come_next(index, typed, offered):
    assert complete(index, typed) == offered


def test_the_word_before_chooses_among_the_completions(index):
    assert complete(index, "hồ") == ["hồ sơ", "Hồ Chí Minh"]  # by frequency alone
    # Only Hồ Chí Minh follows "phố" in the index: it comes first, though six times rarer.
    assert complete_query(index, "thành phố hồ") == [
        "thành phố Hồ Chí Minh",
        "thành phố hồ sơ",
    ]
    assert complete_query(index, "thanh pho ho")[0] == "thanh pho Hồ Chí Minh"
    # Nothing follows "nộp" but hồ sơ: the order by frequency stands.
    assert complete_query(index, "nộp hồ")[0] == "nộp hồ sơ"


@pytest.mark.parametrize("typed", ["", "h", "   ", "x" * 201])
def test_too_little_or_too_much_typed_offers_nothing(index, typed):
    assert complete_query(index, typed) == []


def test_a_word_before_with_no_letters_leaves_the_order_by_frequency(index):
    assert complete_query(index, "!!! hồ") == ["!!! hồ sơ", "!!! Hồ Chí Minh"]
