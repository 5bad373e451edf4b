"""Documents sent in one request: a JSON object, a JSON array of objects, or JSON Lines.

A batch is all or nothing: the first bad record refuses the whole batch, and the reason names
the record (``item 3`` of an array, ``line 3`` of JSON Lines, counted from 1) and its id when
it has one. Records are validated exactly as the indexer validates a .jsonl file.
"""

from __future__ import annotations

import codecs
import json

from indexer.documents.model import Document, InvalidDocument, document_from_mapping, parse_json
from indexer.errors import InvalidBatch


def documents_from_json(body: bytes, origin: str = "") -> list[Document]:
    """The documents of a JSON object, a JSON array or JSON Lines; raise ``InvalidBatch``.

    Ids must be unique within the batch.
    """
    documents: list[Document] = []
    where: dict[str, str] = {}
    for label, record in _records(_decoded(body)):
        document = _document(label, record, origin)
        if document.id in where:
            raise InvalidBatch(
                f"{_label(label, record)}: id {document.id!r} is also {where[document.id]}"
            )
        where[document.id] = _label(label, record)
        documents.append(document)
    if not documents:
        raise InvalidBatch("the request body holds no documents")
    return documents


def document_for_id(body: bytes, doc_id: str, origin: str = "") -> Document:
    """The one document (a JSON object) to store under ``doc_id``; raise ``InvalidBatch``.

    The object's own ``id`` may be left out; if it is given, it must be ``doc_id``.
    """
    _document("the id in the URL", {"id": doc_id, "title": "-"}, origin)
    try:
        record = parse_json(_decoded(body))
    except InvalidDocument as exc:
        raise InvalidBatch(str(exc)) from None
    if isinstance(record, dict) and record.get("id") in (None, ""):
        record = {**record, "id": doc_id}
    document = _document("the document", record, origin)
    if document.id != doc_id:
        raise InvalidBatch(f"the document's id {document.id!r} is not the id in the URL {doc_id!r}")
    return document


def _decoded(body: bytes) -> str:
    """``body`` as text: UTF-8, a byte order mark allowed."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(codecs.BOM_UTF8) if body.startswith(codecs.BOM_UTF8) else 0)
        line = body.count(b"\n", 0, offset) + 1
        raise InvalidBatch(
            f"line {line}: not valid UTF-8 (byte 0x{body[offset]:02x} at offset {offset})"
        ) from None


def _records(text: str) -> list[tuple[str, object]]:
    """(label, record) for each record of the body, which is JSON or else JSON Lines."""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("["):
            raise InvalidBatch(
                f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
        return _json_lines(text)
    except (ValueError, RecursionError):
        return _json_lines(text)
    if isinstance(parsed, list):
        return [(f"item {number}", record) for number, record in enumerate(parsed, start=1)]
    return [("the document", parsed)]


def _json_lines(text: str) -> list[tuple[str, object]]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append((f"line {number}", parse_json(line)))
            except InvalidDocument as exc:
                raise InvalidBatch(f"line {number}: {exc}") from None
    return records


def _document(label: str, record: object, origin: str) -> Document:
    try:
        return document_from_mapping(record, origin)
    except InvalidDocument as exc:
        raise InvalidBatch(f"{_label(label, record)}: {exc}") from None


def _label(label: str, record: object) -> str:
    """``label``, with the record's id when it has a printable one: ``line 3 (id 'a-1')``."""
    doc_id = record.get("id") if isinstance(record, dict) else None
    if isinstance(doc_id, (str, int)) and not isinstance(doc_id, bool) and str(doc_id).strip():
        shown = str(doc_id) if len(str(doc_id)) <= 60 else str(doc_id)[:60] + "…"
        return f"{label} (id {shown!r})"
    return label
