"""Every figure of issue 6 in one run, each beside its target and its reference.

    python bench/run.py [--articles N] [--seconds 30] [--connections 8] [--workers 2]
                        [--json OUT] [--index DIR] [--embedder MODEL_FOLDER]

On the first ``--articles`` articles of ../shared/data/news/news.jsonl.gz (default: all of them),
in this order: pyvi alone in this one process, then a fresh ``python -m indexer build`` of the
same articles into bench/out/run-N-index (and its size on disk); in-process searches of unique
1-3 word queries (accented, and the same folded) and of the dev set's long questions against
that index; then ``--seconds`` of HTTP load with ``--connections`` keep-alive connections on
``python -m web`` (its memory sampled meanwhile), and the same load on the naive Whoosh service
of bench/naive_service.py over the same index. Prints one table (what, measured, target,
reference, pass/fail) and writes the same figures as JSON to bench/out/run.json. ``--index DIR``
measures an index already built from the same articles, without pyvi's pass and the build.
``--embedder`` adds rows with that sentence-transformers model on: a build with vectors
(bench/out/run-N-index-vectors), its size, in-process searches at the default semantic ratio
and at 1, and the server's HTTP load and memory with the embedder (its default ratio).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import random
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from whoosh import index as whoosh_index  # noqa: E402

from bench import http as load  # noqa: E402
from bench.index_speed import time_build, time_pyvi  # noqa: E402
from bench.naive_service import whoosh_format_copy  # noqa: E402
from bench.relevance import load_queries  # noqa: E402
from indexer import DEFAULT_SEMANTIC_RATIO, open_index, search  # noqa: E402
from indexer.language.normalize import fold, has_diacritics  # noqa: E402
from indexer.store.build import existing_hashes  # noqa: E402

OUT = ROOT / "bench" / "out"
CORPUS_ARTICLES = 38_084  # the whole news corpus, which the 5-minute target is about
TARGET_ARTICLES_PER_S = CORPUS_ARTICLES / 300
WARM_UP_SEARCHES = 50
SHORT_QUERY_PAIRS = 300  # each asked accented and folded: 600 timed searches
HTTP_QUERIES = 50_000
MEMORY_SAMPLE_S = 1.0
GB = 1_000_000_000


@dataclass
class Row:
    """One line of the table."""

    what: str
    measured: str
    target: str
    reference: str
    passed: bool


def main() -> None:
    """Measure everything, print the table, write the JSON."""
    args = parse_args()
    count = args.articles or corpus_articles()
    machine = describe_machine()
    print(f"{count} articles; {machine_line(machine)}", flush=True)
    articles = load.first_articles(count)
    figures = {"articles": count, "machine": machine}
    index = args.index or OUT / f"run-{count}-index"
    figures["index"] = None if args.index else measure_indexing(articles, count, index)
    figures["size"] = measure_size(articles, index)
    queries = load.make_queries(articles, HTTP_QUERIES)
    figures["search_short"], figures["search_long"] = measure_in_process(index, queries)
    figures["http"] = measure_http("web", load.start_server, index, queries, args)
    figures["http_naive"] = measure_http("naive", start_naive, index, queries, args)
    ratio = figures["http"]["requests_per_s"] / figures["http_naive"]["requests_per_s"]
    figures["http"]["ratio_to_naive"] = round(ratio, 2)
    if args.embedder:
        figures["semantic"] = measure_semantic(articles, count, queries, args)
    rows = make_rows(figures)
    print_table(rows)
    print(f"\n{count} articles; {machine_line(machine)}")
    figures["rows"] = [asdict(row) for row in rows]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {args.json}")


def parse_args() -> argparse.Namespace:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, help="the first N articles (default: all)")
    parser.add_argument("--seconds", type=float, default=30.0, help="HTTP load per server")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--json", type=Path, default=OUT / "run.json")
    parser.add_argument(
        "--index", type=Path, help="an index of the same articles: skip pyvi and the build"
    )
    parser.add_argument("--embedder", metavar="MODEL_FOLDER", help="add rows with this model on")
    return parser.parse_args()


def corpus_articles() -> int:
    """How many articles the news file holds."""
    with gzip.open(load.NEWS, "rt", encoding="utf-8") as news:
        return sum(1 for _ in news)


def describe_machine() -> dict:
    """CPUs, platform, Python, the date and how busy the machine was when the run started."""
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def machine_line(machine: dict) -> str:
    """The machine and the date on one line."""
    return (
        f"{machine['cpus']} CPUs, {machine['platform']}, Python {machine['python']}, "
        f"{machine['date']}, load average at start {' '.join(map(str, machine['load_average']))}"
    )


# --- indexing and size ----------------------------------------------------------------------


def measure_indexing(articles: Path, count: int, index: Path) -> dict:
    """pyvi alone in this process, then a fresh CLI build of the same articles into ``index``.

    Rates are per article: pyvi's over all of them, the build's over the documents it indexed
    (a rejected article is dropped before segmentation and costs next to nothing).
    """
    print(f"pyvi alone, one process, {count} articles ...", flush=True)
    pyvi_s, _ = time_pyvi(articles)
    log = OUT / f"run-{count}-build.log"
    print(f"python -m indexer build into {index} (messages in {log.name}) ...", flush=True)
    build_s = time_build(articles, None, index, log)
    documents = load.documents_in(index)
    rejected = [line for line in log.open(encoding="utf-8") if "rejected" in line]
    if rejected:
        print(f"the build rejected {len(rejected)} articles; the first: {rejected[0]}", end="")
    return {
        "documents": documents,
        "rejected": len(rejected),
        "build_s": round(build_s, 1),
        "articles_per_s": round(documents / build_s, 1),
        "pyvi_s": round(pyvi_s, 1),
        "pyvi_articles_per_s": round(count / pyvi_s, 1),
        "ratio": round(documents / build_s / (count / pyvi_s), 2),
    }


def measure_size(articles: Path, index: Path) -> dict:
    """Bytes of the index folder against the UTF-8 bytes of the titles and bodies it holds."""
    ids = existing_hashes(whoosh_index.open_dir(index)).keys()
    text_bytes = 0
    for line in articles.open(encoding="utf-8"):
        record = json.loads(line)
        if record.get("id") in ids:
            text_bytes += len(f"{record.get('title', '')}{record.get('body', '')}".encode())
    index_bytes = sum(f.stat().st_size for f in index.rglob("*") if f.is_file())
    return {
        "index_bytes": index_bytes,
        "text_bytes": text_bytes,
        "ratio": round(index_bytes / text_bytes, 2),
    }


# --- in-process search ----------------------------------------------------------------------


def short_query_set(queries: list[str]) -> tuple[list[str], list[str]]:
    """The warm-up searches and the short queries timed, from ``load.make_queries``: the first
    ``SHORT_QUERY_PAIRS`` accented queries and the same folded, the next accented ones to warm
    up (bench/search_stages.py times the same)."""
    accented = [q for q in queries if has_diacritics(q)]
    warm_up = accented[SHORT_QUERY_PAIRS : SHORT_QUERY_PAIRS + WARM_UP_SEARCHES]
    pairs = accented[:SHORT_QUERY_PAIRS]
    return warm_up, list(dict.fromkeys(pairs + [fold(q) for q in pairs]))


def measure_in_process(index_dir: Path, queries: list[str]) -> tuple[dict, dict]:
    """Latency of ``indexer.search`` for short queries, then for the dev set's questions."""
    warm_up, short_queries = short_query_set(queries)
    index = open_index(index_dir)
    try:
        print(f"in process: {len(short_queries)} short queries, the dev questions ...", flush=True)
        time_searches(index, warm_up)
        short = time_searches(index, shuffled(short_queries))
        questions = list(load_queries("queries.tsv").values())
        long = time_searches(index, questions)
    finally:
        index.close()
    short_figures = latency_figures(list(short.values()))
    for label, accented in (("accented", True), ("unaccented", False)):
        figures = latency_figures([ms for q, ms in short.items() if has_diacritics(q) == accented])
        short_figures[label] = {k: v for k, v in figures.items() if k != "queries"}
    return short_figures, latency_figures(list(long.values()))


