"""Issue 17 in the Flask app: request ids and logs, /metrics, analytics routes, reload, /healthz.

The app runs over a real index with a real SQLite analytics file, in this process (Flask's test
client); tests/test_prod_live.py runs the same against ``python -m web`` with several workers.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time

import pytest
from jsonschema import Draft202012Validator
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import RATE_LIMITS_OFF
from tests.test_web_openapi import validator
from web import create_app
from web.openapi import openapi_document

TOKEN = "editor-t0ken"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
DOCUMENT = openapi_document()


def basic(password: str, user: str = "editor") -> dict:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


@pytest.fixture
def make_app(corpus_index, tmp_path):
    def make(**settings):
        config = {
            "TESTING": True,
            "INDEX": str(corpus_index),
            **RATE_LIMITS_OFF,
            "API_TOKEN": TOKEN,
            "ANALYTICS": "on",
            "ANALYTICS_FILE": str(tmp_path / "analytics.sqlite3"),
            "REQUEST_LOG": str(tmp_path / "requests.log"),
        }
        return create_app({**config, **settings})

    return make


@pytest.fixture
def prod(make_app):
    return make_app().test_client()


def log_lines(tmp_path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "requests.log").read_text().splitlines()]


def metric(client, name: str, **labels) -> float:
    """The value of one sample of /metrics (0 when it is absent)."""
    text = client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def check_documented(path: str, method: str, reply) -> None:
    responses = DOCUMENT["paths"][path][method]["responses"]
    content = responses[str(reply.status_code)]["content"]
    assert reply.mimetype in content
    where = f"/paths/{path.replace('/', '~1')}/{method}/responses/{reply.status_code}"
    where += f"/content/{reply.mimetype.replace('/', '~1')}/schema"
    if reply.mimetype == "application/json":
        validator(DOCUMENT, where).validate(reply.get_json())


# --- request ids and the request log ----------------------------------------------------------


@pytest.mark.parametrize(
    "incoming, kept",
    [
        ("abc-123", True),
        ("x" * 64, True),
        ("proxy:7f/3=", True),
        ("x" * 65, False),
        ("has space", False),
        ('quote"d', False),
        ("tiếng-việt", False),
        ("", False),
    ],
)
def test_the_request_id_is_echoed_and_in_error_bodies(prod, incoming, kept):
    reply = prod.get("/api/documents/none-such", headers={"X-Request-Id": incoming})
    assert reply.status_code == 404
    given = reply.headers["X-Request-Id"]
    assert (given == incoming) is kept
    assert re.fullmatch(r"[A-Za-z0-9_.:/+=@-]{1,64}", given)
    assert reply.get_json()["request_id"] == given
    check_documented("/api/documents/{id}", "get", reply)


def test_the_error_page_shows_the_request_id(prod):
    reply = prod.get("/search?q=a&page=0")
    assert reply.status_code == 400
    assert f"<code>{reply.headers['X-Request-Id']}</code>" in reply.get_data(as_text=True)


def test_one_json_line_per_request_without_the_address_or_the_query(make_app, tmp_path):
    client = make_app().test_client()
    searched = client.get("/api/search?q=bầu cử", headers={"X-Request-Id": "req-1"})
    client.get("/api/documents/c01-ha-noi-ba-dinh")
    client.get("/nowhere")
    lines = log_lines(tmp_path)
    assert [(line["route"], line["status"]) for line in lines] == [
        ("/api/search", 200),
        ("/api/documents/<path:doc_id>", 200),
        ("(unmatched)", 404),
    ]
    first = lines[0]
    assert set(first) == {
        "time",
        "request_id",
        "method",
        "route",
        "status",
        "duration_ms",
        "results",
    }
    assert (first["request_id"], first["method"], first["results"]) == (
        "req-1",
        "GET",
        searched.get_json()["total"],
    )
    assert first["time"].endswith("+00:00") and first["duration_ms"] > 0
    text = (tmp_path / "requests.log").read_text()
    assert "bầu" not in text and "127.0.0.1" not in text and "ha-noi" not in text


def test_a_log_file_moved_by_logrotate_is_written_anew(make_app, tmp_path):
    client = make_app().test_client()
    client.get("/healthz", headers={"X-Request-Id": "before-rotation"})
    (tmp_path / "requests.log").rename(tmp_path / "requests.log.1")
    time.sleep(1.1)  # the file is looked at once a second
    client.get("/healthz", headers={"X-Request-Id": "after-rotation"})
    assert [line["request_id"] for line in log_lines(tmp_path)] == ["after-rotation"]
    assert "before-rotation" in (tmp_path / "requests.log.1").read_text()


def test_an_answer_of_ours_that_failed_says_why_in_its_log_line(make_app, tmp_path):
    """A 5xx's code and message go in its request log line (they went only to the client);
    a client's own error (4xx) and a success carry none."""
    client = make_app(INDEX=str(tmp_path / "no-index")).test_client()
    assert client.get("/api/search?q=ha").status_code == 503
    (line,) = log_lines(tmp_path)
    assert line["status"] == 503 and line["reason"].startswith("index_unavailable: "), line
    ok = make_app().test_client()
    assert ok.get("/api/search?q=ha").status_code == 200
    assert ok.get("/api/search?q=ha&page=0").status_code == 400
    assert [("reason" in line, line["status"]) for line in log_lines(tmp_path)[-2:]] == [
        (False, 200),
        (False, 400),
    ]


