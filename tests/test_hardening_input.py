"""Issue 7, bad input: hostile queries and documents over HTTP against a real ``python -m web``.

The server here indexes the test corpus plus a few documents written to be awkward: decomposed
(NFD) text, zero-width characters inside words, the old tone placement, markup in a title.
Latency bounds are the issue's own (100 ms for syntax we refuse, 50 ms for over-long queries),
checked on the median of several requests because the machine is shared.
"""

import html
import re
import shutil
import statistics
import subprocess
import sys
import time
import unicodedata
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import build_index, open_index, search
from indexer.searching.parse import QueryError, parse_query
from tests.conftest import NO_RATE_LIMITS, ROOT
from tests.web_live import LiveServer, fetch

NFD = unicodedata.normalize("NFD", "Chim cánh cụt hoàng đế ở Nam Cực")
HOSTILE_DOCUMENTS = {
    # Written decomposed, as macOS and Word save it.
    "h01-nfd": NFD + "\n\nĐàn " + NFD.lower() + " di cư qua băng tuyết mỗi mùa đông.",
    # Zero-width characters inside syllables; they must not split or hide the words.
    "h02-zero-width": "Hóa thạch kh\u200dủng lo\ufeffng ở sa mạc\n\n"
    "Các nhà khoa học tìm thấy hóa thạch kh\u200bủng long bạo chúa gần như nguyên vẹn.",
    # The old tone placement (hoà, khoẻ) of older keyboards.
    "h03-old-tones": "Buổi hoà nhạc cho người cao tuổi\n\n"
    "Âm nhạc giúp người cao tuổi khoẻ mạnh và vui vẻ hơn, theo các bác sĩ.",
    # Markup in the title and body: only our <mark> may come back as markup.
    "h04-markup-title": "Lỗi <img src=x onerror=alert(1)> trên diễn đàn\n\n"
    'Diễn đàn đã vá lỗi <script>alert("diễn đàn")</script> sau khi được báo.',
}
TAG = re.compile(r"<\s*/?\s*([a-zA-Z]+)")
REPEATS = 5


@pytest.fixture(scope="module")
def server(corpus_index, tmp_path_factory):
    """A server over the test corpus plus HOSTILE_DOCUMENTS; rate limits off."""
    folder = tmp_path_factory.mktemp("hostile")
    sources = folder / "sources"
    sources.mkdir()
    for doc_id, text in HOSTILE_DOCUMENTS.items():
        (sources / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    index_dir = folder / "index"
    shutil.copytree(corpus_index, index_dir)
    build_index([sources], index_dir, workers=1)
    live = LiveServer.start(index_dir, folder / "server.log", env=NO_RATE_LIMITS)
    yield live
    live.stop()


def api(server, query: str, **params):
    """GET /api/search for ``query`` (percent-encoded here) and more parameters."""
    extra = "".join(f"&{name}={quote(str(value))}" for name, value in params.items())
    return server.get(f"/api/search?q={quote(query, safe='')}{extra}")


def ids(reply) -> list[str]:
    assert reply.status == 200, reply.text
    return [hit["id"] for hit in reply.json()["hits"]]


def median_ms(server, path: str) -> tuple[set[int], float]:
    """The statuses seen in REPEATS requests for ``path``, and their median latency in ms."""
    times, statuses = [], set()
    for _ in range(REPEATS):
        started = time.perf_counter()
        statuses.add(fetch(server.url(path)).status)
        times.append((time.perf_counter() - started) * 1000)
    return statuses, statistics.median(times)


# --- 1. markup in queries and documents ------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def test_a_script_query_comes_back_escaped_on_the_page_and_as_a_string_in_json(server):
    page = server.get(f"/search?q={quote(SCRIPT)}")
    assert page.status == 200
    # Our own <script src="/static/..."> is the only script element on the page.
    assert re.findall(r"<script[^>]*>", page.text) == [
        '<script src="/static/autocomplete.js" defer>'
    ]
    assert html.escape(SCRIPT, quote=False) in page.text

    reply = api(server, SCRIPT)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    page_json = reply.json()
    assert page_json["query"] == SCRIPT
    for hit in page_json["hits"]:
        assert "<script" not in hit["title_html"] + hit["snippet_html"]


@pytest.mark.parametrize(
    "query, doc_id, shown",
    [
        ("onerror", "c05-an-ninh-web-xss", "&lt;img src=x <mark>onerror</mark>=alert(1)&gt;"),
        ("diễn đàn", "h04-markup-title", "&lt;img src=x onerror=alert(1)&gt;"),
        ("alert", "h04-markup-title", "&lt;script&gt;<mark>alert</mark>"),
    ],
)
def test_markup_in_documents_is_escaped_and_mark_is_the_only_tag(server, query, doc_id, shown):
    hits = {hit["id"]: hit for hit in api(server, query, per_page=100).json()["hits"]}
    hit = hits[doc_id]
    fragments = hit["title_html"] + hit["snippet_html"]
    assert shown in fragments
    assert set(TAG.findall(fragments)) == {"mark"}
    page = server.get(f"/search?q={quote(query)}").text
    assert "<img" not in page and 'alert("' not in page


# --- 2. NFD, zero-width characters and old tone placement ------------------------------------


@pytest.mark.parametrize(
    "variant, normal",
    [
        (unicodedata.normalize("NFD", "bầu cử Đà Nẵng"), "bầu cử Đà Nẵng"),
        ("Ng\u200buyễn Thị Tuy\u200dến\ufeff", "Nguyễn Thị Tuyến"),
        ("thuỷ điện", "thủy điện"),
        ("hoà bình", "hòa bình"),
        ("\ufeffkh\u200dủng long", "khủng long"),
        (unicodedata.normalize("NFD", "chim cánh cụt"), "chim cánh cụt"),
    ],
)
def test_query_variants_find_what_their_normal_form_finds(server, variant, normal):
    found = ids(api(server, variant, per_page=100))
    assert found == ids(api(server, normal, per_page=100))
    assert found


@pytest.mark.parametrize(
    "query, doc_id, marked",
    [
        ("chim cánh cụt", "h01-nfd", unicodedata.normalize("NFD", "Chim cánh cụt")),
        ("khủng long", "h02-zero-width", "kh\u200dủng lo\ufeffng"),
        ("hòa nhạc", "h03-old-tones", "hoà nhạc"),
        ("hoà nhạc", "h03-old-tones", "hoà nhạc"),
        ("khỏe mạnh", "h03-old-tones", "khoẻ mạnh"),
        ("khoe manh", "h03-old-tones", "khoẻ mạnh"),
    ],
)
def test_documents_in_variant_forms_are_found_and_marked_as_written(server, query, doc_id, marked):
    hits = api(server, query).json()["hits"]
    assert hits and hits[0]["id"] == doc_id
    assert f"<mark>{marked}</mark>" in hits[0]["title_html"] + hits[0]["snippet_html"]


# --- 3. bytes that are not text ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/search?q=%FF%FE",
        "/api/search?q=caf%E9",  # Latin-1
        "/api/search?q=%ED%A0%80",  # an encoded surrogate
        "/api/search?q=%C3",  # a sequence cut short
        "/api/search?q=ok&source=%FF",
        "/api/suggest?q=%F4%90%80%80",  # beyond U+10FFFF
        "/search?q=%FF",
    ],
)
def test_a_query_string_that_is_not_utf8_is_400_with_a_message(server, path):
    reply = server.get(path)
    assert reply.status == 400
    if path.startswith("/api/"):
        error = reply.json()["error"]
        assert error["code"] == "invalid_parameter"
        assert "not valid UTF-8" in error["message"]
    else:
        assert "not valid UTF-8" in reply.text


