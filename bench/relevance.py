"""Relevance on ../shared/data/dev through the public search function.

    python bench/relevance.py [--set NAME=VALUE ...] [--no-synonyms] [--json OUT]

Builds the dev index under bench/out/dev_index on first use, then runs the 650 questions with
and without diacritics and prints nDCG@10, Recall@10, Recall@100, MRR@10 and query latency.
``--set`` overrides a ranking parameter of indexer.searching for one run (for tuning);
``--no-synonyms`` turns off the abbreviation dictionary (indexer/language/data/synonyms.txt).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from indexer import open_index, read_documents, search, write_documents  # noqa: E402
from indexer.language.synonyms import Synonyms, builtin_synonyms  # noqa: E402
from indexer.searching import compile as searching  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "dev"
INDEX = ROOT / "bench" / "out" / "dev_index"


def load_queries(name: str) -> dict[str, str]:
    rows = (line.rstrip("\n").split("\t") for line in open(DEV / name, encoding="utf-8"))
    return {qid: text for qid, text in rows}


def load_qrels() -> dict[str, str]:
    rows = (line.split("\t") for line in open(DEV / "qrels.tsv", encoding="utf-8"))
    return {qid: doc for qid, doc, *_ in rows}


def evaluate(
    index, queries: dict[str, str], qrels: dict[str, str], synonyms: Synonyms
) -> dict[str, float]:
    ranks, latencies = [], []
    for qid, text in queries.items():
        started = time.perf_counter()
        page = search(index, text, per_page=100, synonyms=synonyms)
        latencies.append((time.perf_counter() - started) * 1000)
        ids = [hit.id for hit in page.hits]
        ranks.append(ids.index(qrels[qid]) + 1 if qrels[qid] in ids else None)
    n = len(ranks)
    latencies.sort()
    return {
        "nDCG@10": sum(1 / math.log2(r + 1) for r in ranks if r and r <= 10) / n,
        "R@10": sum(1 for r in ranks if r and r <= 10) / n,
        "R@100": sum(1 for r in ranks if r) / n,
        "MRR@10": sum(1 / r for r in ranks if r and r <= 10) / n,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (n - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--no-synonyms", action="store_true", help="no abbreviation dictionary")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    for assignment in args.set:
        name, value = assignment.split("=", 1)
        setattr(searching, name, type(getattr(searching, name))(value))
    if not INDEX.exists():
        summary, _ = write_documents(INDEX, read_documents([DEV / "corpus.jsonl"], print))
        print(f"built dev index: {summary}")
    index = open_index(INDEX)
    qrels = load_qrels()
    synonyms = Synonyms() if args.no_synonyms else builtin_synonyms()
    figures = {}
    for label, name in (("accented", "queries.tsv"), ("unaccented", "queries_noaccent.tsv")):
        figures[label] = evaluate(index, load_queries(name), qrels, synonyms)
        row = "  ".join(
            f"{k} {v:.3f}" if "ms" not in k else f"{k} {v:.1f}" for k, v in figures[label].items()
        )
        print(f"{label:<11} {row}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
