"""kill -9 of the server during a stream of HTTP writes never loses an acknowledged document.

Each of the 125 trials starts ``python -m web`` on the same index, checks that a write succeeds,
lets four clients write (new documents one at a time and in batches, and new versions of
documents they wrote before), and kills the server (master and worker) with SIGKILL at a random
moment. One worker keeps the restarts affordable on two cores; tests/test_write_load.py writes
through two. Then the index must open and hold every acknowledged document exactly once, in the
acknowledged version or a later one that was sent. Most kills land in the middle of a commit:
they leave files of an unfinished commit (``tests.kill_trials``), which the next trial's first
write must have removed by the time it is acknowledged.
"""

import http.client
import json
import os
import random
import re
import shutil
import signal
import threading
import time
from collections import Counter
from contextlib import suppress

import pytest
from whoosh import index as whoosh_index

from indexer.store.commits import optimize
from tests.kill_trials import inside_commit, left_behind, unfinished_commit_files
from tests.web_live import LiveServer
from tests.write_client import WRITE_ENV, Client, record

TRIALS = 125
WRITERS = 4
KILL_AFTER_S = (0.05, 0.8)
VERSION = re.compile(r"phiên bản (\d+) ")


class Stream:
    """``WRITERS`` clients writing until the server dies; what each sent and saw acknowledged."""

    def __init__(self, port: int, trial: int, seed: int):
        self.port, self.trial, self.seed = port, trial, seed
        self.sent: dict[str, int] = {}  # id -> newest version sent
        self.acknowledged: dict[str, int] = {}  # id -> newest version answered 2xx
        self.cut_off = 0  # writers whose last request got no answer
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._write, args=(n,)) for n in range(WRITERS)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            if thread.ident is not None:  # started
                thread.join(60)

    def _write(self, writer: int) -> None:
        rng = random.Random(self.seed * 100 + writer)
        mine: list[str] = []
        with Client(self.port) as client:
            for n in range(10_000):
                changes = self._next_change(rng, mine, f"t{self.trial}-w{writer}-{n}")
                with self._lock:
                    for doc_id, version in changes:
                        self.sent[doc_id] = max(version, self.sent.get(doc_id, 0))
                try:
                    reply = self._send(client, changes)
                except (OSError, http.client.HTTPException):
                    with self._lock:
                        self.cut_off += 1
                    return  # the server is gone
                with self._lock:
                    if reply.status != 200:
                        self.errors.append(f"{reply.status}: {reply.text[:200]}")
                        return
                    for doc_id, version in changes:
                        self.acknowledged[doc_id] = version
                mine.extend(doc_id for doc_id, version in changes if version == 1)

    @staticmethod
    def _send(client: Client, changes: list[tuple[str, int]]):
        """POST new documents; PUT a new version of an existing one (answered 200, not 201)."""
        if len(changes) == 1 and changes[0][1] > 1:
            doc_id, version = changes[0]
            body = json.dumps(record(doc_id, version)).encode()
            return client.send("PUT", f"/api/documents/{doc_id}", body)
        return client.post([record(doc_id, version) for doc_id, version in changes])

    def _next_change(self, rng: random.Random, mine: list[str], prefix: str):
        """One new document, three new ones, or a new version of one written before."""
        kind = rng.random()
        if kind < 0.3 and mine:
            doc_id = rng.choice(mine)
            with self._lock:
                return [(doc_id, self.sent[doc_id] + 1)]
        if kind < 0.6:
            return [(f"{prefix}-{k}", 1) for k in range(3)]
        return [(prefix, 1)]


def stored_versions(index_dir) -> tuple[Counter, dict[str, int]]:
    """How often each id is stored, and the version of each written document."""
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        documents = list(searcher.all_stored_fields())
    versions = {d["id"]: int(m[1]) for d in documents if (m := VERSION.search(d.get("body", "")))}
    return Counter(d["id"] for d in documents), versions


def start_server(index_dir, log_path) -> LiveServer:
    # setsid: the server leads its own process group, so one killpg reaches every worker.
    return LiveServer.start(index_dir, log_path, workers=1, env=WRITE_ENV, wrap=("setsid",))


def kill_9(server: LiveServer) -> None:
    with suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)


@pytest.mark.slow
def test_kill_9_during_http_writes_never_loses_an_acknowledged_document(corpus_index, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(corpus_index, index_dir)
    corpus_ids, _ = stored_versions(index_dir)
    rng = random.Random(2026)
    sent: dict[str, int] = {}
    acknowledged: dict[str, int] = {}
    killed_mid_request = mid_commit = inside = 0
    leftovers: set[str] = set()  # what the last kill left half-written

    for trial in range(TRIALS):
        server = start_server(index_dir, tmp_path / f"server-{trial}.log")
        stream = Stream(server.port, trial, seed=trial)
        try:
            with Client(server.port) as client:  # the first write after the last kill
                reply = client.post([record(f"t{trial}-dau", 1)])
            assert reply.status == 200, reply.text
            sent[f"t{trial}-dau"] = acknowledged[f"t{trial}-dau"] = 1
            # That write's commit is over, cleanup included: what the last kill left is gone.
            assert left_behind(leftovers, index_dir) == []
            before = set(os.listdir(index_dir))
            stream.start()
            time.sleep(rng.uniform(*KILL_AFTER_S))
        finally:
            kill_9(server)
            stream.join()
        assert stream.errors == [], server.log()
        acknowledged.update(stream.acknowledged)
        sent.update(stream.sent)
        killed_mid_request += stream.cut_off > 0
        leftovers = unfinished_commit_files(index_dir) - before
        mid_commit += bool(leftovers)
        inside += inside_commit(leftovers)

        counts, versions = stored_versions(index_dir)
        assert max(counts.values()) == 1, [i for i, c in counts.items() if c > 1]
        assert set(acknowledged) <= set(counts), set(acknowledged) - set(counts)
        assert set(corpus_ids) <= set(counts)
        for doc_id, version in acknowledged.items():
            assert version <= versions[doc_id] <= sent[doc_id], (doc_id, trial)

    # Shown by pytest -rP: what the floors below were chosen from.
    print(f"{TRIALS} kills: {killed_mid_request} mid-request, {mid_commit} mid-commit,", end=" ")
    print(f"{inside} inside; {len(acknowledged)} documents acknowledged")
    assert len(acknowledged) > 10 * TRIALS
    assert killed_mid_request >= TRIALS * 3 // 4  # the kills did land during writes
    assert mid_commit >= TRIALS // 4, mid_commit  # and in commits
    assert inside >= TRIALS // 10, inside  # and in Whoosh's commit() itself

    server = start_server(index_dir, tmp_path / "server-last.log")
    try:
        with Client(server.port) as client:
            assert client.post([record("sau-cung", 1)]).status == 200
    finally:
        server.stop()
    optimize(index_dir)
    counts, versions = stored_versions(index_dir)
    assert max(counts.values()) == 1
    assert set(acknowledged) | {"sau-cung"} <= set(counts)
    assert unfinished_commit_files(index_dir) == set()