def shuffled(queries: list[str]) -> list[str]:
    """``queries`` in a fixed random order, so a query's folded twin does not follow it."""
    queries = list(queries)
    random.Random(6).shuffle(queries)
    return queries


def time_searches(index, queries: list[str], ratio: float | None = None) -> dict[str, float]:
    """Milliseconds each query takes through ``indexer.search`` (top 10 with snippets)."""
    times = {}
    for query in queries:
        started = time.perf_counter()
        search(index, query, semantic_ratio=ratio)
        times[query] = (time.perf_counter() - started) * 1000
    return times


def latency_figures(latencies_ms: list[float]) -> dict:
    """Count, p50 and p95 of some latencies."""
    return {
        "queries": len(latencies_ms),
        "p50_ms": round(load.percentile(latencies_ms, 0.50), 1),
        "p95_ms": round(load.percentile(latencies_ms, 0.95), 1),
    }


# --- with an embedder -----------------------------------------------------------------------


def measure_semantic(articles: Path, count: int, queries: list[str], args) -> dict:
    """The build, size, in-process searches and HTTP load again, with ``args.embedder`` on."""
    index = OUT / f"run-{count}-index-vectors"
    log = OUT / f"run-{count}-build-vectors.log"
    print(f"python -m indexer build --embedder into {index} ...", flush=True)
    build_s = time_build(articles, None, index, log, ("--embedder", args.embedder))
    documents = load.documents_in(index)
    figures = {
        "index": {"documents": documents, "build_s": round(build_s, 1)},
        "size": measure_size(articles, index),
    }
    figures["index"]["articles_per_s"] = round(documents / build_s, 1)
    accented = [q for q in queries if has_diacritics(q)]
    short = list(dict.fromkeys(accented[:SHORT_QUERY_PAIRS]))
    opened = open_index(index)
    try:
        time_searches(opened, accented[-WARM_UP_SEARCHES:], DEFAULT_SEMANTIC_RATIO)
        for ratio in (DEFAULT_SEMANTIC_RATIO, 1.0):
            print(f"in process: {len(short)} short queries, semantic_ratio {ratio:g} ...")
            opened.embedder()._queries.clear()  # each ratio embeds its queries afresh
            times = time_searches(opened, shuffled(short), ratio)
            figures[f"search_ratio_{ratio:g}"] = latency_figures(list(times.values()))
    finally:
        opened.close()
    figures["http"] = measure_http("web-embedder", load.start_server, index, queries, args)
    return figures


