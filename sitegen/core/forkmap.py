"""One function over many items, in forked processes when there are enough of them.

A fresh import of thousands of papers spends seconds in pure Python that needs nothing
but its own item: parsing a digest file, tagging a paper, making and writing a new page. Forked
processes inherit the function and the items (nothing is pickled on the way out) and
send back only each item's result, in the items' order, so the import's report is the
one process's. A call with `workers=1` never forks (serve's builds after the first, whose
threads are running by then).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
"""The function and the items, set before the processes fork (they inherit them)."""


def _run_span(span: tuple[int, int]) -> list[Any]:
    assert _JOB is not None
    func, items = _JOB
    return [func(item) for item in items[span[0] : span[1]]]


def forks(workers: int, total: int, minimum: int) -> bool:
    """Whether `fork_map` would fork for `total` items: only where it pays and can."""
    return workers >= 2 and total >= minimum and "fork" in multiprocessing.get_all_start_methods()


def fork_map(
    func: Callable[[T], R], items: Sequence[T], *, workers: int, minimum: int, chunk: int
) -> Iterator[list[R]]:
    """`func` of each item, in order, a chunk (`chunk` items) at a time as the chunks are
    done: in `workers` forked processes when `forks` says so, else in this one. `func`
    must be a module-level function or a closure the children inherit (it is never
    pickled); its results are, so they should be small."""
    spans = [(start, min(start + chunk, len(items))) for start in range(0, len(items), chunk)]
    if not forks(workers, len(items), minimum):
        for start, end in spans:
            yield [func(item) for item in items[start:end]]
        return
    global _JOB
    _JOB = (func, items)
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(spans))) as pool:
            yield from pool.imap(_run_span, spans)
    finally:
        _JOB = None
