"""Rebuild the bundled sample corpus from ../shared/data: python bench/make_sample.py

Writes indexer/store/sample_corpus/: the seed article, and up to 300 Vietnamese Wikipedia
articles (CC BY-SA 4.0) that talk about Vietnam, as plain prose. Each record keeps its title in
its real case, its url, source and licence for attribution. MediaWiki leftovers are taken out of
the bodies so that snippets show sentences: section headings (`== Lịch sử ==`), bold and italic
quotes, links' brackets and targets, templates, <ref> tags and list markers; the sections that are
lists of links (references, external links, see also) are dropped whole. Articles that are mostly
formulas or lists are not chosen. Deterministic: the same input gives the same files.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "indexer" / "store" / "sample_corpus"
SEED = "000_e74d3da79069b4c0.txt"
COUNT = 300
MIN_CHARS, MAX_CHARS = 1_000, 30_000
MIN_PROSE_SHARE = 0.6  # of a body's characters, in lines of at least PROSE_LINE characters
PROSE_LINE = 80
WIKI = "https://vi.wikipedia.org/wiki/"

# Sections that hold links and citations, not prose (level-2 headings of the Vietnamese
# Wikipedia), dropped with everything under them.
LINK_SECTIONS = {
    "tham khảo",
    "chú thích",
    "liên kết ngoài",
    "xem thêm",
    "đọc thêm",
    "thư mục",
    "nguồn",
    "ghi chú",
    "tài liệu tham khảo",
}
_HEADING = re.compile(r"^(=+)\s*(.*?)\s*\1\s*$")
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
# A citation whose opening <ref> the dump lost: the sentence before "</ref>" is its text.
_ORPHAN_REF = re.compile(r"(?<=[.!?])\s[^.!?\n]*[.!?]?</ref>\.?")
_REF = re.compile(r"<ref[^>]*/>|<ref[^>]*>.*?</ref>|</?ref[^>]*>|<references\s*/?>|</references>")
_IMAGE_LINE = re.compile(r"^\S*(nhỏ|phải|trái|thumb)\|.*$", re.M)
_LINK_TARGET = re.compile(r"\[\[(?:[^\[\]|]*\|)?([^\[\]]*)\]\]")
_QUOTES = re.compile(r"'{2,}")
_LIST_MARK = re.compile(r"^[*#:;]+\s*", re.M)
_PIPED_LINE = re.compile(r"^([^|\n]+)\|([^|\n]+)$", re.M)  # a link's "target|label" left alone
_SPACES = re.compile(r"[ \t]+")


def plain_prose(body: str) -> str:
    """``body`` without MediaWiki markup: paragraphs separated by one line break."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    text = _drop_link_sections(text)
    text = _TEMPLATE.sub("", _REF.sub("", _ORPHAN_REF.sub("", text)))
    text = _IMAGE_LINE.sub("", text)
    text = _LINK_TARGET.sub(r"\1", text).replace("[[", "").replace("]]", "")
    text = _QUOTES.sub("", _LIST_MARK.sub("", text))
    text = _PIPED_LINE.sub(_label, text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _drop_link_sections(text: str) -> str:
    """Every heading line removed, and the sections of LINK_SECTIONS with their content."""
    kept, dropping_below = [], 0
    for line in text.split("\n"):
        heading = _HEADING.match(line.strip())
        if heading:
            level = len(heading.group(1))
            if dropping_below and level > dropping_below:
                continue
            dropping_below = level if heading.group(2).lower() in LINK_SECTIONS else 0
            continue
        if not dropping_below:
            kept.append(line)
    return "\n".join(kept)


def _label(match: re.Match) -> str:
    # "Hey Paula (TV series)|Hey Paula": a link whose target was kept; a sentence then a
    # citation's title ("...tuần hành.|Human Rights Watch") keeps the sentence.
    target, label = match.group(1), match.group(2)
    return target if target.rstrip().endswith((".", "!", "?")) else label


def is_prose(body: str) -> bool:
    """Mostly sentences: no formulas, and most characters in long lines."""
    if "\\displaystyle" in body:
        return False
    long_lines = sum(len(line) for line in body.split("\n") if len(line) >= PROSE_LINE)
    return long_lines >= MIN_PROSE_SHARE * len(body)


def article_url(article: dict) -> str:
    """The article's address from its title in its real case (the dump lowercased urls)."""
    derived = WIKI + quote(article["title"].replace(" ", "_"), safe="")
    return derived if derived.lower() == article["url"].lower() else article["url"]


def sample_articles(articles: list[dict]) -> list[dict]:
    """The articles of the sample, in the source's order, as they are written out."""
    chosen = []
    for article in articles:
        body = plain_prose(article["body"])
        about_vietnam = "Việt Nam" in body or "Hà Nội" in body
        if MIN_CHARS <= len(body) <= MAX_CHARS and about_vietnam and is_prose(body):
            chosen.append({**article, "body": body, "url": article_url(article)})
    return chosen[:COUNT]


def main() -> int:
    """Write the sample corpus; print what was written."""
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copy(SHARED / "seed" / SEED, OUT / SEED)
    with gzip.open(SHARED / "viwiki" / "viwiki.jsonl.gz", "rt", encoding="utf-8") as source:
        articles = [json.loads(line) for line in source]
    chosen = sample_articles(articles)
    with open(OUT / "viwiki-sample.jsonl", "w", encoding="utf-8", newline="\n") as out:
        for article in chosen:
            out.write(json.dumps(article, ensure_ascii=False) + "\n")
    size = sum(len(article["body"]) for article in chosen)
    print(f"wrote the seed and {len(chosen)} articles ({size:,} characters) to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
