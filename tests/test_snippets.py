"""Snippets and highlighted titles from stored syllable offsets (indexer.highlight.snippets)."""

from __future__ import annotations

import html
import random
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyvi.ViTokenizer import ViTokenizer

from indexer.codec import spans as spans_codec
from indexer.codec.spans import decode_span_arrays, decode_spans, encode_spans
from indexer.highlight import snippets
from indexer.highlight.snippets import MatchTerms, highlight_all, snippet
from indexer.language import segmentation
from indexer.language.normalize import fold
from indexer.language.segmentation import Segmentation, segment

SEED = Path(__file__).resolve().parent / "data" / "seed" / "000_e74d3da79069b4c0.txt"
MARK = re.compile(r"</?mark>")
TAG = re.compile(r"<[^>]*>")


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def spans_of(text: str) -> str:
    return encode_spans(segment(text), text)


def terms(*syllables: str) -> MatchTerms:
    return MatchTerms.from_syllables(syllables)


def highlight(text: str, *syllables: str) -> str:
    return highlight_all(text, spans_of(text), terms(*syllables))


def visible(fragment: str) -> str:
    """The document text a rendered fragment shows: marks removed, entities decoded."""
    return html.unescape(MARK.sub("", fragment))


def fragments(out: str) -> list[str]:
    """The fragments of a snippet, without the leading/trailing ellipsis, as plain text."""
    body = out.removeprefix("…").removesuffix("…")
    return [visible(part) for part in body.split(" … ")]


