"""Empty and brand-new indexes answer everything with an empty result: library, CLI and server.

Two kinds of empty: an index with no segment at all (``build`` of no document, or a server
started on an empty folder), and one whose documents were all deleted (segments whose every
document is marked deleted, their terms still in the term tables). Both once failed: searches
raised AttributeError on the segment-less reader (the server's workers died warming up), and
autocomplete offered the words of deleted documents.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import (
    build_index,
    complete,
    delete_documents,
    index_stats,
    open_index,
    optimize,
    search,
)
from tests.conftest import NO_RATE_LIMITS, RATE_LIMITS_OFF, ROOT, TEST_DATA
from tests.web_live import LiveServer, fetch

KINDS = ["no_segment", "all_deleted"]
QUERIES = [
    "hà nội",
    "ha noi",
    'hà nội source:tuoitre published:2021 -"sài gòn"',
    "Thủ đô của Việt Nam là thành phố nào?",
    "nguoif vietj",  # a suggestion needs a vocabulary
    "(bóng OR đá) title:metro",
]
TOKEN = "empty-index-token"


def make_index(kind: str, path: Path) -> Path:
    """An index of ``kind`` at ``path``."""
    sources = [] if kind == "no_segment" else [TEST_DATA / "corpus"]
    build_index(sources, path, workers=1)
    if kind == "all_deleted":
        with open_index(path).searcher() as searcher:
            ids = [fields["id"] for fields in searcher.all_stored_fields()]
        assert len(ids) == 12 and delete_documents(path, ids) == 12
    return path


@pytest.fixture(params=KINDS)
def empty(request, tmp_path) -> Path:
    return make_index(request.param, tmp_path / "index")


def vietsearch(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The installed ``vietsearch`` command."""
    program = Path(sys.executable).with_name("vietsearch")
    env = {k: v for k, v in os.environ.items() if k != "VIETSEARCH_INDEX"}
    return subprocess.run(
        [str(program), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("query", QUERIES)
def test_every_search_is_empty(empty, query, sort):
    page = search(open_index(empty), query, sort=sort)
    assert (page.total, page.hits, page.suggestion) == (0, [], None)
    assert page.facets == {"source": {}, "category": {}, "year": {}}


@pytest.mark.parametrize("prefix", ["ha n", "hà n", "sai g", "tp", "thuy dien"])
def test_nothing_to_complete(empty, prefix):
    assert complete(open_index(empty), prefix) == []


def test_stats_count_nothing(empty):
    assert index_stats(empty)["documents"] == 0


def test_optimize_twice_then_index_again(empty):
    """The first merge of segments whose documents were all deleted leaves a segment without
    terms; merging that one again once failed in the codec (numpy shapes (1,) and (0,))."""
    for _ in range(2):
        optimize(empty)
        assert search(open_index(empty), "ha noi").total == 0
    build_index([TEST_DATA / "corpus"], empty, workers=1)
    assert search(open_index(empty), "sai gon").total == 2


def test_a_deleted_documents_words_are_no_longer_offered(tmp_path):
    """Some documents deleted: their words go, the others' stay (until a merge, the term
    tables still hold both)."""
    index = make_index("no_segment", tmp_path / "index")
    build_index([TEST_DATA / "corpus"], index, workers=1)
    before = complete(open_index(index), "sai g")
    assert before == ["Sài Gòn"]
    delete_documents(index, ["c02-tphcm-metro"])
    assert complete(open_index(index), "sai g") == ["Sài Gòn"]  # c12 still says it
    delete_documents(index, ["c12-sai-gon-hu-tieu-go"])
    assert complete(open_index(index), "sai g") == []
    assert complete(open_index(index), "ha n") == ["Hà Nội"]


@pytest.mark.parametrize(
    "args, printed",
    [
        (["search", "hà nội"], "0 results"),
        (["search", "--sort", "newest", "nguoif"], "0 results"),
        (["stats"], "documents: 0"),
        (["optimize"], "optimized"),
    ],
)
def test_the_command_line_answers_empty(empty, args, printed):
    for program in ("vietsearch", "python -m indexer"):
        command = [args[0], "--index", str(empty), *args[1:]]
        if program == "vietsearch":
            done = vietsearch(*command)
        else:
            done = subprocess.run(
                [sys.executable, "-m", "indexer", *command],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
        assert done.returncode == 0, (program, done.stderr)
        assert printed in done.stdout and done.stderr == "", (program, done.stdout)


def test_the_command_line_prints_an_empty_page_as_json(empty):
    done = vietsearch("search", "--index", str(empty), "--json", "ha noi")
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    assert (page["total"], page["hits"], page["suggestion"]) == (0, [], None)


@pytest.mark.parametrize(
    "path",
    [
        "/api/search?q=h%C3%A0+n%E1%BB%99i",
        "/api/search?q=ha+noi&sort=newest&source=tuoitre&category=x&from=2020-01-01",
        "/api/suggest?q=ha+n",
        "/healthz",
        "/search?q=ha+noi",
        "/",
    ],
)
def test_the_app_answers_200(empty, path):
    from web import create_app

    client = create_app({"TESTING": True, "INDEX": str(empty), **RATE_LIMITS_OFF}).test_client()
    reply = client.get(path)
    assert reply.status_code == 200, reply.text
    if path.startswith("/api/search"):
        assert (reply.json["total"], reply.json["hits"]) == (0, [])
    elif path.startswith("/api/suggest"):
        assert reply.json["completions"] == []
    elif path == "/healthz":
        assert (reply.json["status"], reply.json["documents"]) == ("ok", 0)
    assert client.get("/api/documents/c01-ha-noi-ba-dinh").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_the_server_boots_on_it_and_takes_a_write(kind, tmp_path):
    index = make_index(kind, tmp_path / "index")
    env = {"VIETSEARCH_API_TOKEN": TOKEN, **NO_RATE_LIMITS}
    server = LiveServer.start(index, tmp_path / "server.log", workers=2, env=env)
    try:
        assert server.get("/api/search?q=ha+noi").json()["total"] == 0
        assert server.get("/api/suggest?q=ha+n").json()["completions"] == []
        written = post(server, {"id": "moi", "title": "Hà Nội mưa lớn", "body": "Phố ngập."})
        # seq: the commit's generation, which after_seq accepts (README, "Reading your own writes")
        assert isinstance(written.pop("seq"), int)
        assert written == {"indexed": 1, "created": 1, "replaced": 0}
        assert search_until_found(server, "ha noi") == ["moi"]
    finally:
        server.stop()
    assert "Worker failed to boot" not in server.log() and "Traceback" not in server.log()


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_vietsearch_serve_starts_a_new_index_in_a_vacant_folder(folder, tmp_path):
    index = tmp_path / "new-index"
    if folder == "empty":
        index.mkdir()
    env = {"VIETSEARCH_API_TOKEN": TOKEN, **NO_RATE_LIMITS}
    program = (str(Path(sys.executable).with_name("vietsearch")), "serve")
    server = LiveServer.start(index, tmp_path / "server.log", workers=1, env=env, program=program)
    try:
        assert server.get("/healthz").json()["documents"] == 0
        assert server.get("/api/search?q=ha").json()["total"] == 0
        post(server, {"id": "dau-tien", "title": "Đà Nẵng", "body": "Cầu Rồng phun lửa."})
        assert search_until_found(server, "cau rong") == ["dau-tien"]
    finally:
        server.stop()
    assert f"vietsearch: created an empty index in {index}" in server.log()


def test_a_folder_holding_other_files_is_not_made_an_index(tmp_path):
    from web.server.vacant import create_if_vacant

    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert not create_if_vacant(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def post(server: LiveServer, document: dict) -> dict:
    """POST one document with the token; its answer, which must be 200."""
    import urllib.request

    request = urllib.request.Request(
        server.url("/api/documents"),
        data=json.dumps(document).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request) as reply:
        assert reply.status == 200
        return json.loads(reply.read())


def search_until_found(server: LiveServer, query: str) -> list[str]:
    """The ids /api/search finds, asked until they are there (the README: within a second)."""
    import time

    deadline = time.monotonic() + 2.0
    while True:
        hits = fetch(server.url(f"/api/search?q={query.replace(' ', '+')}")).json()["hits"]
        if hits or time.monotonic() > deadline:
            return [hit["id"] for hit in hits]
        time.sleep(0.1)
