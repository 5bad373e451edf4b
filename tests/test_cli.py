"""The command line, run for real: ``python -m indexer ...`` in a subprocess on indexes in tmp."""

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from tests.conftest import ROOT, SEED_DIR, TEST_DATA

CORPUS = TEST_DATA / "corpus"
SEED_ID = "000_e74d3da79069b4c0"
CORPUS_IDS = {
    "c01-ha-noi-ba-dinh",
    "c02-tphcm-metro",
    "c03-thuy-dien-quang-nam",
    "c04-hoa-binh-hoa-dang",
    "c05-an-ninh-web-xss",
    "c06-ao-the-khan-xep",
    "c07-bau-cu-da-nang",
    "c08-covid-vaccine",
    "c09-bong-da-vleague",
    "c10-the-thao-hoc-duong",
    "c11-dai-duong-rac-nhua",
    "c12-sai-gon-hu-tieu-go",
}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
SUMMARY = re.compile(
    r"indexed (\d+), unchanged (\d+), skipped (\d+), rejected (\d+), deleted (\d+) "
    r"in \d+\.\d s \(\d+\.\d documents/s\)"
)


def run_cli(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m indexer ARGS`` from the project folder; never the embedded index."""
    env = {k: v for k, v in os.environ.items() if k != "VIETSEARCH_INDEX"}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "indexer", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def summary_counts(stdout: str) -> tuple[int, ...]:
    """(indexed, unchanged, skipped, rejected, deleted) from the one summary line."""
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    match = SUMMARY.fullmatch(lines[0])
    assert match, lines[0]
    return tuple(int(n) for n in match.groups())


def live_ids(index_dir: Path) -> list[str]:
    """Ids of the live documents, one entry per document (duplicates kept)."""
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        return sorted(fields["id"] for fields in searcher.all_stored_fields())


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The seed article and the test corpus, built by the CLI: (index folder, result)."""
    index_dir = tmp_path_factory.mktemp("cli") / "index"
    result = run_cli("build", SEED_DIR, CORPUS, "--index", index_dir, "--workers", "1")
    return index_dir, result


def test_build_prints_the_summary_line(built):
    index_dir, result = built
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert summary_counts(result.stdout) == (13, 0, 0, 0, 0)
    assert live_ids(index_dir) == sorted(CORPUS_IDS | {SEED_ID})


@pytest.mark.parametrize(
    ("query", "top"),
    [
        ("nguyen thi tuyen", {SEED_ID}),
        ("Nguyễn Thị Tuyến", {SEED_ID}),
        (unicodedata.normalize("NFD", "Nguyễn Thị Tuyến"), {SEED_ID}),
        # The corpus has its own Ba Đình article; both outrank every other document.
        ("Ba Đình", {SEED_ID, "c01-ha-noi-ba-dinh"}),
    ],
    ids=["folded", "accented", "nfd", "ba-dinh"],
)
def test_search_json_ranks_the_seed_article_first(built, query, top):
    index_dir, _ = built
    result = run_cli("search", "--index", index_dir, "--json", query)
    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout)
    ranked = [hit["id"] for hit in page["hits"]]
    assert set(ranked[: len(top)]) == top, ranked
    seed_hit = page["hits"][ranked.index(SEED_ID)]
    assert "<mark>" in seed_hit["title_html"] + seed_hit["snippet_html"]


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        [],
        ["build", "--index", "{new}"],
        ["build", SEED_DIR, "--index", "{new}", "--workers", "0"],
        ["build", SEED_DIR, "--index", "{new}", "--batch-size", "many"],
        ["search", "--index", "{built}", "--per-page", "0", "ha noi"],
        ["search", "--index", "{built}", "--per-page", "abc", "ha noi"],
        ["search", "--index", "{built}", "--per-page", "101", "ha noi"],
        ["search", "--index", "{built}", "--sort", "best", "ha noi"],
        ["search", "--index", "{built}", "x" * 1001],
    ],
    ids=[
        "unknown-command",
        "no-command",
        "no-sources",
        "workers-0",
        "batch-size-word",
        "per-page-0",
        "per-page-word",
        "per-page-101",
        "unknown-sort",
        "query-too-long",
    ],
)
def test_usage_errors_exit_2_with_one_line(built, tmp_path, args):
    new_index = tmp_path / "new-index"
    args = [str(a).replace("{new}", str(new_index)).replace("{built}", str(built[0])) for a in args]
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "error" in result.stderr
    assert "Traceback" not in result.stderr
    assert not new_index.exists()


