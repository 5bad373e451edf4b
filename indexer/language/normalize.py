"""Vietnamese text normalisation and folding: the one place both index and query text go through.

``normalize`` fixes what makes equal Vietnamese text compare unequal: NFD input, old and new
tone-mark placement, the Icelandic eth used for Đ, invisible characters and no-break spaces.
``fold`` removes diacritics so that ``ha noi`` meets ``Hà Nội``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_REMOVED = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_REPLACED = {"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u00d0": "\u0110", "\u00f0": "\u0111"}
_CHAR_MAP = str.maketrans({**{c: None for c in _REMOVED}, **_REPLACED})
_NEEDS_MAP = re.compile("[" + _REMOVED + "".join(_REPLACED) + "]")

_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
_VOWELS = frozenset("aeiouy")
_FINALS = frozenset(["", "c", "ch", "m", "n", "ng", "nh", "p", "t"])
# Runs of letters; only those holding a vowel with a tone mark can need moving. (One pattern
# for both, \w*[toned]\w*, rescanned a long run from each of its letters: a 70,000-letter
# word took 50 s.)
_WORD = re.compile(r"\w+")
_TONED = re.compile(
    r"[àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE
)


def normalize(text: str) -> str:
    """Return the canonical form of ``text``: NFC, one tone placement, Đ, no invisible characters.

    The same function runs on documents and queries, so both meet in the same form. Case and
    spacing are kept: pyvi needs the original case to segment words.
    """
    return normalize_with_map(text)[0]


def normalize_with_map(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """Normalise ``text`` and say where each character of the result came from.

    Returns ``(normalized, starts, ends)``: character ``i`` of ``normalized`` comes from
    ``text[starts[i]:ends[i]]``. When nothing changes length (the usual NFC input) both lists are
    ``None`` and offsets are the same in both strings.
    """
    if not _NEEDS_MAP.search(text) and unicodedata.is_normalized("NFC", text):
        return _fix_tones(text), None, None
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in _REMOVED):
            j += 1
        for char in unicodedata.normalize("NFC", text[i:j].translate(_CHAR_MAP)):
            chars.append(char)
            starts.append(i)
            ends.append(j)
        i = j
    return _fix_tones("".join(chars)), starts, ends


def _fix_tones(text: str) -> str:
    # Most text already puts its tones where the rule does: look at each distinct toned word
    # once, and rewrite the text only when one of them moves.
    moved = {}
    for word in set(_WORD.findall(text)):
        if _TONED.search(word):
            fixed = _fix_syllable_tone(word)
            if fixed != word:
                moved[word] = fixed
    if not moved:
        return text
    return _WORD.sub(lambda m: moved.get(m.group(), m.group()), text)


@lru_cache(maxsize=65536)
def _fix_syllable_tone(word: str) -> str:
    """Move the tone mark of one syllable to where the traditional rule puts it (hoà → hòa).

    Words that do not parse as one Vietnamese syllable (loan words, codes) are returned unchanged.
    """
    parts = [unicodedata.normalize("NFD", c) for c in word]
    toned = [i for i, p in enumerate(parts) if any(m in _TONES for m in p[1:])]
    if len(toned) != 1:
        return word
    target = _tone_position([p[0].lower() for p in parts], parts)
    if target is None or target == toned[0]:
        return word
    tone = next(m for m in parts[toned[0]][1:] if m in _TONES)
    parts[toned[0]] = parts[toned[0]].replace(tone, "")
    parts[target] = parts[target] + tone
    fixed = unicodedata.normalize("NFC", "".join(parts))
    return fixed if len(fixed) == len(word) else word


def _tone_position(bases: list[str], parts: list[str]) -> int | None:
    """Index of the letter that carries the tone, or None if this is not a Vietnamese syllable."""
    vowels = [i for i, b in enumerate(bases) if b in _VOWELS]
    if not vowels or vowels != list(range(vowels[0], vowels[-1] + 1)):
        return None
    first, last = vowels[0], vowels[-1]
    onset = "".join(bases[:first])
    # "qu" and "gi" before another vowel are consonants: quý, giá.
    if len(vowels) > 1 and (
        (onset == "q" and bases[first] == "u") or (onset == "g" and bases[first] == "i")
    ):
        first += 1
    coda = "".join(bases[last + 1 :])
    if coda not in _FINALS or not all(b.isalpha() for b in bases):
        return None
    nucleus = range(first, last + 1)
    # A vowel with its own mark (ă â ê ô ơ ư) takes the tone; in ươ it is the ơ.
    with_quality = [i for i in nucleus if any(m not in _TONES for m in parts[i][1:])]
    if with_quality:
        return with_quality[-1]
    if coda or len(nucleus) == 1:
        return last
    return first + 1 if len(nucleus) == 3 else first


_FOLD_MAP = {
    c: unicodedata.normalize("NFD", c)[0]
    for c in map(chr, range(0xC0, 0x1EFA))
    if unicodedata.normalize("NFD", c)[0].isascii() and len(unicodedata.normalize("NFD", c)) > 1
}
_FOLD_MAP.update({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_FOLD_TABLE = str.maketrans(_FOLD_MAP)


def strip_diacritics(text: str) -> str:
    """Lowercase ``text`` and remove its diacritics: ``Hà Nội`` → ``ha noi``, ``Đà`` → ``da``."""
    folded = text.lower().translate(_FOLD_TABLE)
    if folded.isascii():
        return folded
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c)
    )
    return unicodedata.normalize("NFC", stripped).translate(_FOLD_TABLE)


# A syllable ending in y straight after its consonants is also written with i: quý/quí,
# lý/lí, kỹ/kĩ, Kỳ/Kì. After a vowel (thủy, tây) y is part of a diphthong and stays.
_Y_AFTER_CONSONANT = re.compile(r"(?<![^\W\d_])((?:qu|[bcdghklmnprstvx]{1,3}))y(?![^\W\d_])")


def fold(text: str) -> str:
    """The matching key of ``text``: no diacritics, lowercase, ``đ`` → ``d``, and ``y`` → ``i``
    where Vietnamese spells a syllable either way (``Quý`` and ``quí`` → ``qui``)."""
    stripped = strip_diacritics(text)
    # Most syllables hold no y: the pattern costs three times the stripping (a search folds
    # a hundred strings or more).
    return _Y_AFTER_CONSONANT.sub(r"\1i", stripped) if "y" in stripped else stripped


def has_diacritics(text: str) -> bool:
    """True when ``text`` carries any Vietnamese diacritic (so the user typed accents)."""
    return strip_diacritics(text) != text.lower()
