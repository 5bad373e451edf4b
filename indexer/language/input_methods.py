"""Undo what an input method leaves behind when it was off: Telex, VNI and VIQR keys, decoded.

``nguyeenx`` (Telex), ``nguye6n4`` (VNI) and ``nguye^~n`` (VIQR) are all ``nguyễn``. A key
sequence can be read more than one way (``w`` marks the u, the o or both of ``uo``; ``oo`` is
``ô`` or the long o of ``xoong``), so every reading is made and only those that are possible
syllables (``indexer.language.syllables``) are kept. A word with no key of the method in it is
not a leftover and decodes to nothing.
"""

from __future__ import annotations

import re
import unicodedata

from indexer.language.normalize import normalize
from indexer.language.syllables import is_syllable, tone_of

HUYEN, SAC, HOI, NGA, NANG = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
CIRCUMFLEX, BREVE, HORN = "\u0302", "\u0306", "\u031b"

TELEX_TONES = {"s": SAC, "f": HUYEN, "r": HOI, "x": NGA, "j": NANG, "z": ""}
VNI_TONES = {"1": SAC, "2": HUYEN, "3": HOI, "4": NGA, "5": NANG, "0": ""}
VIQR_TONES = {"'": SAC, "`": HUYEN, "?": HOI, "~": NGA, ".": NANG}
_VOWELS = "aeiouy"
_ONSETS = sorted(
    "b c ch d dd g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x".split(), key=len
)[::-1]
_MAX_LETTERS = 12
_VIQR_WORD = re.compile(r"[A-Za-z]+(?:[\^(+'`?~.][A-Za-z]*|dd)*", re.ASCII)


def decode(word: str) -> list[str]:
    """Every syllable ``word`` may be the Telex, VNI or VIQR leftover of, most likely first;
    empty when it is none (``nguyeenx`` → ``["nguyễn"]``, ``vie65t`` → ``["việt"]``)."""
    lowered = word.lower()
    found = decode_telex(lowered) + decode_vni(lowered) + decode_viqr(lowered)
    return list(dict.fromkeys(found + decode_tone_key(lowered)))


def decode_tone_key(word: str) -> list[str]:
    """The syllable typed with its vowel marks but its tone as a Telex or VNI key, last
    (``trươngf`` and ``trương2`` → ``trường``): the input method placed the marks and missed
    the tone key. Empty for ASCII letters (``decode_telex``) and for letters that have a tone."""
    tone = TELEX_TONES.get(word[-1:]) or VNI_TONES.get(word[-1:])
    letters = word[:-1]
    if not tone or word.isascii() or not letters.isalpha() or tone_of(letters):
        return []
    return _syllables("", [unicodedata.normalize("NFC", letters)], tone)


def decode_telex(word: str) -> list[str]:
    """The syllables the Telex keys ``word`` type: ``tuyeenr`` → ``tuyển``, ``dduwowngf`` and
    ``dduongwf`` → ``đường``, ``muaw`` → ``mưa``."""
    if not (word.isascii() and word.isalpha()) or len(word) > _MAX_LETTERS:
        return []
    onset, rest = _onset(word)
    if not rest or rest[0] not in _VOWELS + "w":
        return []
    tone, letters = None, []
    for key in rest:
        if key in TELEX_TONES:
            tone = TELEX_TONES[key]  # the last tone key wins, z takes the tone away
        else:
            letters.append(key)
    rime = "".join(letters)
    horn = rime.count("w")
    rime = rime.replace("w", "") if rime.strip("w") else "u" * horn  # a lone w types ư
    if tone is None and not horn and not _has_double(rime) and not onset.startswith("dd"):
        return []
    options = _circumflexes_telex(rime)
    if horn:
        options = [o for rime in options for o in _horns(rime)]
    return _syllables(onset.replace("dd", "đ"), options, tone or "")


def decode_vni(word: str) -> list[str]:
    """The syllables the VNI keys ``word`` type: ``vie65t`` and ``viet65`` → ``việt``,
    ``d9u7o7ng2`` → ``đường``."""
    if not word.isascii() or not word.isalnum() or word.isalpha() or not word[0].isalpha():
        return []
    letters, tone, marks = [], "", []
    for key in word:
        if key.isalpha():
            letters.append(key)
        elif key in VNI_TONES:
            tone = VNI_TONES[key]
        else:
            marks.append((key, len(letters)))  # a mark applies to a letter before it
    return _apply_marks("".join(letters), marks, tone, {"6": CIRCUMFLEX, "7": HORN, "8": BREVE})


def decode_viqr(word: str) -> list[str]:
    """The syllables the VIQR keys ``word`` type: ``vie^.t`` → ``việt``, ``ddu+o+`ng`` →
    ``đường``."""
    if not word.isascii() or not any(c in "^(+'`?~." for c in word) or not word[0].isalpha():
        return []
    letters, tone, marks = [], "", []
    for key in word.replace("dd", "d9"):
        if key.isalpha():
            letters.append(key)
        elif key in VIQR_TONES:
            tone = VIQR_TONES[key]
        elif key in "^(+9":
            marks.append((key, len(letters)))
        else:
            return []
    return _apply_marks("".join(letters), marks, tone, {"^": CIRCUMFLEX, "+": HORN, "(": BREVE})


