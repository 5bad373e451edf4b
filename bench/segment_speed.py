"""Segmentation speed: pyvi's ViTokenizer.tokenize against our segment(), in one run.

    python bench/segment_speed.py [--articles 2000] [--rounds 3]

Reads the first N news articles as the indexer reads them (indexer.documents.files.read_documents)
and times, in this one process, pyvi's tokenize on title + "\\n" + body, and our segment() on the
title and on the body (what the indexer segments) with pyvi's labels from indexer.language.crf
("ours") and, for comparison, from python-crfsuite on pyvi's feature strings ("crfsuite path", what
segment() used before). Each is timed ``--rounds`` times, interleaved, and the fastest round
kept: the development machine's 2 cores are shared. Every round starts with empty per-piece
caches, as a fresh process would. Also prints how long each model takes to load.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

import numpy as np  # noqa: E402

from indexer.documents.files import read_documents  # noqa: E402
from indexer.language import crf  # noqa: E402
from indexer.language import segmentation as analysis  # noqa: E402
from tests import crfsuite_reference  # noqa: E402

NEWS = ROOT.parent / "shared" / "data" / "news" / "news.jsonl.gz"


def crfsuite_join_flags(pieces):
    """analysis._join_flags through python-crfsuite, as segment() did before
    indexer.language.crf."""
    return np.array(crfsuite_reference.crfsuite_joins(pieces), bool)


def timed_loads() -> dict[str, float]:
    """Seconds to load our weights from pyvi's files, and to import pyvi itself."""
    started = time.perf_counter()
    crf.pyvi_tagger()
    ours = time.perf_counter() - started
    started = time.perf_counter()
    crfsuite_reference.pyvi_model()
    return {
        "indexer.language.crf.pyvi_tagger()": ours,
        "import pyvi's ViTokenizer": time.perf_counter() - started,
    }


def segment_all(docs, join_flags) -> float:
    """Seconds segment() takes on every title and body, with ``join_flags`` for the labels."""
    own = analysis._join_flags
    analysis._join_flags = join_flags
    crf.pyvi_tagger()._reset()
    analysis._trim_codes.clear()
    try:
        started = time.perf_counter()
        for doc in docs:
            analysis.segment(doc.title)
            analysis.segment(doc.body)
        return time.perf_counter() - started
    finally:
        analysis._join_flags = own


def tokenize_all(docs) -> float:
    """Seconds pyvi's tokenize takes on every article (title and body in one text)."""
    from pyvi import ViTokenizer

    texts = [f"{doc.title}\n{doc.body}" for doc in docs]
    started = time.perf_counter()
    for text in texts:
        ViTokenizer.tokenize(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    loads = timed_loads()
    docs = list(itertools.islice(read_documents([NEWS], print), args.articles))
    runs = {
        "pyvi ViTokenizer.tokenize": lambda: tokenize_all(docs),
        "segment(), crfsuite path": lambda: segment_all(docs, crfsuite_join_flags),
        "segment(), ours": lambda: segment_all(docs, analysis._join_flags),
    }
    best = {name: float("inf") for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            best[name] = min(best[name], run())
    ms = {name: seconds * 1000 / len(docs) for name, seconds in best.items()}
    print(f"{len(docs)} articles, fastest of {args.rounds} rounds")
    print("| what | ms/article | vs pyvi |")
    print("| --- | ---: | ---: |")
    for name, value in ms.items():
        print(f"| {name} | {value:.3f} | {ms['pyvi ViTokenizer.tokenize'] / value:.2f}x |")
    before, after = ms["segment(), crfsuite path"], ms["segment(), ours"]
    print(f"segment() is {before / after:.2f}x faster than with the crfsuite path")
    for name, seconds in loads.items():
        print(f"load: {name}: {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
