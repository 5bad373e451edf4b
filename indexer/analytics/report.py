"""What the analytics show an editor: top queries, queries that found nothing (and what would
help), queries whose results nobody opened, searches per day, and the same as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass

from indexer.analytics.keys import missing_synonyms
from indexer.analytics.store import AnalyticsStore, QueryCounts
from indexer.errors import QueryError
from indexer.language import Synonyms
from indexer.searching import SearchIndex, search

DEFAULT_DAYS = 30
DEFAULT_LIMIT = 20
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Help:
    """What would help a query that found nothing, looked up on the index as it is now."""

    now_finds: int  # what the query finds today (documents may have been added since)
    did_you_mean: str | None  # a corrected query that finds documents, if there is one
    did_you_mean_finds: int
    missing_synonyms: list[str]  # abbreviations in it that the dictionary does not know


def analytics_report(
    store: AnalyticsStore,
    index: SearchIndex | None = None,
    synonyms: Synonyms | None = None,
    days: int = DEFAULT_DAYS,
    limit: int = DEFAULT_LIMIT,
    today: dt.date | None = None,
) -> dict:
    """The report over the last ``days`` days (today included), each list cut at ``limit``.

    With ``index``, each query that found nothing gets its ``help`` (``Help``): a did-you-mean
    from ``search`` and the abbreviations ``synonyms`` lacks.
    """
    since = (today or dt.date.today()) - dt.timedelta(days=days - 1)
    queries = store.queries(since)
    empty = sorted((q for q in queries if q.empty), key=lambda q: (-q.empty, q.key))[:limit]
    unopened = [q for q in queries if q.shown and not q.clicks]
    unopened.sort(key=lambda q: (-q.shown, q.key))
    return {
        "since": since.isoformat(),
        "days": days,
        "totals": {
            "searches": sum(q.searches for q in queries),
            "empty": sum(q.empty for q in queries),
            "clicks": sum(q.clicks for q in queries),
            "queries": len(queries),
        },
        "per_day": store.days(since),
        "top": [asdict(q) for q in queries[:limit]],
        "no_results": [_with_help(q, index, synonyms) for q in empty],
        "unopened": [asdict(q) for q in unopened[:limit]],
    }


def _with_help(counts: QueryCounts, index: SearchIndex | None, synonyms: Synonyms | None) -> dict:
    row = asdict(counts)
    if index is not None:
        row["help"] = asdict(query_help(index, counts.query, synonyms))
    return row


def query_help(index: SearchIndex, query: str, synonyms: Synonyms | None = None) -> Help:
    """What would help ``query``, which found nothing: see ``Help``."""
    missing = missing_synonyms(query, synonyms if synonyms is not None else Synonyms())
    try:
        page = search(index, query, per_page=1, synonyms=synonyms)
    except QueryError:
        return Help(0, None, 0, missing)
    finds = 0
    if page.suggestion:
        finds = search(index, page.suggestion, per_page=1, synonyms=synonyms).total
    return Help(page.total, page.suggestion if finds else None, finds, missing)


def report_csv(
    store: AnalyticsStore, days: int = DEFAULT_DAYS, today: dt.date | None = None
) -> str:
    """Every day and query of the period as CSV: day, query, searches, searches without
    results, page searches with results, clicks."""
    since = (today or dt.date.today()) - dt.timedelta(days=days - 1)
    shown = {q.key: q.query for q in store.queries(since)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", "query", "searches", "no_results", "shown_results", "clicks"])
    for day, key, *counts in store.daily_rows(since):
        writer.writerow([day, _cell(shown.get(key, key)), *counts])
    return out.getvalue()


def _cell(text: str) -> str:
    """Text a spreadsheet shows as text, never runs (OWASP's advice: a leading apostrophe)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
