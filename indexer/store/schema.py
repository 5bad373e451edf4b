"""The one place that names the index's fields and says how each is analysed and stored.

Searchable text is indexed several ways, each a field of its own so ranking can weigh them:
``title``/``body`` hold accented syllables with positions (phrases), ``*_fold`` the same without
diacritics (for ``ha noi``), ``fold_bigrams`` neighbouring syllable pairs of title and body without
diacritics (they reward words kept together), ``completions`` pyvi's compound words keyed by their
folded form for autocompletion. The original text is stored with the syllable offsets, so
snippets never run pyvi again.

Every field costs indexing time and disk (about 20 bytes a distinct term and 3 a posting, plus
2 a position, in the array format of ``indexer.codec.postings``): an accented bigram field and a
pyvi-words field were dropped in version 4 because on ../shared/data/dev they added nothing the
folded bigrams did not already give (see bench/README.md), while doubling the writer's time and
the index size.
"""

from __future__ import annotations

from whoosh import fields

from indexer.language.analysis import analyzer

# Bump when analysis changes what a document indexes to, so incremental builds redo everything.
ANALYSIS_VERSION = "5"

# Which analysis kind feeds each searchable field, and from which source text.
TEXT_FIELDS = {
    "title": ("syllables", "title"),
    "title_fold": ("folded", "title"),
    "body": ("syllables", "body"),
    "body_fold": ("folded", "body"),
    "fold_bigrams": ("folded_bigrams", "both"),
    "completions": ("completions", "both"),
}


def build_schema() -> fields.Schema:
    """The Whoosh schema of a vietsearch index."""
    positional = dict(phrase=True)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        title=fields.TEXT(analyzer=analyzer("syllables"), stored=True, **positional),
        title_fold=fields.TEXT(analyzer=analyzer("folded"), **positional),
        body=fields.TEXT(analyzer=analyzer("syllables"), stored=True, **positional),
        body_fold=fields.TEXT(analyzer=analyzer("folded"), **positional),
        fold_bigrams=fields.TEXT(analyzer=analyzer("folded_bigrams"), phrase=False),
        completions=fields.TEXT(analyzer=analyzer("completions"), phrase=False),
        url=fields.STORED(),
        published=fields.DATETIME(stored=True, sortable=True),
        year=fields.ID(sortable=True),
        source=fields.ID(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True),
        # Syllable offsets of title and body (see indexer.codec.spans), for snippets.
        title_spans=fields.STORED(),
        body_spans=fields.STORED(),
        content_hash=fields.ID(sortable=True),
        origin=fields.ID(stored=True),
    )


def as_text(value: object) -> str:
    """A term or column value as text: Whoosh hands some back as UTF-8 bytes."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def public_fields(stored: dict) -> dict:
    """A stored document as the API shows it: its own fields, none of the index's extras.

    ``GET /api/documents/<id>`` answers this; a search hit carries the same fields but the
    body, with the publication day only.
    """
    published = stored.get("published")
    return {
        "id": stored["id"],
        "title": stored.get("title", ""),
        "body": stored.get("body", ""),
        "url": stored.get("url", ""),
        "published": published.isoformat() if published else None,
        "source": stored.get("source", ""),
        "category": stored.get("category", ""),
        "tags": [t for t in stored.get("tags", "").split(",") if t],
    }