@pytest.fixture(scope="module")
def seed() -> tuple[str, str, str]:
    """(title, body, body spans) of the seed article."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    title = next(line for line in lines if line.strip())
    body = "\n".join(lines[lines.index(title) + 1 :]).strip()
    return title, body, spans_of(body)


# --- MatchTerms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("syllables", "exact", "folded"),
    [
        (["Hà", "Nội"], {"hà", "nội"}, {"ha", "noi"}),
        (["ha", "NOI"], set(), {"ha", "noi"}),
        (["COVID", "2021"], set(), {"covid", "2021"}),
        (["Đà", "nẵng"], {"đà", "nẵng"}, {"da", "nang"}),
        (["hoà"], {"hòa"}, {"hoa"}),
        (["", "thể"], {"thể"}, {"the"}),
    ],
)
def test_match_terms_from_syllables(syllables, exact, folded):
    got = MatchTerms.from_syllables(syllables)
    assert got.exact == frozenset(exact)
    assert got.folded == frozenset(folded)


# --- matching rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("Thủ đô Hà Nội", ["ha", "noi"], "Thủ đô <mark>Hà Nội</mark>"),
        ("Thủ đô Hà Nội", ["hà", "nội"], "Thủ đô <mark>Hà Nội</mark>"),
        ("HÀ NỘI", ["hà"], "<mark>HÀ</mark> NỘI"),
        ("Hà, Nội", ["ha", "noi"], "<mark>Hà</mark>, <mark>Nội</mark>"),
        ("Hà\n\n  Nội", ["ha", "noi"], "<mark>Hà Nội</mark>"),
        ("Có thể là thế", ["thể"], "Có <mark>thể</mark> là thế"),
        ("Có thế là thế", ["thể"], "Có <mark>thế</mark> là <mark>thế</mark>"),
        ("Có thể là thế", ["the"], "Có <mark>thể</mark> là <mark>thế</mark>"),
        ("ha noi và Hà Nội", ["hà", "nội"], "ha noi và <mark>Hà Nội</mark>"),
        ("Hà Nội, Hạ Long", ["hà", "long"], "<mark>Hà</mark> Nội, Hạ <mark>Long</mark>"),
        ("COVID-19 năm 2021", ["covid", "2021"], "<mark>COVID</mark>-19 năm <mark>2021</mark>"),
        ("Không có gì", ["xyzzy"], "Không có gì"),
    ],
)
def test_highlight_all_marks(text, query, expected):
    assert highlight(text, *query) == expected


@pytest.mark.parametrize(
    ("text", "query", "marked"),
    [
        (nfd("Hòa bình ở Hà Nội"), ["hòa"], "<mark>" + nfd("Hòa") + "</mark>"),
        (nfd("Thủ đô Hà Nội"), ["ha", "noi"], "<mark>" + nfd("Hà Nội") + "</mark>"),
        ("Hoà bình lập lại", ["hòa"], "<mark>Hoà</mark>"),
        ("Hòa bình lập lại", ["hoà"], "<mark>Hòa</mark>"),
        ("Thủ đô H\u200bà N\u200bội", ["hà", "nội"], "<mark>H\u200bà N\u200bội</mark>"),
        ("Thủ đô Hà\u00a0Nội", ["ha", "noi"], "<mark>Hà Nội</mark>"),
    ],
)
def test_marks_the_characters_as_written(text, query, marked):
    assert marked in highlight(text, *query)
    assert marked in snippet(text, spans_of(text), terms(*query))


def test_highlight_all_of_the_seed_title(seed):
    title, _, _ = seed
    expected = (
        "Phó Bí thư Thường trực Thành ủy <mark>Hà Nội</mark> Nguyễn Thị <mark>Tuyến</mark> "
        "phát biểu tại hội nghị."
    )
    assert highlight(title, "ha", "noi", "tuyến") == expected


# --- escaping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        (
            "Lỗi <script>alert(1)</script> ở đây",
            ["alert"],
            "Lỗi &lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; ở đây",
        ),
        (
            "Ảnh <img src=x onerror=alert(1)> Hà Nội",
            ["ha"],
            "Ảnh &lt;img src=x onerror=alert(1)&gt; <mark>Hà</mark> Nội",
        ),
        ("Mưa & gió", ["gió"], "Mưa &amp; <mark>gió</mark>"),
        ('Gọi "Hà Nội"', ["noi"], "Gọi &quot;Hà <mark>Nội</mark>&quot;"),
        ("<mark>Hà</mark>", ["xyzzy"], "&lt;mark&gt;Hà&lt;/mark&gt;"),
        ("Bão 'Noru' đổ bộ", ["bão"], "<mark>Bão</mark> &#x27;Noru&#x27; đổ bộ"),
        # Whitespace runs and whitespace other than a space show as one space, the only change
        # a passage without a character to escape can need.
        ("Hà  Nội\tmưa", ["nội"], "Hà <mark>Nội</mark> mưa"),
        ("Hà\u00a0Nội mưa", ["mưa"], "Hà Nội <mark>mưa</mark>"),
        ("Hà Nội \n mưa", ["hà"], "<mark>Hà</mark> Nội mưa"),
    ],
)
def test_escapes_everything_but_marks(text, query, expected):
    assert highlight(text, *query) == expected
    out = snippet(text, spans_of(text), terms(*query))
    assert out == expected
    assert set(TAG.findall(out)) <= {"<mark>", "</mark>"}


WHITESPACE = [chr(c) for c in range(0x110000) if chr(c).isspace()]


@given(st.text(alphabet=st.sampled_from(WHITESPACE + list("a&<>\"'")) | st.characters()))
def test_escaping_collapses_every_whitespace_run_to_one_space(text):
    """Pieces without whitespace but single spaces skip the pattern; the same text comes out."""
    assert snippets._escape(text) == html.escape(re.sub(r"\s+", " ", text), quote=True)


def test_without_spans_a_title_is_escaped_and_a_snippet_is_empty():
    assert highlight_all("A <b> &  B", "", terms("a")) == "A &lt;b&gt; &amp; B"
    assert snippet("A <b>", "", terms("a")) == ""
    assert snippet("", "", terms("a")) == ""
    assert highlight_all("", "", terms("a")) == ""


# --- passage choice ------------------------------------------------------------------------------


def test_passage_around_a_middle_term_is_160_to_240_chars(seed):
    _, body, spans = seed
    assert 1500 < body.index("trách") < len(body) - 1500
    out = snippet(body, spans, terms("trách"))
    assert out.startswith("…") and out.endswith("…")
    assert out.count("<mark>") == 1 and "<mark>trách</mark>" in out
    (shown,) = fragments(out)
    assert 160 <= len(shown) <= 240


@pytest.mark.parametrize("width", [100, 200, 300])
def test_passage_length_follows_width(seed, width):
    _, body, spans = seed
    (shown,) = fragments(snippet(body, spans, terms("trách"), width=width))
    assert 0.8 * width <= len(shown) <= 1.2 * width


def test_no_match_gives_the_start_of_the_text(seed):
    _, body, spans = seed
    out = snippet(body, spans, terms("xyzzy"))
    assert not out.startswith("…") and out.endswith("…")
    assert "<mark>" not in out
    (shown,) = fragments(out)
    assert body.startswith(shown)
    assert 160 <= len(shown) <= 200


def test_short_text_is_shown_whole_without_ellipsis():
    text = "Phó Bí thư Thành ủy Hà Nội phát biểu."
    assert snippet(text, spans_of(text), terms("ha", "noi")) == (
        "Phó Bí thư Thành ủy <mark>Hà Nội</mark> phát biểu."
    )


def test_far_apart_terms_give_two_fragments_in_document_order(seed):
    _, body, spans = seed
    assert body.count("lưỡng") == 1 and body.count("Sửu") == 1
    assert body.index("Sửu") - body.index("lưỡng") > 1000
    out = snippet(body, spans, terms("sửu", "lưỡng"))
    assert out.startswith("…") and out.endswith("…")
    first, second = out.split(" … ")
    assert "<mark>lưỡng</mark>" in first and "<mark>Sửu</mark>" in second
    for shown in fragments(out):
        assert 70 <= len(shown) <= 130


def test_near_terms_share_one_passage(seed):
    _, body, spans = seed
    out = snippet(body, spans, terms("lưỡng", "sót"))
    assert " … " not in out
    assert "<mark>lưỡng</mark>" in out and "<mark>sót</mark>" in out


def filler(words: int) -> str:
    return " ".join(["mưa rơi trên mái nhà"] * words)


@pytest.mark.parametrize(
    ("text", "query", "wanted"),
    [
        # Distinct query syllables beat a greater number of marks.
        (
            "Hà Nội Hà Nội Hà Nội Hà Nội. " + filler(30) + " Hà Nội mùa thu. " + filler(30),
            ["hà", "nội", "thu"],
            "<mark>Hà Nội</mark> mùa <mark>thu</mark>",
        ),
        # Same distinct syllables: more marks win.
        (
            "Hà Nội. " + filler(30) + " Hà Nội và Hà Nội. " + filler(30),
            ["ha", "noi"],
            "<mark>Hà Nội</mark> và <mark>Hà Nội</mark>",
        ),
        # Full tie: the earlier passage wins.
        (
            filler(30) + " Đà Lạt sương. " + filler(30) + " Đà Lạt nắng. " + filler(30),
            ["đà", "lạt"],
            "<mark>Đà Lạt</mark> sương",
        ),
    ],
)
def test_passage_choice(text, query, wanted):
    out = snippet(text, spans_of(text), terms(*query))
    assert wanted in out
    assert " … " not in out


# --- boundaries ----------------------------------------------------------------------------------


def assert_whole_words(out: str, text: str, spans: str) -> None:
    """Every fragment of ``out`` is a run of whole pyvi words of ``text``, in document order.

    A fragment must occur in ``text`` (with any whitespace where it shows one space) with
    whitespace or the text's edge on both sides, and pyvi must not have glued the syllable after
    its start or after its end to the syllable before (that would cut ``Hà Nội``).
    """
    assert set(TAG.findall(out)) <= {"<mark>", "</mark>"}
    decoded = decode_spans(spans)
    starts = [start for start, _, _ in decoded]
    position = 0
    for shown in fragments(out):
        body = r"\s+".join(re.escape(token) for token in shown.split(" "))
        match = re.compile(r"(?<!\S)" + body + r"(?!\S)").search(text, position)
        assert match, f"{shown!r} is not a whitespace-bounded run of the text"
        inside = [i for i, start in enumerate(starts) if match.start() <= start < match.end()]
        assert inside, shown
        assert not decoded[inside[0]][2], f"{shown!r} starts inside a word"
        after = inside[-1] + 1
        assert after == len(decoded) or not decoded[after][2], f"{shown!r} ends inside a word"
        assert decoded[inside[-1]][1] <= match.end()
        position = match.end()


def test_boundaries_never_cut_a_word_on_random_queries(seed):
    _, body, spans = seed
    syllables = [body[start:end] for start, end, _ in decode_spans(spans)]
    rng = random.Random(20240412)
    for _ in range(150):
        query = rng.sample(syllables, rng.randint(1, 3))
        width = rng.choice([40, 80, 120, 200, 260, 400])
        out = snippet(body, spans, terms(*query), width=width)
        assert "<mark>" in out
        assert_whole_words(out, body, spans)


@pytest.mark.parametrize("width", [10, 30, 60, 200])
def test_boundaries_never_cut_a_word_without_matches(seed, width):
    _, body, spans = seed
    assert_whole_words(snippet(body, spans, terms("xyzzy"), width=width), body, spans)


def test_cut_words_are_caught_by_the_boundary_check(seed):
    _, body, spans = seed
    start = body.index("Hà Nội") + 3
    with pytest.raises(AssertionError):
        assert_whole_words("…" + body[start : start + 100] + "…", body, spans)


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("Nhấn mạnh “nhiệm vụ kép”, vừa phòng", ["kép"], "“nhiệm vụ <mark>kép</mark>”,"),
        ("chống dịch COVID-19, vừa phát triển", ["covid"], "<mark>COVID</mark>-19,"),
        ("nhiệm kỳ 2020-2025 diễn ra", ["2025"], "2020-<mark>2025</mark>"),
    ],
)
def test_punctuation_touching_a_word_stays_with_it(text, query, expected):
    padded = filler(20) + " " + text + " " + filler(20)
    out = snippet(padded, spans_of(padded), terms(*query), width=40)
    assert expected in out
    assert out.startswith("…") and out.endswith("…")


# --- speed ---------------------------------------------------------------------------------------


def test_snippets_never_run_pyvi(seed, monkeypatch):
    title, body, spans = seed
    title_spans = spans_of(title)

    def boom(*args, **kwargs):
        raise AssertionError("pyvi ran")

    for name in ("segment", "tag_joins"):
        monkeypatch.setattr(segmentation, name, boom)
        monkeypatch.setattr(snippets, name, boom, raising=False)
    monkeypatch.setattr(segmentation, "pyvi_tagger", boom)
    monkeypatch.setattr(ViTokenizer, "tokenize", boom)
    query = terms("hà", "nội", "sửu")
    assert "<mark>" in snippet(body, spans, query)
    assert "<mark>" in highlight_all(title, title_spans, query)


# Texts full of the traps of ../shared/VIETNAMESE.md, and others.
ODD_TEXTS = [
    nfd("Hà Nội và Đà Nẵng, Thủy điện Hòa Bình"),
    "Hà\u200bNội, Ha\u0300 Nô\u0323i và Ðà Nẵng\u00a0mới",
    "hoà bình, thuỷ lợi, qúy khách, HÒA BÌNH",
    "İstanbul và Σ ΣΟΦΊΑ, 한국 가 và Hà Nội",
    "COVID-19 (2,5%) tại TP.HCM: “kỷ lục” ký kết, Kỳ và Kì, quý và quí",
    "a" * 60 + " Hà Nội " + "b" * 50,
]


@pytest.mark.parametrize("size", [1, 0x6BFF, 0xD7FF, 0xD800, 0xE000, 70_000])
def test_spans_round_trip_across_the_surrogate_block(size):
    """Gaps and lengths from 0xD800 on are stored shifted past the surrogate code points."""
    starts, ends, position = [], [], 0
    for gap, length in [(size, size), (1, size), (size, 2), (0, size + 5)]:
        starts.append(position + gap)
        ends.append(position := position + gap + length)
    joined = [False, True, False, True]
    seg = Segmentation(["x"] * 4, starts, ends, joined, [False] * 4, [False] * 4)
    text = "x" * ends[-1]
    assert decode_spans(encode_spans(seg, text)) == list(zip(starts, ends, joined, strict=True))
    assert decode_spans(first_format(seg)) == list(zip(starts, ends, joined, strict=True))


@pytest.mark.parametrize("text", ODD_TEXTS + ["\n\n".join(ODD_TEXTS) * 4])
def test_few_spans_decode_as_the_arrays_decode_them(seed, text):
    """Spans of a few syllables (titles) decode a number at a time, longer ones as arrays: the
    same syllables either way, in both formats."""
    title, body, _ = seed
    for sample in (text, title, body[:300], body):
        seg = segment(sample)
        for encoded in (encode_spans(seg, sample), first_format(seg)):
            arrays = [values.tolist() for values in decode_span_arrays(encoded)]
            assert spans_codec._decode_few(encoded) == list(zip(*arrays, strict=True))
            assert decode_spans(encoded) == list(zip(*arrays, strict=True))
            assert spans_codec.span_count(encoded) == len(arrays[0])


def first_format(seg: Segmentation) -> str:
    """The spans format as first written (version 1, no spaces), one character at a time:
    indexes built with it must still decode."""
    out, previous_end = [], 0
    for start, end, joined in zip(seg.starts, seg.ends, seg.joined, strict=True):
        for n in (start - previous_end, (end - start) * 2 + joined):
            out.append(chr(n + 0x800 if n >= 0xD800 else n))
        previous_end = end
    return "".join(out)


def reference_encoding(seg: Segmentation, text: str) -> str:
    """Version 2, one character at a time: the pair 0, 1, then for each syllable its gap and
    ``length * 4 + spaced * 2 + joined``, spaced when the gap before it holds whitespace. What
    indexes hold: the encoding may get faster but never different."""
    out, previous_end = ["\x00\x01"], 0
    for i, (start, end, joined) in enumerate(zip(seg.starts, seg.ends, seg.joined, strict=True)):
        spaced = i > 0 and any(c.isspace() for c in text[previous_end:start])
        for n in (start - previous_end, (end - start) * 4 + spaced * 2 + joined):
            out.append(chr(n + 0x800 if n >= 0xD800 else n))
        previous_end = end
    return "".join(out) if seg.starts else ""


@pytest.mark.parametrize("size", [1, 0xD7FF, 0xD800, 70_000])
def test_spans_are_encoded_as_they_always_were(seed, size):
    title, body, _ = seed
    for text in (title, body, "", "x" * size + " Hà Nội " + "y" * size, *ODD_TEXTS):
        seg = segment(text)
        assert encode_spans(seg, text) == reference_encoding(seg, text)


@pytest.mark.parametrize("text", ODD_TEXTS + ["\n\n".join(ODD_TEXTS) * 4])
@pytest.mark.parametrize("query", [["Hà", "Nội"], ["ha", "noi"], ["hòa", "thủy"], ["kỷ", "covid"]])
def test_spans_of_the_first_format_give_the_same_snippets(seed, text, query):
    """Indexes built before the spaces were stored find their units from the gaps."""
    _, body, _ = seed
    query = terms(*query)
    for sample in (text, body):
        seg = segment(sample)
        old, new = first_format(seg), encode_spans(seg, sample)
        assert snippet(sample, old, query) == snippet(sample, new, query)
        assert highlight_all(sample, old, query) == highlight_all(sample, new, query)
        found = snippets._analyse(sample, new, query)
        assert doc_fields(snippets._analyse(sample, old, query)) == doc_fields(found)
        # Marks read from postings (indexer.highlight.marks) instead of looked for in the text:
        marks = {i: str(bit) for i, bit in zip(found.matched, found.bits, strict=True)}
        with_marks = doc_fields(snippets._analyse(sample, new, query, marks))
        assert doc_fields(snippets._analyse(sample, old, query, marks)) == with_marks
        assert with_marks == doc_fields(found)


# --- the array path finds what looking at every syllable finds ---------------------------------


def doc_fields(doc) -> tuple:
    # Units are lists on one path and arrays of integers on the other: compared as lists.
    return list(doc.firsts), list(doc.starts), list(doc.ends), doc.matched, doc.units, doc.bits


def both_ways(text: str, spans: str, query: MatchTerms) -> tuple[tuple, tuple]:
    fast = snippets._analyse(text, spans, query)
    each = snippets._analyse_each(text, decode_spans(spans), query)
    return doc_fields(fast), doc_fields(each)


def test_array_path_marks_what_every_syllable_marks_on_wiki_passages():
    from tests.passages import wiki_passages

    rng = random.Random(6)
    compared = marked = 0
    for doc in wiki_passages(200):
        for text in (doc.title, doc.body):
            spans = spans_of(text)
            syllables = [text[start:end] for start, end, _ in decode_spans(spans)]
            for _ in range(3):
                words = rng.sample(syllables, min(len(syllables), rng.randint(1, 3)))
                words = [fold(w) if rng.random() < 0.4 else w for w in words]
                fast, each = both_ways(text, spans, terms(*words, "không", "xyzzy"))
                assert fast == each, (doc.id, words)
                compared += 1
                marked += bool(fast[3])
    assert compared == 1200 and marked > 1000


@pytest.mark.parametrize("text", ODD_TEXTS)
@pytest.mark.parametrize(
    "query", [["Hà", "Nội"], ["ha", "noi"], ["hòa", "thủy"], ["ki", "quy"], ["istanbul", "σοφία"]]
)
def test_array_path_marks_what_every_syllable_marks_on_odd_text(text, query):
    fast, each = both_ways(text, spans_of(text), terms(*query))
    assert fast == each
