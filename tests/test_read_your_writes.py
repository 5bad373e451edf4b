"""Reading one's own write on a single node (``python -m web``, two gunicorn workers).

Before: PUT answered 201 and an immediate GET of the same id reached the other worker, whose
searcher caught up within a second: 404, three times out of three. A GET by id now reads the
latest commit, and every write answers with ``seq`` (its commit's generation), which searches
accept as ``after_seq``.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.web_live import LiveServer
from tests.write_client import WRITE_ENV, Client

TRIES = 20


@pytest.fixture(scope="module")
def server(corpus_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("read_your_writes")
    shutil.copytree(corpus_index, folder / "index")
    live = LiveServer.start(folder / "index", folder / "server.log", workers=2, env=WRITE_ENV)
    yield live
    live.stop()


def record(doc_id: str, word: str) -> bytes:
    return json.dumps({"title": f"Tin {word}", "body": f"Bài {word}"}).encode()


def test_a_get_right_after_a_put_finds_the_document_every_time(server):
    with Client(server.port) as client:
        for n in range(TRIES):
            # A new connection each time: gunicorn hands it to either worker.
            assert (
                client.send("PUT", f"/api/documents/ryw-{n}", record(f"ryw-{n}", "x")).status == 201
            )
            client.close()
            reply = client.send("GET", f"/api/documents/ryw-{n}")
            assert reply.status == 200, f"try {n}: {reply.text}"
            assert reply.json()["title"] == "Tin x"
            client.close()


def test_a_search_with_the_write_seq_finds_it_at_once_on_either_worker(server):
    with Client(server.port) as client:
        seqs = []
        for n in range(TRIES):
            word = f"lacdaxanh{n}"
            reply = client.send("PUT", f"/api/documents/sau-{n}", record(f"sau-{n}", word))
            seqs.append(reply.json()["seq"])
            client.close()
            found = client.send("GET", f"/api/search?q={word}&after_seq={seqs[-1]}").json()
            assert [hit["id"] for hit in found["hits"]] == [f"sau-{n}"]
            client.close()
    assert seqs == sorted(seqs) and len(set(seqs)) == TRIES  # one commit each, in order


@pytest.mark.parametrize(
    "after_seq, status, code",
    [
        ("x", 400, "invalid_parameter"),
        ("1.5", 400, "invalid_parameter"),
        ("1" * 19, 400, "invalid_parameter"),
        ("999999999", 400, "invalid_parameter"),  # a commit this index has not made
    ],
)
def test_after_seq_out_of_reach_is_refused(server, after_seq, status, code):
    reply = server.get(f"/api/search?q=a&after_seq={after_seq}")
    assert (reply.status, reply.json()["error"]["code"]) == (status, code)
    reply = server.get(f"/api/documents/ryw-0?after_seq={after_seq}")
    assert reply.status == status
