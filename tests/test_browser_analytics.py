"""The editors' analytics page in a real browser (Debian's Chromium through Playwright).

A reader searches and opens a result (through /click: the external site is answered by the
browser's request routing, since the machine has no network); an editor signs in with HTTP
Basic (the API token as the password) and sees the counts on /admin/analytics. No script error,
no CSP violation, no request to another site.
"""

from __future__ import annotations

import base64
import shutil
import time

import pytest
from playwright.sync_api import expect

from indexer.analytics.recorder import FLUSH_INTERVAL_S
from tests.conftest import NO_RATE_LIMITS, debian_program
from tests.test_browser import CHROMIUM_ARGS, DESKTOP, SCREENSHOTS, TIMEOUT_MS, Tab
from tests.web_live import LiveServer

TOKEN = "browser-t0ken"
ARTICLE = "https://tuoitre.vn/test-corpus/c07-bau-cu-da-nang.htm"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=debian_program("chromium", "chromium"),
            args=CHROMIUM_ARGS,
            timeout=60_000,
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def analytics_server(corpus_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser_analytics")
    shutil.copytree(corpus_index, folder / "index")
    env = {**NO_RATE_LIMITS, "VIETSEARCH_API_TOKEN": TOKEN, "VIETSEARCH_ANALYTICS": "on"}
    live = LiveServer.start(folder / "index", folder / "server.log", env=env)
    yield live
    live.stop()


def new_tab(browser, **options) -> tuple:
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", **options)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, Tab(page).watch()


def test_a_reader_searches_and_opens_a_result_and_the_editor_sees_it(browser, analytics_server):
    context, reader = new_tab(browser)
    try:
        page = reader.page
        page.route(
            ARTICLE, lambda route: route.fulfill(body="<p>bài báo</p>", content_type="text/html")
        )
        for typed in ["bầu cử", "bau cu", "bầu cử", "xyzq bhxh"]:
            page.goto(analytics_server.url("/"))
            page.get_by_role("combobox", name="Tìm kiếm").fill(typed)
            page.get_by_role("combobox", name="Tìm kiếm").press("Enter")
            page.wait_for_url("**/search?q=*")
        page.goto(analytics_server.url("/search?q=Bầu cử"))
        link = page.get_by_role(
            "link", name="Cử tri Đà Nẵng nô nức đi bầu cử đại biểu Quốc hội khóa XV"
        )
        expect(link).to_have_attribute(
            "href", "/click?q=B%E1%BA%A7u+c%E1%BB%AD&id=c07-bau-cu-da-nang"
        )
        link.click()
        page.wait_for_url(ARTICLE)
        assert reader.errors == []
    finally:
        context.close()

    context, editor = new_tab(browser, http_credentials={"username": "biên tập", "password": TOKEN})
    try:
        page = editor.page
        top = page.get_by_role("region", name="Tìm nhiều nhất")
        first_row = top.locator("tbody tr").first
        empty = page.get_by_role("region", name="Không có kết quả – việc cần làm")
        deadline = time.monotonic() + 3 * FLUSH_INTERVAL_S
        # Each worker writes its counts every FLUSH_INTERVAL_S: the searches, the search that
        # found nothing and the click may have gone to different workers, so wait until all
        # are written.
        while True:
            page.goto(analytics_server.url("/admin/analytics?days=7"))
            expect(page.get_by_role("heading", name="Thống kê tìm kiếm")).to_be_visible()
            # Without waiting: until a worker has written, the table has no row to wait for.
            cells = first_row.locator("td").all_inner_texts()
            written = len(cells) > 3 and cells[1] == "4" and cells[3] == "1"
            written = written and empty.locator("tbody tr").count() > 0
            if written or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        expect(first_row.locator("td").nth(0)).to_have_text("bầu cử")
        expect(first_row.locator("td").nth(1)).to_have_text("4")
        expect(first_row.locator("td").nth(3)).to_have_text("1")
        expect(empty.locator("tbody tr")).to_have_count(1)
        expect(empty.locator("kbd")).to_have_text("xyzq")
        expect(page.locator(".chart svg rect.bar")).to_have_count(7)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "analytics-desktop.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Tải CSV").click()
        text = download.value.path().read_text(encoding="utf-8-sig")
        assert text.splitlines()[0] == "day,query,searches,no_results,shown_results,clicks"
        assert all(url.startswith(analytics_server.base_url + "/") for url in editor.requested)
        assert editor.errors == []
    finally:
        context.close()


def test_the_page_asks_for_the_token(browser, analytics_server):
    # Chromium, asked for HTTP Basic with no credentials to give, ends the navigation: the
    # answer itself is read through the browser's own request context.
    context, visitor = new_tab(browser)
    try:
        response = context.request.get(analytics_server.url("/admin/analytics"))
        assert response.status == 401
        assert response.headers["www-authenticate"].startswith("Basic")
        assert "Cần đăng nhập" in response.text()
        wrong = context.request.get(
            analytics_server.url("/admin/analytics"),
            headers={"Authorization": "Basic " + base64.b64encode(b"x:wrong").decode()},
        )
        assert wrong.status == 401
    finally:
        context.close()
