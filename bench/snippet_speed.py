"""Snippets per hit: the array path of indexer.snippets against looking at every syllable.

    python bench/snippet_speed.py [--articles 10000] [--queries 200] [--rounds 3]

Builds (or reuses) the index of the first N news articles as bench/http.py does, runs
``--queries`` of its 1-3 word queries, and times, on the body of every top-10 hit, ``snippet``
and the analysis behind it both ways (microseconds a hit, the fastest of ``--rounds``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from bench import http as load  # noqa: E402
from indexer import open_index  # noqa: E402
from indexer.query import parse_query  # noqa: E402
from indexer.search import Filters, _run  # noqa: E402
from indexer.snippets import MatchTerms, _analyse, _analyse_each, snippet  # noqa: E402
from indexer.spans import decode_spans  # noqa: E402
from indexer.synonyms import builtin_synonyms  # noqa: E402


def hits(index_dir: Path, queries: list[str]) -> list[tuple[str, str, MatchTerms]]:
    """(body, body spans, match terms) of the top 10 hits of each query."""
    index = open_index(index_dir)
    searcher, cases = index.searcher(), []
    for query in queries:
        compiled, outcome = _run(
            searcher, parse_query(query), Filters(), 10, "relevance", None, builtin_synonyms()
        )
        terms = MatchTerms.from_syllables(compiled.syllables)
        for docnum, _ in outcome.ranked:
            stored = searcher.stored_fields(docnum)
            cases.append((stored.get("body", ""), stored.get("body_spans", ""), terms))
    index.close()
    return cases


def best_us(work, cases, rounds: int) -> float:
    """The fastest of ``rounds`` passes over ``cases``, in microseconds a case."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for case in cases:
            work(case)
        best = min(best, time.perf_counter() - started)
    return best / len(cases) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    articles = load.first_articles(args.articles)
    index = load.ensure_index(articles, args.articles)
    cases = hits(index, load.make_queries(articles, args.queries))
    print(f"{len(cases)} hits of {args.queries} queries on {args.articles} articles")
    ways = {
        "snippet()": lambda case: snippet(*case),
        "analysis, arrays": lambda case: _analyse(*case),
        "analysis, every syllable": lambda case: _analyse_each(
            case[0], decode_spans(case[1]), case[2]
        ),
    }
    for name, work in ways.items():
        print(f"{name:>26}: {best_us(work, cases, args.rounds):6.0f} us a hit")


if __name__ == "__main__":
    main()
