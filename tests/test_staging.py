"""Segments built outside the index folder and moved in by a commit (indexer.store.staging)."""

from __future__ import annotations

import os
import subprocess
import sys

from whoosh import index as whoosh_index

from indexer.documents.model import Document
from indexer.searching.service import search
from indexer.store.build import write_documents
from indexer.store.commits import WRITER_TIMEOUT_S, committing, open_or_create
from indexer.store.indexed_fields import analyse_document
from indexer.store.staging import (
    STAGING_FOLDER,
    build_segment,
    move_into,
    remove_abandoned,
    staging_folder,
)


def documents(prefix: str, count: int) -> list[Document]:
    return [
        Document(id=f"{prefix}{n}", title=f"Tin {prefix} số {n}", body=f"Hà Nội, ngày {n}.")
        for n in range(count)
    ]


def ids_in(index_dir) -> list[str]:
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        return sorted(fields["id"] for fields in searcher.all_stored_fields())


def commit_staged(index_dir, staged) -> None:
    with committing(open_or_create(index_dir), WRITER_TIMEOUT_S) as (writer, committed):
        for doc_id in staged.ids:
            writer.delete_by_term("id", doc_id, searcher=committed)
        move_into(staged, index_dir)
        writer.add_segment(staged.segment)


def test_a_staged_segment_survives_other_commits_and_then_joins_the_index(tmp_path):
    index_dir = tmp_path / "index"
    write_documents(index_dir, documents("a", 3), workers=1)
    folder = staging_folder(index_dir)
    staged = build_segment(map(analyse_document, documents("b", 4)), folder, 64)
    assert staged.ids == ["b0", "b1", "b2", "b3"]
    assert sorted(os.listdir(folder)) == sorted(staged.files)
    # Whoosh deletes the files of segments a commit's table of contents does not name: in the
    # index folder, this commit would have deleted the segment being built.
    write_documents(index_dir, documents("c", 2), workers=1)
    assert sorted(os.listdir(folder)) == sorted(staged.files)

    commit_staged(index_dir, staged)
    assert ids_in(index_dir) == ["a0", "a1", "a2", "b0", "b1", "b2", "b3", "c0", "c1"]
    assert os.listdir(folder) == []
    assert search(index_dir, "da nang").total == 0
    assert search(index_dir, "ha noi").total == 9  # every body, the staged ones included


def test_a_staged_segment_replaces_committed_documents_with_its_ids(tmp_path):
    index_dir = tmp_path / "index"
    write_documents(index_dir, documents("a", 3), workers=1)
    newer = [Document(id="a1", title="Bản mới", body="Đà Nẵng")]
    staged = build_segment(map(analyse_document, newer), staging_folder(index_dir), 64)
    commit_staged(index_dir, staged)
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        titles = {fields["id"]: fields["title"] for fields in searcher.all_stored_fields()}
    assert titles == {"a0": "Tin a số 0", "a1": "Bản mới", "a2": "Tin a số 2"}


def test_builds_leave_no_staging_folder_behind(tmp_path):
    index_dir = tmp_path / "index"
    summary, _ = write_documents(index_dir, documents("a", 25), workers=2, batch_size=4)
    assert summary.indexed == 25
    assert ids_in(index_dir) == sorted(f"a{n}" for n in range(25))
    assert os.listdir(index_dir / STAGING_FOLDER) == []


def test_folders_of_dead_builds_are_removed_and_live_ones_kept(tmp_path):
    index_dir = tmp_path / "index"
    mine = staging_folder(index_dir)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    abandoned = index_dir / STAGING_FOLDER / f"{dead.stdout.strip()}-deadbeef"
    abandoned.mkdir()
    (abandoned / "MAIN_x.seg").write_bytes(b"half a segment")
    assert remove_abandoned(index_dir) == [abandoned.name]
    assert mine.is_dir() and not abandoned.exists()