@pytest.mark.parametrize("query", ["\x00", "a\x00b", "\x01\x02", "\u0301", "\ufffe", "\U0010ffff"])
def test_control_characters_and_noncharacters_are_searched_as_nothing(server, query):
    reply = api(server, query)
    assert reply.status == 200
    assert reply.json()["query"] == query


def test_an_undecodable_document_path_is_404_not_500(server):
    reply = server.get("/api/documents/%FF%FE")
    assert reply.status == 404
    assert reply.json()["error"]["code"] == "document_not_found"


# --- 4. empty, punctuation, unbalanced --------------------------------------------------------

ODD_QUERIES = [
    "",
    "   ",
    "\t\n",
    "!!!",
    "...,;:",
    "-",
    "--",
    '"',
    '""',
    '"unbalanced',
    "(",
    ")",
    "((a)",
    "a))",
    "()",
    "AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "-(",
    '-"',
    "title:",
    "published:",
    "source:",
]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_answer_200_or_a_400_that_names_the_problem(server, query):
    reply = api(server, query)
    assert reply.status in (200, 400), reply.text
    if reply.status == 400:
        assert reply.json()["error"]["code"] == "invalid_query"
    page = server.get(f"/search?q={quote(query)}")
    assert page.status in (200, 302, 400)
    suggest = server.get(f"/api/suggest?q={quote(query)}")
    assert suggest.status == 200
    assert suggest.json()["query"] == query


# --- 5. syntax we do not offer: plain words, answered quickly ---------------------------------


@pytest.mark.parametrize(
    "hostile, plain",
    [
        ("secret:x", "secret x"),
        ("id:*", "id"),
        ("*", ""),
        ("*a*", "a"),
        ("???", ""),
        ("a*", "a"),
        ("hà*", "hà"),
        ("ab~5", "ab 5"),
        ("nội~2", "nội 2"),
        ("body:[a TO z]", "body a TO z"),
        ("published:[2000 TO 3000]", None),
        ("title:*", ""),
        ("source:*", None),
    ],
)
def test_unoffered_syntax_is_plain_words_in_under_100_ms(server, hostile, plain):
    if plain is not None:
        assert ids(api(server, hostile, per_page=100)) == ids(api(server, plain, per_page=100))
    statuses, median = median_ms(server, f"/api/search?q={quote(hostile, safe='')}")
    assert statuses <= {200, 400}
    assert median < 100, f"{hostile!r}: median {median:.1f} ms"


# --- 6. too long, too many, too deep: refused before parsing ----------------------------------


@pytest.mark.parametrize(
    "name, path, status",
    [
        # gunicorn refuses a request line over 8,190 bytes before the app sees it.
        ("100 KB", "/api/search?q=" + "a" * 100_000, 414),
        ("1,000 terms", "/api/search?q=" + "+".join(["a"] * 1000), 400),
        ("1,000 OR terms", "/api/search?q=" + "+OR+".join(["a"] * 1000), 400),
        ("3,000 nested parentheses", "/api/search?q=" + "(" * 3000 + "a" + ")" * 3000, 400),
        ("1,001 characters", "/api/search?q=" + "b" * 1001, 400),
        ("5 levels of parentheses", "/api/search?q=" + "(" * 5 + "a" + ")" * 5, 400),
        ("33 operators", "/api/search?q=" + "+".join(["-a"] * 33), 400),
    ],
)
def test_oversized_queries_are_refused_in_under_50_ms(server, name, path, status):
    reply = fetch(server.url(path))
    assert reply.status == status
    if status == 400:
        assert reply.json()["error"]["code"] == "invalid_query"
    statuses, median = median_ms(server, path)
    assert statuses == {status}
    assert median < 50, f"{name}: median {median:.1f} ms"


# --- 7. page and per_page -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["page", "per_page"])
@pytest.mark.parametrize("value", ["abc", "-1", "0", str(10**9), "1e3", "½", " 1"])
def test_page_and_per_page_out_of_range_are_400(server, name, value):
    assert server.get(f"/search?q=ha&{name}={quote(value)}").status == 400
    reply = server.get(f"/api/search?q=ha&{name}={quote(value)}")
    assert reply.status == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["message"].startswith(f"{name} ")


@pytest.mark.parametrize(
    "params, status",
    [
        ("page=100&per_page=100", 200),  # the 10,000th result is the last one reachable
        ("page=1000&per_page=10", 200),
        ("page=101&per_page=100", 400),
        ("page=1001&per_page=10", 400),
        ("page=10001&per_page=1", 400),
    ],
)
def test_deep_paging_stops_at_10000_results(server, params, status):
    reply = server.get(f"/api/search?q=&{params}")
    assert reply.status == status
    if status == 400:
        assert "beyond the first 10,000 results" in reply.json()["error"]["message"]


# --- 8. files that are not articles (the command line, not HTTP) ----------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def test_build_skips_and_reports_bad_files_and_indexes_the_rest(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_text("Bài tốt\n\nNội dung về sông núi quê hương.", "utf-8")
    (folder / "utf16.txt").write_text(
        "Tiêu đề UTF-16\n\nBài viết về voi rừng Tây Nguyên.", "utf-16"
    )
    (folder / "latin1.txt").write_bytes("Café\n\nmột bài".encode("latin-1", "replace"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(PNG)
    (tmp_path / "secret.txt").write_text("Bí mật\n\nkhông được đọc", "utf-8")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    image = tmp_path / "photo.png"
    image.write_bytes(PNG)
    index_dir = tmp_path / "index"

    done = subprocess.run(
        [sys.executable, "-m", "indexer", "build", str(folder), str(image)]
        + ["--index", str(index_dir), "--workers", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert sorted(done.stderr.splitlines()) == [
        f"warning: {folder / 'empty.txt'}: skipped: empty file",
        f"warning: {folder / 'image.txt'}: skipped: binary file",
        f"warning: {folder / 'latin1.txt'}: skipped: not valid UTF-8 (byte 0xe9 at offset 3)",
        f"warning: {folder / 'leak.txt'}: skipped: symlink points outside {folder}",
        f"warning: {image}: skipped: unsupported file type",
    ]
    assert done.stdout.startswith("indexed 2, unchanged 0, skipped 5, rejected 0")
    index = open_index(index_dir)
    assert [hit.id for hit in search(index, "voi rừng").hits] == ["utf16"]  # UTF-16 is read
    assert [hit.id for hit in search(index, "sông núi").hits] == ["good"]
    # Typo tolerance matches "bí mật" to what the two articles hold; typed, nothing holds it.
    assert search(index, "bí mật", typos=False).total == 0
    assert "leak" not in [hit.id for hit in search(index, "bí mật").hits]


# --- 16. properties: the parser's only error --------------------------------------------------
# (Normalisation and analysis on any text: tests/test_text.py and tests/test_analysis.py.)

QUERY_SYNTAX = st.sampled_from(
    list('ab hà"()-:*?~[]{}^!<>=OR NOT AND title:source:published:category:2021-04\ud800\x00')
)


@settings(max_examples=1000, deadline=None)
@given(st.text(QUERY_SYNTAX, max_size=200) | st.text(max_size=200))
def test_the_parser_raises_only_query_error(query):
    try:
        parse_query(query)
    except QueryError as exc:
        assert str(exc) and "\n" not in str(exc)


def test_the_lone_surrogate_is_a_query_error():
    with pytest.raises(QueryError, match="lone surrogate"):
        parse_query("ha \ud800 noi")