def test_the_client_address_only_when_asked(make_app, tmp_path):
    make_app(LOG_CLIENT_ADDRESS="on").test_client().get("/healthz")
    assert log_lines(tmp_path)[-1]["client"] == "127.0.0.1"


@pytest.mark.parametrize(
    "setting, message",
    [
        ({"REQUEST_LOG": "{not-a-folder}/x.log"}, "REQUEST_LOG: cannot write"),
        ({"METRICS": "maybe"}, "METRICS must be on or off"),
        ({"ANALYTICS": "sometimes"}, "ANALYTICS must be on or off"),
        ({"ANALYTICS_DAYS": "0"}, "ANALYTICS_DAYS must be a whole number"),
        ({"ANALYTICS_FILE": "{not-a-folder}/a.sqlite3"}, "cannot use the analytics file"),
        ({"METRICS_TOKEN": "tiếng"}, "METRICS_TOKEN must be printable ASCII"),
    ],
)
def test_bad_production_settings_fail_at_start(make_app, tmp_path, setting, message):
    # A plain file stands where a folder should be: nothing can be made under it, and the
    # test reads nothing outside its own temporary folder.
    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("", encoding="utf-8")
    setting = {
        name: value.replace("{not-a-folder}", str(not_a_folder)) for name, value in setting.items()
    }
    with pytest.raises(ValueError, match=re.escape(message)):
        make_app(**setting)


# --- /metrics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, kind, zero",
    [
        ("/api/search?q=bầu cử", "short", False),
        ("/search?q=một hai ba bốn năm sáu bảy", "long", False),
        ("/api/search?q=vacine&source=tuoitre", "filtered", True),
        ("/api/search?q=source:tuoitre bầu cử", "filtered", False),
        ("/api/search?q=qqqzzzxxx", "short", True),
    ],
)
def test_searches_are_timed_by_kind_and_zero_results_counted(prod, url, kind, zero):
    def counts():
        return (
            metric(prod, "vietsearch_search_duration_seconds_count", kind=kind),
            metric(prod, "vietsearch_search_zero_results_total", kind=kind),
            metric(prod, "vietsearch_http_requests_total", route=url.split("?")[0], status="200"),
        )

    before = counts()
    assert prod.get(url).status_code == 200
    after = counts()
    assert after[0] == before[0] + 1
    assert after[1] == before[1] + zero
    assert after[2] == before[2] + 1


def test_the_metrics_parse_and_describe_the_index(prod):
    reply = prod.get("/metrics")
    assert reply.status_code == 200 and reply.mimetype == "text/plain"
    families = {f.name: f for f in text_string_to_metric_families(reply.get_data(as_text=True))}
    for name in [
        "vietsearch_http_requests",
        "vietsearch_search_duration_seconds",
        "vietsearch_write_duration_seconds",
        "vietsearch_searcher_refreshes",
        "vietsearch_group_commit_batches",
        "vietsearch_group_commit_wait_seconds",
        "vietsearch_index_segments",
    ]:
        assert name in families, name
    value = {s.name: s.value for f in families.values() for s in f.samples}
    health = prod.get("/healthz").get_json()
    assert value["vietsearch_index_documents"] == health["documents"] > 0
    assert value["vietsearch_index_segments"] == health["segments"] >= 1
    assert value["vietsearch_index_size_bytes"] == health["size_bytes"] > 0
    assert value["vietsearch_index_up"] == 1


def test_metrics_are_not_rate_limited_and_count_refusals(make_app):
    client = make_app(RATE_LIMIT="1/minute").test_client()
    before = metric(client, "vietsearch_rate_limited_total", kind="read")
    assert client.get("/api/search?q=a").status_code == 200
    assert client.get("/api/search?q=a").status_code == 429
    assert all(client.get("/metrics").status_code == 200 for _ in range(5))
    assert metric(client, "vietsearch_rate_limited_total", kind="read") == before + 1


