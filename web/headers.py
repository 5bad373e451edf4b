"""Response headers for every answer: security policy, and CORS for reads of the API."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, Response, current_app, request

from web.errors import ApiError

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Result links leave the site; the query in our URLs must not go with them.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def register_headers(app: Flask) -> None:
    """Refuse oversized bodies and undecodable query strings early; add the headers below."""
    app.before_request(refuse_large_bodies)
    app.before_request(refuse_undecodable_query)
    app.after_request(add_headers)


def refuse_large_bodies() -> None:
    """413 for a body over MAX_CONTENT_LENGTH, whatever the route (even one that never reads it)."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and (request.content_length or 0) > limit:
        raise ApiError(
            413, "payload_too_large", f"The request body is over the limit of {limit:,} bytes."
        )


def refuse_undecodable_query() -> None:
    """400 for a query string that is not UTF-8 once percent-decoded.

    Werkzeug would quietly turn the bad bytes into U+FFFD and search for that instead.
    """
    raw = unquote_to_bytes(request.query_string.replace(b"+", b" "))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400,
            "invalid_parameter",
            f"The query string is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start} once percent-decoded).",
        ) from None


def add_headers(response: Response) -> Response:
    """Security headers everywhere; ``Access-Control-Allow-Origin: *`` on API reads."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/") and request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response
