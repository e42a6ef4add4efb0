"""Search quality on the bundled reading list: a fixed list of queries, run in Chromium
through the search page (Pagefind over http), must find what they found when this test's
expectations were recorded: the same number of papers and the same first results, in order.

A change to what Pagefind indexes (the body element, the glob, the shards, the metadata)
or to how search.js orders results shows up here as a changed list. When a change is meant
to alter the results, look at the difference, then record them again:

    SITEGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_search_quality_browser.py

The recording names the Pagefind version it was made with: another version may rank
differently, and the failure says so.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import version
from pathlib import Path
from typing import Any

from tests.test_search_browser import wait_for_results
from tests.test_site_browser import site_url

EXPECTED = Path(__file__).parent / "golden" / "search_queries.json"
FIRST = 10
QUERIES = [
    "q=language+model",
    "q=reinforcement+learning",
    "q=diffusion",
    "q=quantization",
    "q=benchmark&sort=date-desc",
    "q=agents&sort=upvotes-desc",
    "q=video+generation",
    "q=mixture+of+experts",
    "q=reasoning&tag=Reinforcement+learning+%26+RLHF",
    "q=attention&year=2025",
]


def answers(page: Any, base: str) -> dict[str, dict[str, Any]]:
    found = {}
    for query in QUERIES:
        page.goto(f"{base}search/index.html?{query}")
        status = wait_for_results(page, query=page.evaluate("document.getElementById('search-q').value"))
        paths = page.locator("#search-results .card-title a").evaluate_all("links => links.map(a => a.pathname)")
        found[query] = {
            "status": status,
            "first": [p.split("/papers/", 1)[1].removesuffix("/index.html") for p in paths[:FIRST]],
        }
    return found


def test_fixed_queries_find_what_they_found(bundled_site: Path, page: Any) -> None:
    with site_url(bundled_site, "http") as base:
        found = answers(page, base)
    pagefind = version("pagefind_bin")
    if os.environ.get("SITEGEN_UPDATE_GOLDEN"):
        EXPECTED.write_text(json.dumps({"pagefind": pagefind, "queries": found}, indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(EXPECTED.read_text())
    assert all(answer["first"] for answer in found.values()), "every query finds papers"
    for query, answer in expected["queries"].items():
        assert found[query] == answer, (
            f"{query}: results changed (recorded with Pagefind {expected['pagefind']}, this is {pagefind});"
            " if meant, refresh with SITEGEN_UPDATE_GOLDEN=1"
        )
    assert list(found) == list(expected["queries"]), "the recorded queries are the test's"
