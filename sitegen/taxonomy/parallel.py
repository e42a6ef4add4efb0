"""Tagging many papers at once, on several cores when there are enough of them.

Tagging is an import's longest step and each paper's tags depend on that paper alone, so a
fresh import of thousands of papers shares them out to forked processes (each inherits the
taxonomy and the papers' texts, and sends back only the tags). The tags are `Taxonomy.match`'s
for every paper whatever the number of processes (tests/test_tag_parallel.py).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence

from sitegen.taxonomy.tags import Taxonomy

PARALLEL_MIN = 2000
"""Below this many papers one process is quicker than starting others (a process costs
about 0.05 s to start and warm its word memo; a paper about 0.2 ms)."""
CHUNK = 250
"""Papers per task: small enough for a progress count and an even share, large enough
that sending the tasks back and forth costs nothing to speak of."""

_JOB: tuple[Taxonomy, Sequence[tuple[str, str]]] | None = None
"""The taxonomy and the papers, set before the processes fork (they inherit it)."""


def _match_range(span: tuple[int, int]) -> list[tuple[str, ...]]:
    assert _JOB is not None
    taxonomy, papers = _JOB
    return [taxonomy.match(title, abstract) for title, abstract in papers[span[0] : span[1]]]


def match_all(
    taxonomy: Taxonomy,
    papers: Sequence[tuple[str, str]],
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    minimum: int | None = None,
) -> list[tuple[str, ...]]:
    """The taxonomy's tags for each (title, abstract), in order; in `workers` forked
    processes when there are `minimum` papers or more and the system can fork. `progress`
    is told (papers tagged, papers) as they are. `minimum` defaults to PARALLEL_MIN."""
    total = len(papers)
    minimum = PARALLEL_MIN if minimum is None else minimum
    spans = [(start, min(start + CHUNK, total)) for start in range(0, total, CHUNK)]
    out: list[tuple[str, ...]] = []
    if workers < 2 or total < minimum or "fork" not in multiprocessing.get_all_start_methods():
        for span in spans:
            if progress is not None:
                progress(span[0], total)
            out += [taxonomy.match(title, abstract) for title, abstract in papers[span[0] : span[1]]]
    else:
        global _JOB
        _JOB = (taxonomy, papers)
        try:
            with multiprocessing.get_context("fork").Pool(min(workers, len(spans))) as pool:
                for tags in pool.imap(_match_range, spans):
                    out += tags
                    if progress is not None:
                        progress(len(out), total)
        finally:
            _JOB = None
    if progress is not None:
        progress(total, total)
    return out


def default_workers() -> int:
    """One process per core this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))
