"""In a real browser: Debian's Chromium driven by Playwright against ``python -m web``.

No browser is downloaded: these tests launch Debian's /usr/bin/chromium, installing the
``chromium`` package first when it is missing (tests.conftest.debian_program), and fail if it
cannot be installed (they must not silently skip).
Screenshots go to test-artifacts/screenshots/ (kept out of git).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import ROOT, debian_program

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=debian_program("chromium", "chromium"),
            args=CHROMIUM_ARGS,
            timeout=60_000,
        )
        yield browser
        browser.close()


@dataclass
class Tab:
    """A browser tab and what it saw: errors (console, scripts, dialogs) and requested URLs."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    def watch(self) -> Tab:
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda request: self.requested.append(request.url))
        return self

    def _dialog(self, dialog) -> None:
        self.errors.append(f"dialog: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def tab(browser, live_server):
    """A fresh desktop-sized tab; the test fails if a script error or a dialog occurred."""
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        watched = Tab(page).watch()
        yield watched
        assert watched.errors == []
    finally:
        context.close()


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_type_a_query_and_see_highlighted_results(tab, live_server):
    page = tab.page
    page.goto(live_server.url("/"))
    search_box = page.get_by_role("combobox", name="Tìm kiếm")
    expect(search_box).to_be_focused()
    search_box.press_sequentially("bầu cử")
    search_box.press("Enter")
    page.wait_for_url("**/search?q=*")
    assert query_of(page.url)["q"] == ["bầu cử"]
    expect(page.locator(".result-stats")).to_contain_text("Tìm thấy 2 kết quả")
    hits = page.locator("li.hit")
    expect(hits).to_have_count(2)
    marks = page.locator("li.hit mark")
    assert "bầu cử" in [text.lower() for text in marks.all_inner_texts()]
    link = page.get_by_role(
        "link", name="Cử tri Đà Nẵng nô nức đi bầu cử đại biểu Quốc hội khóa XV"
    )
    expect(link).to_have_attribute("href", "https://tuoitre.vn/test-corpus/c07-bau-cu-da-nang.htm")
    expect(page.locator("li.hit time").first).to_have_text("23/05/2021")


def test_page_through_results_with_the_keyboard(tab, live_server):
    page = tab.page
    page.goto(live_server.url("/search?q=của"))
    expect(page.locator("li.hit")).to_have_count(10)
    next_link = page.get_by_role("link", name="Trang sau ›")
    next_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2*")
    expect(page.locator("li.hit")).to_have_count(3)
    expect(page.locator("ol.hits")).to_have_attribute("start", "11")
    expect(page.get_by_role("link", name="Trang sau ›")).to_have_count(0)
    page.get_by_role("link", name="‹ Trang trước").click()
    page.wait_for_url(lambda url: "page=" not in url)
    expect(page.locator("li.hit")).to_have_count(10)


def test_pick_an_autocomplete_suggestion_with_the_keyboard(tab, live_server):
    page = tab.page
    page.goto(live_server.url("/"))
    search_box = page.get_by_role("combobox", name="Tìm kiếm")
    search_box.press_sequentially("ha n", delay=50)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(search_box).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options.first).to_have_text("Hà Nội")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "autocomplete-desktop.png"))

    search_box.press("ArrowDown")
    search_box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    search_box.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    active = search_box.get_attribute("aria-activedescendant")
    assert active == options.nth(0).get_attribute("id")

    search_box.press("Enter")
    page.wait_for_url("**/search?q=*")
    assert query_of(page.url)["q"] == ["Hà Nội"]
    expect(page.locator("li.hit mark").first).to_have_text("Hà Nội")


def test_escape_closes_the_suggestions(tab, live_server):
    page = tab.page
    page.goto(live_server.url("/"))
    search_box = page.get_by_role("combobox", name="Tìm kiếm")
    search_box.press_sequentially("sai g", delay=50)
    expect(page.get_by_role("option", name="Sài Gòn")).to_be_visible()
    search_box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(search_box).to_have_attribute("aria-expanded", "false")
    search_box.press("Enter")
    page.wait_for_url("**/search?q=*")
    assert query_of(page.url)["q"] == ["sai g"]


def test_follow_the_did_you_mean_link(tab, live_server):
    page = tab.page
    page.goto(live_server.url("/"))
    search_box = page.get_by_role("combobox", name="Tìm kiếm")
    search_box.fill("hủ tiếuu")  # a letter typed twice
    search_box.press("Enter")
    page.wait_for_url("**/search?q=*")
    expect(page.locator(".did-you-mean")).to_have_text("Có phải bạn muốn tìm: hủ tiếu?")
    expect(page.locator("li.hit").first).to_contain_text("hủ tiếu gõ")  # found through typos
    page.get_by_role("link", name="hủ tiếu", exact=True).click()
    page.wait_for_url(lambda url: query_of(url).get("q") == ["hủ tiếu"])
    expect(page.locator(".did-you-mean")).to_have_count(0)
    expect(page.locator("li.hit mark").first).to_have_text("hủ tiếu")


def test_nothing_is_loaded_from_another_site_and_the_csp_holds(tab, live_server):
    page = tab.page
    page.goto(live_server.url("/search?q=script alert onerror"))
    expect(page.locator("li.hit").first).to_be_visible()
    assert "<script>alert(1)</script>" in page.locator("li.hit").first.inner_text()
    assert len(tab.requested) >= 4  # the page, its stylesheet, script and icon
    assert all(url.startswith(live_server.base_url + "/") for url in tab.requested)


@pytest.mark.parametrize("name, size", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_and_no_sideways_scrolling(browser, live_server, name, size):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=size, locale="vi-VN", device_scale_factor=1)
    try:
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        for shot, path in [("home", "/"), ("results", "/search?q=thể thao")]:
            tab.goto(live_server.url(path))
            tab.wait_for_load_state("networkidle")
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{shot} scrolls sideways by {overflow}px at {name} width"
            target = SCREENSHOTS / f"{shot}-{name}.png"
            tab.screenshot(path=str(target), full_page=True)
            assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        context.close()
