"""``GET /api/documents/<id>/similar``: the documents most like one, as a page of search hits."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from web.consistency import catch_up
from web.errors import ApiError
from web.searches import parse_search_args, run_similar
from web.worker_index import current_index

bp = Blueprint("similar", __name__)


@bp.get("/api/documents/<path:doc_id>/similar")
def similar(doc_id: str):
    """The documents most like ``doc_id`` (``per_page``, ``page``, ``source``, ``category``,
    ``from``, ``to`` as for /api/search), in the JSON shape of /api/search; 404 for an unknown id.
    """
    catch_up()  # after_seq
    args = parse_search_args(request.args)
    try:
        return jsonify(run_similar(doc_id, args).to_dict())
    except ApiError as exc:
        # Ids may hold slashes: without a document ``doc_id``, this URL may name a document
        # whose id ends in /similar, which GET /api/documents/<id> answers.
        whole = _stored(doc_id + "/similar") if exc.status == 404 else None
        if whole is None:
            raise
        return jsonify(whole)


def _stored(doc_id: str) -> dict | None:
    with current_index().use() as index:
        return index.document(doc_id)
