"""Every request gets an id, a JSON log line and its metrics.

The id is the client's ``X-Request-Id`` when that is short and plain (1-64 letters, digits or
``._:/+=@-``, so a proxy's id carries through), else a new one; it is echoed in the
``X-Request-Id`` header of every answer and in every JSON error body (``request_id``), so a
complaint can be found in the logs.

The request log is one JSON object a line: ``time`` (UTC), ``request_id``, ``method``,
``route`` (the URL rule, ``/api/documents/<path:doc_id>``, never the path or query string, which
hold what people search for), ``status``, ``duration_ms``, ``results`` for searches, and
``reason`` for a ``/healthz`` that takes the node out of rotation (its status and message). The
client's address only with ``LOG_CLIENT_ADDRESS`` on. ``REQUEST_LOG``: ``-`` (standard error,
the default), ``off``, or a file (appended to; reopened when logrotate moves it). gunicorn's
own messages stay in its error log.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request

from indexer import SearchPage, SearchRequest
from web import metrics
from web.request_id import REQUEST_ID_HEADER, assign_request_id, current_request_id
from web.switches import switch

# Field filters of the query language; a query with one is a filtered search.
_FIELD_FILTER = re.compile(r"(?<![^\s(\-])(?:title|source|category|published):", re.IGNORECASE)
SHORT_QUERY_WORDS = 6
_logs: dict[str, LineLog] = {}


@dataclass(frozen=True)
class SearchSeen:
    """The search a request ran: what the metrics, the log and the analytics need of it."""

    query: str
    kind: str  # short, long or filtered
    page: int
    total: int


def register_observability(app: Flask) -> None:
    """Check the log and metrics settings now; id, time, log and count every request.

    Call it before the other ``before_request`` hooks are registered, so that even a request
    they refuse has an id and a log line.
    """
    app.extensions["vietsearch_request_log"] = _request_log(app.config.get("REQUEST_LOG", "-"))
    app.extensions["vietsearch_log_client"] = switch(
        app.config.get("LOG_CLIENT_ADDRESS", "off"), "LOG_CLIENT_ADDRESS"
    )
    metrics.register_metrics(app)
    app.before_request(start_request)
    app.after_request(finish_request)


def start_request() -> None:
    """Note when the request started, and its id."""
    g.vietsearch_started = time.perf_counter()
    assign_request_id()


def note_search(args: SearchRequest, page: SearchPage) -> None:
    """Remember the search this request ran (``web.searches`` calls it)."""
    if args.filtered or (":" in args.query and _FIELD_FILTER.search(args.query)):
        kind = "filtered"
    else:
        kind = "short" if len(args.query.split()) <= SHORT_QUERY_WORDS else "long"
    g.vietsearch_search = SearchSeen(args.query, kind, args.page, page.total)


def finish_request(response: Response) -> Response:
    """Echo the id, count the request, write its log line."""
    request_id = current_request_id()
    response.headers[REQUEST_ID_HEADER] = request_id
    seconds = time.perf_counter() - g.get("vietsearch_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    metrics.observe(response, route, seconds)
    log = current_app.extensions["vietsearch_request_log"]
    if log is not None:
        log.write(_log_line(request_id, response.status_code, route, seconds))
    return response


def _log_line(request_id: str, status: int, route: str, seconds: float) -> str:
    """The JSON object, put together by hand (this runs on every request): the time, the id
    (checked: nothing to escape) and the numbers go in as they are, the rest through json."""
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
    line = (
        f'{{"time": "{now}", "request_id": "{request_id}", "method": {_quoted(request.method)}, '
        f'"route": {_quoted(route)}, "status": {status}, "duration_ms": {seconds * 1000:.2f}'
    )
    seen = g.get("vietsearch_search")
    if seen is not None:
        line += f', "results": {seen.total}'
    reason = g.get("vietsearch_reason")
    if reason is not None:
        line += f', "reason": {json.dumps(reason, ensure_ascii=False)}'
    if current_app.extensions["vietsearch_log_client"]:
        line += f', "client": {json.dumps(request.remote_addr)}'
    return line + "}"


@functools.lru_cache(maxsize=1024)
def _quoted(text: str) -> str:
    """``text`` as a JSON string (methods and routes: a few, over and over)."""
    return json.dumps(text, ensure_ascii=False)


def _request_log(destination: object) -> LineLog | None:
    """Where request lines go (one writer per destination and process: apps made again and
    again share it)."""
    where = str(destination).strip() if destination is not None else "-"
    if where.lower() == "off":
        return None
    where = "-" if where in ("", "-", "stderr") else where
    if where not in _logs:
        if not _logs:
            atexit.register(_close_logs)
        _logs[where] = LineLog(None if where == "-" else where)
    return _logs[where]


def _close_logs() -> None:
    for log in _logs.values():
        log.close()


class LineLog:
    """Whole lines to standard error (whatever ``sys.stderr`` is then), or appended to a file
    that is reopened when logrotate has moved it (looked at once a second)."""

    def __init__(self, path: str | None):
        self.path = path
        self._lock = threading.Lock()
        self._file = None
        self._identity: tuple[int, int] | None = None
        self._checked_at = 0.0
        if path is not None:
            try:
                self._open()
            except OSError as exc:
                raise ValueError(f"REQUEST_LOG: cannot write {path}: {exc.strerror}") from None

    def write(self, line: str) -> None:
        """Write ``line`` and a newline in one piece; a line that cannot be written is dropped
        (a full disk must not fail the request)."""
        with self._lock:
            try:
                stream = sys.stderr if self.path is None else self._current()
                stream.write(line + "\n")
                stream.flush()
            except (OSError, ValueError):
                pass

    def close(self) -> None:
        """Close the file (at exit)."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _current(self):
        now = time.monotonic()
        if self._file is None or now - self._checked_at >= 1.0:
            self._checked_at = now
            try:
                stat = os.stat(self.path)
                moved = (stat.st_dev, stat.st_ino) != self._identity
            except OSError:
                moved = True
            if moved and self._file is not None:
                self._file.close()
            if moved or self._file is None:
                self._open()
        return self._file

    def _open(self) -> None:
        self._file = open(self.path, "a", encoding="utf-8", buffering=1)
        stat = os.fstat(self._file.fileno())
        self._identity = (stat.st_dev, stat.st_ino)
