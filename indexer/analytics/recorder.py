"""Counting searches and clicks without slowing them: in memory, written every few seconds.

A request adds the query as typed to a dictionary in its process's memory (a microsecond or two:
no folding, no disk); a thread folds what has gathered into query keys (``keys``) and writes it to
the analytics file in one short transaction every ``flush_interval_s``,
so several server processes share the file without waiting on each other. ``close`` writes
what is left: a server that stops cleanly loses no count. A write that fails (the file locked
for too long, a full disk) keeps its counts in memory for the next one.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from indexer.analytics.keys import query_form, query_key
from indexer.analytics.store import COUNTS, AnalyticsStore

DEFAULT_RETENTION_DAYS = 90
FLUSH_INTERVAL_S = 5.0
# Forgetting old days is a DELETE over the oldest rows: at most this often.
FORGET_INTERVAL_S = 3600.0
_SEARCHES, _EMPTY, _SHOWN, _CLICKS = range(len(COUNTS))
# Popular queries come back all day: fold each once.
_key = lru_cache(maxsize=65536)(query_key)
_form = lru_cache(maxsize=65536)(query_form)


class AnalyticsRecorder:
    """Counts per day and query key for the analytics file at ``path``.

    ``retention_days``: days kept, today included; older ones are deleted. ``today`` gives the
    day a count belongs to (the machine's local date by default).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        flush_interval_s: float = FLUSH_INTERVAL_S,
        today: Callable[[], dt.date] = dt.date.today,
    ):
        self.store = AnalyticsStore(path)
        self.retention_days = retention_days
        self.flush_interval_s = flush_interval_s
        self.today = today
        self._typed: dict[tuple[str, str], list[int]] = {}  # (day, as typed): counts
        # Folded, waiting to be written (only the flush touches these, under _flushing).
        self._counts: dict[tuple[str, str], list[int]] = {}
        self._forms: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._thread_pid: int | None = None
        self._stop = threading.Event()
        self._forgotten_at = -FORGET_INTERVAL_S
        atexit.register(self.close)

    @property
    def path(self) -> Path:
        """The analytics file."""
        return self.store.path

    def record_search(self, query: str, total: int, shown: bool) -> None:
        """Count a search for ``query`` that found ``total`` documents; ``shown``: it came from
        the page and showed results someone could open."""
        if not query or query.isspace():
            return
        day = self.today().isoformat()
        with self._lock:
            counts = self._typed.get((day, query))
            if counts is None:
                counts = self._typed[(day, query)] = [0, 0, 0, 0]
            counts[_SEARCHES] += 1
            counts[_EMPTY] += total == 0
            counts[_SHOWN] += bool(shown and total)
        self._ensure_thread()

    def record_click(self, query: str) -> None:
        """Count a result of ``query`` opened from the page."""
        if not query or query.isspace():
            return
        with self._lock:
            counts = self._typed.setdefault((self.today().isoformat(), query), [0, 0, 0, 0])
            counts[_CLICKS] += 1
        self._ensure_thread()

    def pending(self) -> int:
        """How many (day, query as typed) counts wait to be written."""
        with self._lock:
            return len(self._typed) + len(self._counts)

    def flush(self) -> None:
        """Write what has gathered in one transaction; keep it for later if that fails."""
        with self._flushing:
            with self._lock:
                typed, self._typed = self._typed, {}
            self._fold(typed)
            counts, forms = self._counts, self._forms
            self._counts, self._forms = {}, {}
            if counts or forms:
                try:
                    self.store.add(counts, forms)
                except sqlite3.Error:
                    self._put_back(counts, forms)
                    raise
            self._forget_old_days()

    def _fold(self, typed: dict[tuple[str, str], list[int]]) -> None:
        """Add counts per query as typed to the counts per key and form (under ``_flushing``)."""
        for (day, query), values in typed.items():
            key = _key(query)
            if not key:
                continue
            mine = self._counts.setdefault((day, key), [0, 0, 0, 0])
            for i, value in enumerate(values):
                mine[i] += value
            if values[_SEARCHES]:
                form = (day, key, _form(query))
                self._forms[form] = self._forms.get(form, 0) + values[_SEARCHES]

    def close(self) -> None:
        """Stop the writing thread and write what is left (a clean shutdown loses nothing)."""
        self._stop.set()
        try:
            self.flush()
        except sqlite3.Error:
            pass  # nothing more can be done at exit; the counts were kept until now

    def _put_back(self, counts: dict, forms: dict) -> None:
        for key, values in counts.items():
            mine = self._counts.setdefault(key, [0, 0, 0, 0])
            for i, value in enumerate(values):
                mine[i] += value
        for key, count in forms.items():
            self._forms[key] = self._forms.get(key, 0) + count

    def _forget_old_days(self) -> None:
        now = time.monotonic()
        if now - self._forgotten_at >= FORGET_INTERVAL_S:
            self._forgotten_at = now
            oldest = self.today() - dt.timedelta(days=self.retention_days - 1)
            self.store.forget_before(oldest)

    def _ensure_thread(self) -> None:
        # Threads do not survive fork(): a server's worker starts its own.
        if self._thread_pid == os.getpid():
            return
        with self._lock:
            if self._thread_pid != os.getpid():
                self._thread_pid = os.getpid()
                self._stop.clear()
                thread = threading.Thread(
                    target=self._run, name="vietsearch-analytics", daemon=True
                )
                thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_interval_s):
            try:
                self.flush()
            except sqlite3.Error:
                continue  # kept in memory; the next round tries again
