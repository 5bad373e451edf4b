"""Relevance on ../shared/data/dev through the public search function.

    python bench/relevance.py [--set NAME=VALUE ...] [--no-synonyms] [--json OUT]
        [--embedder MODEL_FOLDER [--semantic-ratio R | --grid R1,R2,...]]

Builds the dev index under bench/out/dev_index on first use, then runs the 650 questions with
and without diacritics and prints nDCG@10, Recall@10, Recall@100, MRR@10 and query latency.
``--set`` overrides a ranking parameter of indexer.searching for one run (for tuning);
``--no-synonyms`` turns off the abbreviation dictionary (indexer/language/data/synonyms.txt).
``--embedder`` builds (once) a dev index with that model's vectors (bench/out/dev_index_<model>)
and ranks with ``--semantic-ratio`` (default: the library's default), or prints a table of
nDCG@10 for each ratio of ``--grid``.
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

from indexer import (  # noqa: E402
    DEFAULT_SEMANTIC_RATIO,
    load_embedder,
    open_index,
    read_documents,
    search,
    write_documents,
)
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
    index,
    queries: dict[str, str],
    qrels: dict[str, str],
    synonyms: Synonyms,
    semantic_ratio: float | None = None,
) -> dict[str, float]:
    ranks, latencies = [], []
    for qid, text in queries.items():
        started = time.perf_counter()
        page = search(index, text, per_page=100, synonyms=synonyms, semantic_ratio=semantic_ratio)
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
    parser.add_argument("--embedder", metavar="MODEL_FOLDER", help="a sentence-transformers model")
    parser.add_argument("--semantic-ratio", type=float, default=None, metavar="R")
    parser.add_argument("--grid", metavar="R1,R2,...", help="nDCG@10 for each semantic ratio")
    args = parser.parse_args()
    for assignment in args.set:
        name, value = assignment.split("=", 1)
        setattr(searching, name, type(getattr(searching, name))(value))
    index = open_index(*dev_index(args.embedder))
    qrels = load_qrels()
    synonyms = Synonyms() if args.no_synonyms else builtin_synonyms()
    query_sets = (("accented", "queries.tsv"), ("unaccented", "queries_noaccent.tsv"))
    if args.grid:
        figures = grid(index, [float(r) for r in args.grid.split(",")], query_sets, qrels, synonyms)
    else:
        figures = {}
        for label, name in query_sets:
            figures[label] = evaluate(
                index, load_queries(name), qrels, synonyms, args.semantic_ratio
            )
            row = "  ".join(
                f"{k} {v:.3f}" if "ms" not in k else f"{k} {v:.1f}"
                for k, v in figures[label].items()
            )
            print(f"{label:<11} {row}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def dev_index(model: str | None):
    """(the dev index's folder, its embedder): built on first use, with vectors when ``model``
    names one (a folder of its own per model)."""
    embedder = load_embedder(model) if model else None
    if embedder:
        import torch

        torch.set_num_threads(1)  # like a server's worker, beside the other
    path = INDEX if embedder is None else INDEX.with_name(f"dev_index_{embedder.fingerprint[:12]}")
    if not path.exists():
        documents = read_documents([DEV / "corpus.jsonl"], print)
        summary, _ = write_documents(path, documents, embedder=embedder)
        print(f"built dev index: {summary}")
    return path, embedder


def grid(index, ratios, query_sets, qrels, synonyms) -> dict:
    """nDCG@10 (and latency) for each ratio, printed as a table."""
    print("| semantic_ratio | accented nDCG@10 | unaccented nDCG@10 | p50 ms | p95 ms |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    figures = {}
    for ratio in ratios:
        row = {
            label: evaluate(index, load_queries(name), qrels, synonyms, ratio)
            for label, name in query_sets
        }
        figures[str(ratio)] = row
        accented, unaccented = row["accented"], row["unaccented"]
        marker = " (default)" if ratio == DEFAULT_SEMANTIC_RATIO else ""
        print(
            f"| {ratio:g}{marker} | {accented['nDCG@10']:.3f} | {unaccented['nDCG@10']:.3f} "
            f"| {accented['p50_ms']:.1f} | {accented['p95_ms']:.1f} |",
            flush=True,
        )
    return figures


if __name__ == "__main__":
    main()
