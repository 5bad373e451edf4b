"""kill -9 in the middle of a build: the committed batches survive and a re-run completes them.

After SIGKILL the index must open and hold a whole number of batches (the first ones, in source
order) with no id twice; running the same command again must index the rest, report the
committed ones as unchanged and not wait on the dead process's write lock.

- Three builds committing every 50 documents, each killed once at a random moment after its
  first commit, then run again to the end.
- 75 builds committing every 10 documents, killed one after the other on the same index, each
  once it has committed twice (at a random moment, or for about a third of them as soon as a
  commit moves its segment in): every next build commits (the next writer succeeds), the count
  never goes down, and most kills land in the middle of a commit (they leave files of an
  unfinished commit, ``tests.kill_trials``), which the next build's commits must remove.
- One build killed at the exact last step of a commit, before its table of contents is renamed
  into place: the next build must remove the temporary table of contents.

With the 125 server trials of tests/test_write_crash.py, 203 kills at random moments.
"""

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from tests.conftest import ROOT
from tests.kill_trials import inside_commit, left_behind, unfinished_commit_files

DOCUMENTS = 600
BATCH = 50
FIRST_COMMIT_WAIT_S = 90  # a bound on a wait, not a timing assertion
RERUN_TIMEOUT_S = 120
# The chained trials: many small commits, each build killed soon after its second one.
CHAIN_KILLS = 75
CHAIN_DOCUMENTS = 1000
CHAIN_BATCH = 10
CHAIN_KILL_AFTER_S = (0.0, 0.5)
# Commits take a small part of a build's time; this share of the kills waits for one to start.
CHAIN_TARGETED = 0.3
SUMMARY = re.compile(r"indexed (\d+), unchanged (\d+), skipped 0, rejected 0, deleted 0 in .*")
TOC = re.compile(r"_MAIN_(\d+)\.toc")

PLACES = ["Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ", "Hải Phòng", "Nha Trang", "Quy Nhơn", "Vinh"]
PROJECTS = [
    "cây cầu mới",
    "trường tiểu học",
    "bệnh viện huyện",
    "công viên ven sông",
    "chợ đầu mối",
    "thư viện thiếu nhi",
    "tuyến xe buýt điện",
]
ACTIONS = ["khánh thành", "khởi công", "sửa chữa", "mở rộng", "nâng cấp"]
SENTENCES = [
    "Sáng {day}/{month}, chính quyền {place} đã {action} {project}.",
    "Người dân {place} cho biết {project} giúp cuộc sống thuận tiện hơn nhiều.",
    "Theo kế hoạch, {project} sẽ phục vụ khoảng {people} người mỗi ngày.",
    "Đại diện thành phố hứa sẽ công khai chi phí {action} {project} trên trang thông tin.",
]


def write_generated_jsonl(path: Path, documents: int = DOCUMENTS) -> list[str]:
    """Write ``documents`` small generated articles; return their ids in file order."""
    rng = random.Random(2021)
    ids = []
    with path.open("w", encoding="utf-8") as out:
        for n in range(documents):
            values = dict(
                place=rng.choice(PLACES),
                project=rng.choice(PROJECTS),
                action=rng.choice(ACTIONS),
                day=n % 28 + 1,
                month=n % 12 + 1,
                people=rng.randrange(100, 5000),
            )
            body = " ".join(rng.sample(SENTENCES, 3)).format(**values)
            title = "{place} {action} {project}".format(**values) + f" (bài {n})"
            ids.append(f"tin-{n:04d}")
            record = dict(
                id=ids[-1],
                title=title,
                body=body,
                source="thu-nghiem",
                published=f"2021-{values['month']:02d}-{values['day']:02d}",
            )
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return ids


def committed_generation(index_dir: Path) -> int:
    """The newest commit's generation (0 is the empty index create_in writes), or -1."""
    generations = [int(m[1]) for p in index_dir.glob("_MAIN_*.toc") if (m := TOC.fullmatch(p.name))]
    return max(generations, default=-1)


def stored_ids(index_dir: Path) -> tuple[int, list[str]]:
    """(doc_count, ids of the live documents) of the index as it opens now."""
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        return searcher.doc_count(), [fields["id"] for fields in searcher.all_stored_fields()]


