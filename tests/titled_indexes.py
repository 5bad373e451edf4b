"""Small indexes of title-only documents, built for one test module: each row a title repeated
with its number, so that a test can say exactly how many documents hold each word or pair."""

import json

from indexer import build_index, open_index


def titled(prefix: str, title: str, count: int) -> list[dict]:
    """``count`` documents with only a title: ``title`` and their number (ids prefix-N)."""
    return [{"id": f"{prefix}-{n}", "title": f"{title} {n}", "body": ""} for n in range(count)]


def small_index(folder, rows: list[dict]):
    """An index of ``rows`` (id, title, body) built in ``folder``, opened."""
    source = folder / "docs.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    build_index([source], folder / "index", workers=1)
    return open_index(folder / "index")


def opened_index(tmp_path_factory, name: str, rows: list[dict]):
    """A module fixture's body: ``small_index`` of ``rows`` in a new folder ``name``, yielded
    open and closed after."""
    opened = small_index(tmp_path_factory.mktemp(name), rows)
    yield opened
    opened.close()


def opened_indexes(tmp_path_factory, named_rows: dict[str, list[dict]]):
    """A module fixture's body for several indexes: ``small_index`` of each name's rows, each in
    a new folder, yielded open as a dict by name and closed after."""
    built = {
        name: small_index(tmp_path_factory.mktemp(name.replace(" ", "_")), rows)
        for name, rows in named_rows.items()
    }
    yield built
    for opened in built.values():
        opened.close()