def semantic_rows(f: dict, plain: dict) -> list[Row]:
    """The rows with the embedder on, beside the figures without."""
    rows = [
        Row(
            "index from raw text, with the embedder",
            f"{f['index']['documents']} articles in {f['index']['build_s']:g} s = "
            f"{f['index']['articles_per_s']:g} articles/s",
            "",
            f"without: {plain['index']['articles_per_s']:g} articles/s" if plain["index"] else "",
            True,
        ),
        Row(
            "index size on disk, with vectors",
            f"{f['size']['index_bytes'] / 1e6:.1f} MB = {f['size']['ratio']:g}x the text",
            "",
            f"without: {plain['size']['index_bytes'] / 1e6:.1f} MB",
            True,
        ),
    ]
    for ratio in (DEFAULT_SEMANTIC_RATIO, 1.0):
        rows.append(
            search_row(
                f"search in process, 1-3 words, semantic_ratio {ratio:g}",
                f[f"search_ratio_{ratio:g}"],
                p50=5,
                p95=25,
            )
        )
    http = f["http"]
    rows.append(
        Row(
            f"HTTP, python -m web with the embedder (ratio {DEFAULT_SEMANTIC_RATIO:g})",
            f"{http['requests_per_s']:g} requests/s, p50 {http['p50_ms']:g} ms, "
            f"p99 {http['p99_ms']:g} ms, {http['errors']} errors",
            ">= 150 requests/s, p99 <= 150 ms, 0 errors",
            f"without: {plain['http']['requests_per_s']:g} requests/s",
            http["requests_per_s"] >= 150 and http["p99_ms"] <= 150 and http["errors"] == 0,
        )
    )
    rows.append(
        Row(
            "server memory under load, with the embedder",
            memory_text(http["memory"]),
            "<= 1 GB resident, all workers",
            f"without: {memory_text(plain['http']['memory'])}",
            http["memory"]["rss_bytes"] <= GB,
        )
    )
    return rows


# --- HTTP -----------------------------------------------------------------------------------


