"""Compact storage of syllable offsets, so snippets know where words are without running pyvi.

Each syllable is stored as two numbers: the gap since the previous syllable's end, and
``length * 4 + spaced * 2 + joined`` (joined: pyvi glued it to the previous syllable; spaced:
whitespace stands in the gap before it, so unless joined it starts a snippet unit). Numbers
become the code points of a ``str``, which pickle writes as UTF-8: most take one byte; decoding
is a few array operations (a news article's spans took 0.3 ms one ``ord`` at a time).

The first format (version 1, indexes built before 2026-12-02) stored ``length * 2 + joined``
and no spaces; its strings still decode. Version 2 strings start with the pair ``0, 1``, which
version 1 never wrote (a syllable is at least one character long, so its second number was at
least 2).
"""

from __future__ import annotations

import numpy as np

from indexer.language.segmentation import Segmentation

_SURROGATES = 0xD800
_SHIFT = 0x800  # code points from 0xD800 on skip the surrogate block, which UTF-8 cannot hold
_VERSION_2 = "\x00\x01"
_FEW_SPANS = 64  # up to this many syllables, spans decode a number at a time
# Python's \s (str.isspace) for every code point that has it; past the table: not a space.
IS_SPACE = np.array([chr(c).isspace() for c in range(0x3001)] + [False])
_LAST_SPACE_CODE = len(IS_SPACE) - 1


def encode_spans(seg: Segmentation, text: str) -> str:
    """Encode the syllable offsets and word joins of ``seg``, a segmentation of ``text``."""
    if not seg.starts:
        return ""
    starts, ends = np.array(seg.starts, dtype=np.int64), np.array(seg.ends, dtype=np.int64)
    numbers = np.empty(2 * len(starts), dtype=np.int64)
    numbers[0::2] = starts - np.concatenate(([0], ends[:-1]))
    spaced = np.zeros(len(starts), dtype=np.int64)
    spaced[1:] = spaces_between(text, ends[:-1], starts[1:])
    numbers[1::2] = (ends - starts) * 4 + spaced * 2 + np.array(seg.joined, dtype=np.int64)
    if numbers.min() < 0:
        raise ValueError("syllables must be in order and not overlap")
    numbers += _SHIFT * (numbers >= _SURROGATES)
    return _VERSION_2 + numbers.astype(np.uint32).tobytes().decode("utf-32-le")


def spaces_between(text: str, ends: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For each gap ``text[ends[i]:starts[i]]``, whether it holds whitespace (Python's \\s)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    seen = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(IS_SPACE[np.minimum(codes, _LAST_SPACE_CODE)], out=seen[1:])
    return seen[starts] > seen[ends]


def decode_spans(encoded: str) -> list[tuple[int, int, bool]]:
    """Return ``(start, end, joined)`` for every syllable encoded by ``encode_spans``."""
    if span_count(encoded) <= _FEW_SPANS:
        return _decode_few(encoded)
    starts, ends, joined = decode_span_arrays(encoded)
    return list(zip(starts.tolist(), ends.tolist(), joined.tolist(), strict=True))


def span_count(encoded: str) -> int:
    """How many syllables ``encoded`` locates, without decoding it."""
    return (len(encoded) - (len(_VERSION_2) if encoded.startswith(_VERSION_2) else 0)) // 2


def _decode_few(encoded: str) -> list[tuple[int, int, bool]]:
    """``decode_spans`` a number at a time: for a title's few syllables, ten array operations
    cost more than the loop (10 µs against 3)."""
    version_2 = encoded.startswith(_VERSION_2)
    numbers = map(ord, encoded[len(_VERSION_2) :] if version_2 else encoded)
    shift, spans, end = 2 if version_2 else 1, [], 0
    for gap, flags in zip(numbers, numbers, strict=False):
        if gap >= _SURROGATES:
            gap -= _SHIFT
        if flags >= _SURROGATES:
            flags -= _SHIFT
        start = end + gap
        end = start + (flags >> shift)
        spans.append((start, end, bool(flags & 1)))
    return spans


def decode_span_arrays(encoded: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``decode_spans`` as three arrays: starts and ends (int64), joined (bool)."""
    return decode_span_units(encoded)[:3]


def decode_span_units(
    encoded: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """``decode_span_arrays`` and, for each syllable, whether whitespace stands before it
    (bool; None for spans in the first format, which did not store it)."""
    version_2 = encoded.startswith(_VERSION_2)
    # Code points fit in int32; sums are taken in the platform's integers (int64).
    numbers = np.frombuffer(encoded.encode("utf-32-le"), dtype=np.int32)
    if version_2:
        numbers = numbers[len(_VERSION_2) :]
    if len(numbers) and numbers.max() >= _SURROGATES:
        numbers = numbers - _SHIFT * (numbers >= _SURROGATES)
    gaps, flags = numbers[0::2], numbers[1::2]
    lengths = flags >> (2 if version_2 else 1)
    ends = np.cumsum(gaps + lengths, dtype=np.int64)
    spaced = (flags & 2) == 2 if version_2 else None
    return ends - lengths, ends, (flags & 1) == 1, spaced
