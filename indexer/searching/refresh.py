"""A searcher over the latest commit that reopens only the segments that changed.

Whoosh 2.7.4's ``Searcher.refresh()`` means to reuse the readers of unchanged segments, but it
files them by generation and looks them up by segment id, so it never does: every refresh
opens every segment again, and opening one copies its term file into memory (0.3-1 s on a
10,000-article index). With commits arriving over HTTP several times a second, a worker spent
most of its time reopening the index.
"""

from __future__ import annotations

import time

from whoosh.index import Index
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

RETRIES = 10


def refreshed(searcher: Searcher, ix: Index) -> tuple[Searcher, list[SegmentReader]]:
    """A searcher over ``ix``'s latest commit, with ``searcher``'s weighting, and the readers
    of ``searcher`` it does not use.

    It shares ``searcher``'s readers of segments whose deletions did not change since (a
    segment's files never change; only its list of deleted documents grows). The caller closes
    the others once nothing reads through ``searcher`` any more.
    """
    for attempt in range(RETRIES):
        try:
            return _refreshed(searcher, ix)
        except OSError:  # a commit removed a file between reading the TOC and opening it
            if attempt == RETRIES - 1:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def _refreshed(searcher: Searcher, ix: Index) -> tuple[Searcher, list[SegmentReader]]:
    toc = ix._read_toc()
    old = {
        reader.segment().segment_id(): reader
        for reader, _ in searcher.reader().leaf_readers()
        if isinstance(reader, SegmentReader)
    }
    readers, opened = [], []
    try:
        for segment in toc.segments:
            reader = old.get(segment.segment_id())
            if reader is None or reader.segment().deleted_count() != segment.deleted_count():
                reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
                opened.append(reader)
            readers.append(reader)
    except BaseException:
        for reader in opened:
            reader.close()
        raise
    unused = [reader for reader in old.values() if reader not in readers]
    combined = (
        MultiReader(readers, generation=toc.generation) if readers else EmptyReader(toc.schema)
    )
    return Searcher(combined, weighting=searcher.weighting, fromindex=ix), unused
