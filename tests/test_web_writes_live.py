"""The write API on the real server (``python -m web``, gunicorn, two workers) over HTTP."""

import json
import shutil
import socket
import time
from urllib.parse import quote

import pytest

from tests.web_live import LiveServer
from tests.write_client import TOKEN, WRITE_ENV, Client, record

VISIBLE_WITHIN_S = 1.0
ASKED_AFTER = 20  # searches after the second is up, all of which must find the document


@pytest.fixture(scope="module")
def server(corpus_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("writes_live")
    shutil.copytree(corpus_index, folder / "index")
    live = LiveServer.start(folder / "index", folder / "server.log", workers=2, env=WRITE_ENV)
    yield live
    live.stop()


def hits(server, word: str) -> list[str]:
    reply = server.get("/api/search?q=" + quote(word))
    assert reply.status == 200
    return [hit["id"] for hit in reply.json()["hits"]]


@pytest.mark.parametrize("word", ["tapirxanh", "okapivang", "kiwihong"])
def test_an_acknowledged_document_is_found_on_every_worker_within_a_second(server, word):
    assert hits(server, word) == []  # both workers have a searcher open already
    with Client(server.port) as client:
        reply = client.post([record(f"live-{word}", word=word)])
    acknowledged = time.monotonic()
    assert reply.status == 200, reply.text
    while hits(server, word) != [f"live-{word}"]:
        assert time.monotonic() - acknowledged < VISIBLE_WITHIN_S, "not found within 1 s"
    # A worker checks for commits on a search at least 0.5 s after its last check, so from
    # here on whichever worker answers must find it; new connections spread over both.
    time.sleep(max(0.0, acknowledged + VISIBLE_WITHIN_S - time.monotonic()))
    assert all(hits(server, word) == [f"live-{word}"] for _ in range(ASKED_AFTER))


def test_a_chunked_body_is_read_whole_and_refused_over_the_limit(server):
    lines = [json.dumps(record(f"khuc-{n}")).encode() + b"\n" for n in range(3)]
    with Client(server.port) as client:  # sent without Content-Length
        reply = client.send("POST", "/api/documents", iter(lines))
        assert (reply.status, reply.json()["indexed"]) == (200, 3)
    pieces = [b'{"id": "qua-lon", "title": "'] + [b"x" * 65536] * 17 + [b'"}']
    with Client(server.port) as client:  # over 1 MB
        reply = client.send("POST", "/api/documents", iter(pieces))
    assert reply.status == 413
    assert reply.json()["error"]["code"] == "payload_too_large"
    assert server.get("/api/documents/qua-lon").status == 404


def test_a_broken_chunked_body_is_400(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            b"POST /api/documents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            + f"Authorization: Bearer {TOKEN}\r\n\r\n".encode()
            + b"zz\r\n{}\r\n0\r\n\r\n"
        )
        head = sock.recv(65536).split(b"\r\n", 1)[0]
    assert head == b"HTTP/1.1 400 BAD REQUEST"


def test_writes_need_the_token_on_the_real_server(server):
    with Client(server.port, token="not-it") as client:
        reply = client.post([record("khong-duoc")])
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert server.get("/api/documents/khong-duoc").status == 404
