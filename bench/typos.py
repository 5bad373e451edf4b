"""Typo tolerance on known-item searches: does a short title query still find its article?

    python bench/typos.py [--articles 10000] [--queries 300] [--seed 7] [--no-typos]
                          [--corpus news|viwiki] [--index DIR] [--json OUT]

Builds (or reuses) bench/out/news-N-index of the first ``--articles`` news articles. Cuts
``--queries`` queries of 2-4 consecutive syllables from the titles (fixed seed), keeps those
that find their article in the top 10 when typed right, accented and unaccented, then types
each again with one typo of each kind in one syllable of 3 letters or more:

  telex, vni     the syllable as the keys of an input method that was off (nguyeenx, nguye6n4)
  dropped        one letter left out (ngyen)
  doubled        one letter typed twice (noii)
  neighbour      one letter replaced by a neighbouring key on a QWERTY keyboard (nhuyen)
  swapped        two neighbouring letters swapped (ngyuen)
  misplaced      (accented only) a tone or vowel mark on another vowel of the syllable (nguỹen)
  wrong_tone     (accented only) another tone (nguyển)
  partial        (accented only) one syllable typed without its accents (Hà noi)

For each kind and form it prints the share still found in the top 10 and the share whose
suggestion is the clean query compared after folding (the query as typed counts when no
suggestion is made: for misplaced, wrong_tone and partial it already folds right), and how
often it has the title's accents too (``exact``: for unaccented queries, accents restored).
The typo generators are this file's own, independent of the library's correction code, so the
same file measures any version of ``search``. ``--no-typos`` searches with ``typos=False``.

``--corpus viwiki`` measures the same on a corpus nothing was tuned on: the first 2,000 of the
2,593 Wikipedia articles (the source of the bundled sample) are indexed (bench/out/viwiki-2000-
index), the titles of the other 593 give the queries typed right that the index does not hold,
and ``--articles`` is ignored. Those titles are names (Hamamatsu, Roger Federer, An Giang):
none has a Vietnamese accent, so there are no Telex or VNI rows, and the accented rows type the
names as written.

Some typos make real words, and some make a text that is itself right: ``lên`` -> ``lê``,
``nhập`` -> ``nập``. For fairness each row also says how many typo'd syllables are terms of the
index (``real``: accented as typed, or folded for unaccented queries) and how many typo'd
queries occur word for word, as a phrase, in some article (``as text``): for those, no
corrector can know a typo was made, and the ``undetectable`` rows give the figures without them.
``common`` is the share of typo'd queries whose syllables are all held and common (in more than
1% of the documents; as written, in accented queries): the library suggests nothing for those
but where a query of 3 to 6 syllables read whole replaces one outside issue 16's 1,000
commonest syllables (``window_readings._common_replaceable``), so for the kinds that change
the letters (all but misplaced, wrong_tone and partial) ``right`` is mostly below one less that
share. ``commonest`` is the share whose syllables are all among those 1,000 (as written in
accented queries; in unaccented ones, letters held at least as often as the 1,000th as
written): issue 16 asks for no suggestion for a query of known, common syllables and no
correction of those thousand, so for the kinds that change the letters ``right`` can be at most
one less that share, whatever the corrector.
"""

from __future__ import annotations

import argparse
import gzip
import inspect
import itertools
import json
import random
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from whoosh import query as wq  # noqa: E402

from bench import http as load  # noqa: E402
from indexer import open_index, search  # noqa: E402
from indexer.language import fold, has_diacritics, normalize  # noqa: E402
from indexer.language.syllables import accented_syllables  # noqa: E402

TONES = {"\u0301": ("s", "1"), "\u0300": ("f", "2"), "\u0309": ("r", "3"), "\u0303": ("x", "4")}
TONES["\u0323"] = ("j", "5")
QUALITY = {"\u0302": (None, "6"), "\u0306": ("w", "8"), "\u031b": ("w", "7")}
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
VOWELS = "aeiouy"
COMMONEST = 1_000  # issue 16's common syllables: "no correction for the 1,000 most frequent"
KINDS = ("telex", "vni", "dropped", "doubled", "neighbour", "swapped")
COMMON_SHARE = 0.01  # "common": in more than this share of documents (as the library's rule)
UNSEEN_FROM = 30_000  # queries typed right come from the titles of articles after this many
WIKI = ROOT.parent / "shared" / "data" / "viwiki" / "viwiki.jsonl.gz"
WIKI_INDEXED = 2_000  # --corpus viwiki: these are indexed; the rest's titles are typed right
ACCENTED_ONLY = ("misplaced", "wrong_tone", "partial")
_SYLLABLE = re.compile(r"[^\W\d_]+")


