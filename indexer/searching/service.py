"""The one search function behind the CLI, the web page and the JSON API."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
from whoosh import sorting

from indexer.highlight.marks import Marks, hit_marks
from indexer.highlight.match_terms import MatchTerms
from indexer.highlight.snippets import highlight_all, snippet
from indexer.language.synonyms import Synonyms, builtin_synonyms
from indexer.searching import rank as vectorised
from indexer.searching.compile import CompiledQuery, QueryCompiler, filter_query, mask_query
from indexer.searching.did_you_mean import did_you_mean
from indexer.searching.hybrid import fused_ranking, meaning_passages, resolved_ratio
from indexer.searching.params import Filters, SearchRequest
from indexer.searching.parse import DateRange, ParsedQuery, parse_query
from indexer.searching.searchers import SearchIndex, open_index
from indexer.store.schema import as_text, public_fields

FACETS = ("source", "category", "year")
_NO_TERMS = MatchTerms.from_syllables([])
_TAGS = re.compile(r"<[^>]*>")


@dataclass
class Hit:
    """One ranked result; ``title_html`` and ``snippet_html`` are escaped HTML with ``<mark>``."""

    id: str
    title: str
    url: str
    published: str | None
    source: str
    category: str
    score: float
    title_html: str
    snippet_html: str


@dataclass
class SearchPage:
    """One page of results, with the facet counts and suggestion for the whole result set."""

    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit] = field(default_factory=list)
    suggestion: str | None = None
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON form: the field names are the JSON keys."""
        return asdict(self)


def search(
    index: SearchIndex | str | os.PathLike,
    query: str,
    page: int = 1,
    per_page: int = 10,
    sort: str = "relevance",
    filters: Filters | None = None,
    synonyms: Synonyms | None = None,
    typos: bool = True,
    semantic_ratio: float | None = None,
) -> SearchPage:
    """Search ``index`` for ``query`` and return one page of ranked, highlighted hits.

    ``synonyms`` expands abbreviations (``UBND`` also finds ``Ủy ban nhân dân``): by default the
    dictionary vietsearch ships, ``Synonyms()`` for none, or ``load_synonyms(path)`` for more.
    ``typos=False`` matches only what was typed (a "did you mean" is still offered).
    ``semantic_ratio`` weighs meaning against words (``indexer.searching.hybrid``): 0 ranks by
    words alone, 1 by the cosine of the query's vector and the documents' alone; None takes the
    default (``DEFAULT_SEMANTIC_RATIO`` for an index with vectors, else 0).
    Raises ``QueryError`` for a query or parameters it will not run: its
    subclass ``InvalidParameter`` for paging, sorting and filters (``SearchRequest.check``).
    """
    started = time.perf_counter()
    SearchRequest(query, page, per_page, sort, filters or Filters(), typos, semantic_ratio).check()
    parsed = parse_query(query)
    if not isinstance(index, SearchIndex):
        opened = open_index(index)
        try:
            return search(
                opened, query, page, per_page, sort, filters, synonyms, typos, semantic_ratio
            )
        finally:
            opened.close()
    with index.held():  # one searcher, readable until the page is made
        searcher = index.searcher()
        filters = filters or Filters()
        synonyms = builtin_synonyms() if synonyms is None else synonyms
        limit = page * per_page
        ratio = resolved_ratio(index, semantic_ratio)
        hybrid = ratio > 0
        compiled, outcome = _run(
            searcher, parsed, filters, limit, sort, None, synonyms, typos, everything=hybrid
        )
        if compiled.strict and not outcome.total and len(compiled.free_text) > 1:
            compiled, outcome = _run(
                searcher, parsed, filters, limit, sort, False, synonyms, typos, everything=hybrid
            )
        if hybrid:
            allow, exclude = outcome.restrictions
            outcome = _Outcome(
                *fused_ranking(
                    index,
                    searcher,
                    query,
                    outcome.matches,
                    allow,
                    exclude,
                    ratio,
                    limit,
                    sort,
                    FACETS,
                )
            )
        total = outcome.total
        terms = MatchTerms.from_syllables(compiled.syllables)
        shown = outcome.ranked[(page - 1) * per_page : page * per_page]
        docnums = [docnum for docnum, _ in shown]
        title_marks = hit_marks(searcher, docnums, terms, "title", "title_fold")
        body_marks = hit_marks(searcher, docnums, terms, "body", "body_fold")
        by_meaning = [docnum for docnum in docnums if docnum in outcome.meaning_only]
        passages = meaning_passages(index, searcher, query, by_meaning)
        hits = [
            # A hit found by meaning alone matched no word: its snippet is its best passage,
            # unmarked.
            stored_hit(searcher, docnum, score, _NO_TERMS, None, None, passages.get(docnum))
            if docnum in outcome.meaning_only
            else stored_hit(
                searcher,
                docnum,
                score,
                terms,
                title_marks[k] if title_marks else None,
                body_marks[k] if body_marks else None,
            )
            for k, (docnum, score) in enumerate(shown)
        ]
        suggestion = did_you_mean(
            searcher, query, compiled.read_text, compiled.corrections, _texts(hits)
        )
        return SearchPage(
            query=query,
            total=total,
            page=page,
            per_page=per_page,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            suggestion=suggestion,
            facets=facet_table(outcome.facets),
        )


