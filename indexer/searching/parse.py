"""The user's query language, parsed safely.

Plain words, ``"quoted phrases"``, ``-word`` to exclude, ``OR`` between alternatives, parentheses,
and filters from an allowlist (``title:``, ``source:``, ``category:``, ``published:``). Nothing
else is syntax: ``*``, ``?``, ``~``, ``[a TO b]`` and unknown ``field:`` prefixes are plain text,
so no user input reaches Whoosh's own parser. Limits are checked on the raw string before any
parsing, so a hostile query costs one linear scan.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from indexer.errors import QueryError

MAX_QUERY_CHARS = 1000
MAX_OPERATORS = 32
MAX_DEPTH = 4
FILTER_FIELDS = ("source", "category", "published")
FIELD_PREFIXES = ("title",) + FILTER_FIELDS


@dataclass(frozen=True)
class Text:
    """Free text: words typed next to each other (their order matters for ranking)."""

    text: str
    title_only: bool = False


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase: its syllables must appear together, in order."""

    text: str
    title_only: bool = False


@dataclass(frozen=True)
class Any:
    """Alternatives joined by OR: at least one must match."""

    options: tuple


@dataclass(frozen=True)
class All:
    """A parenthesised group."""

    parts: tuple


@dataclass(frozen=True)
class Not:
    """An excluded word, phrase or group."""

    part: object


@dataclass(frozen=True)
class DateRange:
    """Published between ``start`` (inclusive) and ``end`` (exclusive); either may be open."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass
class ParsedQuery:
    """The parsed query: what to match, and the filters that restrict it."""

    parts: list = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    published: list[DateRange] = field(default_factory=list)
    excluded_filters: list[tuple[str, object]] = field(default_factory=list)


_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_FIELD = re.compile(r"^(-?)([A-Za-z]+):(.*)$", re.DOTALL)
# A lone surrogate (from JSON's "\ud800" or undecodable bytes in argv) is not text; pyvi's
# tagger fails on one.
_SURROGATE = re.compile("[\ud800-\udfff]")
_OPERATOR = re.compile(r'["()]|(?:^|\s)-(?=\S)|\bOR\b|\bNOT\b|\b[A-Za-z]+:')


def check_limits(query: str) -> None:
    """Refuse, before parsing, what would be too long or too deeply nested to run quickly."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The query is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS:,}."
        )
    surrogate = _SURROGATE.search(query)
    if surrogate:
        raise QueryError(
            f"The query contains a lone surrogate (U+{ord(surrogate[0]):04X}), which is not text."
        )
    depth = deepest = 0
    for char in query:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")" and depth:
            depth -= 1
    if deepest > MAX_DEPTH:
        raise QueryError(f"The query nests parentheses {deepest} deep; the limit is {MAX_DEPTH}.")
    operators = len(_OPERATOR.findall(query))
    if operators > MAX_OPERATORS:
        raise QueryError(
            f"The query uses {operators} operators (quotes, -, OR, parentheses, "
            f"filters); the limit is {MAX_OPERATORS}."
        )


def parse_query(query: str) -> ParsedQuery:
    """Parse ``query``; raise ``QueryError`` for one that breaks the limits or a bad filter."""
    if not isinstance(query, str):
        raise QueryError("The query must be text.")
    check_limits(query)
    parsed = ParsedQuery()
    tokens = _lex(query)
    parsed.parts = _parse_sequence(tokens, 0, parsed, top=True)[0]
    return parsed


def _lex(query: str) -> list[str]:
    """Split ``query`` into tokens; ``NOT x``, ``-(`` and ``-"`` become one negated token.

    A ``-`` standing alone (``2020 - 2025``) is punctuation, not an operator.
    """
    tokens: list[str] = []
    glued_to_minus = False
    for match in _TOKEN.finditer(query):
        token = match.group()
        if tokens and (tokens[-1] == "NOT" or glued_to_minus) and token not in (")", "OR"):
            tokens[-1] = "-" + token
        elif token != "AND":
            tokens.append(token)
        glued_to_minus = token == "-" and query[match.end() : match.end() + 1] in ('"', "(")
    return [t for t in tokens if t not in ("-", "NOT")]