def decode_viqr_text(text: str) -> str:
    """``text`` with each VIQR word that decodes to a syllable replaced by it; words whose only
    mark ends them (``ai?``, ``nay.``) are left alone, as they are more likely punctuation."""

    def replace(match: re.Match) -> str:
        word = match.group()
        if word[-1] in "?.'" and not any(c in "^(+`~" for c in word[:-1]) and "dd" not in word:
            return word
        decoded = decode_viqr(word.lower())
        return _cased(decoded[0], word) if decoded else word

    return _VIQR_WORD.sub(replace, text)


def to_telex(syllable: str) -> str:
    """The Telex keys that type ``syllable``, tone last: ``nguyễn`` → ``nguyeenx``."""
    keys, tone = [], ""
    for char in unicodedata.normalize("NFD", normalize(syllable).lower()):
        if char in (HUYEN, SAC, HOI, NGA, NANG):
            tone = {SAC: "s", HUYEN: "f", HOI: "r", NGA: "x", NANG: "j"}[char]
        elif char == CIRCUMFLEX:
            keys.append(keys[-1])
        elif char in (BREVE, HORN):
            keys.append("w")
        elif char == "đ":
            keys.append("dd")
        else:
            keys.append(char)
    return "".join(keys) + tone


def to_vni(syllable: str) -> str:
    """The VNI keys that type ``syllable``, each mark after its letter, tone last: ``việt`` →
    ``vie6t5``."""
    keys, tone = [], ""
    for char in unicodedata.normalize("NFD", normalize(syllable).lower()):
        if char in (HUYEN, SAC, HOI, NGA, NANG):
            tone = {SAC: "1", HUYEN: "2", HOI: "3", NGA: "4", NANG: "5"}[char]
        elif char in (CIRCUMFLEX, BREVE, HORN):
            keys.append({CIRCUMFLEX: "6", BREVE: "8", HORN: "7"}[char])
        elif char == "đ":
            keys.append("d9")
        else:
            keys.append(char)
    return "".join(keys) + tone


def _onset(word: str) -> tuple[str, str]:
    """The consonants before the first vowel key (``dd`` for đ), and the rest."""
    for onset in _ONSETS:
        if word.startswith(onset) and (onset != "gi" or len(word) > 2 and word[2] in _VOWELS):
            return onset, word[len(onset) :]
    return "", word


def _has_double(rime: str) -> bool:
    return any(v * 2 in rime for v in "aeo")


def _circumflexes_telex(rime: str) -> list[str]:
    """``aa``, ``ee``, ``oo`` as â, ê, ô (and ``oo`` also as itself, for xoong)."""
    options = [rime]
    for vowel, marked in (("aa", "â"), ("ee", "ê"), ("oo", "ô")):
        if vowel in rime:
            replaced = [o.replace(vowel, marked) for o in options]
            options = replaced + ([*options] if vowel == "oo" else [])
    return options


def _horns(rime: str) -> list[str]:
    """The readings of a ``w`` on ``rime``: ``uo`` → ươ, else one of u → ư, o → ơ, a → ă."""
    if "uo" in rime:
        return [rime.replace("uo", "ươ", 1)]
    marked = {"u": "ư", "o": "ơ", "a": "ă"}
    return [rime[:i] + marked[c] + rime[i + 1 :] for i, c in enumerate(rime) if c in marked]


def _apply_marks(letters: str, marks: list, tone: str, meaning: dict[str, str]) -> list[str]:
    """``letters`` with each (mark key, letters typed before it) applied to a letter it fits,
    every way it fits; the readings that are syllables, with ``tone``."""
    onset, rime = _onset(letters)
    options = [list(onset + rime)]
    for key, before in marks:
        combining = meaning.get(key)
        options = [o for option in options for o in _marked(option, key, combining, before)]
    return _syllables("", ["".join(o) for o in options], tone)


def _marked(chars: list[str], key: str, combining: str | None, before: int) -> list[list[str]]:
    """Every way one mark key applies to ``chars``, nearest letter first."""
    if combining is None:  # VNI 9 or VIQR dd: đ
        at = [i for i in range(len(chars)) if chars[i] == "d"]
        return [chars[:i] + ["đ"] + chars[i + 1 :] for i in at[:1]]
    fits = {CIRCUMFLEX: "aeo", BREVE: "a", HORN: "ou"}[combining]
    order = sorted(range(len(chars)), key=lambda i: (i >= before, abs(before - 1 - i)))
    found = []
    for i in order:
        if chars[i] in fits:
            marked = unicodedata.normalize("NFC", chars[i] + combining)
            found.append(chars[:i] + [marked] + chars[i + 1 :])
    if combining == HORN and "".join(chars).find("uo") >= 0:
        both = "".join(chars).replace("uo", "ươ", 1)
        found.insert(0, list(both))
    return found or [chars]  # a mark with nothing left to mark (the second 7 of u7o7)


def _syllables(onset: str, rimes: list[str], tone: str) -> list[str]:
    """Those of ``onset`` + rime + ``tone`` that are possible syllables, the tone placed by rule."""
    found = []
    for rime in rimes:
        word = onset + rime
        vowel = next((i for i, c in enumerate(word) if c in "aăâeêioôơuưy"), None)
        if vowel is None:
            continue
        marked = word[: vowel + 1] + tone + word[vowel + 1 :]
        syllable = normalize(unicodedata.normalize("NFC", marked))
        if is_syllable(syllable):
            found.append(syllable)
    return list(dict.fromkeys(found))


def _cased(decoded: str, typed: str) -> str:
    return decoded.capitalize() if typed[:1].isupper() else decoded


__all__ = [
    "decode",
    "decode_telex",
    "decode_viqr",
    "decode_viqr_text",
    "decode_vni",
    "to_telex",
    "to_vni",
]
