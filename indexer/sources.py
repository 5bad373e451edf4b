"""Read documents from .txt, .jsonl, .jsonl.gz and .csv files, and from folders of them.

Files are decoded as UTF-8 (BOM optional) or as UTF-16 when they start with a UTF-16 BOM.
Text is returned exactly as decoded: Unicode normalisation happens elsewhere.
"""

import codecs
import csv
import datetime
import gzip
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import IO

MAX_ID_LENGTH = 512
# Longer texts are refused: pyvi would take minutes, and stored offsets must fit (indexer.spans).
MAX_TEXT_CHARS = 500_000

_SUFFIXES = (".jsonl.gz", ".jsonl", ".txt", ".csv")
_SNIFF_SIZE = 8192
_ID_INT_LIMIT = 10**MAX_ID_LENGTH
_LINE_END = re.compile(r"\r\n|\r|\n")
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


class InvalidDocument(ValueError):
    """A record that cannot become a Document.

    str(exc) is a one-line reason a person understands.
    """


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


class _Unreadable(Exception):
    """A file, or the rest of it, cannot be read; line is where reading stopped."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class _Source:
    """A file to read: path as shown to the user, its suffix, and the id a .txt file gets."""

    path: str
    suffix: str
    txt_id: str

    @property
    def origin(self) -> str:
        """The absolute path recorded on each document."""
        return os.path.abspath(self.path)


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


# --- Paths -> files ---------------------------------------------------------------------


def read_documents(
    paths: Iterable[str | os.PathLike[str]], report: Callable[[Problem], None]
) -> Iterator[Document]:
    """Yield every Document found in the given files and folders, calling report() for each
    skipped file or rejected record.

    Folders are walked recursively in sorted order (a folder's files before its subfolders);
    inside them only .txt, .jsonl, .jsonl.gz and .csv files are read, other files are ignored.
    """
    for path in paths:
        for source in _sources(os.fsdecode(path), report):
            yield from _read_source(source, report)


def _sources(path: str, report: Callable[[Problem], None]) -> Iterator[_Source]:
    """Yield the files to read for one path given by the user, reporting what is skipped."""
    if os.path.isdir(path):
        yield from _walk_folder(path, report)
    elif not os.path.exists(path):
        report(Problem("skipped", path, "no such file or directory"))
    elif (suffix := _suffix_of(path)) is None:
        report(Problem("skipped", path, "unsupported file type"))
    elif not os.path.isfile(path):
        report(Problem("skipped", path, "not a regular file"))
    else:
        yield _Source(path, suffix, os.path.basename(path)[: -len(suffix)])


def _walk_folder(folder: str, report: Callable[[Problem], None]) -> Iterator[_Source]:
    """Yield the readable files under folder, in sorted order.

    Symlinked folders are never descended (so cycles cannot loop): one pointing inside
    folder is walked under its real path anyway, one pointing outside is reported.
    """
    root = os.path.realpath(folder)

    def on_error(exc: OSError) -> None:
        report(Problem("skipped", exc.filename or folder, _os_reason(exc)))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=on_error):
        dirnames.sort()
        for name in dirnames:
            if _points_outside(os.path.join(dirpath, name), root):
                report(Problem("skipped", os.path.join(dirpath, name), _outside(folder)))
        for name in sorted(filenames):
            source = _folder_source(folder, os.path.join(dirpath, name), root, report)
            if source is not None:
                yield source


def _folder_source(
    folder: str, path: str, root: str, report: Callable[[Problem], None]
) -> _Source | None:
    """Return a _Source for a file found inside folder, or None if it is not to be read."""
    suffix = _suffix_of(path)
    if suffix is None or not os.path.isfile(path):
        return None
    if _points_outside(path, root):
        report(Problem("skipped", path, _outside(folder)))
        return None
    relative = os.path.relpath(path, folder).replace(os.sep, "/")
    return _Source(path, suffix, relative[: -len(suffix)])


def _points_outside(path: str, root: str) -> bool:
    """Whether path is a symlink whose resolved target is outside root (a real path)."""
    if not os.path.islink(path):
        return False
    target = os.path.realpath(path)
    return os.path.commonpath([target, root]) != root


def _outside(folder: str) -> str:
    return f"symlink points outside {folder}"


def _suffix_of(path: str) -> str | None:
    """Return the supported suffix path ends with (case-insensitively), or None."""
    name = os.path.basename(path).lower()
    return next((suffix for suffix in _SUFFIXES if name.endswith(suffix)), None)


def _os_reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


# --- Files -> Documents -------------------------------------------------------------------


def _read_source(source: _Source, report: Callable[[Problem], None]) -> Iterator[Document]:
    """Yield the documents of one file; report the file as skipped if it cannot be read."""
    try:
        if source.suffix == ".txt":
            yield _read_txt(source)
        elif source.suffix == ".csv":
            yield from _read_csv(source, report)
        else:
            yield from _read_jsonl(source, report)
    except _Unreadable as exc:
        report(_skipped(source, exc))
    except OSError as exc:
        report(Problem("skipped", source.path, _os_reason(exc)))


def _skipped(source: _Source, exc: _Unreadable) -> Problem:
    """Describe a file that could not be read; say so if records before it were read."""
    if source.suffix == ".txt" or exc.line is None or exc.line == 1:
        return Problem("skipped", source.path, exc.reason)
    return Problem("skipped", source.path, f"{exc.reason}; rest of file not read", exc.line)


def _read_txt(source: _Source) -> Document:
    """Read a whole .txt file: first non-blank line is the title, the rest is the body."""
    with open(source.path, "rb") as stream:
        text = "".join(_text_lines(stream))
    title, body = _split_title(text)
    record = {"id": source.txt_id, "title": title, "body": body}
    try:
        return document_from_mapping(record, source.origin)
    except InvalidDocument as exc:
        raise _Unreadable(str(exc)) from None


def _split_title(text: str) -> tuple[str, str]:
    """Split text into (stripped first non-blank line, rest without outer blank lines)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    content = [number for number, line in enumerate(lines) if line.strip()]
    if not content:
        raise _Unreadable("empty file")
    body = "\n".join(lines[content[1] : content[-1] + 1]) if len(content) > 1 else ""
    return lines[content[0]].strip(), body


def _read_jsonl(source: _Source, report: Callable[[Problem], None]) -> Iterator[Document]:
    """Yield a Document per JSON line, rejecting bad lines one by one."""
    opener = gzip.open if source.suffix == ".jsonl.gz" else open
    with opener(source.path, "rb") as stream:
        for number, line in enumerate(_text_lines(stream), start=1):
            if not line.strip():
                continue
            try:
                document = document_from_mapping(parse_json(line.rstrip("\r\n")), source.origin)
            except InvalidDocument as exc:
                report(Problem("rejected", source.path, str(exc), number))
                continue
            yield document


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


def _read_csv(source: _Source, report: Callable[[Problem], None]) -> Iterator[Document]:
    """Yield a Document per CSV row after the header, rejecting bad rows one by one."""
    with open(source.path, "rb") as stream:
        reader = csv.reader(_text_lines(stream))
        header = _csv_header(reader)
        for number, row in _csv_rows(reader, source, report):
            try:
                document = document_from_mapping(_csv_record(header, row), source.origin)
            except InvalidDocument as exc:
                report(Problem("rejected", source.path, str(exc), number))
                continue
            yield document


def _csv_header(reader: Iterator[list[str]]) -> list[str]:
    """Read the header row: column names stripped and lower-cased; 'id' is required."""
    try:
        row = next(reader, None)
    except csv.Error as exc:
        raise _Unreadable(f"invalid CSV header: {exc}") from None
    header = [cell.strip().lower() for cell in row or []]
    if not any(header):
        raise _Unreadable("empty file")
    if "id" not in header:
        raise _Unreadable("CSV header has no 'id' column")
    return header


def _csv_rows(
    reader: "csv._reader", source: _Source, report: Callable[[Problem], None]
) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, cells) of each non-blank row; reject unparsable rows."""
    while True:
        number = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report(Problem("rejected", source.path, f"invalid CSV: {exc}", number))
            continue
        if any(cell.strip() for cell in row):
            yield number, row


def _csv_record(header: list[str], row: list[str]) -> dict[str, str]:
    """Map header names to the row's non-blank cells (blank cells count as absent)."""
    if any(cell.strip() for cell in row[len(header) :]):
        raise InvalidDocument(f"row has {len(row)} cells but the header has {len(header)}")
    return {name: cell for name, cell in zip(header, row, strict=False) if name and cell.strip()}


