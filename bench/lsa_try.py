"""A corpus-trained embedder tried, not shipped: LSA over the dev corpus, fused with our ranking.

    python bench/lsa_try.py [--dimensions 256] [--grid 0,0.05,0.1,0.2,0.3,0.5,1]

Latent semantic analysis: TF-IDF over each document's syllables and syllable bigrams (folded:
the same terms for queries with and without diacritics), reduced to ``--dimensions`` by a
truncated SVD trained on the dev corpus itself (scikit-learn), unit vectors. Each query's words
ranking is ``indexer.search`` at semantic_ratio 0 (its top 100); the vector side is the exact
cosine over every document, top 100; both are fused by ``indexer.semantic.fuse`` as the library
fuses them. Prints dev nDCG@10 for each ratio, accented and unaccented. A corpus-trained
embedder ships only if it lifts both by at least 0.01 (issue 18).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

import numpy as np  # noqa: E402

from bench.relevance import DEV, INDEX, load_qrels, load_queries  # noqa: E402
from indexer import open_index, read_documents, search, write_documents  # noqa: E402
from indexer.language.normalize import fold, normalize  # noqa: E402
from indexer.semantic import fuse, nearest  # noqa: E402

_SYLLABLE = re.compile(r"\w+")


def terms(text: str) -> list[str]:
    """Folded lowercase syllables and the bigrams of neighbouring syllables."""
    syllables = _SYLLABLE.findall(fold(normalize(text).lower()))
    return syllables + [f"{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)]


def main() -> None:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dimensions", type=int, default=256)
    parser.add_argument("--grid", default="0,0.05,0.1,0.2,0.3,0.5,1")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not INDEX.exists():
        write_documents(INDEX, read_documents([DEV / "corpus.jsonl"], print))
    documents = [json.loads(line) for line in open(DEV / "corpus.jsonl", encoding="utf-8")]
    ids = [d["id"] for d in documents]
    started = time.perf_counter()
    tfidf = TfidfVectorizer(analyzer=terms, sublinear_tf=True, min_df=2)
    matrix = tfidf.fit_transform(f"{d['title']}\n{d.get('text', '')}" for d in documents)
    svd = TruncatedSVD(args.dimensions, random_state=18).fit(matrix)
    vectors = unit(svd.transform(matrix).astype(np.float32))
    print(
        f"LSA: {matrix.shape[1]} terms -> {args.dimensions} dimensions, "
        f"{len(ids)} documents, trained in {time.perf_counter() - started:.1f} s"
    )
    index = open_index(INDEX)
    qrels = load_qrels()
    ratios = [float(r) for r in args.grid.split(",")]
    figures = {}
    print("| LSA semantic_ratio | accented nDCG@10 | unaccented nDCG@10 |")
    print("| ---: | ---: | ---: |")
    sets = {}
    for label, name in (("accented", "queries.tsv"), ("unaccented", "queries_noaccent.tsv")):
        queries = load_queries(name)
        words = {qid: word_side(index, text) for qid, text in queries.items()}
        query_vectors = unit(svd.transform(tfidf.transform(queries.values())).astype(np.float32))
        meaning = {}
        for qid, vector in zip(queries, query_vectors, strict=True):
            rows, cosines = nearest(vectors, vector, None, 100)
            meaning[qid] = {ids[r]: float(c) for r, c in zip(rows, cosines, strict=True)}
        sets[label] = (words, meaning)
    for ratio in ratios:
        row = {}
        for label, (words, meaning) in sets.items():
            row[label] = ndcg_at_10(words, meaning, ratio, qrels)
        figures[str(ratio)] = row
        print(f"| {ratio:g} | {row['accented']:.3f} | {row['unaccented']:.3f} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def word_side(index, text: str) -> dict[str, float]:
    """The words ranking's top 100: id -> score."""
    return {hit.id: hit.score for hit in search(index, text, per_page=100, semantic_ratio=0).hits}


def ndcg_at_10(words: dict, meaning: dict, ratio: float, qrels: dict[str, str]) -> float:
    total = 0.0
    for qid, found in words.items():
        names = sorted(found.keys() | meaning[qid].keys())
        number = {name: n for n, name in enumerate(names)}
        fused = fuse(
            {number[k]: v for k, v in found.items()} if ratio < 1 else {},
            {number[k]: v for k, v in meaning[qid].items()},
            ratio,
        )
        top = [names[n] for n, _ in fused[:10]]
        if qrels[qid] in top:
            total += 1 / math.log2(top.index(qrels[qid]) + 2)
    return total / len(words)


def unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


if __name__ == "__main__":
    main()
