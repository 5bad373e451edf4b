"""The JSON API through Flask's test client, over the test corpus index (tests/data/corpus)."""

import datetime as dt

import pytest

from tests.conftest import NO_RATE_LIMITS
from web import create_app

HIT_KEYS = [
    "id",
    "title",
    "url",
    "published",
    "source",
    "category",
    "score",
    "title_html",
    "snippet_html",
]
PAGE_KEYS = ["query", "total", "page", "per_page", "took_ms", "hits", "suggestion", "facets"]


def ids(reply) -> list[str]:
    return [hit["id"] for hit in reply.get_json()["hits"]]


def test_search_answers_every_field_in_order(client):
    reply = client.get("/api/search?q=bầu cử")
    assert reply.status_code == 200
    assert reply.mimetype == "application/json"
    page = reply.get_json()
    assert list(page) == PAGE_KEYS
    assert (page["query"], page["page"], page["per_page"]) == ("bầu cử", 1, 10)
    assert page["total"] == 2
    assert set(ids(reply)) == {"c07-bau-cu-da-nang", "000_e74d3da79069b4c0"}
    assert all(list(hit) == HIT_KEYS for hit in page["hits"])
    assert page["took_ms"] >= 0
    assert list(page["facets"]) == ["source", "category", "year"]
    c07 = next(hit for hit in page["hits"] if hit["id"] == "c07-bau-cu-da-nang")
    assert c07["url"] == "https://tuoitre.vn/test-corpus/c07-bau-cu-da-nang.htm"
    assert (c07["published"], c07["source"], c07["category"]) == (
        "2021-05-23",
        "tuoitre",
        "thoi-su",
    )
    assert "<mark>bầu cử</mark>" in c07["title_html"]
    assert "<mark>" in c07["snippet_html"]


@pytest.mark.parametrize(
    "query_string, expected_ids",
    [
        ("q=vaccine&source=tuoitre", set()),
        ("q=vaccine&source=vnexpress", {"c08-covid-vaccine"}),
        ("q=bong da&source=dantri", {"c09-bong-da-vleague"}),
        (
            "q=&source=tuoitre",
            {"c07-bau-cu-da-nang", "c10-the-thao-hoc-duong", "c12-sai-gon-hu-tieu-go"},
        ),
        ("q=&source=tuoitre&source=dantri&category=the-thao", {"c09-bong-da-vleague"}),
        ("q=&category=suc-khoe", {"c08-covid-vaccine"}),
        (
            "q=&from=2021-01-01&to=2021-12-31",
            {
                "c07-bau-cu-da-nang",
                "c08-covid-vaccine",
                "c09-bong-da-vleague",
                "c11-dai-duong-rac-nhua",
            },
        ),
        ("q=&from=2021-08-25", {"c08-covid-vaccine"}),
        ("q=&to=2020-10-12", {"c10-the-thao-hoc-duong"}),
        ("q=thuy dien", {"c03-thuy-dien-quang-nam", "c11-dai-duong-rac-nhua"}),
    ],
)
def test_search_filters(client, query_string, expected_ids):
    reply = client.get(f"/api/search?{query_string}&per_page=100")
    assert reply.status_code == 200, reply.get_json()
    assert set(ids(reply)) == expected_ids


def test_search_pages_and_sorts(client):
    first = client.get("/api/search?q=của&per_page=5").get_json()
    third = client.get("/api/search?q=của&per_page=5&page=3").get_json()
    assert first["total"] == third["total"] == 13
    assert (len(first["hits"]), len(third["hits"])) == (5, 3)
    everything = ids(client.get("/api/search?q=của&per_page=100"))
    assert [h["id"] for h in first["hits"] + third["hits"]] == everything[:5] + everything[10:]

    newest = client.get("/api/search?q=&sort=newest&per_page=100").get_json()["hits"]
    days = [hit["published"] for hit in newest if hit["published"]]
    assert days == sorted(days, reverse=True) and len(days) == 6
    # The library's three orders, the same on the command line and the web.
    oldest = client.get("/api/search?q=&sort=oldest&per_page=100").get_json()["hits"]
    assert [hit["published"] for hit in oldest if hit["published"]] == sorted(days)


def test_search_facets_count_the_whole_result_set(client):
    facets = client.get("/api/search?q=&per_page=1").get_json()["facets"]
    assert facets["source"] == {"tuoitre": 3, "vnexpress": 2, "dantri": 1}
    assert facets["year"] == {"2021": 4, "2020": 2}
    assert sum(facets["category"].values()) == 6


def test_search_offers_did_you_mean(client):
    # A misspelt word matches its correction (typo tolerance) and is pointed out either way.
    page = client.get("/api/search?q=vacine").get_json()
    assert (page["total"], page["suggestion"]) == (1, "vaccine")
    page = client.get("/api/search?q=vacine&typos=0").get_json()
    assert (page["total"], page["suggestion"]) == (0, "vaccine")


