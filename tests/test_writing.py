"""Writing the index: incremental builds, pruning, duplicate ids, limits and worker processes.

Everything runs on real Whoosh indexes in tmp_path with real pyvi; ``--prune`` goes through the
command line because that is where the skipped files are worked out.
"""

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer import build_index, open_index, search
from indexer.documents.model import (
    MAX_TEXT_CHARS,
    Document,
    InvalidDocument,
    Problem,
    check_length,
    document_from_mapping,
)
from indexer.store.build import merge_batches, write_documents
from indexer.store.commits import committing, open_or_create, replace_document
from indexer.store.indexed_fields import analyse_document
from indexer.store.locks import announce_live_writer
from tests.conftest import ROOT, SEED_DIR, TEST_DATA

CORPUS = TEST_DATA / "corpus"


def stored_documents(index_dir: Path) -> list[dict]:
    """The stored fields of every live document, in index order (duplicates kept)."""
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        return list(searcher.all_stored_fields())


def live_ids(index_dir: Path) -> list[str]:
    return sorted(fields["id"] for fields in stored_documents(index_dir))


def hit_ids(index_dir: Path, query: str) -> list[str]:
    index = open_index(index_dir)
    try:
        return [hit.id for hit in search(index, query, per_page=100).hits]
    finally:
        index.close()


