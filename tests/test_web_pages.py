"""The HTML pages, their headers and the OpenSearch description, through Flask's test client."""

import json
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from tests.web_html import Page, query_of
from web import create_app
from web.pages import vn_date, vn_number

PAGES = [
    "/",
    "/search?q=bầu cử",
    "/search?q=của&page=2",
    "/search?q=zzqx",
    "/search?q=vacine",
    "/search?q=&source=tuoitre",
    "/search?q=a&page=abc",
    "/nope",
]


def page_of(reply) -> Page:
    assert reply.mimetype == "text/html"
    return Page(reply.get_data(as_text=True))


def test_home_is_a_labelled_search_form(client):
    reply = client.get("/")
    assert reply.status_code == 200
    page = page_of(reply)
    assert page.find_all("html", lang="vi")
    assert page.find_all("meta", name="viewport")
    (form,) = page.find_all("form")
    assert (form["action"], form["method"]) == ("/search", "get")
    (field,) = page.find_all("input", name="q")
    assert field["id"] == "q" and field["type"] == "search"
    assert page.find_all("label", **{"for": "q"})
    assert page.find_all("button", type="submit")


def test_results_show_count_time_and_highlighted_hits(client):
    reply = client.get("/search?q=bầu cử")
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    page = Page(html)
    assert "Tìm thấy 2 kết quả (" in page.text and " ms)" in page.text
    assert page.find_all("input", name="q", value="bầu cử")
    url = "https://tuoitre.vn/test-corpus/c07-bau-cu-da-nang.htm"
    (title_link,) = [text for href, text in page.anchors if href == url]
    assert title_link == "Cử tri Đà Nẵng nô nức đi bầu cử đại biểu Quốc hội khóa XV"
    title_html = html.split(f'<a href="{url}" rel="noopener">')[1].split("</a>")[0]
    assert "đi <mark>bầu cử</mark> đại biểu" in title_html
    assert page.find_all("time", datetime="2021-05-23")
    assert "tuoitre · 23/05/2021" in page.text
    assert html.count('<p class="hit-snippet">') == 2
    assert "<mark>bầu cử</mark>" in html.split('<p class="hit-snippet">')[1]


def test_title_without_url_links_to_the_document_page_with_the_query(client):
    page = Page(client.get("/search?q=Trúc Bạch").get_data(as_text=True))
    (link,) = [h for h, t in page.anchors if "Trúc Bạch" in t]
    assert link == "/doc/c01-ha-noi-ba-dinh?q=Tr%C3%BAc+B%E1%BA%A1ch"
    assert query_of(link) == {"q": ["Trúc Bạch"]}
    assert "Quận Ba Đình chỉnh trang hè phố quanh hồ Trúc Bạch" in page.text


def test_pagination_links(client):
    first = Page(client.get("/search?q=của").get_data(as_text=True))
    assert len(first.find_all("li", class_="hit")) == 10
    assert query_of(first.link("Trang sau ›")) == {"q": ["của"], "page": ["2"]}
    assert "‹ Trang trước" not in first.text

    second = Page(client.get("/search?q=của&page=2").get_data(as_text=True))
    assert len(second.find_all("li", class_="hit")) == 3
    assert second.find_all("ol", class_="hits", start="11")
    assert query_of(second.link("‹ Trang trước")) == {"q": ["của"]}
    assert "Trang sau ›" not in second.text
    assert second.find_all("a", **{"aria-current": "page"})[0]["href"].endswith("page=2")


def test_sort_links_keep_the_query_and_filters(client):
    page = Page(client.get("/search?q=thể thao&source=tuoitre").get_data(as_text=True))
    newest = query_of(page.link("Mới nhất"))
    assert newest == {"q": ["thể thao"], "sort": ["newest"], "source": ["tuoitre"]}
    current = page.find_all("a", **{"aria-current": "true", "class": "current"})
    assert query_of(current[0]["href"]) == {"q": ["thể thao"], "source": ["tuoitre"]}


