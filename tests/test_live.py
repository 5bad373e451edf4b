"""Group commits (indexer.store.live) and taking the writer in turn (indexer.store.locks).

The tests hold the index's writer themselves to decide what the committer finds queued, so
what goes into each commit is certain rather than a matter of timing.
"""

import itertools
import shutil
import threading
import time
from collections import Counter

import pytest
from whoosh import index as whoosh_index
from whoosh.util.filelock import FileLock

from indexer.documents.model import Document
from indexer.searching.searchers import open_index
from indexer.store import merge_policy as merging
from indexer.store.build import write_documents
from indexer.store.commits import open_or_create
from indexer.store.live import LiveWriter, Written
from indexer.store.locks import TURNSTILE_FILE, WriterBusy, open_writer
from indexer.store.opening import discard_damaged_index

WAIT_S = 30  # a bound on waits, not a timing assertion


@pytest.fixture
def index_dir(corpus_index, tmp_path):
    path = tmp_path / "index"
    shutil.copytree(corpus_index, path)
    return path


def doc(doc_id: str, text: str = "Bản tin thử nghiệm") -> Document:
    return Document(id=doc_id, title=f"Tin {doc_id}", body=text)


def stored(index_dir) -> Counter:
    """How many times each id is stored in the latest commit on disk."""
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        return Counter(fields["id"] for fields in searcher.all_stored_fields())


def body_of(index_dir, doc_id: str) -> str:
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        return searcher.document(id=doc_id)["body"]


def generation(index_dir) -> int:
    return whoosh_index.open_dir(index_dir).latest_generation()


def in_thread(call, results: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(call()))
    thread.start()
    return thread


def wait_until(condition) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def held_elsewhere(lock) -> bool:
    if lock.acquire():
        lock.release()
        return False
    return True


def test_writes_are_on_disk_when_acknowledged(index_dir):
    live = LiveWriter(index_dir)
    assert live.replace([doc("moi-1"), doc("moi-2")]) == Written(created=2)
    assert stored(index_dir)["moi-1"] == 1  # a fresh reader of what is on disk
    assert live.replace([doc("moi-1", "Phiên bản hai")]) == Written(replaced=1)
    assert body_of(index_dir, "moi-1") == "Phiên bản hai"
    assert stored(index_dir)["moi-1"] == 1
    assert live.delete("moi-2") == Written(deleted=1)
    assert live.delete("moi-2") == Written(deleted=0)
    assert "moi-2" not in stored(index_dir)


def test_a_missing_index_is_created_by_the_first_write(tmp_path):
    live = LiveWriter(tmp_path / "new")
    assert live.replace([doc("dau-tien")]) == Written(created=1)
    assert stored(tmp_path / "new") == Counter({"dau-tien": 1})


def test_batches_queued_while_the_writer_is_busy_share_one_commit(index_dir):
    live = LiveWriter(index_dir)
    before = generation(index_dir)
    holder = open_writer(open_or_create(index_dir), timeout=5)
    results, threads = [], []
    for n in range(8):
        threads.append(in_thread(lambda n=n: live.replace([doc(f"nhom-{n}")]), results))
    wait_until(lambda: live.queued() == 8)
    holder.cancel()
    for thread in threads:
        thread.join(WAIT_S)
    assert results == [Written(created=1)] * 8
    assert generation(index_dir) == before + 1
    assert all(stored(index_dir)[f"nhom-{n}"] == 1 for n in range(8))


def test_changes_to_one_id_are_applied_in_order_in_separate_commits(index_dir):
    live = LiveWriter(index_dir)
    live.replace([doc("thu-tu", "một")])
    before = generation(index_dir)
    holder = open_writer(open_or_create(index_dir), timeout=5)
    results, threads = [], []
    changes = [
        lambda: live.replace([doc("thu-tu", "hai")]),
        lambda: live.replace([doc("thu-tu", "ba"), doc("khac")]),
        lambda: live.delete("c01-ha-noi-ba-dinh"),
    ]
    for number, change in enumerate(changes, start=1):
        threads.append(in_thread(change, results))
        wait_until(lambda number=number: live.queued() == number)
    holder.cancel()
    for thread in threads:
        thread.join(WAIT_S)
    assert sorted(results, key=repr) == sorted(
        [Written(replaced=1), Written(created=1, replaced=1), Written(deleted=1)], key=repr
    )
    assert generation(index_dir) == before + 2  # the second change to thu-tu waits a commit
    ids = stored(index_dir)
    assert (ids["thu-tu"], ids["khac"], ids["c01-ha-noi-ba-dinh"]) == (1, 1, 0)
    assert body_of(index_dir, "thu-tu") == "ba"


def test_a_writer_held_past_the_timeout_is_writer_busy_and_nothing_is_written(index_dir):
    live = LiveWriter(index_dir, timeout_s=0.3)
    holder = open_writer(open_or_create(index_dir), timeout=5)
    try:
        with pytest.raises(WriterBusy):
            live.replace([doc("qua-han")])
    finally:
        holder.cancel()
    assert "qua-han" not in stored(index_dir)
    assert live.replace([doc("lan-sau")]) == Written(created=1)
    assert "qua-han" not in stored(index_dir)


