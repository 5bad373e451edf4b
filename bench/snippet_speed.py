"""Snippets per hit: marks read from the postings against marks looked for in the text.

    python bench/snippet_speed.py [--articles 10000] [--queries 200] [--rounds 3]

Builds (or reuses) the index of the first N news articles as bench/http.py does, runs
``--queries`` of its 1-3 word queries, and times, on the body of every top-10 hit (microseconds
a hit, the fastest of ``--rounds``): ``snippet`` given the marks ``indexer.highlight.marks`` reads
from the postings (what ``search`` does), reading those marks, ``snippet`` finding them in the
text, and the text's analysis both ways (arrays, and every syllable in Python).
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
from indexer.codec.spans import decode_spans  # noqa: E402
from indexer.highlight.marks import hit_marks  # noqa: E402
from indexer.highlight.snippets import MatchTerms, _analyse, _analyse_each, snippet  # noqa: E402
from indexer.language.synonyms import builtin_synonyms  # noqa: E402
from indexer.searching.parse import parse_query  # noqa: E402
from indexer.searching.service import Filters, _run  # noqa: E402


def hits(searcher, queries: list[str]) -> tuple[list, list]:
    """The top 10 hits of each query: (docnums, match terms) per query, and (body, body spans,
    match terms, marks read from the postings) per hit."""
    pages, cases = [], []
    for query in queries:
        compiled, outcome = _run(
            searcher, parse_query(query), Filters(), 10, "relevance", None, builtin_synonyms()
        )
        terms = MatchTerms.from_syllables(compiled.syllables)
        docnums = [docnum for docnum, _ in outcome.ranked]
        pages.append((docnums, terms))
        marks = hit_marks(searcher, docnums, terms, "body", "body_fold") or [None] * len(docnums)
        for docnum, found in zip(docnums, marks, strict=True):
            stored = searcher.stored_fields(docnum)
            cases.append((stored.get("body", ""), stored.get("body_spans", ""), terms, found))
    return pages, cases


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
    opened = open_index(index)
    searcher = opened.searcher()
    pages, cases = hits(searcher, load.make_queries(articles, args.queries))
    print(f"{len(cases)} hits of {args.queries} queries on {args.articles} articles")
    unread = sum(case[3] is None for case in cases)
    if unread:
        print(
            f"{unread} hits have no marks from the postings and find them in the text "
            "(queries with phrases; or all of them: an index built before the array format, "
            f"which deleting {index} rebuilds)"
        )
    ways = {
        "snippet(), marks given": lambda case: snippet(*case[:3], marks=case[3]),
        "snippet(), marks from text": lambda case: snippet(*case[:3]),
        "analysis, arrays": lambda case: _analyse(*case[:3]),
        "analysis, every syllable": lambda case: _analyse_each(
            case[0], decode_spans(case[1]), case[2]
        ),
    }
    for name, work in ways.items():
        print(f"{name:>26}: {best_us(work, cases, args.rounds):6.0f} us a hit")
    reading = best_us(
        lambda page: hit_marks(searcher, page[0], page[1], "body", "body_fold"), pages, args.rounds
    )
    print(f"{'reading the marks':>26}: {reading * len(pages) / len(cases):6.0f} us a hit")
    opened.close()


if __name__ == "__main__":
    main()
