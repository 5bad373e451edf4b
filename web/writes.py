"""The write API: ``POST /api/documents``, ``PUT`` and ``DELETE /api/documents/<id>``.

Writes need ``Authorization: Bearer <token>`` with the ``API_TOKEN`` setting
(``VIETSEARCH_API_TOKEN``); without one configured they are refused with 403. A token in the
query string is refused whatever it is: URLs end up in logs and browser histories. An answer
2xx means the change is on disk and searchable on every worker within a second
(``indexer.live``); 503 with Retry-After means the index's writer stayed busy for
``WRITE_TIMEOUT`` seconds, or that the index folder is read-only, and nothing was written;
507 means the disk is full and nothing was written.
"""

from __future__ import annotations

import errno
import hmac
import json
import math
import os
import threading
from urllib.parse import quote, unquote_to_bytes

from flask import Blueprint, Flask, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from indexer.batch import InvalidBatch, document_for_id, documents_from_json
from indexer.live import WRITE_TIMEOUT_S, CommitFailed, LiveWriter, Written
from indexer.writelock import WriterBusy
from web.errors import ApiError
from web.index import current_index

RETRY_AFTER_S = 5
# RFC 6750's query parameter for bearer tokens, and the names people try instead.
TOKEN_PARAMETERS = ("access_token", "token", "api_token", "api_key")
_CHALLENGE = 'Bearer realm="vietsearch"'

bp = Blueprint("writes", __name__)
_writers_lock = threading.Lock()


def register_writes(app: Flask) -> None:
    """Add the write routes; read and check ``API_TOKEN`` and ``WRITE_TIMEOUT`` now.

    Call it before ``register_headers``: the token is checked before the body size, so a
    client without the token learns nothing and its body is never read.
    """
    app.extensions["vietsearch_api_token"] = _configured_token(app.config.get("API_TOKEN"))
    app.config["WRITE_TIMEOUT"] = _seconds(app.config.get("WRITE_TIMEOUT", WRITE_TIMEOUT_S))
    app.before_request(require_token)
    app.register_blueprint(bp)


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
        response.headers["Location"] = url_for("api.document", doc_id=doc_id)
    return response


@bp.delete("/api/documents/<path:doc_id>")
def delete_document(doc_id: str):
    """Delete the document with this id: 204, or 404 if there is none."""
    _check_url_id()
    if not _write(lambda writer: writer.delete(doc_id)).deleted:
        raise ApiError(404, "document_not_found", f"There is no document with id {doc_id!r}.")
    return "", 204


def require_token() -> None:
    """Refuse a write without the right bearer token (401), or any write if none is set (403)."""
    if request.blueprint != bp.name or request.method == "OPTIONS":
        return
    if any(name in request.args for name in TOKEN_PARAMETERS):
        raise ApiError(
            400, "token_in_url", "Send the token in the Authorization header, never in the URL."
        )
    token = current_app.extensions["vietsearch_api_token"]
    if token is None:
        raise ApiError(403, "writes_disabled", "Writing is disabled: the server has no token.")
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise _unauthorized(
            "unauthorized", "Writing needs the header Authorization: Bearer <token>."
        )
    if not hmac.compare_digest(_bytes(given.strip()), _bytes(token)):
        raise _unauthorized("invalid_token", "The token is not the server's API token.")


def _unauthorized(code: str, message: str) -> ApiError:
    challenge = _CHALLENGE if code == "unauthorized" else f'{_CHALLENGE}, error="{code}"'
    return ApiError(401, code, message, {"WWW-Authenticate": challenge})


def current_writer() -> LiveWriter:
    """This process's writer for the app's index (a new one after a fork: threads do not
    survive it)."""
    with _writers_lock:
        writer, pid = current_app.extensions.get("vietsearch_writer", (None, None))
        if writer is None or pid != os.getpid():
            timeout = current_app.config["WRITE_TIMEOUT"]
            writer = LiveWriter(current_index().path, timeout_s=timeout)
            current_app.extensions["vietsearch_writer"] = (writer, os.getpid())
    return writer


def announce_writes() -> None:
    """If writes are enabled, say so to builds of the index now (``LiveWriter.announce``)."""
    if current_app.extensions["vietsearch_api_token"] is not None:
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
    return {"indexed": indexed, "created": written.created, "replaced": written.replaced}


def _configured_token(value: object) -> str | None:
    """The token as a string, or None when none is set.

    ``from_prefixed_env`` reads a variable as JSON when it parses, so a numeric token arrives
    as a number: the variable's own text is the token then.
    """
    raw = os.environ.get("VIETSEARCH_API_TOKEN")
    if value is not None and not isinstance(value, str) and raw is not None:
        try:
            value = raw if json.loads(raw) == value else value
        except ValueError:
            pass
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not value.strip().isascii() or not value.isprintable():
        raise ValueError("API_TOKEN must be a string of printable ASCII characters")
    return value.strip()


def _seconds(value: object) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not seconds > 0:
        raise ValueError(f"WRITE_TIMEOUT must be a number of seconds above 0, got {value!r}")
    return seconds


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
