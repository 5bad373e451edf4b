"""A deliberately naive Whoosh search service, the HTTP reference of bench/run.py.

    VIETSEARCH_NAIVE_INDEX=DIR gunicorn --workers 2 'bench.naive_service:create_app()'

What ../shared/ANCHORS.md calls a naive service, over the same index as ``python -m web``:
gunicorn's sync workers, one Whoosh searcher per worker opened at start-up, Whoosh's own
``MultifieldParser`` over title and body (OR of the pyvi-segmented, lowercased query), Whoosh's
default BM25F, the top 10, and snippets from ``hit.highlights("body")``, which re-tokenises every
hit's stored body with the field's analyzer (pyvi) on every request. No vietsearch query, ranking
or snippet code runs here; the analyzers come from ``indexer.analysis`` only because the index's
pickled schema names them.

The index holds syllables, so a pyvi word such as ``hà_nội`` is asked as the phrase ``"hà nội"``:
as one term it would match nothing, and a service that finds nothing has no snippets to make.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from pyvi import ViTokenizer
from whoosh import index as whoosh_index
from whoosh.qparser import MultifieldParser, OrGroup


def create_app(index_dir: str | None = None) -> Flask:
    """The app over ``index_dir`` (default ``$VIETSEARCH_NAIVE_INDEX``), its searcher open."""
    ix = whoosh_index.open_dir(index_dir or os.environ["VIETSEARCH_NAIVE_INDEX"])
    searcher = ix.searcher()
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)
    app = Flask(__name__)

    @app.get("/api/search")
    def search():
        """The top 10 hits for ``q``, each with a highlighted snippet of its body."""
        query = request.args.get("q", "")
        results = searcher.search(parser.parse(segmented(query)), limit=10)
        hits = [
            {"id": hit["id"], "title": hit["title"], "snippet": hit.highlights("body")}
            for hit in results
        ]
        return jsonify(query=query, hits=hits)

    @app.get("/healthz")
    def healthz():
        """The document count, once the worker is up."""
        return jsonify(documents=searcher.doc_count())

    return app


def segmented(query: str) -> str:
    """The query as pyvi's lowercased words, each word of several syllables a quoted phrase."""
    words = ViTokenizer.tokenize(query).lower().split()
    return " ".join(f'"{word.replace("_", " ")}"' if "_" in word else word for word in words)
