"""A scripted day of searches and clicks, then a screenshot of /admin/analytics for the README.

    python bench/analytics_day.py [--articles 3000] [--index DIR] [--searches 800]
                                  [--past-days 13] [--png docs/analytics.png] [--json OUT]

On an index of the first ``--articles`` news articles (bench/http.py builds it under bench/out/),
starts ``python -m web`` with analytics on and a fresh analytics file, and plays a day's readers
against it over HTTP: ``--searches`` searches from the page and the JSON API, drawn (seeded) with
a long tail from queries cut from the titles, typed with accents, without them or in capitals;
abbreviations (some the synonym dictionary knows, some it lacks), misspelt words that find
nothing, and clicks on page results through /click. The ``--past-days`` days before today are
filled through the library (``indexer.AnalyticsRecorder`` with each day's date, the same
draw), so the chart has a history. Then Debian's Chromium (Playwright) signs in with the token
and saves the page as a PNG.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import secrets
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from bench import http as load  # noqa: E402
from indexer import AnalyticsRecorder  # noqa: E402
from indexer.language.normalize import fold  # noqa: E402

OUT = ROOT / "bench" / "out"
# Known to the synonym dictionary, and not (what the page should flag).
KNOWN_ABBREVIATIONS = ["tphcm", "UBND", "bhxh", "csgt", "THPT", "ubnd tphcm"]
UNKNOWN_ABBREVIATIONS = ["ĐHBKHN tuyển sinh", "sgddt", "bvđk tỉnh", "qlttnd"]
CLICK_SHARE = 0.55
API_SHARE = 0.25


class Readers:
    """One seeded draw of what readers type, and whether they open a result."""

    def __init__(self, articles: Path, seed: int = 17):
        self.rng = random.Random(seed)
        pool = load.make_queries(articles, 2000, seed=seed)
        # Readers type names and topics: two or three words, with accents (folded when typed).
        self.popular = [q for q in pool if len(q.split()) >= 2 and q != fold(q)][:120]
        self.weights = [1 / (rank + 1) for rank in range(len(self.popular))]  # a long tail
        self.never_opened = self.popular[3:6]

    def query(self) -> str:
        """A query as someone would type it."""
        roll = self.rng.random()
        if roll < 0.08:
            return self.rng.choice(KNOWN_ABBREVIATIONS)
        if roll < 0.12:
            return self.rng.choice(UNKNOWN_ABBREVIATIONS)
        if roll < 0.18:
            return self._misspelt(self.rng.choices(self.popular[:20], self.weights[:20])[0])
        return self._typed(self.rng.choices(self.popular, self.weights)[0])

    def opens(self, query: str) -> bool:
        """Whether the reader opens a result of ``query``."""
        if fold(query) in {fold(q) for q in self.never_opened}:
            return False
        return self.rng.random() < CLICK_SHARE

    def _typed(self, query: str) -> str:
        roll = self.rng.random()
        if roll < 0.35:
            return fold(query)
        if roll < 0.45:
            return query.capitalize()
        return query

    def _misspelt(self, query: str) -> str:
        words = query.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[longest]
        if len(word) > 3:
            cut = self.rng.randrange(1, len(word) - 1)
            words[longest] = word[:cut] + word[cut + 1 :]  # one letter dropped
        return words[longest]


def fill_past_days(path: Path, readers: Readers, days: int, today: dt.date) -> int:
    """Searches and clicks of the ``days`` days before ``today``, through the library."""
    written = 0
    for back in range(days, 0, -1):
        day = today - dt.timedelta(days=back)
        recorder = AnalyticsRecorder(path, today=lambda day=day: day)
        volume = (
            readers.rng.randint(250, 450) if day.weekday() < 5 else readers.rng.randint(120, 220)
        )
        for _ in range(volume):
            query = readers.query()
            found = 0 if _likely_empty(query) else 10
            recorder.record_search(query, found, shown=True)
            if found and readers.opens(query):
                recorder.record_click(query)
        recorder.close()
        written += volume
    return written


def _likely_empty(query: str) -> bool:
    return query in UNKNOWN_ABBREVIATIONS or " " not in query and len(query) > 8


def play_today(port: int, readers: Readers, searches: int) -> dict:
    """Today's readers over HTTP: page and API searches, clicks through /click."""
    counts = {"searches": 0, "clicks": 0, "errors": 0}
    for _ in range(searches):
        query = readers.query()
        api = readers.rng.random() < API_SHARE
        status, body = load.get(port, ("/api/search?q=" if api else "/search?q=") + quote(query))
        counts["searches"] += 1
        counts["errors"] += status != 200
        links = re.findall(rb'href="(/click\?[^"]+)"', body) if not api else []
        if links and readers.opens(query):
            link = readers.rng.choice(links[:5]).decode().replace("&amp;", "&")
            status, _ = load.get(port, link)
            counts["clicks"] += status == 302
            counts["errors"] += status != 302
    return counts


def screenshot(base_url: str, token: str, png: Path, days: int) -> None:
    """The analytics page, signed in, as a PNG (Debian's Chromium, no browser download)."""
    from playwright.sync_api import sync_playwright

    png.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        context = browser.new_context(
            viewport={"width": 1100, "height": 900},
            locale="vi-VN",
            device_scale_factor=1,
            http_credentials={"username": "biên tập", "password": token},
        )
        page = context.new_page()
        page.goto(f"{base_url}/admin/analytics?days={days}")
        page.screenshot(path=str(png), full_page=True)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--searches", type=int, default=800)
    parser.add_argument("--past-days", type=int, default=13)
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "analytics.png")
    parser.add_argument("--json", type=Path, default=OUT / "analytics-day.json")
    args = parser.parse_args()

    articles = load.first_articles(args.articles)
    index = args.index or load.ensure_index(articles, args.articles)
    database = OUT / "analytics-day.sqlite3"
    for stale in OUT.glob("analytics-day.sqlite3*"):
        stale.unlink()
    readers = Readers(articles)
    past = fill_past_days(database, readers, args.past_days, dt.date.today())
    token = secrets.token_urlsafe(16)
    port = load.free_port()
    command = [sys.executable, "-m", "web", "--index", str(index), "--port", str(port)]
    env = {
        **load.os.environ,
        "VIETSEARCH_RATE_LIMIT": "off",
        "VIETSEARCH_ANALYTICS": "on",
        "VIETSEARCH_ANALYTICS_FILE": str(database),
        "VIETSEARCH_API_TOKEN": token,
        "VIETSEARCH_REQUEST_LOG": "off",
    }
    server = load.launch(command, port, OUT / "analytics-day-server.log", env=env)
    try:
        today = play_today(port, readers, args.searches)
        screenshot(f"http://127.0.0.1:{port}", token, args.png, args.past_days + 1)
    finally:
        server.terminate()
        server.wait(timeout=60)
    figures = {"past_days_searches": past, "today": today, "png": str(args.png)}
    figures["png_bytes"] = args.png.stat().st_size
    print(json.dumps(figures, indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
