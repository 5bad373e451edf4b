"""Who may change data: every route that is not a read needs the API token.

The check runs before every request, whatever blueprint the route is in, so a route added
later takes no write without the token unless it says so (``open_to_all``). The token is the
``API_TOKEN`` setting (``VIETSEARCH_API_TOKEN``), sent as ``Authorization: Bearer <token>`` and
compared in constant time; with none configured, every write is refused with 403. A token in
the query string is refused whatever it is: URLs end up in logs and browser histories.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Callable

from flask import Flask, current_app, request

from web.errors import ApiError

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# RFC 6750's query parameter for bearer tokens, and the names people try instead.
TOKEN_PARAMETERS = ("access_token", "token", "api_token", "api_key")
_CHALLENGE = 'Bearer realm="vietsearch"'


def register_auth(app: Flask) -> None:
    """Read and check ``API_TOKEN`` now; check it before every request that changes data.

    Call it before ``register_headers``: the token is checked before the body size, so a
    client without the token learns nothing and its body is never read.
    """
    app.extensions["vietsearch_api_token"] = _configured_token(app.config.get("API_TOKEN"))
    app.before_request(require_token)


def open_to_all(view: Callable) -> Callable:
    """Mark a view that changes nothing worth a token, though its method is not a read."""
    view.open_to_all = True
    return view


def writes_enabled() -> bool:
    """Whether the app has an API token, so it takes writes at all."""
    return current_app.extensions["vietsearch_api_token"] is not None


def require_token() -> None:
    """Refuse a write without the right bearer token (401), or any write if none is set (403)."""
    if request.method in READ_METHODS or request.routing_exception is not None:
        return  # reads are open; an unknown route or method gets its 404 or 405
    if getattr(current_app.view_functions.get(request.endpoint), "open_to_all", False):
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


def _unauthorized(code: str, message: str) -> ApiError:
    challenge = _CHALLENGE if code == "unauthorized" else f'{_CHALLENGE}, error="{code}"'
    return ApiError(401, code, message, {"WWW-Authenticate": challenge})


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


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