def test_facet_links_filter_by_source_category_and_year(client):
    page = Page(client.get("/search?q=của").get_data(as_text=True))
    assert query_of(page.link("tuoitre (3)")) == {"q": ["của"], "source": ["tuoitre"]}
    assert query_of(page.link("suc-khoe (1)"))["category"] == ["suc-khoe"]
    year = query_of(page.link("2021 (4)"))
    assert (year["from"], year["to"]) == (["2021-01-01"], ["2021-12-31"])


def test_active_facet_can_be_removed(client):
    page = Page(client.get("/search?q=&from=2021-01-01&to=2021-12-31").get_data(as_text=True))
    assert "Tìm thấy 4 kết quả" in page.text
    clear = page.link("2021 (4) ×, bỏ lọc")
    assert "from" not in query_of(clear) and "to" not in query_of(clear)


def test_did_you_mean_links_to_the_suggestion(client):
    page = Page(client.get("/search?q=vacine").get_data(as_text=True))
    assert "Có phải bạn muốn tìm: vaccine?" in page.text
    assert query_of(page.link("vaccine")) == {"q": ["vaccine"]}


def test_empty_state(client):
    reply = client.get("/search?q=zzqx")
    assert reply.status_code == 200
    page = page_of(reply)
    assert "Không tìm thấy kết quả nào cho “zzqx”." in page.text
    assert not page.find_all("li", class_="hit")
    assert "Trang sau" not in page.text


def test_page_past_the_last_result(client):
    page = Page(client.get("/search?q=của&page=9").get_data(as_text=True))
    assert "Trang 9 không còn kết quả nào." in page.text
    assert query_of(page.link("Về trang đầu")) == {"q": ["của"]}


def test_blank_query_goes_home(client):
    reply = client.get("/search?q=+++")
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/"


@pytest.mark.parametrize(
    "url, words",
    [
        ("/search?q=a&page=abc", "page must be a whole number"),
        ("/search?q=a&per_page=500", "per_page must be a whole number from 1 to 100"),
        ("/search?q=((((((a))))))", "nests parentheses"),
        ("/search?q=a&sort=older", "sort must be one of"),
    ],
)
def test_bad_search_is_a_400_page_that_keeps_the_query(client, url, words):
    reply = client.get(url)
    assert reply.status_code == 400
    page = page_of(reply)
    assert "Không thể thực hiện tìm kiếm này" in page.text
    assert words in page.text
    assert page.find_all("input", name="q", value=query_of(url)["q"][0])


@pytest.mark.parametrize(
    "method, path, status, heading",
    [
        ("GET", "/nope", 404, "Không tìm thấy trang"),
        ("GET", "/search/", 404, "Không tìm thấy trang"),
        ("POST", "/search", 405, "Phương thức không được hỗ trợ"),
        ("POST", "/", 405, "Phương thức không được hỗ trợ"),
    ],
)
def test_errors_outside_the_api_are_pages(client, method, path, status, heading):
    reply = client.open(path, method=method)
    assert reply.status_code == status
    page = page_of(reply)
    assert page.find_all("html", lang="vi")
    assert heading in page.text


def test_body_over_1_mb_outside_the_api_is_a_413_page(client):
    reply = client.post("/search", data=b"x" * (1024 * 1024 + 1))
    assert reply.status_code == 413
    assert "Yêu cầu quá lớn" in page_of(reply).text


def test_missing_index_is_a_503_page(tmp_path):
    client = create_app({"TESTING": True, "INDEX": str(tmp_path / "empty")}).test_client()
    reply = client.get("/search?q=ha noi")
    assert reply.status_code == 503
    assert "Chỉ mục tìm kiếm chưa sẵn sàng" in page_of(reply).text
    assert client.get("/").status_code == 200