def committed_batches(index_dir: Path, all_ids: list[str], batch: int) -> int:
    """Open the index and check that it holds the first whole batches of ``all_ids`` (the last
    one may be short), each document once; return how many documents it holds."""
    count, ids = stored_ids(index_dir)
    assert count == len(ids)
    assert count % batch == 0 or count == len(all_ids)
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == all_ids[:count]  # whole batches, in the order of the source
    return count


def build_command(source: Path, index_dir: Path, batch: int) -> list[str]:
    """``python -m indexer build`` of ``source`` into ``index_dir``, one worker, small commits."""
    options = ["--index", str(index_dir), "--batch-size", str(batch), "--workers", "1"]
    return [sys.executable, "-m", "indexer", "build", str(source), *options]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 22, 33])
def test_kill_9_during_build_keeps_committed_batches_and_rerun_completes(tmp_path, seed):
    source, index_dir = tmp_path / "tin.jsonl", tmp_path / "index"
    all_ids = write_generated_jsonl(source)
    command = build_command(source, index_dir, BATCH)

    with open(tmp_path / "first.err", "wb") as stderr:
        build = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + FIRST_COMMIT_WAIT_S
        while committed_generation(index_dir) < 1 and build.poll() is None:
            assert time.monotonic() < deadline, "no batch was committed in time"
            time.sleep(0.01)
        time.sleep(random.Random(seed).uniform(0.0, 2.0))
        build.send_signal(signal.SIGKILL)  # harmless if the build already finished
    finally:
        build.kill()
        build.wait(timeout=30)
    assert build.returncode in (0, -signal.SIGKILL), (tmp_path / "first.err").read_text()

    count = committed_batches(index_dir, all_ids, BATCH)
    assert count >= BATCH

    rerun = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=RERUN_TIMEOUT_S
    )
    assert rerun.returncode == 0, rerun.stderr
    match = SUMMARY.fullmatch(rerun.stdout.strip())
    assert match, rerun.stdout
    assert (int(match[1]), int(match[2])) == (DOCUMENTS - count, count)

    final_count, final_ids = stored_ids(index_dir)
    assert final_count == DOCUMENTS
    assert sorted(final_ids) == all_ids


def start_build(command: list[str], log: Path) -> subprocess.Popen:
    """Start ``command`` with its output going to ``log``."""
    with open(log, "wb") as output:  # the build keeps its own copy of the descriptor
        return subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=output)


def wait_for_commits(build: subprocess.Popen, index_dir: Path, generation: int, log: Path) -> None:
    """Wait (bounded) until ``build`` has made two commits after ``generation``, or has ended.

    The second commit's table of contents appears only once the first commit has finished,
    cleaning up included.
    """
    deadline = time.monotonic() + FIRST_COMMIT_WAIT_S
    while committed_generation(index_dir) < generation + 2 and build.poll() is None:
        assert time.monotonic() < deadline, f"no commits in time:\n{log.read_text()}"
        time.sleep(0.005)


def kill_when_a_commit_starts(build: subprocess.Popen, index_dir: Path) -> None:
    """SIGKILL ``build`` as soon as a segment file appears in ``index_dir``: a commit has moved
    it in and has yet to write the table of contents that names it (or has just done so)."""
    deadline = time.monotonic() + FIRST_COMMIT_WAIT_S
    known = set(os.listdir(index_dir))
    while build.poll() is None and time.monotonic() < deadline:
        names = set(os.listdir(index_dir))
        if any(name.endswith(".seg") for name in names - known):
            build.send_signal(signal.SIGKILL)
            return
        known = names