@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        (BEARER, 401),
        (
            {"Authorization": "Bearer scrape-me"},
            200,
        ),
    ],
)
def test_a_metrics_token_guards_metrics(make_app, headers, status):
    client = make_app(METRICS_TOKEN="scrape-me").test_client()
    assert client.get("/metrics", headers=headers).status_code == status


def test_metrics_off(make_app):
    client = make_app(METRICS="off").test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/api/search?q=a").status_code == 200


# --- analytics routes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, headers, status, challenge",
    [
        ("/api/analytics", {}, 401, "Bearer"),
        ("/api/analytics", {"Authorization": "Bearer nope"}, 401, "Bearer"),
        ("/api/analytics", basic("nope"), 401, "Bearer"),
        ("/api/analytics", BEARER, 200, None),
        ("/api/analytics", basic(TOKEN), 200, None),
        ("/api/analytics?token=" + TOKEN, BEARER, 400, None),
        ("/admin/analytics", {}, 401, "Basic"),
        ("/admin/analytics", basic("nope", user=""), 401, "Basic"),
        ("/admin/analytics", basic(TOKEN, user=""), 200, None),
        ("/admin/analytics", BEARER, 200, None),
        ("/admin/analytics.csv", {}, 401, "Basic"),
        ("/admin/analytics.csv", basic(TOKEN), 200, None),
    ],
)
def test_analytics_need_the_token(prod, path, headers, status, challenge):
    reply = prod.get(path, headers=headers)
    assert reply.status_code == status
    if challenge:
        assert reply.headers["WWW-Authenticate"].startswith(challenge)
    if path.startswith("/api/"):
        check_documented("/api/analytics", "get", reply)


@pytest.mark.parametrize(
    "settings, status, code",
    [
        ({"API_TOKEN": None}, 403, "admin_disabled"),
        ({"ANALYTICS": "off"}, 404, "analytics_disabled"),
    ],
)
def test_analytics_off_or_no_token(make_app, settings, status, code):
    reply = make_app(**settings).test_client().get("/api/analytics", headers=BEARER)
    assert (reply.status_code, reply.get_json()["error"]["code"]) == (status, code)
    check_documented("/api/analytics", "get", reply)


def test_searches_and_clicks_are_counted_together(prod):
    # typos=0: typo tolerance would find what "vacine" meant, and there would be no zero result.
    searches = ["/search?q=bầu cử", "/api/search?q=bau cu", "/search?q=BẦU CỬ"]
    for url in [*searches, "/search?q=vacine&typos=0"]:
        assert prod.get(url).status_code == 200
    prod.get("/search?q=bầu cử&page=2")  # paging is the same search
    prod.get("/search?q=bau cu", headers={"Referer": "http://localhost/admin/analytics"})
    page = prod.get("/search?q=bầu cử").get_data(as_text=True)
    links = re.findall(r'href="(/click\?[^"]+)"', page)
    assert links, "result links should go through /click with analytics on"
    target = prod.get(links[0].replace("&amp;", "&"))
    assert target.status_code == 302
    assert target.headers["Location"] == "https://tuoitre.vn/test-corpus/c07-bau-cu-da-nang.htm"
    assert target.headers["Cache-Control"] == "no-store"
    reply = prod.get("/api/analytics?days=1", headers=BEARER)
    check_documented("/api/analytics", "get", reply)
    report = reply.get_json()
    row = next(row for row in report["top"] if row["key"] == "bau cu")
    assert (row["query"], row["searches"], row["shown"], row["clicks"]) == ("bầu cử", 4, 3, 1)
    assert [row["query"] for row in report["no_results"]] == ["vacine"]
    assert report["no_results"][0]["help"]["did_you_mean"] == "vaccine"


@pytest.mark.parametrize(
    "query",
    [
        "id=none-such&q=x",
        "q=x",
        "id=&q=x",
        "id=x&q=x&url=https://evil.example/",
        "id=https://evil.example/&q=x",
        "id=//evil.example&q=x",
    ],
)
def test_click_is_not_an_open_redirect(prod, query):
    reply = prod.get("/click?" + query)
    assert reply.status_code == 404
    assert "Location" not in reply.headers


def test_the_csv_export(prod):
    prod.get("/api/search?q=Đà Nẵng")
    reply = prod.get("/api/analytics?format=csv", headers=BEARER)
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    assert "attachment" in reply.headers["Content-Disposition"]
    text = reply.get_data(as_text=True)
    assert text.startswith("\ufeffday,query,searches,no_results,shown_results,clicks\r\n")
    assert ",Đà Nẵng,1,0,0,0\r\n" in text