def neighbours() -> dict[str, list[str]]:
    """Keys within one step of each other on a QWERTY keyboard (rows offset by half a key)."""
    places = {c: (r, i + 0.5 * r) for r, row in enumerate(ROWS) for i, c in enumerate(row)}
    return {
        a: [b for b, (r2, x2) in places.items() if b != a and abs(r - r2) <= 1 and abs(x - x2) <= 1]
        for a, (r, x) in places.items()
    }


NEIGHBOURS = neighbours()


def keys(syllable: str, method: str) -> str:
    """The keys that type ``syllable`` with Telex or VNI, tone last (nguyễn: nguyeenx, nguye6n4)."""
    out, tone = [], ""
    for char in unicodedata.normalize("NFD", syllable):
        if char in TONES:
            tone = TONES[char][method == "vni"]
        elif char in QUALITY:
            telex, vni = QUALITY[char]
            out.append(vni if method == "vni" else telex or out[-1])
        elif char == "đ":
            out.append("dd" if method == "telex" else "d9")
        else:
            out.append(char)
    return "".join(out) + tone


def letters(syllable: str) -> list[str]:
    return list(unicodedata.normalize("NFC", syllable))


def typo(syllable: str, kind: str, rng: random.Random) -> str | None:
    """``syllable`` with one typo of ``kind``, or None when that kind does not apply to it."""
    chars = letters(syllable)
    n = len(chars)
    if kind in ("telex", "vni"):
        return keys(syllable, kind) if has_diacritics(syllable) else None
    if kind == "dropped":
        i = rng.randrange(n)
        return "".join(chars[:i] + chars[i + 1 :])
    if kind == "doubled":
        i = rng.randrange(n)
        return "".join(chars[: i + 1] + chars[i:])
    if kind == "neighbour":
        i = rng.randrange(n)
        base = fold(chars[i])[:1]
        if base not in NEIGHBOURS:
            return None
        return "".join(chars[:i] + [rng.choice(NEIGHBOURS[base])] + chars[i + 1 :])
    if kind == "swapped":
        places = [i for i in range(n - 1) if chars[i] != chars[i + 1]]
        if not places:
            return None
        i = rng.choice(places)
        return "".join(chars[:i] + [chars[i + 1], chars[i]] + chars[i + 2 :])
    if kind == "misplaced":
        return misplaced(chars, rng)
    if kind == "wrong_tone":
        return wrong_tone(syllable, rng)
    if kind == "partial":
        return fold(syllable) if has_diacritics(syllable) else None
    raise ValueError(kind)


def misplaced(chars: list[str], rng: random.Random) -> str | None:
    """One mark (the tone or a vowel mark) moved to another vowel that has no mark of its kind,
    as typed, and then normalised as every query is (which puts a tone back where it belongs,
    ``hoà`` → ``hòa``), or one horn of ``ươ`` left out (``đưong``)."""
    options = []
    for i, char in enumerate(chars):
        base, *marks = unicodedata.normalize("NFD", char)
        for mark in marks:
            for j, other in enumerate(chars):
                target = unicodedata.normalize("NFD", other)
                if j == i or target[0] not in VOWELS or _same_kind(mark, target[1:]):
                    continue
                moved = unicodedata.normalize("NFC", target + mark)
                if len(moved) == 1 and fold(moved) != moved and _vietnamese(moved):
                    new = list(chars)
                    new[i] = unicodedata.normalize(
                        "NFC", base + "".join(m for m in marks if m != mark)
                    )
                    new[j] = moved
                    options.append("".join(new))
    options = [o for o in map(normalize, options) if o != "".join(chars)]
    word = unicodedata.normalize("NFD", "".join(chars))
    if "\u031b" in word:  # one horn of ươ left out or put on the other vowel: đưong, đuơng
        horns = [i for i, c in enumerate(word) if c == "\u031b"]
        for i in horns:
            options.append(unicodedata.normalize("NFC", word[:i] + word[i + 1 :]))
    return rng.choice(options) if options else None


def _vietnamese(letter: str) -> bool:
    """Whether ``letter`` is a vowel Vietnamese writes (with at most a vowel mark and a tone)."""
    nfd = unicodedata.normalize("NFD", letter)
    quality = "".join(m for m in nfd[1:] if m not in TONES)
    return quality == "" or (nfd[0], quality) in {
        ("a", "\u0302"), ("e", "\u0302"), ("o", "\u0302"), ("a", "\u0306"),
        ("o", "\u031b"), ("u", "\u031b"),
    }  # fmt: skip


