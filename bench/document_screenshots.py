"""Screenshots of the document page for the README, made against the bundled sample.

    python bench/document_screenshots.py [--index DIR] [--out docs/]

Builds the sample (the seed article and 186 Wikipedia articles) under bench/out/ when no index
is given, starts ``python -m web`` on it, and has Debian's Chromium (Playwright, no browser
download) search as a reader would: ``docs/search-to-document.png`` is the results page, where
the seed article (which has no link of its own) links to its page here; ``docs/document-page.png``
is that page, reached by clicking the title: the query's words marked, the metadata, and the
related documents.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/: its http.py would shadow the standard library

from bench import http as load  # noqa: E402
from bench.similar_speed import OUT, sample_index  # noqa: E402

QUERY = "nguyen thi tuyen"
SEED_TITLE = "Phó Bí thư Thường trực Thành ủy Hà Nội Nguyễn Thị Tuyến phát biểu tại hội nghị."
VIEWPORT = {"width": 1200, "height": 900}


def screenshots(base_url: str, out: Path) -> list[Path]:
    """The results page and the document page reached from it, as PNGs in ``out``."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    results, document = out / "search-to-document.png", out / "document-page.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        page = browser.new_context(viewport=VIEWPORT, locale="vi-VN").new_page()
        page.goto(f"{base_url}/")
        page.get_by_role("combobox", name="Tìm kiếm").fill(QUERY)
        page.get_by_role("combobox", name="Tìm kiếm").press("Enter")
        page.wait_for_url("**/search?q=*")
        page.get_by_role("link", name=SEED_TITLE).hover()
        page.screenshot(path=str(results))
        page.get_by_role("link", name=SEED_TITLE).click()
        page.wait_for_url("**/doc/*")
        page.screenshot(path=str(document))
        browser.close()
    return [results, document]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    index = args.index or sample_index()
    port = load.free_port()
    command = [sys.executable, "-m", "web", "--index", str(index), "--port", str(port)]
    env = {**load.os.environ, "VIETSEARCH_RATE_LIMIT": "off", "VIETSEARCH_REQUEST_LOG": "off"}
    server = load.launch(command, port, OUT / "document-screenshots-server.log", env=env)
    try:
        for png in screenshots(f"http://127.0.0.1:{port}", args.out):
            print(png, png.stat().st_size, "bytes")
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