def test_text_from_documents_and_users_is_escaped(client):
    html = client.get("/search?q=script alert onerror").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)" in html

    typed = '"><script>alert(2)</script>'
    html = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
    assert "<script>alert(2)" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_only_http_urls_become_links(tmp_path):
    from indexer import build_index

    records = [
        {
            "id": "bad",
            "title": "Liên kết độc hại",
            "body": "Bài độc hại.",
            "url": "javascript:alert(1)",
        },
        {"id": "good", "title": "Liên kết tốt", "body": "Bài tốt.", "url": "https://example.org/a"},
    ]
    source = tmp_path / "docs.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    build_index([source], tmp_path / "index", workers=1)
    client = create_app({"TESTING": True, "INDEX": str(tmp_path / "index")}).test_client()
    page = Page(client.get("/search?q=liên kết").get_data(as_text=True))
    hrefs = [href for href, _ in page.anchors]
    assert "https://example.org/a" in hrefs
    assert not [href for href in hrefs if href.startswith("javascript")]
    assert "Liên kết độc hại" in page.text


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_or_style_and_no_foreign_assets(client, path):
    page = Page(client.get(path).get_data(as_text=True))
    assert page.inline_scripts == []
    for _, attrs in page.tags:
        assert "style" not in attrs
        assert not [name for name in attrs if name.startswith("on")]
    assets = [a["src"] for a in page.find_all("script")]
    assets += [a["href"] for a in page.find_all("link")] + [a["src"] for a in page.find_all("img")]
    assert "/static/autocomplete.js" in assets and "/static/style.css" in assets
    assert all(urlsplit(url).netloc == "" and url.startswith("/") for url in assets)


@pytest.mark.parametrize(
    "path", PAGES + ["/opensearch.xml", "/static/style.css", "/api/search?q=ha", "/healthz"]
)
def test_security_headers_on_every_response(client, path):
    with client.get(path) as reply:
        headers = reply.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    "path, mimetype",
    [
        ("/static/autocomplete.js", "text/javascript"),
        ("/static/style.css", "text/css"),
        ("/static/favicon.svg", "image/svg+xml"),
    ],
)
def test_static_assets_are_served_with_their_types(client, path, mimetype):
    with client.get(path) as reply:
        assert (reply.status_code, reply.mimetype) == (200, mimetype)


def test_opensearch_description(client):
    home = Page(client.get("/").get_data(as_text=True))
    (link,) = home.find_all("link", rel="search")
    assert (link["type"], link["href"]) == (
        "application/opensearchdescription+xml",
        "/opensearch.xml",
    )

    reply = client.get("/opensearch.xml")
    assert reply.status_code == 200
    assert reply.mimetype == "application/opensearchdescription+xml"
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    root = ET.fromstring(reply.data)
    assert root.findtext("os:ShortName", namespaces=ns) == "vietsearch"
    urls = {url.get("type"): url.get("template") for url in root.findall("os:Url", ns)}
    assert urls["text/html"] == "http://localhost/search?q={searchTerms}"
    suggest = urls["application/x-suggestions+json"]
    assert suggest == "http://localhost/api/suggest?q={searchTerms}&format=opensearch"
    answer = client.get(suggest.replace("{searchTerms}", "ha n").removeprefix("http://localhost"))
    assert answer.mimetype == "application/x-suggestions+json"
    assert json.loads(answer.data) == ["ha n", ["Hà Nội", "Hà Nội tại"]]


@pytest.mark.parametrize(
    "value, decimals, shown",
    [
        (0, 0, "0"),
        (12, 0, "12"),
        (15706, 0, "15.706"),
        (1234567, 0, "1.234.567"),
        (4.2, 1, "4,2"),
        (1234.56, 1, "1.234,6"),
        (0.04, 1, "0,0"),
    ],
)
def test_vn_number(value, decimals, shown):
    assert vn_number(value, decimals) == shown


@pytest.mark.parametrize(
    "iso, shown",
    [
        ("2021-04-04", "04/04/2021"),
        ("2020-12-05", "05/12/2020"),
        ("2021-08-25T03:15:00", "25/08/2021"),
        (None, ""),
        ("", ""),
    ],
)
def test_vn_date(iso, shown):
    assert vn_date(iso) == shown
