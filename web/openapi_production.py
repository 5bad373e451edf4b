"""The OpenAPI description of the production routes: ``GET /api/analytics`` and
``POST /api/admin/reload`` (``web.analytics``, ``web.reload``), and the schemas of
``/healthz``'s progress; added to ``web.openapi``'s document."""

from __future__ import annotations

_REF = "#/components/schemas/"
_STRING = {"type": "string"}
_COUNT = {"type": "integer", "minimum": 0}
_DAY = {"type": "string", "format": "date"}


def _closed(properties: dict, description: str = "") -> dict:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {"description": description, **schema} if description else schema


def _json(schema: dict | str, description: str) -> dict:
    if isinstance(schema, str):
        schema = {"$ref": _REF + schema}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_QUERY_COUNTS = {
    "key": {"type": "string", "description": "The folded query it is counted under (ha noi)."},
    "query": {"type": "string", "description": "The form typed most (Hà Nội)."},
    "searches": _COUNT,
    "empty": {**_COUNT, "description": "Searches that found nothing."},
    "shown": {**_COUNT, "description": "Searches from the page that showed results."},
    "clicks": {**_COUNT, "description": "Results opened from the page."},
    "first_day": _DAY,
    "last_day": _DAY,
}

PRODUCTION_SCHEMAS = {
    "Progress": _closed(
        {
            "pid": {"type": "integer"},
            "command": {"enum": ["build", "add", "optimize"]},
            "phase": {"enum": ["indexing", "merging", "pruning"]},
            "started": {"type": "string", "format": "date-time"},
            "updated": {"type": "string", "format": "date-time"},
            "done": _COUNT,
            "total": {"type": ["integer", "null"], "minimum": 0, "description": "null: counting"},
        },
        "A build or optimize running on the index.",
    ),
    "QueryCounts": _closed(_QUERY_COUNTS),
    "NoResultQuery": _closed(
        {
            **_QUERY_COUNTS,
            "help": _closed(
                {
                    "now_finds": {**_COUNT, "description": "What the query finds today."},
                    "did_you_mean": {"type": ["string", "null"]},
                    "did_you_mean_finds": _COUNT,
                    "missing_synonyms": {
                        "type": "array",
                        "items": _STRING,
                        "description": "Abbreviations in it that the synonym dictionary lacks.",
                    },
                },
                "What would help, looked up on the index now.",
            ),
        }
    ),
    "AnalyticsReport": _closed(
        {
            "since": _DAY,
            "days": {"type": "integer", "minimum": 1},
            "totals": _closed(
                {"searches": _COUNT, "empty": _COUNT, "clicks": _COUNT, "queries": _COUNT}
            ),
            "per_day": {
                "type": "array",
                "items": _closed(
                    {"day": _DAY, "searches": _COUNT, "empty": _COUNT, "clicks": _COUNT}
                ),
            },
            "top": {"type": "array", "items": {"$ref": _REF + "QueryCounts"}},
            "no_results": {"type": "array", "items": {"$ref": _REF + "NoResultQuery"}},
            "unopened": {
                "type": "array",
                "items": {"$ref": _REF + "QueryCounts"},
                "description": "Page searches that showed results of which nobody opened one.",
            },
        }
    ),
    "ReloadResult": _closed(
        {
            "generation": {"type": "integer", "minimum": 0},
            "rate_limit": _STRING,
            "write_rate_limit": _STRING,
            "synonyms": _closed(
                {"file": {"type": ["string", "null"]}, "variants": _COUNT},
            ),
        },
        "The settings now in force.",
    ),
    "SettingsError": _closed(
        {
            "error": _closed(
                {
                    "code": {"const": "invalid_settings"},
                    "message": _STRING,
                    "problems": {
                        "type": "array",
                        "items": _STRING,
                        "minItems": 1,
                        "description": "One file:line: why each.",
                    },
                }
            ),
            "request_id": _STRING,
        }
    ),
}

_REASONS = {
    400: "A parameter out of range, or a token in the URL.",
    401: "No token, or the wrong one (Bearer, or HTTP Basic with the token as the password).",
    403: "The server has no API token: the admin routes are off.",
    404: "Search analytics are off (VIETSEARCH_ANALYTICS).",
    405: "Method not allowed.",
    413: "Request body over 1 MB.",
    414: "The request line is over 8,190 bytes: refused before it is read, with an HTML page.",
    429: "Too many requests from this address; Retry-After says when to try again.",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": "The scheme to use.", "schema": _STRING}},
    429: {
        "Retry-After": {
            "description": "Whole seconds to wait.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def _errors(*statuses: int) -> dict:
    responses = {str(s): _json("Error", _REASONS[s]) for s in statuses}
    if 414 in statuses:
        responses["414"]["content"] = {"text/html": {"schema": _STRING}}
    for status, headers in _HEADERS.items():
        if str(status) in responses:
            responses[str(status)]["headers"] = headers
    return responses


def with_production(paths: dict) -> dict:
    """``paths`` with /api/analytics and /api/admin/reload added."""
    paths["/api/analytics"] = {"get": _analytics()}
    reload_400 = {"oneOf": [{"$ref": _REF + "Error"}, {"$ref": _REF + "SettingsError"}]}
    paths["/api/admin/reload"] = {
        "post": {
            "operationId": "reloadSettings",
            "summary": "Check the settings file and the synonym file again and use them if they "
            "pass; a file with problems changes nothing.",
            "security": [{"bearerToken": []}],
            "responses": {
                "200": _json("ReloadResult", "In force in every worker within a second."),
                "400": _json(reload_400, "Refused: each problem with its file and line."),
                **_errors(401, 403, 405, 413, 414, 429),
            },
        }
    }
    return paths


def _analytics() -> dict:
    def parameter(name: str, description: str, schema: dict) -> dict:
        return {"name": name, "in": "query", "description": description, "schema": schema}

    return {
        "operationId": "analytics",
        "summary": "Search analytics: top queries, queries with no result and what would help, "
        "queries whose results nobody opened; or the counts per day as CSV.",
        "security": [{"bearerToken": []}],
        "parameters": [
            parameter(
                "days",
                "The last N days, today included (at most the days kept).",
                {"type": "integer", "minimum": 1, "default": 30},
            ),
            parameter(
                "limit",
                "Rows per list.",
                {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            ),
            parameter(
                "format",
                "json, or csv (day, query, searches, no_results, shown_results, clicks).",
                {"enum": ["json", "csv"], "default": "json"},
            ),
        ],
        "responses": {
            "200": {
                "description": "The report.",
                "content": {
                    "application/json": {"schema": {"$ref": _REF + "AnalyticsReport"}},
                    "text/csv": {"schema": _STRING},
                },
            },
            **_errors(400, 401, 403, 404, 405, 413, 414, 429),
        },
    }
