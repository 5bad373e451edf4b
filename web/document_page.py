"""The document page ``/doc/<id>``: a document in full, its metadata and its related documents.

Reached from a search (``/doc/<id>?q=...``), the query's words are marked in the title and the
body as the search marked them in the hit. Result titles link here when a document has no web
link of its own (``document_url``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request, url_for

from indexer import SearchRequest
from web.consistency import catch_up
from web.searches import read_marked, run_similar

RELATED_SHOWN = 5

bp = Blueprint("document", __name__)


def register_document_page(app: Flask) -> None:
    """Add ``/doc/<id>`` and the templates' ``document_url``."""
    app.add_template_global(document_url)
    app.register_blueprint(bp)


@bp.get("/doc/<path:doc_id>")
def page(doc_id: str):
    """Document ``doc_id`` in full with ``q``'s words marked, and its related documents; the
    404 page when there is no such document."""
    catch_up()  # after_seq
    query = request.args.get("q", "")
    document = read_marked(doc_id, query)
    related = run_similar(doc_id, SearchRequest(per_page=RELATED_SHOWN))
    return render_template("document.html", q=query, document=document, related=related)


def document_url(doc_id: str, query: str = "") -> str:
    """The page of document ``doc_id``, marking ``query``'s words when there is one."""
    return url_for("document.page", doc_id=doc_id, q=query or None)
