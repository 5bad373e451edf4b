"""Our segmenter gives pyvi's words, word for word, on every article of a corpus.

    python bench/verify_segmenter.py [--source FILE.jsonl[.gz]] [--min-articles N] [--json OUT]

By default the whole news corpus, ../shared/data/news/news.jsonl.gz (38,084 articles, not
shipped: this check was tests/test_segmenter_corpus.py's until the tests stopped reading
../shared). Each article's title and body, normalised, go through ``indexer.language.segment``
and through pyvi's ``ViTokenizer.tokenize``; the syllables and where words join must be the same.
Runs one process per CPU. Prints the first mismatch (article, word, both sides) and exits 1 on
any, or when fewer than ``--min-articles`` were compared; exits 0 otherwise. The tests run the same
comparison (``compare_file``) on the bundled Wikipedia sample.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder is on sys.path, where bench/http.py would shadow http.client.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from functools import lru_cache  # noqa: E402
from itertools import accumulate  # noqa: E402

from pyvi.ViTokenizer import ViTokenizer  # noqa: E402

from indexer.language.normalize import normalize  # noqa: E402
from indexer.language.segmentation import segment  # noqa: E402

NEWS = _HERE.parent.parent / "shared" / "data" / "news" / "news.jsonl.gz"
NEWS_ARTICLES = 38_000  # the news corpus holds 38,084
_WORD_CHAR = re.compile(r"\w")
_EDGE_PUNCT = re.compile(r"^\W+|\W+$")


def pyvi_syllables(text: str) -> tuple[list[str], list[bool]]:
    """pyvi's words of ``text`` as ``Segmentation`` keeps them, as ``(syllables, joined)``.

    A piece without a word character is dropped and ends the word it stands in; every other
    piece loses its edge punctuation and is glued to the one before if tokenize() glued them.
    """
    output = ViTokenizer.tokenize(text)
    _, pieces = ViTokenizer.sylabelize(text)
    # tokenize() writes the pieces in order with "_" or " " between: read which one it was.
    ends = list(accumulate(len(piece) + 1 for piece in pieces))
    separators = [output[end - 1] for end in ends[:-1]]
    assert "".join(map(str.__add__, pieces, separators + [""])) == output or not pieces
    syllables = [_trimmed(piece) for piece in pieces]
    joined = [
        i > 0 and separators[i - 1] == "_" and syllables[i - 1] is not None
        for i, syllable in enumerate(syllables)
        if syllable is not None
    ]
    return [s for s in syllables if s is not None], joined


@lru_cache(maxsize=100_000)
def _trimmed(piece: str) -> str | None:
    return _EDGE_PUNCT.sub("", piece) if _WORD_CHAR.search(piece) else None


def _words(syllables: list[str], joined: list[bool]) -> list[tuple[str, ...]]:
    starts = [i for i, glued in enumerate(joined) if not glued] + [len(syllables)]
    return [tuple(syllables[a:b]) for a, b in zip(starts, starts[1:], strict=False)]


def _first_difference(theirs: list, ours: list) -> int:
    pairs = zip(theirs, ours, strict=False)
    return next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(theirs), len(ours)))


def mismatch(text: str) -> tuple[int, list, list] | None:
    """Where our words of ``text`` (normalised) first differ from pyvi's: (word index, pyvi's
    words around it, ours), or None when they are the same."""
    theirs, seg = pyvi_syllables(text), segment(text)
    if theirs == (seg.syllables, seg.joined):
        return None
    theirs, ours = _words(*theirs), _words(seg.syllables, seg.joined)
    at = _first_difference(theirs, ours)
    window = slice(max(0, at - 3), at + 4)
    return at, theirs[window], ours[window]


def _open(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def check_share(path: Path, share: int, shares: int) -> tuple[int, int, tuple | None]:
    """Compare every ``shares``-th article from the ``share``-th: (lines seen, articles
    compared, the first mismatch as (line, id, word index, pyvi's words, ours) or None)."""
    compared, seen = 0, 0
    with _open(path) as lines:
        for number, line in enumerate(lines):
            seen = number + 1
            if number % shares != share:
                continue
            article = json.loads(line)
            text = normalize(f"{article.get('title', '')}\n{article.get('body', '')}")
            compared += 1
            found = mismatch(text)
            if found:
                return seen, compared, (number, article["id"], *found)
    return seen, compared, None


def compare_file(path: Path, processes: int | None = None) -> tuple[int, int, list[tuple]]:
    """Every article of ``path`` (JSON Lines, gzipped or not) in ``processes`` processes:
    (articles in the file, articles compared, mismatches: the first of each process)."""
    shares = processes or os.cpu_count() or 1
    with multiprocessing.get_context("fork").Pool(shares) as pool:
        results = pool.starmap(check_share, [(path, share, shares) for share in range(shares)])
    seen = max(result[0] for result in results)
    mismatches = sorted(result[2] for result in results if result[2] is not None)
    return seen, sum(result[1] for result in results), mismatches


def main() -> int:
    """Run the comparison; print it; exit 1 on a mismatch or too few articles."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=NEWS)
    parser.add_argument("--min-articles", type=int, default=None)
    parser.add_argument("--json", type=Path, metavar="OUT")
    args = parser.parse_args()
    least = args.min_articles
    if least is None:
        least = NEWS_ARTICLES if args.source == NEWS else 1
    started = time.monotonic()
    seen, compared, mismatches = compare_file(args.source)
    result = {
        "source": str(args.source),
        "articles": seen,
        "compared": compared,
        "mismatches": [list(m) for m in mismatches],
        "seconds": round(time.monotonic() - started, 1),
    }
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    for m in mismatches:
        print("article {1} (line {0}), word {2}: pyvi {3} != ours {4}".format(*m))
    ok = not mismatches and compared == seen >= least
    print(
        f"{compared:,} of {seen:,} articles compared in {result['seconds']} s: "
        + ("pyvi's words on every one" if ok else "FAILED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
