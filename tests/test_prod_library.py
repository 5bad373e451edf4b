"""Issue 17 in the library: events for metrics, the progress file, and search analytics.

Real indexes built from tests/data, a real SQLite file; no server (tests/test_prod_web.py and
tests/test_prod_live.py test the web side).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
import unicodedata

import pytest

from indexer import (
    AnalyticsRecorder,
    LiveWriter,
    add_listener,
    analytics_report,
    build_index,
    builtin_synonyms,
    documents_from_json,
    index_stats,
    open_index,
    read_documents,
    read_progress,
    remove_listener,
    report_csv,
)
from indexer.analytics import abbreviation_like, missing_synonyms, query_help, query_key
from indexer.cli import main as cli_main
from indexer.store.progress import PROGRESS_FILE, Progress, reporting
from tests.conftest import TEST_DATA

DAY = dt.date(2026, 12, 2)


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    path = tmp_path_factory.mktemp("prod_lib") / "index"
    build_index([TEST_DATA / "corpus"], path, workers=1)
    return path


# --- events: what the web's metrics listen to -------------------------------------------------


def test_group_commits_and_searcher_refreshes_are_reported(tmp_path):
    build_index([TEST_DATA / "corpus"], tmp_path / "ix", workers=1)
    events = []

    def listener(event, **values):
        events.append((event, values))

    def broken(event, **values):
        raise RuntimeError("a listener that fails must not fail the write")

    index = open_index(tmp_path / "ix")
    index.searcher()
    add_listener(listener)
    add_listener(broken)
    try:
        body = '[{"id": "ev-1", "title": "Gấu trúc"}, {"id": "ev-2", "title": "Gấu nâu"}]'.encode()
        LiveWriter(tmp_path / "ix").replace(documents_from_json(body))
        time.sleep(0.6)  # REFRESH_INTERVAL_S
        assert index.searcher().document(id="ev-1") is not None
    finally:
        remove_listener(listener)
        remove_listener(broken)
        index.close()
    commits = [values for event, values in events if event == "group_committed"]
    assert len(commits) == 1
    assert (commits[0]["batches"], commits[0]["documents"]) == (1, 2)
    assert len(commits[0]["waits"]) == 1 and 0 <= commits[0]["waits"][0] < 30
    assert commits[0]["seconds"] > 0
    refreshes = [values for event, values in events if event == "searcher_refreshed"]
    assert len(refreshes) == 1 and refreshes[0]["seconds"] >= 0


# --- progress: a build or optimize in progress ------------------------------------------------


def test_a_build_writes_its_progress_and_removes_it_at_the_end(tmp_path):
    index = tmp_path / "ix"
    seen = []
    build_index(
        [TEST_DATA / "corpus"],
        index,
        workers=1,
        batch_size=2,
        total=7,
        progress=lambda done: seen.append((done, read_progress(index))),
    )
    assert seen, "the build reported no progress"
    first_done, first = seen[0]
    assert first["pid"] == os.getpid()
    assert (first["command"], first["phase"], first["total"]) == ("build", "indexing", 7)
    assert first["done"] == first_done
    assert dt.datetime.fromisoformat(first["started"]).tzinfo is not None
    assert read_progress(index) is None
    assert not (index / PROGRESS_FILE).exists()
    assert index_stats(index)["in_progress"] is None


def test_the_total_is_counted_meanwhile_when_the_caller_does_not_know_it(tmp_path):
    from indexer.store.build import count_in_background

    tracker = Progress(tmp_path, "build")
    counter = count_in_background([TEST_DATA / "corpus"], tracker)
    deadline = time.monotonic() + 20
    while tracker.state["total"] is None and time.monotonic() < deadline:
        tracker.update(0)  # the total is taken as documents are reported
        time.sleep(0.05)
    counter.join(timeout=10)
    expected = sum(1 for _ in read_documents([TEST_DATA / "corpus"], print))
    assert tracker.state["total"] == expected > 0


def test_a_progress_file_whose_process_is_gone_means_no_work_in_progress(tmp_path):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    state = {"pid": int(gone.stdout), "command": "build", "phase": "indexing", "done": 5}
    (tmp_path / PROGRESS_FILE).write_text(json.dumps(state), encoding="utf-8")
    assert read_progress(tmp_path) is None
    state["pid"] = os.getpid()
    (tmp_path / PROGRESS_FILE).write_text(json.dumps(state), encoding="utf-8")
    assert read_progress(tmp_path)["done"] == 5


@pytest.mark.parametrize("garbage", [b"", b"{", b'{"pid": "x"}', b"[]", b"\xff\xfe"])
def test_a_garbled_progress_file_is_no_work_in_progress(tmp_path, garbage):
    (tmp_path / PROGRESS_FILE).write_bytes(garbage)
    assert read_progress(tmp_path) is None


@pytest.mark.parametrize(
    "state, expected",
    [
        (None, "in_progress: none"),
        (
            {"command": "build", "phase": "indexing", "done": 1200, "total": 38084},
            "build (pid {pid}), indexing 1,200 of 38,084 documents (3%), since ",
        ),
        (
            {"command": "add", "phase": "indexing", "done": 40, "total": None},
            "add (pid {pid}), indexing 40 documents (total still being counted), since ",
        ),
        ({"command": "optimize", "phase": "merging", "done": 0, "total": None}, "merging started"),
    ],
)
def test_stats_shows_a_build_in_progress(small_index, capsys, state, expected):
    with reporting(small_index, "build") as tracker:
        if state is None:
            tracker.remove()
        else:
            tracker.state.update(state)
            tracker.write()
        assert cli_main(["stats", "--index", str(small_index)]) == 0
        text = capsys.readouterr().out
        assert cli_main(["stats", "--index", str(small_index), "--json"]) == 0
        as_json = json.loads(capsys.readouterr().out)
    assert expected.format(pid=os.getpid()) in text
    assert as_json["segments"] >= 1 and as_json["size_bytes"] > 0 and as_json["documents"] > 0
    assert as_json["in_progress"] == (None if state is None else {**tracker.state})


# --- analytics: keys, abbreviations -----------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["Hà Nội", "ha noi", "HÀ  NỘI ", "hà nội", unicodedata.normalize("NFD", "Hà Nội"), "Ha Noi"],
)
def test_vietnamese_variants_share_one_key(typed):
    assert query_key(typed) == "ha noi"


@pytest.mark.parametrize(
    "token, expected",
    [
        ("tphcm", True),
        ("ubnd", True),
        ("bhxh", True),
        ("UBND", True),
        ("atgt", True),
        ("ĐHQG", True),
        ("đhqg", True),
        ("vàg", False),  # a misspelt word: abbreviations carry no tone or vowel marks
        ("BỆNH", False),
        ("covid", False),  # a foreign word, not an abbreviation
        ("nguyen", False),
        ("hà", False),
        ("nghiêng", False),
        ("quy", False),
        ("a", False),  # too short
        ("tphcm2", False),  # not only letters
        ("abcdefghijk", False),  # too long
    ],
)
def test_what_looks_like_an_abbreviation(token, expected):
    assert abbreviation_like(token) is expected


@pytest.mark.parametrize(
    "query, missing",
    [
        ("tphcm", []),
        ("UBND Hà Nội", []),
        ("bhxh xyzq", ["xyzq"]),
        ("ĐHKHTN tuyển sinh", ["ĐHKHTN"]),
        ("covid ở Đà Nẵng", []),
    ],
)
def test_missing_synonyms_are_abbreviations_the_dictionary_lacks(query, missing):
    assert missing_synonyms(query, builtin_synonyms()) == missing


# --- analytics: counting, retention, reports --------------------------------------------------


def recorder_at(path, day: dt.date, retention: int = 90) -> AnalyticsRecorder:
    return AnalyticsRecorder(path, retention_days=retention, today=lambda: day)


def test_variants_count_together_under_the_form_typed_most(tmp_path):
    recorder = recorder_at(tmp_path / "a.sqlite3", DAY)
    for typed, total, shown in [
        ("ha noi", 5, True),
        ("Hà Nội", 5, True),
        ("HÀ NỘI", 5, False),
        ("Hà  Nội", 5, True),
        ("vacine", 0, True),
    ]:
        recorder.record_search(typed, total, shown)
    recorder.record_click("hà nội")
    recorder.flush()
    rows = {row.key: row for row in recorder.store.queries(DAY)}
    assert set(rows) == {"ha noi", "vacine"}
    hanoi = rows["ha noi"]
    assert (hanoi.query, hanoi.searches, hanoi.empty, hanoi.shown, hanoi.clicks) == (
        "Hà Nội",
        4,
        0,
        3,
        1,
    )
    assert (rows["vacine"].empty, rows["vacine"].shown) == (1, 0)


def test_a_tie_shows_the_form_with_diacritics(tmp_path):
    recorder = recorder_at(tmp_path / "a.sqlite3", DAY)
    recorder.record_search("da nang", 3, False)
    recorder.record_search("Đà Nẵng", 3, False)
    recorder.close()
    assert recorder.store.queries(DAY)[0].query == "Đà Nẵng"


def test_the_file_holds_counts_and_query_forms_only(tmp_path):
    recorder = recorder_at(tmp_path / "a.sqlite3", DAY)
    recorder.record_search("bầu cử", 2, True)
    recorder.close()
    with sqlite3.connect(tmp_path / "a.sqlite3") as db:
        tables = {
            name: [column[1] for column in db.execute(f"PRAGMA table_info({name})")]
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert tables == {
        "daily": ["day", "key", "searches", "empty", "shown", "clicks"],
        "forms": ["day", "key", "form", "count"],
    }


def test_days_past_the_retention_are_forgotten(tmp_path):
    path = tmp_path / "a.sqlite3"
    for age in (120, 90, 89, 0):
        old = recorder_at(path, DAY - dt.timedelta(days=age))
        old.record_search(f"tuổi {age}", 1, False)
        old.close()
    current = recorder_at(path, DAY, retention=90)
    current.flush()  # forgets what is older than 90 days, today included
    with sqlite3.connect(path) as db:
        days = sorted(day for (day,) in db.execute("SELECT day FROM daily"))
        form_days = sorted(day for (day,) in db.execute("SELECT day FROM forms"))
    kept = [(DAY - dt.timedelta(days=age)).isoformat() for age in (89, 0)]
    assert days == form_days == kept


def test_close_writes_what_is_still_in_memory(tmp_path):
    recorder = AnalyticsRecorder(tmp_path / "a.sqlite3", flush_interval_s=3600)
    recorder.record_search("Quảng Nam", 1, True)
    recorder.record_click("quang nam")
    assert recorder.pending() == 2  # as typed: folded together when written
    recorder.close()
    again = AnalyticsRecorder(tmp_path / "a.sqlite3")
    [row] = again.store.queries(dt.date.today())
    assert (row.query, row.searches, row.clicks) == ("Quảng Nam", 1, 1)


def test_several_processes_share_one_file(tmp_path):
    path = tmp_path / "a.sqlite3"
    AnalyticsRecorder(path)  # creates it
    script = (
        "import sys; from indexer import AnalyticsRecorder\n"
        "r = AnalyticsRecorder(sys.argv[1], flush_interval_s=0.01)\n"
        "for i in range(200): r.record_search('Hà Nội', i % 2, True)\n"
        "r.close()\n"
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, str(path)]) for _ in range(3)]
    assert [writer.wait(timeout=60) for writer in writers] == [0, 0, 0]
    [row] = AnalyticsRecorder(path).store.queries(dt.date.today())
    assert (row.searches, row.empty, row.shown) == (600, 300, 300)


def test_the_report_lists_what_editors_act_on(tmp_path, small_index):
    recorder = recorder_at(tmp_path / "a.sqlite3", DAY)
    for typed, total, shown in [
        ("Hà Nội", 4, True),
        ("ha noi", 4, True),
        ("vacine", 0, True),
        ("vacine", 0, False),
        ("xyzq bhxh", 0, False),
        ("thủy điện", 2, True),
    ]:
        recorder.record_search(typed, total, shown)
    recorder.record_click("Hà Nội")
    recorder.flush()
    index = open_index(small_index)
    try:
        report = analytics_report(recorder.store, index, builtin_synonyms(), days=7, today=DAY)
    finally:
        index.close()
    assert report["totals"] == {"searches": 6, "empty": 3, "clicks": 1, "queries": 4}
    assert report["per_day"] == [{"day": DAY.isoformat(), "searches": 6, "empty": 3, "clicks": 1}]
    assert [row["query"] for row in report["top"]][:2] == ["Hà Nội", "vacine"]
    no_results = {row["query"]: row["help"] for row in report["no_results"]}
    assert no_results["vacine"]["did_you_mean"] == "vaccine"
    assert no_results["vacine"]["did_you_mean_finds"] >= 1
    assert no_results["xyzq bhxh"]["missing_synonyms"] == ["xyzq"]
    assert [row["query"] for row in report["unopened"]] == ["thủy điện"]


def test_query_help_when_the_query_finds_documents_now(small_index):
    index = open_index(small_index)
    try:
        assert query_help(index, "vaccine", builtin_synonyms()).now_finds >= 1
        assert query_help(index, "((((((a))))))").now_finds == 0  # refused by the engine
    finally:
        index.close()


def test_the_csv_never_starts_a_cell_with_a_formula(tmp_path):
    recorder = recorder_at(tmp_path / "a.sqlite3", DAY)
    for typed in ["=HYPERLINK(1)", "-quảng cáo", "+84", "@admin", "Hà Nội"]:
        recorder.record_search(typed, 0, False)
    recorder.close()
    lines = report_csv(recorder.store, days=1, today=DAY).splitlines()
    assert lines[0] == "day,query,searches,no_results,shown_results,clicks"
    queries = sorted(line.split(",")[1].strip('"') for line in lines[1:])
    assert queries == ["'+84", "'-quảng cáo", "'=HYPERLINK(1)", "'@admin", "Hà Nội"]


def test_an_optimize_shows_while_it_waits_for_the_writer_and_after(tmp_path):
    import threading

    from indexer import optimize
    from indexer.store.commits import committing, open_or_create

    build_index([TEST_DATA / "corpus"], tmp_path / "ix", workers=1)
    done = threading.Event()
    with committing(open_or_create(tmp_path / "ix"), 5):  # holds the writer: optimize waits
        worker = threading.Thread(target=lambda: (optimize(tmp_path / "ix"), done.set()))
        worker.start()
        deadline = time.monotonic() + 10
        while read_progress(tmp_path / "ix") is None and time.monotonic() < deadline:
            time.sleep(0.02)
        state = read_progress(tmp_path / "ix")
    worker.join(timeout=60)
    assert done.is_set()
    assert (state["command"], state["phase"], state["pid"]) == ("optimize", "merging", os.getpid())
    assert read_progress(tmp_path / "ix") is None
