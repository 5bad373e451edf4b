"""Where a replicated index stands in its write log, recorded in the commit it describes.

A node of a cluster applies the write log's batches in order (``indexer.replication``). Each
commit that applies some of them writes a small record, ``applied/<generation>.json``: the
last log sequence the commit covers and what each of its batches did (created, replaced,
deleted). It is written and fsynced *before* the commit's table of contents is renamed into
place, so the newest table of contents always has the right record, and a process killed at
any moment leaves an index whose documents and position agree:

- killed before the rename: the record names a generation no table of contents has; the next
  writer removes it (``remove_unfinished``) before it commits that generation itself;
- killed after it: the commit and its record are both on disk.

A commit that applies no batch (``optimize``, a build) writes no record: the position is then
the record of the newest generation at or below the table of contents'.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from indexer.store.durability import fsync_path

POSITIONS_DIR = "applied"
_RECORD = re.compile(r"^([0-9]+)\.json$")
_TOC = re.compile(r"^_MAIN_([0-9]+)\.toc$")
# Records kept behind the newest: a writer that waits for its batch's outcome reads the record
# of the commit that applied it, seconds later at most.
KEEP_RECORDS = 512


@dataclass(frozen=True)
class Position:
    """The newest commit of an index and the last log sequence its documents include."""

    generation: int
    seq: int


def latest_generation(index_dir: str | os.PathLike) -> int:
    """The generation of the newest table of contents in ``index_dir`` (-1 when none)."""
    names = os.listdir(index_dir) if os.path.isdir(index_dir) else ()
    return max((int(m[1]) for name in names if (m := _TOC.match(name))), default=-1)


def write_record(index_dir: str | os.PathLike, generation: int, outcomes: dict[int, list]) -> None:
    """Record, for the commit ``generation`` about to be made, the outcome of each log
    sequence it applies (``[created, replaced, deleted]``, or None for a batch discarded);
    fsynced with its folder before this returns."""
    folder = Path(index_dir) / POSITIONS_DIR
    folder.mkdir(exist_ok=True)
    path = folder / f"{generation}.json"
    record = {"generation": generation, "seq": max(outcomes), "first": min(outcomes)}
    record["outcomes"] = {str(seq): outcome for seq, outcome in sorted(outcomes.items())}
    with open(path, "w", encoding="utf-8") as out:
        json.dump(record, out)
        out.flush()
        os.fsync(out.fileno())
    fsync_path(folder)


def read_position(index_dir: str | os.PathLike) -> Position:
    """The newest commit's generation and the log sequence it has applied (0: none)."""
    for _ in range(20):
        generation = latest_generation(index_dir)
        record = _record_at_or_below(Path(index_dir), generation)
        if generation == latest_generation(index_dir):  # no commit slipped in between
            return Position(generation, record["seq"] if record else 0)
    raise RuntimeError(f"{index_dir}: commits came too fast to read a position")


def outcome_of(index_dir: str | os.PathLike, seq: int) -> list | None:
    """What the batch with log sequence ``seq`` did, ``[created, replaced, deleted]``, if its
    commit's record is still kept (and the batch was applied, not discarded)."""
    folder = Path(index_dir) / POSITIONS_DIR
    # Only committed generations: a record above the newest is still being written.
    committed = latest_generation(index_dir)
    generations = (g for g in sorted(_generations(folder), reverse=True) if g <= committed)
    for generation in generations:
        record = _load(folder / f"{generation}.json")
        if record and record["first"] <= seq <= record["seq"]:
            return record["outcomes"].get(str(seq))
        if record and record["seq"] < seq:
            return None
    return None


def remove_unfinished(index_dir: str | os.PathLike, next_generation: int) -> None:
    """Remove records of commits that never happened (generation ``next_generation`` or
    later); only the holder of the index's writer may call this."""
    folder = Path(index_dir) / POSITIONS_DIR
    for generation in _generations(folder):
        if generation >= next_generation:
            (folder / f"{generation}.json").unlink(missing_ok=True)


def prune_records(index_dir: str | os.PathLike, newest: int) -> None:
    """Remove the records more than ``KEEP_RECORDS`` generations behind ``newest``."""
    folder = Path(index_dir) / POSITIONS_DIR
    for generation in _generations(folder):
        if generation < newest - KEEP_RECORDS:
            (folder / f"{generation}.json").unlink(missing_ok=True)


def forget_positions(index_dir: str | os.PathLike) -> None:
    """Remove every record: a new index in an old folder starts with no position."""
    folder = Path(index_dir) / POSITIONS_DIR
    for generation in _generations(folder):
        (folder / f"{generation}.json").unlink(missing_ok=True)


def _generations(folder: Path) -> list[int]:
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return [int(m[1]) for name in names if (m := _RECORD.match(name))]


def _record_at_or_below(index_dir: Path, generation: int) -> dict | None:
    """The record of ``generation``, else of the newest generation below it."""
    folder = index_dir / POSITIONS_DIR
    record = _load(folder / f"{generation}.json")
    if record is not None:
        return record
    older = sorted((g for g in _generations(folder) if g < generation), reverse=True)
    for candidate in older:
        record = _load(folder / f"{candidate}.json")
        if record is not None:
            return record
    return None


def _load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
