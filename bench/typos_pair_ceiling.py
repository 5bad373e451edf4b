"""How far syllable pairs alone can tell a real-word slip in a two-syllable query.

    python bench/typos_pair_ceiling.py [--articles 10000] [--queries 300] [--seed 7] [--index DIR]

Takes bench/typos.py's title windows of two syllables, typed with one dropped letter, one
neighbouring key or two letters swapped where every typed syllable is one the index holds (a
real-word slip), and the same windows typed right. For each, the best reading by a plain noisy
channel over the index's folded pairs: the typed pair, or any pair one slip of one syllable away,
scored ``log(documents holding the pair) - cost_scale * cost(slip) [- mark_scale * accents
changed]``. Prints, for a grid of scales, the share of slips read as meant and the share of
queries typed right that the reading changes: the ceiling of any corrector that sees two
syllables and their pair counts.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from bench import http as load  # noqa: E402
from bench import typos  # noqa: E402
from indexer import open_index  # noqa: E402
from indexer.language import fold, has_diacritics  # noqa: E402
from indexer.language.misspellings import mark_distance  # noqa: E402
from indexer.language.normalize import strip_diacritics  # noqa: E402
from indexer.searching.real_words import syllable_slips, with_accents  # noqa: E402
from indexer.searching.vocabulary import Vocabulary  # noqa: E402

KINDS = ("dropped", "neighbour", "swapped")


def two_syllable_queries(cases, vocabulary, seed):
    """(words typed, position of the slip or None, the syllable meant) for each slip that makes
    held syllables, and (words, None, None) for each window typed right."""
    slips, right = [], []
    for case in cases:
        for form in ("accented", "unaccented"):
            shown = case.syllables if form == "accented" else [fold(s) for s in case.syllables]
            if len(shown) != 2:
                continue
            right.append((shown, None, None))
            for kind in KINDS:
                rng = random.Random(f"{seed}:{case.clean}:{kind}:{form}")
                typed = typos._typed(case.syllables, shown, kind, rng)
                if typed is None:
                    continue
                words, at = typed[0].split(), typed[1]
                if all(vocabulary.folded([fold(w) for w in words]).values()):
                    slips.append((words, at, fold(shown[at])))
    return slips, right


def best_reading(vocabulary, words, cost_scale, mark_scale):
    """(position, folded syllable) of the best reading, or (None, None) for the words typed."""

    def pair(at, syllable):
        other = fold(words[1 - at])
        key = (syllable, other) if at == 0 else (other, syllable)
        return vocabulary.pairs([key])[key]

    best = (math.log(pair(0, fold(words[0])) + 0.5), None, None)
    for at, word in enumerate(words):
        for candidate, cost in syllable_slips(strip_diacritics(word.lower())):
            held = pair(at, candidate)
            if not held:
                continue
            score = math.log(held) - cost_scale * cost
            if has_diacritics(word):
                form = with_accents(vocabulary, word.lower(), [candidate])[0]
                score -= mark_scale * mark_distance(word.lower(), form)
            if score > best[0]:
                best = (score, at, candidate)
    return best[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--index", type=Path)
    args = parser.parse_args()
    articles = load.first_articles(args.articles)
    index = open_index(args.index or load.ensure_index(articles, args.articles))
    vocabulary = Vocabulary(index.searcher().reader())
    cases = typos.make_cases(articles, args.queries, args.seed)
    slips, right = two_syllable_queries(cases, vocabulary, args.seed)
    print(f"{len(slips)} real-word slips of two syllables, {len(right)} typed right")
    header = ("cost scale", "mark scale", "slips read as meant", "right changed")
    print(f"{header[0]:>10} {header[1]:>10} {header[2]:>20} {header[3]:>14}")
    for cost_scale in (1.0, 2.0, 3.0, 4.5):
        for mark_scale in (0.0, 4.5):
            meant = sum(
                best_reading(vocabulary, words, cost_scale, mark_scale) == (at, syllable)
                for words, at, syllable in slips
            )
            changed = sum(
                best_reading(vocabulary, words, cost_scale, mark_scale)[0] is not None
                for words, _, _ in right
            )
            print(
                f"{cost_scale:>10} {mark_scale:>10} {meant / len(slips):>20.3f} "
                f"{changed / len(right):>14.3f}"
            )


if __name__ == "__main__":
    main()
