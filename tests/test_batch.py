"""Request bodies of the write API: one JSON object, a JSON array or JSON Lines, all or nothing."""

import codecs
import json
import re

import pytest

from indexer.documents.requests import InvalidBatch, document_for_id, documents_from_json


def ids(body: bytes) -> list[str]:
    return [doc.id for doc in documents_from_json(body)]


@pytest.mark.parametrize(
    "body, expected",
    [
        ('{"id": "a", "title": "Hà Nội"}'.encode(), ["a"]),
        (b'{\n  "id": 7,\n  "body": "bay"\n}', ["7"]),
        (b'[{"id": "a", "title": "x"}, {"id": "b", "body": "y"}]', ["a", "b"]),
        (b'{"id": "a", "title": "x"}\n\n{"id": "b", "title": "y"}\n', ["a", "b"]),
        (b'{"id": "a", "title": "x"}\r\n{"id": "b", "title": "y"}', ["a", "b"]),
        (codecs.BOM_UTF8 + b'{"id": "a", "title": "x"}', ["a"]),
    ],
    ids=["object", "pretty-printed", "array", "json-lines", "crlf", "bom"],
)
def test_the_three_shapes_of_a_batch(body, expected):
    assert ids(body) == expected


def test_fields_are_read_as_the_jsonl_indexer_reads_them():
    record = {
        "id": " x-1 ",
        "title": " Tiêu đề ",
        "text": "Nội dung",
        "date": "2021-05-23T08:00:00+07:00",
        "tags": "a; b",
        "license": "ignored",
    }
    [doc] = documents_from_json(json.dumps(record).encode())
    assert (doc.id, doc.title, doc.body, doc.tags) == ("x-1", "Tiêu đề", "Nội dung", ("a", "b"))
    assert doc.published.isoformat() == "2021-05-23T01:00:00"


@pytest.mark.parametrize(
    "body, message",
    [
        (b'[{"id": "a", "title": "x"}, {"title": "y"}]', "item 2: 'id' is missing"),
        (b'[{"id": "a", "title": "x"}, {"id": "", "title": "y"}]', "item 2: 'id' is empty"),
        (b'[{"id": "a", "title": "x"}, {"id": "  ", "title": "y"}]', "item 2: 'id' is empty"),
        (b'{"id": true, "title": "x"}', "the document: 'id' must be a string or an integer"),
        (b'{"id": "a", "title": 5}', "the document (id 'a'): 'title' must be a string, got int"),
        (
            b'{"id": "a", "title": "x"}\n{"id": "b", "tags": [1, "x"], "title": "y"}',
            "line 2 (id 'b'): 'tags' must be a list of strings, got list containing int",
        ),
        (b'{"id": "a", "title": "x"}\n{"id": "b"}', "line 2 (id 'b'): no title or body"),
        (b'{"id": "a", "title": "x"}\n{"id": "b", "title": "y"', "line 2: invalid JSON"),
        (b'[{"id": "a", "title": "x"},\n {"id": "b" "title": "y"}]', "invalid JSON: Expecting"),
        (b'[{"id": "a", "title": "x"}, "b"]', "item 2: not a JSON object (got str)"),
        (b'{"id": "a", "title": "x"}\n{"id": "b", "title": "\xff"}', "line 2: not valid UTF-8"),
        (
            b'[{"id": "a", "title": "x"}, {"id": "a", "title": "y"}]',
            "item 2 (id 'a'): id 'a' is also item 1 (id 'a')",
        ),
        (
            b'{"id": "a", "title": "x"}\n{"id": " a", "title": "y"}',
            "line 2 (id ' a'): id 'a' is also line 1 (id 'a')",
        ),
        (b"", "no documents"),
        (b" \n \n", "no documents"),
        (b"[]", "no documents"),
    ],
)
def test_a_bad_record_refuses_the_batch_naming_the_record(body, message):
    with pytest.raises(InvalidBatch) as refused:
        documents_from_json(body)
    assert message in str(refused.value)


def test_invalid_utf8_names_the_line_and_byte():
    body = b'{"id": "a", "title": "x"}\n{"id": "b", "title": "caf\xe9"}'
    with pytest.raises(InvalidBatch, match=r"line 2: not valid UTF-8 \(byte 0xe9 at offset 51\)"):
        documents_from_json(body)


def test_a_put_body_takes_its_id_from_the_url():
    assert document_for_id('{"title": "Huế"}'.encode(), "tin/1").id == "tin/1"
    assert document_for_id(b'{"id": "tin/1", "title": "Hue"}', "tin/1").title == "Hue"
    assert document_for_id(b'{"id": 42, "title": "Hue"}', "42").id == "42"


@pytest.mark.parametrize(
    "body, doc_id, message",
    [
        (b'{"id": "b", "title": "x"}', "a", "the document's id 'b' is not the id in the URL 'a'"),
        (b'[{"id": "a", "title": "x"}]', "a", "not a JSON object (got list)"),
        (b'{"title": 1}', "a", "'title' must be a string"),
        (b'{"title": "x"', "a", "invalid JSON"),
        (b'{"title": "x"}', "a\x01", "'id' contains a control character"),
    ],
)
def test_a_bad_put_body_is_refused(body, doc_id, message):
    with pytest.raises(InvalidBatch, match=re.escape(message)):
        document_for_id(body, doc_id)
