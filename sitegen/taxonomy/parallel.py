"""Tagging many papers at once, on several cores when there are enough of them.

Tagging is an import's longest step and each paper's tags depend on that paper alone, so a
fresh import of thousands of papers shares them out to forked processes (each inherits the
taxonomy and the papers' texts, and sends back only the tags). The tags are `Taxonomy.match`'s
for every paper whatever the number of processes (tests/test_tag_parallel.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from sitegen.core.forkmap import fork_map
from sitegen.taxonomy.tags import Taxonomy

PARALLEL_MIN = 2000
"""Below this many papers one process is quicker than starting others (a process costs
about 0.05 s to start; a paper about 0.2 ms)."""
BATCH = 1000
"""At most this many papers are tagged together (Taxonomy.match_many): a batch costs a few
set operations per pattern, little beside a thousand papers; and a large import has at least
four batches per process, for an even share and a progress count."""


def match_all(
    taxonomy: Taxonomy,
    papers: Sequence[tuple[str, str]],
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    minimum: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[tuple[str, ...]]:
    """The taxonomy's tags for each (title, abstract), in order, in batches of at most `BATCH` papers;
    in `workers` forked processes when there are `minimum` papers or more and the system
    can fork (core/forkmap.py). `progress` is told (papers tagged, papers) as they are.
    `minimum` defaults to PARALLEL_MIN. `meanwhile` is called once the forked processes
    have started, for this process to work while they tag (the import merges the papers);
    without them, before tagging."""
    total = len(papers)
    minimum = PARALLEL_MIN if minimum is None else minimum
    workers = workers if total >= minimum else 1
    size = max(1, min(BATCH, -(-total // (4 * workers))))
    batches = [papers[start : start + size] for start in range(0, total, size)]
    out: list[tuple[str, ...]] = []
    with fork_map(taxonomy.match_many, batches, workers=workers, minimum=1, chunk=1) as shares:
        if meanwhile is not None:
            meanwhile()
        for tagged in shares:
            out += tagged[0]
            if progress is not None:
                progress(len(out), total)
    if progress is not None and not out:
        progress(0, 0)
    return out


def default_workers() -> int:
    """One process per core this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))
