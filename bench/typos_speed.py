"""What typo tolerance costs a search: the same queries with ``typos`` on and off, and with the
code before typo tolerance, interleaved in one run.

    python bench/typos_speed.py [--articles 38084] [--pairs 250] [--index DIR]
                                [--baseline b3e6244] [--questions] [--json OUT]

On bench/out/news-N-index (built when missing; ``--index`` to reuse one), takes bench/run.py's
short queries (unique 1-3 words from the titles: ``--pairs`` accented plus the same folded) and
the same queries with one typo (a letter doubled in the longest syllable); with ``--questions``,
the dev set's questions of 6 words or more, unaccented, instead (long questions, where a typo's
suggestion restores the accents of many syllables). Two worker processes
open the index: two run this tree, one with typos on and one with typos off, the third the
commit ``--baseline`` (exported to bench/out/baseline-REF), as it is. Each warms up
(``warm_up_index`` where it exists, then 50 searches), then every query goes to the three, in
alternating order, and each times its own ``search`` (top 10 with snippets). Each process sees
each query once: when one process ran this tree both ways, whichever ran second found the
query's postings and corrections cached, and with ``--baseline`` set to this very tree the
ratios came out 0.85 rather than 1. Prints p50 and p95 for each, the ratio to the baseline, how
long this tree's warm-up took, and each worker's resident memory after the run (VmRSS, and the
part of it that is anonymous: what the vocabulary and caches take).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from bench import http as load  # noqa: E402
from indexer.language import fold, has_diacritics  # noqa: E402

WARM_UP = 50
DEV_QUESTIONS = ROOT.parent / "shared" / "data" / "dev" / "queries_noaccent.tsv"
# Runs in each worker: reads "typos<TAB>query" lines, answers with milliseconds.
WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import indexer
from indexer import open_index, search
index = open_index(sys.argv[2])
started = time.perf_counter()
if hasattr(indexer, "warm_up_index"):
    indexer.warm_up_index(index)
warm = (time.perf_counter() - started) * 1000
has_typos = "typos" in search.__code__.co_varnames
print(json.dumps({"warm_up_ms": warm}), flush=True)
for line in sys.stdin:
    typos, query = line.rstrip("\n").split("\t", 1)
    if typos == "rss":
        rows = [l.split(":", 1) for l in open("/proc/self/status").read().split("\n") if ":" in l]
        rss = {k: int(v.split()[0]) // 1024 for k, v in rows if k in ("VmRSS", "RssAnon")}
        print(json.dumps(rss), flush=True)
        continue
    options = {"typos": typos == "1"} if has_typos else {}
    started = time.perf_counter()
    search(index, query, **options)
    print((time.perf_counter() - started) * 1000, flush=True)
"""


class Worker:
    """A process searching the index with the code in ``tree``, ``typos`` on or off."""

    def __init__(self, tree: Path, index: Path, typos: bool = True):
        self.typos = typos
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tree), str(index)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=tree,
        )
        self.warm_up_ms = json.loads(self.process.stdout.readline())["warm_up_ms"]

    def ask(self, query: str, typos: str = "1") -> str:
        self.process.stdin.write(f"{typos}\t{query}\n")
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def time(self, query: str) -> float:
        return float(self.ask(query, "1" if self.typos else "0"))

    def memory(self) -> dict:
        return json.loads(self.ask("", "rss"))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def export(ref: str) -> Path:
    """The files of commit ``ref`` in bench/out/baseline-REF (made once)."""
    target = load.OUT / f"baseline-{ref}"
    if not (target / "indexer").is_dir():
        archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True)
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")
    return target


def short_queries(articles: Path, pairs: int) -> list[str]:
    """bench/run.py's in-process set: ``pairs`` accented queries and the same folded."""
    accented = [q for q in load.make_queries(articles, 50_000) if has_diacritics(q)]
    chosen = accented[:pairs]
    return list(dict.fromkeys(chosen + [fold(q) for q in chosen]))


def long_questions(count: int) -> list[str]:
    """The first ``count`` unaccented dev questions of 6 words or more."""
    questions = []
    for line in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines():
        text = line.split("\t")[1] if "\t" in line else ""
        if len(text.split()) >= 6:
            questions.append(text)
    return list(dict.fromkeys(questions))[:count]


def with_typo(query: str) -> str:
    """``query`` with a letter of its longest syllable typed twice (``hà nộii``)."""
    words = query.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    words[longest] = word[:-1] + word[-1] * 2
    return " ".join(words)


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "queries": len(ordered),
        "p50_ms": round(ordered[len(ordered) // 2], 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


def measure(workers: dict[str, Worker], queries: list[str]) -> dict[str, dict]:
    """Each query through every worker once, alternating which goes first."""
    times: dict[str, list[float]] = {label: [] for label in workers}
    order = list(workers)
    for n, query in enumerate(queries):
        for label in order if n % 2 else order[::-1]:
            times[label].append(workers[label].time(query))
    figures = {label: percentiles(values) for label, values in times.items()}
    for label in ("typos off", "typos on"):
        for p in ("p50_ms", "p95_ms"):
            base = figures["baseline"][p]
            figures[label][p.replace("_ms", "_ratio")] = round(figures[label][p] / base, 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=38_084)
    parser.add_argument("--pairs", type=int, default=250)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--baseline", default="b3e6244", help="a commit without typo tolerance")
    parser.add_argument("--questions", action="store_true", help="long dev questions instead")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    articles = load.first_articles(args.articles)
    index = (args.index or load.ensure_index(articles, args.articles)).resolve()
    if args.questions:
        queries = long_questions(2 * (args.pairs + WARM_UP))
    else:
        queries = short_queries(articles, args.pairs + WARM_UP)
    warm, queries = queries[: WARM_UP * 2], queries[WARM_UP * 2 :]
    workers = {
        "baseline": Worker(export(args.baseline), index),
        "typos off": Worker(ROOT, index, typos=False),
        "typos on": Worker(ROOT, index),
    }
    for query in warm:
        for worker in workers.values():
            worker.time(query)
    figures: dict = {"warm_up_ms": round(workers["typos on"].warm_up_ms, 1)}
    for label, chosen in (("right", queries), ("one typo", [with_typo(q) for q in queries])):
        random.Random(3).shuffle(chosen)
        figures[label] = measure(workers, chosen)
    figures["memory_mb"] = {
        "this tree": workers["typos on"].memory(),
        "baseline": workers["baseline"].memory(),
    }
    for worker in workers.values():
        worker.close()
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
