"""What metrics, request logs and search analytics cost: bench/http.py's load, on against off.

    python bench/prod_cost.py [--articles 3000] [--index DIR] [--seconds 60] [--slice 3]
                              [--connections 8] [--workers 2] [--rounds 12] [--json OUT]

On an index of the first ``--articles`` news articles (built under bench/out/ with
``python -m indexer build`` unless ``--index`` names one), two ``python -m web`` run at once:
one with everything of issue 17 on (``VIETSEARCH_METRICS=on``, ``VIETSEARCH_ANALYTICS=on``,
request log to its standard error), one with it off (metrics, analytics and the request log
off). bench/http.py's load (``--connections`` keep-alive clients, unique 1-3 word queries from
the titles, each asked once: every query a new row for the analytics) goes to one, then the
other, every ``--slice`` seconds (on-off, off-on, ...), ``--seconds`` in all on each, the same
queries in the same order on both: a machine shared with others weighs on both alike. Prints
requests/s and latency of each, their ratio (target: on within 5% of off) overall and the
median of the slices', and each server's CPU time per request (its processes' user and system
time, from /proc).

First, in this process (``in_process_cost``): the CPU time the request hooks add to a search and
what the analytics' writes cost per distinct query, and their share of a search's CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from bench import http as load  # noqa: E402

OUT = ROOT / "bench" / "out"
QUERY_POOL = 50_000
SETTINGS = {
    "on": {
        "VIETSEARCH_METRICS": "on",
        "VIETSEARCH_ANALYTICS": "on",
        "VIETSEARCH_REQUEST_LOG": "-",
    },
    "off": {
        "VIETSEARCH_METRICS": "off",
        "VIETSEARCH_ANALYTICS": "off",
        "VIETSEARCH_REQUEST_LOG": "off",
    },
}


def start(mode: str, index: Path, args, scratch: Path):
    """``python -m web`` in ``mode``, warmed up; returns (process, port)."""
    port = load.free_port()
    command = [sys.executable, "-m", "web", "--index", str(index), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(args.workers)]
    env = {
        **load.os.environ,
        "VIETSEARCH_RATE_LIMIT": "off",
        "VIETSEARCH_WRITE_RATE_LIMIT": "off",
        "VIETSEARCH_ANALYTICS_FILE": str(scratch / f"analytics-{mode}.sqlite3"),
        **SETTINGS[mode],
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each server makes its own
    return load.launch(command, port, OUT / f"prod-cost-{mode}-server.log", env=env), port


def interleaved(index: Path, pool: list[str], args, scratch: Path) -> dict:
    """Both servers up at once, the load switching between them every ``args.slice`` seconds
    (on-off, off-on, ...), both asking the same queries in the same order: whatever else the
    machine does falls on both alike."""
    servers = {mode: start(mode, index, args, scratch) for mode in SETTINGS}
    cursor = {mode: load.WARM_UP_REQUESTS for mode in SETTINGS}
    done = {mode: {"latencies": [], "seconds": 0.0, "errors": 0} for mode in SETTINGS}
    slices = []
    try:
        for _, port in servers.values():
            load.Load(port, pool[: load.WARM_UP_REQUESTS], args.connections, 120).run()
        cpu = {mode: tree_cpu_s(process.pid) for mode, (process, _) in servers.items()}
        for k in range(max(1, round(args.seconds / args.slice))):
            rates = {}
            for mode in SETTINGS if k % 2 == 0 else reversed(SETTINGS):
                queries = pool[cursor[mode] :]
                result = load.Load(servers[mode][1], queries, args.connections, args.slice).run()
                cursor[mode] += len(result.latencies_ms)
                done[mode]["latencies"] += result.latencies_ms
                done[mode]["seconds"] += result.elapsed
                done[mode]["errors"] += len(result.errors)
                rates[mode] = len(result.latencies_ms) / result.elapsed
            slices.append(round(rates["on"] / rates["off"], 3))
        cpu = {mode: tree_cpu_s(p.pid) - cpu[mode] for mode, (p, _) in servers.items()}
        scraped = load.get(servers["on"][1], "/metrics")
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=60)
    figures = {mode: _figures(done[mode], cpu[mode]) for mode in SETTINGS}
    figures["on"]["metrics_answered"] = b"vietsearch_search_duration_seconds" in scraped[1]
    figures["slice_ratios_on_over_off"] = slices
    figures["median_slice_ratio"] = statistics.median(slices)
    figures["ratio_on_over_off"] = round(
        figures["on"]["requests_per_s"] / figures["off"]["requests_per_s"], 3
    )
    figures["cpu_per_request_ratio"] = round(
        figures["on"]["server_cpu_ms_per_request"] / figures["off"]["server_cpu_ms_per_request"], 3
    )
    return figures


def _figures(done: dict, cpu_s: float) -> dict:
    latencies = done["latencies"]
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / done["seconds"], 1),
        "p50_ms": round(load.percentile(latencies, 0.50), 1),
        "p99_ms": round(load.percentile(latencies, 0.99), 1),
        "errors": done["errors"],
        "server_cpu_ms_per_request": round(1000 * cpu_s / max(1, len(latencies)), 3),
    }


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its child processes: the server's
    own work, whatever else the machine runs (throughput alone swings with the neighbours)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def in_process_cost(index: Path, pool: list[str], rounds: int, scratch: Path) -> dict:
    """What the request hooks and the analytics' writes cost, in this process's CPU time.

    The hooks: a request to /api/search through Flask's request machinery with everything on,
    against off, the search itself left out (its result noted as ``web.searches`` notes it), in
    alternating blocks. The writes: one flush of the analytics recorder holding a block of
    distinct queries (folding and SQLite), per query. Metrics write to files as under
    ``python -m web``.
    """
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(scratch / "metrics")
    (scratch / "metrics").mkdir()
    from flask import Response, g

    from web import create_app
    from web.observability import SearchSeen

    apps = {}
    for mode, settings in SETTINGS.items():
        config = {name.removeprefix("VIETSEARCH_"): value for name, value in settings.items()}
        config["REQUEST_LOG"] = str(scratch / "requests.log") if mode == "on" else "off"
        config |= {"INDEX": str(index), "RATE_LIMIT": "off", "TESTING": True}
        config["ANALYTICS_FILE"] = str(scratch / f"in-process-{mode}.sqlite3")
        apps[mode] = create_app(config)
    block = 1000

    def hooks(app, queries: list[str]) -> float:
        started = time.process_time()
        for query in queries:
            with app.test_request_context("/api/search", query_string={"q": query}):
                app.preprocess_request()
                g.vietsearch_search = SearchSeen(query, "short", 1, 3)
                app.process_response(Response("{}", mimetype="application/json"))
        return (time.process_time() - started) / len(queries)

    spent = {mode: [] for mode in SETTINGS}
    flushes = []
    recorder = apps["on"].extensions["vietsearch_analytics"]
    for n in range(rounds):
        queries = pool[n * block : (n + 1) * block]
        for mode in SETTINGS if n % 2 == 0 else reversed(SETTINGS):
            spent[mode].append(hooks(apps[mode], queries))
        started = time.process_time()
        recorder.flush()
        flushes.append((time.process_time() - started) / block)
    on, off = (statistics.median(spent[mode]) for mode in SETTINGS)
    return {
        "requests_per_mode": rounds * block,
        "hooks_us_on": round(1e6 * on, 1),
        "hooks_us_off": round(1e6 * off, 1),
        "hooks_added_us": round(1e6 * (on - off), 1),
        "analytics_write_us_per_distinct_query": round(1e6 * statistics.median(flushes), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--index", type=Path, help="an existing index (skips the build)")
    parser.add_argument("--seconds", type=float, default=60.0, help="of load on each server")
    parser.add_argument("--slice", type=float, default=3.0, help="seconds before switching")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=12, help="in-process blocks per mode")
    parser.add_argument("--json", type=Path, default=OUT / "prod-cost.json")
    args = parser.parse_args()

    articles = load.first_articles(args.articles)
    index = args.index or load.ensure_index(articles, args.articles)
    pool = load.make_queries(articles, QUERY_POOL)
    with tempfile.TemporaryDirectory(prefix="prod-cost-") as scratch:
        in_process = in_process_cost(index, pool, args.rounds, Path(scratch))
        print(json.dumps({"in_process": in_process}), flush=True)
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
        http = interleaved(index, random.Random(7).sample(pool, len(pool)), args, Path(scratch))
    added = in_process["hooks_added_us"] + in_process["analytics_write_us_per_distinct_query"]
    search_us = 1000 * http["off"]["server_cpu_ms_per_request"]
    in_process["added_share_of_a_search"] = round(added / search_us, 4)
    figures = {
        "documents": load.documents_in(index),
        "workers": args.workers,
        "connections": args.connections,
        "seconds_per_mode": args.seconds,
        "slice_s": args.slice,
        "in_process": in_process,
        "http": http,
    }
    print(json.dumps(figures, indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
