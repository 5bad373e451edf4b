"""A merge policy for commits that must not hold the index's only writer for long.

Whoosh's default (``MERGE_SMALL``) merges whatever its Fibonacci rule picks, which on a
10,000-article index can be thousands of articles: one small commit then held the writer for
minutes, and every write waiting behind it failed. ``bounded_merge`` merges segments of about
the same size, ``MERGE_AT`` at a time, so each byte is rewritten only a few times as segments
grow (merging the smallest few into one growing segment rewrote it on every merge), and never
more than ``MAX_MERGE_BYTES`` in one commit. Bigger segments are left for
``python -m indexer optimize``.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Callable

from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from indexer.store.locks import live_writers_present

# Whoosh merges one to two MB of segment a second on the development machine, and 2 MB took
# 3 s while it was busy: a writer waiting in turn behind a few such commits must still get the
# writer well within the time a write over HTTP waits (indexer.store.live.WRITE_TIMEOUT_S). Segments
# stop growing at about this size, so more segments pile up the smaller it is.
MAX_MERGE_BYTES = 2 * 1024 * 1024
MERGE_AT = 4
# Segments up to this size count as one size; a tier is MERGE_AT times the one below.
SMALLEST_TIER_BYTES = 64 * 1024


def bounded_merge(writer: SegmentWriter, segments: list) -> list:
    """Merge the smallest size tier that has ``MERGE_AT`` segments within ``MAX_MERGE_BYTES``
    into the writer's new segment; return the segments left as they are."""
    sizes = _segment_bytes(writer.storage.folder, segments)
    tiers = defaultdict(list)
    for segment in sorted(segments, key=lambda s: sizes[s.segment_id()]):
        tiers[_tier(sizes[segment.segment_id()])].append(segment)
    for tier in sorted(tiers):
        group = _within_budget(tiers[tier], sizes)
        if len(group) >= MERGE_AT:
            return _merge_into(writer, segments, group)
    return list(segments)


def small_segments(segments: list, limit_docs: int, most_docs: int | None = None) -> list:
    """The segments of at most ``limit_docs`` documents, in order; with ``most_docs``, only the
    first of them that hold that many documents together (at least two)."""
    small = [segment for segment in segments if segment.doc_count_all() <= limit_docs]
    if most_docs is None:
        return small
    chosen, total = [], 0
    for segment in small:
        total += segment.doc_count_all()
        if total > most_docs and len(chosen) >= 2:
            break
        chosen.append(segment)
    return chosen


def merge_small(limit_docs: int, most_docs: int):
    """A merge policy: segments of at most ``limit_docs`` documents (a build's batches, or what
    interrupted builds left) merged into the writer's new segment, up to ``most_docs``
    documents in all (``small_segments``)."""

    def policy(writer: SegmentWriter, segments: list) -> list:
        return _merge_into(writer, segments, small_segments(segments, limit_docs, most_docs))

    return policy


def _merge_into(writer: SegmentWriter, segments: list, chosen: list) -> list:
    """Add the ``chosen`` segments' documents to the writer's new segment; return the others."""
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in chosen]


def _within_budget(segments: list, sizes: dict[str, int]) -> list:
    """The first of ``segments`` (smallest first) whose sizes add up to ``MAX_MERGE_BYTES``."""
    chosen, total = [], 0
    for segment in segments:
        total += sizes[segment.segment_id()]
        if total > MAX_MERGE_BYTES:
            break
        chosen.append(segment)
    return chosen


def _tier(size: int) -> int:
    return int(math.log(max(size, SMALLEST_TIER_BYTES) / SMALLEST_TIER_BYTES, MERGE_AT))


def _segment_bytes(folder: str, segments: list) -> dict[str, int]:
    """Bytes on disk of each segment's files (``MAIN_<id>.seg``, or its parts before assembly)."""
    sizes = {segment.segment_id(): 0 for segment in segments}
    for entry in os.scandir(folder):
        owner = entry.name.split(".", 1)[0]
        if owner in sizes and entry.is_file():
            sizes[owner] += entry.stat().st_size
    return sizes


def merge_policy(index_dir: str | os.PathLike, otherwise: Callable | None) -> Callable | None:
    """``bounded_merge`` while a server takes writes to the index (its writes must not wait
    behind a long merge), else ``otherwise``: Whoosh's default (None) for deletions and
    optimize, ``NO_MERGE`` inside a build, which merges once at its end."""
    return bounded_merge if live_writers_present(index_dir) else otherwise
