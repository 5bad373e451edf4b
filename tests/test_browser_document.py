"""The document page in a real browser (Debian's Chromium through Playwright, ``python -m web``):
a reader searches, opens a result that has no link of its own, sees the query's words marked in
the whole document, and follows a related document; the same works with JavaScript off."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from playwright.sync_api import expect

from tests.test_browser import (  # noqa: F401  (the fixtures)
    DESKTOP,
    SCREENSHOTS,
    TIMEOUT_MS,
    Tab,
    browser,
    query_of,
    tab,
)

C01_TITLE = "Quận Ba Đình chỉnh trang hè phố quanh hồ Trúc Bạch"
SEED_TITLE = "Phó Bí thư Thường trực Thành ủy Hà Nội Nguyễn Thị Tuyến phát biểu tại hội nghị."


def test_search_open_a_result_without_url_and_follow_a_related_document(tab, live_server):  # noqa: F811
    page = tab.page
    page.goto(live_server.url("/"))
    search_box = page.get_by_role("combobox", name="Tìm kiếm")
    search_box.fill("ba dinh ha noi")
    search_box.press("Enter")
    page.wait_for_url("**/search?q=*")
    page.get_by_role("link", name=C01_TITLE).click()
    page.wait_for_url("**/doc/c01-ha-noi-ba-dinh?q=*")
    assert query_of(page.url)["q"] == ["ba dinh ha noi"]
    expect(page.get_by_role("heading", level=1)).to_have_text(C01_TITLE)
    expect(page.locator(".document-title mark")).to_have_text(["Ba Đình"])
    body_marks = page.locator(".document-body mark").all_inner_texts()
    assert body_marks.count("Hà Nội") == 2 and body_marks.count("Ba Đình") == 2
    expect(page.locator(".document-body p")).to_have_count(4)
    related = page.get_by_role("complementary", name="Bài liên quan").get_by_role("link")
    expect(related).to_have_count(5)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "document-page.png", full_page=True)
    related.first.click()
    page.wait_for_url("**/doc/000_e74d3da79069b4c0")
    expect(page.get_by_role("heading", level=1)).to_have_text(SEED_TITLE)
    expect(page.locator("mark")).to_have_count(0)
    page.go_back()
    page.get_by_role("link", name="‹ Kết quả tìm kiếm cho “ba dinh ha noi”").click()
    page.wait_for_url("**/search?q=*")
    expect(page.get_by_role("link", name=C01_TITLE)).to_be_visible()


def test_the_document_page_works_without_javascript(browser, live_server):  # noqa: F811
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        watched = Tab(page).watch()
        page.goto(live_server.url("/search?q=Nguyễn Thị Tuyến"))
        page.get_by_role("link", name=SEED_TITLE).click()
        page.wait_for_url("**/doc/000_e74d3da79069b4c0?q=*")
        expect(page.locator(".document-title mark")).to_have_text(["Nguyễn Thị Tuyến"])
        related = page.get_by_role("complementary", name="Bài liên quan").get_by_role("link")
        href = related.first.get_attribute("href")
        related.first.click()
        page.wait_for_url(lambda url: unquote(urlsplit(url).path) == href)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert watched.errors == []
    finally:
        context.close()