def start_naive(index: Path, port: int, workers: int, log_path: Path):
    """bench/naive_service.py under gunicorn's sync workers, over a copy of ``index`` in
    Whoosh's own format (``whoosh_format_copy``)."""
    print("a copy of the index in Whoosh's own format, for the naive service ...", flush=True)
    copy = whoosh_format_copy(index, index.with_name(index.name + "-whoosh-format"))
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--no-control-socket"]
    command += ["--bind", f"127.0.0.1:{port}", "bench.naive_service:create_app()"]
    env = dict(os.environ, VIETSEARCH_NAIVE_INDEX=str(copy))
    return load.launch(command, port, log_path, env)


def measure_http(name: str, start, index: Path, queries: list[str], args) -> dict:
    """Warm the server ``start`` starts up, then load it for ``args.seconds``, watching memory."""
    print(f"HTTP: {name}, {args.connections} connections, {args.seconds:g} s ...", flush=True)
    warm_up, measured = queries[: load.WARM_UP_REQUESTS], queries[load.WARM_UP_REQUESTS :]
    port = load.free_port()
    server = start(index, port, args.workers, OUT / f"run-{name}-server.log")
    try:
        load.Load(port, warm_up, args.connections, 120).run()
        watch = MemoryWatch(server.pid)
        watch.start()
        result = load.Load(port, measured, args.connections, args.seconds).run()
        memory = watch.stop()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return dict(http_figures(result), memory=memory)


def http_figures(result: load.Load) -> dict:
    """Requests/s, latency percentiles and errors of one load run."""
    latencies = result.latencies_ms
    return {
        "connections": result.connections,
        "requests": len(latencies),
        "seconds": round(result.elapsed, 1),
        "requests_per_s": round(len(latencies) / result.elapsed, 1),
        "p50_ms": round(load.percentile(latencies, 0.50), 1),
        "p99_ms": round(load.percentile(latencies, 0.99), 1),
        "errors": len(result.errors),
        "first_errors": result.errors[:5],
    }


class MemoryWatch(threading.Thread):
    """Samples the memory of a server and its workers every second; keeps the largest sample."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak: dict = {}
        self._done = threading.Event()

    def run(self) -> None:
        """Sample until ``stop``."""
        while True:
            sample = tree_memory(self.pid)
            if sample["rss_bytes"] > self.peak.get("rss_bytes", -1):
                self.peak = sample
            if self._done.wait(MEMORY_SAMPLE_S):
                return

    def stop(self) -> dict:
        """Stop sampling; the sample with the most resident memory."""
        self._done.set()
        self.join()
        return self.peak


def tree_memory(pid: int) -> dict:
    """Resident (VmRSS) and proportional (Pss) memory of ``pid`` and its descendants, summed.

    RSS counts a page shared by forked workers once per worker; PSS divides it among them.
    RSS is also split into anonymous memory and file pages (shared libraries, the index files).
    PSS is None when some process's /proc/PID/smaps_rollup cannot be read.
    """
    statuses, pss = [], []
    for process in process_tree(pid):
        status = proc_kilobytes(f"/proc/{process}/status")
        if "VmRSS" in status:  # else the process has exited meanwhile
            statuses.append(status)
            pss.append(proc_kilobytes(f"/proc/{process}/smaps_rollup").get("Pss"))
    return {
        "processes": len(statuses),
        "rss_bytes": 1024 * sum(status["VmRSS"] for status in statuses),
        "rss_anon_bytes": 1024 * sum(status.get("RssAnon", 0) for status in statuses),
        "rss_file_bytes": 1024 * sum(status.get("RssFile", 0) for status in statuses),
        "pss_bytes": None if None in pss else 1024 * sum(pss),
    }


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces and parentheses: the fields follow the last ")".
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, pending = [], [pid]
    while pending:
        tree.append(pending.pop())
        pending += children.get(tree[-1], [])
    return tree


def proc_kilobytes(path: str) -> dict[str, int]:
    """The ``Name: N kB`` lines of a /proc file as {name: N}; empty if it cannot be read."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return {}
    fields = (line.split() for line in lines)
    return {f[0].rstrip(":"): int(f[1]) for f in fields if len(f) == 3 and f[2] == "kB"}


# --- the table ------------------------------------------------------------------------------


