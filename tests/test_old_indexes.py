"""Indexes written before the package layout keep opening, and an index written by another
version is never mistaken for a damaged one (which build and the sample would delete).

tests/data/index_v1 was written by the flat layout: its table of contents pickles
``indexer.analysis.VietnameseTokenizer`` and ``indexer.columns.ColumnCodec``.
"""

import shutil
import subprocess
import sys

import pytest

from indexer import IndexIncompatible, build_index, open_index, search
from indexer.store.opening import open_whoosh
from tests.conftest import ROOT, TEST_DATA

OLD_INDEX = TEST_DATA / "index_v1"


@pytest.fixture
def old_index(tmp_path):
    """A copy, so nothing a test does can change the committed index."""
    copy = tmp_path / "index_v1"
    shutil.copytree(OLD_INDEX, copy, ignore=shutil.ignore_patterns("README.md"))
    return copy


def test_the_committed_index_names_the_old_class_paths():
    toc = next(OLD_INDEX.glob("_MAIN_*.toc")).read_bytes()
    assert b"indexer.analysis" in toc and b"VietnameseTokenizer" in toc
    assert b"indexer.columns" in toc and b"ColumnCodec" in toc


def test_an_index_written_before_the_packages_opens_and_searches(old_index):
    index = open_index(old_index)
    try:
        assert index.doc_count() == 13
        page = search(index, "ha noi")
        assert page.hits[0].id == "000_e74d3da79069b4c0"
        assert "<mark>Hà Nội</mark>" in page.hits[0].title_html
    finally:
        index.close()


def test_an_old_index_takes_new_documents(old_index, tmp_path):
    source = tmp_path / "moi.txt"
    source.write_text("Tin mới về Đà Lạt\n\nĐà Lạt mùa hoa dã quỳ.\n", encoding="utf-8")
    summary = build_index([source], old_index, workers=1)
    assert summary.indexed == 1
    assert search(old_index, "Đà Lạt mùa hoa dã quỳ").hits[0].id == "moi"
    assert search(old_index, "ha noi").total >= 1


def _toc_naming(path, module: bytes):
    """Rewrite the old index's table of contents so it names a module this version lacks."""
    toc = next(path.glob("_MAIN_*.toc"))
    data = toc.read_bytes()
    # Same length, so the pickle's framing stays valid: only the class path is wrong.
    toc.write_bytes(data.replace(b"indexer.columns", module))
    return toc


def test_an_index_naming_a_missing_class_is_incompatible_not_damaged(old_index):
    toc = _toc_naming(old_index, b"indexer.colunns")
    with pytest.raises(IndexIncompatible) as caught:
        open_whoosh(old_index)
    assert "indexer.colunns" in str(caught.value)
    assert "another version" in str(caught.value)
    assert toc.exists()


def test_build_leaves_an_incompatible_index_alone(old_index):
    _toc_naming(old_index, b"indexer.colunns")
    before = sorted(p.name for p in old_index.iterdir())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "indexer",
            "build",
            str(TEST_DATA / "corpus"),
            "--index",
            str(old_index),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "another version of vietsearch" in result.stderr
    assert sorted(p.name for p in old_index.iterdir()) == before


def test_new_indexes_pickle_the_new_class_paths(tmp_path):
    build_index([TEST_DATA / "corpus"], tmp_path / "new", workers=1)
    toc = next((tmp_path / "new").glob("_MAIN_*.toc")).read_bytes()
    assert b"indexer.language.analysis" in toc and b"indexer.codec.postings" in toc
    assert b"ColumnCodec" not in toc
