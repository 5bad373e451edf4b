"""What a ``Document`` becomes in the index: its fields and terms, and a digest of them."""

from __future__ import annotations

import hashlib

from indexer.codec.spans import encode_spans
from indexer.documents.model import Document
from indexer.language.analysis import index_terms
from indexer.language.segmentation import segment
from indexer.semantic.embedder import Embedder
from indexer.store.schema import ANALYSIS_VERSION, TEXT_FIELDS


def content_hash(doc: Document) -> str:
    """A digest of everything indexed from ``doc``: equal digests mean nothing to redo."""
    parts = [
        ANALYSIS_VERSION,
        doc.title,
        doc.body,
        doc.url,
        doc.source,
        doc.category,
        doc.published.isoformat() if doc.published else "",
        "\x1f".join(doc.tags),
    ]
    return hashlib.blake2b(
        "\x1e".join(parts).encode("utf-8", "surrogatepass"), digest_size=16
    ).hexdigest()


def analyse_document(doc: Document) -> dict:
    """Turn ``doc`` into what ``BulkSegmentWriter.add_indexed`` takes (runs pyvi): the text
    fields' tokens under ``_indexed``, the rest as ``add_document``'s keyword arguments."""
    title, body = segment(doc.title), segment(doc.body)
    fields = {
        "id": doc.id,
        "_stored_title": doc.title,
        "_stored_body": doc.body,
        "url": doc.url,
        "source": doc.source,
        "category": doc.category,
        "tags": ",".join(doc.tags),
        "title_spans": encode_spans(title, doc.title),
        "body_spans": encode_spans(body, doc.body),
        "content_hash": content_hash(doc),
        "origin": doc.origin,
    }
    if doc.published:
        fields["published"] = doc.published
        fields["year"] = str(doc.published.year)
    indexed = {}
    title_terms, body_terms = index_terms(title), index_terms(body)
    for name, (kind, part) in TEXT_FIELDS.items():
        if part == "title":
            terms = title_terms[kind]
        elif part == "body":
            terms = body_terms[kind]
        else:
            terms = title_terms[kind] + body_terms[kind]
        if terms:
            indexed[name] = terms
    fields = {k: v for k, v in fields.items() if v != ""}
    fields["_indexed"] = indexed
    return fields


def analyse_documents(docs: list[Document], embedder: Embedder | None = None) -> list[dict]:
    """``analyse_document`` of each, with its vector (``_vector``, and the embedder's
    fingerprint as ``_embedder``) and its leading passages' (``_passages``: their ranges and
    vectors) when an ``embedder`` is given: one call to the model for the whole batch."""
    analysed = [analyse_document(doc) for doc in docs]
    if embedder is not None and docs:
        titles, bodies = [d.title for d in docs], [d.body for d in docs]
        vectors, passages = embedder.embed_with_passages(titles, bodies)
        for fields, vector, own in zip(analysed, vectors, passages, strict=True):
            fields["_vector"] = vector
            fields["_passages"] = own
            fields["_embedder"] = embedder.fingerprint
    return analysed


def term_count(fields: dict) -> int:
    """How many terms an analysed document adds: what a commit's time grows with."""
    return sum(map(len, fields["_indexed"].values()))
