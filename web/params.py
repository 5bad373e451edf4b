"""Request arguments to a search, and the one search call both the page and the API make."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from flask import current_app
from werkzeug.datastructures import MultiDict

from indexer import Filters, QueryError, SearchPage, search
from indexer.search import MAX_PER_PAGE, MAX_RESULT_WINDOW
from web.errors import ApiError
from web.index import current_index

SORTS = ("relevance", "newest")
DEFAULT_PER_PAGE = 10
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class SearchArgs:
    """A validated search request: what ``indexer.search`` is called with."""

    query: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "relevance"
    filters: Filters = field(default_factory=Filters)

    @property
    def filtered(self) -> bool:
        """Whether any filter narrows the results."""
        return self.filters != Filters()

    def changed(self, **changes) -> SearchArgs:
        """A copy with some fields (or, by name, some filters) replaced."""
        filter_changes = {k: v for k, v in changes.items() if hasattr(self.filters, k)}
        changes = {k: v for k, v in changes.items() if k not in filter_changes}
        return replace(self, filters=replace(self.filters, **filter_changes), **changes)

    def to_params(self) -> dict[str, str | list[str]]:
        """The URL query arguments that ``parse_search_args`` turns back into these args."""
        params: dict[str, str | list[str]] = {"q": self.query}
        defaults = SearchArgs()
        for name in ("page", "per_page", "sort"):
            if getattr(self, name) != getattr(defaults, name):
                params[name] = str(getattr(self, name))
        if self.filters.source:
            params["source"] = list(self.filters.source)
        if self.filters.category:
            params["category"] = list(self.filters.category)
        if self.filters.published_from:
            params["from"] = self.filters.published_from.isoformat()
        if self.filters.published_to:
            params["to"] = self.filters.published_to.isoformat()
        return params


def parse_search_args(args: MultiDict) -> SearchArgs:
    """Validate ``q, page, per_page, sort, source, category, from, to``; raise ApiError 400.

    Empty values count as absent, as HTML forms send them.
    """
    page = _whole_number(args, "page", 1, 1)
    per_page = _whole_number(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    if page * per_page > MAX_RESULT_WINDOW:
        raise _invalid(
            f"page {page} is beyond the first {MAX_RESULT_WINDOW:,} results "
            f"(page × per_page must be at most {MAX_RESULT_WINDOW:,}); narrow the query instead."
        )
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise _invalid(f"sort must be one of: {', '.join(SORTS)}.")
    filters = Filters(
        source=_values(args, "source"),
        category=_values(args, "category"),
        published_from=_day(args, "from"),
        published_to=_day(args, "to"),
    )
    if filters.published_from and filters.published_to:
        if filters.published_from > filters.published_to:
            raise _invalid("from must not be later than to.")
    return SearchArgs(args.get("q", ""), page, per_page, sort, filters)


def run_search(args: SearchArgs) -> SearchPage:
    """Run the search on this worker's index; a query the engine refuses is an ApiError 400."""
    with current_index().use() as index:
        try:
            synonyms = current_app.extensions.get("vietsearch_synonyms")
            return search(
                index,
                args.query,
                args.page,
                args.per_page,
                args.sort,
                args.filters,
                synonyms=synonyms,
            )
        except QueryError as exc:
            raise ApiError(400, "invalid_query", str(exc)) from None


def _whole_number(args: MultiDict, name: str, default: int, low: int, high: int | None = None):
    value = args.get(name) or ""
    bounds = f"from {low} to {high}" if high else f"from {low}"
    if not value:
        return default
    if not (value.isascii() and value.isdigit()):
        raise _invalid(f"{name} must be a whole number {bounds}; got {value[:20]!r}.")
    # int() refuses strings over 4,300 digits; anything that long is out of range anyway.
    number = int(value) if len(value) <= 100 else 10**100
    if number < low or (high is not None and number > high):
        raise _invalid(f"{name} must be a whole number {bounds}; got {value[:20]}.")
    return number


def _values(args: MultiDict, name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))


def _day(args: MultiDict, name: str) -> dt.date | None:
    value = args.get(name) or ""
    if not value:
        return None
    try:
        if not _ISO_DAY.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _invalid(f"{name} must be a date written YYYY-MM-DD; got {value[:20]!r}.") from None


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message)
