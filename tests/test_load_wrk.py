"""60 seconds of wrk with 32 connections on news articles while a document is written every second.

Issue 7, case 11, with bench/wrk.py's scenario: Debian's ``wrk`` asks 1-3 word queries cut from
the titles of the first 1,000 articles of ../shared/data/news (the index is built here, in
tmp_path: the news text never enters the repository), two workers serve them, and one client
POSTs a further news article every second. Every answer must be a 2xx, wrk must see no socket
error or timeout, p99 must stay within the bound the README documents, and every acknowledged
article must be in the index afterwards. The full corpus is bench/wrk.py's job.
"""

import gzip
import itertools
import shutil
import time

import pytest

from bench.http import make_queries
from bench.wrk import TOKEN, load_while_writing, news_documents
from indexer import build_index
from tests.conftest import NO_RATE_LIMITS, SHARED, debian_program
from tests.web_live import LiveServer

ARTICLES = 1000
SECONDS = 60
CONNECTIONS = 32
P99_BOUND_MS = 2500  # README, "Load": measured 0.8 s on this 2-core machine
MIN_REQUESTS_PER_S = 10  # the load must be real load, far below the ~80/s measured
MIN_WRITES = SECONDS // 2  # one a second, unless a write takes longer than a second
VISIBLE_WITHIN_S = 1.0  # README: an acknowledged write is searchable on every worker by then


@pytest.fixture(scope="module")
def news_sample(tmp_path_factory):
    """(the first ARTICLES news articles as JSON Lines, an index of them)."""
    folder = tmp_path_factory.mktemp("news")
    articles = folder / "news.jsonl"
    with (
        gzip.open(SHARED / "news" / "news.jsonl.gz", "rt", encoding="utf-8") as news,
        articles.open("w", encoding="utf-8") as out,
    ):
        out.writelines(itertools.islice(news, ARTICLES))
    build_index([articles], folder / "index")
    return articles, folder / "index"


@pytest.mark.slow
def test_wrk_with_32_connections_while_writing_every_second(news_sample, tmp_path):
    debian_program("wrk", "wrk")
    articles, built = news_sample
    index_dir = tmp_path / "index"
    shutil.copytree(built, index_dir)
    queries = make_queries(articles, 5000)
    documents = news_documents(ARTICLES, SECONDS + 30)
    env = {"VIETSEARCH_API_TOKEN": TOKEN, **NO_RATE_LIMITS}
    server = LiveServer.start(index_dir, tmp_path / "server.log", workers=2, env=env)
    try:
        figures, writer = load_while_writing(
            server.port, queries, documents, seconds=SECONDS, connections=CONNECTIONS
        )
        # The last write may have been answered a moment ago: wait as long as the README allows.
        time.sleep(VISIBLE_WITHIN_S)
        present = [server.get(f"/api/documents/{doc_id}").status for doc_id, *_ in writer.answers]
        health = server.get("/healthz").json()
    finally:
        server.stop()

    assert set(figures["statuses"]) == {"2xx"}, (figures, server.log()[-3000:])
    assert figures["socket_errors"] == dict(connect=0, read=0, write=0, timeout=0), figures
    assert figures["requests_per_s"] >= MIN_REQUESTS_PER_S, figures
    assert figures["latency_ms"]["p99"] <= P99_BOUND_MS, figures

    assert writer.failures == []
    assert len(writer.answers) >= MIN_WRITES, writer.answers
    assert {status for _, status, _ in writer.answers} == {200}, writer.answers
    assert present == [200] * len(writer.answers)
    assert health["documents"] == ARTICLES + len(writer.answers), health
