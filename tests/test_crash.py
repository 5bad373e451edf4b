"""kill -9 in the middle of a build: the committed batches survive and a re-run completes them.

The build commits every 50 documents, so after SIGKILL the index must open and hold a whole
number of batches (the first ones, in source order) with no id twice; running the same command
again must index the rest, report the committed ones as unchanged and not wait on the dead
process's write lock.
"""

import json
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

DOCUMENTS = 600
BATCH = 50
FIRST_COMMIT_WAIT_S = 90  # a bound on a wait, not a timing assertion
RERUN_TIMEOUT_S = 120
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


def write_generated_jsonl(path: Path) -> list[str]:
    """Write DOCUMENTS small generated articles; return their ids in file order."""
    rng = random.Random(2021)
    ids = []
    with path.open("w", encoding="utf-8") as out:
        for n in range(DOCUMENTS):
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


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 22, 33])
def test_kill_9_during_build_keeps_committed_batches_and_rerun_completes(tmp_path, seed):
    source, index_dir = tmp_path / "tin.jsonl", tmp_path / "index"
    all_ids = write_generated_jsonl(source)
    command = [
        sys.executable,
        "-m",
        "indexer",
        "build",
        str(source),
        "--index",
        str(index_dir),
        "--batch-size",
        str(BATCH),
        "--workers",
        "1",
    ]

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

    count, ids = stored_ids(index_dir)
    assert count == len(ids)
    assert count >= BATCH
    assert count % BATCH == 0 or count == DOCUMENTS
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == all_ids[:count]  # whole batches, in the order of the source

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