def test_search_per_page_up_to_100(client):
    page = client.get("/api/search?q=&per_page=100").get_json()
    assert (page["per_page"], page["total"], len(page["hits"])) == (100, 13, 13)


@pytest.mark.parametrize(
    "query_string, code, words",
    [
        ("page=abc", "invalid_parameter", "page must be a whole number"),
        ("page=0", "invalid_parameter", "page must be a whole number"),
        ("page=-1", "invalid_parameter", "page must be a whole number"),
        ("page=1.5", "invalid_parameter", "page must be a whole number"),
        ("per_page=101", "invalid_parameter", "per_page must be a whole number from 1 to 100"),
        ("per_page=0", "invalid_parameter", "per_page must be a whole number from 1 to 100"),
        ("per_page=ten", "invalid_parameter", "per_page must be a whole number"),
        ("page=101&per_page=100", "invalid_parameter", "beyond the first 10,000 results"),
        ("page=" + "9" * 5000, "invalid_parameter", "beyond the first 10,000 results"),
        ("sort=older", "invalid_parameter", "sort must be one of: relevance, newest, oldest"),
        ("sort=score", "invalid_parameter", "sort must be one of"),
        ("from=2021-13-01", "invalid_parameter", "from must be a date"),
        ("from=yesterday", "invalid_parameter", "from must be a date"),
        ("to=20210101", "invalid_parameter", "to must be a date"),
        ("from=2021-02-01&to=2021-01-01", "invalid_parameter", "from must not be later than to"),
        ("q=" + "a" * 1001, "invalid_query", "the limit is 1,000"),
        ("q=((((((a))))))", "invalid_query", "nests parentheses"),
        ("q=published:2021-99", "invalid_query", "published:2021-99"),
    ],
)
def test_search_rejects_bad_parameters_with_400(client, query_string, code, words):
    reply = client.get(f"/api/search?{query_string}")
    assert reply.status_code == 400
    error = reply.get_json()["error"]
    assert error["code"] == code
    assert words in error["message"]


def test_empty_parameters_count_as_absent(client):
    reply = client.get("/api/search?q=ha noi&page=&per_page=&sort=&from=&to=&source=")
    assert reply.status_code == 200
    assert (reply.get_json()["page"], reply.get_json()["per_page"]) == (1, 10)


@pytest.mark.parametrize(
    "doc_id, title",
    [
        ("c08-covid-vaccine", "Thêm 15.706 ca COVID-19, các tỉnh đẩy nhanh tiêm vaccine"),
        ("c01-ha-noi-ba-dinh", "Quận Ba Đình chỉnh trang hè phố quanh hồ Trúc Bạch"),
    ],
)
def test_document_returns_the_stored_document(client, doc_id, title):
    reply = client.get(f"/api/documents/{doc_id}")
    assert reply.status_code == 200
    document = reply.get_json()
    assert (document["id"], document["title"]) == (doc_id, title)
    assert set(document) == {
        "id",
        "title",
        "body",
        "url",
        "published",
        "source",
        "category",
        "tags",
    }
    assert len(document["body"]) > 200


def test_document_ids_may_contain_slashes(tmp_path):
    from indexer import build_index

    source = tmp_path / "corpus" / "2021" / "04"
    source.mkdir(parents=True)
    (source / "bai-viet.txt").write_text("Tiêu đề\n\nNội dung bài viết.", encoding="utf-8")
    build_index([tmp_path / "corpus"], tmp_path / "index", workers=1)
    client = create_app({"TESTING": True, "INDEX": str(tmp_path / "index")}).test_client()
    reply = client.get("/api/documents/2021/04/bai-viet")
    assert reply.status_code == 200
    assert reply.get_json()["id"] == "2021/04/bai-viet"


@pytest.mark.parametrize("doc_id", ["nope", "c08-covid-vaccine/extra", "2021/04/none"])
def test_unknown_document_is_404_json(client, doc_id):
    reply = client.get(f"/api/documents/{doc_id}")
    assert reply.status_code == 404
    assert reply.get_json()["error"]["code"] == "document_not_found"
    assert doc_id in reply.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "typed, first",
    [
        ("ha n", "Hà Nội"),
        ("hà n", "Hà Nội"),
        ("ba d", "Ba Đình"),
        ("sai g", "Sài Gòn"),
        ("thuy d", "thủy điện"),
        ("tin ha n", "tin Hà Nội"),
        ("bầu cử ha n", "bầu cử Hà Nội"),
    ],
)
def test_suggest_completes_accent_insensitively(client, typed, first):
    reply = client.get("/api/suggest", query_string={"q": typed})
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["query"] == typed
    assert body["completions"][0] == first
    assert len(body["completions"]) <= 8


@pytest.mark.parametrize("typed", ["", "h", "zzqx", "x" * 500])
def test_suggest_without_completions(client, typed):
    reply = client.get("/api/suggest", query_string={"q": typed})
    assert reply.status_code == 200
    assert reply.get_json() == {"query": typed, "completions": []}


