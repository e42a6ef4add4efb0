"""The built site in real Chromium: from disk (file://) and from a server under a sub-path."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.browser import page_problems, serve_directory


@contextmanager
def site_url(site: Path, mode: str) -> Iterator[str]:
    """Base URL of the site, ending in '/': from disk, or served under /reading-list/."""
    if mode == "file":
        yield site.resolve().as_uri() + "/"
    else:
        with serve_directory(site, prefix="/reading-list/") as base:
            yield base


@pytest.mark.parametrize("mode", ["file", "http"])
def test_home_to_tag_to_paper_and_back(bundled_site: Path, page: Any, mode: str) -> None:
    with site_url(bundled_site, mode) as base:
        page.goto(base + "index.html")
        assert page.title().startswith("Reading list")
        tag = page.locator(".card .tags a").first
        tag_name = tag.inner_text()
        tag.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == f"Tag: {tag_name}"
        tag_url = page.url
        assert tag_url.startswith(base) and tag_url.endswith("/index.html")
        paper = page.locator(".card-title a").first
        title = paper.inner_text()
        paper.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == title
        assert "Abstract" in page.locator("main").inner_text()
        # the paper's own tag link leads back to a tag page
        page.go_back()
        assert page.url == tag_url
        page.locator("nav[aria-label=Main] a", has_text="Stats").click()
        page.wait_for_load_state()
        assert page.locator("svg.chart").count() == 3
        page.locator(".site-title").click()
        page.wait_for_load_state()
        assert page.url == base + "index.html"
        page.locator(".pager a[rel=next]").click()
        page.wait_for_load_state()
        assert page.url == base + "page/2/index.html"
    assert page_problems(page) == []


def test_missing_page_gets_404_under_sub_path(bundled_site: Path, page: Any) -> None:
    with serve_directory(bundled_site, prefix="/reading-list/") as base:
        response = page.goto(base + "no/such/page.html")
        assert response is not None and response.status == 404