@pytest.mark.parametrize(
    ("bad_line", "location"),
    [
        ('{"id": "b", "title": "Hỏng', ":2: rejected: invalid JSON"),
        (
            json.dumps({"id": "b", "title": "Quá dài", "body": "chữ " * 125_001}),
            ":2: rejected: text is over 500,000 characters",
        ),
    ],
    ids=["invalid-json", "too-long"],
)
def test_rejected_record_exits_1_and_indexes_the_rest(tmp_path, bad_line, location):
    source = write_text(
        tmp_path / "tin.jsonl",
        "\n".join(
            [
                json.dumps({"id": "a", "title": "Tin thứ nhất", "body": "Hà Nội mưa to."}),
                bad_line,
                json.dumps({"id": "c", "title": "Tin thứ ba", "body": "Sài Gòn nắng nóng."}),
            ]
        )
        + "\n",
    )
    result = run_cli("build", source, "--index", tmp_path / "index", "--workers", "1")
    assert result.returncode == 1
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith(f"warning: {source}{location}")
    assert summary_counts(result.stdout) == (2, 0, 0, 1, 0)
    assert live_ids(tmp_path / "index") == ["a", "c"]


def test_stats_text_and_json(built):
    index_dir, _ = built
    text = run_cli("stats", "--index", index_dir)
    as_json = run_cli("stats", "--index", index_dir, "--json")
    assert text.returncode == 0 and as_json.returncode == 0
    assert text.stderr == "" and as_json.stderr == ""

    lines = dict(line.split(": ", 1) for line in text.stdout.splitlines())
    assert lines["documents"] == "13"
    assert {"id", "title", "body", "published"} <= set(lines["fields"].split(", "))

    stats = json.loads(as_json.stdout)
    assert stats["documents"] == 13
    assert stats["deleted_not_merged"] == 0
    assert {"id", "title", "body", "published"} <= set(stats["fields"])
    assert stats["last_commit"] == lines["last_commit"]
    committed = dt.datetime.fromisoformat(stats["last_commit"])
    newest_toc = max(p.stat().st_mtime for p in index_dir.glob("_MAIN_*.toc"))
    assert committed.utcoffset() == dt.timedelta(0)
    assert abs(committed.timestamp() - newest_toc) < 0.001


def test_delete_removes_the_document_from_search(built, tmp_path):
    index_dir = shutil.copytree(built[0], tmp_path / "index")
    result = run_cli("delete", "--index", index_dir, SEED_ID)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deleted 1 of 1 documents"

    after = run_cli("search", "--index", index_dir, "--json", "Ba Đình")
    assert after.returncode == 0
    hits = [hit["id"] for hit in json.loads(after.stdout)["hits"]]
    assert SEED_ID not in hits
    assert "c01-ha-noi-ba-dinh" in hits
    assert live_ids(index_dir) == sorted(CORPUS_IDS)


def test_delete_of_an_unknown_id_exits_1(built, tmp_path):
    index_dir = shutil.copytree(built[0], tmp_path / "index")
    result = run_cli("delete", "--index", index_dir, "no-such-id")
    assert result.returncode == 1
    assert result.stdout.strip() == "deleted 0 of 1 documents"
    assert len(live_ids(index_dir)) == 13


def test_quiet_build_prints_nothing_but_warnings(tmp_path):
    src, index_dir = tmp_path / "src", tmp_path / "index"
    write_text(src / "a-tin.txt", "Tin ngắn\n\nHà Nội hôm nay trời nắng đẹp.\n")
    args = ("build", src, "--index", index_dir, "--workers", "1", "--quiet")
    clean = run_cli(*args)
    assert clean.returncode == 0
    assert clean.stdout == ""
    assert clean.stderr == ""
    assert live_ids(index_dir) == ["a-tin"]

    (src / "b-anh.txt").write_bytes(PNG)
    warned = run_cli(*args)
    assert warned.returncode == 0
    assert warned.stdout == ""
    assert warned.stderr.splitlines() == [f"warning: {src / 'b-anh.txt'}: skipped: binary file"]


def test_binary_file_is_skipped_with_one_warning(tmp_path):
    src = tmp_path / "src"
    write_text(src / "a-tin.txt", "Tin ngắn\n\nĐà Nẵng đón khách du lịch trở lại.\n")
    (src / "b-anh.txt").write_bytes(PNG)
    result = run_cli("build", src, "--index", tmp_path / "index", "--workers", "1")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [f"warning: {src / 'b-anh.txt'}: skipped: binary file"]
    assert summary_counts(result.stdout) == (1, 0, 1, 0, 0)
    assert live_ids(tmp_path / "index") == ["a-tin"]


@pytest.mark.parametrize("command", [["search", "ha noi"], ["stats"]], ids=["search", "stats"])
@pytest.mark.parametrize("exists", [True, False], ids=["empty-folder", "no-folder"])
def test_commands_on_a_folder_without_index_fail_in_one_line(tmp_path, command, exists):
    folder = tmp_path / "nothing-here"
    if exists:
        folder.mkdir()
    result = run_cli(command[0], "--index", folder, *command[1:])
    assert result.returncode not in (0, None)
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert f"no index in {folder}" in result.stderr
    assert "Traceback" not in result.stderr
    assert folder.exists() == exists
    assert not exists or list(folder.iterdir()) == []
