"""What cluster mode and ``after_seq`` add to the OpenAPI document (web.openapi).

Kept apart so the description of the base API stays as it is: every write answer gains
``seq``; searches and GET by id take ``after_seq``; writes take ``Idempotency-Key`` and may
answer 202 (acknowledged by the write log, not yet applied on this node), at once when they
say ``Prefer: respond-async``; errors may say a
write's ``outcome``; /healthz gains the node's place in the log.
"""

from __future__ import annotations

import copy

_REF = "#/components/schemas/"
MAX_SEQ = 10**18 - 1
_SEQ = {"type": "integer", "minimum": 0, "maximum": MAX_SEQ}
_NULLABLE_COUNT = {"type": ["integer", "null"], "minimum": 0}

AFTER_SEQ = {
    "name": "after_seq",
    "in": "query",
    "description": "Answer only once this node has the write whose answer carried this seq "
    "(single node: it has it, or the seq is not one it gave: 400; cluster: it waits up to 2 s "
    "for it, then 503 not_caught_up).",
    "schema": _SEQ,
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "description": "Cluster mode: the same key makes a write sent again land at most once "
    "(within 2 minutes); send it again with the same key after a 503 whose outcome is unknown. "
    "1-128 printable ASCII characters, no spaces. A single node ignores it.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,128}$"},
}
PREFER = {
    "name": "Prefer",
    "in": "header",
    "description": "Cluster mode: respond-async (RFC 7240) answers 202 as soon as the write log "
    "has the write, without waiting for this node to apply it (a GET by id on this node still "
    "sees it; a search sees it with after_seq=seq). A single node ignores it.",
    "schema": {"type": "string"},
}
CLUSTER_HEALTH = {
    "node": {"type": "string"},
    "applied_seq": {"type": "integer", "minimum": 0},
    "stream_seq": _NULLABLE_COUNT,
    "lag_messages": _NULLABLE_COUNT,
    "lag_seconds": {"type": ["number", "null"], "minimum": 0},
    "message": {"type": ["string", "null"]},
}
HEALTH_STATUSES = ["lagging", "log_unavailable", "out_of_retention", "index_ahead"]
ACCEPTED = {
    "type": "object",
    "description": "Cluster mode: the write log acknowledged the write (it will be applied on "
    "every node), but this node had not applied it within the write timeout or was asked not to "
    "wait (Prefer: respond-async, answered with Preference-Applied: respond-async) (applied: "
    "false; search with after_seq=seq to see it), or no longer knows what it did (applied: "
    "true, a write sent again with the Idempotency-Key of one minutes old).",
    "properties": {"seq": _SEQ, "applied": {"type": "boolean"}},
    "required": ["seq", "applied"],
    "additionalProperties": False,
}


def with_cluster(document: dict) -> dict:
    """``document`` with the additions above."""
    document = copy.deepcopy(document)
    schemas, paths = document["components"]["schemas"], document["paths"]
    _add_property(schemas["WriteResult"], "seq", _SEQ | {"description": "after_seq takes it."})
    schemas["Accepted"] = ACCEPTED
    health = schemas["Health"]
    health["properties"]["status"]["enum"] += HEALTH_STATUSES
    health["properties"] |= CLUSTER_HEALTH  # optional: a single node has none of them
    error = schemas["Error"]["properties"]["error"]
    error["properties"]["outcome"] = {
        "enum": ["not_written", "unknown"],
        "description": "A 503 log_unavailable: whether the write may still be applied.",
    }
    for path, method in (("/api/search", "get"), ("/api/documents/{id}", "get")):
        paths[path][method]["parameters"].append(AFTER_SEQ)
    paths["/api/documents/{id}"]["get"]["responses"].setdefault(
        "400",
        {
            "description": "after_seq is not a whole number of at most 18 digits, or (single "
            "node) not a seq this index gave.",
            "content": {"application/json": {"schema": {"$ref": _REF + "Error"}}},
        },
    )
    _add_cluster_writes(paths)
    _add_health(paths["/healthz"]["get"])
    return document


def _add_property(schema: dict, name: str, property_schema: dict) -> None:
    schema["properties"][name] = property_schema
    schema["required"].append(name)


def _add_cluster_writes(paths: dict) -> None:
    accepted = {
        "description": ACCEPTED["description"],
        "content": {"application/json": {"schema": {"$ref": _REF + "Accepted"}}},
    }
    for path, method in (
        ("/api/documents", "post"),
        ("/api/documents/{id}", "put"),
        ("/api/documents/{id}", "delete"),
    ):
        operation = paths[path][method]
        operation.setdefault("parameters", [])
        operation["parameters"] = [*operation["parameters"], IDEMPOTENCY_KEY, PREFER]
        operation["responses"]["202"] = accepted
        operation["responses"]["503"]["description"] += (
            " Cluster mode: log_unavailable, the write log did not acknowledge the write in "
            "time (outcome says whether it may still be applied), or out_of_retention."
        )
    paths["/api/documents/{id}"]["delete"]["responses"]["204"]["headers"] = {
        "Vietsearch-Seq": {"description": "The write's seq, for after_seq.", "schema": _SEQ}
    }


def _add_health(operation: dict) -> None:
    operation["parameters"] = [
        {
            "name": "max_lag",
            "in": "query",
            "description": "Cluster mode: the lag bound for this check, in seconds, instead of "
            "the node's own (HAProxy's fallback backend asks with a day).",
            "schema": {"type": "number", "exclusiveMinimum": 0},
        }
    ]
    operation["responses"]["503"] = {
        "description": "No index yet (an Error), or, in cluster mode, a node that should leave "
        "rotation: lagging, out_of_retention or index_ahead (a Health).",
        "content": {
            "application/json": {
                "schema": {"oneOf": [{"$ref": _REF + "Error"}, {"$ref": _REF + "Health"}]}
            }
        },
    }
