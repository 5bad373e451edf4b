"""Search analytics for editors: what people search for, what finds nothing, what nobody opens.

``AnalyticsRecorder`` counts searches and clicks per day and query in memory and writes them to
a small SQLite file every few seconds (``store``), under a folded key so that ``Hà Nội`` and
``ha noi`` count together (``keys``); no client address is ever kept, and days past the
retention are deleted. ``analytics_report`` and ``report_csv`` read them back, with what would
help each query that found nothing: a did-you-mean that finds documents, or abbreviations the
synonym dictionary lacks.
"""

from indexer.analytics.keys import abbreviation_like, missing_synonyms, query_form, query_key
from indexer.analytics.recorder import DEFAULT_RETENTION_DAYS, AnalyticsRecorder
from indexer.analytics.report import (
    DEFAULT_DAYS,
    DEFAULT_LIMIT,
    Help,
    analytics_report,
    query_help,
    report_csv,
)
from indexer.analytics.store import AnalyticsStore, QueryCounts

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_LIMIT",
    "DEFAULT_RETENTION_DAYS",
    "AnalyticsRecorder",
    "AnalyticsStore",
    "Help",
    "QueryCounts",
    "abbreviation_like",
    "analytics_report",
    "missing_synonyms",
    "query_form",
    "query_help",
    "query_key",
    "report_csv",
]
