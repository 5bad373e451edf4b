"""The write API through Flask's test client: auth, validation, all or nothing, 503."""

import shutil
import time

import pytest

from indexer.store.commits import open_or_create
from indexer.store.locks import open_writer
from indexer.store.positions import latest_generation
from tests.test_live import stored
from tests.test_web_openapi import validate
from web import create_app

TOKEN = "kiem-tra-7f3a9c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NO_LIMITS = {"RATE_LIMIT": "off", "WRITE_RATE_LIMIT": "off"}
NEW = '{"id": "moi", "title": "Quokkaxanh", "body": "Quokkaxanh ghé thăm Đà Lạt."}'.encode()
POLL_S = 5.0  # the refresh interval is 0.5 s; a bound on the wait, not a timing assertion


@pytest.fixture
def index_dir(corpus_index, tmp_path):
    path = tmp_path / "index"
    shutil.copytree(corpus_index, path)
    return path


def make_client(index_dir, **config):
    settings = {"TESTING": True, "INDEX": str(index_dir), "API_TOKEN": TOKEN, **NO_LIMITS}
    return create_app({**settings, **config}).test_client()


@pytest.fixture
def client(index_dir):
    return make_client(index_dir)


@pytest.fixture(scope="module")
def openapi(corpus_index):
    return make_client(corpus_index).get("/api/openapi.json").get_json()


# --- auth -----------------------------------------------------------------------------------

WRITES = [
    ("POST", "/api/documents", NEW),
    ("PUT", "/api/documents/moi", NEW),
    ("DELETE", "/api/documents/c01-ha-noi-ba-dinh", None),
]


@pytest.mark.parametrize("method, path, body", WRITES)
@pytest.mark.parametrize("token", [None, "", "  "])
def test_without_a_configured_token_writes_are_403(index_dir, method, path, body, token):
    client = make_client(index_dir, API_TOKEN=token)
    reply = client.open(path, method=method, data=body, headers=AUTH)
    assert reply.status_code == 403
    assert reply.get_json()["error"]["code"] == "writes_disabled"
    assert stored(index_dir)["c01-ha-noi-ba-dinh"] == 1 and "moi" not in stored(index_dir)


@pytest.mark.parametrize("method, path, body", WRITES)
@pytest.mark.parametrize(
    "authorization, code",
    [
        (None, "unauthorized"),
        ("", "unauthorized"),
        (TOKEN, "unauthorized"),
        (f"Basic {TOKEN}", "unauthorized"),
        ("Bearer ", "unauthorized"),
        ("Bearer wrong", "invalid_token"),
        (f"Bearer {TOKEN}x", "invalid_token"),
        (f"Bearer {TOKEN[:-1]}", "invalid_token"),
    ],
)
def test_writes_without_the_right_bearer_token_are_401(
    client, index_dir, method, path, body, authorization, code
):
    headers = {} if authorization is None else {"Authorization": authorization}
    reply = client.open(path, method=method, data=body, headers=headers)
    assert reply.status_code == 401
    assert reply.get_json()["error"]["code"] == code
    assert reply.headers["WWW-Authenticate"].startswith('Bearer realm="vietsearch"')
    assert stored(index_dir)["c01-ha-noi-ba-dinh"] == 1 and "moi" not in stored(index_dir)


def test_the_scheme_is_case_insensitive(client):
    for scheme in ("bearer", "BEARER"):
        reply = client.post(
            "/api/documents", data=NEW, headers={"Authorization": f"{scheme} {TOKEN}"}
        )
        assert reply.status_code == 200


@pytest.mark.parametrize("parameter", ["access_token", "token", "api_token", "api_key"])
def test_a_token_in_the_query_string_is_refused_even_with_the_header(client, index_dir, parameter):
    reply = client.post(f"/api/documents?{parameter}={TOKEN}", data=NEW, headers=AUTH)
    assert reply.status_code == 400
    assert reply.get_json()["error"]["code"] == "token_in_url"
    assert "moi" not in stored(index_dir)


