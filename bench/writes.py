"""Writes over HTTP: sustained writes/s and write latency, and search latency while writing.

    python bench/writes.py [--articles 10000] [--seconds 20] [--workers 2] [--json OUT]

Copies the index of the first ``--articles`` news articles (built by bench/http.py's
``ensure_index`` if missing) to bench/out/writes-index, starts ``python -m web`` on it with a
write token, and measures single-document ``POST /api/documents`` from 1 and from 8 concurrent
clients (keep-alive ``http.client``), each for ``--seconds``: once with short documents (a
title and two sentences) and once with whole news articles that the index does not hold yet.
Every write is acknowledged only once it is fsynced. Search latency (2 connections,
bench/http.py's queries) is measured before the writes, after them (they leave small segments
that every search goes through), and while 8 clients write short documents; last, how long an
acknowledged document takes to be found.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py sits next to this file: with this folder on sys.path it would shadow the
# standard library's http package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import gzip  # noqa: E402
import http.client  # noqa: E402
import importlib.util  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from urllib.parse import quote  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_http", _HERE / "http.py")
bench_http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_http)  # its helpers: the index, the server, the search load

OUT = bench_http.OUT
TOKEN = "bench-writes-token"
SERVER_ENV = {
    "VIETSEARCH_API_TOKEN": TOKEN,
    "VIETSEARCH_RATE_LIMIT": "off",
    "VIETSEARCH_WRITE_RATE_LIMIT": "off",
}
SEARCH_CONNECTIONS = 2
REQUEST_TIMEOUT_S = 60


def linked_copy(index: Path, copy: Path) -> Path:
    """A copy of ``index`` made of hard links, in an instant.

    Whoosh never changes a file it has written (a commit writes new segments and a new table of
    contents, then deletes old files), so the copy's writes cannot reach the original. Lock
    files are not linked: a lock taken in the copy would lock the original too.
    """
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    for path in index.iterdir():
        if path.is_file() and not path.name.endswith(("WRITELOCK", ".lock")):
            os.link(path, copy / path.name)
    return copy


def unindexed_articles(skip: int, count: int) -> list[dict]:
    """``count`` news articles after the first ``skip`` (which the index holds)."""
    with gzip.open(bench_http.NEWS, "rt", encoding="utf-8") as news:
        return [json.loads(line) for line in itertools.islice(news, skip, skip + count)]


def short_document(n: int) -> dict:
    return {
        "id": f"bench-short-{n}",
        "title": f"Tin nhanh số {n}: giao thông Hà Nội sáng nay",
        "body": f"Bản tin {n}. Nhiều tuyến phố ở Hà Nội ùn tắc kéo dài sau cơn mưa lớn.",
        "source": "bench",
    }


class Writers(bench_http.Load):
    """``connections`` clients POSTing one document at a time (bench/http.py's load, writing)."""

    def __init__(self, port: int, documents, connections: int, seconds: float):
        super().__init__(port, documents, connections, seconds)
        self.acknowledged: list[tuple[float, str]] = []

    def _client(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        while (document := self._next()) is not None:
            body = json.dumps(document, ensure_ascii=False).encode()
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/documents", body, headers)
                response = connection.getresponse()
                response.read()
                error = None if response.status == 200 else f"{response.status}"
            except (OSError, http.client.HTTPException) as exc:
                error = type(exc).__name__
                connection.close()
            latency = (time.perf_counter() - started) * 1000
            with self._lock:
                if error is None:
                    self.latencies_ms.append(latency)
                    self.acknowledged.append((time.monotonic(), document["id"]))
                else:
                    self.errors.append(f"{error} for {document['id']}")
        connection.close()

    def figures(self) -> dict:
        latencies = self.latencies_ms or [float("nan")]
        return {
            "clients": self.connections,
            "writes": len(self.latencies_ms),
            "seconds": round(self.elapsed, 1),
            "writes_per_s": round(len(self.latencies_ms) / self.elapsed, 1),
            "p50_ms": round(bench_http.percentile(latencies, 0.50), 1),
            "p99_ms": round(bench_http.percentile(latencies, 0.99), 1),
            "errors": len(self.errors),
        }


def search_figures(load) -> dict:
    latencies = load.latencies_ms
    return {
        "searches": len(latencies),
        "searches_per_s": round(len(latencies) / load.elapsed, 1),
        "p50_ms": round(bench_http.percentile(latencies, 0.50), 1),
        "p99_ms": round(bench_http.percentile(latencies, 0.99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "errors": len(load.errors),
    }


def segment_count(index: Path) -> int:
    """How many segments a search goes through (writes over HTTP add small ones)."""
    return len(bench_http.whoosh_index.open_dir(index)._segments())


def visibility_s(port: int, samples: int = 5) -> float:
    """The longest time from a write's acknowledgement to a search finding it."""
    worst = 0.0
    for n in range(samples):
        word = f"quokka{n}xanh{int(time.time())}"
        document = {"id": f"bench-visible-{word}", "title": word, "body": f"{word} thử."}
        writers = Writers(port, iter([document]), 1, 60).run()
        if writers.errors:
            raise SystemExit(f"visibility write failed: {writers.errors}")
        acknowledged = writers.acknowledged[0][0]
        while time.monotonic() - acknowledged < 30:
            status, body = bench_http.get(port, "/api/search?q=" + quote(word))
            if status == 200 and json.loads(body)["total"] == 1:
                break
            time.sleep(0.01)
        worst = max(worst, time.monotonic() - acknowledged)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    source = bench_http.first_articles(args.articles)
    index = linked_copy(bench_http.ensure_index(source, args.articles), OUT / "writes-index")
    queries = bench_http.make_queries(source, 50_000)
    articles = unindexed_articles(args.articles, 3000)
    port = bench_http.free_port()
    os.environ.update(SERVER_ENV)
    server = bench_http.start_server(index, port, args.workers, OUT / "writes-server.log")
    figures: dict = {"documents": bench_http.documents_in(index), "workers": args.workers}
    try:
        bench_http.Load(port, queries[:200], SEARCH_CONNECTIONS, 120).run()  # warm up
        searches = iter(queries[200:])
        before = bench_http.Load(port, searches, SEARCH_CONNECTIONS, args.seconds).run()
        figures["search_before_writes"] = search_figures(before)
        figures["segments_before_writes"] = segment_count(index)
        short = (short_document(n) for n in itertools.count())
        for kind, documents in (("short", short), ("article", iter(articles))):
            for clients in (1, 8):
                writers = Writers(port, documents, clients, args.seconds).run()
                figures[f"{kind}_{clients}_writers"] = writers.figures()
                print(kind, clients, writers.figures(), flush=True)
        figures["segments_after_writes"] = segment_count(index)
        after = bench_http.Load(port, searches, SEARCH_CONNECTIONS, args.seconds).run()
        figures["search_after_writes"] = search_figures(after)
        writing = Writers(port, short, 8, args.seconds)
        thread = threading.Thread(target=writing.run)
        thread.start()
        during = bench_http.Load(port, searches, SEARCH_CONNECTIONS, args.seconds).run()
        thread.join()
        figures["search_while_8_write"] = search_figures(during)
        figures["writes_during_search"] = writing.figures()
        figures["visible_after_s_worst_of_5"] = round(visibility_s(port), 2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures["documents_after"] = bench_http.documents_in(index)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
