"""Issue 7, case 17: schemathesis against /api/openapi.json of a real ``python -m web``.

Every operation gets generated requests, valid and invalid; each answer must be no 5xx, have a
documented status, content type and headers, and match the documented schema. The server has
an index of its own, since generated requests may one day include writes.
"""

import json
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    status_code_conformance,
)

from tests.conftest import NO_RATE_LIMITS
from tests.test_web_openapi import pointer, validator
from tests.web_live import LiveServer
from web.openapi import openapi_document

DOCUMENT = openapi_document()
# A batch of documents as JSON lines is a string in the document: sent as it is.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


@schemathesis.check
def body_matches_the_documented_schema(ctx, response, case):
    """The body validates against the schema documented for its status and content type.

    Instead of schemathesis's response_schema_conformance: version 4.32 rewrites the
    Draft 2020-12 ``prefixItems`` of the OpenSearch format into Draft 4's ``items: [...]`` and
    then refuses its own rewrite as an invalid schema. This validates with jsonschema, as
    tests/test_web_openapi.py does.
    """
    operation = DOCUMENT["paths"][case.operation.path].get(case.method.lower())
    if operation is None:
        return None  # schemathesis trying a method the path does not offer
    responses = operation["responses"]
    media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    documented = responses.get(str(response.status_code), {}).get("content", {})
    if media_type not in documented:
        return None  # status_code_conformance and content_type_conformance report it
    where = pointer("paths", case.operation.path, case.method.lower(), "responses")
    where += pointer(str(response.status_code), "content", media_type, "schema")
    body = json.loads(response.content) if media_type.endswith("json") else response.text
    validator(DOCUMENT, where).validate(body)
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    body_matches_the_documented_schema,
]
EXAMPLES_PER_OPERATION = 60


@pytest.fixture(scope="module")
def schema_server(corpus_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("schemathesis")
    shutil.copytree(corpus_index, folder / "index")
    live = LiveServer.start(folder / "index", folder / "server.log", env=NO_RATE_LIMITS)
    yield live
    live.stop()


# The document the server describes itself with (test_the_server_serves_this_document checks
# that it is what /api/openapi.json answers); schemathesis needs it before the server starts.
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_server_serves_this_document(schema_server):
    assert schema_server.get("/api/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_openapi_document(case, schema_server):
    case.call_and_validate(base_url=schema_server.base_url, checks=CHECKS)
