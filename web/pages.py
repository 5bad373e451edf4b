"""The HTML pages: the search form, the results page and the OpenSearch description."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from indexer import MAX_RESULT_WINDOW, SearchPage, SearchRequest, recorded_embedder
from web.searches import parse_search_args, run_search

FACET_TITLES = {"source": "Nguồn", "category": "Chuyên mục", "year": "Năm"}
PAGE_LINKS_AROUND = 2

bp = Blueprint("pages", __name__)


@dataclass
class FacetOption:
    """One facet value as a link that filters on it (or, when active, removes the filter)."""

    label: str
    count: int
    url: str
    active: bool


@dataclass
class FacetGroup:
    """The options of one facet and the link that clears it."""

    name: str
    title: str
    options: list[FacetOption] = field(default_factory=list)
    clear_url: str | None = None


@bp.get("/")
def home():
    """The search form."""
    return render_template("home.html", q="")


@bp.get("/search")
def search():
    """The results page for ``q`` (and the same parameters as /api/search)."""
    args = parse_search_args(request.args)
    if not args.query.strip() and not args.filtered:
        return redirect(url_for("pages.home"))
    page = run_search(args)
    return render_template(
        "search.html",
        q=args.query,
        args=args,
        page=page,
        facets=facet_groups(args, page),
        pages=page_numbers(args, page),
        last_page=last_page(page),
    )


@bp.get("/opensearch.xml")
def opensearch():
    """The OpenSearch description, so browsers can add the site as a search engine."""
    body = render_template(
        "opensearch.xml",
        search_url=url_for("pages.search", _external=True),
        suggest_url=url_for("api.suggest", _external=True),
        home_url=url_for("pages.home", _external=True),
        self_url=url_for("pages.opensearch", _external=True),
        icon_url=url_for("static", filename="favicon.svg", _external=True),
    )
    return Response(body, mimetype="application/opensearchdescription+xml")


def search_url(args: SearchRequest, **changes) -> str:
    """The results page for ``args`` with some fields or filters changed."""
    return url_for("pages.search", **args.changed(**changes).to_params())


def facet_groups(args: SearchRequest, page: SearchPage) -> list[FacetGroup]:
    """Facet links by source, category and year; a link replaces that facet's filter."""
    groups = []
    for name, title in FACET_TITLES.items():
        group = FacetGroup(name, title)
        counts = dict(page.facets.get(name, {}))
        for value in _active_values(args, name):
            counts.setdefault(value, 0)
        for value, count in counts.items():
            if name == "year" and not value.isdigit():
                continue
            active = value in _active_values(args, name)
            group.options.append(FacetOption(value, count, _facet_url(args, name, value), active))
        if any(option.active for option in group.options):
            group.clear_url = _facet_url(args, name, None)
        if group.options:
            groups.append(group)
    return groups


def _active_values(args: SearchRequest, name: str) -> tuple[str, ...]:
    filters = args.filters
    if name != "year":
        return getattr(filters, name)
    start, end = filters.published_from, filters.published_to
    if start and end and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        if start.year == end.year:
            return (str(start.year),)
    return ()


def _facet_url(args: SearchRequest, name: str, value: str | None) -> str:
    if name == "year":
        year = int(value) if value else None
        return search_url(
            args,
            page=1,
            published_from=dt.date(year, 1, 1) if year else None,
            published_to=dt.date(year, 12, 31) if year else None,
        )
    return search_url(args, page=1, **{name: (value,) if value else ()})


def last_page(page: SearchPage) -> int:
    """The last page that can be shown (the result window caps deep paging)."""
    return max(1, min(math.ceil(page.total / page.per_page), MAX_RESULT_WINDOW // page.per_page))


def page_numbers(args: SearchRequest, page: SearchPage) -> list[tuple[int, str]]:
    """(number, url) for the pages around the current one."""
    first = max(1, page.page - PAGE_LINKS_AROUND)
    last = min(last_page(page), page.page + PAGE_LINKS_AROUND)
    return [(n, search_url(args, page=n)) for n in range(first, last + 1)]


def vn_date(iso_day: str | None) -> str:
    """``2021-04-04`` as Vietnamese readers write it: ``04/04/2021``."""
    if not iso_day:
        return ""
    day = dt.date.fromisoformat(iso_day[:10])
    return day.strftime("%d/%m/%Y")


def vn_number(value: float, decimals: int = 0) -> str:
    """A number with Vietnamese separators: ``15.706``, ``4,2``."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def http_url(url: str) -> str | None:
    """``url`` if it is an absolute http(s) link; None for anything a page must not link to."""
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


SEMANTIC_CHOICES = (
    (0.0, "0 · chỉ theo từ"),
    (0.1, "0,1"),
    (0.3, "0,3"),
    (0.5, "0,5 · từ và nghĩa ngang nhau"),
    (0.7, "0,7"),
    (1.0, "1 · chỉ theo nghĩa"),
)


def semantic_choices() -> tuple[tuple[float, str], ...]:
    """The search form's ``semantic_ratio`` choices: none for an index without vectors (the
    bundled sample has none: nothing is built or opened for an error page's form)."""
    holder = current_app.extensions.get("vietsearch_index")
    return SEMANTIC_CHOICES if holder is not None and recorded_embedder(holder.path) else ()


def register_template_helpers(app) -> None:
    """Filters and globals the templates use."""
    app.add_template_filter(vn_date)
    app.add_template_filter(vn_number)
    app.add_template_filter(http_url)
    app.add_template_global(search_url)
    app.add_template_global(semantic_choices)
