"""Files that interrupted commits leave in an index folder, and their removal.

A Whoosh commit writes the new segment's files (``MAIN_<id>.*``), then the table of contents
under a temporary name (``_MAIN_<generation>.toc.<time>``), renames it into place and deletes
what the new generation no longer uses. A process killed on the way leaves segment files that
no table of contents names, a temporary table of contents, or older tables of contents.
Whoosh's next commit deletes orphan segments and older generations, but never a temporary table
of contents, so every writer removes them all when it starts (``indexer.store.commits.committing``).
(The writer's scratch folder, ``MAIN.tmp``, is emptied by the next writer.)
"""

from __future__ import annotations

import re
from pathlib import Path

from whoosh.writing import SegmentWriter


def remove_stale_files(writer: SegmentWriter) -> list[str]:
    """Remove what interrupted commits left in the folder of ``writer``'s index; return the names.

    Safe because the caller holds the writer: no other process can be in the middle of a
    commit, so a file that neither the latest table of contents nor this writer's own new
    segment names belongs to a commit that will never finish. Readers still using older files
    keep them (on Linux a removed file lives on while it is open), and a reader that opens the
    index as a file disappears retries on the latest generation (Whoosh's ``FileIndex.reader``).
    """
    name = re.escape(writer.indexname)
    toc = re.compile(rf"_{name}_([0-9]+)\.toc(\..+)?")
    segment = re.compile(rf"({name}_[0-9a-z]+)\..+")
    latest = writer.generation - 1  # the writer's generation is the one it will commit
    live = {s.segment_id() for s in writer.segments} | {writer.newsegment.segment_id()}
    removed = []
    for path in sorted(Path(writer.storage.folder).iterdir()):
        toc_match, segment_match = toc.fullmatch(path.name), segment.fullmatch(path.name)
        if toc_match:
            stale = int(toc_match[1]) != latest or toc_match[2] is not None
        else:
            stale = bool(segment_match) and segment_match[1] not in live
        if stale and path.is_file():
            path.unlink()
            removed.append(path.name)
    return removed
