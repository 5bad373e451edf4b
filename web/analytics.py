"""Search analytics for editors, opt-in: ``ANALYTICS`` (``VIETSEARCH_ANALYTICS``) ``on``.

Searches from the page and the JSON API (their first page, with a query) are counted per folded
query in ``ANALYTICS_FILE`` (default: beside the index folder, ``<index>.analytics.sqlite3``),
never with the client's address; ``ANALYTICS_DAYS`` days are kept (default 90). With analytics
on, the page's result links go through ``/click``, which counts the click and redirects to the
document's own URL, or to its page ``/doc/<id>`` when it has none (only ever a document the
index holds: not an open redirect). Behind the API token (``web.admin``): the page
``/admin/analytics``, its CSV, and ``GET /api/analytics``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from indexer import (
    DEFAULT_INDEX,
    MAX_QUERY_CHARS,
    AnalyticsRecorder,
    AnalyticsUnavailable,
    analytics_report,
    report_csv,
)
from web.admin import require_admin
from web.errors import ApiError
from web.switches import switch
from web.worker_index import current_index

DEFAULT_RETENTION_DAYS = 90
DEFAULT_REPORT_DAYS = 30
PERIODS = (7, 30, 90)
MAX_LIMIT = 100
DEFAULT_LIMIT = 20

bp = Blueprint("analytics", __name__)


def register_analytics(app: Flask) -> None:
    """Check the analytics settings now (and open the file when on); add the routes."""
    enabled = switch(app.config.get("ANALYTICS", "off"), "ANALYTICS")
    days = _retention(app.config.get("ANALYTICS_DAYS", DEFAULT_RETENTION_DAYS))
    app.config["ANALYTICS_DAYS"] = days
    recorder = None
    if enabled:
        path = app.config.get("ANALYTICS_FILE") or default_file(app.config.get("INDEX"))
        try:
            recorder = AnalyticsRecorder(path, retention_days=days)
        except AnalyticsUnavailable as exc:
            raise ValueError(str(exc)) from None
    app.extensions["vietsearch_analytics"] = recorder
    app.add_template_global(counted_link)
    app.after_request(count_search)
    app.register_blueprint(bp)


def default_file(index: object) -> Path:
    """``<index folder>.analytics.sqlite3``, beside the index folder (never inside it: builds
    may replace the folder whole)."""
    folder = Path(str(index)) if index else DEFAULT_INDEX
    return folder.parent / f"{folder.name}.analytics.sqlite3"


def recorder() -> AnalyticsRecorder | None:
    """The app's recorder, or None when analytics are off."""
    return current_app.extensions.get("vietsearch_analytics")


def count_search(response: Response) -> Response:
    """Count the search this request ran, if it is one to count (first page, with a query,
    answered 200, not from the admin pages)."""
    seen = g.get("vietsearch_search")
    counting = recorder()
    if counting is None or seen is None or response.status_code != 200:
        return response
    if seen.page == 1 and seen.query.strip() and request.method == "GET" and not _from_admin():
        counting.record_search(seen.query, seen.total, shown=request.endpoint == "pages.search")
    return response


def counted_link(link: str | None, doc_id: str, query: str) -> str | None:
    """A result's link on the page: through /click when analytics are on."""
    if link is None or recorder() is None:
        return link
    return url_for("analytics.click", q=query, id=doc_id)


@bp.get("/click")
def click():
    """Count a click on a result of ``q`` and go to document ``id``'s URL (its page here,
    ``/doc/<id>``, when it has no web link of its own)."""
    doc_id = request.args.get("id", "")
    with current_index().use() as index:
        stored = index.document(doc_id) if doc_id else None
    query = request.args.get("q", "")
    url = (stored or {}).get("url") or ""
    if stored is not None and not _web_link(url):  # no page of its own: ours
        url = url_for("document.page", doc_id=doc_id, q=query or None)
    if not url:
        raise ApiError(404, "document_not_found", "There is no document with this id.")
    counting = recorder()
    if counting is not None and 0 < len(query) <= MAX_QUERY_CHARS:
        counting.record_click(query)
    response = redirect(url, 302)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/analytics")
