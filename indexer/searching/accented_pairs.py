"""How often the documents write a syllable with the accents typed beside another syllable.

Pairs are indexed folded (``fold_bigrams``): ``phat tu`` counts ``phạt tù``, ``phát từ`` and
``phát tù`` alike, so beside ``phát`` the commoner pairs made ``tà`` read ``tù`` where the
documents write ``phát tài``. For a neighbour typed with accents, the likeliest candidates'
pairs are checked by position (the neighbour in the accented field, the candidate in the
accented field when it has accents, else the folded one) on an even sample of at most
``SAMPLED`` of each pair's documents, and each count scaled to the whole. The cost is a few
reads of positions per candidate, so callers check only their likeliest few
(``real_words.CHECKED``).
"""

from __future__ import annotations

import numpy as np

from indexer.codec.postings import terms_reader, uses_array_codec
from indexer.language.normalize import fold, has_diacritics
from indexer.searching.vocabulary import Vocabulary

SAMPLED = 32  # a pair's documents checked by position at most; the count of the rest is scaled
_FIELDS = (("title", "title_fold"), ("body", "body_fold"))


def written_beside(
    vocabulary: Vocabulary,
    accented: str,
    others: dict[str, int],
    first: bool,
    exactly: bool = False,
    letters: bool = False,
) -> dict[str, float]:
    """For each syllable of ``others`` (lowercase, folded or with accents), given the documents
    holding its folded pair with ``accented``: about how many documents write ``accented``
    (lowercase, with its accents; its letters with any accents when ``letters``) right before
    it (``first``) or right after it, with the accents it has (with any, for one without,
    unless ``exactly``: then with none)."""
    key = fold(accented)
    samples, sampled = {}, {}  # forms of the same letters share their pair's sample
    for other, held in others.items():
        if held:
            pair = f"{key} {fold(other)}" if first else f"{fold(other)} {key}"
            if pair not in sampled:
                ids = vocabulary.pair_documents(pair)
                if len(ids) > SAMPLED:
                    ids = ids[np.linspace(0, len(ids) - 1, SAMPLED).astype(np.int64)]
                sampled[pair] = ids
            if len(sampled[pair]):  # none when every document holding the pair is deleted
                samples[other] = sampled[pair]
    written = _written(vocabulary, accented, samples, 1 if first else -1, exactly, letters)
    return {
        other: written[other] * held / len(samples[other]) if other in samples else 0.0
        for other, held in others.items()
    }


def _written(
    vocabulary, accented: str, samples: dict, step: int, exactly: bool, letters: bool
) -> dict[str, int]:
    """For each syllable of ``samples``, how many of its documents write it ``step`` places
    after ``accented`` in their title or body."""
    hits: dict[str, set[int]] = {other: set() for other in samples}
    if not samples:
        return {}
    every = np.unique(np.concatenate(list(samples.values())))
    for leaf, offset in vocabulary.reader.leaf_readers():
        size = leaf.doc_count_all()
        here = every[(every >= offset) & (every < offset + size)] - offset
        if not len(here):
            continue
        mine_ids = {}
        for other, ids in samples.items():
            local = ids[(ids >= offset) & (ids < offset + size)] - offset
            if len(local) and not uses_array_codec(leaf):
                hits[other].update(int(d) + offset for d in local)  # Whoosh's own format: believed
            elif len(local):
                mine_ids[other] = local
        if not mine_ids:
            continue
        terms = terms_reader(leaf)
        for exact, folded in _FIELDS:
            anchor = folded if letters else exact
            places = terms.positions_in(anchor, accented.encode("utf-8"), here)
            mine = {doc: set(p) for doc, p in zip(here.tolist(), places, strict=True) if p}
            for other, local in mine_ids.items():
                # only where the neighbour is written
                local = np.array([d for d in local.tolist() if d in mine], dtype=np.int64)
                if not len(local):
                    continue
                field = exact if exactly or has_diacritics(other) else folded
                theirs = terms.positions_in(field, other.encode("utf-8"), local)
                for doc, places in zip(local.tolist(), theirs, strict=True):
                    if places and any(p - step in mine[doc] for p in places):
                        hits[other].add(doc + offset)
    return {other: len(found) for other, found in hits.items()}


def written_exactly(vocabulary: Vocabulary, accented: str, other: str, first: bool) -> int:
    """How many documents write ``accented`` right before (``first``) or after ``other``, both
    exactly as given (lowercase, with their accents): every document holding their folded
    pair and ``other`` as written is checked, none sampled (for a rare ``other``, whose few
    documents a sample of a common pair's would miss)."""
    pair = f"{fold(accented)} {fold(other)}" if first else f"{fold(other)} {fold(accented)}"
    ids = vocabulary.pair_documents(pair)
    if not len(ids):
        return 0
    holding = []
    for leaf, offset in vocabulary.reader.leaf_readers():
        if not uses_array_codec(leaf):
            return len(ids)  # a segment in Whoosh's own format: the pair is believed
        for field, _ in _FIELDS:
            found = terms_reader(leaf).arrays(field, other.encode("utf-8"))
            if found is not None:
                holding.append(found[0].astype(np.int64) + offset)
    if not holding:
        return 0
    ids = np.intersect1d(ids, np.concatenate(holding))
    if not len(ids):
        return 0
    return _written(vocabulary, accented, {other: ids}, 1 if first else -1, True, False)[other]


def written_at_all(vocabulary: Vocabulary, accented: str, other: str, first: bool) -> bool:
    """Whether some document writes ``accented`` right before (``first``) or after ``other``,
    both exactly as given (lowercase): an even sample of the pair's documents first (a pair
    typed right is mostly found there, cheaply), then every one (``written_exactly``: a pair of
    common syllables read whole took 64 ms)."""
    pair = (fold(accented), fold(other)) if first else (fold(other), fold(accented))
    held = vocabulary.pairs([pair])[pair]
    if written_beside(vocabulary, accented, {other: held}, first, exactly=True)[other]:
        return True
    return written_exactly(vocabulary, accented, other, first) > 0
