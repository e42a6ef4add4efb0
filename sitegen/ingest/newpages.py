"""New pages made and written in forked processes, for a large fresh import.

Making a new page's text (its YAML front matter) and writing it are, after tagging, a
fresh import's longest steps, and each page needs only its own paper: a forked process
makes and creates a share of the pages (the same `create_page`, which never replaces a
file that appeared) and sends back only whether each was written. The parent holds the
papers lock for the whole time; it turns the answers into the report in the pages' order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sitegen.core.forkmap import fork_map, forks
from sitegen.core.models import Paper
from sitegen.pagefile.pages import new_page
from sitegen.pagefile.pagewrite import create_page

PARALLEL_MIN = 1000
"""Below this many new pages one process is quicker (see README, Performance: a page is
about 0.18 ms to make and write, starting a process about 0.05 s)."""
CHUNK = 250
"""Pages per task: an even share and a progress count, for little messaging."""


def pays(workers: int, pages: int) -> bool:
    """Whether `pages` new pages are made and written in forked processes."""
    return forks(workers, pages, PARALLEL_MIN)


def write_new_pages(
    pages: list[tuple[Paper, Path]], today: str, workers: int, progress: Callable[[int, int], None]
) -> dict[Path, bool]:
    """Make and create each (paper, path)'s first page in `workers` processes: path ->
    whether it was written (False: a file of that name appeared during the import)."""

    def make(item: tuple[Paper, Path]) -> bool:
        paper, path = item
        return create_page(path, new_page(paper, today).encode("utf-8"))

    created: list[bool] = []
    with fork_map(make, pages, workers=workers, minimum=PARALLEL_MIN, chunk=CHUNK) as shares:
        for share in shares:
            created += share
            progress(len(created), len(pages))
    return {path: made for (_, path), made in zip(pages, created, strict=True)}
