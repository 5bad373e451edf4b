"""Completions of what a user is typing (indexer.searching.autocomplete), on a real index built
for the purpose: accents optional word by word, a tone not typed yet, and the word before the
one being typed choosing among the completions."""

import json

import pytest

from indexer import build_index, complete, complete_query, open_index


def titled(prefix: str, title: str, count: int) -> list[dict]:
    """``count`` documents with only a title: ``title`` and their number."""
    return [{"id": f"{prefix}-{n}", "title": f"{title} {n}", "body": ""} for n in range(count)]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """``hồ sơ`` six times as frequent as ``Hồ Chí Minh``, which alone follows ``thành phố``;
    ``Việt Nam`` (a tone) beside ``viên chức`` (none)."""
    rows = titled("hs", "Nộp hồ sơ xin việc", 30)
    rows += titled("hcm", "Thành phố Hồ Chí Minh mưa lớn", 5)
    rows += titled("vn", "Đội tuyển Việt Nam thắng", 10)
    rows += titled("vc", "Tuyển viên chức nhà nước", 5)
    rows += titled("hn", "Tin Hà Nội hôm nay", 8)
    folder = tmp_path_factory.mktemp("autocomplete")
    source = folder / "docs.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    build_index([source], folder / "index", workers=1)
    opened = open_index(folder / "index")
    yield opened
    opened.close()


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