def test_the_page_in_vietnamese(prod):
    prod.get("/search?q=qqqzzz bhxh")
    html = prod.get("/admin/analytics?days=7", headers=basic(TOKEN)).get_data(as_text=True)
    for text in ["Thống kê tìm kiếm", "Tìm nhiều nhất", "Không có kết quả", "không ai mở"]:
        assert text in html
    assert "qqqzzz bhxh" in html and "<kbd>qqqzzz</kbd>" in html
    assert prod.get("/admin/analytics?days=0", headers=basic(TOKEN)).status_code == 400


def test_the_page_says_when_analytics_are_off(make_app):
    reply = make_app(ANALYTICS="off").test_client().get("/admin/analytics", headers=basic(TOKEN))
    assert reply.status_code == 404
    assert "VIETSEARCH_ANALYTICS=on" in reply.get_data(as_text=True)


# --- settings reload --------------------------------------------------------------------------


def test_a_bad_synonym_file_is_refused_and_the_old_dictionary_stays(make_app, tmp_path):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("quokkaxa, Hà Nội\n", encoding="utf-8")
    settings = tmp_path / "settings.env"
    settings.write_text("VIETSEARCH_SYNONYMS = synonyms.txt\nRATE_LIMIT=off\n", encoding="utf-8")
    client = make_app(SETTINGS=str(settings)).test_client()
    assert client.get("/api/search?q=quokkaxa").get_json()["total"] > 0

    synonyms.write_text("quokkaxa, Hà Nội\nbroken\nwombatxa, Đà Nẵng\n=> x\n", encoding="utf-8")
    reply = client.post("/api/admin/reload", headers=BEARER)
    assert reply.status_code == 400
    check_documented("/api/admin/reload", "post", reply)
    problems = reply.get_json()["error"]["problems"]
    assert [p.split(": ")[0] for p in problems] == [f"{synonyms}:2", f"{synonyms}:4"]
    assert client.get("/api/search?q=quokkaxa").get_json()["total"] > 0
    assert client.get("/api/search?q=wombatxa").get_json()["total"] == 0

    synonyms.write_text("wombatxa, Đà Nẵng\n", encoding="utf-8")
    settings.write_text("SYNONYMS = synonyms.txt\nRATE_LIMIT = 2/minute\n", encoding="utf-8")
    reply = client.post("/api/admin/reload", headers=BEARER)
    assert reply.status_code == 200
    check_documented("/api/admin/reload", "post", reply)
    assert reply.get_json()["rate_limit"] == "2/minute"
    assert client.get("/api/search?q=wombatxa").get_json()["total"] > 0
    assert client.get("/api/search?q=quokkaxa").get_json()["total"] == 0
    assert client.get("/api/search?q=a").status_code == 429  # the third read this minute


@pytest.mark.parametrize(
    "text, problem",
    [
        ("RATE_LIMIT = lots\n", ":1: RATE_LIMIT must be N/second"),
        ("# fine\nAPI_TOKEN = x\n", ":2: API_TOKEN cannot be set here"),
        ("RATE_LIMIT\n", ":1: expected NAME = value"),
        ("RATE_LIMIT=off\nRATE_LIMIT=off\n", ":2: RATE_LIMIT is set twice"),
        ("SYNONYMS = missing.txt\n", "missing.txt: cannot read the synonym file"),
    ],
)
def test_bad_settings_files(make_app, tmp_path, text, problem):
    settings = tmp_path / "settings.env"
    settings.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(problem)):
        make_app(SETTINGS=str(settings))
    settings.write_text("", encoding="utf-8")
    client = make_app(SETTINGS=str(settings)).test_client()
    settings.write_text(text, encoding="utf-8")
    reply = client.post("/api/admin/reload", headers=BEARER)
    assert reply.status_code == 400 and problem in reply.get_json()["error"]["message"]


def test_reload_needs_the_token(prod):
    assert prod.post("/api/admin/reload").status_code == 401


# --- /healthz ---------------------------------------------------------------------------------


def test_healthz_shows_segments_size_and_work_in_progress(prod, corpus_index):
    reply = prod.get("/healthz")
    check_documented("/healthz", "get", reply)
    health = reply.get_json()
    assert health["segments"] >= 1 and health["size_bytes"] > 0 and health["in_progress"] is None
    from indexer.store.progress import reporting

    with reporting(corpus_index, "optimize") as tracker:
        tracker.write()
        reply = prod.get("/healthz")
    check_documented("/healthz", "get", reply)
    work = reply.get_json()["in_progress"]
    assert (work["pid"], work["command"], work["phase"]) == (os.getpid(), "optimize", "merging")
    assert prod.get("/healthz").get_json()["in_progress"] is None


def test_the_new_schemas_are_valid():
    for schema in DOCUMENT["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
