"""What typo tolerance costs a search: the same queries with ``typos`` on and off, in one run.

    python bench/typos_speed.py [--articles 38084] [--pairs 250] [--index DIR] [--json OUT]

On bench/out/news-N-index (built when missing), takes bench/run.py's short queries (unique 1-3
words from the titles: ``--pairs`` accented plus the same folded) and the same queries with one
typo (a letter doubled in the longest syllable), warms up, then times each query with typos on
and off alternately (top 10 with snippets, through ``indexer.search``). Prints p50 and p95 for
each set and setting; the first query of a worker that needs corrections also reads the
segment's vocabulary (reported apart, as ``first correction``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from bench import http as load  # noqa: E402
from indexer import open_index, search  # noqa: E402
from indexer.language import fold, has_diacritics  # noqa: E402

WARM_UP = 50


def short_queries(articles: Path, pairs: int) -> list[str]:
    """bench/run.py's in-process set: ``pairs`` accented queries and the same folded."""
    accented = [q for q in load.make_queries(articles, 50_000) if has_diacritics(q)]
    chosen = accented[:pairs]
    return list(dict.fromkeys(chosen + [fold(q) for q in chosen]))


def with_typo(query: str) -> str:
    """``query`` with a letter of its longest syllable typed twice (``hà nộii``)."""
    words = query.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    words[longest] = word[:-1] + word[-1] * 2
    return " ".join(words)


def timed(index, query: str, typos: bool) -> float:
    started = time.perf_counter()
    search(index, query, typos=typos)
    return (time.perf_counter() - started) * 1000


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "queries": len(ordered),
        "p50_ms": round(ordered[len(ordered) // 2], 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=38_084)
    parser.add_argument("--pairs", type=int, default=250)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    articles = load.first_articles(args.articles)
    index = open_index(args.index or load.ensure_index(articles, args.articles))
    queries = short_queries(articles, args.pairs + WARM_UP)
    warm, queries = queries[: WARM_UP * 2], queries[WARM_UP * 2 :]
    first = timed(index, "nguyeenx phus trongj", True)
    for query in warm:
        search(index, query)
    figures = {"first correction_ms": round(first, 1)}
    for label, chosen in (("right", queries), ("one typo", [with_typo(q) for q in queries])):
        random.Random(3).shuffle(chosen)
        times = {True: [], False: []}
        for n, query in enumerate(chosen):
            for typos in (True, False) if n % 2 else (False, True):
                times[typos].append(timed(index, query, typos))
        for typos, values in times.items():
            figures[f"{label}, typos {'on' if typos else 'off'}"] = percentiles(values)
    for name, value in figures.items():
        print(f"{name:<22} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
