"""An opened index: one Whoosh searcher, kept and replaced when a commit changes the index."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from indexer.searching import weighting

# How often a long-lived searcher looks for new commits (listing the folder costs ~0.1 ms).
REFRESH_INTERVAL_S = 0.5


class IndexMissing(FileNotFoundError):
    """There is no index in the folder; the message names the command that builds one."""


class SearchIndex:
    """A searchable index in a folder.

    ``searcher()`` hands out one shared searcher (opening one costs ~150 ms on a big index) and
    swaps in a refreshed one when another process has committed, so new documents show up
    within ``REFRESH_INTERVAL_S`` without a restart.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not whoosh_index.exists_in(self.path):
            raise IndexMissing(
                f"no index in {self.path}; build one with: python -m indexer build SOURCE... "
                f"--index {self.path}"
            )
        self._ix = whoosh_index.open_dir(self.path)
        self._searcher: Searcher | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def searcher(self) -> Searcher:
        """The current searcher, refreshed if the index changed since it was opened."""
        with self._lock:
            now = time.monotonic()
            if self._searcher is None:
                self._searcher = self._ix.searcher(weighting=weighting())
                self._checked_at = now
            elif now - self._checked_at >= REFRESH_INTERVAL_S:
                self._checked_at = now
                if not self._searcher.up_to_date():
                    self._searcher = self._searcher.refresh()
            return self._searcher

    def document(self, doc_id: str) -> dict | None:
        """The stored document with this id (its public fields), or None."""
        stored = self.searcher().document(id=doc_id)
        if stored is None:
            return None
        published = stored.get("published")
        return {
            "id": stored["id"],
            "title": stored.get("title", ""),
            "body": stored.get("body", ""),
            "url": stored.get("url", ""),
            "published": published.isoformat() if published else None,
            "source": stored.get("source", ""),
            "category": stored.get("category", ""),
            "tags": [t for t in stored.get("tags", "").split(",") if t],
        }

    def doc_count(self) -> int:
        """How many live documents the index holds."""
        return self.searcher().doc_count()

    def last_commit_time(self) -> float:
        """When the latest commit was written (seconds since the epoch)."""
        return last_commit_time(self.path)

    def close(self) -> None:
        """Release the searcher's files."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None


def last_commit_time(path: str | os.PathLike) -> float:
    """When the latest commit in the index folder ``path`` was written (its table of contents)."""
    return max((toc.stat().st_mtime for toc in Path(path).glob("_MAIN_*.toc")), default=0.0)


def open_index(path: str | os.PathLike) -> SearchIndex:
    """Open the index in ``path`` for searching; raise ``IndexMissing`` if there is none."""
    return SearchIndex(path)
