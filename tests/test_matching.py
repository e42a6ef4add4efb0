"""Which page is which paper's (sitegen/ingest/matching.py): the twin index finds what a scan finds."""

from __future__ import annotations

import random

from sitegen.ingest.matching import PageIdentity, PageTwins, same_paper


def scan(pages: list[PageIdentity], page: PageIdentity) -> PageIdentity | None:
    """The meaning PageTwins keeps: the first page before it that is the same paper."""
    return next((other for other in pages if same_paper(other, page)), None)


def test_twin_index_finds_the_first_twin_a_scan_finds() -> None:
    rng = random.Random(20)
    titles, arxivs, dois = ["", "a", "b", "c"], [None, "", "2401.00001", "2401.00002"], [None, "", "10.1/x", "10.1/y"]
    for _ in range(200):
        pages = [
            PageIdentity(f"p{i}", rng.choice(titles), rng.choice(arxivs), rng.choice(dois))
            for i in range(rng.randint(1, 12))
        ]
        twins, kept = PageTwins(), []
        for page in pages:
            assert twins.find(page) == scan(kept, page), (kept, page)
            if scan(kept, page) is None:  # as the importer does: a twin is left out
                kept.append(page)
                twins.add(page)
