"""pyvi's word-segmentation CRF, decoded here from the weights of its own crfsuite model.

pyvi 0.1.1 tags syllables B_W/I_W with a linear-chain CRF (python-crfsuite behind
sklearn-crfsuite). Building its feature strings and handing them to crfsuite took most of the
time of ``segment``. The weights only ever combine in a few fixed ways (the piece's own lowercased
word and case flags, the same for its neighbours, two n-gram flags), so this module reads them
out of pyvi's model file once and scores a whole text with a few array gathers and adds.

The labels must be pyvi's, not merely close. State scores are summed in crfsuite's order (the
attribute order of pyvi's feature dict), so they are crfsuite's to the last bit. Viterbi runs as
array operations when every decision it takes is clear of rounding by a proven margin, and
otherwise as crfsuite's own loop, float operation for float operation, ties included.
"""

from __future__ import annotations

import os
import string
import threading
from collections.abc import Sequence

import numpy as np

from indexer.language.crf_model import FLAGS, Weights, read_pyvi_model

_CACHE_LIMIT = 200_000
_FAST_ROUNDS = 16
# Up to this many pieces the exact loop is the faster (a query's 2 pieces: 1 µs against 33; 128:
# 38 against 65; 256: 77 against 68).
_EXACT_UP_TO = 128


