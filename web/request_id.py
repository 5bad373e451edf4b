"""The id of the request being answered (set by ``web.observability``; see there)."""

from __future__ import annotations

import re
import uuid

from flask import g, request

REQUEST_ID_HEADER = "X-Request-Id"
# A proxy's own id is kept when it is short and printable: 1-64 visible ASCII characters.
_INCOMING_ID = re.compile(r"[\x21-\x7e]{1,64}")


def assign_request_id() -> str:
    """Take the client's ``X-Request-Id`` if it is acceptable, else make one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.vietsearch_request_id = incoming if _INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex
    return g.vietsearch_request_id


def current_request_id() -> str:
    """This request's id (made now if the request never had one assigned)."""
    if "vietsearch_request_id" not in g:
        g.vietsearch_request_id = uuid.uuid4().hex
    return g.vietsearch_request_id
