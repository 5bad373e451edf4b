"""Who may read the admin pages and APIs (``/admin/...``, ``GET /api/analytics``): whoever holds
the API token.

A script sends it as ``Authorization: Bearer <token>``. A browser cannot send a bearer header
when it follows a link, so the pages also take HTTP Basic authentication with the token as the
password (any user name): the browser asks once and sends it with every page of ``/admin/``.
Like writes (``web.auth``): 403 when the server has no token, 401 without it or with another,
400 for a token in the URL; compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from flask import current_app, request

from web.auth import TOKEN_PARAMETERS
from web.errors import ApiError

BASIC_CHALLENGE = 'Basic realm="vietsearch admin", charset="UTF-8"'
BEARER_CHALLENGE = 'Bearer realm="vietsearch"'


def require_admin(page: bool = False) -> None:
    """Raise ``ApiError`` unless this request carries the API token; ``page``: challenge a
    browser with HTTP Basic rather than Bearer."""
    if any(name in request.args for name in TOKEN_PARAMETERS):
        raise ApiError(
            400, "token_in_url", "Send the token in the Authorization header, never in the URL."
        )
    token = current_app.extensions["vietsearch_api_token"]
    if token is None:
        raise ApiError(
            403, "admin_disabled", "The admin pages are off: the server has no API token."
        )
    given = _given_token()
    challenge = {"WWW-Authenticate": BASIC_CHALLENGE if page else BEARER_CHALLENGE}
    if given is None:
        raise ApiError(401, "unauthorized", "This needs the API token.", challenge)
    if not hmac.compare_digest(_bytes(given), _bytes(token)):
        raise ApiError(401, "invalid_token", "The token is not the server's API token.", challenge)


def _given_token() -> str | None:
    """The bearer token, or the password of HTTP Basic credentials, or None."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    value = value.strip()
    if not value:
        return None
    if scheme.lower() == "bearer":
        return value
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