def make_rows(figures: dict) -> list[Row]:
    """The table of issue 6 from the measured figures."""
    rows = [index_row(figures["index"], figures["articles"])] if figures["index"] else []
    return (
        rows
        + [
            search_row("search in process, 1-3 words", figures["search_short"], p50=5, p95=25),
            search_row("search in process, dev set questions", figures["search_long"], p95=100),
            http_row(figures["http"], figures["http_naive"]),
            size_row(figures["size"]),
            memory_row(figures["http"]["memory"], figures["http_naive"]["memory"]),
        ]
        + (semantic_rows(figures["semantic"], figures) if figures.get("semantic") else [])
    )


def index_row(f: dict, articles: int) -> Row:
    """Indexing from raw text against pyvi alone; every article must be indexed."""
    rejected = f" ({f['rejected']} rejected)" if f["rejected"] else ""
    return Row(
        "index from raw text",
        f"{f['documents']} of {articles} articles{rejected} in {f['build_s']:g} s = "
        f"{f['articles_per_s']:g} articles/s",
        f"all, <= 5 min for the corpus (>= {TARGET_ARTICLES_PER_S:.0f} articles/s); >= 1.5x pyvi",
        f"pyvi alone {f['pyvi_articles_per_s']:g} articles/s; ratio {f['ratio']:g}x",
        f["documents"] == articles
        and f["articles_per_s"] >= TARGET_ARTICLES_PER_S
        and f["ratio"] >= 1.5,
    )


def search_row(what: str, f: dict, p95: float, p50: float | None = None) -> Row:
    """In-process search latency."""
    target = (f"p50 <= {p50:g} ms, " if p50 else "") + f"p95 <= {p95:g} ms"
    return Row(
        f"{what} ({f['queries']} queries)",
        f"p50 {f['p50_ms']:g} ms, p95 {f['p95_ms']:g} ms",
        target,
        "",
        f["p95_ms"] <= p95 and (p50 is None or f["p50_ms"] <= p50),
    )


def http_row(ours: dict, naive: dict) -> Row:
    """``python -m web`` under load against the naive service under the same load."""
    ratio = ours["ratio_to_naive"]
    return Row(
        f"HTTP, python -m web, 1-3 word queries, {ours['connections']} connections",
        f"{ours['requests_per_s']:g} requests/s, p50 {ours['p50_ms']:g} ms, "
        f"p99 {ours['p99_ms']:g} ms, {ours['errors']} errors",
        ">= 150 requests/s, p99 <= 150 ms, 0 errors; >= 3.5x naive",
        f"naive {naive['requests_per_s']:g} requests/s (p99 {naive['p99_ms']:g} ms, "
        f"{naive['errors']} errors); ratio {ratio:g}x",
        ours["requests_per_s"] >= 150
        and ours["p99_ms"] <= 150
        and ours["errors"] == 0
        and ratio >= 3.5,
    )


def size_row(f: dict) -> Row:
    """Index size against the text it holds."""
    return Row(
        "index size on disk",
        f"{f['index_bytes'] / 1e6:.1f} MB = {f['ratio']:g}x the text",
        "<= 3x the UTF-8 text",
        f"text {f['text_bytes'] / 1e6:.1f} MB",
        f["ratio"] <= 3,
    )


def memory_row(ours: dict, naive: dict) -> Row:
    """Peak resident memory of the server's processes under load (the naive one's for context)."""
    return Row(
        "server memory under load (master + workers)",
        memory_text(ours),
        "<= 1 GB resident, all workers",
        f"naive: {memory_text(naive)}",
        ours["rss_bytes"] <= GB,
    )


def memory_text(f: dict) -> str:
    """RSS summed over the processes (its file pages), and PSS (which shares pages out)."""
    pss = f"PSS {f['pss_bytes'] / 1e6:.0f} MB" if f["pss_bytes"] is not None else "PSS unreadable"
    return (
        f"RSS {f['rss_bytes'] / 1e6:.0f} MB (files {f['rss_file_bytes'] / 1e6:.0f} MB), {pss}, "
        f"{f['processes']} processes"
    )


def print_table(rows: list[Row]) -> None:
    """The rows as a Markdown table."""
    header = ("what", "measured", "target", "reference", "")
    cells = [header] + [(r.what, r.measured, r.target, r.reference, verdict(r)) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print()
    for n, row in enumerate(cells):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def verdict(row: Row) -> str:
    """PASS or FAIL."""
    return "PASS" if row.passed else "FAIL"


if __name__ == "__main__":
    main()
