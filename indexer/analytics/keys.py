"""What a search is counted under, the form shown for it, and abbreviations worth a synonym.

``Hà Nội``, ``ha noi`` and ``HÀ  NỘI`` are one query for an editor: they are counted under one
key, the folded text (``indexer.language.fold``), and shown in the form typed most often.
"""

from __future__ import annotations

import re

from indexer.language import Synonyms, fold, has_diacritics, normalize

# A Vietnamese syllable, folded: an initial consonant, one to three vowels, a final consonant.
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?"
)
_VOWEL = re.compile(r"[aeiouy]")
_TOKEN = re.compile(r"[^\W\d_]+")
# Abbreviations are short: tphcm, ubnd, bhxh, THPT, ĐHQGHN.
MAX_ABBREVIATION_CHARS = 8
# Stored forms and keys are cut here; queries may have up to 1,000 characters.
MAX_KEY_CHARS = 300


def query_form(query: str) -> str:
    """The query as typed, normalised (``indexer.language.normalize``) with single spaces."""
    return " ".join(normalize(query).split())[:MAX_KEY_CHARS]


def query_key(query: str) -> str:
    """The key a query is counted under: folded, lowercase, single spaces (``ha noi``)."""
    return " ".join(fold(normalize(query)).split())[:MAX_KEY_CHARS]


def preferred_form(counts: dict[str, int]) -> str:
    """The form typed most; on a tie the one with diacritics, then the first in order."""
    return min(counts, key=lambda form: (-counts[form], not has_diacritics(form), form))


def abbreviation_like(token: str) -> bool:
    """Whether ``token`` looks like an abbreviation rather than a Vietnamese syllable.

    Letters only and short, and either written in capitals (``UBND``), without a vowel
    (``tphcm``, ``bhxh``), or with a single vowel in no syllable's shape (``ubnd``, ``atgt``).
    Foreign words (``covid``) have more vowels and are left alone, and so are words with tone or
    vowel marks (``vàg`` is ``vàng`` misspelt): abbreviations carry none but đ (``ĐHQG``).
    """
    if not token.isalpha() or not 2 <= len(token) <= MAX_ABBREVIATION_CHARS:
        return False
    if has_diacritics(token.replace("đ", "d").replace("Đ", "D")):
        return False
    folded = fold(token)
    vowels = len(_VOWEL.findall(folded))
    if token.isupper() or vowels == 0:
        return True
    return vowels == 1 and not _SYLLABLE.fullmatch(folded)


def missing_synonyms(query: str, synonyms: Synonyms) -> list[str]:
    """The abbreviation-like words of ``query`` the dictionary does not know, as typed."""
    found = []
    for token in dict.fromkeys(_TOKEN.findall(normalize(query))):
        if abbreviation_like(token) and not synonyms.find((token,)):
            found.append(token)
    return found
