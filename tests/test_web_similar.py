"""Related documents over HTTP (``/api/documents/<id>/similar``), the document page ``/doc/<id>``
and ``python -m indexer similar``, over the test corpus (Flask's test client; the CLI for real)."""

from __future__ import annotations

import json
import shutil
from urllib.parse import quote, unquote, urlsplit

import pytest

from tests.conftest import RATE_LIMITS_OFF
from tests.test_cli import SEED_ID as CORPUS_SEED_ID
from tests.test_cli import run_cli
from tests.test_prod_web import check_documented
from tests.test_web_api import HIT_KEYS, PAGE_KEYS
from tests.test_web_writes import AUTH, make_client
from tests.web_html import Page, query_of
from web import create_app

C01 = "c01-ha-noi-ba-dinh"
C07 = "c07-bau-cu-da-nang"
HOSTILE_ID = 'x/<script>alert(1)</script>?a=1&b="#'
HOSTILE = {
    "title": "Tiêu đề <script>alert('t')</script> Hà Nội",
    "body": 'Đoạn một <img src=x onerror=alert(1)> ở Hà Nội.\n\nĐoạn hai & "trích dẫn" về Ba Đình.',
}


@pytest.fixture
def index_dir(corpus_index, tmp_path):
    path = tmp_path / "index"
    shutil.copytree(corpus_index, path)
    return path


@pytest.fixture
def writer(index_dir):
    """A client of a copy of the corpus index that may write (the API token)."""
    return make_client(index_dir)


def ids(reply) -> list[str]:
    return [hit["id"] for hit in reply.get_json()["hits"]]


# --- /api/documents/<id>/similar ---------------------------------------------------------------


def test_similar_answers_the_json_of_a_search(client):
    reply = client.get(f"/api/documents/{C01}/similar?per_page=3")
    assert reply.status_code == 200 and reply.mimetype == "application/json"
    page = reply.get_json()
    assert list(page) == PAGE_KEYS and all(list(hit) == HIT_KEYS for hit in page["hits"])
    assert (page["query"], page["page"], page["per_page"], page["suggestion"]) == ("", 1, 3, None)
    assert ids(reply)[0] == CORPUS_SEED_ID and len(ids(reply)) == 3
    assert C01 not in ids(client.get(f"/api/documents/{C01}/similar?per_page=100"))
    check_documented("/api/documents/{id}/similar", "get", reply)


def test_similar_is_filtered_like_a_search(client):
    reply = client.get(f"/api/documents/{C01}/similar?per_page=100&source=tuoitre")
    searched = client.get("/api/search?q=&source=tuoitre&per_page=100")
    assert ids(reply) and set(ids(reply)) <= set(ids(searched))
    dated = client.get(f"/api/documents/{C01}/similar?from=2021-05-01&to=2021-05-31")
    assert ids(dated) == [C07]


@pytest.mark.parametrize(
    "query",
    ["per_page=0", "per_page=101", "page=x", "from=2021-13-01", "from=2022-01-02&to=2022-01-01"],
)
def test_bad_parameters_are_400(client, query):
    reply = client.get(f"/api/documents/{C01}/similar?{query}")
    assert reply.status_code == 400
    assert reply.get_json()["error"]["code"] == "invalid_parameter"
    check_documented("/api/documents/{id}/similar", "get", reply)


@pytest.mark.parametrize("doc_id", ["none-such", "a/b", quote("<x>")])
def test_an_unknown_id_is_404_json(client, doc_id):
    reply = client.get(f"/api/documents/{doc_id}/similar")
    assert reply.status_code == 404 and reply.mimetype == "application/json"
    assert reply.get_json()["error"]["code"] == "document_not_found"
    check_documented("/api/documents/{id}/similar", "get", reply)


def test_an_id_ending_in_similar_is_still_read_by_get(writer):
    body = json.dumps({"title": "Đuôi similar", "body": "Một tài liệu."}).encode()
    assert writer.put("/api/documents/ends/similar", data=body, headers=AUTH).status_code == 201
    assert writer.get("/api/documents/ends/similar").get_json()["title"] == "Đuôi similar"


def test_similar_is_a_read_open_to_anyone(index_dir):
    reader = make_client(index_dir, API_TOKEN="kiem-tra-7f3a9c")  # no token sent
    assert reader.get(f"/api/documents/{C01}/similar").status_code == 200
    assert reader.post(f"/api/documents/{C01}/similar").status_code == 405


# --- /doc/<id> ---------------------------------------------------------------------------------


def test_the_page_marks_a_folded_query_in_the_title_and_the_whole_body(client):
    reply = client.get(f"/doc/{C01}?q=ba dinh ha noi")
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    html = reply.get_data(as_text=True)
    title = html.split('class="document-title">')[1].split("</h1>")[0]
    assert title == "Quận <mark>Ba Đình</mark> chỉnh trang hè phố quanh hồ Trúc Bạch"
    body = html.split('<div class="document-body">')[1].split("</div>")[0]
    assert body.count("<p>") == 4
    assert body.count("<mark>Hà Nội</mark>") == 2 and body.count("<mark>Ba Đình</mark>") == 2
    page = Page(html)
    assert ("/search?q=ba+dinh+ha+noi", "‹ Kết quả tìm kiếm cho “ba dinh ha noi”") in page.anchors
    assert page.find_all("input", name="q", value="ba dinh ha noi")


