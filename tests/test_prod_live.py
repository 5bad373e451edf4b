"""Issue 17 against a real ``python -m web`` with two workers: metrics summed over the workers
(and kept when one dies), request logs, settings reloaded on SIGHUP and over HTTP with a bad file
refused, analytics without addresses, and no count lost when the server stops.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.web_live import LiveServer, Reply

TOKEN = "live-t0ken"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# Both workers: a fresh connection per request, and enough requests that each worker gets some.
SPREAD = 12


def call(server: LiveServer, path: str, method="GET", headers=None, data=None) -> Reply:
    """One request on a new connection (the kernel spreads them over the workers)."""
    request = urllib.request.Request(server.url(path), method=method, data=data)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with _OPENER.open(request, timeout=30) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, dict(error.headers), error.read())


def search_total(server: LiveServer, query: str) -> int:
    reply = call(server, "/api/search?q=" + quote(query))
    assert reply.status == 200, reply.text
    return reply.json()["total"]


def samples(server: LiveServer) -> dict[tuple, float]:
    """Every sample of /metrics, by (name, sorted labels)."""
    reply = call(server, "/metrics")
    assert reply.status == 200
    found = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def wait_for(condition, timeout: float = 20.0, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message or "timed out"
        time.sleep(0.2)


def workers_of(master: int) -> list[int]:
    """The pids of the master's child processes."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == master:
                children.append(int(entry.name))
    return children


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prod_live")
    (folder / "synonyms.txt").write_text("quokkaxa, Hà Nội\n", encoding="utf-8")
    (folder / "settings.env").write_text(
        "RATE_LIMIT = off\nWRITE_RATE_LIMIT = off\nSYNONYMS = synonyms.txt\n", encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def server(corpus_index, files):
    import shutil

    shutil.copytree(corpus_index, files / "index")
    env = {
        "VIETSEARCH_API_TOKEN": TOKEN,
        "VIETSEARCH_ANALYTICS": "on",
        "VIETSEARCH_SETTINGS": str(files / "settings.env"),
    }
    live = LiveServer.start(files / "index", files / "server.log", env=env)
    yield live
    live.stop()


def test_metrics_add_up_over_the_workers_and_survive_a_dead_one(server):
    key = ("vietsearch_http_requests_total", "/api/search", "200")
    before = value(samples(server), key[0], method="GET", route=key[1], status=key[2])
    for n in range(SPREAD):
        assert call(server, f"/api/search?q=t%C3%A0u+{n}").status == 200
    # Each scrape is answered by one worker or the other: every one sees both workers' counts.
    seen = {
        value(samples(server), key[0], method="GET", route=key[1], status=key[2]) for _ in "123456"
    }
    assert seen == {before + SPREAD}

    victim = workers_of(server.process.pid)[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(
        lambda: (
            victim not in workers_of(server.process.pid)
            and len(workers_of(server.process.pid)) == 2
        )
    )
    wait_for(lambda: call(server, "/healthz").status == 200)
    after = {
        value(samples(server), key[0], method="GET", route=key[1], status=key[2]) for _ in "123456"
    }
    assert after == {before + SPREAD}, "a dead worker's counts must stay counted"


def test_writes_show_group_commits_and_searcher_refreshes(server):
    before = samples(server)
    body = json.dumps({"id": "prod-live-1", "title": "Chim cánh cụt kiwiprodz"}).encode()
    reply = call(
        server, "/api/documents", "POST", {**BEARER, "Content-Type": "application/json"}, body
    )
    assert reply.status == 200
    # Far from every synonym the reload tests use, so that no typo correction joins them.
    wait_for(lambda: all(search_total(server, "kiwiprodz") == 1 for _ in range(SPREAD)))
    # Each worker reports the documents of its own searcher, refreshed within a second.
    documents = value(before, "vietsearch_index_documents") + 1
    wait_for(
        lambda: all(
            value(samples(server), "vietsearch_index_documents") == documents for _ in "123456"
        )
    )
    after = samples(server)
    assert value(after, "vietsearch_write_duration_seconds_count", method="POST") == (
        value(before, "vietsearch_write_duration_seconds_count", method="POST") + 1
    )
    assert value(after, "vietsearch_group_commit_batches_count") == (
        value(before, "vietsearch_group_commit_batches_count") + 1
    )
    assert value(after, "vietsearch_group_commit_documents_sum") == (
        value(before, "vietsearch_group_commit_documents_sum") + 1
    )
    assert value(after, "vietsearch_searcher_refreshes_total") > value(
        before, "vietsearch_searcher_refreshes_total"
    )
    assert (
        value(after, "vietsearch_index_documents")
        == value(before, "vietsearch_index_documents") + 1
    )


def test_request_logs_are_json_lines_with_the_request_id(server):
    reply = call(server, "/api/search?q=h%C3%A0", headers={"X-Request-Id": "live-req-1"})
    assert reply.headers["X-Request-Id"] == "live-req-1"
    missing = call(server, "/api/documents/none-such")
    assert missing.json()["request_id"] == missing.headers["X-Request-Id"]
    wait_for(lambda: missing.headers["X-Request-Id"] in server.log())
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith('{"time"')]
    ours = next(line for line in lines if line["request_id"] == "live-req-1")
    assert (ours["route"], ours["status"], ours["results"]) == (
        "/api/search",
        200,
        reply.json()["total"],
    )
    assert all("client" not in line for line in lines)
    assert "127.0.0.1" not in "".join(json.dumps(line) for line in lines)


def consistent(server: LiveServer, query: str, expect_found: bool) -> bool:
    """Whether ``SPREAD`` requests (both workers) agree that ``query`` finds something or not."""
    return all((search_total(server, query) > 0) is expect_found for _ in range(SPREAD))


def test_sighup_refuses_a_bad_synonym_file_and_takes_a_good_one(server, files):
    synonyms = files / "synonyms.txt"
    assert consistent(server, "quokkaxa", True)
    synonyms.write_text("quokkaxa, Hà Nội\nbroken\nwombatxa, Đà Nẵng\n=> x\n", encoding="utf-8")
    os.kill(server.process.pid, signal.SIGHUP)
    wait_for(lambda: f"{synonyms}:4:" in server.log(), message="the refusal was not logged")
    assert f"settings reload refused: {synonyms}:2: 'broken' is one variant" in server.log()
    time.sleep(1.2)  # workers look for new settings once a second
    assert consistent(server, "quokkaxa", True) and consistent(server, "wombatxa", False)
    assert all(call(server, "/healthz").status == 200 for _ in range(4)), "no worker restarted"

    synonyms.write_text("wombatxa, Đà Nẵng\n", encoding="utf-8")
    os.kill(server.process.pid, signal.SIGHUP)
    # Each worker looks for new settings on its own second: wait until every one has taken it.
    wait_for(
        lambda: consistent(server, "wombatxa", True) and consistent(server, "quokkaxa", False),
        message="the good file was not taken by every worker",
    )
    found = samples(server)
    assert value(found, "vietsearch_settings_reloads_total", outcome="refused") >= 1
    assert value(found, "vietsearch_settings_reloads_total", outcome="applied") >= 1


def test_post_reload_refuses_with_line_numbers_then_every_worker_follows(server, files):
    synonyms, settings = files / "synonyms.txt", files / "settings.env"
    synonyms.write_text("wombatxa, Đà Nẵng\nemuxa\n", encoding="utf-8")
    refused = call(server, "/api/admin/reload", "POST", BEARER)
    assert refused.status == 400
    assert refused.json()["error"]["problems"] == [
        f"{synonyms}:2: 'emuxa' is one variant; a line lists two or more, separated by commas "
        "(or uses =>)"
    ]
    time.sleep(1.2)
    assert consistent(server, "wombatxa", True)

    synonyms.write_text("emuxa, Quảng Nam\n", encoding="utf-8")
    settings.write_text("RATE_LIMIT = 2/minute\nSYNONYMS = synonyms.txt\n", encoding="utf-8")
    applied = call(server, "/api/admin/reload", "POST", BEARER)
    assert applied.status == 200
    assert applied.json()["rate_limit"] == "2/minute"
    time.sleep(1.2)
    statuses = [call(server, "/api/search?q=emuxa").status for _ in range(10)]
    assert statuses.count(429) >= 5  # 2 a minute in each worker, whichever answers

    settings.write_text("RATE_LIMIT = off\nSYNONYMS = synonyms.txt\n", encoding="utf-8")
    assert call(server, "/api/admin/reload", "POST", BEARER).status == 200
    time.sleep(1.2)
    assert consistent(server, "emuxa", True), "the limit was not lifted"


def test_healthz_shows_a_build_in_progress(server):
    from indexer.store.progress import reporting

    with reporting(server.index_dir, "build", total=100) as tracker:
        tracker.state["done"] = 40
        tracker.write()
        work = call(server, "/healthz").json()["in_progress"]
        assert (work["command"], work["done"], work["total"]) == ("build", 40, 100)
        found = samples(server)
        assert value(found, "vietsearch_index_work_in_progress", command="build") == 1
        assert value(found, "vietsearch_index_work_progress_ratio") == 0.4
    assert call(server, "/healthz").json()["in_progress"] is None


def test_analytics_keep_no_address_and_lose_nothing_at_a_clean_stop(server, files):
    for query in ["Tắt máy", "tat may", "TẮT MÁY"]:
        assert call(server, "/search?q=" + quote(query)).status == 200
    server.stop()  # within the flush interval: the counts are still in the workers' memory
    database = files / "index.analytics.sqlite3"
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT SUM(searches) FROM daily WHERE key = 'tat may'").fetchall()
        forms = dict(
            db.execute("SELECT form, SUM(count) FROM forms WHERE key = 'tat may' GROUP BY form")
        )
    assert rows == [(3,)]
    assert forms == {"Tắt máy": 1, "tat may": 1, "TẮT MÁY": 1}
    stored = b"".join(path.read_bytes() for path in files.glob("index.analytics.sqlite3*"))
    assert b"127.0.0.1" not in stored
