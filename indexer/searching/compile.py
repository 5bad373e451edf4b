"""Turning a parsed query into a ranked Whoosh query.

Each query syllable becomes a group of field terms: the accented syllable in ``title`` and
``body``, and its folded form in ``title_fold`` and ``body_fold``. A syllable typed with
diacritics weighs its exact form fully and the folded form at ``FOLDED_WEIGHT``, so exact
accented matches rank first; a syllable typed without diacritics goes to the folded fields.
Neighbouring syllables add folded bigram terms: the proximity boost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

from whoosh import query as wq
from whoosh import scoring
from whoosh.matching import AndNotMatcher

from indexer.language.normalize import fold, has_diacritics
from indexer.language.segmentation import Segmentation, segment
from indexer.language.synonyms import Expansion, Synonyms
from indexer.searching.corrections import Correction, corrector
from indexer.searching.parse import All, Any, DateRange, Not, ParsedQuery, Phrase, Text
from indexer.searching.typo_terms import corrected_group, corrected_pairs, split_pairs

# Ranking parameters, tuned on ../shared/data/dev with bench/relevance.py (see its README).
TITLE_WEIGHT = 2.5
FOLDED_WEIGHT = 0.25
# A typed pair counts for less when both syllables carry diacritics: their exact syllable
# matches already rank the document.
BIGRAM_WEIGHT = 0.4
FOLDED_BIGRAM_WEIGHT = 0.5
# Another form of a dictionary variant (UBND, Ủy ban nhân dân) weighs this much of the form
# typed, shared among its syllables (indexer.language.synonyms).
SYNONYM_WEIGHT = 0.5
# A syllable the index holds, read otherwise only in context (no reading sure: ``vua mục``,
# typed right, reads và, whose idf is nearly nothing), keeps at least this share of its own idf:
# else its matches weigh nothing and a query typed right loses its article to documents that
# hold the other syllables alone (10,000 news articles: from 1st to 23rd). bench/typos.py, seeds
# 7 / 11 / 3, found: titles typed right (seed 7) 0.996 -> 1.000 accented and unaccented, wrong
# tones 0.948 / 0.950 / 0.974 -> 0.956 / 0.954 / 0.978, partial accents (seed 7) 0.993 ->
# 0.996, dropped letters accented (seed 11) 0.909 -> 0.912; no row lower; seeds 5 / 13 (not
# tuned on): dropped letters accented 0.907 -> 0.904 (seed 5), dropped letters unaccented
# 0.789 -> 0.793, neighbouring keys unaccented 0.939 -> 0.946, wrong tones 0.953 -> 0.956
# (seed 13). At 0.15 a title typed right is still lost (seed 7); at 0.2, 0.3 and 0.5 more is
# found, but a slip held as typed gains too: one to five dropped letters or neighbouring keys
# lost.
HELD_IDF_FLOOR = 0.175
BM25_K1 = 0.9
BM25_B = 0.75
IDF_EXPONENT = 0.5
# Up to this many syllables, every one must match (keyword search); longer queries are
# questions, ranked by how much of them matches.
STRICT_MAX_TERMS = 6
MAX_TERMS = 64

# Question words carry no topic; dropped from long free-text queries (never from phrases).
QUESTION_WORDS = frozenset(
    [
        "gì",
        "nào",
        "đâu",
        "bao_nhiêu",
        "thế_nào",
        "như_thế_nào",
        "tại_sao",
        "vì_sao",
        "là_gì",
        "mấy",
        "hả",
        "ư",
        "chăng",
        "ai",
    ]
)


class RobertsonBM25F(scoring.BM25F):
    """Whoosh's BM25F with the usual BM25 idf, ``log(1 + (N - n + 0.5) / (n + 0.5))``.

    Whoosh's own ``1 + log(N / (n + 1))`` keeps very common syllables (là, của, và) at about
    half the weight of rare ones, which lets them swamp long questions.
    """

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        return math.log(1 + (parent.doc_count_all() - n + 0.5) / (n + 0.5))


def weighting() -> scoring.WeightingModel:
    """The BM25F model every searcher uses."""
    return RobertsonBM25F(B=BM25_B, K1=BM25_K1)


@dataclass
class CompiledQuery:
    """A Whoosh query plus what highlighting and suggestions need to know about it."""

    query: wq.Query
    syllables: list[str] = field(default_factory=list)
    free_text: list[str] = field(default_factory=list)
    strict: bool = True
    # The free-text syllables the corrections read, in order: a short query's question words
    # too (``_add_text``), so that the "did you mean" may correct them.
    read_text: list[str] = field(default_factory=list)
    # Each mistyped free-text syllable's corrections (indexer.searching.corrections).
    corrections: dict[str, tuple[Correction, ...]] = field(default_factory=dict)


@dataclass
class _Parts:
    required: list = field(default_factory=list)
    optional: list = field(default_factory=list)
    excluded: list = field(default_factory=list)
    syllables: list[str] = field(default_factory=list)


class QueryCompiler:
    """Compiles a ``ParsedQuery`` against one searcher (which supplies the idf statistics)."""

    def __init__(
        self,
        searcher,
        strict: bool | None = None,
        synonyms: Synonyms | None = None,
        typos: bool = True,
    ):
        self.searcher = searcher
        self.strict = strict
        self.synonyms = synonyms if synonyms is not None else Synonyms()
        self.typos = typos  # whether corrections of mistyped syllables also match
        self.corrections: dict[str, tuple[Correction, ...]] = {}
        self._idf: dict[str, float] = {}
        self._segments: dict[str, Segmentation] = {}
        self._short = True  # whether the free text is a short query, question words included
        self._read: list[str] = []

    def compile(self, parsed: ParsedQuery) -> CompiledQuery:
        """Build the Whoosh query for ``parsed``."""
        segs = [self._segment(p.text) for p in parsed.parts if isinstance(p, Text)]
        free = [s for seg in segs for s in self._content_syllables(seg)]
        self._short = len({s for seg in segs for s in seg.syllables}) <= STRICT_MAX_TERMS
        if self.strict is None:
            asks = any("?" in p.text for p in parsed.parts if isinstance(p, Text))
            asks = asks or any(_question_words(seg) for seg in segs)
            self.strict = len(set(free)) <= STRICT_MAX_TERMS and not asks
        parts = self._compile_parts(parsed.parts, top=True)
        compiled = CompiledQuery(_combine(parts), parts.syllables, free, self.strict, self._read)
        compiled.corrections = self.corrections
        return compiled

    def _compile_parts(self, nodes, top: bool = False) -> _Parts:
        parts = _Parts()
        for node in nodes:
            if isinstance(node, Not):
                inner = self._compile_parts([node.part])
                if inner.required or inner.optional:
                    parts.excluded.append(_combine(inner))
            elif isinstance(node, Text):
                self._add_text(node, parts)
            elif isinstance(node, Phrase):
                self._add_phrase(node, parts)
            elif isinstance(node, Any):
                options = [self._compile_parts([o]) for o in node.options]
                options = [o for o in options if o.required or o.optional]
                if options:
                    parts.required.append(wq.Or([_combine(o) for o in options]))
                    parts.syllables += [s for o in options for s in o.syllables]
            elif isinstance(node, All):
                inner = self._compile_parts(node.parts)
                if inner.required or inner.optional:
                    parts.required.append(_combine(inner))
                    parts.syllables += inner.syllables
        return parts

    def _segment(self, text: str) -> Segmentation:
        if text not in self._segments:
            self._segments[text] = segment(text)
        return self._segments[text]

    def _add_text(self, node: Text, parts: _Parts) -> None:
        seg = self._segment(node.text)
        syllables = self._content_syllables(seg)
        # Corrections are found with typos off too: the "did you mean" still needs them. A
        # short query is read in context whole, its question words too: cut from a title, ``ít
        # ai bit`` is no question (biết), and ``ở hả dương`` holds no question word (hải).
        read = seg.syllables if self._short else syllables
        self._read += read
        found = corrector(self.searcher).correct_text(read, context=self._short)
        self.corrections.update(found)
        content = set(syllables)
        fixes = {s: c for s, c in found.items() if s in content} if self.typos else {}
        weights = self._weights(syllables, fixes)
        groups = {s: self._group(s, weights[s], node.title_only) for s in dict.fromkeys(syllables)}
        group = partial(self._group, title_only=node.title_only)
        for s, corrections in fixes.items():
            groups[s] = corrected_group(groups[s], corrections, weights[s], group)
            parts.syllables += [c.text for c in corrections]
        groups = self._expand(syllables, groups, weights, node.title_only, parts)
        if self.strict:
            parts.required.extend(groups)
        elif groups:
            parts.optional.append(wq.Or(groups))
        if not node.title_only:
            parts.optional.extend(self._neighbour_terms(seg, fixes))
        parts.syllables += syllables

    def _expand(self, syllables, groups, weights, title_only, parts: _Parts) -> list[wq.Query]:
        """The syllables' groups, where a dictionary variant (``UBND``) may also match as one of
        its other forms (``Ủy ban nhân dân``), at ``SYNONYM_WEIGHT``.

        Strict queries require the variant as typed or another form; the others add the other
        forms as one more option. The forms join ``parts.syllables`` whole, for highlighting.
        """
        clauses, covered = [], set()
        for found in self.synonyms.find(syllables):
            typed = syllables[found.start : found.end]
            others = self._other_forms(found, max(weights[s] for s in typed), title_only)
            if self.strict:
                literal = [groups[s] for s in dict.fromkeys(typed)]
                clauses.append(wq.Or([wq.And(literal) if len(literal) > 1 else literal[0], others]))
                covered.update(range(found.start, found.end))
            else:
                clauses.append(others)
            parts.syllables += [" ".join(variant) for variant in found.variants]
        kept = {s for i, s in enumerate(syllables) if i not in covered}
        return [group for s, group in groups.items() if s in kept] + clauses

    def _other_forms(self, found: Expansion, weight: float, title_only: bool) -> wq.Query:
        """Any of ``found.variants`` as a phrase, each weighed per syllable so that a long
        expansion does not outweigh the short form typed."""
        options = []
        for variant in found.variants:
            phrase = _Parts()
            self._add_phrase(Phrase(" ".join(variant), title_only), phrase)
            options.append(_scaled(_combine(phrase), SYNONYM_WEIGHT * weight / len(variant)))
        return wq.Or(options)

    def _add_phrase(self, node: Phrase, parts: _Parts) -> None:
        seg = segment(node.text)
        syllables = seg.syllables[:MAX_TERMS]
        if not syllables:
            return
        parts.syllables += syllables
        if len(syllables) == 1:
            parts.required.append(self._group(syllables[0], 1.0, node.title_only))
            return
        folded = [fold(s) for s in syllables]
        accented = all(has_diacritics(s) for s in syllables if s.isalpha())
        fields = ("title",) if node.title_only else ("title", "body")
        if accented:
            terms = [s.lower() for s in syllables]
            options = [wq.Phrase(f, terms) for f in fields]
            options += [wq.Phrase(f + "_fold", folded, boost=FOLDED_WEIGHT) for f in fields]
        else:
            options = [wq.Phrase(f + "_fold", folded) for f in fields]
        parts.required.append(wq.Or(options))

    def _content_syllables(self, seg: Segmentation) -> list[str]:
        """The syllables worth searching for: question words dropped, at most ``MAX_TERMS``."""
        asked = _question_words(seg)
        kept = [s for i, s in enumerate(seg.syllables) if i not in asked] or seg.syllables
        if len(set(kept)) > MAX_TERMS:
            informative = set(sorted(set(kept), key=self._syllable_idf, reverse=True)[:MAX_TERMS])
            kept = [s for s in kept if s in informative]
        return kept

    def _weights(self, syllables: list[str], fixes: dict) -> dict[str, float]:
        """Each syllable's weight: (idf / the query's highest idf) ** IDF_EXPONENT; a mistyped
        syllable counts with its best correction's idf, one the index holds with corrections
        none of them sure at least ``HELD_IDF_FLOOR`` of its own."""
        idfs = {s: self._syllable_idf(fixes[s][0].text if s in fixes else s) for s in syllables}
        for s, corrections in fixes.items():
            if not corrections[0].sure and self._held(s):
                idfs[s] = max(idfs[s], HELD_IDF_FLOOR * self._syllable_idf(s))
        top = max(idfs.values(), default=1.0) or 1.0
        return {s: (idf / top) ** IDF_EXPONENT if idf > 0 else 0.0 for s, idf in idfs.items()}

    def _syllable_idf(self, syllable: str) -> float:
        folded = fold(syllable)
        if folded not in self._idf:
            n = self.searcher.doc_count() or 1
            df = self._df(folded)
            self._idf[folded] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return self._idf[folded]

    def _held(self, syllable: str) -> bool:
        """Whether the documents hold ``syllable``'s letters (as ``_syllable_idf`` counts)."""
        return self._df(fold(syllable)) > 0

    def _df(self, folded: str) -> int:
        return self.searcher.doc_frequency("body_fold", folded)

    def _group(self, syllable: str, weight: float, title_only: bool) -> wq.Query:
        """Where one syllable may match, weighted so exact accents count most."""
        lower, folded = syllable.lower(), fold(syllable)
        weight = max(weight, 0.05)
        terms = [wq.Term("title_fold", folded, boost=TITLE_WEIGHT * weight)]
        if not title_only:
            terms.append(wq.Term("body_fold", folded, boost=weight))
        if has_diacritics(syllable):
            for term in terms:
                term.boost *= FOLDED_WEIGHT
            terms.append(wq.Term("title", lower, boost=TITLE_WEIGHT * weight))
            if not title_only:
                terms.append(wq.Term("body", lower, boost=weight))
        return wq.Or(terms)

    def _neighbour_terms(self, seg: Segmentation, fixes: dict) -> list[wq.Query]:
        """Folded bigrams of neighbouring syllables: the proximity boost (also those the
        corrections of mistyped syllables make, at their weight)."""
        terms = []
        syl = seg.syllables[: MAX_TERMS * 2]
        for i in range(1, len(syl)):
            if seg.stops[i]:
                continue
            a, b = syl[i - 1], syl[i]
            accented = has_diacritics(a) and has_diacritics(b)
            weight = BIGRAM_WEIGHT if accented else FOLDED_BIGRAM_WEIGHT
            terms.append(wq.Term("fold_bigrams", fold(a) + " " + fold(b), boost=weight))
            for pair, share in corrected_pairs(a, b, fixes):
                terms.append(wq.Term("fold_bigrams", pair, boost=weight * share))
        for pair, share in split_pairs(fixes):
            terms.append(wq.Term("fold_bigrams", pair, boost=FOLDED_BIGRAM_WEIGHT * share))
        return terms


