"""Where a short query's time goes: bench/run.py's short queries, each stage of ``search`` timed.

    python bench/search_stages.py [--index bench/out/run-38084-index] [--articles 38084]

Takes bench/run.py's short queries (the first 300 accented 1-3 word queries cut from the
titles of the first ``--articles`` news articles, and the same folded) and its 50 warm-up
searches, and runs them through ``indexer.search`` on ``--index`` (an index of those articles,
say the one bench/run.py built) with a timer around each stage ``indexer.searching.service``
calls: compiling the query (segmenting it and correcting it, timed apart too), matching, the
top hits, the facet counts, the hits' marks, and each hit's stored fields, snippet and title.
Prints each stage's median and mean milliseconds a query, for the accented queries, the folded
ones and all of them, beside the whole search's. The timers cost a few microseconds a call:
totals come out a little above bench/run.py's. What it found on 2026-12-05 is in the README
("Typos", the short-query row).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from whoosh.reading import SegmentReader  # noqa: E402

from bench import http as load  # noqa: E402
from bench import run  # noqa: E402
from indexer import open_index, search  # noqa: E402
from indexer.language.normalize import has_diacritics  # noqa: E402
from indexer.searching import compile as compiling  # noqa: E402
from indexer.searching import corrections, rank, service  # noqa: E402

# (module or class, function name, stage): the stages, as service.search calls them.
STAGES = [
    (compiling.QueryCompiler, "compile", "compile (all)"),
    (compiling, "segment", "  segment"),
    (corrections.Corrector, "correct_text", "  corrections"),
    (rank, "match", "match"),
    (rank.Matches, "top", "top hits"),
    (rank.Matches, "facet_counts", "facet counts"),
    (service, "hit_marks", "hits' marks"),
    (service, "stored_hit", "hits (all)"),
    (SegmentReader, "stored_fields", "  stored fields"),
    (service, "snippet", "  snippets"),
    (service, "highlight_all", "  titles"),
]


def main() -> None:
    """Time every stage of the short queries and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=run.CORPUS_ARTICLES)
    parser.add_argument("--index", type=Path, default=run.OUT / "run-38084-index")
    args = parser.parse_args()
    queries = load.make_queries(load.first_articles(args.articles), run.HTTP_QUERIES)
    warm_up, short = run.short_query_set(queries)
    short = run.shuffled(short)
    spent: dict[str, float] = defaultdict(float)
    for owner, name, stage in STAGES:
        setattr(owner, name, timed(getattr(owner, name), stage, spent))
    index = open_index(args.index)
    try:
        run.time_searches(index, warm_up)
        per_query = []
        for query in short:
            spent.clear()
            started = time.perf_counter()
            search(index, query)
            per_query.append((query, time.perf_counter() - started, dict(spent)))
    finally:
        index.close()
    print(f"{len(short)} short queries on {args.index}, milliseconds a query: median / mean")
    groups = {
        "accented": [p for p in per_query if has_diacritics(p[0])],
        "folded": [p for p in per_query if not has_diacritics(p[0])],
        "all": per_query,
    }
    print(f"{'stage':18}" + "".join(f"{name:>20}" for name in groups))
    for stage in ["search", *(stage for *_, stage in STAGES)]:
        cells = []
        for group in groups.values():
            times = [
                total if stage == "search" else stages.get(stage, 0.0) for _, total, stages in group
            ]
            cells.append(
                f"{statistics.median(times) * 1e3:9.2f} /{statistics.mean(times) * 1e3:6.2f}"
            )
        print(f"{stage:18}" + "".join(f"{cell:>20}" for cell in cells))


def timed(function, stage: str, spent: dict[str, float]):
    """``function``, adding the time each call takes to ``spent[stage]``."""

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[stage] += time.perf_counter() - started

    return wrapper


if __name__ == "__main__":
    main()