@pytest.mark.parametrize("token", ["s3cret-from-env", "20250101", "1e3", "true"])
def test_the_token_can_come_from_the_environment(monkeypatch, index_dir, token):
    monkeypatch.setenv("VIETSEARCH_API_TOKEN", token)
    client = create_app({"TESTING": True, "INDEX": str(index_dir), **NO_LIMITS}).test_client()
    assert client.post("/api/documents", data=NEW).status_code == 401
    reply = client.post("/api/documents", data=NEW, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", ""])
def test_a_bad_write_timeout_fails_at_start(index_dir, value):
    with pytest.raises(ValueError, match="WRITE_TIMEOUT must be a number of seconds"):
        make_client(index_dir, WRITE_TIMEOUT=value)


def test_the_write_timeout_can_come_from_the_environment(monkeypatch, index_dir):
    monkeypatch.setenv("VIETSEARCH_WRITE_TIMEOUT", "2.5")
    app = create_app({"TESTING": True, "INDEX": str(index_dir)})
    assert app.config["WRITE_TIMEOUT"] == 2.5


def test_searches_stay_public(client):
    assert client.get("/api/search?q=ha+noi").status_code == 200
    assert client.get("/api/documents/c01-ha-noi-ba-dinh").status_code == 200


def test_auth_is_checked_before_the_body_size(client):
    too_big = b"x" * (1024 * 1024 + 1)
    assert client.post("/api/documents", data=too_big).status_code == 401
    reply = client.post("/api/documents", data=too_big, headers=AUTH)
    assert reply.status_code == 413
    assert reply.get_json()["error"]["code"] == "payload_too_large"


# --- writing --------------------------------------------------------------------------------


def found(client, query: str) -> list[str]:
    return [hit["id"] for hit in client.get(f"/api/search?q={query}").get_json()["hits"]]


def test_post_put_delete_and_what_search_sees(client, index_dir, openapi):
    assert found(client, "quokkaxanh") == []  # opens this app's searcher before the write
    reply = client.post("/api/documents", data=NEW, headers=AUTH)
    # seq: the generation of the commit that holds the write (after_seq takes it).
    seq = latest_generation(index_dir)
    assert reply.get_json() == {"indexed": 1, "created": 1, "replaced": 0, "seq": seq}
    validate(openapi, "/api/documents", "post", reply)
    deadline = time.monotonic() + POLL_S
    while found(client, "quokkaxanh") != ["moi"]:
        assert time.monotonic() < deadline, "not searchable"
        time.sleep(0.05)

    reply = client.put("/api/documents/tin/mot", data=b'{"title": "Tin mot"}', headers=AUTH)
    assert reply.status_code == 201
    assert reply.headers["Location"] == "/api/documents/tin/mot"
    validate(openapi, "/api/documents/{id}", "put", reply)
    reply = client.put("/api/documents/tin/mot", data=b'{"title": "Tin hai"}', headers=AUTH)
    assert (reply.status_code, reply.get_json()["replaced"]) == (200, 1)
    validate(openapi, "/api/documents/{id}", "put", reply)
    assert stored(index_dir)["tin/mot"] == 1

    reply = client.delete("/api/documents/tin/mot", headers=AUTH)
    assert (reply.status_code, reply.data) == (204, b"")
    assert reply.headers["Vietsearch-Seq"] == str(latest_generation(index_dir))
    assert "204" in openapi["paths"]["/api/documents/{id}"]["delete"]["responses"]
    reply = client.delete("/api/documents/tin/mot", headers=AUTH)
    assert reply.status_code == 404
    validate(openapi, "/api/documents/{id}", "delete", reply)
    assert "tin/mot" not in stored(index_dir)


def test_a_batch_as_an_array_and_as_json_lines(client, index_dir):
    array = b'[{"id": "a1", "title": "Mot"}, {"id": "c01-ha-noi-ba-dinh", "title": "Moi"}]'
    reply = client.post("/api/documents", data=array, headers=AUTH)
    seq = latest_generation(index_dir)
    assert reply.get_json() == {"indexed": 2, "created": 1, "replaced": 1, "seq": seq}
    lines = b'{"id": "l1", "title": "Mot"}\n{"id": "l2", "title": "Hai"}\n'
    headers = {**AUTH, "Content-Type": "application/x-ndjson"}
    reply = client.post("/api/documents", data=lines, headers=headers)
    seq += 1
    assert reply.get_json() == {"indexed": 2, "created": 2, "replaced": 0, "seq": seq}
    ids = stored(index_dir)
    assert [ids[i] for i in ("a1", "c01-ha-noi-ba-dinh", "l1", "l2")] == [1, 1, 1, 1]


GOOD = '{"id": "tot-1", "title": "Tốt"}'
BAD_BATCHES = [
    ("missing id", f'[{GOOD}, {{"title": "x"}}]', "item 2: 'id' is missing"),
    ("empty id", f'{GOOD}\n{{"id": " ", "title": "x"}}', "line 2: 'id' is empty"),
    ("wrong type", f'[{GOOD}, {{"id": "b", "body": 3}}]', "item 2 (id 'b'): 'body' must be"),
    (
        "wrong id type",
        f'[{GOOD}, {{"id": 1.5, "title": "x"}}]',
        "item 2: 'id' must be a string or an integer",
    ),
    ("duplicate id", f"[{GOOD}, {GOOD}]", "item 2 (id 'tot-1'): id 'tot-1' is also item 1"),
    (
        "bad date",
        f'[{GOOD}, {{"id": "d", "title": "x", "date": "hôm qua"}}]',
        "'date' is not an ISO 8601 date",
    ),
    ("not an object", f"[{GOOD}, 7]", "item 2: not a JSON object (got int)"),
    ("bad json", f'{GOOD}\n{{"id": "b",', "line 2: invalid JSON"),
    ("empty", "", "the request body holds no documents"),
]


@pytest.mark.parametrize("name, body, reason", BAD_BATCHES, ids=[c[0] for c in BAD_BATCHES])
def test_a_bad_record_is_400_naming_it_and_nothing_of_the_batch_is_written(
    client, index_dir, openapi, name, body, reason
):
    before = stored(index_dir)
    reply = client.post("/api/documents", data=body.encode(), headers=AUTH)
    assert reply.status_code == 400
    error = reply.get_json()["error"]
    assert error["code"] == "invalid_document"
    assert reason in error["message"]
    assert error["message"].startswith("Nothing was written")
    validate(openapi, "/api/documents", "post", reply)
    assert stored(index_dir) == before


def test_invalid_utf8_is_400_naming_the_line_and_byte(client, index_dir):
    body = GOOD.encode() + b'\n{"id": "b", "title": "Ph\xe1\xbb"}'
    reply = client.post("/api/documents", data=body, headers=AUTH)
    assert reply.status_code == 400
    assert "line 2: not valid UTF-8 (byte 0xe1 at offset" in reply.get_json()["error"]["message"]
    assert "tot-1" not in stored(index_dir)


def test_a_put_whose_body_names_another_id_is_400(client, index_dir):
    reply = client.put("/api/documents/a", data=b'{"id": "b", "title": "x"}', headers=AUTH)
    assert reply.status_code == 400
    assert "is not the id in the URL" in reply.get_json()["error"]["message"]
    assert not {"a", "b"} & set(stored(index_dir))


def test_a_body_over_the_limit_is_413_and_nothing_is_written(index_dir, openapi):
    client = make_client(index_dir, MAX_CONTENT_LENGTH=2000)
    records = [f'{{"id": "to-{n}", "title": "Bài {n}", "body": "{"chữ " * 50}"}}' for n in range(9)]
    body = ("\n".join(records)).encode()
    assert len(body) > 2000
    reply = client.post("/api/documents", data=body, headers=AUTH)
    assert reply.status_code == 413
    validate(openapi, "/api/documents", "post", reply)
    assert not any(doc_id.startswith("to-") for doc_id in stored(index_dir))


def test_a_busy_writer_is_503_with_retry_after_and_nothing_is_written(index_dir, openapi):
    client = make_client(index_dir, WRITE_TIMEOUT=0.3)
    holder = open_writer(open_or_create(index_dir), timeout=5)
    try:
        reply = client.post("/api/documents", data=NEW, headers=AUTH)
    finally:
        holder.cancel()
    assert reply.status_code == 503
    assert reply.get_json()["error"]["code"] == "writer_busy"
    assert int(reply.headers["Retry-After"]) >= 1
    validate(openapi, "/api/documents", "post", reply)
    assert "moi" not in stored(index_dir)
    assert client.post("/api/documents", data=NEW, headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    "authorization, status", [(None, 401), ("Bearer wrong", 401), (f"Bearer {TOKEN}", 200)]
)
def test_auth_answers_validate_against_the_openapi_document(client, openapi, authorization, status):
    headers = {} if authorization is None else {"Authorization": authorization}
    reply = client.post("/api/documents", data=NEW, headers=headers)
    assert reply.status_code == status
    validate(openapi, "/api/documents", "post", reply)
    disabled = make_client(client.application.config["INDEX"], API_TOKEN=None)
    validate(openapi, "/api/documents", "post", disabled.post("/api/documents", data=NEW))


def test_a_single_node_answers_a_write_preferring_async_when_it_is_on_disk(client, index_dir):
    """Prefer: respond-async is for cluster mode; a single node's commit is its acknowledgement."""
    prefer = AUTH | {"Prefer": "respond-async"}
    reply = client.put("/api/documents/tin/ba", data=b'{"title": "Tin ba"}', headers=prefer)
    assert reply.status_code == 201 and "Preference-Applied" not in reply.headers
    assert reply.get_json()["seq"] == latest_generation(index_dir)
    assert stored(index_dir)["tin/ba"] == 1
