"""A deliberately naive Whoosh search service, the HTTP reference of bench/run.py.

    VIETSEARCH_NAIVE_INDEX=DIR gunicorn --workers 2 'bench.naive_service:create_app()'

What ../shared/ANCHORS.md calls a naive service, over the same index as ``python -m web``:
gunicorn's sync workers, one Whoosh searcher per worker opened at start-up, Whoosh's own
``MultifieldParser`` over title and body (OR of the pyvi-segmented, lowercased query), Whoosh's
default BM25F, the top 10, and snippets from ``hit.highlights("body")``, which re-tokenises every
hit's stored body with the field's analyzer (pyvi) on every request. No vietsearch query, ranking
or snippet code runs here; the analyzers come from ``indexer.language.analysis`` only because the
index's pickled schema names them.

The index holds syllables, so a pyvi word such as ``hà_nội`` is asked as the phrase ``"hà nội"``:
as one term it would match nothing, and a service that finds nothing has no snippets to make.

vietsearch writes its postings as arrays (``indexer.codec.postings``), which Whoosh's own collector
reads as Python lists, slower than its own format: the naive service gets a copy of the index
in Whoosh's own format (``whoosh_format_copy``), the documents and schema being the same.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from flask import Flask, jsonify, request
from pyvi import ViTokenizer
from whoosh import index as whoosh_index
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.writing import SegmentWriter


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


def whoosh_format_copy(index_dir: Path, copy_dir: Path) -> Path:
    """``copy_dir``: the documents of ``index_dir`` in Whoosh's own W3 format, written by
    Whoosh's own writer (made once; remade when the index is newer than the copy)."""
    done = copy_dir / "COPIED"
    newest = max(path.stat().st_mtime for path in index_dir.iterdir())
    if done.exists() and done.stat().st_mtime >= newest:
        return copy_dir
    shutil.rmtree(copy_dir, ignore_errors=True)
    copy_dir.mkdir(parents=True)
    source = whoosh_index.open_dir(index_dir)
    writer = SegmentWriter(whoosh_index.create_in(copy_dir, source.schema), limitmb=1024)
    with source.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            writer.add_reader(leaf)
    writer.commit(merge=False)
    done.touch()
    return copy_dir
