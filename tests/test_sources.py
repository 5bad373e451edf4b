"""Tests for indexer.documents: reading documents from files and folders."""

import codecs
import datetime
import gzip
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.documents.files import read_documents
from indexer.documents.model import Document, InvalidDocument, Problem, document_from_mapping

SEED = Path(__file__).resolve().parent / "data" / "seed"
DATA = Path(__file__).resolve().parent / "data" / "sources"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def read_all(*paths: str | os.PathLike[str]) -> tuple[list[Document], list[Problem]]:
    """Read paths, returning the documents and the problems reported."""
    problems: list[Problem] = []
    documents = list(read_documents(paths, problems.append))
    return documents, problems


def write(path: Path, data: bytes | str) -> Path:
    """Create path (and its parents) with data; str is written as UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def jsonl(*records: object) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


# --- The real seed article -------------------------------------------------------------


def test_seed_article_is_read() -> None:
    documents, problems = read_all(SEED)
    assert problems == []
    assert [document.id for document in documents] == ["000_e74d3da79069b4c0"]
    article = documents[0]
    assert article.title.startswith("Phó Bí thư Thường trực Thành ủy Hà Nội Nguyễn Thị Tuyến")
    assert article.body.startswith("Đó là đề nghị của đồng chí Nguyễn Thị Tuyến")
    assert article.origin == str(SEED / "000_e74d3da79069b4c0.txt")


# --- Folders and paths ------------------------------------------------------------------


def test_folder_is_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    write(tmp_path / "c" / "d" / "z.csv", "id,title\nfrom-csv,CSV\n")
    write(tmp_path / "b.txt", "B")
    write(tmp_path / "a" / "y.jsonl", jsonl({"id": "from-jsonl", "title": "J"}))
    write(tmp_path / "a" / "x.txt", "X")
    gzipped = gzip.compress(jsonl({"id": "from-gz", "title": "G"}).encode())
    write(tmp_path / "a" / "w.jsonl.gz", gzipped)
    write(tmp_path / "notes.md", "# not read")
    write(tmp_path / "img.png", PNG)
    write(tmp_path / "a" / "data.json", "{}")

    documents, problems = read_all(tmp_path)

    assert problems == []
    assert [d.id for d in documents] == ["b", "from-gz", "a/x", "from-jsonl", "from-csv"]
    assert documents[1].origin == str(tmp_path / "a" / "w.jsonl.gz")


def test_sample_folder_in_repository() -> None:
    documents, problems = read_all(DATA)
    assert problems == []
    # A folder's own files come before its subfolders.
    assert [(d.id, d.title) for d in documents] == [
        ("vn-001", "Giá xăng giảm lần thứ ba"),
        ("vn-002", "Đội tuyển Việt Nam thắng 2-0"),
        ("ha-noi/ba-dinh", "Quận Ba Đình họp Ban Chấp hành"),
    ]
    assert documents[0].published == datetime.datetime(2021, 4, 12, 8, 0)
    assert documents[1].body == "Trận đấu diễn ra tối qua\ntại sân Mỹ Đình."
    assert documents[1].tags == ("bóng đá", "thể thao")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing.txt", "no such file or directory"),
        ("missing-folder", "no such file or directory"),
        ("notes.md", "unsupported file type"),
        ("image.png", "unsupported file type"),
        ("archive.csv.gz", "unsupported file type"),
    ],
)
def test_explicit_path_problems(tmp_path: Path, name: str, reason: str) -> None:
    write(tmp_path / "notes.md", "# notes")
    write(tmp_path / "image.png", PNG)
    write(tmp_path / "archive.csv.gz", gzip.compress(b"id,title\n1,x\n"))
    path = str(tmp_path / name)

    assert read_all(path) == ([], [Problem("skipped", path, reason)])


def test_bad_file_is_reported_once_and_reading_goes_on(tmp_path: Path) -> None:
    bad = write(tmp_path / "a.txt", b"caf\xe9\ncaf\xe9\n")
    write(tmp_path / "b.txt", "Good")

    documents, problems = read_all(tmp_path, tmp_path / "missing.jsonl", tmp_path / "b.txt")

    assert [d.id for d in documents] == ["b", "b"]
    assert [(p.path, p.reason) for p in problems] == [
        (str(bad), "not valid UTF-8 (byte 0xe9 at offset 3)"),
        (str(tmp_path / "missing.jsonl"), "no such file or directory"),
    ]


# --- .txt files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "title", "body"),
    [
        ("Title\nBody", "Title", "Body"),
        ("Only a title\n", "Only a title", ""),
        (
            "\n \n  Title  \n\n\nfirst\n  indented\n\n\nlast  \n\n \n",
            "Title",
            "first\n  indented\n\n\nlast  ",
        ),
        ("Title\r\nline 1\r\n\r\nline 2\r\n", "Title", "line 1\n\nline 2"),
        # Decomposed (NFD) text must come back untouched: normalising is not this module's job.
        ("Vie\u0302\u0323t Nam\nbo\u0301ng đá", "Vie\u0302\u0323t Nam", "bo\u0301ng đá"),
    ],
)
def test_txt_title_and_body(tmp_path: Path, content: str, title: str, body: str) -> None:
    path = write(tmp_path / "article.txt", content)
    documents, problems = read_all(path)
    assert problems == []
    assert documents == [Document(id="article", title=title, body=body, origin=str(path))]


def test_txt_id_is_relative_to_the_given_folder(tmp_path: Path) -> None:
    path = write(tmp_path / "corpus" / "2021" / "04" / "article.TXT", "Title")
    assert [d.id for d in read_all(tmp_path / "corpus")[0]] == ["2021/04/article"]
    assert [d.id for d in read_all(tmp_path / "corpus" / "2021")[0]] == ["04/article"]
    assert [d.id for d in read_all(path)[0]] == ["article"]


@pytest.mark.parametrize(
    "data",
    [
        "Tiêu đề\nNội dung bài viết".encode("utf-16"),
        codecs.BOM_UTF16_LE + "Tiêu đề\nNội dung bài viết".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "Tiêu đề\nNội dung bài viết".encode("utf-16-be"),
        codecs.BOM_UTF8 + "Tiêu đề\nNội dung bài viết".encode(),
    ],
    ids=["utf-16", "utf-16-le", "utf-16-be", "utf-8-bom"],
)
def test_txt_with_bom_is_decoded(tmp_path: Path, data: bytes) -> None:
    documents, problems = read_all(write(tmp_path / "doc.txt", data))
    assert problems == []
    assert [(d.title, d.body) for d in documents] == [("Tiêu đề", "Nội dung bài viết")]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\t\r\n\n", "empty file"),
        ("bom-only.txt", codecs.BOM_UTF16_LE, "empty file"),
        ("image.txt", PNG, "binary file"),
        ("latin1.txt", b"caf\xe9", "not valid UTF-8 (byte 0xe9 at offset 3)"),
        ("bom-latin1.txt", codecs.BOM_UTF8 + b"caf\xe9", "not valid UTF-8 (byte 0xe9 at offset 6)"),
        ("cut.txt", "Việt".encode()[:4], "not valid UTF-8 (byte 0xe1 at offset 2)"),
        (
            "surrogate.txt",
            b"\xff\xfeA\x00\x00\xd8B\x00",
            "not valid UTF-16 (byte 0x00 at offset 4)",
        ),
        ("utf16-nul.txt", "A\nb\x00c".encode("utf-16"), "'body' contains a NUL character"),
        ("nul.jsonl", b'{"id": "a", "title": "x"}\n\x00\x00', "binary file"),
        ("png.jsonl.gz", gzip.compress(PNG), "binary file"),
        ("plain.jsonl.gz", jsonl({"id": "a", "title": "x"}).encode(), "not a valid gzip file"),
        ("empty.csv", b"", "empty file"),
        ("no-id.csv", b"title,body\nx,y\n", "CSV header has no 'id' column"),
    ],
)
def test_unreadable_file_is_skipped(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = write(tmp_path / name, data)
    assert read_all(path) == ([], [Problem("skipped", str(path), reason)])


def test_bad_file_inside_folder_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", PNG)
    write(tmp_path / "b.txt", b"")
    write(tmp_path / "c.txt", "Fine")
    documents, problems = read_all(tmp_path)
    assert [d.id for d in documents] == ["c"]
    assert problems == [
        Problem("skipped", str(tmp_path / "a.txt"), "binary file"),
        Problem("skipped", str(tmp_path / "b.txt"), "empty file"),
    ]


# --- Symlinks ---------------------------------------------------------------------------


def test_symlinks_pointing_outside_are_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "own.txt", "Own")
    secret = write(tmp_path / "outside" / "secret.txt", "Secret")
    (corpus / "leak.txt").symlink_to(secret)
    (corpus / "leakdir").symlink_to(secret.parent, target_is_directory=True)

    documents, problems = read_all(corpus)

    assert [d.id for d in documents] == ["own"]
    reason = f"symlink points outside {corpus}"
    assert sorted(problems, key=lambda p: p.path) == [
        Problem("skipped", str(corpus / "leak.txt"), reason),
        Problem("skipped", str(corpus / "leakdir"), reason),
    ]


def test_symlinks_staying_inside_are_followed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    real = write(corpus / "real" / "a.txt", "Title\nBody")
    (corpus / "alias.txt").symlink_to(Path("real") / "a.txt")
    (corpus / "real" / "up.txt").symlink_to(Path("..") / "alias.txt")

    documents, problems = read_all(corpus)

    assert problems == []
    assert [(d.id, d.title, d.body) for d in documents] == [
        ("alias", "Title", "Body"),
        ("real/a", "Title", "Body"),
        ("real/up", "Title", "Body"),
    ]
    assert documents[1].origin == str(real)


def test_symlink_cycles_do_not_loop(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "a.txt", "A")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self").symlink_to(".", target_is_directory=True)

    documents, problems = read_all(tmp_path)

    # Folder symlinks are never descended; their targets inside are walked directly.
    assert [d.id for d in documents] == ["sub/a"]
    assert problems == []


# --- .jsonl and .jsonl.gz files ---------------------------------------------------------


def test_jsonl_bad_lines_are_rejected_with_their_line_number(tmp_path: Path) -> None:
    lines = [
        '{"id": "1", "title": "one"}',
        "",
        '{"id": "2", "title": "two"',
        '["not", "an", "object"]',
        '{"title": "no id"}',
        '{"id": "4", "title": "\\ud800"}',
        "   ",
        '{"id": 5, "body": "five", "extra": {"ignored": true}}',
    ]
    path = write(tmp_path / "mixed.jsonl", "\n".join(lines) + "\n")

    documents, problems = read_all(path)

    assert [(d.id, d.title, d.body) for d in documents] == [("1", "one", ""), ("5", "", "five")]
    assert [(p.kind, p.path, p.line, p.reason) for p in problems] == [
        ("rejected", str(path), 3, "invalid JSON: Expecting ',' delimiter (column 27)"),
        ("rejected", str(path), 4, "not a JSON object (got list)"),
        ("rejected", str(path), 5, "'id' is missing"),
        ("rejected", str(path), 6, "'title' contains a lone surrogate (U+D800)"),
    ]


def test_gzipped_jsonl_is_read(tmp_path: Path) -> None:
    records = [{"id": str(n), "title": f"Bài số {n}", "tags": ["a", " b "]} for n in range(3)]
    path = write(tmp_path / "docs.jsonl.gz", gzip.compress(jsonl(*records).encode()))

    documents, problems = read_all(path)

    assert problems == []
    assert [(d.id, d.title, d.tags) for d in documents] == [
        (str(n), f"Bài số {n}", ("a", "b")) for n in range(3)
    ]


def test_truncated_gzip_keeps_the_documents_before_the_damage(tmp_path: Path) -> None:
    # Hashes do not compress, so the cut lands in the middle of the decompressed stream.
    titles = [hashlib.sha256(str(n).encode()).hexdigest() * 2 for n in range(2000)]
    data = gzip.compress(
        jsonl(*({"id": str(n), "title": t} for n, t in enumerate(titles))).encode()
    )
    path = write(tmp_path / "cut.jsonl.gz", data[: len(data) // 2])

    documents, problems = read_all(path)

    # Read as a stream: what was decompressed before the cut is kept, not just the first 8 KB.
    assert len(titles) // 3 < len(documents) < len(titles)
    assert [d.title for d in documents] == titles[: len(documents)]
    reason = "truncated gzip file; rest of file not read"
    assert problems == [Problem("skipped", str(path), reason, len(documents) + 1)]


def test_jsonl_undecodable_line_stops_the_file(tmp_path: Path) -> None:
    first = jsonl({"id": "1", "title": "Việt"}).encode()
    path = write(tmp_path / "mixed.jsonl", first + b'{"id": "2", "title": "caf\xe9"}\n')

    documents, problems = read_all(path)

    assert [d.id for d in documents] == ["1"]
    offset = len(first) + len(b'{"id": "2", "title": "caf')
    reason = f"not valid UTF-8 (byte 0xe9 at offset {offset}); rest of file not read"
    assert problems == [Problem("skipped", str(path), reason, 2)]


def test_crlf_split_across_the_sniffed_head_counts_as_one_line(tmp_path: Path) -> None:
    first = b'{"id": "1", "title": "' + b"x" * 8000 + b'"}'
    padding = b'{"id": "2", "title": "' + b"y" * (8191 - len(first) - 2 - 24) + b'"}'
    data = first + b"\r\n" + padding + b"\r\n" + b"not json\r\n"
    assert data[8191:8193] == b"\r\n"  # the CRLF straddles the first 8 KB read
    path = write(tmp_path / "crlf.jsonl", data)

    documents, problems = read_all(path)

    assert [d.id for d in documents] == ["1", "2"]
    assert [(p.line, p.reason.split(":")[0]) for p in problems] == [(3, "invalid JSON")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_jsonl_with_bom_is_decoded(tmp_path: Path, encoding: str) -> None:
    text = jsonl({"id": "a", "title": "Tiếng Việt"}, {"id": "b", "body": "Ωμέγα\u2028ok"})
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    documents, problems = read_all(write(tmp_path / "doc.jsonl", data))
    assert problems == []
    assert [(d.id, d.title, d.body) for d in documents] == [
        ("a", "Tiếng Việt", ""),
        ("b", "", "Ωμέγα\u2028ok"),
    ]


@settings(max_examples=60, deadline=None)
@given(
    bodies=st.lists(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\0"))),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_jsonl_round_trips_any_text(bodies: list[str], encoding: str) -> None:
    records = [{"id": str(n), "title": "t", "body": body} for n, body in enumerate(bodies)]
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "docs.jsonl", jsonl(*records).encode(encoding))
        documents, problems = read_all(path)
    assert problems == []
    assert [d.body for d in documents] == bodies


# --- .csv files -------------------------------------------------------------------------


def test_csv_rows_become_documents_and_bad_rows_are_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path / "docs.csv",
        " ID ,Title,body,text,tags,published,unknown\n"
        '1,First,"multi\nline body",,"a; b ,c;",2021-04-12,x\n'
        ",Missing id,x,,,,\n"
        "2,Second,,,,not-a-date,\n"
        ",,,,,,\n"
        "3,Third,,from text,bóng đá,2021-04-12T08:30:00+07:00\n"
        "4,Fourth,body,,,,,surplus\n",
    )

    documents, problems = read_all(path)

    assert documents == [
        Document(
            id="1",
            title="First",
            body="multi\nline body",
            tags=("a", "b", "c"),
            published=datetime.datetime(2021, 4, 12),
            origin=str(path),
        ),
        Document(
            id="3",
            title="Third",
            body="from text",
            tags=("bóng đá",),
            published=datetime.datetime(2021, 4, 12, 1, 30),
            origin=str(path),
        ),
    ]
    assert [(p.kind, p.line, p.reason) for p in problems] == [
        ("rejected", 4, "'id' is missing"),
        ("rejected", 5, "'published' is not an ISO 8601 date: 'not-a-date'"),
        ("rejected", 8, "row has 8 cells but the header has 7"),
    ]


# --- document_from_mapping --------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "field", "expected"),
    [
        ({"id": "a", "text": "from text"}, "body", "from text"),
        ({"id": "a", "content": "from content"}, "body", "from content"),
        ({"id": "a", "body": "b", "text": "t", "content": "c"}, "body", "b"),
        ({"id": "a", "body": "", "text": "t"}, "body", "t"),
        ({"id": "a", "body": None, "content": "c"}, "body", "c"),
        ({"id": "a", "body": "  keep\n  as is \n"}, "body", "  keep\n  as is \n"),
        ({"id": "a", "title": "  Tiêu đề \n"}, "title", "Tiêu đề"),
        ({"id": 42, "title": "t"}, "id", "42"),
        ({"id": -7, "title": "t"}, "id", "-7"),
        ({"id": "  spaced  ", "title": "t"}, "id", "spaced"),
        ({"id": "x" * 512, "title": "t"}, "id", "x" * 512),
        (
            {"id": "a", "title": "t", "date": "2021-04-12"},
            "published",
            datetime.datetime(2021, 4, 12),
        ),
        (
            {"id": "a", "title": "t", "published": "2021-04-12T08:30:00"},
            "published",
            datetime.datetime(2021, 4, 12, 8, 30),
        ),
        (
            {"id": "a", "title": "t", "published": "2021-04-12T08:30:00+07:00"},
            "published",
            datetime.datetime(2021, 4, 12, 1, 30),
        ),
        (
            {"id": "a", "title": "t", "published": "2021-04-12T03:00:00+07:00"},
            "published",
            datetime.datetime(2021, 4, 11, 20, 0),
        ),
        (
            {"id": "a", "title": "t", "published": "2021-04-12T23:30:00-0230"},
            "published",
            datetime.datetime(2021, 4, 13, 2, 0),
        ),
        (
            {"id": "a", "title": "t", "published": "2021-04-12T08:30:00Z"},
            "published",
            datetime.datetime(2021, 4, 12, 8, 30),
        ),
        (
            {"id": "a", "title": "t", "published": "2021-04-12 08:30:00.5"},
            "published",
            datetime.datetime(2021, 4, 12, 8, 30, 0, 500000),
        ),
        (
            {"id": "a", "title": "t", "published": "2021-04-12", "date": "1999-01-01"},
            "published",
            datetime.datetime(2021, 4, 12),
        ),
        # ISO 8601's basic format, in which 7% of the news corpus writes its dates.
        (
            {"id": "a", "title": "t", "date": "20201001"},
            "published",
            datetime.datetime(2020, 10, 1),
        ),
        (
            {"id": "a", "title": "t", "published": "20210412T083000+0700"},
            "published",
            datetime.datetime(2021, 4, 12, 1, 30),
        ),
        ({"id": "a", "title": "t", "published": " "}, "published", None),
        ({"id": "a", "title": "t", "tags": [" a ", "", "b"]}, "tags", ("a", "b")),
        ({"id": "a", "title": "t", "tags": "x; y,z"}, "tags", ("x", "y", "z")),
        ({"id": "a", "title": "t", "tags": None}, "tags", ()),
        (
            {"id": "a", "title": "t", "url": " https://vnexpress.net/a "},
            "url",
            "https://vnexpress.net/a",
        ),
        ({"id": "a", "title": "t", "source": "VnExpress"}, "source", "VnExpress"),
        ({"id": "a", "title": "t", "category": "Thời sự"}, "category", "Thời sự"),
        ({"id": "a", "title": "t", "views": 10, "author": {"x": 1}}, "title", "t"),
    ],
)
def test_document_from_mapping_fields(record: dict, field: str, expected: object) -> None:
    assert getattr(document_from_mapping(record), field) == expected


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"title": "t"}, "'id' is missing"),
        ({"id": None, "title": "t"}, "'id' is missing"),
        ({"id": ["a"], "title": "t"}, "'id' must be a string or an integer, got list"),
        ({"id": 1.5, "title": "t"}, "'id' must be a string or an integer, got float"),
        ({"id": True, "title": "t"}, "'id' must be a string or an integer, got bool"),
        ({"id": " \t", "title": "t"}, "'id' is empty"),
        ({"id": "x" * 513, "title": "t"}, "'id' is longer than 512 characters"),
        ({"id": 10**600, "title": "t"}, "'id' is longer than 512 characters"),
        ({"id": "a\nb", "title": "t"}, "'id' contains a control character (U+000A)"),
        ({"id": "a\x85b", "title": "t"}, "'id' contains a control character (U+0085)"),
        ({"id": "a\x00", "title": "t"}, "'id' contains a NUL character"),
        ({"id": "a"}, "no title or body"),
        ({"id": "a", "title": " ", "body": "\n\t"}, "no title or body"),
        ({"id": "a", "title": 5}, "'title' must be a string, got int"),
        ({"id": "a", "title": "t", "body": ["x"]}, "'body' must be a string, got list"),
        ({"id": "a", "text": {"x": 1}}, "'text' must be a string, got dict"),
        ({"id": "a", "title": "t", "url": 1}, "'url' must be a string, got int"),
        ({"id": "a", "title": "t", "source": False}, "'source' must be a string, got bool"),
        ({"id": "a", "title": "t", "category": 2.0}, "'category' must be a string, got float"),
        ({"id": "a", "title": "t", "body": "x\x00y"}, "'body' contains a NUL character"),
        (json.loads('{"id": "a", "title": "x\\ud800y"}'), "'title' contains a lone surrogate"),
        ({"id": "a", "title": "t", "content": "\udfff"}, "'content' contains a lone surrogate"),
        ({"id": "a", "title": "t", "published": "12/04/2021"}, "'published' is not an ISO 8601"),
        ({"id": "a", "title": "t", "date": "2021-13-01"}, "'date' is not an ISO 8601 date"),
        ({"id": "a", "title": "t", "date": "2021-04-12T25:00"}, "'date' is not an ISO 8601"),
        ({"id": "a", "title": "t", "date": "20211312"}, "'date' is not an ISO 8601 date"),
        ({"id": "a", "title": "t", "date": "2021041"}, "'date' is not an ISO 8601 date"),
        ({"id": "a", "title": "t", "date": "20210412T0830+07:00"}, "'date' is not an ISO 8601"),
        ({"id": "a", "title": "t", "published": "0001-01-01T00:00+07:00"}, "not an ISO 8601"),
        ({"id": "a", "title": "t", "published": 1618214400}, "'published' must be a string"),
        ({"id": "a", "title": "t", "tags": [1, "x"]}, "'tags' must be a list of strings, got list"),
        ({"id": "a", "title": "t", "tags": {"x": 1}}, "'tags' must be a list of strings, got dict"),
        ({"id": "a", "title": "t", "tags": ["x\x00"]}, "'tags' contains a NUL character"),
    ],
)
def test_document_from_mapping_rejects(record: dict, message: str) -> None:
    with pytest.raises(InvalidDocument, match=re.escape(message)):
        document_from_mapping(record)


@pytest.mark.parametrize("record", [["a"], "a", 1, None])
def test_document_from_mapping_needs_an_object(record: object) -> None:
    with pytest.raises(InvalidDocument, match="^not a JSON object"):
        document_from_mapping(record)


def test_document_from_mapping_defaults_and_origin() -> None:
    assert document_from_mapping({"id": "a", "title": "t"}) == Document(id="a", title="t")
    assert document_from_mapping({"id": "a", "body": "b"}, origin="/x.jsonl").origin == "/x.jsonl"


# --- Problem ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (
            Problem("rejected", "data/x.jsonl", "'id' is missing", 7),
            "data/x.jsonl:7: rejected: 'id' is missing",
        ),
        (Problem("skipped", "data/img.png", "binary file"), "data/img.png: skipped: binary file"),
        (Problem("skipped", "bad\nname.txt", "empty file"), "bad\\nname.txt: skipped: empty file"),
        (Problem("skipped", "x\udcff.txt", "empty file"), "x\\udcff.txt: skipped: empty file"),
    ],
)
def test_problem_is_one_printable_line(problem: Problem, text: str) -> None:
    assert str(problem) == text
