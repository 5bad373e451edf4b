"""One stored document in full, with the words of a query marked: what a document page shows.

The marks are a search hit's (``indexer.highlight``): the query is compiled as ``search``
compiles it (normalised, folded, with synonyms and typo corrections), the marked syllables are
read from the postings' positions, and the text shown is the one stored, so ``ha noi`` marks
``Hà Nội`` in the title and in every paragraph of the body.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from indexer.highlight.marks import hit_marks
from indexer.highlight.match_terms import MatchTerms
from indexer.highlight.snippets import highlight_all, highlight_paragraphs
from indexer.language.synonyms import Synonyms, builtin_synonyms
from indexer.searching.compile import QueryCompiler
from indexer.searching.parse import parse_query
from indexer.searching.searchers import SearchIndex, live_docnum
from indexer.store.schema import public_fields


@dataclass
class MarkedDocument:
    """A stored document's public fields, plus its title and body paragraphs as escaped HTML
    with ``<mark>`` around the query's words (none without a query)."""

    id: str
    title: str
    body: str
    url: str
    published: str | None
    source: str
    category: str
    tags: list[str] = field(default_factory=list)
    title_html: str = ""
    paragraphs_html: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON form: the field names are the JSON keys."""
        return asdict(self)


def marked_document(
    index: SearchIndex,
    doc_id: str,
    query: str = "",
    synonyms: Synonyms | None = None,
    typos: bool = True,
) -> MarkedDocument:
    """The live document ``doc_id`` with ``query``'s words marked as a search for it marks them.

    Raises ``DocumentNotFound`` when there is no such document, ``QueryError`` for a query
    ``search`` would refuse.
    """
    searcher = index.searcher(fresh=True)
    docnum = live_docnum(searcher, doc_id)
    terms = _query_terms(searcher, query, synonyms, typos)
    title_marks = body_marks = None
    if terms.folded or terms.phrases:
        title_marks = _only(hit_marks(searcher, [docnum], terms, "title", "title_fold"))
        body_marks = _only(hit_marks(searcher, [docnum], terms, "body", "body_fold"))
    stored = searcher.stored_fields(docnum)
    document = MarkedDocument(**public_fields(stored))
    document.title_html = highlight_all(
        document.title, stored.get("title_spans", ""), terms, title_marks
    )
    document.paragraphs_html = highlight_paragraphs(
        document.body, stored.get("body_spans", ""), terms, body_marks
    )
    return document


def _query_terms(searcher, query: str, synonyms: Synonyms | None, typos: bool) -> MatchTerms:
    """The syllables ``query`` marks, as ``search`` finds them (its compiled syllables)."""
    if not query.strip():
        return MatchTerms.from_syllables(())
    synonyms = builtin_synonyms() if synonyms is None else synonyms
    compiled = QueryCompiler(searcher, None, synonyms, typos).compile(parse_query(query))
    return MatchTerms.from_syllables(compiled.syllables)


def _only(marks):
    return marks[0] if marks else None
