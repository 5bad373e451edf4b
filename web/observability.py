"""Every request gets an id, a JSON log line and its metrics.

The id is the client's ``X-Request-Id`` when that is short and printable (1-64 visible ASCII
characters, so a proxy's id carries through), else a new one; it is echoed in the
``X-Request-Id`` header of every answer and in every JSON error body (``request_id``), so a
complaint can be found in the logs.

The request log is one JSON object a line: ``time`` (UTC), ``request_id``, ``method``,
``route`` (the URL rule, ``/api/documents/<path:doc_id>``, never the path or query string, which
hold what people search for), ``status``, ``duration_ms``, and ``results`` for searches. The
client's address only with ``LOG_CLIENT_ADDRESS`` on. ``REQUEST_LOG``: ``-`` (standard error,
the default), ``off``, or a file (appended to; reopened when logrotate moves it). gunicorn's
own messages stay in its error log.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import re
import sys
import time
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request

from indexer import SearchPage, SearchRequest
from web import metrics
from web.request_id import REQUEST_ID_HEADER, assign_request_id, current_request_id
from web.switches import switch

# Field filters of the query language; a query with one is a filtered search.
_FIELD_FILTER = re.compile(r"(?<![^\s(\-])(?:title|source|category|published):", re.IGNORECASE)
_WORD = re.compile(r"\w+")
SHORT_QUERY_WORDS = 6
_loggers: dict[str, logging.Logger] = {}


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
    app.extensions["vietsearch_request_log"] = _request_logger(app.config.get("REQUEST_LOG", "-"))
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
    if args.filtered or _FIELD_FILTER.search(args.query):
        kind = "filtered"
    else:
        kind = "short" if len(_WORD.findall(args.query)) <= SHORT_QUERY_WORDS else "long"
    g.vietsearch_search = SearchSeen(args.query, kind, args.page, page.total)


def finish_request(response: Response) -> Response:
    """Echo the id, count the request, write its log line."""
    response.headers[REQUEST_ID_HEADER] = current_request_id()
    seconds = time.perf_counter() - g.get("vietsearch_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    metrics.observe(response, route, seconds)
    logger = current_app.extensions["vietsearch_request_log"]
    if logger is not None:
        logger.info(_log_line(response, route, seconds))
    return response


def _log_line(response: Response, route: str, seconds: float) -> str:
    line = {
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
        "request_id": current_request_id(),
        "method": request.method,
        "route": route,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 2),
    }
    seen = g.get("vietsearch_search")
    if seen is not None:
        line["results"] = seen.total
    if current_app.extensions["vietsearch_log_client"]:
        line["client"] = request.remote_addr
    return json.dumps(line, ensure_ascii=False)


def _request_logger(destination: object) -> logging.Logger | None:
    """The logger that writes request lines to ``destination`` (one per destination and
    process, so apps made again and again share it)."""
    where = str(destination).strip() if destination is not None else "-"
    if where.lower() == "off":
        return None
    if where in ("", "-", "stderr"):
        where = "-"
    if where not in _loggers:
        if where == "-":
            handler: logging.Handler = _StandardError()
        else:
            try:
                handler = logging.handlers.WatchedFileHandler(where, encoding="utf-8")
            except OSError as exc:
                raise ValueError(f"REQUEST_LOG: cannot write {where}: {exc.strerror}") from None
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger(f"vietsearch.requests.{len(_loggers)}")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        _loggers[where] = logger
    return _loggers[where]


class _StandardError(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (tests swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass
