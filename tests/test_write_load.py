"""30 seconds of HTTP writers and readers, and CLI builds, all on one index at the same time.

Four clients write new documents over HTTP, two read (searches and /healthz), the command line
builds one file after another into the same index, and a monitor reopens the index from disk
again and again. Nothing may fail: no error answer, no LockError, every build exits 0; the
count on disk never goes down; /healthz never shows fewer documents than were acknowledged a
second before; and at the end every document is there exactly once.
"""

import http.client
import json
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from whoosh import index as whoosh_index

from indexer.store.opening import open_whoosh
from tests.conftest import ROOT
from tests.web_live import LiveServer
from tests.write_client import WRITE_ENV, Client, record

SECONDS = 30
WRITERS = 4
READERS = 2
BUILD_DOCUMENTS = 300
VISIBLE_WITHIN_S = 1.0


class Load:
    """The clients, the builds and the monitor, and what each of them saw."""

    def __init__(self, server: LiveServer, folder, initial: int):
        self.server, self.folder, self.initial = server, folder, initial
        self.deadline = time.monotonic() + SECONDS
        self.acknowledged: list[tuple[float, str]] = []  # (when, id) of each 2xx write
        self.built: list[str] = []
        self.errors: list[str] = []
        self.disk_counts: list[int] = []
        self.health_checks = 0
        self._lock = threading.Lock()

    def run(self) -> None:
        targets = [self._write] * WRITERS + [self._read] * READERS + [self._build, self._watch]
        threads = [threading.Thread(target=t, args=(n,)) for n, t in enumerate(targets)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 300)

    def _error(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)

    def _write(self, writer: int) -> None:
        with Client(self.server.port) as client:
            n = 0
            while time.monotonic() < self.deadline:
                doc_id = f"http-{writer}-{n}"
                try:
                    reply = client.post([record(doc_id)])
                except (OSError, http.client.HTTPException) as exc:
                    self._error(f"write {doc_id}: {exc!r}")
                    continue
                if reply.status != 200:
                    self._error(f"write {doc_id}: {reply.status} {reply.text[:200]}")
                    continue
                with self._lock:
                    self.acknowledged.append((time.monotonic(), doc_id))
                n += 1

    def _read(self, reader: int) -> None:
        with Client(self.server.port) as client:
            while time.monotonic() < self.deadline:
                asked = time.monotonic()
                try:
                    search = client.send("GET", "/api/search?q=giao+th%C3%B4ng&per_page=5")
                    health = client.send("GET", "/healthz")
                except (OSError, http.client.HTTPException) as exc:
                    self._error(f"read: {exc!r}")
                    continue
                if search.status != 200 or health.status != 200:
                    answers = f"{search.text[:300]} {health.text[:200]}"
                    self._error(f"read: {search.status} {health.status} {answers}")
                    continue
                with self._lock:
                    seen_before = sum(
                        1 for at, _ in self.acknowledged if at < asked - VISIBLE_WITHIN_S
                    )
                    self.health_checks += 1
                documents = health.json()["documents"]
                if documents < self.initial + seen_before:
                    self._error(f"/healthz: {documents} < {self.initial} + {seen_before}")

    def _build(self, _: int) -> None:
        round_ = 0
        while time.monotonic() < self.deadline:
            source = self.folder / f"build-{round_}.jsonl"
            ids = [f"cli-{round_}-{n}" for n in range(BUILD_DOCUMENTS)]
            source.write_text(
                "".join(json.dumps(record(i), ensure_ascii=False) + "\n" for i in ids),
                encoding="utf-8",
            )
            command = [sys.executable, "-m", "indexer", "build", str(source)]
            command += ["--index", str(self.server.index_dir), "--workers", "1"]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
            if done.returncode != 0 or not done.stdout.startswith(f"indexed {BUILD_DOCUMENTS},"):
                self._error(f"build {round_}: exit {done.returncode}: {done.stdout} {done.stderr}")
                return
            with self._lock:
                self.built += ids
            round_ += 1

    def _watch(self, _: int) -> None:
        while time.monotonic() < self.deadline:
            try:
                with open_whoosh(self.server.index_dir).reader() as reader:
                    count = reader.doc_count()
            except Exception as exc:
                self._error(f"open from disk: {exc!r}")
                continue
            if self.disk_counts and count < self.disk_counts[-1]:
                self._error(f"the count on disk went down: {self.disk_counts[-1]} -> {count}")
            self.disk_counts.append(count)
            time.sleep(0.1)


@pytest.mark.slow
def test_writers_readers_and_a_build_at_once_make_no_errors_and_lose_nothing(
    corpus_index, tmp_path
):
    index_dir = tmp_path / "index"
    shutil.copytree(corpus_index, index_dir)
    with whoosh_index.open_dir(index_dir).reader() as reader:
        initial = reader.doc_count()
    server = LiveServer.start(index_dir, tmp_path / "server.log", workers=2, env=WRITE_ENV)
    try:
        load = Load(server, tmp_path, initial)
        load.run()
    finally:
        server.stop()

    log = server.log()
    assert load.errors == [], log[-6000:]
    assert "LockError" not in log and "Traceback" not in log, log
    assert len(load.built) >= BUILD_DOCUMENTS  # at least one build ran during the writes
    assert len(load.acknowledged) >= 100 and load.health_checks >= 20
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        counts = Counter(fields["id"] for fields in searcher.all_stored_fields())
    assert max(counts.values()) == 1
    written = {doc_id for _, doc_id in load.acknowledged} | set(load.built)
    assert written <= set(counts)
    assert sum(counts.values()) == initial + len(written)