class Tagger:
    """Viterbi decoding of pyvi's CRF over syllable pieces, with a per-piece cache.

    Everything a piece contributes depends on the piece alone, so it is computed once per
    distinct piece: its own score, what it adds to its left and right neighbours, its n-gram id
    and its flags for pyvi's gluing rule. Tagging a text is then array gathers and adds.
    """

    def __init__(self, weights: Weights):
        self.weights = weights
        self.labels = weights.labels
        self.inside = weights.labels.index("I_W")
        self._gram_base = len(weights.gram_ids) + 1
        f = weights.flags
        self._ngram_weights = [f[n][:, None] for n in FLAGS[6:8] + FLAGS[10:12]]
        (t00, t01), (t10, t11) = weights.trans
        self._trans = (t00, t01, t10, t11)
        self._max_trans = max(map(abs, self._trans))
        # One set for both: bigram keys stay below base**2, trigram keys are moved above base**3,
        # where no trigram with an unknown first syllable (id 0) can reach them.
        self._trigram_offset = self._gram_base**3
        trigrams = weights.trigrams + self._trigram_offset
        self._ngrams = _IntSet(np.concatenate([weights.bigrams, trigrams]))
        thr0, thr1 = t00 - t10, t01 - t11
        # The array Viterbi assumes thr0 <= thr1: links may cross but never both stay put.
        self._fast = (thr0, thr1, t01 - t10, t11 - t10, t01 - t00) if thr0 <= thr1 else None
        if len(self.labels) != 2:
            raise ValueError("pyvi's segmenter has two labels, B_W and I_W")
        # The web server segments in several threads; a piece added by one must not take the row
        # another is adding. Only the cache is shared: everything after the gather is private.
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        # Rows of _floats, two labels each: the piece's own score (bias, word, case flags), then
        # what it adds as the -1 neighbour (word, istitle, isupper), then as the +1 neighbour.
        # Rows of _ints: n-gram id, "no glue" (punctuation, leading digit), leading title case.
        self._index: dict[str, int] = {}
        # Piece-major would be the natural layout, but the arrays gathered from these tables are
        # added a row at a time, and numpy is many times faster along a contiguous row.
        self._floats = np.zeros((14, 1024))
        self._ints = np.zeros((3, 1024), np.int64)

    def _add(self, piece: str) -> int:
        """Row of ``piece`` in the per-piece tables, computed on first sight."""
        i = len(self._index)
        if i == self._floats.shape[1]:
            self._floats = np.concatenate([self._floats, np.zeros_like(self._floats)], axis=1)
            self._ints = np.concatenate([self._ints, np.zeros_like(self._ints)], axis=1)
        self._index[piece] = i
        self._floats[:, i] = self._piece_floats(piece)
        lower = piece.lower()
        self._ints[:, i] = (
            self.weights.gram_ids.get(lower, 0),
            piece in string.punctuation or piece[0].isdigit(),  # a substring test, as pyvi's
            piece[0].istitle(),
        )
        return i

    def _piece_floats(self, piece: str) -> list[float]:
        w, f = self.weights.words, self.weights.flags
        # crfsuite looks attributes up as C strings: a NUL ends the word it sees.
        word = piece.lower().partition("\x00")[0]
        upper, title, digit = piece.isupper(), piece.istitle(), piece.isdigit()
        row = []
        for label in range(2):
            own = 0.0 + f["bias"][label]
            own += w["word.lower():"].get(word, (0.0, 0.0))[label]
            # A False flag is an attribute of value 0.0: it adds weight * 0.0, as crfsuite does.
            own += f["word.isupper()"][label] * upper
            own += f["word.istitle()"][label] * title
            own += f["word.isdigit()"][label] * digit
            row.append(own)
        for prefix, side in (("-1:", FLAGS[4:6]), ("+1:", FLAGS[8:10])):
            row += w[prefix + "word.lower():"].get(word, (0.0, 0.0))
            row += (f[side[0]] * title).tolist()  # the neighbour's istitle, then isupper
            row += (f[side[1]] * upper).tolist()
        return row

    def tag(self, pieces: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Label ids of ``pieces``, as crfsuite's ``tagger.tag`` gives them for pyvi's features.

        Also, per piece, the two facts pyvi's gluing rule asks of it, computed once per distinct
        piece with the rest: whether it is punctuation or starts with a digit, and whether its
        first character is title case.
        """
        if not pieces:
            empty = np.zeros(0, bool)
            return np.zeros(0, np.int8), empty, empty
        with self._lock:
            floats, ints = self._gather(pieces)
        labels = self.viterbi(self._state(floats, ints[0]))
        return labels, ints[1].astype(bool), ints[2].astype(bool)

    def _gather(self, pieces: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The per-piece table columns of ``pieces``, adding the pieces not seen before."""
        try:
            rows = np.fromiter(map(self._index.get, pieces), np.int64, len(pieces))
        except TypeError:  # a piece seen for the first time (get gave None)
            if len(self._index) + len(pieces) > _CACHE_LIMIT:
                self._reset()
            index = self._index
            rows = np.array([index[p] if p in index else self._add(p) for p in pieces])
        return self._floats.take(rows, axis=1), self._ints.take(rows, axis=1)

    def _after_fork(self) -> None:
        """In a forked child: a lock held at the fork stays held, over a cache perhaps half
        updated, since the thread that held it does not exist here."""
        if self._lock.locked():
            self._lock = threading.Lock()
            self._reset()

    def _state(self, floats: np.ndarray, grams: np.ndarray) -> np.ndarray:
        """Each piece's score per label (one row per label), added in pyvi's attribute order."""
        state = floats[0:2].copy()
        m1, m2, p1, p2 = self._ngram_weights
        base = self._gram_base
        trigrams = (grams[:-2] * base + grams[1:-1]) * base + grams[2:] + self._trigram_offset
        keys = np.concatenate([grams[:-1] * base + grams[1:], trigrams])
        found = self._ngrams.contains(keys).astype(float)
        bigram, trigram = found[: len(grams) - 1], found[len(grams) - 1 :]
        for row in (2, 4, 6):  # -1:word.lower(), -1:word.istitle(), -1:word.isupper()
            state[:, 1:] += floats[row : row + 2, :-1]
        state[:, 1:] += m1 * bigram
        state[:, 2:] += m2 * trigram
        for row in (8, 10, 12):  # the same three of the +1 neighbour
            state[:, :-1] += floats[row : row + 2, 1:]
        state[:, :-1] += p1 * bigram
        state[:, :-2] += p2 * trigram
        return state

    def viterbi(self, state: np.ndarray) -> np.ndarray:
        """The best label sequence for per-piece label scores ``state``, as crfsuite finds it."""
        if state.shape[1] <= _EXACT_UP_TO:
            return self.viterbi_exact(state)
        labels = self._viterbi_fast(state)
        return self.viterbi_exact(state) if labels is None else labels

    def viterbi_exact(self, state: np.ndarray) -> np.ndarray:
        """crf1dc_viterbi for two labels, operation for operation: the same float additions, and
        a strict ``<`` that keeps the lower label on a tie."""
        t00, t01, t10, t11 = self._trans
        scores = state.T.tolist()
        a0, a1 = scores[0]
        back = []
        for s0, s1 in scores[1:]:
            x, y = a0 + t00, a1 + t10
            b0 = x < y
            n0 = (y if b0 else x) + s0
            x, y = a0 + t01, a1 + t11
            b1 = x < y
            a1 = (y if b1 else x) + s1
            a0 = n0
            back.append((b0, b1))
        label = a0 < a1
        labels = [label]
        for b0, b1 in reversed(back):
            label = b1 if label else b0
            labels.append(label)
        labels.reverse()
        return np.array(labels, np.int8)

    def _viterbi_fast(self, state: np.ndarray) -> np.ndarray | None:
        """Viterbi in array operations, or None when it cannot vouch for crfsuite's answer.

        With two labels only d = score(I_W) - score(B_W) matters: each step maps d through a
        clamp, d' = clip(c - d, lo, hi) + (s1 - s0), and where d falls against two thresholds
        decides the back links. Solved by fixed-point iteration (d[t] is final once d[t-1] is,
        and the clamp cuts most chains short). Computed in another order than crfsuite's, so
        the answer is used only if every comparison is farther from its threshold than both
        computations can be off; otherwise the exact loop decides.
        """
        if self._fast is None:
            return None
        thr0, thr1, c, lo, hi = self._fast
        e = state[1] - state[0]
        d = e.copy()
        for _ in range(_FAST_ROUNDS):
            step = np.clip(c - d[:-1], lo, hi) + e[1:]
            if np.array_equal(step, d[1:]):
                break
            d[1:] = step
        else:
            return None
        # crfsuite's alphas are path scores, never beyond `reach` in size, rounded twice a step:
        # each is off the exact value by at most 2 (T + 1) reach 2**-53, our d by less (it stays
        # small). A decision farther than both from its threshold is the exact one, hence theirs.
        reach = np.abs(state).max(axis=0).sum() + len(e) * self._max_trans
        slack = 64.0 * (len(e) + 1) * reach * 2.0**-52
        prev = d[:-1]
        if (
            np.abs(prev - thr0).min(initial=np.inf) <= slack
            or np.abs(prev - thr1).min(initial=np.inf) <= slack
            or abs(d[-1]) <= slack
        ):
            return None
        # Back links: both to B_W up to thr0, both to I_W above thr1; in between each label links
        # to the other one. A position whose links agree has a fixed label; one before it takes
        # that label, flipped once per position in between whose links cross.
        n = len(d)
        fixed = np.empty(n, bool)
        fixed[:-1] = (prev <= thr0) | (prev > thr1)
        fixed[-1] = True
        value = np.empty(n, np.int64)
        value[:-1] = prev > thr1
        value[-1] = d[-1] > 0
        nearest = np.minimum.accumulate(np.where(fixed, np.arange(n), n)[::-1])[::-1]
        flips = np.cumsum((~fixed)[::-1])[::-1]  # crossing positions at or after each one
        flips = np.append(flips, 0)
        return ((value[nearest] + flips[:-1] - flips[nearest]) & 1).astype(np.int8)


class _IntSet:
    """A set of non-negative int64 keys asked about a whole array at a time.

    A hash table of small buckets (about one key each, six at most for pyvi's n-grams), stored
    as one row per place in the bucket so that every comparison runs along a contiguous row:
    a binary search (np.searchsorted) over the 25,000 n-grams took three times as long.
    """

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray):
        keys = np.unique(keys)
        bits = max(4, (len(keys) - 1).bit_length())  # about one key per bucket
        self._shift = np.uint64(64 - bits)
        home = self._home(keys)
        order = np.argsort(home, kind="stable")
        home, keys = home[order], keys[order]
        rank = np.arange(len(keys)) - np.searchsorted(home, home)
        self._places = np.full((rank.max(initial=0) + 1, 1 << bits), -1, np.int64)
        self._places[rank, home] = keys

    def _home(self, keys: np.ndarray) -> np.ndarray:
        # uint64 multiplication wraps around, which is what the hash wants.
        return ((keys.astype(np.uint64) * self._MULTIPLIER) >> self._shift).astype(np.int64)

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """``key in self`` for every key, as a boolean array."""
        home = self._home(keys)
        found = self._places[0][home] == keys
        for place in self._places[1:]:
            found |= place[home] == keys
        return found


_TAGGER: Tagger | None = None


def pyvi_tagger() -> Tagger:
    """A tagger over pyvi's own model files (``crf_model``), built once per process on first
    use."""
    global _TAGGER
    if _TAGGER is None:
        _TAGGER = Tagger(read_pyvi_model())
    return _TAGGER


def _after_fork() -> None:
    if _TAGGER is not None:
        _TAGGER._after_fork()


os.register_at_fork(after_in_child=_after_fork)