def _same_kind(mark: str, marks: str) -> bool:
    return any((m in TONES) == (mark in TONES) for m in marks)


def wrong_tone(syllable: str, rng: random.Random) -> str | None:
    """The syllable with another tone (or none) on the vowel that carries it (or on its last
    vowel when it has none)."""
    chars = letters(syllable)
    toned = [
        i for i, c in enumerate(chars) if any(m in TONES for m in unicodedata.normalize("NFD", c))
    ]
    vowels = [i for i, c in enumerate(chars) if fold(c)[:1] in VOWELS]
    if not vowels:
        return None
    at = toned[0] if toned else vowels[-1]
    nfd = unicodedata.normalize("NFD", chars[at])
    current = next((m for m in nfd if m in TONES), "")
    bare = "".join(m for m in nfd if m not in TONES)
    tone = rng.choice([t for t in ["", *TONES] if t != current])
    chars[at] = unicodedata.normalize("NFC", bare + tone)
    return normalize("".join(chars))


@dataclass
class Case:
    """One known-item query: the article, the clean query, its syllables."""

    doc_id: str
    clean: str
    syllables: list[str]


@dataclass
class Tally:
    """What one kind of typo did over its queries."""

    queries: int = 0
    real: int = 0  # the typo'd syllable is a term of the index
    as_text: int = 0  # the typo'd query occurs word for word in some article
    common: int = 0  # every typo'd syllable is held and common: no suggestion allowed
    commonest: int = 0  # every typo'd syllable is among the 1,000 commonest
    found: int = 0
    right: int = 0
    exact: int = 0
    shown: int = 0
    examples: list = field(default_factory=list)

    def row(self) -> dict:
        n = self.queries or 1
        return {
            "queries": self.queries,
            "real": round(self.real / n, 3),
            "as_text": round(self.as_text / n, 3),
            "all_common": round(self.common / n, 3),
            "all_commonest": round(self.commonest / n, 3),
            "found@10": round(self.found / n, 3),
            "suggestion_right": round(self.right / n, 3),
            "exact": round(self.exact / n, 3),
            "suggested": round(self.shown / n, 3),
        }


def make_cases(articles: Path, count: int, seed: int) -> list[Case]:
    """``count`` windows of 2-4 consecutive title syllables holding one of 3 letters or more."""
    with articles.open(encoding="utf-8") as lines:
        titles = [(row["id"], row.get("title", "")) for row in map(json.loads, lines)]
    return _windows(titles, count, seed)


def wiki_articles() -> tuple[Path, Path]:
    """bench/out/viwiki-2000.jsonl (the first ``WIKI_INDEXED`` Wikipedia articles) and
    bench/out/viwiki-rest.jsonl (the others), written once."""
    indexed, rest = load.OUT / f"viwiki-{WIKI_INDEXED}.jsonl", load.OUT / "viwiki-rest.jsonl"
    if not (indexed.exists() and rest.exists()):
        load.OUT.mkdir(parents=True, exist_ok=True)
        with gzip.open(WIKI, "rt", encoding="utf-8") as wiki:
            lines = wiki.readlines()
        indexed.write_text("".join(lines[:WIKI_INDEXED]), encoding="utf-8")
        rest.write_text("".join(lines[WIKI_INDEXED:]), encoding="utf-8")
    return indexed, rest


def unseen_cases(skip: int, count: int, seed: int) -> list[Case]:
    """``count`` windows of the titles of news articles the index does not hold (those after
    the first ``skip``): queries typed right that need not occur in any indexed article."""
    with gzip.open(load.NEWS, "rt", encoding="utf-8") as lines:
        rows = map(json.loads, itertools.islice(lines, skip, skip + 5 * count))
        titles = [(row["id"], row.get("title", "")) for row in rows]
    return _windows(titles, count, seed)