# --- Bytes -> lines -----------------------------------------------------------------------


def _text_lines(stream: IO[bytes]) -> Iterator[str]:
    """Decode a byte stream and yield its lines with their endings, as newline="" would.

    Raises _Unreadable, carrying the line number where reading stopped.
    """
    count = 0
    try:
        for line in _split_lines(_decoded_pieces(stream)):
            count += 1
            yield line
    except _Unreadable as exc:
        raise _Unreadable(exc.reason, count + 1) from None


def _decoded_pieces(stream: IO[bytes]) -> Iterator[str]:
    """Decode UTF-8 (BOM optional) or UTF-16 (with BOM) text piece by piece as it is read."""
    pieces = _byte_pieces(stream)
    head = next(pieces)
    encoding, offset = _sniff_encoding(head)
    decoder = codecs.getincrementaldecoder(encoding)()
    for piece in chain(head[offset:].splitlines(keepends=True), pieces, [b""]):
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(piece, final=not piece)
        except UnicodeDecodeError as exc:
            raise _Unreadable(_decode_error(exc, encoding, offset - pending)) from None
        yield text
        offset += len(piece)


def _byte_pieces(stream: IO[bytes]) -> Iterator[bytes]:
    """Yield the first 8 KB of stream (for sniffing), then the rest line by line."""
    try:
        yield stream.read(_SNIFF_SIZE)
        yield from stream
    except (OSError, EOFError, zlib.error) as exc:
        raise _Unreadable(_read_error(exc)) from None


