"""Real responses, successes and errors, validate against the schemas in /api/openapi.json."""

import re

import pytest
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from web import create_app

DOC_URI = "urn:vietsearch:openapi"
TOO_BIG = b"x" * (1024 * 1024 + 1)

# (method, url, body, path template in the OpenAPI document, status)
CASES = [
    ("GET", "/api/search?q=bầu cử", None, "/api/search", 200),
    ("GET", "/api/search?q=vacine", None, "/api/search", 200),
    ("GET", "/api/search?q=&per_page=100&sort=newest", None, "/api/search", 200),
    ("GET", "/api/search?q=&source=tuoitre&from=2021-01-01", None, "/api/search", 200),
    ("GET", "/api/search?page=abc", None, "/api/search", 400),
    ("GET", "/api/search?q=((((((a))))))", None, "/api/search", 400),
    ("POST", "/api/search", None, "/api/search", 405),
    ("GET", "/api/search", TOO_BIG, "/api/search", 413),
    ("GET", "/api/documents/c08-covid-vaccine", None, "/api/documents/{id}", 200),
    ("GET", "/api/documents/c01-ha-noi-ba-dinh", None, "/api/documents/{id}", 200),
    ("GET", "/api/documents/none/such", None, "/api/documents/{id}", 404),
    ("PATCH", "/api/documents/c01-ha-noi-ba-dinh", None, "/api/documents/{id}", 405),
    ("GET", "/api/suggest?q=ha n", None, "/api/suggest", 200),
    ("GET", "/api/suggest?q=th", None, "/api/suggest", 200),
    ("GET", "/api/suggest?q=ha n&format=opensearch", None, "/api/suggest", 200),
    ("GET", "/api/suggest?q=ha&format=xml", None, "/api/suggest", 400),
    ("GET", "/healthz", None, "/healthz", 200),
    ("POST", "/healthz", None, "/healthz", 405),
    ("GET", "/api/openapi.json", None, "/api/openapi.json", 200),
]
MISSING_INDEX_CASES = [
    ("/api/search?q=ha", "/api/search"),
    ("/api/documents/x", "/api/documents/{id}"),
    ("/api/suggest?q=ha", "/api/suggest"),
    ("/healthz", "/healthz"),
]


@pytest.fixture(scope="module")
def openapi(corpus_index) -> dict:
    client = create_app({"TESTING": True, "INDEX": str(corpus_index)}).test_client()
    return client.get("/api/openapi.json").get_json()


def pointer(*parts: str) -> str:
    """A JSON pointer to ``parts`` (RFC 6901 escaping)."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def validate(openapi: dict, template: str, method: str, reply) -> None:
    """Validate ``reply`` against the schema the document gives for its status and type."""
    responses = openapi["paths"][template][method.lower()]["responses"]
    assert str(reply.status_code) in responses, f"{reply.status_code} is not documented"
    content = responses[str(reply.status_code)]["content"]
    assert reply.mimetype in content, f"{reply.mimetype} is not documented"
    where = pointer("paths", template, method.lower(), "responses", str(reply.status_code))
    where += pointer("content", reply.mimetype, "schema")
    validator(openapi, where).validate(reply.get_json(force=True))


def validator(openapi: dict, where: str) -> Draft202012Validator:
    """A validator for the schema at JSON pointer ``where``, its $refs resolved in the document."""
    registry = Registry().with_resource(DOC_URI, DRAFT202012.create_resource(openapi))
    return Draft202012Validator(
        {"$ref": f"{DOC_URI}#{where}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@pytest.mark.parametrize("method, url, body, template, status", CASES)
def test_responses_validate_against_the_openapi_document(
    client, openapi, method, url, body, template, status
):
    reply = client.open(url, method=method, data=body)
    assert reply.status_code == status
    validate(openapi, template, "get", reply)


@pytest.mark.parametrize("url, template", MISSING_INDEX_CASES)
def test_503_responses_validate(tmp_path, openapi, url, template):
    client = create_app({"TESTING": True, "INDEX": str(tmp_path / "none")}).test_client()
    reply = client.get(url)
    assert reply.status_code == 503
    validate(openapi, template, "get", reply)


@pytest.mark.parametrize(
    "change",
    [
        lambda page: page.pop("facets"),
        lambda page: page.update(extra=1),
        lambda page: page["hits"][0].pop("snippet_html"),
        lambda page: page["hits"][0].update(score="high"),
        lambda page: page["hits"][0].update(published="23/05/2021"),
        lambda page: page.update(per_page=101),
    ],
)
def test_the_schemas_are_strict_enough_to_fail(client, openapi, change):
    page = client.get("/api/search?q=bầu cử").get_json()
    search_page = validator(openapi, "/components/schemas/SearchPage")
    search_page.validate(page)
    change(page)
    with pytest.raises(ValidationError):
        search_page.validate(page)


def test_every_schema_is_valid_json_schema(openapi):
    assert openapi["openapi"].startswith("3.1")
    for schema in openapi["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_the_document_describes_exactly_the_json_routes(app, openapi):
    routes = {}  # one URL may have several rules
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            shape = re.sub(r"<[^>]+>", "{}", rule.rule)
            methods = {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
            routes[shape] = sorted(methods.union(routes.get(shape, [])))
    documented = {
        re.sub(r"\{[^}]+\}", "{}", path): sorted(operations)
        for path, operations in openapi["paths"].items()
    }
    assert documented == routes


def test_search_parameters_are_documented(openapi):
    parameters = openapi["paths"]["/api/search"]["get"]["parameters"]
    names = [p["name"] for p in parameters]
    expected = ["q", "page", "per_page", "sort", "source", "category", "from", "to", "typos"]
    expected.append("semantic_ratio")
    assert names == [*expected, "after_seq"]  # after_seq: web.consistency
    per_page = next(p for p in parameters if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 100
    assert "never clamped" in per_page["description"]
