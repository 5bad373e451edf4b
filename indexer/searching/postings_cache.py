"""The postings cache: term arrays a worker has read and scored, kept within a memory budget."""

from __future__ import annotations

import threading
from collections import OrderedDict


class PostingsCache:
    """Arrays read from segments, least recently used first out, within ``budget_bytes``.

    Reading and scoring a term's postings is most of a query's cost, and the same common
    syllables come back in query after query. Segments never change once written, so a key
    naming the segment (and, for scores, the statistics they came from) never goes stale;
    deletions are applied after the cache. Values are tuples of arrays nobody may change.
    """

    def __init__(self, budget_bytes: int):
        self.budget_bytes = budget_bytes
        self.used_bytes = 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The arrays stored under ``key``, or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key, value):
        """Keep ``value`` (unless it alone is over budget) and return it."""
        for array in value:
            array.flags.writeable = False
        size = _entry_bytes(value)
        if size > self.budget_bytes:
            return value
        with self._lock:
            if key not in self._entries:
                self._entries[key] = value
                self.used_bytes += size
            while self.used_bytes > self.budget_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.used_bytes -= _entry_bytes(dropped)
        return value


def _entry_bytes(value) -> int:
    # An absent term's empty arrays still cost their key and objects: count ~300 bytes each.
    return 300 + sum(array.nbytes for array in value)


# 12 bytes a scored posting (document numbers in 32 bits): about 11 million postings, the
# common syllables of a large index. Each worker fills it within a few hundred queries.
POSTINGS_CACHE = PostingsCache(128 * 1024 * 1024)
