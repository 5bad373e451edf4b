"""``/api/documents``, every verb: GET one by id, POST a batch, PUT and DELETE one by id.

Writes need the API token (``web.auth``). An answer 2xx means the change is on disk and
searchable on every worker within a second (``indexer.LiveWriter``); 503 with Retry-After
means the index's writer stayed busy for ``WRITE_TIMEOUT`` seconds, or that the index folder
is read-only, and nothing was written; 507 means the disk is full and nothing was written.
"""

from __future__ import annotations

import errno
import math
import os
import threading
from urllib.parse import quote, unquote_to_bytes

from flask import Blueprint, Flask, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from indexer import (
    WRITE_TIMEOUT_S,
    CommitFailed,
    InvalidBatch,
    LiveWriter,
    WriterBusy,
    Written,
    document_for_id,
    documents_from_json,
    load_embedder,
)
from web.auth import writes_enabled
from web.cluster import cluster_writer
from web.consistency import catch_up
from web.errors import ApiError
from web.worker_index import current_index

RETRY_AFTER_S = 5

bp = Blueprint("documents", __name__)
_writers_lock = threading.Lock()


def register_documents(app: Flask) -> None:
    """Add the ``/api/documents`` routes; read and check ``WRITE_TIMEOUT`` now."""
    app.config["WRITE_TIMEOUT"] = _seconds(app.config.get("WRITE_TIMEOUT", WRITE_TIMEOUT_S))
    app.register_blueprint(bp)


@bp.get("/api/documents/<path:doc_id>")
def get_document(doc_id: str):
    """The stored document with this id (ids may contain slashes), from the latest commit."""
    catch_up(own_writes=True)  # after_seq, and writes answered before they were applied
    with current_index().use() as index:
        stored = index.document(doc_id)
    if stored is None:
        raise ApiError(404, "document_not_found", f"There is no document with id {doc_id!r}.")
    return jsonify(stored)


@bp.post("/api/documents")
def post_documents():
    """Index one JSON object, a JSON array of them, or JSON Lines, as one batch."""
    documents = _parsed(documents_from_json, _body())
    return jsonify(_summary(_write(lambda writer: writer.replace(documents)), len(documents)))


@bp.put("/api/documents/<path:doc_id>")
def put_document(doc_id: str):
    """Store one JSON object under ``doc_id``: 201 if it is new, 200 if it replaced one."""
    _check_url_id()
    document = _parsed(lambda body: document_for_id(body, doc_id), _body())
    written = _write(lambda writer: writer.replace([document]))
    response = jsonify(_summary(written, 1))
    if written.created:
        response.status_code = 201
        response.headers["Location"] = url_for("documents.get_document", doc_id=doc_id)
    return response


@bp.delete("/api/documents/<path:doc_id>")
def delete_document(doc_id: str):
    """Delete the document with this id: 204, or 404 if there is none."""
    _check_url_id()
    written = _write(lambda writer: writer.delete(doc_id))
    if not written.deleted:
        raise ApiError(404, "document_not_found", f"There is no document with id {doc_id!r}.")
    return "", 204, {"Vietsearch-Seq": str(written.seq)}


def current_writer() -> LiveWriter:
    """This process's writer for the app's index (a new one after a fork: threads do not
    survive it); in cluster mode, the one that goes through the write log."""
    if (through_the_log := cluster_writer()) is not None:
        return through_the_log
    with _writers_lock:
        writer, pid = current_app.extensions.get("vietsearch_writer", (None, None))
        if writer is None or pid != os.getpid():
            timeout = current_app.config["WRITE_TIMEOUT"]
            holder = current_index()
            embedder = load_embedder(holder.embedder) if holder.embedder else None
            writer = LiveWriter(holder.path, timeout_s=timeout, embedder=embedder)
            current_app.extensions["vietsearch_writer"] = (writer, os.getpid())
    return writer


def announce_writes() -> None:
    """If writes are enabled, say so to builds of the index now (``LiveWriter.announce``)."""
    if writes_enabled():
        try:
            current_writer().announce()
        except OSError as exc:  # a read-only folder: searches still work, writes answer 503
            current_app.logger.warning("writes will fail: %s", exc)


def _write(change) -> Written:
    try:
        return change(current_writer())
    except WriterBusy as exc:
        raise ApiError(
            503,
            "writer_busy",
            f"Nothing was written: {exc}. Try again.",
            {"Retry-After": str(RETRY_AFTER_S)},
        ) from None
    except CommitFailed as exc:
        raise _storage_error(exc.__cause__) or exc from None


def _check_url_id() -> None:
    """Refuse a URL whose id is not UTF-8 (400): Werkzeug would turn each bad byte into U+FFFD,
    so different ids would name one document."""
    environ = request.environ
    uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ["PATH_INFO"])
    raw = unquote_to_bytes(uri.partition("?")[0])
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400,
            "invalid_id",
            "Nothing was written: the id in the URL is not valid UTF-8 "
            f"(byte 0x{raw[exc.start]:02x}).",
        ) from None


def _storage_error(cause: BaseException | None) -> ApiError | None:
    """The answer for a commit that failed because of the index's disk, if it did."""
    if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
        return ApiError(
            507,
            "insufficient_storage",
            "Nothing was written: the disk that holds the index is full. Try again once space "
            "is freed.",
        )
    if isinstance(cause, OSError) and cause.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ApiError(
            503,
            "index_read_only",
            f"Nothing was written: the index folder cannot be written ({cause.strerror}). "
            "Searches still work.",
            {"Retry-After": str(RETRY_AFTER_S)},
        )
    return None


def _body() -> bytes:
    """The request body in full: 413 over ``MAX_CONTENT_LENGTH``, 400 if it cannot be read."""
    try:
        if request.content_length is not None or not request.environ.get("wsgi.input_terminated"):
            return request.get_data(cache=False)
        return _chunked_body(request.environ["wsgi.input"])
    except (HTTPException, ApiError):
        raise
    except Exception as exc:  # the server's parse errors (a broken chunk), a client that stalled
        raise ApiError(
            400, "unreadable_body", f"Nothing was written: the body could not be read ({exc})."
        ) from None


def _chunked_body(stream) -> bytes:
    """Read a body sent without Content-Length, refusing it once it passes the limit.

    Werkzeug's own reading of such a body stops quietly at the limit: the first megabyte of a
    batch would be indexed and the rest dropped.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    pieces, size = [], 0
    while piece := stream.read(65536):
        size += len(piece)
        if limit is not None and size > limit:
            raise ApiError(
                413, "payload_too_large", f"The request body is over the limit of {limit:,} bytes."
            )
        pieces.append(piece)
    return b"".join(pieces)


def _parsed(parse, body: bytes):
    try:
        return parse(body)
    except InvalidBatch as exc:
        raise ApiError(400, "invalid_document", f"Nothing was written: {exc}.") from None


def _summary(written: Written, indexed: int) -> dict:
    return {
        "indexed": indexed,
        "created": written.created,
        "replaced": written.replaced,
        "seq": written.seq,
    }


def _seconds(value: object) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not seconds > 0:
        raise ValueError(f"WRITE_TIMEOUT must be a number of seconds above 0, got {value!r}")
    return seconds
