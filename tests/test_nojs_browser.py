"""Without JavaScript, what only JavaScript can work is not shown: the private "Mark as
read" and "Star" buttons, the read shelf's export/import panel, the search page's
"Loading search…" line (its <noscript> text says what to do instead)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import DEFAULT_TIMEOUT_MS

PAPER = "papers/unraveling-the-mystery-of-scaling-laws-part-i/index.html"


@pytest.fixture(params=[False, True], ids=["no-js", "js"])
def js_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=request.param)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    page.js = request.param
    try:
        yield page
    finally:
        context.close()


def test_marks_show_only_where_they_work(bundled_site: Path, js_page: Any) -> None:
    base = bundled_site.resolve().as_uri() + "/"
    js_page.goto(base + PAPER)
    for name in ("Mark as read", "Star"):
        button = js_page.locator(".private-marks button", has_text=name)
        assert button.count() == 1
        assert button.is_visible() is js_page.js, name
    js_page.goto(base + "read/index.html")
    assert js_page.locator("#marks-export").is_visible() is js_page.js


def test_search_page_without_javascript_shows_only_its_noscript_text(bundled_site: Path, js_page: Any) -> None:
    base = bundled_site.resolve().as_uri() + "/"
    js_page.goto(base + "search/index.html")
    if js_page.js:
        js_page.wait_for_function("document.querySelector('#search-results li') !== null")
        assert "Loading search" not in js_page.locator("#search-status").inner_text()
        assert js_page.locator("#search-status").inner_text().strip() != ""
        return
    main = js_page.locator("main").inner_text()
    assert "Loading search" not in main
    assert "Search needs JavaScript" in main
    assert not js_page.locator("#search-more").is_visible()