def _question_words(seg: Segmentation) -> set[int]:
    """Positions of the syllables that make up question words (``bao_nhiêu``, ``gì``)."""
    return {
        i
        for a, b in seg.words()
        if "_".join(seg.syllables[a:b]).lower() in QUESTION_WORDS
        for i in range(a, b)
    }


def _scaled(query: wq.Query, factor: float) -> wq.Query:
    """``query`` with the boost of every term in it multiplied by ``factor`` (Whoosh ignores the
    boost of an ``Or`` or ``And`` holding one subquery, so it cannot go on the top)."""
    if query.is_leaf():
        return query.with_boost(query.boost * factor)
    return query.apply(lambda sub: _scaled(sub, factor))


def _combine(parts: _Parts) -> wq.Query:
    """Required AND optional-for-ranking AND NOT excluded, as one query."""
    if parts.required:
        matched = wq.And(parts.required) if len(parts.required) > 1 else parts.required[0]
        if parts.optional:
            matched = wq.AndMaybe(matched, wq.Or(parts.optional))
    elif parts.optional:
        matched = wq.Or(parts.optional)
    else:
        matched = wq.Every()
    if parts.excluded:
        matched = _AndNot(matched, wq.Or(parts.excluded))
    return matched


class _AndNotMatcher(AndNotMatcher):
    """Whoosh 2.7.4's matcher checks its first document against the excluded ones only when both
    start on the same document, so ``họp -hà`` kept a first hit that holds ``hà``."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class _AndNot(wq.AndNot):
    """``a`` without the documents ``b`` matches, through the fixed matcher."""

    def matcher(self, searcher, context=None):
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(self.a.matcher(searcher, context), excluded)


def filter_query(parsed: ParsedQuery, sources=(), categories=(), published=()) -> wq.Query | None:
    """The restriction from filters in the query text plus those passed as parameters."""
    clauses = []
    for name, values in (
        ("source", [*parsed.sources, *sources]),
        ("category", [*parsed.categories, *categories]),
    ):
        if values:
            clauses.append(wq.Or([wq.Term(name, v) for v in values]))
    for date_range in [*parsed.published, *published]:
        clauses.append(_date_query(date_range))
    if not clauses:
        return None
    return wq.And(clauses) if len(clauses) > 1 else clauses[0]


def mask_query(parsed: ParsedQuery) -> wq.Query | None:
    """Documents excluded by ``-source:``, ``-category:`` or ``-published:``."""
    clauses = [
        _date_query(value) if name == "published" else wq.Term(name, value)
        for name, value in parsed.excluded_filters
    ]
    return wq.Or(clauses) if clauses else None


def _date_query(date_range: DateRange) -> wq.Query:
    return wq.DateRange("published", date_range.start, date_range.end, endexcl=True)