def test_the_next_writer_in_line_gets_the_writer_before_the_one_that_released_it(index_dir):
    ix = open_or_create(index_dir)
    first = open_writer(ix, timeout=5)
    order = []

    def waiter():
        writer = open_writer(open_or_create(index_dir), timeout=WAIT_S)
        order.append("waiter")
        time.sleep(0.2)
        writer.cancel()

    thread = threading.Thread(target=waiter)
    thread.start()
    turnstile = FileLock(str(index_dir / TURNSTILE_FILE))
    wait_until(lambda: held_elsewhere(turnstile))  # the waiter is in line
    first.cancel()
    again = open_writer(ix, timeout=WAIT_S)  # at once: it would win a plain race for the lock
    order.append("releaser")
    again.cancel()
    thread.join(WAIT_S)
    assert order == ["waiter", "releaser"]


def test_a_build_and_live_writes_at_once_lose_nothing(index_dir):
    live = LiveWriter(index_dir)
    build = [doc(f"lo-{n:03d}", f"Tin số {n} của đợt nạp.") for n in range(120)]
    built = []
    builder = in_thread(lambda: write_documents(index_dir, build, workers=1, batch_size=10), built)
    acknowledged = [live.replace([doc(f"le-{n:02d}")]) for n in range(20)]
    builder.join(WAIT_S * 4)
    assert built[0][0].indexed == 120
    assert acknowledged == [Written(created=1)] * 20
    ids = stored(index_dir)
    assert all(ids[f"lo-{n:03d}"] == 1 for n in range(120))
    assert all(ids[f"le-{n:02d}"] == 1 for n in range(20))


def test_a_build_commits_staged_segments_whole_even_while_a_server_takes_writes(index_dir):
    # Builds write each batch as a segment in a worker (indexer.store.staging) and hold the writer
    # only to delete, move the file in and commit, so they need not cut their commits short
    # for a server's writes the way in-process commits do (MAX_BATCH_TERMS).
    def long_documents(prefix: str) -> list[Document]:
        text = "Người dân Hà Nội đi làm bằng xe buýt điện mỗi sáng. " * 60  # ~2,500 terms
        return [doc(f"{prefix}-{n}", text) for n in range(30)]

    before = generation(index_dir)
    write_documents(index_dir, long_documents("a"), workers=1, merge=False)
    assert generation(index_dir) == before + 1  # one batch of 30
    live = LiveWriter(index_dir)
    live.announce()
    try:
        write_documents(index_dir, long_documents("b"), workers=1, merge=False)
        assert generation(index_dir) == before + 2
        assert live.replace([doc("le-1")]) == Written(created=1)
    finally:
        live.withdraw()
    ids = stored(index_dir)
    assert all(ids[f"{prefix}-{n}"] == 1 for prefix in "ab" for n in range(30))


def test_live_commits_merge_small_segments_and_leave_big_ones(index_dir, monkeypatch):
    [big] = whoosh_index.open_dir(index_dir)._segments()
    big_bytes = sum(p.stat().st_size for p in index_dir.glob(f"{big.segment_id()}.*"))
    monkeypatch.setattr(merging, "MAX_MERGE_BYTES", big_bytes - 1)
    live = LiveWriter(index_dir)
    most = 0
    for n in range(3 * merging.MERGE_AT):
        live.replace([doc(f"nho-{n}")])
        segments = whoosh_index.open_dir(index_dir)._segments()
        assert big.segment_id() in {s.segment_id() for s in segments}
        most = max(most, len(segments))
    assert most == 1 + merging.MERGE_AT  # small ones pile up to MERGE_AT, then merge
    assert all(stored(index_dir)[f"nho-{n}"] == 1 for n in range(3 * merging.MERGE_AT))


def test_opening_the_index_while_commits_replace_its_table_of_contents(index_dir):
    live, stop, failures = LiveWriter(index_dir), threading.Event(), []

    def write() -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            live.replace([doc(f"toc-{n}")])

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 4
    try:
        while time.monotonic() < deadline:
            try:
                assert discard_damaged_index(index_dir) is None  # opens the latest TOC
                open_index(index_dir).close()
            except OSError as exc:  # before the fix: FileNotFoundError for a replaced TOC
                failures.append(repr(exc))
    finally:
        stop.set()
        writer.join(WAIT_S)
    assert failures == []


def test_opening_for_writing_while_another_writer_commits_never_fails(index_dir):
    """A build started beside live writes lists the tables of contents, then reads the latest:
    a commit in between removes it (seen as a FileNotFoundError from ``vietsearch build``)."""
    live = LiveWriter(index_dir)
    stop = threading.Event()
    committed = []

    def write() -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            committed.append(live.replace([doc(f"luot-{n % 3}")]))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        opened = []
        deadline = time.monotonic() + WAIT_S
        while len(committed) < 30 and time.monotonic() < deadline:
            opened.append(open_or_create(index_dir).latest_generation())
    finally:
        stop.set()
        writer.join()
    assert len(committed) >= 30  # the opens overlapped that many commits
    assert opened == sorted(opened)
