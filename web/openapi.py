"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Its schemas are JSON Schema 2020-12 and closed (``additionalProperties: false``), so the tests
that validate real responses against them notice any field added, renamed or dropped.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from indexer import (
    DEFAULT_PER_PAGE,
    MAX_COMPLETIONS,
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    MAX_RESULT_WINDOW,
    SORTS,
)
from web.openapi_cluster import with_cluster
from web.openapi_production import PRODUCTION_SCHEMAS, with_production

_REF = "#/components/schemas/"

bp = Blueprint("openapi", __name__)


@bp.get("/api/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


def _closed(properties: dict, description: str = "") -> dict:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {"description": description, **schema} if description else schema


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": _REF + schema_name}}},
    }


def _errors(*statuses: int) -> dict:
    reasons = {
        400: "Invalid parameters or a query the engine refuses (the message says which).",
        404: "Not found.",
        405: "Method not allowed (only GET is served).",
        413: "Request body over 1 MB.",
        414: "The request line is over 8,190 bytes (a query of 1,000 characters that are "
        "each 4 bytes in UTF-8, for one): the server refuses it before reading it, with an "
        "HTML page.",
        429: "Too many requests from this address; Retry-After says when to try again.",
        503: "No index in the configured folder yet.",
    }
    responses = {str(s): _json("Error", reasons[s]) for s in statuses}
    if 414 in statuses:
        responses["414"]["content"] = {"text/html": {"schema": _STRING}}
    if 429 in statuses:
        responses["429"]["headers"] = {
            "Retry-After": {
                "description": "Whole seconds to wait.",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return responses


_STRING = {"type": "string"}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}}

SCHEMAS = {
    "Hit": _closed(
        {
            "id": _STRING,
            "title": _STRING,
            "url": {"type": "string", "description": "Empty when the document has none."},
            "published": {
                "type": ["string", "null"],
                "format": "date",
                "description": "Publication day (UTC), YYYY-MM-DD.",
            },
            "source": _STRING,
            "category": _STRING,
            "score": {"type": "number"},
            "title_html": {
                "type": "string",
                "description": "The title, HTML-escaped, matched words in <mark>.",
            },
            "snippet_html": {
                "type": "string",
                "description": (
                    "A passage of the body, HTML-escaped, matched words in <mark>; for a hit "
                    "found by meaning alone, its passage nearest the query, unmarked."
                ),
            },
        }
    ),
    "SearchPage": _closed(
        {
            "query": _STRING,
            "total": {"type": "integer", "minimum": 0, "description": "All matching documents."},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "took_ms": {"type": "number", "minimum": 0},
            "hits": {"type": "array", "items": {"$ref": _REF + "Hit"}},
            "suggestion": {
                "type": ["string", "null"],
                "description": '"Did you mean": a corrected query that finds more, or null.',
            },
            "facets": _closed(
                {"source": _COUNTS, "category": _COUNTS, "year": _COUNTS},
                "Counts over all matching documents, largest first.",
            ),
        }
    ),
    "Document": _closed(
        {
            "id": _STRING,
            "title": _STRING,
            "body": _STRING,
            "url": _STRING,
            "published": {
                "type": ["string", "null"],
                "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}",
                "description": "Publication time in UTC, ISO 8601 without an offset.",
            },
            "source": _STRING,
            "category": _STRING,
            "tags": {"type": "array", "items": _STRING},
        }
    ),
    "Completions": _closed(
        {
            "query": _STRING,
            "completions": {"type": "array", "items": _STRING, "maxItems": MAX_COMPLETIONS},
        }
    ),
    "OpenSearchSuggestions": {
        "description": "The OpenSearch suggestions format: [query, [completions]].",
        "type": "array",
        "prefixItems": [
            _STRING,
            {"type": "array", "items": _STRING, "maxItems": MAX_COMPLETIONS},
        ],
        "minItems": 2,
        "items": False,
    },
    "Health": _closed(
        {
            "status": {
                "enum": ["ok", "read_only"],
                "description": "read_only: searches work, but the index folder cannot be written.",
            },
            "documents": {"type": "integer", "minimum": 0},
            "last_commit": {"type": "string", "format": "date-time"},
            "writable": {"type": "boolean", "description": "Whether the index can be written."},
            "segments": {"type": "integer", "minimum": 0, "description": "Segments searched."},
            "size_bytes": {"type": "integer", "minimum": 0, "description": "Size on disk."},
            "in_progress": {
                "oneOf": [{"type": "null"}, {"$ref": _REF + "Progress"}],
                "description": "A build or optimize running on the index, or null.",
            },
        }
    ),
    "Error": _closed(
        {
            "error": _closed(
                {
                    "code": {
                        "type": "string",
                        "description": "Stable, e.g. invalid_parameter, invalid_query, "
                        "not_found, document_not_found, method_not_allowed, "
                        "payload_too_large, index_unavailable.",
                    },
                    "message": {"type": "string", "description": "For people."},
                }
            ),
            "request_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "Also in the X-Request-Id header and the request log.",
            },
        }
    ),
}


def _query_param(name: str, description: str, schema: dict, **extra) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


