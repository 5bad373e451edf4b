"""Reading HTML in tests with the standard library: tags with their attributes, links, text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit


class Page(HTMLParser):
    """A parsed page: ``tags`` as (name, attrs) in order, ``anchors`` with their text, ``text``."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.anchors: list[tuple[str, str]] = []  # (href, text)
        self.inline_scripts: list[str] = []
        self._in_script = False
        self._anchor: tuple[str, list[str]] | None = None
        self._text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        self._in_script = tag == "script"
        if tag == "a":
            self._anchor = (attributes.get("href", ""), [])

    def handle_endtag(self, tag):
        self._in_script = False
        if tag == "a" and self._anchor:
            href, parts = self._anchor
            self.anchors.append((href, _squash("".join(parts))))
            self._anchor = None

    def handle_data(self, data):
        if self._in_script:
            if data.strip():
                self.inline_scripts.append(data)
            return
        self._text.append(data)
        if self._anchor:
            self._anchor[1].append(data)

    @property
    def text(self) -> str:
        """The visible text, whitespace collapsed."""
        return _squash("".join(self._text))

    def find_all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        """Attributes of every ``tag`` whose attributes include ``attrs`` (``class_`` for class)."""
        wanted = {k.rstrip("_"): v for k, v in attrs.items()}
        return [
            a
            for name, a in self.tags
            if name == tag and all(a.get(k) == v for k, v in wanted.items())
        ]

    def link(self, text: str) -> str:
        """The href of the one link whose text is ``text``."""
        hrefs = [href for href, shown in self.anchors if shown == text]
        assert len(hrefs) == 1, (text, self.anchors)
        return hrefs[0]


def query_of(url: str) -> dict[str, list[str]]:
    """The query arguments of ``url``."""
    return parse_qs(urlsplit(url).query)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
