"""What metrics, request logs and search analytics cost: bench/http.py's load, on against off.

    python bench/prod_cost.py [--articles 3000] [--index DIR] [--pairs 3] [--seconds 20]
                              [--connections 8] [--workers 2] [--rounds 12] [--json OUT]

On an index of the first ``--articles`` news articles (built under bench/out/ with
``python -m indexer build`` unless ``--index`` names one), starts ``python -m web`` ``--pairs``
times with everything of issue 17 on (``VIETSEARCH_METRICS=on``, ``VIETSEARCH_ANALYTICS=on``,
request log to the server's standard error) and as many times with it off (metrics, analytics
and the request log off), interleaved (on-off, off-on, ...) so a busy machine weighs on both
alike. Each pair asks bench/http.py's unique 1-3 word queries (``make_queries``) once each, in
an order of its own, the same for its two runs (every query is a new row for the run's
analytics file): 200 to warm up, then ``--seconds`` of load. Prints each run, the ratio of each
pair and the median ratio (target: on within 5% of off), and the same for the server's CPU time
per request (its processes' user and system time over the load, from /proc), which neighbours
on a shared machine disturb less than throughput.

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


def run_once(mode: str, index: Path, queries: list[str], args, scratch: Path) -> dict:
    """One server start in ``mode``, warmed up, then loaded for ``args.seconds``."""
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
    server = load.launch(command, port, OUT / f"prod-cost-{mode}-server.log", env=env)
    try:
        warm_up, measured = queries[: load.WARM_UP_REQUESTS], queries[load.WARM_UP_REQUESTS :]
        load.Load(port, warm_up, args.connections, 120).run()
        cpu_before = tree_cpu_s(server.pid)
        result = load.Load(port, measured, args.connections, args.seconds).run()
        cpu_s = tree_cpu_s(server.pid) - cpu_before
        status, metrics = load.get(port, "/metrics")
    finally:
        server.terminate()
        server.wait(timeout=60)
    latencies = result.latencies_ms
    return {
        "mode": mode,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / result.elapsed, 1),
        "p50_ms": round(load.percentile(latencies, 0.50), 1),
        "p99_ms": round(load.percentile(latencies, 0.99), 1),
        "errors": len(result.errors),
        "server_cpu_ms_per_request": round(1000 * cpu_s / max(1, len(latencies)), 3),
        "metrics_answered": status == 200 and b"vietsearch_search_duration_seconds" in metrics,
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
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=12, help="in-process blocks per mode")
    parser.add_argument("--json", type=Path, default=OUT / "prod-cost.json")
    args = parser.parse_args()

    articles = load.first_articles(args.articles)
    index = args.index or load.ensure_index(articles, args.articles)
    pool = load.make_queries(articles, QUERY_POOL)
    runs = []
    with tempfile.TemporaryDirectory(prefix="prod-cost-") as scratch:
        in_process = in_process_cost(index, pool, args.rounds, Path(scratch))
        print(json.dumps({"in_process": in_process}), flush=True)
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]  # each server makes its own
        for pair in range(args.pairs):
            order = ("on", "off") if pair % 2 == 0 else ("off", "on")
            for mode in order:
                queries = random.Random(pair).sample(pool, len(pool))  # the same for on and off
                runs.append(run_once(mode, index, queries, args, Path(scratch)) | {"pair": pair})
                print(json.dumps(runs[-1]), flush=True)
    ratios, cpu_ratios = [], []
    for pair in range(args.pairs):
        on, off = (next(r for r in runs if r["pair"] == pair and r["mode"] == m) for m in SETTINGS)
        ratios.append(round(on["requests_per_s"] / off["requests_per_s"], 3))
        cpu = on["server_cpu_ms_per_request"] / off["server_cpu_ms_per_request"]
        cpu_ratios.append(round(cpu, 3))
    off_cpu_us = 1000 * statistics.median(
        r["server_cpu_ms_per_request"] for r in runs if r["mode"] == "off"
    )
    added = in_process["hooks_added_us"] + in_process["analytics_write_us_per_distinct_query"]
    in_process["added_share_of_a_search"] = round(added / off_cpu_us, 4)
    figures = {
        "documents": load.documents_in(index),
        "in_process": in_process,
        "workers": args.workers,
        "connections": args.connections,
        "seconds": args.seconds,
        "runs": runs,
        "ratios_on_over_off": ratios,
        "median_ratio": statistics.median(ratios),
        "cpu_per_request_ratios_on_over_off": cpu_ratios,
        "median_cpu_per_request_ratio": statistics.median(cpu_ratios),
        "median_on_requests_per_s": statistics.median(
            r["requests_per_s"] for r in runs if r["mode"] == "on"
        ),
        "median_off_requests_per_s": statistics.median(
            r["requests_per_s"] for r in runs if r["mode"] == "off"
        ),
    }
    print(json.dumps({k: v for k, v in figures.items() if k != "runs"}, indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
