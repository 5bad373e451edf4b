"""Abbreviations and synonyms: the dictionary that lets ``UBND`` find ``Ủy ban nhân dân``.

A dictionary file holds one group of variants per line (``indexer/language/data/synonyms.txt``
describes the format and is the dictionary vietsearch ships). Queries are expanded when they are
compiled (see ``indexer.searching``), never the index, so a changed dictionary needs no rebuild.
Variants go through the query analysis (``segment``) and are compared by folded syllables, so
``TP.HCM``, ``TP HCM`` and ``tp. hcm`` are one variant; a syllable written without diacritics is
matched only by a query syllable without them, so the dictionary's ``ban`` (``Ủy ban``) never meets
``bàn``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from indexer.errors import SynonymError
from indexer.language.normalize import fold, has_diacritics
from indexer.language.segmentation import segment

# Longer variants are names, not abbreviations; the cap also bounds the work per query syllable.
MAX_VARIANT_SYLLABLES = 16
_COMMENT = re.compile(r"(?:^|\s)#.*")

Variant = tuple[str, ...]  # a variant's syllables, normalised, case kept: ("Ủy", "ban", ...)


@dataclass(frozen=True)
class Rule:
    """One line: ``targets`` None means every variant finds the others, else ``variants`` find
    ``targets`` (``Sài Gòn => TP.HCM``)."""

    variants: tuple[Variant, ...]
    targets: tuple[Variant, ...] | None = None


@dataclass(frozen=True)
class Expansion:
    """Query syllables ``start:end`` are a dictionary variant; ``variants`` are its other forms."""

    start: int
    end: int
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class _Entry:
    plain: tuple[bool, ...]  # which syllables the dictionary writes without diacritics
    variants: tuple[Variant, ...]

    def accepts(self, syllables: Sequence[str]) -> bool:
        return not any(p and has_diacritics(s) for p, s in zip(self.plain, syllables, strict=True))


class Synonyms:
    """A dictionary, ready to find its variants among a query's syllables. ``Synonyms()`` is
    the empty dictionary (no expansion); ``load_synonyms`` reads the shipped one."""

    def __init__(self, rules: Iterable[Rule] = ()):
        found: dict[Variant, dict[Variant, Variant]] = {}  # written form → targets by key
        for rule in rules:
            for variant in rule.variants:
                targets = rule.targets if rule.targets is not None else rule.variants
                merged = found.setdefault(tuple(s.lower() for s in variant), {})
                for target in targets:
                    merged.setdefault(_key(target), target)
        self._entries: dict[Variant, list[_Entry]] = {}
        for written, targets in found.items():
            targets.pop(_key(written), None)
            if targets:
                entry = _Entry(
                    tuple(not has_diacritics(s) for s in written), tuple(targets.values())
                )
                self._entries.setdefault(_key(written), []).append(entry)
        self._longest = max(map(len, self._entries), default=0)

    def __len__(self) -> int:
        """How many variants expand to something."""
        return sum(map(len, self._entries.values()))

    def find(self, syllables: Sequence[str]) -> list[Expansion]:
        """The variants among ``syllables``: longest first, left to right, never overlapping."""
        if not self._entries:
            return []
        keys = [fold(s) for s in syllables]
        found: list[Expansion] = []
        i = 0
        while i < len(syllables):
            for n in range(min(self._longest, len(syllables) - i), 0, -1):
                entries = self._entries.get(tuple(keys[i : i + n]), ())
                variants = [e.variants for e in entries if e.accepts(syllables[i : i + n])]
                if variants:
                    found.append(Expansion(i, i + n, tuple(dict.fromkeys(sum(variants, ())))))
                    i += n
                    break
            else:
                i += 1
        return found


def _key(variant: Variant) -> Variant:
    return tuple(fold(s) for s in variant)


def load_synonyms(path: str | os.PathLike | None = None, *, builtin: bool = True) -> Synonyms:
    """The shipped dictionary (unless ``builtin`` is False) plus the file at ``path``, if any.

    Raises ``SynonymError`` naming the file and line of every malformed line.
    """
    if path is None or str(path) == "":
        return builtin_synonyms() if builtin else Synonyms()
    rules = list(_builtin_rules()) if builtin else []
    return Synonyms(rules + read_rules(path))


@lru_cache(maxsize=1)
def builtin_synonyms() -> Synonyms:
    """The dictionary shipped in ``indexer/language/data/synonyms.txt`` (read once per process)."""
    return Synonyms(_builtin_rules())


@lru_cache(maxsize=1)
def _builtin_rules() -> tuple[Rule, ...]:
    data = resources.files("indexer.language") / "data" / "synonyms.txt"
    return tuple(parse_rules(data.read_bytes(), "indexer/language/data/synonyms.txt"))


def read_rules(path: str | os.PathLike) -> list[Rule]:
    """The rules of the dictionary file at ``path``; ``SynonymError`` if it is unreadable."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise SynonymError([f"{path}: cannot read the synonym file: {exc.strerror}"]) from None
    return parse_rules(data, os.fspath(path))


def parse_rules(data: bytes, source: str) -> list[Rule]:
    """Parse a dictionary file's bytes; ``source`` names it in errors (one per bad line)."""
    rules: list[Rule] = []
    problems: list[str] = []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        try:
            rule = parse_line(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(f"{source}:{number}: not UTF-8 text")
        except ValueError as exc:
            problems.append(f"{source}:{number}: {exc}")
        else:
            if rule is not None:
                rules.append(rule)
    if problems:
        raise SynonymError(problems)
    return rules


def parse_line(line: str) -> Rule | None:
    """One line as a ``Rule`` (None for a blank or comment line); ``ValueError`` says what is
    wrong with a malformed one."""
    text = _COMMENT.sub("", line).strip()
    if not text:
        return None
    sides = text.split("=>")
    if len(sides) > 2:
        raise ValueError('more than one "=>" (write one rule per line)')
    if len(sides) == 2:
        for side, where in zip(sides, ("before", "after"), strict=True):
            if not side.strip():
                raise ValueError(f'nothing {where} "=>"')
        return Rule(_variants(sides[0]), _variants(sides[1]))
    variants = _variants(text)
    if len(variants) < 2:
        raise ValueError(
            f"{text!r} is one variant; a line lists two or more, separated by commas (or uses =>)"
        )
    return Rule(variants)


def _variants(side: str) -> tuple[Variant, ...]:
    variants = []
    for written in side.split(","):
        written = written.strip()
        if not written:
            raise ValueError("an empty variant (two commas in a row, or a comma at an end)")
        syllables = tuple(segment(written).syllables)
        if not syllables:
            raise ValueError(f"{written!r} has no letters or digits")
        if len(syllables) > MAX_VARIANT_SYLLABLES:
            raise ValueError(
                f"{written!r} has {len(syllables)} syllables; the limit is {MAX_VARIANT_SYLLABLES}"
            )
        variants.append(syllables)
    return tuple(variants)
