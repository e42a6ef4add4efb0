"""A new user's first run, end to end in Chromium: `sitegen init`, one pasted digest,
`sitegen build`, then the site from disk (offline search) and over http (Pagefind)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser import page_problems
from tests.sites import FIXTURES
from tests.test_init import sitegen
from tests.test_search_browser import result_titles, wait_for_results
from tests.test_site_browser import site_url

DIGEST = FIXTURES / "digests" / "hf-daily-papers-mar-12.txt"
TITLE = "OutlierTune: Efficient Channel-Wise Quantization for Large Language Models"


@pytest.fixture(scope="module")
def first_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("first-run")
    assert sitegen("init", cwd=root).returncode == 0
    shutil.copy(DIGEST, root / "content" / "digests" / "2025-03-12-hf-daily.txt")
    result = sitegen("build", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "no papers yet" not in result.stdout
    assert "search index: pagefind + offline" in result.stdout
    return root / "site"


@pytest.mark.parametrize("mode", ["file", "http"])
def test_first_site_loads_and_search_finds_a_pasted_paper(first_site: Path, page: Any, mode: str) -> None:
    with site_url(first_site, mode) as base:
        page.goto(base + "index.html")
        assert page.locator(".card-title a", has_text=TITLE).count() == 1
        page.locator("#site-search").fill("OutlierTune")
        page.locator("#site-search").press("Enter")
        page.wait_for_url("**/search/index.html?q=OutlierTune")
        status = wait_for_results(page, query="OutlierTune")
        assert ("offline search" in status) is (mode == "file")
        assert TITLE in result_titles(page)
        page.locator("#search-results .card-title a", has_text=TITLE).click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == TITLE
        assert "Quantizing the activations" in page.locator(".abstract").inner_text()
    assert page_problems(page) == []