def run_build(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indexer", "build", *map(str, args), "--workers", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def counts(summary) -> tuple[int, int, int, int, int]:
    return (summary.indexed, summary.unchanged, summary.skipped, summary.rejected, summary.deleted)


@pytest.mark.parametrize(
    ("file", "old", "new", "doc_id"),
    [
        ("c05-an-ninh-web-xss.txt", "JavaScript", "VBScript", "c05-an-ninh-web-xss"),
        ("corpus.jsonl", "Kiatisak", "Troussier", "c09-bong-da-vleague"),
    ],
    ids=["txt", "jsonl"],
)
def test_rebuild_skips_unchanged_and_redoes_the_changed_document(tmp_path, file, old, new, doc_id):
    src, index_dir = shutil.copytree(CORPUS, tmp_path / "src"), tmp_path / "index"
    assert counts(build_index([src], index_dir, workers=1)) == (12, 0, 0, 0, 0)
    assert counts(build_index([src], index_dir, workers=1)) == (0, 12, 0, 0, 0)
    assert hit_ids(index_dir, old) == [doc_id]
    assert hit_ids(index_dir, new) == []

    text = (src / file).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (src / file).write_text(text.replace(old, new), encoding="utf-8")

    assert counts(build_index([src], index_dir, workers=1)) == (1, 11, 0, 0, 0)
    assert hit_ids(index_dir, new) == [doc_id]
    assert hit_ids(index_dir, old) == []
    assert len(live_ids(index_dir)) == 12
    assert len(set(live_ids(index_dir))) == 12


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_prune_deletes_documents_whose_file_is_gone(tmp_path):
    src, index_dir = tmp_path / "src", tmp_path / "index"
    for name, city in (("a", "Hà Nội"), ("b", "Huế"), ("c", "Cần Thơ")):
        _write(src / f"{name}.txt", f"Tin {city}\n\n{city} đón mùa du lịch mới.\n")
    first = run_build(src, "--index", index_dir)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("indexed 3, unchanged 0, skipped 0, rejected 0, deleted 0 ")

    (src / "b.txt").unlink()
    kept = run_build(src, "--index", index_dir)
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.startswith("indexed 0, unchanged 2, skipped 0, rejected 0, deleted 0 ")
    assert live_ids(index_dir) == ["a", "b", "c"]

    pruned = run_build(src, "--index", index_dir, "--prune")
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("indexed 0, unchanged 2, skipped 0, rejected 0, deleted 1 ")
    assert live_ids(index_dir) == ["a", "c"]


@pytest.mark.parametrize("via_symlink", [False, True], ids=["folder", "symlinked-folder"])
def test_prune_keeps_documents_of_a_file_skipped_this_time(tmp_path, via_symlink):
    real, index_dir = tmp_path / "real", tmp_path / "index"
    _write(real / "a.txt", "Tin Huế\n\nHuế đón mùa du lịch mới.\n")
    _write(real / "b.txt", "Tin Vinh\n\nVinh khai trương công viên.\n")
    source = real
    if via_symlink:
        source = tmp_path / "link"
        source.symlink_to(real, target_is_directory=True)
    assert run_build(source, "--index", index_dir).returncode == 0
    assert live_ids(index_dir) == ["a", "b"]

    (real / "b.txt").write_bytes(b"\x00\x01\x02 not text any more")
    result = run_build(source, "--index", index_dir, "--prune")
    assert result.returncode == 0, result.stderr
    assert "b.txt: skipped: binary file" in result.stderr
    # The file is still there, only unreadable: its document must survive the prune.
    assert result.stdout.startswith("indexed 0, unchanged 1, skipped 1, rejected 0, deleted 0 ")
    assert live_ids(index_dir) == ["a", "b"]


@pytest.mark.parametrize("batch_size", [1000, 2, 1], ids=["one-batch", "batch-2", "batch-1"])
def test_the_same_id_twice_in_one_build_keeps_the_later_document(tmp_path, batch_size):
    docs = [
        Document(id="x", title="Bản cũ", body="Đà Lạt se lạnh."),
        Document(id="y", title="Tin khác", body="Phú Quốc nắng đẹp."),
        Document(id="x", title="Bản mới", body="Đà Lạt mưa phùn."),
    ]
    write_documents(tmp_path, docs, workers=1, batch_size=batch_size)
    stored = stored_documents(tmp_path)
    assert sorted(fields["id"] for fields in stored) == ["x", "y"]
    assert [fields["title"] for fields in stored if fields["id"] == "x"] == ["Bản mới"]
    assert hit_ids(tmp_path, "mưa phùn") == ["x"]
    assert hit_ids(tmp_path, "se lạnh") == []


def _docs(version: dict[str, int]) -> list[Document]:
    return [
        Document(id=f"d{n}", title=f"Tin số {n} bản {v}", body=f"Nội dung {n}, phiên bản {v}.")
        for n, v in version.items()
    ]


def test_ids_stay_unique_across_builds_and_adds(tmp_path):
    version = {n: 1 for n in range(6)}
    runs = [
        dict(skip_unchanged=True, batch_size=1000),
        dict(skip_unchanged=True, batch_size=2),  # unchanged: nothing written
        dict(skip_unchanged=False, batch_size=4),  # add: every document rewritten
        dict(skip_unchanged=True, batch_size=1),
    ]
    for run, options in enumerate(runs):
        if run == 3:
            version.update({1: 2, 4: 2})
        summary, seen = write_documents(tmp_path, _docs(version), workers=1, **options)
        assert seen == {f"d{n}" for n in version}
        ids = [fields["id"] for fields in stored_documents(tmp_path)]
        assert Counter(ids) == Counter({f"d{n}": 1 for n in version}), f"after run {run}"
    assert (summary.indexed, summary.unchanged) == (2, 4)
    titles = {fields["id"]: fields["title"] for fields in stored_documents(tmp_path)}
    assert titles["d1"] == "Tin số 1 bản 2"
    assert titles["d0"] == "Tin số 0 bản 1"


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("", "a" * (MAX_TEXT_CHARS + 1)),
        ("Tựa", "á" * (MAX_TEXT_CHARS - 2)),
    ],
    ids=["body", "title-plus-body"],
)
def test_document_over_the_size_limit_is_rejected_and_counted(tmp_path, title, body):
    assert MAX_TEXT_CHARS == 500_000
    problems: list[Problem] = []
    docs = [
        Document(id="small", title="Tin ngắn", body="Quảng Ninh đón khách."),
        Document(id="huge", title=title, body=body, origin="/data/huge.jsonl"),
    ]
    summary, _ = write_documents(tmp_path, docs, workers=1, report=problems.append)
    assert (summary.indexed, summary.rejected) == (1, 1)
    assert [(p.kind, p.path) for p in problems] == [("rejected", "/data/huge.jsonl")]
    assert "huge" in problems[0].reason and "500,000" in problems[0].reason
    assert live_ids(tmp_path) == ["small"]


@pytest.mark.parametrize(
    ("chars", "rejected"), [(MAX_TEXT_CHARS, False), (MAX_TEXT_CHARS + 1, True)]
)
def test_the_size_limit_counts_title_and_body_together(chars, rejected):
    # check_length alone: analysing half a million characters with pyvi takes too long.
    title, body = "Tựa", "x" * (chars - 3)
    if rejected:
        with pytest.raises(InvalidDocument, match="500,000"):
            check_length(title, body)
        with pytest.raises(InvalidDocument, match="500,000"):
            document_from_mapping({"id": "edge", "title": title, "body": body})
    else:
        check_length(title, body)
        assert document_from_mapping({"id": "edge", "title": title, "body": body}).body == body


def _index_contents(index_dir: Path) -> tuple[dict, set]:
    """Stored fields by id, and every (field, term) the index holds."""
    ix = whoosh_index.open_dir(index_dir)
    with ix.searcher() as searcher:
        stored = {fields["id"]: fields for fields in searcher.all_stored_fields()}
        terms = set(searcher.reader().all_terms())
    return stored, terms


