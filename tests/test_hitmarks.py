"""Marks read from the postings' positions (indexer.highlight.marks) are the marks snippets find
in the text, on real indexes on disk: Wikipedia passages, the Vietnamese text traps, several
segments."""

from __future__ import annotations

import importlib
import random
import unicodedata

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from indexer import open_index, search
from indexer.codec.spans import decode_spans
from indexer.documents.model import Document
from indexer.highlight.marks import hit_marks
from indexer.highlight.snippets import MatchTerms, _analyse, highlight_all, snippet
from indexer.language.normalize import fold
from indexer.language.segmentation import segment
from indexer.store.build import write_documents
from indexer.store.indexed_fields import analyse_document
from indexer.store.schema import build_schema
from tests.passages import wiki_passages
from tests.test_segmentwriter import whoosh_fields

TRAPS = [
    unicodedata.normalize("NFD", "Hà Nội và Đà Nẵng, Thủy điện Hòa Bình"),
    "Hà\u200bNội, Ha\u0300 Nô\u0323i và Ðà Nẵng\u00a0mới",
    "hoà bình, thuỷ lợi, qúy khách, HÒA BÌNH, hòa bình",
    "VIỆT NAM, việt nam và Việt Nam; İstanbul và Σ ΣΟΦΊΑ, 한국 가 và Hà Nội",
    "COVID-19 (2,5%) tại TP.HCM: “kỷ lục” ký kết, Kỳ và Kì, quý và quí",
    "a" * 60 + " Hà Nội " + "b" * 50 + " Hà.Nội.Hà.Nội " + "x" * 300,
]
TRAP_QUERIES = [
    ["Hà", "Nội"],
    ["ha", "noi"],
    ["hòa", "thủy"],
    ["hoa", "binh"],
    ["ki", "quy"],
    ["việt", "nam"],
    ["Đà", "nẵng"],
    ["istanbul", "σοφία"],
    ["kỷ", "lục", "covid"],
]


def trap_documents() -> list[Document]:
    """Each trap as a title and, repeated within longer text, as a body (both snippet paths)."""
    filler = "Nội dung bài viết này nói về nhiều chuyện khác nhau của thành phố. " * 6
    return [
        Document(id=f"trap-{n}", title=text, body=f"{filler}{text} {filler}{text}")
        for n, text in enumerate(TRAPS)
    ]


def segment_offsets(text: str) -> tuple[list[int], list[int]]:
    seg = segment(text)
    return seg.starts, seg.ends


def random_queries(documents: list[Document], count: int) -> list[list[str]]:
    """1-3 syllables taken from the documents, some folded, as people would type them."""
    rng = random.Random(6)
    queries = []
    for doc in rng.sample(documents, count):
        text = doc.body[:3000] or doc.title
        syllables = [text[start:end] for start, end in zip(*segment_offsets(text), strict=True)]
        words = rng.sample(syllables, min(len(syllables), rng.randint(1, 3)))
        queries.append([fold(w) if rng.random() < 0.4 else w for w in words])
    return queries


def compare(index_dir, queries: list[list[str]]) -> tuple[int, int]:
    """For every query and every document: the marks from positions against the text's, for
    title and body. Returns (documents compared, documents with marks)."""
    compared = marked = 0
    index = open_index(index_dir)
    searcher = index.searcher()
    try:
        docnums = list(range(searcher.doc_count_all()))
        stored = [searcher.stored_fields(d) for d in docnums]
        for query in queries:
            terms = MatchTerms.from_syllables(query)
            for field, spans_field in (("title", "title_spans"), ("body", "body_spans")):
                found = hit_marks(searcher, docnums, terms, field, f"{field}_fold")
                assert found is not None
                for fields, marks in zip(stored, found, strict=True):
                    text, spans = fields.get(field, ""), fields.get(spans_field, "")
                    if not spans:
                        continue
                    from_text = _analyse(text, spans, terms)
                    from_positions = _analyse(text, spans, terms, marks)
                    assert (from_positions.matched, from_positions.bits) == (
                        from_text.matched,
                        from_text.bits,
                    ), (query, fields["id"], field)
                    assert snippet(text, spans, terms, marks=marks) == snippet(text, spans, terms)
                    assert highlight_all(text, spans, terms, marks) == highlight_all(
                        text, spans, terms
                    )
                    compared += 1
                    marked += bool(marks)
    finally:
        index.close()
    return compared, marked


@pytest.fixture(scope="module")
def dev_index(tmp_path_factory):
    documents = wiki_passages(200) + trap_documents()
    path = tmp_path_factory.mktemp("hitmarks")
    # Batches of 70 without the final merge: three segments, so docnums carry offsets.
    write_documents(path, documents, batch_size=70, workers=1, merge=False)
    return path, documents


def test_the_fixture_has_several_segments(dev_index):
    path, _ = dev_index
    assert len(whoosh_index.open_dir(path).reader().leaf_readers()) >= 3


def test_positions_mark_what_the_text_marks_on_wiki_passages(dev_index):
    path, documents = dev_index
    compared, marked = compare(path, random_queries(documents[:200], 12))
    assert compared == 12 * 2 * 206
    assert marked > 200


def test_positions_mark_what_the_text_marks_on_the_traps(dev_index):
    path, _ = dev_index
    compared, marked = compare(path, TRAP_QUERIES)
    assert compared == len(TRAP_QUERIES) * 2 * 206
    assert marked >= 2 * len(TRAPS)