SEARCH_PARAMETERS = [
    _query_param(
        "q",
        'The query: words (accents optional), "phrases", -excluded, OR, parentheses, '
        "title:, source:, category:, published:. Empty: every document. "
        f"At most {MAX_QUERY_CHARS:,} characters.",
        {"type": "string", "maxLength": MAX_QUERY_CHARS},
    ),
    _query_param(
        "page",
        f"Page number from 1. page × per_page may not exceed {MAX_RESULT_WINDOW:,} "
        "(400 otherwise: values are refused, never clamped).",
        {"type": "integer", "minimum": 1, "default": 1},
    ),
    _query_param(
        "per_page",
        f"Hits per page, 1 to {MAX_PER_PAGE} (400 otherwise: values are refused, never clamped).",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
    ),
    _query_param("sort", "Order of hits.", {"enum": list(SORTS), "default": "relevance"}),
    _query_param(
        "source",
        "Keep documents from these sources (repeat the parameter for several).",
        {"type": "array", "items": _STRING},
        style="form",
        explode=True,
    ),
    _query_param(
        "category",
        "Keep documents in these categories (repeat the parameter for several).",
        {"type": "array", "items": _STRING},
        style="form",
        explode=True,
    ),
    _query_param("from", "Published on or after this day.", {"type": "string", "format": "date"}),
    _query_param("to", "Published on or before this day.", {"type": "string", "format": "date"}),
    _query_param(
        "typos",
        "1: a mistyped word (one the index does not hold, or a likely misspelling) also matches "
        "its corrections, below exact matches; 0: only what was typed (400 otherwise). The "
        "suggestion is offered either way; a server started with VIETSEARCH_TYPOS=0 never "
        "corrects.",
        {"type": "integer", "enum": [0, 1], "default": 1},
    ),
    _query_param(
        "semantic_ratio",
        "How much meaning weighs against words, from 0 (words only: the ranking without "
        "vectors) to 1 (the cosine of the query's and the documents' vectors only); each "
        "side's scores are normalised and fused by weight. Default: the server's default for "
        "an index with vectors, else 0. Above 0 on an index without vectors: 400.",
        {"type": "number", "minimum": 0, "maximum": 1},
    ),
]


# The parameters /api/documents/{id}/similar reads as /api/search reads them.
SIMILAR_PARAMETER_NAMES = ("page", "per_page", "source", "category", "from", "to")


def openapi_document() -> dict:
    """The OpenAPI 3.1 document for every JSON route (and nothing else)."""
    return with_cluster(_base_document())


