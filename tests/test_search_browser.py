"""Search in real Chromium: Pagefind over http (under a sub-path), the offline index from file://."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import page_problems, serve_directory
from tests.test_site_browser import site_url

QUANT = "Quantization & low precision"


def tagged(site: Path, tag: str) -> set[str]:
    papers = json.loads((site / "papers.json").read_text())["papers"]
    return {p["title"] for p in papers if tag in p["tags"]}


def result_titles(page: Any) -> list[str]:
    return page.locator("#search-results .card-title a").all_inner_texts()


def wait_for_results(page: Any, previous: str | None = None, query: str = "") -> str:
    """Wait until the status line reports a finished search for `query` (and differs from
    `previous`) and its results are listed (the list is aria-busy while they load)."""
    page.wait_for_function(
        "([prev, q]) => { const s = document.getElementById('search-status').textContent;"
        " return /\\d+ papers?/.test(s) && s !== prev && s.includes(q)"
        " && !document.getElementById('search-results').hasAttribute('aria-busy'); }",
        arg=[previous, f"for “{query}”" if query else ""],
    )
    return page.locator("#search-status").inner_text()


def show_all(page: Any) -> None:
    """Press "More results" until every result is listed (each page of them in: results are
    listed one by one as they come, and the list is aria-busy until the last)."""
    for _ in range(100):
        if page.evaluate("document.getElementById('search-more').hidden"):
            return
        before = page.locator("#search-results li").count()
        page.evaluate("document.getElementById('search-more').click()")
        page.wait_for_function(
            f"(document.querySelectorAll('#search-results li').length > {before}"
            " || document.getElementById('search-more').hidden)"
            " && !document.getElementById('search-results').hasAttribute('aria-busy')"
        )
    raise AssertionError("results kept coming")


@pytest.mark.parametrize("mode", ["http", "file"])
def test_more_results_clicked_twice_lists_the_next_page_once(bundled_site: Path, page: Any, mode: str) -> None:
    """A second click on "More results" while a page of them is still coming in is ignored:
    results are listed one by one as they come, so the page is not whole until the last."""
    with site_url(bundled_site, mode) as base:
        page.goto(base + "search/index.html")
        wait_for_results(page)  # browsing: every paper, 20 at a time
        assert page.locator("#search-results .card-title a").count() == 20
        page.evaluate("const more = document.getElementById('search-more'); more.click(); more.click();")
        page.wait_for_function("!document.getElementById('search-results').hasAttribute('aria-busy')")
        links = page.locator("#search-results .card-title a").evaluate_all("as => as.map(a => a.href)")
        assert len(links) == 40 and len(set(links)) == 40


@pytest.mark.parametrize("mode", ["http", "file"])
def test_search_filters_and_url(bundled_site: Path, page: Any, mode: str) -> None:
    quantization = tagged(bundled_site, "quantization")
    assert len(quantization) >= 10
    with site_url(bundled_site, mode) as base:
        page.goto(base + "search/index.html")
        box = page.locator("#search-q")
        wait_for_results(page)  # the page's first answer: browsing everything
        box.fill("quantization")
        status = wait_for_results(page, query="quantization")
        show_all(page)
        titles = set(result_titles(page))
        assert quantization <= titles, quantization - titles
        if mode == "file":
            assert "offline search" in status
        else:
            assert "offline" not in status
        # the query is in the URL
        assert parse_qs(urlsplit(page.url).query)["q"] == ["quantization"]

        # a tag filter narrows the results to papers with that tag
        count = len(titles)
        page.locator("#search-facets label", has_text="Computer vision").locator("input").check()
        status = wait_for_results(page, status)
        narrowed = set(result_titles(page))
        assert 0 < len(narrowed) < count
        assert narrowed <= tagged(bundled_site, "computer-vision")
        query = parse_qs(urlsplit(page.url).query)
        assert query["tag"] == ["Computer vision"] and query["q"] == ["quantization"]

        # the URL restores the search
        page.goto(page.url)
        wait_for_results(page, query="quantization")
        assert set(result_titles(page)) == narrowed
        assert page.locator("#search-q").input_value() == "quantization"
        assert page.locator("#search-facets label", has_text="Computer vision").locator("input").is_checked()

        # each title links to its page, which opens
        first = page.locator("#search-results .card-title a").first
        title = first.inner_text()
        first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == title
        assert page.url.startswith(base + "papers/")
    assert page_problems(page) == []


@pytest.mark.parametrize("mode", ["http", "file"])
def test_header_box_and_browse_without_query(bundled_site: Path, page: Any, mode: str) -> None:
    with site_url(bundled_site, mode) as base:
        page.goto(base + "tags/index.html")
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "site-search"
        page.keyboard.type("scaling laws")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search/index.html?q=scaling+laws")
        wait_for_results(page, query="scaling laws")
        assert any("Scaling" in t for t in result_titles(page))

        # no query: browse by year
        page.goto(base + "search/index.html?year=2024")
        status = wait_for_results(page)
        show_all(page)
        papers = json.loads((bundled_site / "papers.json").read_text())["papers"]
        from_2024 = {p["title"] for p in papers if (p["date"] or "").startswith("2024")}
        assert set(result_titles(page)) == from_2024, status
    assert page_problems(page) == []


def searches_run(page: Any) -> int:
    return int(page.locator("#search").get_attribute("data-searches") or 0)


@pytest.mark.parametrize("mode", ["http", "file"])
def test_a_one_letter_word_waits_for_the_next_key_or_enter(bundled_site: Path, page: Any, mode: str) -> None:
    """While typing, a query ending in a one-letter word is not searched (as a prefix it
    matches nearly every word: seconds of Pagefind's time); Enter searches it."""
    with site_url(bundled_site, mode) as base:
        page.goto(base + "search/index.html")
        status = wait_for_results(page)
        before = searches_run(page)
        for typed in ("l", "language m"):
            page.locator("#search-q").fill(typed)
            page.wait_for_timeout(400)  # well past the box's 150 ms wait after the last key
            assert (searches_run(page), page.locator("#search-status").inner_text()) == (before, status), typed
            assert "q=" not in page.url
        page.locator("#search-q").press("Enter")
        wait_for_results(page, status, query="language m")
        assert searches_run(page) == before + 1
        assert parse_qs(urlsplit(page.url).query)["q"] == ["language m"]
        assert page_problems(page) == []


@pytest.mark.parametrize("mode", ["http", "file"])
def test_a_pasted_query_is_searched_at_once(bundled_site: Path, page: Any, mode: str) -> None:
    """A query pasted whole is searched without the wait for more keys: here the page's timers
    are stopped after it loads, so a search that waited for one would never run."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    with site_url(bundled_site, mode) as base:
        page.goto(base + "search/index.html")
        status = wait_for_results(page)
        page.evaluate("window.setTimeout = () => 0")
        page.locator("#search-q").fill("lang")  # typed: it waits for the next key, which never comes
        page.wait_for_timeout(400)
        assert page.locator("#search-status").inner_text() == status
        page.locator("#search-q").fill("")
        page.evaluate("navigator.clipboard.writeText('language model')")
        page.locator("#search-q").press("Control+V")
        wait_for_results(page, status, query="language model")
        assert result_titles(page)
        assert page_problems(page) == []


def test_results_whose_fragments_do_not_come_are_reported_not_the_search(
    bundled_site: Path, page: Any, tmp_path: Path
) -> None:
    """A result's fragment that does not come (here: none is there) neither fails the search
    nor hides its count: the status says what was found and that some results could not be
    loaded. (The search page also reads a worker's first result's fragment to tell Pagefind's
    fallback to a shorter word from a real match: without it, that is left undecided.)"""
    site = tmp_path / "site"
    shutil.copytree(bundled_site, site)
    shutil.rmtree(site / "pagefind" / "fragment")
    with serve_directory(site) as base:
        page.goto(base + "search/index.html?q=language")
        page.wait_for_function("document.getElementById('search-status').textContent.includes('could not be loaded')")
        status = page.locator("#search-status").inner_text()
        assert re.match(
            r"[1-9]\d* papers? for “language” Some could not be loaded \(.+\); reload to try again\.$", status
        )
        assert page.locator("#search-results li").count() == 0
        assert page.locator("#search-more").is_visible()  # the next page may come in


TYPE_SLOWLY = """async (steps) => {
  const box = document.getElementById('search-q');
  for (const [text, pause] of steps) {
    box.value = text;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    await new Promise((r) => setTimeout(r, pause));
  }
}"""


def test_keys_typed_while_a_search_runs_search_only_the_newest_query(bundled_site: Path, page: Any) -> None:
    """Pagefind cannot stop a search, so the page runs one at a time: queries asked for while
    one runs (its index chunk is slow to come here) are dropped for the newest one."""
    slow = []  # set once the page is in: from then on Pagefind's index chunks come 1 s late
    delay = lambda path: 1.0 if slow and "/pagefind/index/" in path else 0.0  # noqa: E731
    with serve_directory(bundled_site, delay=delay) as base:
        page.goto(base + "search/index.html?q=vision")  # a query: browsing would load every chunk
        status = wait_for_results(page, query="vision")
        before = searches_run(page)
        slow.append(True)
        # each pause outlasts the 150 ms wait, so each query is asked for while "lan" runs
        page.evaluate(TYPE_SLOWLY, [["lan", 300], ["lang", 200], ["langu", 200], ["language", 0]])
        wait_for_results(page, status, query="language")
        assert searches_run(page) == before + 2  # "lan", then "language"; not "lang" nor "langu"
        assert result_titles(page)
        assert page_problems(page) == []


def test_excerpts_never_show_the_hidden_browse_word(bundled_site: Path, page: Any) -> None:
    """Every paper page ends with a hidden word the search page browses by; Pagefind's excerpt
    of a match near the end of a paper takes it in, and the page drops it."""
    with site_url(bundled_site, "http") as base:
        page.goto(base + "search/index.html?q=unobtainable")  # a word one paper has, its last but one
        wait_for_results(page, query="unobtainable")
        excerpts = page.locator("#search-results .excerpt").all_inner_texts()
    first = excerpts[0]
    assert first.rstrip().endswith("otherwise unobtainable before.")  # the paper's end, taken in
    assert not any("\ua66e" in text or "sitegen" in text for text in excerpts)
    assert page_problems(page) == []
