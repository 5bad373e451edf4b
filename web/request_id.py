"""The id of the request being answered (set by ``web.observability``; see there)."""

from __future__ import annotations

import itertools
import os
import re
import secrets

from flask import g, request

REQUEST_ID_HEADER = "X-Request-Id"
# A proxy's own id is kept when it is short and plain: 1-64 letters, digits or ._:/+=@-
# (nothing a log line or a header would have to escape).
INCOMING_ID = re.compile(r"[A-Za-z0-9_.:/+=@-]{1,64}")
_process = {"pid": None, "prefix": "", "counter": itertools.count()}


def assign_request_id() -> str:
    """Take the client's ``X-Request-Id`` if it is acceptable, else make one."""
    incoming = request.headers.get(REQUEST_ID_HEADER)
    if incoming and INCOMING_ID.fullmatch(incoming):
        g.vietsearch_request_id = incoming
    else:
        g.vietsearch_request_id = new_request_id()
    return g.vietsearch_request_id


def current_request_id() -> str:
    """This request's id (made now if the request never had one assigned)."""
    if "vietsearch_request_id" not in g:
        g.vietsearch_request_id = new_request_id()
    return g.vietsearch_request_id


def new_request_id() -> str:
    """24 hex digits: 12 drawn at random once per process, then a counter (a fresh draw after
    a fork), so ids are unique across workers and restarts without a random draw per request."""
    if _process["pid"] != os.getpid():
        _process.update(pid=os.getpid(), prefix=secrets.token_hex(6), counter=itertools.count())
    return f"{_process['prefix']}{next(_process['counter']):012x}"
