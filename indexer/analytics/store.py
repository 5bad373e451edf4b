"""The analytics file: counts per day and query in SQLite, written by several processes.

Two tables, one row per day and query key: ``daily`` holds the counts (searches, searches that
found nothing, page searches that showed results, clicks) and ``forms`` how often each form of
the query was typed. No client address, cookie or user id is ever stored. The file is in WAL
mode so the page reads while workers write; each write is one short transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.analytics.keys import preferred_form
from indexer.errors import AnalyticsUnavailable

BUSY_TIMEOUT_MS = 5000
COUNTS = ("searches", "empty", "shown", "clicks")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS daily (
    day TEXT NOT NULL,
    key TEXT NOT NULL,
    searches INTEGER NOT NULL DEFAULT 0,
    empty INTEGER NOT NULL DEFAULT 0,
    shown INTEGER NOT NULL DEFAULT 0,
    clicks INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS forms (
    day TEXT NOT NULL,
    key TEXT NOT NULL,
    form TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, key, form)
) WITHOUT ROWID;
"""
_ADD_COUNTS = """
INSERT INTO daily (day, key, searches, empty, shown, clicks) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (day, key) DO UPDATE SET
    searches = searches + excluded.searches, empty = empty + excluded.empty,
    shown = shown + excluded.shown, clicks = clicks + excluded.clicks
"""
_ADD_FORMS = """
INSERT INTO forms (day, key, form, count) VALUES (?, ?, ?, ?)
ON CONFLICT (day, key, form) DO UPDATE SET count = count + excluded.count
"""


@dataclass
class QueryCounts:
    """One query key's counts over a period, and the form typed most."""

    key: str
    query: str
    searches: int
    empty: int
    shown: int
    clicks: int
    first_day: str
    last_day: str


class AnalyticsStore:
    """The SQLite file at ``path``, created with its tables if missing."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            with self._connection() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise AnalyticsUnavailable(
                f"{self.path}: cannot use the analytics file: {exc}"
            ) from None

    def add(self, counts: dict[tuple[str, str], list[int]], forms: dict[tuple, int]) -> None:
        """Add ``counts`` ((day, key) → searches, empty, shown, clicks) and ``forms`` ((day, key,
        form) → times typed) in one transaction; ``sqlite3.Error`` if it did not happen."""
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(_ADD_COUNTS, [(*key, *values) for key, values in counts.items()])
            db.executemany(_ADD_FORMS, [(*key, n) for key, n in forms.items()])

    def forget_before(self, day: dt.date) -> int:
        """Delete every count of the days before ``day``; return how many rows went."""
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            removed = db.execute("DELETE FROM daily WHERE day < ?", (day.isoformat(),)).rowcount
            db.execute("DELETE FROM forms WHERE day < ?", (day.isoformat(),))
        return removed

    def queries(self, since: dt.date) -> list[QueryCounts]:
        """Every query key counted on ``since`` or after, with its totals, most searched first."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT key, SUM(searches), SUM(empty), SUM(shown), SUM(clicks), MIN(day), "
                "MAX(day) FROM daily WHERE day >= ? GROUP BY key ORDER BY 2 DESC, key",
                (since.isoformat(),),
            ).fetchall()
            forms = self._forms(db, since)
        return [
            QueryCounts(row[0], _shown_form(forms.get(row[0]), row[0]), *row[1:]) for row in rows
        ]

    def days(self, since: dt.date) -> list[dict]:
        """Per day from ``since``: searches, searches that found nothing, clicks."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT day, SUM(searches), SUM(empty), SUM(clicks) FROM daily WHERE day >= ? "
                "GROUP BY day ORDER BY day",
                (since.isoformat(),),
            ).fetchall()
        return [dict(zip(("day", "searches", "empty", "clicks"), row, strict=True)) for row in rows]

    def daily_rows(self, since: dt.date) -> list[tuple]:
        """(day, key, searches, empty, shown, clicks) for every day and key from ``since``."""
        with self._connection() as db:
            return db.execute(
                "SELECT day, key, searches, empty, shown, clicks FROM daily WHERE day >= ? "
                "ORDER BY day, searches DESC, key",
                (since.isoformat(),),
            ).fetchall()

    def _forms(self, db: sqlite3.Connection, since: dt.date) -> dict[str, dict[str, int]]:
        forms: dict[str, dict[str, int]] = {}
        for key, form, count in db.execute(
            "SELECT key, form, SUM(count) FROM forms WHERE day >= ? GROUP BY key, form",
            (since.isoformat(),),
        ):
            forms.setdefault(key, {})[form] = count
        return forms

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for one piece of work: committed when the block ends, else rolled back."""
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            yield db
            if db.in_transaction:
                db.execute("COMMIT")
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")
            db.close()


def _shown_form(forms: dict[str, int] | None, key: str) -> str:
    return preferred_form(forms) if forms else key
