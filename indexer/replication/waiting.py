"""Waiting until an index shows a given commit: ``after_seq`` on a single node.

A single node's writes answer with their commit's generation as ``seq``; a search that passes
it back as ``after_seq`` must read that commit or a later one. The commit is on disk before the
write is answered, so only a searcher opened earlier can be behind: the caller refreshes it
(``SearchIndex.searcher(fresh=True)``) once this returns. A generation the index has not
reached yet is waited for, up to a bound.
"""

from __future__ import annotations

import os
import time

from indexer.replication.errors import NotCaughtUp
from indexer.store.positions import latest_generation

POLL_S = 0.005


def wait_for_generation(path: str | os.PathLike, generation: int, timeout: float) -> None:
    """Return once the index in ``path`` has made commit ``generation``; ``NotCaughtUp`` if it
    has not within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while latest_generation(path) < generation:
        if time.monotonic() >= deadline:
            raise NotCaughtUp(
                f"this index has not reached commit {generation} within {timeout:g} s "
                f"(it is at {latest_generation(path)})"
            )
        time.sleep(POLL_S)