def _parse_sequence(tokens: list[str], i: int, parsed: ParsedQuery, top: bool):
    """Parse clauses until a closing parenthesis (or the end); return (parts, next index)."""
    parts: list = []
    pending_or = False
    while i < len(tokens):
        token = tokens[i]
        if token == ")":
            if not top:
                return _merge_text(parts), i + 1
            i += 1
            continue
        if token == "OR":
            pending_or = bool(parts)
            i += 1
            continue
        part, i = _parse_clause(tokens, i, parsed)
        if part is None:
            continue
        if pending_or and parts and not isinstance(part, Not) and not isinstance(parts[-1], Not):
            previous = parts.pop()
            options = previous.options if isinstance(previous, Any) else (previous,)
            part = Any(options + (part,))
        pending_or = False
        parts.append(part)
    return _merge_text(parts), i


def _parse_clause(tokens: list[str], i: int, parsed: ParsedQuery):
    """Parse one clause at ``tokens[i]``; filters go into ``parsed`` and return None."""
    token = tokens[i]
    negated = token.startswith("-") and len(token) > 1
    if negated:
        token = token[1:]
    if token == "(":
        inner, i = _parse_sequence(tokens, i + 1, parsed, top=False)
        part = All(tuple(inner)) if inner else None
        return (Not(part) if negated and part else part), i
    match = _FIELD.match(token)
    if match and match.group(2).lower() in FIELD_PREFIXES:
        name, value = match.group(2).lower(), match.group(3)
        if value == "" and i + 1 < len(tokens) and tokens[i + 1].startswith('"'):
            value, i = tokens[i + 1], i + 1
        return _field_clause(name, value, negated, parsed), i + 1
    if token.startswith('"'):
        text = token.strip('"')
        part = Phrase(text) if text.strip() else None
    else:
        part = Text(token)
    return (Not(part) if negated and part else part), i + 1


def _field_clause(name: str, value: str, negated: bool, parsed: ParsedQuery):
    """A ``title:`` clause, or a filter recorded in ``parsed`` (returns None)."""
    quoted = value.startswith('"')
    value = value.strip('"').strip()
    if not value:
        return None
    if name == "title":
        part = Phrase(value, title_only=True) if quoted else Text(value, title_only=True)
        return Not(part) if negated else part
    target = parse_date_filter(value) if name == "published" else value
    if negated:
        parsed.excluded_filters.append((name, target))
    else:
        {"source": parsed.sources, "category": parsed.categories, "published": parsed.published}[
            name
        ].append(target)
    return None


def _merge_text(parts: list) -> list:
    """Join neighbouring plain words into one Text, so their order and adjacency count."""
    merged: list = []
    for part in parts:
        if (
            isinstance(part, Text)
            and merged
            and isinstance(merged[-1], Text)
            and merged[-1].title_only == part.title_only
        ):
            merged[-1] = Text(merged[-1].text + " " + part.text, part.title_only)
        else:
            merged.append(part)
    return merged


_DATE = re.compile(r"^(>=|<=|>|<)?(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_date_filter(value: str) -> DateRange:
    """``2021``, ``2021-04``, ``2021-04-12``, optionally after ``>``, ``>=``, ``<`` or ``<=``."""
    match = _DATE.match(value.strip())
    if not match:
        raise QueryError(
            f"published:{value} is not a date; use a form like published:2021-04 "
            "or published:>2021-01-01."
        )
    op, year, month, day = match.groups()
    try:
        start = dt.datetime(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise QueryError(f"published:{value} is not a valid date ({exc}).") from None
    end = _next_period(start, month, day)
    if op in (">", ">="):
        return DateRange(start=end if op == ">" else start)
    if op in ("<", "<="):
        return DateRange(end=start if op == "<" else end)
    return DateRange(start, end)


def _next_period(start: dt.datetime, month: str | None, day: str | None) -> dt.datetime | None:
    if day:
        return start + dt.timedelta(days=1)
    if month:
        return dt.datetime(start.year + start.month // 12, start.month % 12 + 1, 1)
    return dt.datetime(start.year + 1, 1, 1) if start.year < 9999 else None
