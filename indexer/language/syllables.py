"""The Vietnamese syllable: (onset)(glide)nucleus(coda) + tone, from small closed sets.

Every syllable the spelling allows is generated once (about 18,000 accented forms, 2,400 folded),
so "is this a possible syllable?" is a set lookup, and a folded string's accented readings are
a dictionary lookup. The forms are in ``normalize``'s canonical tone placement
(``hòa``, ``thủy``), the form the index holds. The inventory over-generates a little (a rare rime
with an onset it never takes); callers also ask the index, so that costs nothing, while a
missing syllable would hide a correction.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from indexer.language.normalize import fold, normalize

ONSETS = (
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
    "nh", "p", "ph", "q", "r", "s", "t", "th", "tr", "v", "x",
)  # fmt: skip
# Rimes as written after an ordinary consonant: glide, nucleus and coda together.
_OPEN_RIMES = (
    "a ai ao au ay âu ây e eo ê êu i ia iu iêu o oi ô ôi ơ ơi u ua ui uôi uy ư ưa ưi ưu ươi ươu "
    "y oa oai oao oay oe oeo uê uơ uya uyu uây"
)
_CLOSED_RIMES = (
    "ac ach am an ang anh ap at ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât ec em en eng ep et "
    "êch êm ên ênh êp êt ich im in inh ip it iêc iêm iên iêng iêp iêt oc om on ong op ot ooc "
    "oong ôc ôm ôn ông ôp ôt ơm ơn ơp ơt uc um un ung up ut uôc uôm uôn uông uôt ưc ưm ưn ưng "
    "ưt ươc ươm ươn ương ươp ươt oac oach oam oan oang oanh oap oat oăc oăm oăn oăng oăt oem "
    "oen oeng oet uân uâng uât uêch uên uênh uêt uych uyn uynh uyp uyt uyên uyêt"
)
RIMES = tuple(_OPEN_RIMES.split() + _CLOSED_RIMES.split())
GLIDES = ("o", "u")
CODAS = ("c", "ch", "m", "n", "ng", "nh", "p", "t", "i", "y", "o", "u")
# Combining tone marks, ngang (none) first: huyền, sắc, hỏi, ngã, nặng.
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_STOPPED = ("c", "ch", "p", "t")  # codas after which only sắc and nặng occur
_FRONT = ("e", "ê", "i", "y")
_VOWELS = frozenset("aăâeêioôơuưy")  # k, gh, ngh come before these; c, g, ng before the rest


@dataclass(frozen=True)
class Parts:
    """One syllable taken apart: ``nguyễn`` is ``ng`` + ``u`` + ``yê`` + ``n``, tone ngã."""

    onset: str
    glide: str
    nucleus: str
    coda: str
    tone: str  # one of TONES


def _spellings(onset: str, rime: str) -> list[str]:
    """How ``onset`` + ``rime`` is written, or nothing when the spelling rules forbid it."""
    front = rime[0] in _FRONT
    if onset in ("k", "gh", "ngh") and not front:
        return []
    if onset in ("c", "g", "ng") and front:
        return []
    if onset == "q":  # q is always followed by the glide u: qua, quân, quyền, quốc
        if rime[0] == "u" and len(rime) > 1 and rime[1] in "aăâeêiyơô":
            return ["q" + rime]
        return ["qu" + rime] if rime[0] in "aăâeêiơô" else []
    if onset == "gi" and rime.startswith("i"):
        return ["g" + rime]  # gi + iêng is giêng, gi + in is gìn
    if onset == "":
        if rime.startswith("iê"):
            return ["y" + rime[1:]]  # yên, yêu
        if rime.startswith("uyê") or rime == "uya":
            return [rime]
    if rime == "y" and onset in ("", "q"):
        return [rime]
    return [onset + rime]


def _tone_position(untoned: str) -> int:
    """Where the canonical placement puts a tone on ``untoned`` (asked of ``normalize`` once)."""
    first_vowel = next(i for i, c in enumerate(untoned) if c in _VOWELS)
    marked = untoned[: first_vowel + 1] + "\u0301" + untoned[first_vowel + 1 :]
    placed = normalize(unicodedata.normalize("NFC", marked))
    return next(i for i, c in enumerate(placed) if tone_of(c))


@cache
def _inventory() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    accented: set[str] = set()
    by_fold: dict[str, list[str]] = {}
    for onset in ONSETS:
        for rime in RIMES:
            for written in _spellings(onset, rime):
                tones = ("\u0301", "\u0323") if rime.endswith(_STOPPED) else TONES
                at = _tone_position(written)
                head, vowel, tail = written[:at], written[at], written[at + 1 :]
                forms = [head + unicodedata.normalize("NFC", vowel + t) + tail for t in tones]
                accented.update(forms)
                by_fold.setdefault(fold(written), []).extend(forms)
    return frozenset(accented), {k: tuple(sorted(set(v))) for k, v in by_fold.items()}


def is_syllable(text: str) -> bool:
    """True when ``text`` (any case, NFC) is a possible Vietnamese syllable, accents included:
    ``việt`` and ``viet`` are; ``viềt`` (huyền on a stopped coda), ``noii``, ``covid`` are not."""
    lowered = normalize(text).lower()
    return lowered in _inventory()[0] or (lowered.isascii() and lowered in _inventory()[1])


def is_folded_syllable(folded: str) -> bool:
    """True when ``folded`` (the output of ``fold``) is the folded form of some
    possible syllable: ``nguyen``, ``qui``, not ``ngyen``."""
    return folded in _inventory()[1]


def accented_forms(folded: str) -> tuple[str, ...]:
    """Every possible syllable that folds to ``folded``: ``noi`` → ``nòi``, ``nói``, …, ``nội``,
    ``nơi``, ``nời``, … (sorted; empty for a string that is no syllable)."""
    return _inventory()[1].get(folded, ())


def accented_syllables() -> frozenset[str]:
    """Every possible syllable with its accents, lowercase (about 18,000)."""
    return _inventory()[0]


def folded_syllables() -> frozenset[str]:
    """The folded form of every possible syllable (about 2,400)."""
    return frozenset(_inventory()[1])


def tone_of(syllable: str) -> str:
    """The combining tone mark ``syllable`` carries, or ``""`` for ngang (no mark)."""
    return next((m for m in unicodedata.normalize("NFD", syllable) if m in TONES[1:]), "")


def without_tone(syllable: str) -> str:
    """``syllable`` with its tone mark removed and its vowel marks kept: ``nguyễn`` → ``nguyên``."""
    kept = [m for m in unicodedata.normalize("NFD", syllable) if m not in TONES[1:]]
    return unicodedata.normalize("NFC", "".join(kept))


def parse(syllable: str) -> Parts | None:
    """``syllable`` (lowercase, canonical) as onset, glide, nucleus, coda and tone; None when
    it is no possible syllable."""
    if not is_syllable(syllable):
        return None
    tone, bare = tone_of(syllable), without_tone(normalize(syllable).lower())
    onset = max((o for o in ONSETS if bare.startswith(o)), key=len)
    if onset == "gi" and (len(bare) == 2 or bare[2] not in "aăâeêoôơuưy"):
        onset = "g"  # gì, gìn: the i is the vowel
    rest = bare[len(onset) :]
    glide = ""
    if onset == "q" or (len(rest) > 1 and rest[0] in GLIDES and _glides(rest)):
        glide, rest = rest[0], rest[1:]
    coda = max((c for c in CODAS if rest.endswith(c) and len(rest) > len(c)), key=len, default="")
    return Parts(onset, glide, rest[: len(rest) - len(coda)], coda, tone)


def _glides(rest: str) -> bool:
    """Whether the o/u starting ``rest`` is a glide (hoa, tuy, thuê) rather than the nucleus
    (ua, uô, oi, ui)."""
    second = rest[1]
    if rest[0] == "o":
        return second in "aăe"
    return second in "âêyơ" or (second == "a" and len(rest) > 2 and rest[2] == "y")


def has_vowel(letters: str) -> bool:
    """Whether ``letters`` (folded) hold a vowel: without one (``hc``, ``đnh``) they are no
    syllable typed right but one whose vowel, with its tone and marks, was left out (or an
    abbreviation)."""
    return any(c in "aeiouy" for c in letters)