def _windows(titles: list[tuple[str, str]], count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases: dict[str, Case] = {}
    for _ in range(100 * count):  # few titles (--corpus viwiki) may hold fewer windows
        if len(cases) == count:
            break
        doc_id, title = rng.choice(titles)
        words = _SYLLABLE.findall(normalize(title).lower())
        if len(words) < 2:
            continue
        size = rng.randint(2, min(4, len(words)))
        start = rng.randrange(len(words) - size + 1)
        window = words[start : start + size]
        if any(len(w) >= 3 for w in window):
            cases.setdefault(" ".join(window), Case(doc_id, " ".join(window), window))
    return list(cases.values())


def real_word(index, syllable: str, accented: bool) -> bool:
    """Whether the index holds ``syllable`` (accents as typed for accented queries)."""
    reader = index.searcher().reader()
    fields = ("title", "body") if accented else ("title_fold", "body_fold")
    term = syllable.lower() if accented else fold(syllable)
    return any(reader.doc_frequency(f, term) for f in fields)


def all_common(index, query: str, accented: bool) -> bool:
    """Whether every syllable of ``query`` is one the index holds (accents as typed in accented
    queries) and is common: in more than ``COMMON_SHARE`` of the documents, as written in
    accented queries (a tone makes another syllable), else folded. Issue 16 says no suggestion
    for a query of known, common syllables, so a typo'd query like this is mostly "right" only
    by being typed right (see the module's account of ``common``)."""
    documents = max(index.searcher().reader().doc_count_all(), 1)
    return all(held > COMMON_SHARE * documents for held in _held_each(index, query, accented))


def _held_each(index, query: str, accented: bool) -> list[int]:
    """How many documents hold each syllable of ``query``, in a title or a body, whichever
    holds it more often: as written in a query typed with accents, else by its letters."""
    reader = index.searcher().reader()
    fields = ("title", "body") if accented else ("title_fold", "body_fold")
    words = normalize(query).lower().split()
    return [max(reader.doc_frequency(f, w if accented else fold(w)) for f in fields) for w in words]


def commonest_floor(index) -> int:
    """How many documents hold the ``COMMONEST``-th commonest syllable as written (in a title
    or a body, whichever holds it more often), among every syllable with its accents."""
    reader = index.searcher().reader()
    held = sorted(
        (
            max(reader.doc_frequency(f, syllable) for f in ("title", "body"))
            for syllable in accented_syllables()
        ),
        reverse=True,
    )
    return held[COMMONEST - 1] if len(held) >= COMMONEST else 0


def all_commonest(index, query: str, accented: bool, floor: int) -> bool:
    """Whether every syllable of ``query`` is held by at least ``floor`` documents
    (``commonest_floor``): as written in a query typed with accents (one typed without them
    there is the syllable with none), else by its letters."""
    return all(held and held >= floor for held in _held_each(index, query, accented))


def occurs_as_text(index, query: str, accented: bool) -> bool:
    """Whether some article holds the syllables of ``query`` next to each other, in order."""
    words = normalize(query).lower().split()
    if not accented:
        words = [fold(w) for w in words]
    fields = ("title", "body") if accented else ("title_fold", "body_fold")
    phrase = wq.Or(
        [wq.Phrase(f, words) if len(words) > 1 else wq.Term(f, words[0]) for f in fields]
    )
    return not index.searcher().search(phrase, limit=1).is_empty()


def ask(index, query: str, typos: bool) -> tuple[list[str], str | None]:
    options = {"typos": False} if not typos else {}
    page = search(index, query, **options)
    return [hit.id for hit in page.hits], page.suggestion


def measure(index, cases: list[Case], seed: int, typos: bool) -> dict[str, dict[str, Tally]]:
    """Tallies per kind (plus ``clean``) and form (accented, unaccented), over the cases whose
    clean query finds its article with ``typos=False`` (the search without tolerance)."""
    tallies: dict[str, dict[str, Tally]] = {}
    floor = commonest_floor(index)
    for case in cases:
        for form in ("accented", "unaccented"):
            syllables = case.syllables if form == "accented" else [fold(s) for s in case.syllables]
            clean = " ".join(syllables)
            if case.doc_id not in ask(index, clean, False)[0]:
                continue
            found, suggestion = ask(index, clean, typos)
            _count(tallies, "clean", form, clean, case.clean, found, suggestion, case.doc_id)
            for kind in KINDS + (ACCENTED_ONLY if form == "accented" else ()):
                rng = random.Random(f"{seed}:{case.clean}:{kind}:{form}")
                typed = _typed(case.syllables, syllables, kind, rng)
                if typed is None:
                    continue
                typed, at = typed
                found, suggestion = ask(index, typed, typos)
                accented = form == "accented"
                tags = (
                    real_word(index, typed.split()[at], accented),
                    occurs_as_text(index, typed, accented),
                    all_common(index, typed, accented),
                    all_commonest(index, typed, accented, floor),
                )
                _count(tallies, kind, form, typed, case.clean, found, suggestion, case.doc_id, tags)
    return tallies


def measure_unseen(index, cases: list[Case], typos: bool) -> dict[str, Tally]:
    """How often a query typed right, cut from a title the index does not hold, gets a
    suggestion (``right`` counts those without one)."""
    tallies: dict[str, dict[str, Tally]] = {}
    for case in cases:
        for form in ("accented", "unaccented"):
            clean = case.clean if form == "accented" else fold(case.clean)
            _, suggestion = ask(index, clean, typos)
            _count(tallies, "unseen", form, clean, clean, [], suggestion, None)
    return tallies["unseen"]


def _typed(accented: list[str], shown: list[str], kind: str, rng: random.Random):
    """The query ``shown`` with one syllable typed with a typo of ``kind``, and which syllable,
    or None."""
    places = [i for i, s in enumerate(accented) if len(s) >= 3]
    if kind in ("telex", "vni", "misplaced", "wrong_tone", "partial"):
        places = [i for i in places if has_diacritics(accented[i])] or [
            i for i, s in enumerate(accented) if has_diacritics(s)
        ]
    rng.shuffle(places)
    for i in places:
        source = accented[i] if kind in ("telex", "vni") else shown[i]
        wrong = typo(source, kind, rng)
        if wrong and wrong != shown[i]:
            return " ".join(shown[:i] + [wrong] + shown[i + 1 :]), i
    return None


def _count(tallies, kind, form, typed, clean, found, suggestion, doc_id, tags=None) -> None:
    if tags is not None and not tags[1] and not kind.endswith("*"):
        # The same, without the typos that make a text some article holds.
        _count(tallies, kind + "*", form, typed, clean, found, suggestion, doc_id, tags)
    tally = tallies.setdefault(kind, {}).setdefault(form, Tally())
    tally.queries += 1
    if tags is not None:
        tally.real += tags[0]
        tally.as_text += tags[1]
        tally.common += tags[2]
        tally.commonest += tags[3]
    tally.found += doc_id in found
    offered = suggestion or typed
    tally.right += fold(offered) == fold(clean)
    tally.exact += offered.lower() == clean.lower()
    tally.shown += suggestion is not None
    missed = doc_id is not None and doc_id not in found
    if len(tally.examples) < 5 and (missed or fold(offered) != fold(clean)):
        tally.examples.append({"typed": typed, "suggestion": suggestion, "found": doc_id in found})


def _row_order(kind: str) -> tuple[int, int]:
    """clean first, then each kind in the order of KINDS, its subset without right texts after."""
    order = ("clean", "unseen", *KINDS, *ACCENTED_ONLY)
    return order.index(kind.rstrip("*")), kind.endswith("*")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-typos", action="store_true", help="search with typos=False")
    parser.add_argument("--corpus", choices=("news", "viwiki"), default="news")
    parser.add_argument("--index", type=Path, help="an index of the same articles")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--examples", action="store_true", help="print misses of each kind")
    args = parser.parse_args()
    if args.corpus == "viwiki":
        articles, rest = wiki_articles()
        args.articles = WIKI_INDEXED
        unseen = make_cases(rest, args.queries, args.seed)
    else:
        articles = load.first_articles(args.articles)
        unseen = unseen_cases(max(args.articles, UNSEEN_FROM), args.queries, args.seed)
    index = open_index(args.index or load.ensure_index(articles, args.articles))
    typos = not args.no_typos
    if not typos and "typos" not in inspect.signature(search).parameters:
        sys.exit("this version of search() has no typos parameter")
    started = time.perf_counter()
    tallies = measure(index, make_cases(articles, args.queries, args.seed), args.seed, typos)
    tallies["unseen"] = measure_unseen(index, unseen, typos)
    print(
        f"{args.queries} title windows, {args.articles} {args.corpus} articles, seed {args.seed}, "
        f"typos={typos}, {time.perf_counter() - started:.0f} s; * = without typos that make a "
        "text some article holds word for word"
    )
    print(
        f"{'kind':<12} {'form':<11} {'n':>4} {'real':>5} {'as text':>7} {'common':>6} "
        f"{'commonest':>9} {'found@10':>9} {'right':>6} {'exact':>6} {'shown':>6}"
    )
    figures = {}
    for kind in sorted(tallies, key=_row_order):
        for form, tally in tallies[kind].items():
            row = tally.row()
            figures.setdefault(kind, {})[form] = row
            print(
                f"{kind:<12} {form:<11} {row['queries']:>4} {row['real']:>5.3f} "
                f"{row['as_text']:>7.3f} {row['all_common']:>6.3f} {row['all_commonest']:>9.3f} "
                f"{row['found@10']:>9.3f} "
                f"{row['suggestion_right']:>6.3f} "
                f"{row['exact']:>6.3f} {row['suggested']:>6.3f}"
            )
            if args.examples:
                for example in tally.examples:
                    print("      ", example)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
