"""How long ``similar_documents`` takes per document, on the bundled sample (or ``--index``).

    python bench/similar_speed.py [--index DIR] [--per-page 5]

Builds the sample (the seed article and 186 Wikipedia articles) under bench/out/ when no index
is given, then asks for the documents like each one, twice (the second with warm caches), and
prints the median and the slowest in ms with the body lengths, as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from indexer import build_index, open_index, similar_documents  # noqa: E402
from indexer.store.sample import SAMPLE_CORPUS  # noqa: E402

OUT = ROOT / "bench" / "out"


def sample_index() -> Path:
    """The bundled sample's index under bench/out/ (built once)."""
    path = OUT / "sample-index"
    if not path.exists():
        build_index([SAMPLE_CORPUS], path, workers=1)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path)
    parser.add_argument("--per-page", type=int, default=5)
    args = parser.parse_args()
    index = open_index(args.index or sample_index())
    stored = index.searcher().all_stored_fields()
    documents = [(fields["id"], len(fields.get("body", ""))) for fields in stored]
    timings = []
    for _ in range(2):
        timings = []
        for doc_id, length in documents:
            started = time.perf_counter()
            similar_documents(index, doc_id, per_page=args.per_page)
            timings.append(((time.perf_counter() - started) * 1000, length, doc_id))
    timings.sort()
    figures = {
        "documents": len(timings),
        "median_ms": round(statistics.median(t for t, _, _ in timings), 2),
        "p90_ms": round(timings[int(0.9 * (len(timings) - 1))][0], 2),
        "slowest": [{"ms": round(ms, 2), "body_chars": n, "id": i} for ms, n, i in timings[-3:]],
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
