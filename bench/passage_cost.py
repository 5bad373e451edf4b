"""What choosing a meaning-only hit's best passage costs a search, in one interleaved run.

    python bench/passage_cost.py [--index DIR] [--queries 150] [--ratio 0.1]

On an index with vectors (by default the one ``bench/run.py --embedder`` builds:
bench/out/run-2000-index-vectors), each query of 1-3 common words runs twice, with the best
passages chosen and with the hits' leading text instead (``service.meaning_passages`` answering
nothing), in alternating order, each with the query's vector computed afresh. Prints the
median and p95 of both, in ms, as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

import indexer.searching.service as service  # noqa: E402
from indexer import open_index, search  # noqa: E402

WORDS = (
    "hà nội bóng đá giá vàng covid thời tiết xe máy học sinh tai nạn giao thông chứng khoán "
    "bầu cử kinh tế"
).split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "bench/out/run-2000-index-vectors"))
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--ratio", type=float, default=0.1)
    args = parser.parse_args(argv)
    index = open_index(args.index)
    embedder = index.embedder()
    rng = random.Random(3)
    queries = [" ".join(rng.sample(WORDS, rng.randint(1, 3))) for _ in range(args.queries)]
    chosen = service.meaning_passages
    modes = {"best_passage": chosen, "leading_text": lambda *_: {}}
    times: dict[str, list[float]] = {name: [] for name in modes}
    for n, query in enumerate(queries):
        for name in sorted(modes, reverse=n % 2 == 1):
            service.meaning_passages = modes[name]
            embedder._queries.clear()  # each query's vector computed afresh, as a new query's
            started = time.perf_counter()
            search(index, query, semantic_ratio=args.ratio)
            times[name].append(time.perf_counter() - started)
    service.meaning_passages = chosen
    figures = {
        name: {
            "p50_ms": round(statistics.median(values) * 1000, 2),
            "p95_ms": round(sorted(values)[int(0.95 * (len(values) - 1))] * 1000, 2),
        }
        for name, values in times.items()
    }
    figures["ratio_p50"] = round(
        figures["best_passage"]["p50_ms"] / figures["leading_text"]["p50_ms"], 3
    )
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
