"""The node's mark of writes answered before they were applied, shared by its processes."""

from __future__ import annotations

import multiprocessing

from indexer.replication.acknowledged import AcknowledgedMark


def test_no_mark_reads_zero_and_makes_no_file(tmp_path):
    mark = AcknowledgedMark(tmp_path / "index")
    assert mark.read() == 0
    assert not mark.path.exists()


def test_the_mark_only_rises(tmp_path):
    mark = AcknowledgedMark(tmp_path)
    mark.raise_to(7)
    mark.raise_to(3)
    assert mark.read() == 7
    mark.raise_to(1_000_000_000_000)
    assert AcknowledgedMark(tmp_path).read() == 1_000_000_000_000  # another handle sees it


def _raise_many(folder, start: int) -> None:
    mark = AcknowledgedMark(folder)
    for seq in range(start, 2000, 4):
        mark.raise_to(seq)


def test_processes_raising_it_together_leave_the_highest(tmp_path):
    mark = AcknowledgedMark(tmp_path)
    mark.raise_to(1)  # opened before the fork: each child must open its own
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_raise_many, args=(tmp_path, s)) for s in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    assert [child.exitcode for child in children] == [0, 0, 0, 0]
    assert mark.read() == 1999
