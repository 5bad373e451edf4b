"""60 seconds of wrk with 32 connections on the bundled sample while a document is written every
second.

Issue 7, case 11, with bench/wrk.py's scenario, over data the repository ships: the index holds
the bundled Wikipedia sample cut into 1,001 passages of ~1,900 characters (1.9 MB of text: the
shape of the first 1,000 news articles this test used before the tests stopped reading
../shared), Debian's ``wrk`` asks 1-3 word queries cut from their first sentences, two workers
serve them, and one client POSTs a further passage every second. Every answer must be a 2xx, wrk
must see no socket error or timeout, p99 must stay within the bound the README documents, and every
acknowledged passage must be in the index afterwards. ``python bench/wrk.py --articles 1000
--check`` holds the news articles to the same bounds.
"""

import json
import shutil
import time

import pytest

from bench.http import make_queries
from bench.wrk import MIN_REQUESTS_PER_S, P99_BOUND_MS, TOKEN, VISIBLE_WITHIN_S, load_while_writing
from indexer import build_index
from tests.conftest import NO_RATE_LIMITS, debian_program
from tests.passages import wiki_passages
from tests.web_live import LiveServer

SECONDS = 60
CONNECTIONS = 32
MIN_WRITES = SECONDS // 2  # one a second, unless a write takes longer than a second
DOCUMENTS = 1001  # the whole sample in passages of ARTICLE_CHARS or more (an article's last less)
ARTICLE_CHARS = 1800  # the news articles' length, about


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """(a JSON Lines file whose titles are the documents' first sentences, an index of them,
    how many documents it holds)."""
    folder = tmp_path_factory.mktemp("sample")
    documents, sentences = folder / "documents.jsonl", folder / "sentences.jsonl"
    with documents.open("w", encoding="utf-8") as out, sentences.open("w", encoding="utf-8") as q:
        for passage in wiki_passages(DOCUMENTS, chars=ARTICLE_CHARS):
            record = {"id": passage.id, "title": passage.title, "body": passage.body}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            first = {"title": passage.body.split(". ")[0]}
            q.write(json.dumps(first, ensure_ascii=False) + "\n")
    summary = build_index([documents], folder / "index")
    return sentences, folder / "index", summary.indexed


@pytest.mark.slow
def test_wrk_with_32_connections_while_writing_every_second(sample, tmp_path):
    debian_program("wrk", "wrk")
    sentences, built, indexed = sample
    index_dir = tmp_path / "index"
    shutil.copytree(built, index_dir)
    queries = make_queries(sentences, 5000)
    documents = [
        {"id": f"wrk-{n}", "title": passage.title, "body": passage.body}
        for n, passage in enumerate(wiki_passages(SECONDS + 30))
    ]
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

    assert len(queries) == 5000 and indexed == DOCUMENTS
    assert set(figures["statuses"]) == {"2xx"}, (figures, server.log()[-3000:])
    assert figures["socket_errors"] == dict(connect=0, read=0, write=0, timeout=0), figures
    assert figures["requests_per_s"] >= MIN_REQUESTS_PER_S, figures
    assert figures["latency_ms"]["p99"] <= P99_BOUND_MS, figures

    assert writer.failures == []
    assert len(writer.answers) >= MIN_WRITES, writer.answers
    assert {status for _, status, _ in writer.answers} == {200}, writer.answers
    assert present == [200] * len(writer.answers)
    assert health["documents"] == indexed + len(writer.answers), health