def _sniff_encoding(head: bytes) -> tuple[str, int]:
    """Return (codec, BOM length) for a file starting with head; refuse binary data."""
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", len(codecs.BOM_UTF16_LE)
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", len(codecs.BOM_UTF16_BE)
    if b"\x00" in head:
        raise _Unreadable("binary file")
    return "utf-8", len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0


def _decode_error(exc: UnicodeDecodeError, encoding: str, base: int) -> str:
    """Describe a decoding error by the bad byte and its offset in the file."""
    name = "UTF-16" if encoding.startswith("utf-16") else "UTF-8"
    return f"not valid {name} (byte 0x{exc.object[exc.start]:02x} at offset {base + exc.start})"


def _read_error(exc: Exception) -> str:
    """Describe an error raised while reading (or decompressing) a file."""
    if isinstance(exc, EOFError):
        return "truncated gzip file"
    if isinstance(exc, (gzip.BadGzipFile, zlib.error)):
        return "not a valid gzip file"
    return _os_reason(exc) if isinstance(exc, OSError) else str(exc)


def _split_lines(pieces: Iterable[str]) -> Iterator[str]:
    """Join text pieces and split them into lines ending in \\r\\n, \\r or \\n (kept)."""
    partial: list[str] = []
    held = ""  # a trailing "\r" whose "\n" may begin the next piece
    for piece in pieces:
        text = held + piece
        held = "\r" if text.endswith("\r") else ""
        text = text[: len(text) - len(held)]
        start = 0
        for match in _LINE_END.finditer(text):
            partial.append(text[start : match.end()])
            yield "".join(partial)
            partial = []
            start = match.end()
        partial.append(text[start:])
    tail = "".join(partial) + held
    if tail:
        yield tail


def _printable(text: str) -> str:
    """Escape control characters and lone surrogates so a message stays one printable line."""
    return text if text.isprintable() else repr(text)[1:-1]