def page():
    """The editors' page: top queries, no results and what would help, results nobody opened."""
    require_admin(page=True)
    counting = recorder()
    if counting is None:
        return render_template("analytics.html", q="", report=None), 404
    days = _whole("days", DEFAULT_REPORT_DAYS, 1, _kept())
    report = _report(counting, days, DEFAULT_LIMIT)
    periods = [p for p in PERIODS if p <= _kept()]
    return render_template(
        "analytics.html", q="", report=report, days=days, periods=periods, chart=_chart(report)
    )


@bp.get("/admin/analytics.csv")
def page_csv():
    """The CSV behind the page (HTTP Basic, like the page)."""
    require_admin(page=True)
    return _csv(_enabled(), _whole("days", DEFAULT_REPORT_DAYS, 1, _kept()))


@bp.get("/api/analytics")
def api():
    """The report as JSON, or ``format=csv``: one row per day and query."""
    require_admin()
    counting = _enabled()
    days = _whole("days", DEFAULT_REPORT_DAYS, 1, _kept())
    output = request.args.get("format") or "json"
    if output not in ("json", "csv"):
        raise ApiError(400, "invalid_parameter", "format must be json or csv.")
    if output == "csv":
        return _csv(counting, days)
    return _report(counting, days, _whole("limit", DEFAULT_LIMIT, 1, MAX_LIMIT))


def _report(counting: AnalyticsRecorder, days: int, limit: int) -> dict:
    counting.flush()  # this worker's latest counts; others' arrive within seconds
    with current_index().use() as index:
        return analytics_report(
            counting.store,
            index,
            current_app.extensions.get("vietsearch_synonyms"),
            days=days,
            limit=limit,
            today=counting.today(),
        )


def _csv(counting: AnalyticsRecorder, days: int) -> Response:
    counting.flush()
    body = report_csv(counting.store, days=days, today=counting.today())
    response = Response("\ufeff" + body, mimetype="text/csv")  # the BOM: Excel reads UTF-8
    name = f"vietsearch-analytics-{counting.today().isoformat()}-{days}d.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _enabled() -> AnalyticsRecorder:
    counting = recorder()
    if counting is None:
        raise ApiError(
            404,
            "analytics_disabled",
            "Search analytics are off; start the server with VIETSEARCH_ANALYTICS=on.",
        )
    return counting


def _kept() -> int:
    return current_app.config["ANALYTICS_DAYS"]


def _whole(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return min(default, high)
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, "invalid_parameter", f"{name} must be a whole number {low}-{high}.")
    return int(raw)


def _retention(value: object) -> int:
    try:
        days = int(str(value))
    except ValueError:
        days = 0
    if not 1 <= days <= 3650:
        raise ValueError(f"ANALYTICS_DAYS must be a whole number of days, 1-3650; got {value!r}")
    return days


def _from_admin() -> bool:
    """A search an editor opened from the analytics page is not a reader's search."""
    referrer = request.headers.get("Referer", "")
    if "/admin/" not in referrer:
        return False
    try:
        return urlsplit(referrer).path.startswith("/admin/")
    except ValueError:
        return False


def _web_link(url: str) -> bool:
    try:
        return urlsplit(url).scheme in ("http", "https")
    except ValueError:
        return False


def _chart(report: dict) -> dict:
    """Bars for searches per day over the period, zero days included, for the page's SVG."""
    counts = {row["day"]: row for row in report["per_day"]}
    first = dt.date.fromisoformat(report["since"])
    days = [first + dt.timedelta(days=n) for n in range(report["days"])]
    rows = [counts.get(day.isoformat(), {"searches": 0, "empty": 0}) for day in days]
    top = max((row["searches"] for row in rows), default=0) or 1
    bars = [
        {
            "day": day,
            "x": n * 10,
            "searches": row["searches"],
            "empty": row["empty"],
            "height": round(100 * row["searches"] / top, 1),
            "empty_height": round(100 * row["empty"] / top, 1),
        }
        for n, (day, row) in enumerate(zip(days, rows, strict=True))
    ]
    return {"bars": bars, "width": 10 * len(bars), "top": top}
