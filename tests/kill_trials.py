"""What a process killed in the middle of a commit leaves in an index folder.

A Whoosh commit writes the new segment's files (``MAIN_<id>.*``, while the writer is open),
then its table of contents under a temporary name (``_MAIN_<generation>.toc.<time>``), renames
that into place and deletes what the new generation no longer uses (``whoosh.index.clean_files``).
A kill before the rename leaves segment files no table of contents names and maybe the
temporary table of contents; a kill after it, the previous generation's table of contents.
The kill -9 trials (tests/test_crash.py, tests/test_write_crash.py) count the kills that left
such files, to show that they landed mid-commit, and check that the next commit removes them.
"""

from __future__ import annotations

import os
import re

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

INDEX_NAME = "MAIN"  # Whoosh's default, the one indexer.store.build uses
TEMPORARY_TOC = re.compile(rf"_{INDEX_NAME}_[0-9]+\.toc\..+")


def unfinished_commit_files(index_dir: str | os.PathLike) -> set[str]:
    """The files in ``index_dir`` that a commit wrote but did not finish.

    Segment files whose segment the newest table of contents does not name, tables of contents
    of other generations, and temporary tables of contents. Reading the newest table of contents
    also checks that the index opens.
    """
    storage = FileStorage(os.fspath(index_dir))
    generation = TOC._latest_generation(storage, INDEX_NAME)
    live = {segment.segment_id() for segment in TOC.read(storage, INDEX_NAME, generation).segments}
    toc, segment = TOC._pattern(INDEX_NAME), TOC._segment_pattern(INDEX_NAME)
    unfinished = set()
    for name in storage.list():
        if (toc_match := toc.match(name)) is not None:
            stale = int(toc_match[1]) != generation
        elif (segment_match := segment.match(name)) is not None:
            stale = segment_match[1] not in live
        else:
            stale = TEMPORARY_TOC.fullmatch(name) is not None
        if stale:
            unfinished.add(name)
    return unfinished


def left_behind(leftovers: set[str], index_dir: str | os.PathLike) -> list[str]:
    """Those of ``leftovers`` still in ``index_dir``: what later commits did not remove."""
    return sorted(leftovers & set(os.listdir(index_dir)))


def inside_commit(leftovers: set[str]) -> bool:
    """Whether ``leftovers`` show that the kill came inside ``writer.commit()`` itself.

    A writer creates its new segment's postings files (``.trm``, ``.pst``) as it opens; the
    per-document columns (``.col``), the compound segment (``.seg``) and tables of contents are
    written by the commit.
    """
    finished_by_commit = (".col", ".seg", ".toc")
    return any(
        name.endswith(finished_by_commit) or TEMPORARY_TOC.fullmatch(name) for name in leftovers
    )
