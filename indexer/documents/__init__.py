"""Documents: what a source file or a request body holds, read and validated into ``Document``s.

``read_documents`` reads folders and .txt, .jsonl, .jsonl.gz and .csv files, reporting each
skipped file or rejected record as a ``Problem``; ``documents_from_json`` and
``document_for_id`` read the bodies of the write API.
"""

from indexer.documents.files import read_documents
from indexer.documents.model import Document, Problem, document_from_mapping
from indexer.documents.requests import document_for_id, documents_from_json

__all__ = [
    "Document",
    "Problem",
    "document_for_id",
    "document_from_mapping",
    "documents_from_json",
    "read_documents",
]
