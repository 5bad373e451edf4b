"""Indexing throughput against pyvi alone, measured in one run.

    python bench/index_speed.py [--articles 10000] [--workers N] [--json OUT]

Takes the first N articles of ../shared/data/news/news.jsonl.gz, times pyvi's
ViTokenizer.tokenize on them in this one process, then times a fresh
``python -m indexer build`` of the same articles (parallel segmentation, one writer, fsynced
commits). The target is indexing at >= 1.5x the articles/s of the single-process pyvi pass.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "news" / "news.jsonl.gz"
OUT = ROOT / "bench" / "out"


def sample(count: int) -> Path:
    """The first ``count`` news articles as a JSONL file under bench/out (never committed)."""
    path = OUT / f"news{count}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        with gzip.open(NEWS, "rt", encoding="utf-8") as source, open(path, "w") as out:
            out.writelines(itertools.islice(source, count))
    return path


def time_pyvi(path: Path) -> tuple[float, int]:
    """Seconds pyvi takes to tokenize every article (title and body) in one process."""
    from pyvi import ViTokenizer

    texts = [json.loads(line) for line in open(path, encoding="utf-8")]
    texts = [f"{a.get('title', '')}\n{a.get('body', '')}" for a in texts]
    ViTokenizer.tokenize("Khởi động")
    started = time.perf_counter()
    for text in texts:
        ViTokenizer.tokenize(text)
    return time.perf_counter() - started, sum(map(len, texts))


def time_build(
    path: Path,
    workers: int | None,
    index: Path = OUT / "index_speed_index",
    log: Path | None = None,
    options: tuple[str, ...] = (),
) -> float:
    """Wall seconds of a fresh ``python -m indexer build`` of ``path`` into ``index``.

    With ``log``, the build's messages (a line per rejected document) go to that file and a
    build that rejected documents (exit code 1) counts as done: the caller counts what it holds.
    """
    shutil.rmtree(index, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "indexer",
        "build",
        str(path),
        "--index",
        str(index),
        "--quiet",
    ]
    if workers:
        command += ["--workers", str(workers)]
    command += options  # e.g. --embedder MODEL_FOLDER
    started = time.perf_counter()
    if log is None:
        subprocess.run(command, cwd=ROOT, check=True)
    else:
        with log.open("wb") as out:
            done = subprocess.run(command, cwd=ROOT, stdout=out, stderr=out)
        if done.returncode not in (0, 1):
            raise subprocess.CalledProcessError(done.returncode, command)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    path = sample(args.articles)
    pyvi_s, chars = time_pyvi(path)
    build_s = time_build(path, args.workers)
    figures = {
        "articles": args.articles,
        "characters": chars,
        "pyvi_one_process_s": round(pyvi_s, 1),
        "pyvi_articles_per_s": round(args.articles / pyvi_s, 1),
        "index_build_s": round(build_s, 1),
        "index_articles_per_s": round(args.articles / build_s, 1),
        "ratio": round(pyvi_s / build_s, 2),
    }
    for key, value in figures.items():
        print(f"{key:>22}: {value}")
    print(f"indexing is {figures['ratio']}x pyvi alone (target >= 1.5x)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
