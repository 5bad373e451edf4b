"""Autocompletion quality: does what a user is typing complete to the title they are typing?

    python bench/autocomplete.py [--articles 10000] [--queries 600] [--seed 7] [--index DIR]

Builds (or reuses) bench/out/news-N-index of the first ``--articles`` news articles. From their
titles (fixed seed) it cuts what a user has typed so far: 1 to 3 whole words, then the first
letters of the next word (at least one, never all of it), and asks ``complete_query`` for its
completions, in three forms:

  accented     as the title writes it (``thành phố hồ``)
  toneless     the word being typed without its tone yet, as an input method shows it before
               the tone key (``nguyễn`` typed so far as ``nguyê``); only where the cut letters
               carry a tone
  unaccented   every word folded (``thanh pho ho``)

A completion is right when it is the typed text completed by one or more whole words of the
title that follow, compared folded (``thanh pho Hồ Chí Minh`` for ``thanh pho ho`` in a title
saying "thành phố Hồ Chí Minh"). Per form and by how many whole words came before, it prints
the share whose first completion is right (``top1``) and whose 8 completions hold a right one
(``top8``), and how many got none at all (``none``); then the median and 95th percentile of
one ``complete_query`` call (each cut once per form, in the order above: measure with nothing
else running).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from bench import http as load  # noqa: E402
from indexer import complete_query, open_index  # noqa: E402
from indexer.language import fold, has_diacritics, normalize  # noqa: E402

_WORD = re.compile(r"[^\W\d_]+")
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
FORMS = ("accented", "toneless", "unaccented")


def cases(articles: Path, count: int, seed: int) -> list[tuple[list[str], int, int]]:
    """``count`` cuts of titles: (the title's words, how many whole words are typed, how many
    letters of the next)."""
    with articles.open(encoding="utf-8") as lines:
        titles = [row.get("title", "") for row in map(json.loads, lines)]
    rng = random.Random(seed)
    found: dict[str, tuple[list[str], int, int]] = {}
    while len(found) < count:
        words = _WORD.findall(normalize(rng.choice(titles)))
        if len(words) < 3:
            continue
        whole = rng.randint(1, min(3, len(words) - 2))
        start = rng.randrange(len(words) - whole - 1)
        words = words[start:]
        if len(words[whole]) < 2:
            continue
        letters = rng.randint(1, len(words[whole]) - 1)
        key = " ".join(words[:whole]) + f" {words[whole][:letters]}"
        found.setdefault(key.lower(), (words, whole, letters))
    return list(found.values())


def typed(words: list[str], whole: int, letters: int, form: str) -> str | None:
    """What the user has typed so far in ``form``, or None when the form does not apply."""
    text = " ".join(words[:whole] + [words[whole][:letters]])
    if form == "unaccented":
        return fold(text)
    if form == "toneless":
        nfd = unicodedata.normalize("NFD", text)
        last = nfd.rpartition(" ")[2]
        if not any(mark in last for mark in TONE_MARKS):
            return None
        kept = nfd[: len(nfd) - len(last)] + "".join(c for c in last if c not in TONE_MARKS)
        return unicodedata.normalize("NFC", kept)
    return text


def right(completion: str, words: list[str], whole: int) -> bool:
    """Whether ``completion`` is the typed text followed by whole words of the title."""
    got = fold(completion).lower().split()
    meant = [fold(w).lower() for w in words]
    return len(got) > whole and got == meant[: len(got)]


def measure(index, cuts, times: list[float]) -> dict[str, dict[str, dict[str, float]]]:
    """Per form and by the words typed before (``1``, ``2``, ``3``, ``all``): top1, top8, none;
    each call's milliseconds appended to ``times``."""
    tallies: dict[str, dict[str, list[int]]] = {}
    for words, whole, letters in cuts:
        for form in FORMS:
            text = typed(words, whole, letters, form)
            if text is None or (form == "accented" and not has_diacritics(text)):
                continue
            started = time.perf_counter()
            offered = complete_query(index, text)
            times.append((time.perf_counter() - started) * 1000)
            hits = [right(c, words, whole) for c in offered]
            row = [1, int(bool(hits) and hits[0]), int(any(hits)), int(not offered)]
            for group in (str(whole), "all"):
                tally = tallies.setdefault(form, {}).setdefault(group, [0, 0, 0, 0])
                tally[:] = [a + b for a, b in zip(tally, row, strict=True)]
    return {
        form: {
            group: {
                "n": n,
                "top1": round(top1 / n, 3),
                "top8": round(top8 / n, 3),
                "none": round(none / n, 3),
            }
            for group, (n, top1, top8, none) in sorted(groups.items())
        }
        for form, groups in tallies.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--index", type=Path, help="an index of the same articles")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    articles = load.first_articles(args.articles)
    index = open_index(args.index or load.ensure_index(articles, args.articles))
    started = time.perf_counter()
    cuts = cases(articles, args.queries, args.seed)
    complete_query(index, "ha n")  # the first call reads the term tables
    times: list[float] = []
    figures = measure(index, cuts, times)
    elapsed = time.perf_counter() - started
    print(f"{len(cuts)} title cuts, {args.articles} articles, seed {args.seed}, {elapsed:.0f} s")
    print(f"{'form':<11} {'words':>5} {'n':>5} {'top1':>6} {'top8':>6} {'none':>6}")
    for form in FORMS:
        for group, row in figures.get(form, {}).items():
            print(
                f"{form:<11} {group:>5} {row['n']:>5} {row['top1']:>6.3f} {row['top8']:>6.3f} "
                f"{row['none']:>6.3f}"
            )
    p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
    print(f"complete_query: {len(times)} calls, p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    figures["latency_ms"] = {"calls": len(times), "p50": round(p50, 2), "p95": round(p95, 2)}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
