"""What a search asks for, checked in one place: the library, the CLI and the web all use it.

``SearchRequest.from_params`` reads the parameters as a URL or a command line gives them
(strings; empty counts as absent, as HTML forms send them) and ``check`` holds typed values to
the same bounds, so no caller can pass what another would refuse.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from indexer.errors import InvalidParameter

MAX_PER_PAGE = 100
MAX_RESULT_WINDOW = 10_000  # like Elasticsearch's index.max_result_window
DEFAULT_PER_PAGE = 10
SORTS = ("relevance", "newest", "oldest")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Filters:
    """Restrictions from the search form or API parameters (the query text can add more)."""

    source: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    published_from: dt.date | None = None
    published_to: dt.date | None = None


@dataclass(frozen=True)
class SearchRequest:
    """One search: the query, which page of how many hits, the order, the filters, whether
    mistyped syllables also match their corrections (``typos``), and how much meaning weighs
    against words (``semantic_ratio``: 0 words only, 1 vectors only; None: the index's
    default, ``indexer.searching.hybrid``)."""

    query: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "relevance"
    filters: Filters = field(default_factory=Filters)
    typos: bool = True
    semantic_ratio: float | None = None

    @classmethod
    def from_params(
        cls, get: Callable[[str], str | None], get_all: Callable[[str], list[str]]
    ) -> SearchRequest:
        """Read ``q, page, per_page, sort, source, category, from, to, typos, semantic_ratio``
        from strings
        (``get`` one value, ``get_all`` every value of a name); raise ``InvalidParameter``."""
        filters = Filters(
            source=_values(get_all("source")),
            category=_values(get_all("category")),
            published_from=_day("from", get("from")),
            published_to=_day("to", get("to")),
        )
        request = cls(
            query=get("q") or "",
            page=_whole_number("page", get("page"), 1, 1),
            per_page=_whole_number("per_page", get("per_page"), DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
            sort=get("sort") or "relevance",
            filters=filters,
            typos=_whole_number("typos", get("typos"), 1, 0, 1) == 1,
            semantic_ratio=_ratio(get("semantic_ratio")),
        )
        return request.check()

    def check(self) -> SearchRequest:
        """Return this request if every value is within bounds; raise ``InvalidParameter``."""
        check_paging(self.page, self.per_page, self.sort)
        if not isinstance(self.typos, bool):
            raise InvalidParameter(f"typos must be true or false; got {self.typos!r}.")
        check_semantic_ratio(self.semantic_ratio)
        start, end = self.filters.published_from, self.filters.published_to
        if start and end and start > end:
            raise InvalidParameter("from must not be later than to.")
        return self

    @property
    def filtered(self) -> bool:
        """Whether any filter narrows the results."""
        return self.filters != Filters()

    def changed(self, **changes) -> SearchRequest:
        """A copy with some fields (or, by name, some filters) replaced."""
        filter_changes = {k: v for k, v in changes.items() if hasattr(self.filters, k)}
        changes = {k: v for k, v in changes.items() if k not in filter_changes}
        return replace(self, filters=replace(self.filters, **filter_changes), **changes)

    def to_params(self) -> dict[str, str | list[str]]:
        """The parameters that ``from_params`` turns back into this request (defaults left out)."""
        params: dict[str, str | list[str]] = {"q": self.query}
        defaults = SearchRequest()
        for name in ("page", "per_page", "sort"):
            if getattr(self, name) != getattr(defaults, name):
                params[name] = str(getattr(self, name))
        if not self.typos:
            params["typos"] = "0"
        if self.semantic_ratio is not None:
            params["semantic_ratio"] = f"{self.semantic_ratio:g}"
        if self.filters.source:
            params["source"] = list(self.filters.source)
        if self.filters.category:
            params["category"] = list(self.filters.category)
        if self.filters.published_from:
            params["from"] = self.filters.published_from.isoformat()
        if self.filters.published_to:
            params["to"] = self.filters.published_to.isoformat()
        return params


def check_paging(page: int, per_page: int, sort: str) -> None:
    """Raise ``InvalidParameter`` unless the page, its size and the order can be served."""
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise InvalidParameter(f"page must be a whole number from 1; got {page!r}.")
    if not isinstance(per_page, int) or isinstance(per_page, bool):
        raise InvalidParameter(f"per_page must be a whole number from 1 to {MAX_PER_PAGE}.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidParameter(
            f"per_page must be a whole number from 1 to {MAX_PER_PAGE}; got {per_page}."
        )
    if page * per_page > MAX_RESULT_WINDOW:
        raise InvalidParameter(
            f"page {min(page, 10**100)} is beyond the first {MAX_RESULT_WINDOW:,} results "
            f"(page × per_page must be at most {MAX_RESULT_WINDOW:,}); narrow the query instead."
        )
    if sort not in SORTS:
        raise InvalidParameter(f"sort must be one of: {', '.join(SORTS)}.")


def check_semantic_ratio(ratio: float | None) -> None:
    """Raise ``InvalidParameter`` unless ``ratio`` is None (the default) or a number 0 to 1."""
    if ratio is None:
        return
    if (
        isinstance(ratio, bool)
        or not isinstance(ratio, (int, float))
        or not math.isfinite(ratio)
        or not 0 <= ratio <= 1
    ):
        raise InvalidParameter(f"semantic_ratio must be a number from 0 to 1; got {ratio!r}.")


def _ratio(value: str | None) -> float | None:
    if not value:
        return None
    try:
        ratio = float(value) if len(value) <= 40 else math.nan
    except ValueError:
        ratio = math.nan
    if not math.isfinite(ratio) or not 0 <= ratio <= 1:
        raise InvalidParameter(f"semantic_ratio must be a number from 0 to 1; got {value[:20]!r}.")
    return ratio


def _whole_number(name: str, value: str | None, default: int, low: int, high: int | None = None):
    bounds = f"from {low} to {high}" if high else f"from {low}"
    if not value:
        return default
    if not (value.isascii() and value.isdigit()):
        raise InvalidParameter(f"{name} must be a whole number {bounds}; got {value[:20]!r}.")
    # int() refuses strings over 4,300 digits; anything that long is out of range anyway.
    number = int(value) if len(value) <= 100 else 10**100
    if number < low or (high is not None and number > high):
        raise InvalidParameter(f"{name} must be a whole number {bounds}; got {value[:20]}.")
    return number


def _values(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


def _day(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        if not _ISO_DAY.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidParameter(
            f"{name} must be a date written YYYY-MM-DD; got {value[:20]!r}."
        ) from None