def test_the_page_shows_the_metadata_and_links_the_original(client):
    page = Page(client.get(f"/doc/{C07}").get_data(as_text=True))
    assert "<mark>" not in str(page.tags)
    text = page.text
    for shown in ("Nguồn: tuoitre", "Chuyên mục: thoi-su", "Ngày đăng: 23/05/2021", f"Mã: {C07}"):
        assert shown in text
    url = "https://tuoitre.vn/test-corpus/c07-bau-cu-da-nang.htm"
    assert (url, url) in page.anchors
    assert page.find_all("time", datetime="2021-05-23")


def test_the_page_links_five_related_documents_to_their_pages(client):
    page = Page(client.get(f"/doc/{C01}").get_data(as_text=True))
    related = [href for href, _ in page.anchors if href.startswith("/doc/")]
    expected = ids(client.get(f"/api/documents/{C01}/similar?per_page=5"))
    assert related == [f"/doc/{doc_id}" for doc_id in expected] and len(related) == 5
    assert related[0] == f"/doc/{CORPUS_SEED_ID}"
    assert client.get(related[0]).status_code == 200


def test_a_search_hit_without_url_links_to_its_page_with_the_query(client):
    page = Page(client.get("/search?q=Nguyễn Thị Tuyến").get_data(as_text=True))
    links = [href for href, _ in page.anchors if href.startswith("/doc/")]
    assert links[0] == f"/doc/{CORPUS_SEED_ID}?q=Nguy%E1%BB%85n+Th%E1%BB%8B+Tuy%E1%BA%BFn"
    assert query_of(links[0]) == {"q": ["Nguyễn Thị Tuyến"]}
    landed = client.get(links[0]).get_data(as_text=True)
    assert "<mark>Nguyễn Thị Tuyến</mark>" in landed


def test_hits_with_a_url_keep_their_external_link(client):
    page = Page(client.get("/search?q=bầu cử").get_data(as_text=True))
    assert ("https://tuoitre.vn/test-corpus/c07-bau-cu-da-nang.htm") in [h for h, _ in page.anchors]


def test_an_unknown_document_is_the_404_page(client):
    reply = client.get("/doc/none-such?q=x")
    assert reply.status_code == 404 and reply.mimetype == "text/html"
    assert "Không tìm thấy trang" in Page(reply.get_data(as_text=True)).text


def test_a_query_search_would_refuse_shows_the_page_unmarked(client):
    reply = client.get(f"/doc/{C01}?q=" + "x" * 5000)
    assert reply.status_code == 200
    assert "<mark>" not in reply.get_data(as_text=True)


def test_a_hostile_id_and_text_are_escaped_and_quoted(writer):
    body = json.dumps(HOSTILE, ensure_ascii=False).encode()
    put = writer.put("/api/documents/" + quote(HOSTILE_ID, safe=""), data=body, headers=AUTH)
    assert put.status_code == 201
    search = writer.get("/search?q=hà nội tiêu đề").get_data(as_text=True)
    (link,) = [h for h, _ in Page(search).anchors if h.startswith("/doc/x/")]
    assert "<" not in link and '"' not in link and "#" not in link
    assert unquote(urlsplit(link).path.removeprefix("/doc/")) == HOSTILE_ID
    reply = writer.get(link)
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in html
    assert "Đoạn hai &amp; &quot;trích dẫn&quot; về <mark>Ba Đình</mark>" not in html
    assert "Đoạn hai &amp; &quot;trích dẫn&quot; về Ba Đình." in html
    assert '<code class="document-id">x/&lt;script&gt;' in html
    assert "<mark>Hà Nội</mark>" in html


def test_the_click_of_a_hit_without_url_goes_to_its_page(corpus_index, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INDEX": str(corpus_index),
            **RATE_LIMITS_OFF,
            "ANALYTICS": "on",
            "ANALYTICS_FILE": str(tmp_path / "analytics.sqlite3"),
        }
    )
    client = app.test_client()
    page = Page(client.get("/search?q=Trúc Bạch").get_data(as_text=True))
    (link,) = [h for h, t in page.anchors if "Trúc Bạch" in t]
    assert link.startswith("/click?")
    reply = client.get(link)
    assert reply.status_code == 302
    assert reply.headers["Location"] == f"/doc/{C01}?q=Tr%C3%BAc+B%E1%BA%A1ch"


# --- the command line ---------------------------------------------------------------------------


def test_cli_similar_lists_and_prints_json(corpus_index):
    result = run_cli("similar", C01, "--per-page", "2", "--index", corpus_index)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith(" ms)") and " similar documents (" in lines[0]
    assert lines[1].startswith("1. Phó Bí thư") and f"[{CORPUS_SEED_ID}, " in lines[1]
    assert len(lines) == 3
    as_json = run_cli("similar", C01, "--json", "--source", "tuoitre", "--index", corpus_index)
    page = json.loads(as_json.stdout)
    assert page["hits"] and {hit["source"] for hit in page["hits"]} == {"tuoitre"}


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["none-such"], 1, "error: there is no document with id 'none-such'"),
        ([C01, "--per-page", "0"], 2, "error: per_page must be a whole number from 1 to 100"),
        ([C01, "--from", "2021-02-30"], 2, "error: from must be a date written YYYY-MM-DD"),
    ],
)
def test_cli_similar_errors_are_one_line(corpus_index, args, code, message):
    result = run_cli("similar", *args, "--index", corpus_index)
    assert result.returncode == code and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr


@pytest.mark.parametrize("url", [f"/api/documents/{C01}/similar", f"/doc/{C01}"])
def test_the_new_reads_are_rate_limited_like_the_others(corpus_index, url):
    limited = {"RATE_LIMIT": "2/minute", "WRITE_RATE_LIMIT": "off"}
    client = create_app({"TESTING": True, "INDEX": str(corpus_index), **limited}).test_client()
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