def test_suggest_gives_at_most_8(client):
    for prefix in ("th", "ng", "ch", "tr"):
        assert len(client.get(f"/api/suggest?q={prefix}").get_json()["completions"]) <= 8
    assert len(client.get("/api/suggest?q=th").get_json()["completions"]) == 8


def test_suggest_in_opensearch_format(client):
    reply = client.get("/api/suggest?q=ha n&format=opensearch")
    assert reply.status_code == 200
    assert reply.mimetype == "application/x-suggestions+json"
    assert reply.get_json(force=True) == ["ha n", ["Hà Nội", "Hà Nội tại"]]
    assert client.get("/api/suggest?q=ha&format=xml").status_code == 400


def test_healthz_reports_documents_and_last_commit(client, corpus_index):
    reply = client.get("/healthz")
    assert reply.status_code == 200
    body = reply.get_json()
    assert (body["status"], body["documents"]) == ("ok", 13)
    committed = dt.datetime.fromisoformat(body["last_commit"])
    newest_toc = max(p.stat().st_mtime for p in corpus_index.glob("_MAIN_*.toc"))
    assert committed.tzinfo is not None
    assert abs(committed.timestamp() - newest_toc) < 0.01


@pytest.mark.parametrize(
    "path, method",
    [
        (path, method)
        for path in ["/api/search", "/api/suggest", "/api/documents/x", "/healthz"]
        for method in ["POST", "PUT", "DELETE", "PATCH"]
        if not (
            path == "/api/documents/x" and method in ("PUT", "DELETE")
        )  # web.documents: PUT and DELETE exist
    ],
)
def test_other_methods_are_405_json(client, path, method):
    reply = client.open(path, method=method)
    assert reply.status_code == 405
    assert reply.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in reply.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/nope", "/api/", "/api/search/extra"])
def test_unknown_api_path_is_404_json(client, path):
    reply = client.get(path)
    assert reply.status_code == 404
    assert reply.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_body_over_1_mb_is_413_json(client, method):
    reply = client.open("/api/search", method=method, data=b"x" * (1024 * 1024 + 1))
    assert reply.status_code == 413
    assert reply.get_json()["error"]["code"] == "payload_too_large"
    assert client.get("/api/search?q=ha", data=b"x" * 1024).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/api/search?q=ha", "/api/suggest?q=ha", "/api/documents/c01-ha-noi-ba-dinh"],
)
def test_missing_index_is_503_json(tmp_path, path):
    client = create_app({"TESTING": True, "INDEX": str(tmp_path / "empty")}).test_client()
    reply = client.get(path)
    assert reply.status_code == 503
    error = reply.get_json()["error"]
    assert error["code"] == "index_unavailable"
    assert "python -m indexer build" in error["message"]


def test_index_built_after_start_is_picked_up(tmp_path):
    from indexer import build_index

    client = create_app({"TESTING": True, "INDEX": str(tmp_path / "index")}).test_client()
    assert client.get("/healthz").status_code == 503
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mot.txt").write_text("Một\n\nBài viết thứ nhất.", encoding="utf-8")
    build_index([corpus], tmp_path / "index", workers=1)
    assert client.get("/healthz").get_json()["documents"] == 1


@pytest.mark.parametrize(
    "path", ["/api/search?q=ha", "/api/suggest?q=ha", "/api/openapi.json", "/api/nope"]
)
def test_api_gets_allow_any_origin(client, path):
    reply = client.get(path, headers={"Origin": "https://example.org"})
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_is_only_for_api_reads(client):
    assert "Access-Control-Allow-Origin" not in client.get("/search?q=ha").headers
    assert "Access-Control-Allow-Origin" not in client.post("/api/search").headers


def test_index_can_come_from_the_environment(monkeypatch, corpus_index):
    monkeypatch.setenv("VIETSEARCH_INDEX", str(corpus_index))
    client = create_app({"TESTING": True}).test_client()
    assert client.get("/healthz").get_json()["documents"] == 13


@pytest.mark.parametrize(
    "path", ["/healthz", "/api/search?q=ha", "/api/documents/c01-ha-noi-ba-dinh"]
)
def test_an_index_removed_while_served_is_503_json_then_served_again_once_rebuilt(
    corpus_index, tmp_path, path
):
    import shutil
    import time

    from indexer.searching.searchers import REFRESH_INTERVAL_S

    folder = tmp_path / "index"
    shutil.copytree(corpus_index, folder)
    client = create_app({"TESTING": True, "INDEX": str(folder), **NO_RATE_LIMITS}).test_client()
    assert client.get(path).status_code == 200
    shutil.rmtree(folder)
    time.sleep(REFRESH_INTERVAL_S)  # the worker looks for new commits this often
    reply = client.get(path)
    assert reply.status_code == 503
    assert reply.get_json()["error"]["code"] == "index_unavailable"
    shutil.copytree(corpus_index, folder)
    assert client.get(path).status_code == 200
