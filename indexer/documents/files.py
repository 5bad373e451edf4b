"""Read documents from .txt, .jsonl, .jsonl.gz and .csv files, and from folders of them.

Files are decoded as UTF-8 (BOM optional) or as UTF-16 when they start with a UTF-16 BOM.
Text is returned exactly as decoded: Unicode normalisation happens elsewhere.
"""

import codecs
import csv
import gzip
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import IO

from indexer.documents.model import (
    Document,
    InvalidDocument,
    Problem,
    document_from_mapping,
    parse_json,
)

_SUFFIXES = (".jsonl.gz", ".jsonl", ".txt", ".csv")
_SNIFF_SIZE = 8192
_LINE_END = re.compile(r"\r\n|\r|\n")


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
