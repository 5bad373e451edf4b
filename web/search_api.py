"""The JSON search API: ``/api/search`` and the completions of ``/api/suggest``."""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request

from indexer import complete_query
from web.consistency import catch_up
from web.errors import ApiError
from web.searches import parse_search_args, run_search
from web.worker_index import current_index

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search():
    """One page of ranked, highlighted hits with facets and a "did you mean" suggestion."""
    catch_up()  # after_seq
    return jsonify(run_search(parse_search_args(request.args)).to_dict())


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
