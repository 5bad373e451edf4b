"""One error type and one handler: JSON under /api (and /healthz), an HTML page elsewhere."""

from __future__ import annotations

import re

from flask import Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from web.request_id import current_request_id

MAX_LOGGED_REASON = 500  # characters of a 5xx's code and message in its request log line
# Codes for the statuses Werkzeug raises itself (routing, body size); ours come from ApiError.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error a client can act on: an HTTP status, a stable code and a message for people.

    ``headers`` go out with the answer (``Retry-After``, ``WWW-Authenticate``); ``details`` are
    more fields of the JSON error (a cluster write's ``outcome``, the ``problems`` of a refused
    settings reload).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        **details,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.details = details


def wants_json() -> bool:
    """Whether errors for this request are answered as JSON rather than as a page."""
    return request.path.startswith("/api/") or request.path == "/healthz"


def register_error_handler(app: Flask) -> None:
    """Route every exception a view raises through ``handle_error``."""
    app.register_error_handler(Exception, handle_error)


def handle_error(exc: Exception):
    """Answer ``{"error": {"code", "message"}, "request_id"}`` under /api, the error page
    elsewhere (which shows the request id too)."""
    error, headers = _as_api_error(exc)
    if error.status >= 500 and g.get("vietsearch_reason") is None:
        # What went wrong on our side is in the request log too, where operators look (the
        # body goes to a client, and nowhere else).
        g.vietsearch_reason = f"{error.code}: {error.message}"[:MAX_LOGGED_REASON]
    if wants_json():
        body = {"code": error.code, "message": error.message, **error.details}
        response = jsonify(error=body, request_id=current_request_id())
    else:
        response = render_template(
            "error.html", error=error, q=request.args.get("q", ""), request_id=current_request_id()
        )
    return response, error.status, headers


def _as_api_error(exc: Exception) -> tuple[ApiError, list[tuple[str, str]]]:
    if isinstance(exc, ApiError):
        return exc, list(exc.headers.items())
    if isinstance(exc, HTTPException) and exc.code:
        code = _HTTP_CODES.get(exc.code) or re.sub(r"\W+", "_", exc.name.lower()).strip("_")
        # Keep headers such as Allow (405), but not the HTML content type.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return ApiError(exc.code, code, exc.description or exc.name), headers
    current_app.logger.exception("unhandled error on %s", request.path)
    return ApiError(500, "internal_error", "An unexpected error occurred."), []
