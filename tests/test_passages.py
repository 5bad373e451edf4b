"""Where a document's leading passages are cut (indexer.semantic.passages): the snippet of a hit
found by meaning alone starts at one of them, so they must start on a word, end after a
sentence where one ends, and cover the body's start in order."""

import pytest

from indexer.semantic.passages import PASSAGE_CHARS, PASSAGES_PER_DOCUMENT, passage_spans

SENTENCE = "Hà Nội là thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam từ năm 1976. "


def test_passages_end_after_a_sentence_and_start_on_the_next():
    body = SENTENCE * 10
    spans = passage_spans(body)
    assert spans[0][0] == 0
    for (start, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        assert body[start:end].endswith("1976.")
        assert end - start <= PASSAGE_CHARS
        assert next_start == end + 1 and not body[next_start].isspace()


def test_a_text_without_sentence_ends_is_cut_after_a_word():
    body = "một hai ba bốn năm sáu bảy tám chín mười " * 20
    for start, end in passage_spans(body):
        assert end - start <= PASSAGE_CHARS
        assert not body[start].isspace() and not body[end - 1].isspace()
        assert end == len(body.rstrip()) or body[end].isspace()


def test_a_word_longer_than_a_passage_is_cut_at_the_width():
    body = "x" * (PASSAGE_CHARS * 2 + 10)
    assert passage_spans(body) == [(0, 200), (200, 400), (400, 410)]


@pytest.mark.parametrize("body", ["", "   \n\t ", "\u00a0"])
def test_an_empty_body_has_no_passage(body):
    assert passage_spans(body) == []


def test_leading_spaces_and_line_breaks_are_skipped_and_the_count_is_bounded():
    body = "\n\n  " + "Đoạn văn.\n" * 400
    spans = passage_spans(body)
    assert spans[0][0] == 4
    assert len(spans) == PASSAGES_PER_DOCUMENT
    assert all(not body[start].isspace() for start, _ in spans)
    assert passage_spans(body, limit=2) == spans[:2]
