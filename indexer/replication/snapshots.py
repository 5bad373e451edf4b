"""Snapshots: one commit of an index, copied whole while the index keeps taking writes.

A Whoosh commit never changes a file once written: it writes new segments and a new table of
contents (``_MAIN_<generation>.toc``), then deletes what the newest table no longer names. So a
snapshot links (or, across file systems, copies) the newest table of contents, every file of
the segments it names and its log position record (``indexer.store.positions``); if a commit
deletes one of them before it is linked, the snapshot starts again from the newer commit.
The result is a folder that opens as an index, with ``SNAPSHOT.json`` saying which commit and
which log sequence it holds: the backup of a single node, and the way a new or restored node
of a cluster starts (it catches up from the stream after that sequence).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from indexer.errors import VietsearchError
from indexer.replication.errors import SnapshotError
from indexer.replication.node import APPLIER_LOCK
from indexer.store.durability import fsync_path
from indexer.store.embedder_record import RECORD_FILE
from indexer.store.locks import live_writers_present
from indexer.store.opening import open_whoosh
from indexer.store.positions import POSITIONS_DIR, latest_generation, read_position

MANIFEST = "SNAPSHOT.json"
ATTEMPTS = 20
# The index's files: its commits' and the record of the embedder that made its vectors.
_INDEX_FILE = re.compile(r"^(_?MAIN_(?!WRITELOCK$)|embedder\.json$)")


@dataclass(frozen=True)
class Snapshot:
    """What a snapshot holds."""

    path: str
    generation: int
    applied_seq: int
    files: int
    bytes: int
    linked: bool
    created: float


def snapshot(index_dir: str | os.PathLike, out: str | os.PathLike) -> Snapshot:
    """Copy the newest commit of the index in ``index_dir`` into the new folder ``out``."""
    source, target = Path(index_dir), Path(out)
    open_whoosh(source)  # IndexMissing / IndexCorrupt, with their messages
    if target.exists() and any(target.iterdir()):
        raise SnapshotError(f"{target} already exists and is not empty; name a new folder")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    for _ in range(ATTEMPTS):
        shutil.rmtree(partial, ignore_errors=True)
        try:
            taken = _take(source, partial)
        except FileNotFoundError:
            continue  # a commit removed a file of the generation being copied: take the next
        if target.exists():
            target.rmdir()
        os.replace(partial, target)
        fsync_path(target.parent)
        return Snapshot(path=str(target), **taken)
    raise SnapshotError(f"{source} changed {ATTEMPTS} times while being copied; try again")


def _take(source: Path, partial: Path) -> dict:
    generation = latest_generation(source)
    toc = TOC.read(FileStorage(str(source)), "MAIN", gen=generation)
    segments = {segment.segment_id() for segment in toc.segments}
    names = [f"_MAIN_{generation}.toc"] + [
        name for name in os.listdir(source) if name.split(".")[0] in segments
    ]
    if (source / RECORD_FILE).is_file():
        names.append(RECORD_FILE)
    (partial / POSITIONS_DIR).mkdir(parents=True)
    linked = all([_link_or_copy(source / name, partial / name) for name in names])
    seq = _copy_position(source, partial, generation)
    manifest = {"generation": generation, "applied_seq": seq, "files": len(names)}
    manifest |= {"bytes": sum((partial / n).stat().st_size for n in names), "linked": linked}
    manifest["created"] = time.time()
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    for folder in (partial / MANIFEST, partial / POSITIONS_DIR, partial):
        fsync_path(folder)
    return manifest


def _copy_position(source: Path, partial: Path, generation: int) -> int:
    """Copy the position record that holds for ``generation``; the sequence it names."""
    records = sorted(
        (int(p.stem) for p in (source / POSITIONS_DIR).glob("*.json") if p.stem.isdigit()),
        reverse=True,
    )
    for record in (r for r in records if r <= generation):
        name = Path(POSITIONS_DIR) / f"{record}.json"
        try:
            shutil.copyfile(source / name, partial / name)
        except FileNotFoundError:
            continue
        return read_position(partial).seq
    return 0


def _link_or_copy(source: Path, target: Path) -> bool:
    """Hard-link ``source`` to ``target`` (True), or copy and fsync it across file systems."""
    try:
        os.link(source, target)
        return True
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
    shutil.copyfile(source, target)
    fsync_path(target)
    return False


def restore(snapshot_dir: str | os.PathLike, index_dir: str | os.PathLike) -> Snapshot:
    """Make ``index_dir`` hold the snapshot's commit, replacing the index there.

    No server may be running on ``index_dir``. Old files go first (tables of contents before
    segments), new ones come in with the table of contents last, so an interrupted restore
    leaves no index that opens with missing files: run it again.
    """
    source, target = Path(snapshot_dir), Path(index_dir)
    manifest = _manifest(source)
    target.mkdir(parents=True, exist_ok=True)
    _refuse_if_served(target)
    _clear_index(target)
    names = sorted(os.listdir(source), key=lambda name: name.endswith(".toc"))
    (target / POSITIONS_DIR).mkdir(exist_ok=True)
    for name in names:
        if _INDEX_FILE.match(name):
            _link_or_copy(source / name, target / name)
    for record in (source / POSITIONS_DIR).glob("*.json"):
        shutil.copyfile(record, target / POSITIONS_DIR / record.name)
    for folder in (target / POSITIONS_DIR, target):
        fsync_path(folder)
    open_whoosh(target)
    return Snapshot(path=str(target), **manifest)


def _manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        open_whoosh(source)
    except (OSError, ValueError, VietsearchError) as exc:
        raise SnapshotError(f"{source} is not a snapshot that can be restored: {exc}") from None
    return manifest


def _refuse_if_served(target: Path) -> None:
    held = live_writers_present(target)
    lock = target / APPLIER_LOCK
    if held or (lock.exists() and _locked(lock)):
        raise SnapshotError(f"a server is running on {target}: stop it before restoring")


def _locked(path: Path) -> bool:
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def _clear_index(target: Path) -> None:
    names = sorted(os.listdir(target), key=lambda name: not name.endswith(".toc"))
    for name in names:
        if _INDEX_FILE.match(name) and (target / name).is_file():
            (target / name).unlink()
    shutil.rmtree(target / POSITIONS_DIR, ignore_errors=True)
    fsync_path(target)