def test_search_pages_are_the_same_with_marks_from_the_text(dev_index, monkeypatch):
    path, documents = dev_index
    queries = [" ".join(q) for q in TRAP_QUERIES + random_queries(documents[:200], 20)]
    index = open_index(path)
    try:
        pages = [search(index, q).to_dict()["hits"] for q in queries]
        module = importlib.import_module("indexer.searching.service")
        monkeypatch.setattr(module, "hit_marks", lambda *args: None)
        assert [search(index, q).to_dict()["hits"] for q in queries] == pages
    finally:
        index.close()
    assert sum("<mark>" in hit["snippet_html"] for page in pages for hit in page) > 100


def test_phrases_leave_the_marks_to_the_text(dev_index):
    path, _ = dev_index
    index = open_index(path)
    try:
        terms = MatchTerms.from_syllables(["Ủy ban nhân dân", "hà"])
        assert hit_marks(index.searcher(), [0, 1], terms, "body", "body_fold") is None
    finally:
        index.close()


def test_a_segment_in_whooshs_own_format_leaves_the_marks_to_the_text(tmp_path):
    ix = whoosh_index.create_in(tmp_path, build_schema())
    writer = SegmentWriter(ix)
    doc = Document(id="old", title="Hà Nội", body="Thủ đô Hà Nội mùa thu.")
    writer.add_document(**whoosh_fields(doc, analyse_document(doc)))
    writer.commit()
    index = open_index(tmp_path)
    try:
        assert (
            hit_marks(index.searcher(), [0], MatchTerms.from_syllables(["hà"]), "body", "body_fold")
            is None
        )
        assert search(index, "hà nội").hits[0].snippet_html == "Thủ đô <mark>Hà Nội</mark> mùa thu."
    finally:
        index.close()


def test_marks_beyond_the_spans_are_not_trusted():
    from indexer.codec.spans import encode_spans

    text = "Thủ đô Hà Nội mùa thu. " * 10
    spans = encode_spans(segment(text), text)
    terms = MatchTerms.from_syllables(["thu"])
    wrong = {len(decode_spans(spans)) + 5: "thu"}
    assert snippet(text, spans, terms, marks=wrong) == snippet(text, spans, terms)
    assert "<mark>" in snippet(text, spans, terms)


def _storage_index(kind: str, path):
    """An index of 60 Wikipedia passages, as searchers open it: one compound segment file,
    separate files, or in memory."""
    from whoosh.filedb.filestore import FileStorage, RamStorage

    from indexer.codec.segment_writer import BulkSegmentWriter

    storage = RamStorage() if kind == "memory" else FileStorage(str(path))
    ix = storage.create_index(build_schema())
    writer = BulkSegmentWriter(ix, compound=kind == "compound")
    for doc in wiki_passages(60):
        writer.add_indexed(analyse_document(doc))
    writer.commit()
    return ix if kind == "memory" else open_index(path)


@pytest.mark.parametrize("one_read", [True, False])
@pytest.mark.parametrize("kind", ["compound", "separate", "memory"])
def test_positions_in_reads_what_the_matcher_reads(kind, one_read, tmp_path, monkeypatch):
    """Positions come in one read when the hits' lie close together, else a read per hit."""
    from indexer.codec import postings as columns_module

    if not one_read:
        monkeypatch.setattr(columns_module, "_ONE_READ", 0)
    ix = _storage_index(kind, tmp_path)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        columns = reader._terms
        everyone = np.arange(reader.doc_count_all() + 3, dtype=np.int32)  # and 3 past the end
        checked = 0
        for field, term in [
            ("body", "và"),
            ("body_fold", "thanh"),
            ("title", "thành"),
            ("body", "xyzzy"),
        ]:
            expected = [None] * len(everyone)
            if (field, term) in reader:
                matcher = reader.postings(field, term)
                while matcher.is_active():
                    expected[matcher.id()] = list(matcher.value_as("positions"))
                    matcher.next()
            found = columns.positions_in(field, term.encode(), everyone)
            assert found == expected, (field, term)
            checked += sum(p is not None for p in found)
        assert checked > 60
        # Files on disk are read with pread; a file in memory has no descriptor to read.
        assert bool(columns._postings._real_file) == (kind != "memory")


def test_pread_reads_what_read_reads_and_refuses_a_closed_file(tmp_path):
    """pread asks the file for its descriptor at every read: after a close the number may
    belong to another file, so it must fail rather than read that one."""
    from whoosh.filedb.filestore import FileStorage

    from indexer.codec import arrays as arrayfile

    storage = FileStorage(str(tmp_path))
    out = storage.create_file("arrays")
    arrayfile.start(out, b"TEST")
    place = arrayfile.write_array(out, np.arange(1000, dtype=np.int64) * 7)
    arrayfile.finish(out, {"a": place})
    out.close()
    opened = storage.open_file("arrays")
    reader = arrayfile.ArrayReader(opened, storage.file_length("arrays"), b"TEST")
    assert reader.pread(place, 10, 5).tolist() == reader.read(place, 10, 5).tolist()
    assert reader.pread(place).tolist() == [n * 7 for n in range(1000)]
    opened.close()
    with pytest.raises(ValueError):
        reader.pread(place, 0, 3)