@dataclass
class _Outcome:
    """What one run of a query found: the total, the best ``limit`` hits, the facet counts."""

    total: int
    ranked: list[tuple[int, float]]  # (docnum, score), best first
    facets: dict[str, dict] = field(default_factory=dict)
    # With ``everything``: every match, and the filter and mask they were restricted by.
    matches: vectorised.Matches | None = None
    restrictions: tuple = (None, None)
    meaning_only: frozenset[int] = frozenset()  # found by vectors, matching no word


def _run(
    searcher,
    parsed: ParsedQuery,
    filters: Filters,
    limit: int,
    sort: str,
    strict: bool | None,
    synonyms: Synonyms,
    typos: bool = True,
    facets: bool = True,
    everything: bool = False,
):
    compiled: CompiledQuery = QueryCompiler(searcher, strict, synonyms, typos).compile(parsed)
    options = dict(
        limit=limit,
        filter=restriction(parsed, filters),
        mask=mask_query(parsed),
    )
    if facets:
        options["groupedby"] = {
            name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACETS
        }
    try:
        matches = vectorised.match(searcher, compiled.query)
    except vectorised.Unsupported:
        pass  # what only Whoosh's collector runs
    else:
        matches = vectorised.restrict(searcher, matches, options["filter"], options["mask"])
        counts = {name: matches.facet_counts(searcher, name) for name in FACETS if facets}
        if sort == "relevance":
            ranked = matches.top(limit)
        else:
            ranked = vectorised.sorted_top(searcher, matches, "published", sort == "newest", limit)
        restrictions = (options["filter"], options["mask"])
        return compiled, _Outcome(len(matches), ranked, counts, matches, restrictions)
    if everything:
        options["limit"] = None  # the fused ranking reads every match's score
    if sort != "relevance":
        options["sortedby"] = "published"
        options["reverse"] = sort == "newest"
    results = searcher.search(compiled.query, **options)
    counts = {name: results.groups(name) for name in FACETS if facets}
    ranked = [(hit.docnum, hit.score) for hit in results]
    matches = None
    if everything:
        scored = sorted((hit.docnum, hit.score or 0.0) for hit in results)
        matches = vectorised.Matches(
            np.array([d for d, _ in scored], dtype=np.int64),
            np.array([s for _, s in scored], dtype=np.float32),
        )
    restrictions = (options["filter"], options["mask"])
    return compiled, _Outcome(len(results), ranked, counts, matches, restrictions)


def restriction(parsed: ParsedQuery, filters: Filters):
    """The Whoosh query that filters allow (the query text's own filters and ``filters``), or
    None when nothing is filtered."""
    dates = ()
    if filters.published_from or filters.published_to:
        dates = (
            DateRange(_day(filters.published_from), _day(filters.published_to, next_day=True)),
        )
    return filter_query(parsed, filters.source, filters.category, dates)


def _day(day: dt.date | None, next_day: bool = False) -> dt.datetime | None:
    if day is None:
        return None
    start = dt.datetime(day.year, day.month, day.day)
    return start + dt.timedelta(days=1) if next_day else start


def stored_hit(
    searcher,
    docnum: int,
    score: float,
    terms: MatchTerms,
    title_marks: Marks | None,
    body_marks: Marks | None,
    passage: tuple[int, int] | None = None,
) -> Hit:
    """The hit for ``docnum``: its stored fields, the title marked and a snippet of the body
    (marked where ``terms`` match; without marks, from ``passage``'s start, else the body's)."""
    stored = searcher.stored_fields(docnum)
    document = public_fields(stored)
    return Hit(
        id=document["id"],
        title=document["title"],
        url=document["url"],
        published=document["published"] and document["published"][:10],
        source=document["source"],
        category=document["category"],
        score=round(float(score or 0.0), 4),
        title_html=highlight_all(
            document["title"], stored.get("title_spans", ""), terms, title_marks
        ),
        snippet_html=snippet(
            document["body"],
            stored.get("body_spans", ""),
            terms,
            marks=body_marks,
            start=passage[0] if passage else 0,
        ),
    )


def _texts(hits: list[Hit]) -> Iterator[str]:
    """The plain text of each hit's title, then of its snippet, best hit first."""
    for hit in hits:
        yield hit.title
        yield html.unescape(_TAGS.sub("", hit.snippet_html))


def facet_table(groups: dict[str, dict]) -> dict[str, dict[str, int]]:
    """Facet counts as a page shows them: text keys, empty values left out, most first."""
    facets = {}
    for name, found in groups.items():
        counts = {as_text(key): count for key, count in found.items() if key not in ("", b"", None)}
        facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return facets
