"""A replicated index's position in its write log, recorded in the commit it describes
(indexer.store.positions, LiveWriter.apply_log), and snapshots (indexer.replication.snapshots).

The kill -9 trials show the position is exact: whenever a process applying the log dies, the
index's documents are exactly those of the batches up to its recorded position, so starting
again from there skips none and applies none twice.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer import SnapshotError, restore, snapshot
from indexer.documents.model import Document
from indexer.store.commits import open_or_create, optimize
from indexer.store.live import LiveWriter, LogChange, Written
from indexer.store.positions import (
    POSITIONS_DIR,
    latest_generation,
    outcome_of,
    read_position,
)
from tests.conftest import ROOT
from tests.log_applier_worker import change

KILLS = 15
LAST_SEQ = 400


def documents(index_dir: Path) -> dict[str, str]:
    """id -> body of every live document of the latest commit."""
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        return {f["id"]: f.get("body", "") for f in searcher.all_stored_fields()}


def expected_after(seq: int) -> dict[str, str]:
    """What an index holds after applying batches 1..seq of tests.log_applier_worker."""
    applied = [s for s in range(1, seq + 1) if change(s).valid]
    out = {f"d-{s}": "" for s in applied}
    if applied:
        out["last"] = str(applied[-1])
    return out


def put(seq: int, *ids: str) -> LogChange:
    return LogChange(seq, tuple(Document(id=i, title=f"Tin {i}") for i in ids))


def test_each_commit_records_the_last_batch_it_applies_and_what_each_did(tmp_path):
    writer = LiveWriter(tmp_path)
    assert read_position(tmp_path).seq == 0
    results = writer.apply_log(
        [
            put(1, "a", "b"),
            put(2, "c"),
            LogChange(3, valid=False),
            put(4, "a"),
            LogChange(5, deletions=("zz",)),
        ]
    )
    assert results == [Written(2), Written(1), Written(), Written(0, 1), Written()]
    assert read_position(tmp_path).seq == 5
    # "a" twice: batches 1-3 in one commit, 4-5 in the next (Whoosh cannot add and delete an id
    # in one commit).
    assert [outcome_of(tmp_path, s) for s in range(1, 6)] == [
        [2, 0, 0],
        [1, 0, 0],
        None,
        [0, 1, 0],
        [0, 0, 0],
    ]
    assert results[0].seq == results[2].seq == results[3].seq - 1
    assert sorted(documents(tmp_path)) == ["a", "b", "c"]


def test_a_commit_that_applies_no_batch_keeps_the_position(tmp_path):
    writer = LiveWriter(tmp_path)
    writer.apply_log([put(1, "a"), put(2, "b")])
    writer.replace([Document(id="local", title="x")])
    optimize(tmp_path)
    assert read_position(tmp_path).seq == 2
    assert read_position(tmp_path).generation == latest_generation(tmp_path)


def test_the_record_of_a_commit_that_never_happened_is_removed_by_the_next_writer(tmp_path):
    LiveWriter(tmp_path).apply_log([put(1, "a")])
    position = read_position(tmp_path)
    # What a process killed between writing its record and renaming its table of contents
    # leaves: a record for the next generation.
    unfinished = tmp_path / POSITIONS_DIR / f"{position.generation + 1}.json"
    record = {"generation": position.generation + 1, "seq": 9, "first": 2, "outcomes": {}}
    unfinished.write_text(json.dumps(record))
    assert read_position(tmp_path).seq == 1  # only generations that were committed count
    optimize(tmp_path)  # a commit of that generation that applies no batch
    assert not unfinished.exists() or json.loads(unfinished.read_text())["seq"] != 9
    assert read_position(tmp_path).seq == 1


def test_a_new_index_in_an_old_folder_has_no_position(tmp_path):
    LiveWriter(tmp_path).apply_log([put(1, "a"), put(2, "b")])
    for name in os.listdir(tmp_path):
        if name.startswith(("_MAIN_", "MAIN_")) and (tmp_path / name).is_file():
            (tmp_path / name).unlink()
    open_or_create(tmp_path)
    assert read_position(tmp_path).seq == 0


@pytest.mark.slow
def test_kill_9_while_applying_the_log_leaves_documents_and_position_in_step(tmp_path):
    index = tmp_path / "index"
    open_or_create(index)
    rng = random.Random(19)
    command = [sys.executable, "-m", "tests.log_applier_worker", str(index), str(LAST_SEQ)]
    kills = positions = 0
    errors = tmp_path / "worker.err"
    while kills < KILLS:
        with open(errors, "wb") as stderr:
            worker = subprocess.Popen(command, cwd=ROOT, stderr=stderr)
        start = read_position(index).seq
        deadline = time.monotonic() + 60
        while read_position(index).seq == start and worker.poll() is None:
            assert time.monotonic() < deadline, "no commit in time"
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.3))
        if worker.poll() is not None:
            assert worker.returncode == 0, errors.read_text()
            break
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
        seq = read_position(index).seq
        positions += seq > start
        assert documents(index) == expected_after(seq), f"after kill {kills} at seq {seq}"
    assert kills == KILLS and positions >= KILLS // 2
    subprocess.run(command, cwd=ROOT, check=True, timeout=120)
    assert read_position(index).seq == LAST_SEQ
    assert documents(index) == expected_after(LAST_SEQ)


# --- snapshots ---------------------------------------------------------------------------------


def test_a_snapshot_is_one_commit_with_its_position_taken_while_writes_go_on(tmp_path):
    index = tmp_path / "index"
    writer = LiveWriter(index)
    writer.apply_log([put(s, f"d-{s}") for s in range(1, 30)])
    stop = threading.Event()
    applied = [29]

    def keep_writing() -> None:
        while not stop.is_set():
            seq = applied[-1] + 1
            writer.apply_log([put(seq, f"d-{seq}")])
            applied.append(seq)

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        taken = [snapshot(index, tmp_path / f"snap-{i}") for i in range(5)]
    finally:
        stop.set()
        thread.join()
    for snap in taken:
        held = documents(Path(snap.path))
        assert sorted(held) == sorted(f"d-{s}" for s in range(1, snap.applied_seq + 1))
        assert read_position(snap.path).seq == snap.applied_seq
        assert snap.linked  # the same file system: hard links
    assert taken[-1].applied_seq > taken[0].applied_seq  # writes went on meanwhile


def test_restore_replaces_an_index_and_keeps_its_position(tmp_path):
    source, other = tmp_path / "source", tmp_path / "other"
    LiveWriter(source).apply_log([put(1, "a"), put(2, "b")])
    writer = LiveWriter(other)
    writer.apply_log([put(s, f"x-{s}") for s in range(1, 9)])
    writer.withdraw()  # as a server stopped before a restore
    snap = snapshot(source, tmp_path / "snap")
    restored = restore(snap.path, other)
    assert (restored.applied_seq, read_position(other).seq) == (2, 2)
    assert sorted(documents(other)) == ["a", "b"]
    LiveWriter(other).apply_log([put(3, "c")])  # it goes on from there
    assert sorted(documents(other)) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "case, words",
    [
        ("out exists", "not empty"),
        ("not a snapshot", "not a snapshot"),
        ("server running", "stop it"),
    ],
)
def test_snapshot_and_restore_refuse_with_a_reason(tmp_path, case, words):
    index = tmp_path / "index"
    writer = LiveWriter(index)
    writer.apply_log([put(1, "a")])
    with pytest.raises(SnapshotError, match=words):
        if case == "out exists":
            (tmp_path / "out").mkdir()
            (tmp_path / "out" / "x").write_text("x")
            snapshot(index, tmp_path / "out")
        elif case == "not a snapshot":
            restore(index, tmp_path / "elsewhere")
        else:
            writer.announce()  # what a running server does
            restore(snapshot(index, tmp_path / "snap").path, index)
