"""A process that applies a made-up write log to an index, for the kill -9 trials of
tests/test_positions.py: ``python -m tests.log_applier_worker INDEX LAST``.

Batch ``k`` stores document ``d-k`` and rewrites document ``last`` with body ``k``, so the
documents of an index show exactly how many batches it applied. The process starts after the
position its index records (as a node's applier does) and applies up to ``LAST`` in groups of
1 to 7 batches, each group through ``LiveWriter.apply_log``, so commits cover several batches.
"""

from __future__ import annotations

import random
import sys

from indexer.documents.model import Document
from indexer.store.live import LiveWriter, LogChange
from indexer.store.positions import read_position


def change(seq: int) -> LogChange:
    """The batch with sequence ``seq`` (every 5th one is discarded, as a late batch would be)."""
    if seq % 5 == 0:
        return LogChange(seq, valid=False)
    documents = (Document(id=f"d-{seq}", title=f"Tin {seq}"), Document(id="last", body=str(seq)))
    return LogChange(seq, documents)


def main(index: str, last: int) -> None:
    writer = LiveWriter(index)
    rng = random.Random()
    seq = read_position(index).seq
    while seq < last:
        size = min(rng.randint(1, 7), last - seq)
        writer.apply_log([change(s) for s in range(seq + 1, seq + size + 1)])
        seq += size


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
