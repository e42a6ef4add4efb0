"""Sharded search against one index, in real Chromium: the same synthetic list built
twice, once as one Pagefind index and once split into 8 shards by a small memory budget
(searched in the browser by one Pagefind worker each and pooled), must show the same search.

Compared for a fixed list of searches: the status line, every result in order (each
sort, and browsing), the filters with their counts, and the URL state after the same
clicks. "Best match" (no sort, with a query) is compared as the same results and counts
only: Pagefind scores a page against its own shard's term statistics (BM25's document
frequencies, page count and average page length), and the pooled results are
ordered by those scores, so the relevance order over shards is not the one index's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from sitegen.build.pipeline import Project, build
from tests.browser import page_problems, serve_directory
from tests.sites import ROOT
from tests.test_search_browser import show_all, wait_for_results

PAPERS = 300
SHARD_BUDGET_MB = 96
"""Shards of at most 64 pages: 8 shards for the 309 papers gen.py makes (search/shards.py)."""

SORTED = [
    "",  # browsing: newest first
    "sort=date-asc",
    "sort=upvotes-desc",
    "q=language&sort=date-desc",
    "q=language&sort=date-asc",
    "q=training+data&sort=upvotes-desc",
    "q=scaling&sort=date-desc&year=2024&year=2023",
    "tag=Computer+vision",
    "tag=Computer+vision&sort=upvotes-desc",
    "status=No+status&year=2021&sort=date-asc",
    "q=learning&tag=Reinforcement+learning+%26+RLHF&sort=upvotes-desc",
]
RELEVANCE = ["q=language", "q=training+data", "q=scaling+laws", "q=model&year=2024", "q=vision+transformer"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shards")
    subprocess.run([sys.executable, str(ROOT / "tests/bench/gen.py"), str(PAPERS), str(root)], check=True)
    return root


@pytest.fixture(scope="module")
def two_sites(generated: Path) -> Iterator[tuple[Path, Path]]:
    """The same synthetic list built as one index and as shards."""
    sites = []
    for name, budget in (("one", 0), ("sharded", SHARD_BUDGET_MB)):
        project = Project(
            content=generated / "content", templates=generated / "none", output=generated / name, max_memory=budget
        )
        build(project, search=True)
        sites.append(project.output)
    yield sites[0], sites[1]


def shard_folders(site: Path) -> list[str]:
    return sorted(p.name for p in site.iterdir() if p.name.startswith("pagefind"))


def shown(page: Any, base: str, state: str) -> dict[str, Any]:
    """What the search page shows for a URL state, every result listed."""
    page.goto(base + "search/index.html" + ("?" + state if state else ""))
    status = wait_for_results(page)
    show_all(page)
    return {
        "status": status,
        "results": page.locator("#search-results .card-title a").evaluate_all("as => as.map(a => a.href)"),
        "facets": page.locator("#search-facets label").evaluate_all(
            "ls => ls.map(l => l.textContent.trim() + (l.querySelector('input').checked ? ' [x]' : ''))"
        ),
    }


def relative(answer: dict[str, Any], base: str) -> dict[str, Any]:
    return {**answer, "results": [href.removeprefix(base) for href in answer["results"]]}


def answers_in_both(two_sites: tuple[Path, Path], page: Any, states: Any) -> dict[str, list[dict[str, Any]]]:
    """What the search page shows for each URL state, in the one-index site then the sharded one."""
    answers: dict[str, list[dict[str, Any]]] = {state: [] for state in states}
    for site in two_sites:
        with serve_directory(site, prefix="/list/") as base:
            for state in states:
                answers[state].append(relative(shown(page, base, state), base))
    return answers


def test_the_small_budget_made_shards(two_sites: tuple[Path, Path]) -> None:
    one, sharded = two_sites
    assert shard_folders(one) == ["pagefind"]
    assert shard_folders(sharded) == ["pagefind", *[f"pagefind-{i}" for i in range(1, 8)]]


def test_sorted_search_filters_and_counts_equal_one_index(two_sites: tuple[Path, Path], page: Any) -> None:
    answers = answers_in_both(two_sites, page, SORTED)
    for state, (one, sharded) in answers.items():
        assert one["results"], state  # every search finds something: the comparison means something
        assert sharded == one, state
    # browsing lists every paper
    assert len(answers[""][0]["results"]) == len(json.loads((two_sites[0] / "papers.json").read_bytes())["papers"])
    assert page_problems(page) == []


def test_relevance_finds_the_same_papers_with_the_same_counts(two_sites: tuple[Path, Path], page: Any) -> None:
    answers = answers_in_both(two_sites, page, RELEVANCE)
    for state, (one, sharded) in answers.items():
        assert one["results"], state
        assert sorted(sharded["results"]) == sorted(one["results"]), state
        assert (sharded["status"], sharded["facets"]) == (one["status"], one["facets"]), state
    assert page_problems(page) == []


ABSENT = ["island", "anchor", "orchard", "lantern"]
"""Words no paper of the synthetic list holds, whose first letters some shards' words hold."""
RAW_SEARCH = """async (q) => { // Pagefind itself over every bundle the site lists, as mergeIndex pools them
  const {bundles} = await (await fetch('pagefind/sitegen-shards.json')).json();
  const pf = await import('./pagefind/pagefind.js?raw=' + encodeURIComponent(q)); // a module of its own
  await pf.init();
  for (const b of bundles.slice(1)) await pf.mergeIndex(new URL(b, location.href).pathname);
  return (await pf.search(q)).results.length;
}"""


