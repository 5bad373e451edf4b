"""A write as one message of the log: validated documents to store, or ids to delete.

The node that takes a request validates it exactly as a single node does, then publishes the
documents as they came out of validation, so every node applies the very same fields and no
node can refuse a batch another one applied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from indexer.documents.model import Document
from indexer.store.live import LogChange

FORMAT = 1


def encode_batch(documents: list[Document] = (), deletions: list[str] = ()) -> bytes:
    """The message for one write: documents to store (replacing by id) and ids to delete."""
    records = [_record(document) for document in documents]
    body = {"format": FORMAT, "put": records, "delete": list(deletions)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def decode_batch(seq: int, data: bytes, valid: bool = True) -> LogChange:
    """The change a log message asks for (``valid`` False: discarded, only its seq counts)."""
    if not valid:
        return LogChange(seq, valid=False)
    body = json.loads(data)
    if body.get("format") != FORMAT:
        raise ValueError(f"batch {seq} has format {body.get('format')!r}; this version reads 1")
    documents = tuple(_document(record) for record in body["put"])
    return LogChange(seq, documents, tuple(body["delete"]))


def _record(document: Document) -> dict:
    record = dataclasses.asdict(document)
    record["published"] = document.published.isoformat() if document.published else None
    record["tags"] = list(document.tags)
    return record


def _document(record: dict) -> Document:
    published = record.get("published")
    return Document(
        **{
            **record,
            "published": dt.datetime.fromisoformat(published) if published else None,
            "tags": tuple(record.get("tags") or ()),
        }
    )
