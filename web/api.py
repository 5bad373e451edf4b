"""The JSON API: search, stored documents, completions, health and the OpenAPI description."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, Response, jsonify, request

from indexer import SearchIndex, complete
from web.errors import ApiError
from web.index import current_index
from web.openapi import openapi_document
from web.params import parse_search_args, run_search

MAX_SUGGEST_CHARS = 200
# How many trailing words of the query autocompletion tries to complete as one name.
COMPLETED_WORDS = 3

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search():
    """One page of ranked, highlighted hits with facets and a "did you mean" suggestion."""
    return jsonify(run_search(parse_search_args(request.args)).to_dict())


@bp.get("/api/documents/<path:doc_id>")
def document(doc_id: str):
    """The stored document with this id (ids may contain slashes)."""
    with current_index().use() as index:
        stored = index.document(doc_id)
    if stored is None:
        raise ApiError(404, "document_not_found", f"There is no document with id {doc_id!r}.")
    return jsonify(stored)


@bp.get("/api/suggest")
def suggest():
    """Up to 8 completions of ``q``; ``format=opensearch`` answers ``[q, [completions]]``."""
    query = request.args.get("q", "")
    output = request.args.get("format") or "json"
    if output not in ("json", "opensearch"):
        raise ApiError(400, "invalid_parameter", "format must be json or opensearch.")
    with current_index().use() as index:
        completions = complete_query(index, query)
    if output == "opensearch":
        body = json.dumps([query, completions], ensure_ascii=False)
        return Response(body, mimetype="application/x-suggestions+json")
    return jsonify(query=query, completions=completions)


@bp.get("/healthz")
def healthz():
    """The number of documents, when the index last changed, and whether it can be written.

    A read-only index folder still serves searches: the status is then ``read_only``.
    """
    with current_index().use() as index:
        documents, committed = index.doc_count(), index.last_commit_time()
        writable = index.writable()
    last_commit = dt.datetime.fromtimestamp(committed, dt.timezone.utc).isoformat()
    return jsonify(
        status="ok" if writable else "read_only",
        documents=documents,
        last_commit=last_commit,
        writable=writable,
    )


@bp.get("/api/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


def complete_query(index: SearchIndex, query: str) -> list[str]:
    """Whole-query completions: the longest completable tail of ``query``, after its head.

    ``bầu cử ha n`` offers ``bầu cử Hà Nội``, so a browser can put a suggestion in place of
    what was typed.
    """
    if len(query) > MAX_SUGGEST_CHARS:
        return []
    words = query.split()
    for start in range(max(0, len(words) - COMPLETED_WORDS), len(words)):
        completions = complete(index, " ".join(words[start:]))
        if completions:
            head = " ".join(words[:start])
            return [f"{head} {c}" if head else c for c in completions]
    return []
