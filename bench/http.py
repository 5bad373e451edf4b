"""Throughput and latency of the real server (``python -m web``) under concurrent load.

    python bench/http.py [--articles 10000] [--seconds 30] [--connections 8] [--workers 2]

Builds an index of the first ``--articles`` articles of ../shared/data/news/news.jsonl.gz under
bench/out/ (gitignored: the news text is never committed) with ``python -m indexer build``,
starts ``python -m web`` on a free port of 127.0.0.1, and drives it from this process (threads
with keep-alive ``http.client`` connections) with unique 1-3 word queries taken from the
articles' titles, each asked once, snippets on (/api/search always returns them). Prints
requests/s, latency percentiles and errors, then how long a new commit took to become
searchable over HTTP. ``--index DIR`` benchmarks an existing index instead (no build).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is called http.py: with its folder on sys.path, "import http.client" would find it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
ROOT = _HERE.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import gzip  # noqa: E402
import http.client  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from urllib.parse import quote  # noqa: E402

from whoosh import index as whoosh_index  # noqa: E402

from indexer.language.normalize import fold  # noqa: E402

NEWS = ROOT.parent / "shared" / "data" / "news" / "news.jsonl.gz"
OUT = ROOT / "bench" / "out"
WARM_UP_REQUESTS = 200
REQUEST_TIMEOUT_S = 30
_WORD = re.compile(r"[^\W\d_]+")


def first_articles(count: int) -> Path:
    """bench/out/news-COUNT.jsonl: the first ``count`` lines of the news file."""
    path = OUT / f"news-{count}.jsonl"
    if not path.exists() or _line_count(path) != count:
        OUT.mkdir(parents=True, exist_ok=True)
        with (
            gzip.open(NEWS, "rt", encoding="utf-8") as news,
            path.open("w", encoding="utf-8") as out,
        ):
            out.writelines(itertools.islice(news, count))
    return path


def _line_count(path: Path) -> int:
    with path.open(encoding="utf-8") as lines:
        return sum(1 for _ in lines)


def ensure_index(articles: Path, count: int) -> Path:
    """Build the index of ``articles`` (``count`` of them) with the CLI unless it already holds
    them all: bench/out/NAME-index for bench/out/NAME.jsonl (news-10000-index, say)."""
    index = OUT / f"{articles.stem}-index"
    if documents_in(index) < count:
        print(f"building {index} from {articles.name} (python -m indexer build) ...", flush=True)
        started = time.monotonic()
        command = [sys.executable, "-m", "indexer", "build", str(articles), "--index", str(index)]
        subprocess.run(command + ["--quiet"], cwd=ROOT, check=True)
        print(f"built in {time.monotonic() - started:.0f} s", flush=True)
    return index


def documents_in(index: Path) -> int:
    """How many documents ``index`` holds (0 if there is no index)."""
    if not whoosh_index.exists_in(index):
        return 0
    with whoosh_index.open_dir(index).reader() as reader:
        return reader.doc_count()


def make_queries(articles: Path, count: int, seed: int = 4) -> list[str]:
    """``count`` distinct 1-3 word queries cut from the titles, half typed without accents."""
    with articles.open(encoding="utf-8") as lines:
        titles = [json.loads(line).get("title", "") for line in lines]
    words = [_WORD.findall(title.lower()) for title in titles]
    words = [w for w in words if w]
    rng = random.Random(seed)
    queries: dict[str, None] = {}
    for _ in range(count * 50):
        if len(queries) == count:
            break
        title = rng.choice(words)
        size = rng.randint(1, min(3, len(title)))
        start = rng.randrange(len(title) - size + 1)
        query = " ".join(title[start : start + size])
        queries[fold(query) if rng.random() < 0.5 else query] = None
    return list(queries)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(index: Path, port: int, workers: int, log_path: Path) -> subprocess.Popen:
    """``python -m web`` in its own process; returns once /healthz answers."""
    command = [sys.executable, "-m", "web", "--index", str(index), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    # Every request comes from 127.0.0.1: the per-client rate limit would answer most with 429.
    env = {**os.environ, "VIETSEARCH_RATE_LIMIT": "off", "VIETSEARCH_WRITE_RATE_LIMIT": "off"}
    return launch(command, port, log_path, env=env)


def launch(
    command: list[str], port: int, log_path: Path, env: dict | None = None
) -> subprocess.Popen:
    """Run the server ``command`` from the repository root; return once its /healthz answers."""
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited; see {log_path}")
        try:
            if get(port, "/healthz")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"the server did not start in 120 s; see {log_path}")


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Load:
    """``connections`` threads, each with a keep-alive connection, sharing one query list."""

    def __init__(self, port: int, queries: list[str], connections: int, seconds: float):
        self.port, self.connections, self.seconds = port, connections, seconds
        self._queries = iter(queries)
        self._lock = threading.Lock()
        self.latencies_ms: list[float] = []
        self.errors: list[str] = []
        self.elapsed = 0.0

    def run(self) -> Load:
        """Send requests until the time is up or the queries run out."""
        self._deadline = time.monotonic() + self.seconds
        threads = [threading.Thread(target=self._client) for _ in range(self.connections)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.elapsed = time.monotonic() - started
        return self

    def _next(self) -> str | None:
        with self._lock:
            return next(self._queries, None) if time.monotonic() < self._deadline else None

    def _client(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        latencies, errors = [], []
        while (query := self._next()) is not None:
            started = time.perf_counter()
            try:
                connection.request("GET", "/api/search?q=" + quote(query))
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(f"{response.status} for {query!r}")
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{type(exc).__name__} for {query!r}")
                connection.close()
                connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S
                )
            latencies.append((time.perf_counter() - started) * 1000)
        connection.close()
        with self._lock:
            self.latencies_ms += latencies
            self.errors += errors


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def commit_visibility(port: int, index: Path) -> float:
    """Seconds from ``python -m indexer add`` returning to the new document being found."""
    doc_id = f"bench-visibility-{int(time.time())}"
    source = OUT / f"{doc_id}.jsonl"
    record = {"id": doc_id, "title": "Quokkaxanh", "body": "Quokkaxanh kiểm tra độ trễ."}
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    cli = [sys.executable, "-m", "indexer"]
    try:
        add = cli + ["add", str(source), "--index", str(index), "--quiet"]
        subprocess.run(add, cwd=ROOT, check=True)
        committed = time.monotonic()
        while time.monotonic() - committed < 30:
            status, body = get(port, "/api/search?q=quokkaxanh")
            if status == 200 and json.loads(body)["total"] == 1:
                return time.monotonic() - committed
            time.sleep(0.02)
        return float("inf")
    finally:
        delete = cli + ["delete", doc_id, "--index", str(index)]
        subprocess.run(delete, cwd=ROOT, capture_output=True)
        source.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--index", type=Path, help="an existing index (skips the build)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    articles = first_articles(args.articles)
    index = args.index or ensure_index(articles, args.articles)
    queries = make_queries(articles, 50_000)
    warm_up, measured = queries[:WARM_UP_REQUESTS], queries[WARM_UP_REQUESTS:]
    port = free_port()
    log_path = OUT / "http-server.log"
    server = start_server(index, port, args.workers, log_path)
    try:
        Load(port, warm_up, args.connections, 120).run()
        load = Load(port, measured, args.connections, args.seconds).run()
        visible_after = commit_visibility(port, index)
    finally:
        server.terminate()
        server.wait(timeout=30)

    latencies = load.latencies_ms
    figures = {
        "documents": documents_in(index),
        "workers": args.workers,
        "connections": args.connections,
        "requests": len(latencies),
        "seconds": round(load.elapsed, 1),
        "requests_per_s": round(len(latencies) / load.elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p90_ms": round(percentile(latencies, 0.90), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "errors": len(load.errors),
        "commit_visible_after_s": round(visible_after, 2),
    }
    print(json.dumps(figures, indent=2))
    for error in load.errors[:10]:
        print("error:", error)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
