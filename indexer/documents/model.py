"""A document, and turning a record (a JSON object, a CSV row) into one.

Text is kept exactly as given: Unicode normalisation happens in ``indexer.language``.
"""

import datetime
import json
import re
from dataclasses import dataclass

from indexer.errors import InvalidDocument

MAX_ID_LENGTH = 512
# Longer texts are refused: pyvi would take minutes, and stored offsets must fit
# (indexer.codec.spans).
MAX_TEXT_CHARS = 500_000

_ID_INT_LIMIT = 10**MAX_ID_LENGTH
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TAG_SEPARATOR = re.compile(r"[,;]")
_ISO_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6}))?)?"
    r"(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?",
    re.IGNORECASE,
)
# ISO 8601's basic format (20201001, 20201001T0830+0700): 7% of the news corpus uses it.
_ISO_BASIC_DATETIME = re.compile(
    r"([0-9]{4})([0-9]{2})([0-9]{2})"
    r"(?:T([0-9]{2})([0-9]{2})(?:([0-9]{2})(?:[.,]([0-9]{1,6}))?)?"
    r"(Z|[+-][0-9]{2}(?:[0-9]{2})?)?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Document:
    """One searchable document, as read from a file or received over HTTP."""

    id: str
    title: str = ""
    body: str = ""
    url: str = ""
    published: datetime.datetime | None = None
    source: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    origin: str = ""


@dataclass(frozen=True)
class Problem:
    """A file that was skipped as a whole, or one record in a file that was rejected."""

    kind: str
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        """Render as one line: ``path[:line]: kind: reason``."""
        where = _printable(self.path)
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.kind}: {_printable(self.reason)}"


# --- Records -> Document ------------------------------------------------------------------


def document_from_mapping(record: object, origin: str = "") -> Document:
    """Validate one JSON/CSV record (a dict) and build a Document; raise InvalidDocument otherwise.

    None and "" count as absent. Title and the short metadata fields are stripped; the body is
    kept exactly as given.
    """
    if not isinstance(record, dict):
        raise InvalidDocument(f"not a JSON object (got {type(record).__name__})")
    doc_id = _parse_id(record.get("id"))
    title = _text(record, "title").strip()
    body = _text(record, "body", "text", "content")
    if not title and not body.strip():
        raise InvalidDocument("no title or body")
    check_length(title, body)
    return Document(
        id=doc_id,
        title=title,
        body=body,
        url=_text(record, "url").strip(),
        published=_parse_published(record),
        source=_text(record, "source").strip(),
        category=_text(record, "category").strip(),
        tags=_parse_tags(record.get("tags")),
        origin=origin,
    )


def check_length(title: str, body: str) -> None:
    """Raise ``InvalidDocument`` when the text is longer than the index accepts."""
    if len(title) + len(body) > MAX_TEXT_CHARS:
        raise InvalidDocument(f"text is over {MAX_TEXT_CHARS:,} characters")


def _first_field(record: dict, names: tuple[str, ...]) -> tuple[str, object] | None:
    """Return (name, value) of the first of names that is present, not None and not ""."""
    for name in names:
        value = record.get(name)
        if value is not None and value != "":
            return name, value
    return None


def _text(record: dict, *names: str) -> str:
    """Return the first present field of names as a checked string, or ""."""
    found = _first_field(record, names)
    return "" if found is None else _check_text(*found)


def _check_text(name: str, value: object) -> str:
    """Return value if it is a string that an index can store, else raise InvalidDocument."""
    if not isinstance(value, str):
        raise InvalidDocument(f"{name!r} must be a string, got {type(value).__name__}")
    if "\x00" in value:
        raise InvalidDocument(f"{name!r} contains a NUL character")
    # json.loads turns "\ud800" into a lone surrogate, which cannot be encoded as UTF-8 later.
    surrogate = _SURROGATE.search(value)
    if surrogate:
        raise InvalidDocument(f"{name!r} contains a lone surrogate (U+{ord(surrogate[0]):04X})")
    return value


def _parse_id(value: object) -> str:
    """Return the stripped id; integers become their decimal string."""
    if value is None:
        raise InvalidDocument("'id' is missing")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidDocument(f"'id' must be a string or an integer, got {type(value).__name__}")
    if isinstance(value, int) and abs(value) >= _ID_INT_LIMIT:
        raise InvalidDocument(f"'id' is longer than {MAX_ID_LENGTH} characters")
    doc_id = _check_text("id", str(value)).strip()
    if not doc_id:
        raise InvalidDocument("'id' is empty")
    if len(doc_id) > MAX_ID_LENGTH:
        raise InvalidDocument(f"'id' is longer than {MAX_ID_LENGTH} characters")
    control = _CONTROL.search(doc_id)
    if control:
        raise InvalidDocument(f"'id' contains a control character (U+{ord(control[0]):04X})")
    return doc_id


def _parse_published(record: dict) -> datetime.datetime | None:
    """Return 'published' (or else 'date') as a naive UTC datetime, or None."""
    found = _first_field(record, ("published", "date"))
    if found is None:
        return None
    name, value = found
    text = _check_text(name, value).strip()
    match = _ISO_DATETIME.fullmatch(text) or _ISO_BASIC_DATETIME.fullmatch(text)
    moment = _datetime_from_match(match) if match else None
    if text and moment is None:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise InvalidDocument(f"{name!r} is not an ISO 8601 date: {shown!r}")
    return moment


def _datetime_from_match(match: re.Match[str]) -> datetime.datetime | None:
    """Build a naive UTC datetime from an _ISO_DATETIME match; None if out of range."""
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=_zone(zone),
        )
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return moment


def _zone(text: str | None) -> datetime.tzinfo | None:
    """Parse "Z", "+07:00", "+0700" or "+07"; raise ValueError when out of range."""
    if text is None:
        return None
    if text.upper() == "Z":
        return datetime.timezone.utc
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if minutes >= 60:
        raise ValueError(text)
    offset = datetime.timedelta(hours=hours, minutes=minutes)
    return datetime.timezone(-offset if text[0] == "-" else offset)


def _parse_tags(value: object) -> tuple[str, ...]:
    """Return tags from a list of strings or a ","/";"-separated string, blanks dropped."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items = _TAG_SEPARATOR.split(_check_text("tags", value))
    elif isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        items = [_check_text("tags", item) for item in value]
    else:
        raise InvalidDocument(f"'tags' must be a list of strings, got {_describe_type(value)}")
    return tuple(tag for tag in (item.strip() for item in items) if tag)


def _describe_type(value: object) -> str:
    """Name value's type; for a list, also name the types of its non-string items."""
    if not isinstance(value, (list, tuple)):
        return type(value).__name__
    kinds = sorted({type(item).__name__ for item in value if not isinstance(item, str)})
    return f"{type(value).__name__} containing {', '.join(kinds)}"


def parse_json(line: str) -> object:
    """Parse one JSON text (a line of JSON Lines), raising InvalidDocument with a short reason."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidDocument(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise InvalidDocument(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise InvalidDocument("invalid JSON: nested too deeply") from None


def _printable(text: str) -> str:
    """Escape control characters and lone surrogates so a message stays one printable line."""
    return text if text.isprintable() else repr(text)[1:-1]