def test_a_word_no_paper_holds_finds_nothing(two_sites: tuple[Path, Path], page: Any) -> None:
    """Pagefind falls back, in an index where no word starts with a query word, to the longest
    word of it the query word starts with: over shards a word no paper holds finds papers by a
    shorter word in every shard lacking it. The search page leaves those out: 0 papers."""
    answers = answers_in_both(two_sites, page, [f"q={word}" for word in ABSENT])
    for state, (one, sharded) in answers.items():
        word = state.removeprefix("q=")
        assert one["status"].startswith(f"0 papers for “{word}”"), state
        assert sharded["status"] == one["status"] and sharded["results"] == [], state
    with serve_directory(two_sites[1]) as base:
        page.goto(base + "index.html")
        found = {word: page.evaluate(RAW_SEARCH, word) for word in ABSENT}
    assert all(found.values()), found  # Pagefind alone finds papers for each: the test means something
    assert page_problems(page) == []


def test_the_url_state_after_the_same_clicks_is_the_same(two_sites: tuple[Path, Path], page: Any) -> None:
    seen = []
    for site in two_sites:
        with serve_directory(site, prefix="/list/") as base:
            page.goto(base + "search/index.html")
            status = wait_for_results(page)
            page.locator("#search-sort").select_option("upvotes-desc")  # the count stays: no wait for it
            page.locator("#search-q").fill("language")
            status = wait_for_results(page, status, query="language")
            page.locator("#search-facets fieldset", has_text="Year").locator("input").first.check()
            status = wait_for_results(page, status, query="language")
            show_all(page)
            url = urlsplit(page.url)
            hrefs = page.locator("#search-results .card-title a").evaluate_all("as => as.map(a => a.href)")
            seen.append((url.path.removeprefix("/list/"), url.query, status, [h.removeprefix(base) for h in hrefs]))
    assert seen[0][1].startswith("q=language&year=") and seen[0][1].endswith("&sort=upvotes-desc")
    assert seen[1] == seen[0]
    assert page_problems(page) == []


@pytest.mark.parametrize("cores", [3, 16])
def test_the_shards_are_searched_by_one_worker_per_core(two_sites: tuple[Path, Path], page: Any, cores: int) -> None:
    """The search page imports the first bundles' own pagefind.js, one per core the reader has
    (at most 8): each is its own module, so each runs its own web worker, and the shards are
    searched at once (Pagefind's mergeIndex alone would search them all in one worker)."""
    page.add_init_script(f"Object.defineProperty(navigator, 'hardwareConcurrency', {{get: () => {cores}}})")
    workers = []
    for site in two_sites:
        with serve_directory(site, prefix="/list/") as base:
            page.goto(base + "search/index.html?q=language")
            wait_for_results(page, query="language")
            workers.append(sorted(urlsplit(w.url).path.removeprefix("/list/") for w in page.workers))
    assert workers[0] == ["pagefind/pagefind-worker.js"]
    expected = ["pagefind", *[f"pagefind-{i}" for i in range(1, min(cores, 8))]]
    assert workers[1] == sorted(f"{folder}/pagefind-worker.js" for folder in expected)
    assert page_problems(page) == []


def index_chunks_fetched(site: Path, page: Any, state: str) -> dict[str, tuple[int, int]]:
    """Per bundle: the index chunks the search page fetched for a URL state, and all it has."""
    fetched: set[str] = set()
    record = lambda request: fetched.add(urlsplit(request.url).path)  # noqa: E731
    page.on("request", record)
    with serve_directory(site) as base:
        page.goto(base + "search/index.html" + ("?" + state if state else ""))
        wait_for_results(page)
    page.remove_listener("request", record)
    counts = {}
    for bundle in shard_folders(site):
        held = len(list((site / bundle / "index").iterdir()))
        counts[bundle] = (sum(1 for path in fetched if path.startswith(f"/{bundle}/index/")), held)
    return counts


@pytest.mark.parametrize("state", ["", "tag=Computer+vision&sort=upvotes-desc"])
def test_browsing_fetches_one_index_chunk_per_shard(two_sites: tuple[Path, Path], page: Any, state: str) -> None:
    """Browsing (no query) searches for the word every paper page holds, hidden, where
    Pagefind's filter-only search would fetch every index chunk: the whole index."""
    for site in two_sites:
        for bundle, (fetched, held) in index_chunks_fetched(site, page, state).items():
            assert fetched == 1, (site.name, bundle, fetched, held)
    one = index_chunks_fetched(two_sites[0], page, state)
    assert one["pagefind"][1] > 1  # the one index has several chunks: one fetched of them means something
    assert page_problems(page) == []


def test_a_paper_template_without_the_browse_word_still_browses_every_paper(generated: Path, page: Any) -> None:
    """A site's own paper.html may leave the hidden word out: the search page sees that fewer
    pages hold it than there are papers, and browses with Pagefind's filter-only search."""
    templates = generated / "own-templates"
    templates.mkdir(exist_ok=True)
    theme = (ROOT / "templates" / "paper.html").read_text(encoding="utf-8")
    kept = [line for line in theme.splitlines(keepends=True) if "browse_word" not in line]
    assert len(kept) == len(theme.splitlines()) - 1
    (templates / "paper.html").write_text("".join(kept), encoding="utf-8")
    project = Project(content=generated / "content", templates=templates, output=generated / "own", max_memory=0)
    build(project, search=True)
    papers = len(json.loads((project.output / "papers.json").read_bytes())["papers"])
    with serve_directory(project.output) as base:
        answer = shown(page, base, "")
        assert answer["status"] == f"{papers} papers" and len(answer["results"]) == papers
        tagged = shown(page, base, "tag=Computer+vision")
        assert 0 < len(tagged["results"]) < papers
    assert page_problems(page) == []
