"""End to end: the real server (``python -m web``, gunicorn, two workers) over HTTP."""

import socket
import subprocess
import sys
import time
from urllib.parse import quote

import pytest

from tests.conftest import ROOT
from tests.web_html import Page
from tests.web_live import fetch

NEW_DOC = "c99-khinh-khi-cau"
NEW_TEXT = (
    "Khinh khí cầu rực rỡ trên bầu trời Mộc Châu\n\n"
    "Hàng chục khinh khí cầu đã bay lên trong lễ hội đầu tiên tổ chức ở cao nguyên Mộc Châu, "
    "thu hút đông đảo du khách thức dậy từ sớm để ngắm bình minh."
)
PHRASE = '"khinh khí cầu"'
POLL_S = 5.0  # a new commit must show within 2 s; poll longer so a slow CI box does not flake


def search_ids(server, query: str) -> list[str]:
    reply = server.get(f"/api/search?q={quote(query)}")
    assert reply.status == 200, reply.text
    return [hit["id"] for hit in reply.json()["hits"]]


def test_it_is_gunicorn_not_the_development_server(live_server):
    reply = live_server.get("/healthz")
    assert reply.status == 200
    assert reply.headers["Server"].startswith("gunicorn")
    assert "development server" not in live_server.log().lower()


def test_search_over_http(live_server):
    reply = live_server.get("/api/search?q=" + quote("bầu cử"))
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    page = reply.json()
    assert {hit["id"] for hit in page["hits"]} == {"c07-bau-cu-da-nang", "000_e74d3da79069b4c0"}
    assert "<mark>bầu cử</mark>" in page["hits"][0]["title_html"] + page["hits"][0]["snippet_html"]


def test_pages_and_assets_over_http(live_server):
    reply = live_server.get("/search?q=" + quote("ha noi"))
    assert reply.status == 200
    assert "default-src 'self'" in reply.headers["Content-Security-Policy"]
    page = Page(reply.text)
    assert page.find_all("html", lang="vi")
    assert "<mark>Hà Nội</mark>" in reply.text
    for asset in ("/static/autocomplete.js", "/static/style.css", "/opensearch.xml"):
        assert live_server.get(asset).status == 200


@pytest.mark.parametrize(
    "method, path, body, status, code",
    [
        ("POST", "/api/search", b"q=x", 405, "method_not_allowed"),
        ("GET", "/api/nope", None, 404, "not_found"),
        ("GET", "/api/documents/no/such/id", None, 404, "document_not_found"),
        ("GET", "/api/search?per_page=101", None, 400, "invalid_parameter"),
        ("POST", "/api/search", b"x" * (1024 * 1024 + 1), 413, "payload_too_large"),
    ],
)
def test_api_errors_over_http(live_server, method, path, body, status, code):
    reply = live_server.get(path, method=method, data=body)
    assert reply.status == status
    assert reply.json()["error"]["code"] == code


def test_suggest_over_http(live_server):
    reply = live_server.get("/api/suggest?q=" + quote("ha n") + "&format=opensearch")
    assert reply.status == 200
    assert reply.json() == ["ha n", ["Hà Nội", "Hà Nội tại"]]


def test_new_commit_is_searchable_without_restart(live_server, tmp_path):
    before = live_server.get("/healthz").json()
    assert search_ids(live_server, PHRASE) == []
    source = tmp_path / f"{NEW_DOC}.txt"
    source.write_text(NEW_TEXT, encoding="utf-8")
    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "indexer",
            "add",
            str(source),
            "--index",
            str(live_server.index_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr

    # Several answers in a row, so both workers are likely to have been asked.
    deadline, in_a_row = time.monotonic() + POLL_S, 0
    while time.monotonic() < deadline and in_a_row < 10:
        in_a_row = in_a_row + 1 if search_ids(live_server, PHRASE) == [NEW_DOC] else 0
        time.sleep(0.05)
    assert in_a_row == 10, f"not searchable within {POLL_S} s of the commit"
    after = live_server.get("/healthz").json()
    assert after["documents"] == before["documents"] + 1
    assert after["last_commit"] > before["last_commit"]
    assert live_server.get(f"/api/documents/{NEW_DOC}").json()["title"].startswith("Khinh khí")


def test_stalled_clients_do_not_hold_the_server(live_server):
    stalled = []
    for _ in range(4):
        sock = socket.create_connection(("127.0.0.1", live_server.port), timeout=30)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        stalled.append(sock)
    try:
        assert live_server.get("/healthz").status == 200
        for sock in stalled:
            assert sock.recv(1024) == b""  # the server gave up on it
    finally:
        for sock in stalled:
            sock.close()
    assert "dropped a client that stalled" in live_server.log()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--workers", "0"], "expected a positive whole number"),
        (["--port", "http"], "expected a port"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_command_line_exits_2(args, words):
    done = subprocess.run(
        [sys.executable, "-m", "web", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert words in done.stderr


def test_server_refuses_an_oversized_request_line(live_server):
    reply = fetch(live_server.url("/api/search?q=" + "a" * 9000))
    assert reply.status == 414
