"""Files left by commits killed half-way, and ``optimize`` removing them.

A child process writes a document and kills itself with SIGKILL at a chosen step of Whoosh's
commit: before the table of contents is written, or after it is written under its temporary
name but before the rename.
"""

import re
import shutil
import signal
import subprocess
import sys

import pytest
from whoosh import index as whoosh_index

from indexer.store.build import write_documents
from indexer.store.commits import optimize
from tests.conftest import ROOT
from tests.test_live import doc, stored

CRASH = """
import os, signal, sys
from indexer.documents import Document
from indexer.store.build import write_documents

# original, except that a call on the index's own folder kills the process (a build also
# writes a table of contents where it stages its segments, which must go on)
def dying(original, folder_of):
    def patched(*args, **kwargs):
        if os.path.samefile(folder_of(*args), sys.argv[1]):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)
    return patched

{patch}
write_documents(sys.argv[1], [Document(id="mat", title="Bài sẽ mất", body="Không ghi.")], workers=1)
"""
KILL_BEFORE = {
    # The new segment is on disk; no table of contents names it yet.
    "toc-write": (
        "from whoosh.index import TOC; "
        "TOC.write = dying(TOC.write, lambda toc, storage, name: storage.folder)"
    ),
    # The new table of contents is written as _MAIN_<n>.toc.<time>, not yet renamed into place.
    "toc-rename": (
        "from whoosh.filedb.filestore import FileStorage; "
        "FileStorage.rename_file = "
        "dying(FileStorage.rename_file, lambda storage, *a: storage.folder)"
    ),
}
TEMPORARY_TOC = re.compile(r"_MAIN_[0-9]+\.toc\..+")


def segment_files(index_dir) -> tuple[set[str], set[str]]:
    """(segment ids named by the latest table of contents, segment ids that have files)."""
    named = {s.segment_id() for s in whoosh_index.open_dir(index_dir)._segments()}
    present = {
        m[1] for p in index_dir.iterdir() if (m := re.fullmatch(r"(MAIN_[0-9a-z]+)\..+", p.name))
    }
    return named, present


@pytest.mark.parametrize("step", KILL_BEFORE)
def test_optimize_removes_what_a_killed_commit_left(corpus_index, tmp_path, step):
    index_dir = tmp_path / "index"
    shutil.copytree(corpus_index, index_dir)
    (index_dir / "notes.txt").write_text("not the index's", encoding="utf-8")
    before = stored(index_dir)
    script = CRASH.format(patch=KILL_BEFORE[step])
    crashed = subprocess.run([sys.executable, "-c", script, str(index_dir)], cwd=ROOT, timeout=120)
    assert crashed.returncode == -signal.SIGKILL

    named, present = segment_files(index_dir)
    orphans = present - named
    temporary = {p.name for p in index_dir.iterdir() if TEMPORARY_TOC.fullmatch(p.name)}
    # The killed commit's two segments: the one the build staged and moved in, with the
    # document, and the writer's own, which holds nothing.
    assert len(orphans) == 2
    assert len(temporary) == (1 if step == "toc-rename" else 0)
    assert stored(index_dir) == before  # the index opens, as it was

    removed = optimize(index_dir)

    assert temporary <= set(removed)
    assert all(name.split(".")[0] in orphans or name in temporary for name in removed)
    named, present = segment_files(index_dir)
    assert present == named and len(named) == 1
    assert [p.name for p in index_dir.glob("_MAIN_*.toc*")] == [
        f"_MAIN_{whoosh_index.open_dir(index_dir).latest_generation()}.toc"
    ]
    assert not (index_dir / "MAIN.tmp").exists()
    assert (index_dir / "notes.txt").exists()
    assert stored(index_dir) == before
    write_documents(index_dir, [doc("sau-khi-don")], workers=1)
    assert stored(index_dir)["sau-khi-don"] == 1


def test_optimize_on_the_command_line_says_what_it_removed(corpus_index, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(corpus_index, index_dir)
    (index_dir / "_MAIN_99.toc.1700000000.5").write_bytes(b"half a table of contents")
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "optimize", "--index", str(index_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "optimized; removed 1 stale files left by interrupted commits\n"
    assert not (index_dir / "_MAIN_99.toc.1700000000.5").exists()
