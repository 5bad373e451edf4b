"""The write API on the real server (``python -m web``, gunicorn, two workers) over HTTP."""

import json
import shutil
import socket
import time
from urllib.parse import quote

import pytest

from tests.test_live import stored
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


# Bad input the write API must refuse with 400 and a message, never 500: (method, path, body,
# what the message says). JSON escapes (\\ud800, \\u0000) decode to characters that are valid
# JSON but not valid text to index; the validation is the indexer's own (indexer.documents).
BAD_WRITES = {
    "lone surrogate in title": (
        "POST",
        "/api/documents",
        rb'{"id": "s1", "title": "a\ud800b"}',
        "(id 's1'): 'title' contains a lone surrogate (U+D800)",
    ),
    "lone surrogate in body": (
        "POST",
        "/api/documents",
        rb'{"id": "s2", "title": "t", "body": "\udfff"}',
        "(id 's2'): 'body' contains a lone surrogate (U+DFFF)",
    ),
    "lone surrogate in id": (
        "POST",
        "/api/documents",
        rb'{"id": "a\ud800", "title": "t"}',
        "'id' contains a lone surrogate (U+D800)",
    ),
    "lone surrogate in tags": (
        "POST",
        "/api/documents",
        rb'{"id": "s3", "title": "t", "tags": ["\udc80"]}',
        "(id 's3'): 'tags' contains a lone surrogate (U+DC80)",
    ),
    "NUL in title": (
        "POST",
        "/api/documents",
        rb'{"id": "n1", "title": "a\u0000b"}',
        "(id 'n1'): 'title' contains a NUL character",
    ),
    "NUL in body": (
        "POST",
        "/api/documents",
        rb'{"id": "n2", "title": "t", "body": "a\u0000b"}',
        "(id 'n2'): 'body' contains a NUL character",
    ),
    "NUL in id": (
        "POST",
        "/api/documents",
        rb'{"id": "a\u0000b", "title": "t"}',
        "'id' contains a NUL character",
    ),
    "raw NUL byte": (
        "POST",
        "/api/documents",
        b'{"id": "n3", "title": "a\x00b"}',
        "invalid JSON: Invalid control character",
    ),
    "number as title": (
        "POST",
        "/api/documents",
        b'{"id": "o1", "title": 5}',
        "(id 'o1'): 'title' must be a string, got int",
    ),
    "object as title": (
        "POST",
        "/api/documents",
        b'{"id": "o2", "title": {"vi": "x"}}',
        "(id 'o2'): 'title' must be a string, got dict",
    ),
    "list as body": (
        "POST",
        "/api/documents",
        b'{"id": "o3", "title": "t", "body": ["x"]}',
        "(id 'o3'): 'body' must be a string, got list",
    ),
    "boolean as title": (
        "POST",
        "/api/documents",
        b'{"id": "o4", "title": true}',
        "(id 'o4'): 'title' must be a string, got bool",
    ),
    "number as url": (
        "POST",
        "/api/documents",
        b'{"id": "o5", "title": "t", "url": 5}',
        "(id 'o5'): 'url' must be a string, got int",
    ),
    "numbers as tags": (
        "POST",
        "/api/documents",
        b'{"id": "o6", "title": "t", "tags": [1, 2]}',
        "(id 'o6'): 'tags' must be a list of strings, got list containing int",
    ),
    "float as id": (
        "POST",
        "/api/documents",
        b'{"id": 5.5, "title": "t"}',
        "'id' must be a string or an integer, got float",
    ),
    "list as id": (
        "POST",
        "/api/documents",
        b'{"id": ["a"], "title": "t"}',
        "'id' must be a string or an integer, got list",
    ),
    "object as id": (
        "POST",
        "/api/documents",
        b'{"id": {"a": 1}, "title": "t"}',
        "'id' must be a string or an integer, got dict",
    ),
    "a number, not a document": (
        "POST",
        "/api/documents",
        b"5",
        "the document: not a JSON object (got int)",
    ),
    "a good record then a bad one": (
        "POST",
        "/api/documents",
        rb'[{"id": "o7", "title": "t"}, {"id": "o8", "title": "\ud800"}]',
        "item 2 (id 'o8'): 'title' contains a lone surrogate",
    ),
    "invalid UTF-8 in a body": (
        "POST",
        "/api/documents",
        b'{"id": "u1", "title": "caf\xe9"}',
        "not valid UTF-8 (byte 0xe9",
    ),
    "PUT: lone surrogate in title": (
        "PUT",
        "/api/documents/p1",
        rb'{"title": "\ud800"}',
        "(id 'p1'): 'title' contains a lone surrogate (U+D800)",
    ),
    "PUT: number as body": (
        "PUT",
        "/api/documents/p2",
        b'{"title": "t", "body": 7}',
        "(id 'p2'): 'body' must be a string, got int",
    ),
    "PUT: NUL in the URL's id": (
        "PUT",
        "/api/documents/a%00b",
        b'{"title": "t"}',
        "'id' contains a NUL character",
    ),
    "PUT: invalid UTF-8 in the URL's id": (
        "PUT",
        "/api/documents/caf%E9",
        b'{"title": "t"}',
        "the id in the URL is not valid UTF-8 (byte 0xe9)",
    ),
    "PUT: an encoded surrogate in the URL's id": (
        "PUT",
        "/api/documents/a%ED%A0%80",
        b'{"title": "t"}',
        "the id in the URL is not valid UTF-8 (byte 0xed)",
    ),
    "DELETE: invalid UTF-8 in the URL's id": (
        "DELETE",
        "/api/documents/%FF",
        None,
        "the id in the URL is not valid UTF-8 (byte 0xff)",
    ),
}


@pytest.mark.parametrize("method, path, body, message", BAD_WRITES.values(), ids=BAD_WRITES.keys())
def test_bad_input_is_400_with_a_message_and_nothing_is_written(
    server, method, path, body, message
):
    before = stored(server.index_dir)
    with Client(server.port) as client:
        reply = client.send(method, path, body)
    assert reply.status == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] in ("invalid_document", "invalid_id")
    assert error["message"].startswith("Nothing was written: ")
    assert message in error["message"]
    assert stored(server.index_dir) == before
