"""BulkSegmentWriter writes what Whoosh's own SegmentWriter writes, on real indexes on disk."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from indexer import segmentwriter
from indexer.analysis import field_terms, segment
from indexer.schema import TEXT_FIELDS, build_schema
from indexer.segmentwriter import BulkSegmentWriter, index_items, token_items
from indexer.sources import Document
from indexer.writing import analyse_document
from tests.conftest import dev_documents


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    docs = dev_documents(240)
    # One term in every document: a posting list of several 128-posting blocks.
    return [
        Document(id=d.id, title=d.title, body=d.body + " Hà Nội.", origin=d.origin) for d in docs
    ]


@pytest.fixture(scope="module")
def analysed(documents) -> list[dict]:
    return [analyse_document(doc) for doc in documents]


def whoosh_fields(doc: Document, analysed: dict) -> dict:
    """The same document as keyword arguments of Whoosh's ``add_document``."""
    plain = {name: value for name, value in analysed.items() if name != "_indexed"}
    title, body = segment(doc.title), segment(doc.body)
    for name, (kind, part) in TEXT_FIELDS.items():
        segs = {"title": (title,), "body": (body,), "both": (title, body)}[part]
        terms = [term for seg in segs for term, _, _ in field_terms(kind, seg)]
        if terms:
            plain[name] = terms
    return plain


def build(path: Path, documents, analysed, bulk: bool) -> None:
    """Two commits of half the documents each, then one that deletes a document and merges."""
    ix = whoosh_index.create_in(path, build_schema())
    writer_class = BulkSegmentWriter if bulk else SegmentWriter
    half = len(documents) // 2
    for part in (slice(0, half), slice(half, None)):
        writer = writer_class(ix, compound=False)
        for doc, fields_ in zip(documents[part], analysed[part], strict=True):
            if bulk:
                writer.add_indexed(fields_)
            else:
                writer.add_document(**whoosh_fields(doc, fields_))
        writer.commit(merge=False)
    (path / "after-two-commits").write_text("\n".join(file_digests(path)))
    writer = writer_class(ix, compound=False)
    writer.delete_by_term("id", documents[3].id)
    writer.commit(optimize=True)


def file_digests(path: Path) -> list[str]:
    """The digests of the segment files (their names hold random segment ids)."""
    return sorted(
        hashlib.sha256(file.read_bytes()).hexdigest()
        for file in path.iterdir()
        if file.name.startswith("MAIN_") and "LOCK" not in file.name
    )


def test_files_are_byte_for_byte_whooshs_with_its_compression(
    tmp_path, documents, analysed, monkeypatch
):
    monkeypatch.setattr(segmentwriter, "MIN_COMPRESSED_BYTES", 0)  # compress every block
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "bulk").mkdir()
    build(tmp_path / "whoosh", documents, analysed, bulk=False)
    build(tmp_path / "bulk", documents, analysed, bulk=True)
    marker = "after-two-commits"
    assert (tmp_path / "bulk" / marker).read_text() == (tmp_path / "whoosh" / marker).read_text()
    assert len((tmp_path / "bulk" / marker).read_text().split()) >= 20  # 2 segments' files
    assert file_digests(tmp_path / "bulk") == file_digests(tmp_path / "whoosh")


def postings_of(path: Path) -> dict:
    """Every term's statistics and postings (ids, weights, values), read with Whoosh."""
    ix = whoosh_index.open_dir(path)
    out = {}
    with ix.reader() as reader:
        assert reader.is_atomic()  # one segment, after the optimize
        for name, tbytes in reader.all_terms():
            field, info = ix.schema[name], reader.term_info(name, tbytes)
            matcher = reader.postings(name, tbytes)
            ids, weights, values = [], [], []
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                values.append(matcher.value())
                matcher.next()
            out[name, tbytes] = (
                info.weight(),
                info.doc_frequency(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
                info.min_id(),
                info.max_id(),
                ids,
                weights,
                values if field.format.fixed_value_size() != 0 else None,
            )
    return out


def test_smaller_blocks_left_uncompressed_read_back_the_same(tmp_path, documents, analysed):
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "bulk").mkdir()
    build(tmp_path / "whoosh", documents, analysed, bulk=False)
    build(tmp_path / "bulk", documents, analysed, bulk=True)
    ours, theirs = postings_of(tmp_path / "bulk"), postings_of(tmp_path / "whoosh")
    assert ours == theirs
    assert len(ours) > 10_000
    assert max(len(entry[7]) for entry in ours.values()) == len(documents) - 1  # several blocks
    # Small blocks stay uncompressed: a little larger, never by more than 1%.
    size = sum(f.stat().st_size for f in (tmp_path / "bulk").iterdir())
    assert size <= 1.01 * sum(f.stat().st_size for f in (tmp_path / "whoosh").iterdir())


def test_token_items_equal_whooshs_index_items(documents):
    schema = build_schema()
    checked = 0
    for doc in documents:
        title, body = segment(doc.title), segment(doc.body)
        for name, (kind, part) in TEXT_FIELDS.items():
            segs = {"title": (title,), "body": (body,), "both": (title, body)}[part]
            terms = [term for seg in segs for term, _, _ in field_terms(kind, seg)]
            assert token_items(schema[name], terms) == index_items(schema[name], terms)
            checked += len(terms)
    assert checked > 100_000


def test_token_items_refuse_formats_they_cannot_encode():
    with pytest.raises(TypeError):
        token_items(fields.TEXT(chars=True), ["a"])
    with pytest.raises(TypeError):
        token_items(fields.TEXT(field_boost=2.0), ["a"])


def test_refuses_schemas_with_term_vectors(tmp_path):
    ix = whoosh_index.create_in(tmp_path, fields.Schema(body=fields.TEXT(vector=True)))
    with pytest.raises(TypeError):
        BulkSegmentWriter(ix)