@pytest.mark.slow
def test_chained_kill_9_of_builds_never_loses_a_commit_and_next_build_cleans_up(tmp_path):
    """CHAIN_KILLS builds killed one after the other, each once it has committed two batches.

    After every kill the index opens and holds whole batches, never fewer than before; the
    next build commits again and its commit removes what the killed one left half-written.
    A build that finishes before its kill ends the round; the next one starts on a new folder.
    """
    source = tmp_path / "tin.jsonl"
    all_ids = write_generated_jsonl(source, CHAIN_DOCUMENTS)
    rng = random.Random(2027)
    rounds = kills = mid_commit = inside = 0
    index_dir, count, leftovers = tmp_path / "index-0", 0, set()

    while kills < CHAIN_KILLS:
        command = build_command(source, index_dir, CHAIN_BATCH)
        log = tmp_path / f"build-{rounds}-{kills}.log"
        generation = committed_generation(index_dir)
        before = set(os.listdir(index_dir)) if index_dir.exists() else set()
        build = start_build(command, log)
        try:
            wait_for_commits(build, index_dir, generation, log)
            if rng.random() < CHAIN_TARGETED:
                kill_when_a_commit_starts(build, index_dir)
            else:
                time.sleep(rng.uniform(*CHAIN_KILL_AFTER_S))
            build.send_signal(signal.SIGKILL)  # harmless if the build already finished
        finally:
            build.kill()
            build.wait(timeout=30)
        assert build.returncode in (0, -signal.SIGKILL), log.read_text()
        assert committed_generation(index_dir) > generation, log.read_text()  # it did commit
        assert left_behind(leftovers, index_dir) == []  # the new commits removed them

        previous, count = count, committed_batches(index_dir, all_ids, CHAIN_BATCH)
        assert count >= previous + CHAIN_BATCH or count == CHAIN_DOCUMENTS
        leftovers = unfinished_commit_files(index_dir) - before
        if build.returncode == 0:
            assert count == CHAIN_DOCUMENTS and not leftovers, log.read_text()
        else:
            kills += 1
            mid_commit += bool(leftovers)
            inside += inside_commit(leftovers)
        if count == CHAIN_DOCUMENTS:  # nothing left to build: the next round starts afresh
            rounds += 1
            index_dir, count, leftovers = tmp_path / f"index-{rounds}", 0, set()

    # Shown by pytest -rP: what the floors below were chosen from.
    print(f"{CHAIN_KILLS} kills in {rounds + 1} rounds: {mid_commit} mid-commit, {inside} inside")
    assert mid_commit >= CHAIN_KILLS // 4, mid_commit  # the kills did land in commits
    assert inside >= CHAIN_KILLS // 10, inside  # and in Whoosh's commit() itself
    rerun = subprocess.run(
        build_command(source, index_dir, CHAIN_BATCH),
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=RERUN_TIMEOUT_S,
    )
    assert rerun.returncode == 0, rerun.stderr
    match = SUMMARY.fullmatch(rerun.stdout.strip())
    assert match, rerun.stdout
    assert (int(match[1]), int(match[2])) == (CHAIN_DOCUMENTS - count, count)
    assert committed_batches(index_dir, all_ids, CHAIN_BATCH) == CHAIN_DOCUMENTS
    assert unfinished_commit_files(index_dir) == set()


# ``python -m indexer`` that kills itself with SIGKILL at its first commit's last step: the new
# table of contents is written in full under its temporary name, and about to be renamed.
KILLED_BEFORE_TOC_RENAME = """
import os, signal, sys
from indexer.store import durability
from indexer.cli import main

rename_file = durability.DurableStorage.rename_file

def rename_or_die(storage, oldname, newname, safe=False):
    if oldname.startswith("_MAIN_1.toc."):
        os.kill(os.getpid(), signal.SIGKILL)
    rename_file(storage, oldname, newname, safe=safe)

durability.DurableStorage.rename_file = rename_or_die
sys.exit(main(sys.argv[1:]))
"""


def test_next_build_removes_what_a_kill_before_the_toc_rename_left(tmp_path):
    """Whoosh's own cleanup after a commit never matches a temporary table of contents."""
    source, index_dir = tmp_path / "tin.jsonl", tmp_path / "index"
    all_ids = write_generated_jsonl(source, 30)
    command = build_command(source, index_dir, 10)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_BEFORE_TOC_RENAME, *command[3:]],
        cwd=ROOT,
        capture_output=True,
        timeout=RERUN_TIMEOUT_S,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    leftovers = unfinished_commit_files(index_dir)
    assert [name for name in leftovers if name.startswith("_MAIN_1.toc.")], leftovers
    assert committed_batches(index_dir, all_ids, 10) == 0

    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=RERUN_TIMEOUT_S)
    assert rerun.returncode == 0, rerun.stderr
    assert committed_batches(index_dir, all_ids, 10) == 30
    assert left_behind(leftovers, index_dir) == []