def _base_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "vietsearch",
            "version": "1.0.0",
            "description": "Vietnamese full-text search. GET requests under /api/ may be made "
            "from any origin (Access-Control-Allow-Origin: *). Every error is "
            '{"error": {"code", "message"}, "request_id"} with its HTTP status.',
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": with_production(_with_writes(_paths())),
        "components": {
            "schemas": SCHEMAS | WRITE_SCHEMAS | PRODUCTION_SCHEMAS,
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _paths() -> dict:
    return {
        "/api/search": {
            "get": {
                "operationId": "search",
                "summary": "Search: one page of ranked, highlighted hits with facets.",
                "parameters": SEARCH_PARAMETERS,
                "responses": {
                    "200": _json("SearchPage", "One page of results."),
                    **_errors(400, 405, 413, 414, 429, 503),
                },
            }
        },
        "/api/documents/{id}": {
            "get": {
                "operationId": "getDocument",
                "summary": "A stored document by id (ids may contain slashes).",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": _STRING}],
                "responses": {
                    "200": _json("Document", "The stored document."),
                    **_errors(404, 405, 413, 414, 429, 503),
                },
            }
        },
        "/api/documents/{id}/similar": {
            "get": {
                "operationId": "similarDocuments",
                "summary": "The documents most like one (by its most significant terms), best "
                "first, the document itself left out: a page of search hits, unmarked, with "
                "facets and an empty query.",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": _STRING},
                    *[p for p in SEARCH_PARAMETERS if p["name"] in SIMILAR_PARAMETER_NAMES],
                ],
                "responses": {
                    "200": _json("SearchPage", "One page of the documents most like this one."),
                    **_errors(400, 404, 405, 413, 414, 429, 503),
                },
            }
        },
        "/api/suggest": {
            "get": {
                "operationId": "suggest",
                "summary": f"Up to {MAX_COMPLETIONS} completions of what was typed, accents "
                "optional (ha n: Hà Nội).",
                "parameters": [
                    _query_param("q", "What has been typed so far.", _STRING),
                    _query_param(
                        "format",
                        "json (default) or opensearch ([query, [completions]] as "
                        "application/x-suggestions+json).",
                        {"enum": ["json", "opensearch"], "default": "json"},
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "Completions, most frequent first.",
                        "content": {
                            "application/json": {"schema": {"$ref": _REF + "Completions"}},
                            "application/x-suggestions+json": {
                                "schema": {"$ref": _REF + "OpenSearchSuggestions"}
                            },
                        },
                    },
                    **_errors(400, 405, 413, 414, 429, 503),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_errors(405, 413, 429),
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Document count and the time of the last commit.",
                "responses": {
                    "200": _json("Health", "The index is open."),
                    **_errors(405, 413, 503),
                },
            }
        },
    }


# --- The write API (web.documents) ------------------------------------------------------------

_WRITE_REASONS = {
    400: "Nothing was written: a record is invalid (the message names it and says why: item N "
    "of an array, line N of JSON Lines), or a token was sent in the URL.",
    401: "No bearer token, or the wrong one.",
    403: "Writing is disabled: the server has no API token set.",
    404: "There is no document with this id.",
    405: "Method not allowed (the Allow header lists the methods served).",
    413: "Request body over 1 MB: nothing was written.",
    429: "Too many writes from this address; Retry-After says when to try again.",
    503: "Nothing was written: the index's writer stayed busy (another writer, such as a "
    "build, held it), or the index folder is read-only (code index_read_only); Retry-After "
    "says when to try again.",
    507: "Nothing was written: the disk that holds the index is full (code insufficient_storage).",
}
_RETRY_AFTER = {
    "description": "Whole seconds to wait.",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
_WRITE_HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": _STRING}},
    429: {"Retry-After": _RETRY_AFTER},
    503: {"Retry-After": _RETRY_AFTER},
}
_TEXT_OR_NONE = {"type": ["string", "null"]}

WRITE_SCHEMAS = {
    "DocumentInput": {
        "description": "A document to index, as in the indexer's .jsonl input. null and empty "
        "strings count as absent; title or body is required; other fields are ignored.",
        "type": "object",
        "properties": {
            "id": {
                "type": ["string", "integer"],
                "description": "Up to 512 characters, no control characters.",
            },
            "title": _TEXT_OR_NONE,
            "body": {**_TEXT_OR_NONE, "description": "Also accepted as text or content."},
            "text": _TEXT_OR_NONE,
            "content": _TEXT_OR_NONE,
            "url": _TEXT_OR_NONE,
            "published": {**_TEXT_OR_NONE, "description": "ISO 8601; also accepted as date."},
            "date": _TEXT_OR_NONE,
            "source": _TEXT_OR_NONE,
            "category": _TEXT_OR_NONE,
            "tags": {
                "type": ["array", "string", "null"],
                "items": _STRING,
                "description": "A list, or one string separated by , or ;.",
            },
        },
    },
    "WriteResult": _closed(
        {
            "indexed": {"type": "integer", "minimum": 1},
            "created": {"type": "integer", "minimum": 0, "description": "Ids that were new."},
            "replaced": {"type": "integer", "minimum": 0, "description": "Ids that existed."},
        },
        "The change is on disk, and searchable on every worker within a second.",
    ),
}
SECURITY_SCHEMES = {"bearerToken": {"type": "http", "scheme": "bearer"}}


def _write_errors(*statuses: int) -> dict:
    responses = {str(s): _json("Error", _WRITE_REASONS[s]) for s in statuses}
    for status, headers in _WRITE_HEADERS.items():
        if str(status) in responses:
            responses[str(status)]["headers"] = headers
    return responses


def _write_operation(operation_id: str, summary: str, responses: dict, **extra) -> dict:
    return {
        "operationId": operation_id,
        "summary": summary,
        "security": [{"bearerToken": []}],
        **extra,
        "responses": responses,
    }


def _with_writes(paths: dict) -> dict:
    """``paths`` with the write operations added."""
    id_parameter = [{"name": "id", "in": "path", "required": True, "schema": _STRING}]
    with_id = {"allOf": [{"$ref": _REF + "DocumentInput"}], "required": ["id"]}
    paths["/api/documents"] = {
        "post": _write_operation(
            "postDocuments",
            "Index one document, an array of them or JSON Lines (one object a line), "
            "replacing documents with the same ids; all or nothing.",
            {"200": _json("WriteResult", "Written.")}
            | _write_errors(400, 401, 403, 405, 413, 429, 503, 507),
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"oneOf": [with_id, {"type": "array", "items": with_id}]}
                    },
                    "application/x-ndjson": {"schema": _STRING},
                },
            },
        )
    }
    paths["/api/documents/{id}"] |= {
        "put": _write_operation(
            "putDocument",
            "Store one document under this id (the body may leave its id out).",
            {
                "200": _json("WriteResult", "Replaced the document that had this id."),
                "201": _json("WriteResult", "Created; Location is its URL."),
                # Ids with a line break match no route at all.
                "404": _json("Error", "No such resource: the id cannot be addressed."),
            }
            | _write_errors(400, 401, 403, 405, 413, 429, 503, 507),
            parameters=id_parameter,
            requestBody={
                "required": True,
                "content": {"application/json": {"schema": {"$ref": _REF + "DocumentInput"}}},
            },
        ),
        "delete": _write_operation(
            "deleteDocument",
            "Delete the document with this id.",
            {"204": {"description": "Deleted."}}
            | _write_errors(400, 401, 403, 404, 405, 413, 429, 503, 507),
            parameters=id_parameter,
        ),
    }
    return paths