def test_two_workers_index_exactly_what_one_worker_does(tmp_path, corpus_index):
    summary = build_index([CORPUS, SEED_DIR], tmp_path, workers=2, batch_size=5)
    assert counts(summary) == (13, 0, 0, 0, 0)
    one_stored, one_terms = _index_contents(corpus_index)
    two_stored, two_terms = _index_contents(tmp_path)
    assert len(two_stored) == 13
    assert two_stored == one_stored
    assert two_terms == one_terms


def test_preloaded_lengths_answer_as_whooshs_reader(tmp_path):
    """The writer's lengths come from whole columns (indexer.codec.lengths); every answer must be
    the one Whoosh's own per-document reader gives, since block statistics are built from them."""
    from whoosh.codec.whoosh3 import W3Codec

    from indexer.codec.lengths import PreloadedLengths

    documents = [
        Document(id=f"d{n}", title="Hà Nội " * n, body="mưa " * (n * 7)) for n in range(1, 40)
    ]
    write_documents(tmp_path, documents, workers=1)
    ix = open_or_create(tmp_path)
    (segment,) = ix._segments()
    perdoc = W3Codec().per_document_reader(ix.storage, segment)
    preloaded = PreloadedLengths(W3Codec().per_document_reader(ix.storage, segment))
    checked = 0
    for fieldname in ("title", "body", "title_fold", "body_fold", "fold_bigrams", "url"):
        for docnum in range(segment.doc_count_all()):
            expected = perdoc.doc_field_length(docnum, fieldname)
            assert preloaded.doc_field_length(docnum, fieldname) == expected, (fieldname, docnum)
            checked += expected is not None
    assert checked > 150
    perdoc.close()
    preloaded.close()


def segment_sizes(index_dir: Path) -> list[int]:
    return sorted(
        segment.doc_count_all() for segment in whoosh_index.open_dir(index_dir)._segments()
    )


def numbered_documents(count: int, version: int = 1) -> list[Document]:
    return [
        Document(
            id=f"m{n:03d}", title=f"Bản tin {n}", body=f"Nội dung số {n}, phiên bản {version}."
        )
        for n in range(count)
    ]


def test_a_build_merges_its_batches_into_one_segment(tmp_path):
    summary, _ = write_documents(tmp_path, numbered_documents(45), batch_size=10, workers=2)
    assert summary.indexed == 45
    assert segment_sizes(tmp_path) == [45]
    hits = search(tmp_path, "phiên bản", per_page=100)
    assert sorted(hit.id for hit in hits.hits) == [f"m{n:03d}" for n in range(45)]


def test_the_next_build_merges_what_an_interrupted_one_left(tmp_path):
    # An interrupted build commits its batches but never merges them.
    write_documents(tmp_path, numbered_documents(30), batch_size=10, workers=1, merge=False)
    assert segment_sizes(tmp_path) == [10, 10, 10]
    summary, _ = write_documents(tmp_path, numbered_documents(30), batch_size=10, workers=1)
    assert (summary.indexed, summary.unchanged) == (0, 30)
    assert segment_sizes(tmp_path) == [30]


def test_bigger_segments_and_a_live_writer_are_left_alone(tmp_path):
    write_documents(tmp_path, numbered_documents(30), batch_size=10, workers=1)
    changed = numbered_documents(12, version=2)
    write_documents(tmp_path, changed[:2], batch_size=10, workers=1)  # one small segment
    assert sorted(segment_sizes(tmp_path)) == [2, 30]  # the 30 (2 deleted) stay as they are
    descriptor = announce_live_writer(tmp_path)
    try:
        write_documents(tmp_path, changed[2:], batch_size=5, workers=1)
        assert segment_sizes(tmp_path) == [2, 5, 5, 30]  # no merge while a server writes
    finally:
        os.close(descriptor)
    write_documents(tmp_path, changed, batch_size=10, workers=1)  # nothing new: merges
    assert segment_sizes(tmp_path) == [12, 30]


def test_merged_segments_stop_growing_at_a_bound(tmp_path):
    documents = numbered_documents(45)
    for first in range(0, 45, 5):  # nine segments of five, as a build commits them
        with committing(open_or_create(tmp_path), 60, merge=False) as (writer, committed):
            for document in documents[first : first + 5]:
                replace_document(writer, committed, analyse_document(document))
    assert segment_sizes(tmp_path) == [5] * 9
    assert merge_batches(tmp_path, batch_size=5, most_docs=20) == 2
    assert segment_sizes(tmp_path) == [5, 20, 20]  # the last small one alone is left
    assert search(tmp_path, "phiên bản", per_page=100).total == 45
