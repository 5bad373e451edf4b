"""Every error the library raises on purpose, under one base: ``VietsearchError``.

Each message is one line a person can act on. The classes also derive from the built-in
exception their situation matches (``ValueError`` for bad input, ``FileNotFoundError`` for a
missing index), so callers that catch those keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class VietsearchError(Exception):
    """The base of every error vietsearch raises on purpose."""


class QueryError(VietsearchError, ValueError):
    """A query that will not be run; ``str(error)`` says why, in words a person understands."""


class InvalidParameter(QueryError):
    """A search parameter (page, per_page, sort, a filter) out of its range or badly written."""


class DocumentNotFound(VietsearchError, LookupError):
    """No live document has the id asked for; ``doc_id`` holds it."""

    def __init__(self, doc_id: str):
        self.doc_id = doc_id
        super().__init__(f"there is no document with id {doc_id!r}")


class InvalidDocument(VietsearchError, ValueError):
    """A record that cannot become a Document; ``str(exc)`` is a one-line reason."""


class InvalidBatch(VietsearchError, ValueError):
    """A request body that cannot be indexed; ``str(exc)`` names the record and the reason."""


class SynonymError(VietsearchError, ValueError):
    """A dictionary file that cannot be used; ``problems`` holds one ``file:line: why`` each."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class IndexMissing(VietsearchError, FileNotFoundError):
    """There is no index in the folder; the message names the command that builds one."""


class IndexCorrupt(VietsearchError):
    """The folder holds an index whose latest table of contents cannot be read.

    ``str(error)`` is one line: the folder, the file, what is wrong with it, and the command
    that rebuilds the index.
    """

    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(
            f"the index in {path} is damaged: {reason}; rebuild it with: "
            f"python -m indexer build SOURCE... --index {path}"
        )


class IndexIncompatible(VietsearchError):
    """The index was written by a version of vietsearch this one cannot read (its files are
    fine, and are left alone); the message names the class it could not find."""

    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(
            f"the index in {path} was written by another version of vietsearch: {reason}; "
            "open it with that version, or build a new index from its sources"
        )


class WriterBusy(VietsearchError):
    """Other writers held the index for longer than the caller was willing to wait."""


class CommitFailed(VietsearchError):
    """The commit a batch was in failed, so nothing of the batch was written (see __cause__)."""


class AnalyticsUnavailable(VietsearchError):
    """The search analytics file cannot be opened or written; the message names it and why."""


class EmbedderUnavailable(VietsearchError, OSError):
    """The configured embedder's model folder is missing or cannot be loaded; the one-line
    message names the folder."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"the embedder model folder {path} cannot be used: {reason}")
