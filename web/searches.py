"""The one search call both the page and the API make, on this worker's index (and the calls of
the related documents and the document page).

Parameters are read and checked by the library (``indexer.SearchRequest``), exactly as the
command line's are; a value out of bounds is a 400 ``invalid_parameter``, a query the engine
refuses a 400 ``invalid_query``. The ``TYPOS`` setting (``VIETSEARCH_TYPOS=0``) turns typo
tolerance off for every request; ``typos=0`` turns it off for one. ``semantic_ratio`` (0 to 1)
weighs meaning against words on an index with vectors (the embedder: ``EMBEDDER``, see
``web.worker_index``); the ``SEMANTIC_RATIO`` setting replaces the library's default.
"""

from __future__ import annotations

from flask import Flask, current_app
from werkzeug.datastructures import MultiDict

from indexer import (
    DocumentNotFound,
    EmbedderUnavailable,
    InvalidParameter,
    MarkedDocument,
    QueryError,
    SearchPage,
    SearchRequest,
    marked_document,
    search,
    similar_documents,
)
from web.errors import ApiError
from web.observability import note_search
from web.worker_index import current_index


def parse_search_args(args: MultiDict) -> SearchRequest:
    """The search a URL's arguments ask for; ``ApiError`` 400 if a value is out of bounds."""
    try:
        return SearchRequest.from_params(args.get, args.getlist)
    except InvalidParameter as exc:
        raise ApiError(400, "invalid_parameter", str(exc)) from None


def run_search(request: SearchRequest) -> SearchPage:
    """Run ``request`` on this worker's index with the app's synonyms."""
    page = _run_search(request)
    note_search(request, page)  # for the metrics, the request log and the analytics
    return page


def _run_search(request: SearchRequest) -> SearchPage:
    with current_index().use() as index:
        try:
            return search(
                index,
                request.query,
                request.page,
                request.per_page,
                request.sort,
                request.filters,
                synonyms=current_app.extensions.get("vietsearch_synonyms"),
                typos=request.typos and current_app.extensions.get("vietsearch_typos", True),
                semantic_ratio=_ratio(request, index),
            )
        except EmbedderUnavailable as exc:  # its model folder went away since the start
            raise ApiError(503, "embedder_unavailable", str(exc)) from None
        except InvalidParameter as exc:
            raise ApiError(400, "invalid_parameter", str(exc)) from None
        except QueryError as exc:
            raise ApiError(400, "invalid_query", str(exc)) from None


def _ratio(request: SearchRequest, index) -> float | None:
    """The request's ratio, else the server's ``SEMANTIC_RATIO`` on an index with vectors,
    else None (the library's default)."""
    configured = current_app.extensions.get("vietsearch_semantic_ratio")
    if request.semantic_ratio is not None or configured is None or not index.has_vectors():
        return request.semantic_ratio
    return configured


def register_semantic_ratio_setting(app: Flask) -> None:
    """Read ``SEMANTIC_RATIO`` (0 to 1: the default weight of meaning for an index with
    vectors, in place of the library's); ``ValueError`` for anything else, at start-up."""
    text = str(app.config.get("SEMANTIC_RATIO") or "").strip()
    try:
        request = SearchRequest.from_params({"semantic_ratio": text}.get, lambda name: [])
    except InvalidParameter as exc:
        raise ValueError(f"SEMANTIC_RATIO: {exc}") from None
    app.extensions["vietsearch_semantic_ratio"] = request.semantic_ratio


def run_similar(doc_id: str, request: SearchRequest) -> SearchPage:
    """The documents like ``doc_id``, with the paging and filters of ``request``; ``ApiError``
    404 when there is no such document."""
    with current_index().use() as index:
        try:
            return similar_documents(index, doc_id, request.page, request.per_page, request.filters)
        except DocumentNotFound as exc:
            raise not_found(exc) from None
        except InvalidParameter as exc:
            raise ApiError(400, "invalid_parameter", str(exc)) from None


def read_marked(doc_id: str, query: str) -> MarkedDocument:
    """Document ``doc_id`` with the words of ``query`` marked as its hit would mark them (none
    when the query is one a search would refuse); ``ApiError`` 404 when there is none."""
    synonyms = current_app.extensions.get("vietsearch_synonyms")
    typos = current_app.extensions.get("vietsearch_typos", True)
    with current_index().use() as index:
        try:
            try:
                return marked_document(index, doc_id, query, synonyms, typos)
            except QueryError:  # the marks are a help: the document is shown without them
                return marked_document(index, doc_id, "", synonyms, typos)
        except DocumentNotFound as exc:
            raise not_found(exc) from None


def not_found(exc: DocumentNotFound) -> ApiError:
    """The 404 of every route that names a document by id."""
    return ApiError(404, "document_not_found", f"There is no document with id {exc.doc_id!r}.")


_ON, _OFF = ("1", "true", "on", "yes"), ("0", "false", "off", "no")


def register_typos_setting(app: Flask) -> None:
    """Read ``TYPOS`` (1/0, true/false, on/off; default on); ``ValueError`` for anything else,
    so a bad setting stops the server at start-up."""
    text = str(app.config.get("TYPOS", True)).strip().lower()
    if text not in _ON + _OFF:
        raise ValueError(f"TYPOS must be 1 or 0 (on or off); got {app.config.get('TYPOS')!r}")
    app.extensions["vietsearch_typos"] = text in _ON
