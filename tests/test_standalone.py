"""The project stands alone: one ``vietsearch`` command, the README's commands, the sample.

The sample's index is built in this session's ``VIETSEARCH_HOME`` (tests/outside_reads.py sets
it to a temporary folder), as it is in a user's data folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import DEFAULT_INDEX, ensure_embedded_index, open_index, search
from indexer.store.sample import SAMPLE_CORPUS
from tests.conftest import ROOT

VIETSEARCH = Path(sys.executable).with_name("vietsearch")
COMMANDS = [
    "build",
    "add",
    "delete",
    "stats",
    "search",
    "similar",
    "optimize",
    "snapshot",
    "restore",
]
MARKUP = re.compile(r"==|'''|''|\[\[|\]\]|\{\{|\}\}|<ref|</ref|\\displaystyle")


def sample_articles() -> list[dict]:
    with open(SAMPLE_CORPUS / "viwiki-sample.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def run(*command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "VIETSEARCH_INDEX"}
    return subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_sample_index_lives_in_the_data_home_not_the_checkout():
    assert DEFAULT_INDEX == Path(os.environ["VIETSEARCH_HOME"]) / "sample-index"
    assert not DEFAULT_INDEX.is_relative_to(ROOT)
    assert ensure_embedded_index() == DEFAULT_INDEX
    assert list(DEFAULT_INDEX.glob("_MAIN_*.toc"))
    for package in ("indexer", "web"):
        assert not list((ROOT / package).rglob("_MAIN_*.toc")), package


def test_every_sample_body_is_prose_without_markup():
    articles = sample_articles()
    assert len(articles) > 180
    for article in articles:
        assert not MARKUP.search(article["body"]), (article["id"], MARKUP.search(article["body"]))
        assert article["license"] == "CC BY-SA 4.0" and article["url"].startswith("https://")
    assert sum(a["title"] != a["title"].lower() for a in articles) > 0.9 * len(articles)


@pytest.mark.parametrize(
    "title, url",
    [
        ("Kon Tum", "https://vi.wikipedia.org/wiki/Kon_Tum"),
        ("Alexandre de Rhodes", "https://vi.wikipedia.org/wiki/Alexandre_de_Rhodes"),
        (".vn", "https://vi.wikipedia.org/wiki/.vn"),
    ],
)
def test_titles_keep_their_case_and_urls_follow_them(title, url):
    assert {a["title"]: a["url"] for a in sample_articles()}[title] == url


@pytest.mark.parametrize("query", ["Kon Tum", "lịch sử", "ha noi", "tham khảo", "văn hóa"])
def test_sample_snippets_show_prose(query):
    page = search(open_index(ensure_embedded_index()), query)
    assert page.total > 0
    for hit in page.hits:
        assert not MARKUP.search(hit.snippet_html) and not MARKUP.search(hit.title_html), hit


def test_vietsearch_offers_the_library_commands_and_serve():
    done = run(VIETSEARCH, "--help")
    assert done.returncode == 0
    listed = re.search(r"\{([a-z,]+)\}", done.stdout).group(1).split(",")
    assert listed == [*COMMANDS, "serve"]
    library = run(sys.executable, "-m", "indexer", "--help")
    assert re.search(r"\{([a-z,]+)\}", library.stdout).group(1).split(",") == COMMANDS


@pytest.mark.parametrize(
    "args, words",
    [
        (["serve", "--workers", "0"], "expected a positive whole number"),
        (["serve", "--port", "http"], "expected a port"),
        (["serve", "--bogus"], "unrecognized arguments"),
        (["frobnicate"], "invalid choice"),
        ([], "the following arguments are required"),
    ],
)
def test_vietsearch_usage_errors_exit_2_in_one_line(args, words):
    done = run(VIETSEARCH, *args)
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.startswith("vietsearch") and len(done.stderr.splitlines()) == 1


def test_serve_and_python_m_web_share_one_definition_of_the_options():
    serve = run(VIETSEARCH, "serve", "--help").stdout
    web = run(sys.executable, "-m", "web", "--help").stdout
    for option in ("--index INDEX", "--host HOST", "--port PORT", "--workers WORKERS"):
        assert option in serve and option in web


def test_vietsearch_search_finds_the_sample_by_default():
    done = run(VIETSEARCH, "search", "--json", "Kon Tum")
    assert done.returncode == 0, done.stderr
    hit = json.loads(done.stdout)["hits"][0]
    assert (hit["title"], hit["url"]) == ("Kon Tum", "https://vi.wikipedia.org/wiki/Kon_Tum")


def test_vietsearch_reports_library_errors_in_one_line(tmp_path):
    done = run(VIETSEARCH, "search", "--index", tmp_path / "nothing", "ha noi")
    assert done.returncode == 1
    assert done.stderr.startswith("vietsearch: error: ") and len(done.stderr.splitlines()) == 1


def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    serve, tests = first_block
    assert serve.endswith(".venv/bin/vietsearch serve") and "pip install" in serve
    assert tests.endswith(".venv/bin/python -m pytest") and "'.[test]'" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    extract = re.search(r"command=\"\$\(awk '([^']*)'", ci).group(1)
    done = subprocess.run(
        ["awk", extract, str(ROOT / "README.md")], capture_output=True, text=True, timeout=10
    )
    assert done.stdout.splitlines() == [tests]
    assert 'git -C "$clone" archive HEAD | tar -x -C "$copy"' in ci
    assert "'^outside reads: none ('" in ci
